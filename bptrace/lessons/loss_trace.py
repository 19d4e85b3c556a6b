"""One loss on given numbers, derived: ``bptrace loss NAME --pred … --target …``.

Provides:
- ``parse_values(text, field)`` — "0.6,0.4" or "0.2,0.6,0.2;0.1,0.8,0.1" (rows split by ";")
  as exact fractions, read by ``numbers.parse_number`` (never ``eval``);
- ``loss_trace(name, pred, target, reduction, **options)`` → ``LossTrace``: the formula of
  one element's loss l, each element's l with its numbers, the reduction L, and ∂L/∂x for
  every prediction x (formula, numbers, value), computed at 50 digits the way torch does;
  for cross-entropy also the softmax probabilities, the smoothed targets, and the general
  Jacobian route for the first sample with its SymPy proof (``SoftmaxProof``);
- the torch check is ``oracle.lessons.check_loss``; the pieces are ``loss_steps.py``, the
  class losses' traces ``loss_class_trace.py``.

Names follow torch's documentation: x is the input (prediction), y the target, l_n one
element's (or one sample's) loss, L the reduced loss. Cross-entropy's classes are numbered
from 0, like torch's class indices; samples and elements from 1.
"""
from __future__ import annotations

import mpmath
import sympy
from sympy import Integer, Symbol

from ..calculus.trace import Step
from ..errors import SpecError
from ..model.loss_math import BCE_EPS, ratio
from ..model.loss_table import LOSSES, STANDALONE, canonical
from .loss_class_trace import class_trace
from .loss_steps import (
    OPTION_SYMBOLS,
    REDUCTIONS,
    ElementStep,
    LossTrace,
    as_mpf,
    element_name,
    flatten,
    loss_choice,
    option_values,
    parse_values,
    reduce_terms,
    shape_of,
    substitute,
)


def loss_trace(name: str, pred, target, reduction: str = "mean", **options) -> LossTrace:
    """Derive loss ``name`` on predictions ``pred`` and targets ``target`` (see module doc).

    ``pred``/``target``: text ("0.6,0.4", rows split by ";") or (nested) lists of numbers.
    ``options``: ``beta`` (smooth_l1), ``delta`` (huber), ``label_smoothing`` and ``weight``
    (cross_entropy), ``weight`` (nll); None means the default.
    """
    key = canonical(name)
    if key not in STANDALONE:
        raise SpecError("LOSS", f"unknown loss {name!r} (known: {', '.join(n.replace('_', '-') for n in STANDALONE)})")
    if reduction not in REDUCTIONS:
        raise SpecError("--reduction", f"must be mean, sum or none, got {reduction!r}")
    x = parse_values(pred, "--pred")
    y = parse_values(target, "--target")
    given = {k: v for k, v in options.items() if v is not None}
    entry = LOSSES[key]
    if entry.kind == "classes":
        return class_trace(entry, x, y, reduction, given)
    choice = loss_choice(key, given, None)
    return _element_trace(entry, x, y, reduction, choice.options)


def _element_trace(entry, x, y, reduction, options) -> LossTrace:
    if shape_of(x) != shape_of(y):
        raise SpecError("--target", f"shape {shape_of(y)} does not match --pred's {shape_of(x)}")
    shape = shape_of(x)
    xs, ys = flatten(x), flatten(y)
    if entry.name == "bce":
        for field, vals in (("--pred", xs), ("--target", ys)):
            for k, v in enumerate(vals):
                if not 0 <= v <= 1:
                    raise SpecError(f"{field}[{k}]", f"{float(v):g} is outside [0, 1]: BCELoss takes "
                                    "probabilities (bce-with-logits takes raw scores)")
    el = entry.element
    opts = option_values(options)
    values = {OPTION_SYMBOLS[k]: v for k, v in opts.items() if k in OPTION_SYMBOLS}
    values["ε_torch"] = mpmath.mpf(BCE_EPS.p) / BCE_EPS.q
    idx = [(i + 1,) for i in range(len(xs))] if len(shape) == 1 else \
        [(i + 1, k + 1) for i in range(shape[0]) for k in range(shape[1])]
    N = len(xs)
    terms, grads, ls, gs = [], [], [], []
    for (i, xv, yv) in zip(idx, xs, ys):
        X, Y = Symbol(element_name("x", *i)), Symbol(element_name("y", *i))
        xv, yv = as_mpf(xv), as_mpf(yv)
        values[X.name], values[Y.name] = xv, yv
        sub = {Symbol("x"): X, Symbol("y"): Y}
        term = next(b for b in el.terms if b.applies(xv, yv, opts))
        grad = next(b for b in el.grads if b.applies(xv, yv, opts))
        lv, gv = el.value(xv, yv, mpmath, opts), el.grad(xv, yv, mpmath, opts)
        L = Symbol(element_name("l", *i))
        values[L.name] = lv
        ls.append(lv)
        when = lambda b: None if b.when is None else substitute(b.when, sub)  # noqa: E731
        terms.append(ElementStep(Step(L, substitute(term.formula, sub), lv), when(term)))
        g = substitute(grad.formula, sub)
        if reduction == "mean":
            g, gv = ratio(g, Integer(N), evaluate=False), gv / N
        lhs = sympy.Derivative(Symbol("l" if reduction == "none" else "L"), X)
        if reduction == "none":
            lhs = sympy.Derivative(L, X)
        grads.append(ElementStep(Step(lhs, g, gv), when(grad)))
        gs.append(gv)
    total, value = reduce_terms(reduction, [Symbol(element_name("l", *i)) for i in idx], ls, Integer(N), N)
    if total is not None:
        values["L"] = value
    return LossTrace(entry.name, entry.torch_name, dict(options), reduction, shape,
                     el.definition, (), tuple(terms), total, tuple(grads), (), None, values,
                     value, tuple(gs))
