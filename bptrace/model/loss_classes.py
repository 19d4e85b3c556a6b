"""The class losses of the table: cross-entropy (of logits) and NLL (of log-probabilities).

Provides, for ``loss_table.LOSSES``: each loss's per-class terms and their derivatives
(SymPy), their values and gradients (mpmath or float64, by the module passed as ``m``),
the torch call, and the target checks — class indices or probability rows, label
smoothing (1 − ε)·y + ε/C and per-class weights as torch applies them.
"""

from __future__ import annotations

import sympy
from sympy import Integer, Rational, Symbol

from .loss_math import (
    log_softmax,
    softmax,
    softmax_values,
)
from .unevaluated import add, mul, subtract

X, Y = Symbol("x"), Symbol("y")
BETA, DELTA, EPS = Symbol("β"), Symbol("δ"), Symbol("ε")


def in_unit(values, what: str):
    """The first value outside [0, 1], described, or None (BCE's inputs and targets)."""
    for k, v in enumerate(values):
        if not 0 <= v <= 1:
            return f"{what}[{k}] = {float(v):g} is outside [0, 1]"
    return None


def smoothed(ts, opts, C):
    """q_j = (1 − ε)·t_j + ε/C: label smoothing of the target probabilities."""
    eps = opts.get("label_smoothing", 0)
    if not eps:
        return list(ts)
    return [add(mul(1 - eps, t), Rational(eps) / C) if isinstance(t, sympy.Basic)
            else (1 - eps) * t + eps / C for t in ts]


def coefficients(ts, opts, C):
    """a_j = w_j·q_j: the weight of −log p_j in one sample's cross-entropy."""
    q = smoothed(ts, opts, C)
    w = opts.get("weight")
    if w is None:
        return q
    return [mul(wj, qj) if isinstance(qj, sympy.Basic) else wj * qj for wj, qj in zip(w, q)]


def rational_options(opts) -> dict:
    """Exact options as SymPy numbers, for formulas."""
    out = {}
    for k, v in opts.items():
        out[k] = None if v is None else tuple(Rational(x) for x in v) if k == "weight" else Rational(v)
    return out


def ce_terms(ts, os, opts):
    a = coefficients(ts, rational_options(opts), len(os))
    return [mul(-1, aj, sympy.log(softmax(Integer(j + 1), *os))) for j, aj in enumerate(a)]


def ce_derivative(ts, os, j, opts):
    a = coefficients(ts, rational_options(opts), len(os))
    p = softmax(Integer(j + 1), *os)
    if opts.get("weight") is None:        # Σ_k q_k = 1 when the targets sum to 1
        return subtract(p, a[j])
    return subtract(mul(p, add(*a)), a[j])


def ce_values(ts, os, m, opts):
    a = coefficients(ts, opts, len(os))
    return [-aj * lp for aj, lp in zip(a, log_softmax(os, m))]


def ce_grads(ts, os, m, opts):
    a = coefficients(ts, opts, len(os))
    total = sum(a)
    return [p * total - aj for p, aj in zip(softmax_values(os, m), a)]


def weight_tensor(torch, opts, like):
    w = opts.get("weight")
    return None if w is None else torch.tensor([float(v) for v in w], dtype=like.dtype)


def ce_torch(torch, x, y, opts, reduction):
    return torch.nn.functional.cross_entropy(
        x, y, weight=weight_tensor(torch, opts, x), reduction=reduction,
        label_smoothing=float(opts.get("label_smoothing", 0)))


def probability_row(ts):
    problem = in_unit(ts, "targets")
    if problem:
        return problem
    if sum(ts) != 1:
        return f"the target probabilities sum to {float(sum(ts)):g}, not 1"
    return None


def one_hot(ts):
    if sorted(ts) != [0] * (len(ts) - 1) + [1]:
        return "nll needs one-hot targets (one 1, the rest 0): the class of the sample"
    return None


def nll_terms(ts, os, opts):
    w = opts.get("weight")
    return [mul(-1, Rational(w[j]), t, o) if w is not None else mul(-1, t, o)
            for j, (t, o) in enumerate(zip(ts, os))]


def nll_derivative(ts, os, j, opts):
    w = opts.get("weight")
    return mul(-1, Rational(w[j]), ts[j]) if w is not None else mul(-1, ts[j])


def nll_values(ts, os, m, opts):
    w = opts.get("weight") or [1] * len(os)
    return [-wj * t * o for wj, t, o in zip(w, ts, os)]


def nll_grads(ts, os, m, opts):
    w = opts.get("weight") or [1] * len(os)
    return [-wj * t + 0 * o for wj, t, o in zip(w, ts, os)]


def nll_torch(torch, x, y, opts, reduction):
    return torch.nn.functional.nll_loss(x, y, weight=weight_tensor(torch, opts, x), reduction=reduction)
