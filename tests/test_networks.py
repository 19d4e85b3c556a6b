"""Random networks of every supported shape, activation and bias layout against torch
(float64, 1e-12 relative); chain-rule paths against the delta form; scale."""
import time

import mpmath
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bptrace
from bptrace.model.activations import ACTIVATIONS
from conftest import assert_close, random_network

torch = pytest.importorskip("torch", reason="torch is the oracle; install the test extras")
from bptrace.oracle.check import torch_values  # noqa: E402


@st.composite
def networks(draw):
    depth = draw(st.integers(1, 4))
    sizes = [draw(st.integers(1, 4)) for _ in range(depth + 1)]
    acts = [draw(st.sampled_from(sorted(ACTIVATIONS))) for _ in range(depth)]
    shared = [draw(st.booleans()) for _ in range(depth)]
    loss = draw(st.sampled_from(["half_sse", "mse"]))
    return random_network(sizes, acts, shared, loss, seed=draw(st.integers(0, 10**6)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_every_gradient_matches_torch(net):
    theirs = torch_values(net)
    assert_close(net.loss_value, theirs["E_total"], "E_total")
    for name in net.values:
        if name.startswith(("net_", "out_")):
            assert_close(net.values[name], theirs[name], name)
    for p, g in net.gradients().items():
        assert_close(g, theirs[f"grad:{p}"], f"∂E/∂{p} in {net!r}")


@settings(max_examples=30, deadline=None)
@given(networks())
def test_path_sum_equals_delta_form(net):
    for p in net.locations:
        d = net.derive(p, max_paths=64)
        if not d.summarised:
            assert len(d.paths) == d.path_count
            assert abs(d.path_sum - d.value) <= mpmath.mpf(10) ** -40 * max(1, abs(d.value))
        assert d.value == net.gradients()[p]


@pytest.mark.parametrize("acts", [("tanh", "sigmoid"), ("relu", "identity"), ("leaky_relu", "tanh")])
def test_symbolic_proof_for_other_activations(acts):
    net = random_network([2, 3, 2], list(acts), [True, False], seed=3)
    for p in ["w1", "w7", "b1", "b2"]:
        assert net.prove(p).proven, p


def test_mean_loss_proof():
    net = random_network([2, 2, 2], ["sigmoid", "sigmoid"], [True, True], loss="mse", seed=5)
    assert all(net.prove(p).proven for p in ["w1", "w5", "b1"])


def test_large_network_gradients_are_exact_and_quick_and_summarised():
    net = random_network([8, 16, 16, 4], ["sigmoid"] * 3, [False] * 3, seed=11)
    grads = net.gradients()
    assert len(grads) == 8 * 16 + 16 + 16 * 16 + 16 + 16 * 4 + 4
    theirs = torch_values(net)
    for p, g in grads.items():
        assert_close(g, theirs[f"grad:{p}"], p)
    d = net.derive("w1", max_paths=16)
    assert d.summarised and d.path_count == 64 and d.paths == ()
    assert "not listed" in bptrace.to_text(d)
    proof = net.prove("w1")
    assert not proof.proven and "too large" in proof.reason


def test_python_network_equals_spec_network(mazur):
    net = bptrace.Network(
        [0.05, 0.10], [0.01, 0.99],
        [bptrace.Layer(2, "sigmoid", [[0.15, 0.20], [0.25, 0.30]], 0.35),
         bptrace.Layer(2, "sigmoid", [[0.40, 0.45], [0.50, 0.55]], 0.60)],
        update_biases=False)
    assert net.parameters == mazur.parameters          # 0.1 read as 1/10, exactly
    assert net.gradients() == mazur.gradients()


def test_indexed_naming_and_several_hidden_layers():
    net = random_network([2, 3, 3, 1], ["tanh"] * 3, [True, False, True], seed=2)
    assert net.names.neurons == (("h1_1", "h1_2", "h1_3"), ("h2_1", "h2_2", "h2_3"), ("o1",))
    idx = bptrace.Network(net.inputs, net.targets, net.layers, naming="indexed")
    assert list(idx.locations)[:3] == ["w1_1_1", "w1_1_2", "w1_2_1"]
    assert "b2_3" in idx.locations and "b1" in idx.locations
    assert list(idx.gradients().values()) == list(net.gradients().values())
