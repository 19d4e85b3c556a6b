"""Loss functions, one table entry each.

Provides ``LOSSES`` (name → ``Loss``). An entry writes the per-output term (E_o1), how the
terms combine into E_total, and ∂E_total/∂out_o in the lecturer's form
(−(target_o1 − out_o1) for the half sum of squares). ``tests/test_tables.py`` proves each
written derivative equals ``sympy.diff`` of the written loss; later losses (L1, BCE,
cross-entropy, …) are more entries.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import sympy
from sympy import Rational

from .activations import _add, _mul


@dataclass(frozen=True)
class Loss:
    """One loss: per-output term, reduction, derivative, torch counterpart."""

    name: str
    description: str
    term: Callable[[sympy.Expr, sympy.Expr], sympy.Expr]            # E_o from (target, out)
    total: Callable[[Sequence[sympy.Expr]], sympy.Expr]             # E_total from the E_o
    derivative: Callable[[sympy.Expr, sympy.Expr, int], sympy.Expr]  # ∂E_total/∂out from (target, out, n)
    value: Callable      # E_total from (targets, outs) — lists of mpf or numpy arrays
    grad: Callable       # ∂E_total/∂out_k from (target_k, out_k, n)
    torch: Callable      # (torch module, outs, targets) → loss tensor


def _half_sse_term(t, o):
    return _mul(Rational(1, 2), sympy.Pow(_add(t, _mul(-1, o)), 2, evaluate=False))


def _sq_term(t, o):
    return sympy.Pow(_add(t, _mul(-1, o)), 2, evaluate=False)


LOSSES: dict[str, Loss] = {
    l.name: l
    for l in [
        Loss(
            "half_sse", "E_total = Σ ½(target − out)²  (the classic write-up)",
            _half_sse_term,
            lambda terms: _add(*terms),
            lambda t, o, n: _mul(-1, _add(t, _mul(-1, o))),
            lambda ts, os: sum((t - o) ** 2 for t, o in zip(ts, os)) / 2,
            lambda t, o, n: o - t,
            lambda torch, o, t: 0.5 * torch.nn.functional.mse_loss(o, t, reduction="sum")),
        Loss(
            "mse", "E_total = (1/n) Σ (target − out)²  (torch.nn.MSELoss, mean)",
            _sq_term,
            lambda terms: _mul(Rational(1, len(terms)), _add(*terms)),
            lambda t, o, n: _mul(Rational(-2, n), _add(t, _mul(-1, o))),
            lambda ts, os: sum((t - o) ** 2 for t, o in zip(ts, os)) / len(ts),
            lambda t, o, n: 2 * (o - t) / n,
            lambda torch, o, t: torch.nn.functional.mse_loss(o, t)),
        Loss(
            "sse", "E_total = Σ (target − out)²  (torch.nn.MSELoss(reduction='sum'))",
            _sq_term,
            lambda terms: _add(*terms),
            lambda t, o, n: _mul(-2, _add(t, _mul(-1, o))),
            lambda ts, os: sum((t - o) ** 2 for t, o in zip(ts, os)),
            lambda t, o, n: 2 * (o - t),
            lambda torch, o, t: torch.nn.functional.mse_loss(o, t, reduction="sum")),
    ]
}
