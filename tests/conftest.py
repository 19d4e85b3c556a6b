"""Shared fixtures and helpers: the classic network, random networks, torch comparison."""
from __future__ import annotations

import random

import mpmath
import pytest
from hypothesis import settings

# the same examples on every run: a property test that fails, fails for everyone (and CI
# is not red by the luck of the draw); `--hypothesis-seed` still explores by hand
settings.register_profile("bptrace", derandomize=True)
settings.load_profile("bptrace")

import bptrace
from bptrace.model.numbers import fmt


@pytest.fixture
def mazur():
    return bptrace.load("mazur")


def at9(x) -> str:
    """A value at the classic write-up's rounding: 9 places after the point."""
    return fmt(x, decimals=9)


def published(x, figure: str) -> bool:
    """Whether ``x`` rounds to ``figure`` at the places the figure was printed with."""
    places = len(figure.split(".")[1]) if "." in figure else 0
    return fmt(x, decimals=places) == figure


def random_network(sizes, activations, shared, loss="half_sse", seed=0):
    """A network with weights drawn as short decimals (exact in the spec, as a user writes)."""
    r = random.Random(seed)
    layers = []
    for l, (fan_in, units) in enumerate(zip(sizes, sizes[1:])):
        w = [[f"{r.uniform(-1.5, 1.5):.3f}" for _ in range(fan_in)] for _ in range(units)]
        b = f"{r.uniform(-1, 1):.2f}" if shared[l] else [f"{r.uniform(-1, 1):.2f}" for _ in range(units)]
        layers.append(bptrace.Layer(units, activations[l], w, b))
    inputs = [f"{r.uniform(-1, 1):.2f}" for _ in range(sizes[0])]
    targets = [f"{r.uniform(0, 1):.2f}" for _ in range(sizes[-1])]
    return bptrace.Network(inputs, targets, layers, loss=loss)


def assert_close(ours, theirs, what, rel=1e-12, abs_=1e-15):
    """Fails showing both numbers and the tolerance (HIPS/autograd's habit)."""
    ours = float(ours)
    diff = abs(ours - theirs)
    assert diff <= max(rel * abs(theirs), abs_), (
        f"{what}: bptrace {ours!r} vs torch {theirs!r} (|diff| {diff:.3g} > "
        f"rel {rel} / abs {abs_})")
