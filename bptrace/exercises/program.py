"""The blanks of an exercise as a small program: quantities in dependency order, each with
its rule and the perturbed rules that reproduce a student's mistakes.

Provides:
- ``Quantity`` — an answer name (``out_h1``, ``dE_dw5``, ``w1_new``), how it is shown
  (``label``, ``latex``), the correct ``rule(env)`` and ``mistakes``: pairs
  (misconception key, rule) whose value is what a student making that mistake writes,
  computed from the values already in ``env`` (so an earlier error carries forward);
- ``run(quantities, givens, mistake=None, digits=None)`` — every value in order, with one
  misconception applied wherever it has a rule and the values rounded as a student writes
  them and reuses them (the simulated student of the tests and of the catalogue check).

A rule returns an mpmath number, or ``None`` when a mistake cannot happen here (σ′ of a ReLU
unit, one path of a neuron with one outgoing path).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional

import mpmath

from .rounding import rounded

Rule = Callable[[Mapping[str, mpmath.mpf]], Optional[mpmath.mpf]]


@dataclass(frozen=True)
class Quantity:
    name: str
    label: str
    latex: str
    rule: Rule
    mistakes: tuple = field(default=(), repr=False)   # ((misconception key, Rule), …)
    gradient: bool = False                             # rejected when too small to mark

    def mistaken(self, key: str, env) -> Optional[mpmath.mpf]:
        """The first of ``key``'s rules that gives a number here, or None."""
        for k, rule in self.mistakes:
            if k == key:
                value = rule(env)
                if value is not None:
                    return value
        return None

    def candidates(self, env):
        """Every (misconception key, value) the mistakes give here."""
        for k, rule in self.mistakes:
            value = rule(env)
            if value is not None:
                yield k, value


def run(quantities, givens: Mapping, mistake: Optional[str] = None,
        digits: Optional[int] = None) -> dict:
    """Each quantity's value, the given ones first in ``env``; see the module docstring."""
    env = dict(givens)
    out = {}
    for q in quantities:
        value = q.mistaken(mistake, env) if mistake else None
        if value is None:
            value = q.rule(env)
        if digits is not None:
            value = mpmath.mpf(str(rounded(value, digits)))
        env[q.name] = out[q.name] = value
    return out
