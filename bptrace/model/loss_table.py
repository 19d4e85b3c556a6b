"""Loss functions, one table entry each.

Provides ``LOSSES`` (name → ``Loss``), ``canonical(name)`` (``smooth-l1`` → ``smooth_l1``),
``LossChoice`` (a loss name carrying its options, what ``Network.loss`` holds; made by
``loss_choice.choose``) and the
generic symbols ``X``, ``Y`` (prediction, target) and ``BETA``, ``DELTA``, ``EPS``.

An entry writes, side by side:
- for a network (one sample; symbols ``target_o1``, ``out_o1``): each output's term E_o1,
  and ∂(Σ E_o)/∂out_oj in the lecturer's form (−(target_o1 − out_o1) for the half sum of
  squares, softmax_j(…) − target_oj for cross-entropy). ``within`` says how one sample's
  terms combine: "sum", "mean", or None — the network's reduction, so that a batch reduced
  by "mean" is torch's mean over all elements;
- the same as numbers, over a module ``m`` (mpmath at 50 digits, or math for float64),
  computed the way torch computes them: log-sum-exp for cross-entropy, BCE's logarithms
  clamped at −100 and its gradient's x(1 − x) floored at 1e-12, sign(0) = 0 for L1;
- for an element-wise loss, its branches as shown in ``bptrace loss`` (``Element``);
- the torch counterpart, a function of the torch module (torch is never imported here).

``tests/test_tables.py`` proves each written derivative equals ``sympy.diff`` of the
written loss, and that the numbers agree with the formulas and with torch.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Mapping, Optional, Sequence

import mpmath
import sympy
from sympy import Rational, Symbol

from .activations import sigmoid
from .loss_math import (
    BCE_EPS,
    BCE_LOG_FLOOR,
    absval,
    clamped_log,
    clamped_log_value,
    clip,
    huber,
    huber_value,
    ratio,
    sgn,
    sign_value,
    smooth_l1,
    smooth_l1_value,
)
from .unevaluated import add, mul, subtract

X, Y = Symbol("x"), Symbol("y")
BETA, DELTA, EPS = Symbol("β"), Symbol("δ"), Symbol("ε")
from .loss_classes import (
    ce_derivative,
    ce_grads,
    ce_terms,
    ce_torch,
    ce_values,
    in_unit,
    nll_derivative,
    nll_grads,
    nll_terms,
    nll_torch,
    nll_values,
    one_hot,
    probability_row,
)


def canonical(name: str) -> str:
    """The table key for a loss name as typed: ``smooth-l1`` and ``smooth_l1`` alike."""
    return name.strip().lower().replace("-", "_")


class LossChoice(str):
    """A loss's table name (it *is* that string) with its options attached.

    ``options`` holds exact values (``beta``, ``delta``, ``label_smoothing``, ``weight``);
    ``within`` is how one sample's terms combine ("mean" or "sum"). Being a ``str`` keeps
    every place that shows or compares the loss's name unchanged.
    """

    options: Mapping[str, object]
    within: str

    def __new__(cls, name: str, options=None, within: str = "sum"):
        obj = super().__new__(cls, name)
        obj.options = dict(options or {})
        obj.within = within
        return obj

    @property
    def entry(self) -> "Loss":
        return LOSSES[str(self)]

    def __reduce__(self):
        return (LossChoice, (str(self), self.options, self.within))


@dataclass(frozen=True)
class Branch:
    """One branch of an element's formula: shown when ``applies`` to the numbers."""

    formula: sympy.Expr
    when: Optional[sympy.Expr] = None     # a condition shown with its numbers; None: otherwise
    applies: Callable = lambda x, y, o: True


@dataclass(frozen=True)
class Element:
    """An element-wise loss l(x, y) as ``bptrace loss`` shows it, and as numbers.

    ``definition`` is the formula as written in a course (printed once); ``terms`` and
    ``grads`` are the branches the numbers go through (for BCE-with-logits the stable form
    torch evaluates). ``value(x, y, m, opts)`` and ``grad(x, y, m, opts)`` are ∂l/∂x.
    """

    definition: tuple[Branch, ...]
    terms: tuple[Branch, ...]
    grads: tuple[Branch, ...]
    value: Callable
    grad: Callable


@dataclass(frozen=True)
class Loss:
    """One loss: torch's name, options, per-sample formulas and numbers, torch counterpart."""

    name: str
    torch_name: str
    description: str
    kind: str                                  # "elementwise" or "classes"
    defaults: Mapping[str, object]             # option → default (exact)
    within: Optional[str]                      # "mean", "sum", or None: the reduction
    terms: Callable     # (targets, outs, opts) → [E_o per output], SymPy
    derivative: Callable  # (targets, outs, j, opts) → ∂(Σ E_o)/∂out_j as written
    values: Callable    # (targets, outs, m, opts) → [E_o numbers]
    grads: Callable     # (targets, outs, m, opts) → [∂(Σ E_o)/∂out_j numbers]
    torch: Callable     # (torch, input, target, opts, reduction) → the torch.nn.functional loss
    element: Optional[Element] = None
    targets_problem: Callable = lambda ts: None    # exact targets of one sample → problem or None
    outputs_problem: Callable = lambda os: None    # outputs of one sample → problem or None
    notes: tuple[str, ...] = field(default=())

    def term(self, t, o, opts=None) -> sympy.Expr:
        """One output's term E_o from (target, out), with the default options."""
        return self.terms([t], [o], {**self.defaults, **(opts or {})})[0]

    def total(self, terms: Sequence[sympy.Expr], within: Optional[str] = None) -> sympy.Expr:
        """E_total from the E_o: their mean or sum (``Network.loss_total`` for a network)."""
        if (within or self.within or "mean") == "mean":
            return mul(Rational(1, len(terms)), add(*terms))
        return add(*terms)

    def torch_sample(self, torch, out, target, opts, within: str):
        """One sample's loss in torch (1-D tensors), combined over its outputs by ``within``."""
        if self.kind == "elementwise":
            return self.torch(torch, out, target, opts, within)
        if self.name == "nll":
            return self.torch(torch, out[None], target.argmax()[None], opts, "sum")
        return self.torch(torch, out[None], target[None], opts, "sum")


# ----- element-wise losses ------------------------------------------------------------------
def _elementwise(name, torch_name, description, term, dterm, element, torch, defaults=None,
                 within=None, **extra) -> Loss:
    """An element-wise loss: a network's terms and derivative are the element's, output by output."""
    return Loss(
        name, torch_name, description, "elementwise", defaults or {}, within,
        terms=lambda ts, os, o: [term(t, v, o) for t, v in zip(ts, os)],
        derivative=lambda ts, os, j, o: dterm(ts[j], os[j], o),
        values=lambda ts, os, m, o: [element.value(v, t, m, o) for t, v in zip(ts, os)],
        grads=lambda ts, os, m, o: [element.grad(v, t, m, o) for t, v in zip(ts, os)],
        torch=torch, element=element, **extra)


def _sq(e):
    return sympy.Pow(e, 2, evaluate=False)


_R = subtract(X, Y)

_SQUARE = Element(
    definition=(Branch(_sq(_R)),), terms=(Branch(_sq(_R)),), grads=(Branch(mul(2, _R)),),
    value=lambda x, y, m, o: (x - y) ** 2,
    grad=lambda x, y, m, o: 2 * (x - y))

_L1 = Element(
    definition=(Branch(absval(_R)),), terms=(Branch(absval(_R)),), grads=(Branch(sgn(_R)),),
    value=lambda x, y, m, o: abs(x - y),
    grad=lambda x, y, m, o: sign_value(x - y, m))

_below_beta = lambda x, y, o: abs(x - y) < o["beta"]     # noqa: E731
_SMOOTH_L1_TERMS = (
    Branch(ratio(_sq(_R), mul(2, BETA), evaluate=False), sympy.StrictLessThan(absval(_R), BETA),
           _below_beta),
    Branch(add(absval(_R), mul(-1, ratio(BETA, 2, evaluate=False)))))
_SMOOTH_L1 = Element(
    definition=_SMOOTH_L1_TERMS, terms=_SMOOTH_L1_TERMS,
    grads=(Branch(ratio(_R, BETA, evaluate=False), sympy.StrictLessThan(absval(_R), BETA), _below_beta),
           Branch(sgn(_R))),
    value=lambda x, y, m, o: smooth_l1_value(x - y, o["beta"], m),
    grad=lambda x, y, m, o: min(max((x - y) / o["beta"], -1 + 0 * x), 1 + 0 * x))

_below_delta = lambda x, y, o: abs(x - y) < o["delta"]   # noqa: E731
_HUBER_TERMS = (
    Branch(mul(Rational(1, 2), _sq(_R)), sympy.StrictLessThan(absval(_R), DELTA), _below_delta),
    Branch(mul(DELTA, add(absval(_R), mul(-1, ratio(DELTA, 2, evaluate=False))))))
_HUBER = Element(
    definition=_HUBER_TERMS, terms=_HUBER_TERMS,
    grads=(Branch(_R, sympy.StrictLessThan(absval(_R), DELTA), _below_delta),
           Branch(mul(DELTA, sgn(_R)))),
    value=lambda x, y, m, o: huber_value(x - y, o["delta"], m),
    grad=lambda x, y, m, o: min(max(x - y, -o["delta"]), o["delta"]))


def _bce_written(x, y, log=sympy.log):
    return mul(-1, add(mul(y, log(x)), mul(subtract(1, y), log(subtract(1, x)))))


def _bce_grad(x, y, m, o):
    # torch: (x − y) / max(x(1 − x), 1e-12)
    return (x - y) / max(x * (1 - x), 0 * x + _num(BCE_EPS, m))


def _num(q, m):
    """An exact rational as a number of module ``m``."""
    return mpmath.mpf(q.p) / q.q if m is mpmath else q.p / q.q


_LOG_FLOOR_AT = mpmath.exp(BCE_LOG_FLOOR)   # below this, torch's log(x) is clamped


def _bce_unclamped(x, y, o):
    return min(x, 1 - x) > _LOG_FLOOR_AT


_EPS_FLOOR = Symbol("ε_torch")   # shown as a symbol, valued 1e-12
_BCE = Element(
    definition=(Branch(_bce_written(X, Y)),),
    terms=(Branch(_bce_written(X, Y), None, _bce_unclamped),
           Branch(_bce_written(X, Y, clamped_log))),
    grads=(Branch(ratio(_R, mul(X, subtract(1, X)), evaluate=False), sympy.GreaterThan(mul(X, subtract(1, X)), _EPS_FLOOR),
                  lambda x, y, o: x * (1 - x) >= _num(BCE_EPS, mpmath)),
           Branch(ratio(_R, _EPS_FLOOR, evaluate=False))),
    value=lambda x, y, m, o: -(y * clamped_log_value(x, m) + (1 - y) * clamped_log_value(1 - x, m)),
    grad=_bce_grad)


def _sigmoid_value(x, m):
    # σ(x) without overflow: e^x/(1 + e^x) for negative x
    if x >= 0:
        return 1 / (1 + m.exp(-x))
    e = m.exp(x)
    return e / (1 + e)


_BCE_LOGITS = Element(
    definition=(Branch(_bce_written(sigmoid(X), Y)),),
    terms=(Branch(add(sympy.Max(X, 0), mul(-1, X, Y),
                       sympy.log(add(1, sympy.exp(mul(-1, absval(X))))))),),
    grads=(Branch(subtract(sigmoid(X), Y)),),
    value=lambda x, y, m, o: max(x, 0 * x) - x * y + m.log1p(m.exp(-abs(x))),
    grad=lambda x, y, m, o: _sigmoid_value(x, m) - y)


def _mse_torch(scale=1):
    def f(torch, x, y, opts, reduction):
        return scale * torch.nn.functional.mse_loss(x, y, reduction=reduction)
    return f


LOSSES: dict[str, Loss] = {
    l.name: l
    for l in [
        _elementwise(
            "half_sse", "½·MSELoss(reduction='sum')", "E_total = Σ ½(target − out)²  (the classic write-up)",
            lambda t, o, opts: mul(Rational(1, 2), _sq(subtract(t, o))),
            lambda t, o, opts: mul(-1, subtract(t, o)),
            Element((Branch(mul(Rational(1, 2), _sq(_R))),), (Branch(mul(Rational(1, 2), _sq(_R))),),
                    (Branch(_R),), lambda x, y, m, o: (x - y) ** 2 / 2, lambda x, y, m, o: x - y),
            lambda torch, x, y, opts, reduction: 0.5 * torch.nn.functional.mse_loss(x, y, reduction="sum"),
            within="sum"),
        _elementwise(
            "mse", "MSELoss", "E_total = (1/n) Σ (target − out)²  (torch.nn.MSELoss, mean)",
            lambda t, o, opts: _sq(subtract(t, o)),
            lambda t, o, opts: mul(-2, subtract(t, o)),
            _SQUARE, _mse_torch()),
        _elementwise(
            "sse", "MSELoss(reduction='sum')", "E_total = Σ (target − out)²  (torch.nn.MSELoss(reduction='sum'))",
            lambda t, o, opts: _sq(subtract(t, o)),
            lambda t, o, opts: mul(-2, subtract(t, o)),
            _SQUARE, _mse_torch(), within="sum"),
        _elementwise(
            "l1", "L1Loss", "|out − target| (mean absolute error; torch.nn.L1Loss)",
            lambda t, o, opts: absval(subtract(o, t)),
            lambda t, o, opts: sgn(subtract(o, t)),
            _L1, lambda torch, x, y, opts, reduction: torch.nn.functional.l1_loss(x, y, reduction=reduction)),
        _elementwise(
            "smooth_l1", "SmoothL1Loss", "½r²/β for |r| < β, |r| − ½β beyond (torch.nn.SmoothL1Loss)",
            lambda t, o, opts: smooth_l1(subtract(o, t), Rational(opts["beta"])),
            lambda t, o, opts: clip(ratio(subtract(o, t), Rational(opts["beta"]), evaluate=False), -1, 1),
            _SMOOTH_L1,
            lambda torch, x, y, opts, reduction: torch.nn.functional.smooth_l1_loss(
                x, y, reduction=reduction, beta=float(opts["beta"])),
            defaults={"beta": Fraction(1)}),
        _elementwise(
            "huber", "HuberLoss", "½r² for |r| < δ, δ(|r| − ½δ) beyond (torch.nn.HuberLoss)",
            lambda t, o, opts: huber(subtract(o, t), Rational(opts["delta"])),
            lambda t, o, opts: clip(subtract(o, t), -Rational(opts["delta"]), Rational(opts["delta"])),
            _HUBER,
            lambda torch, x, y, opts, reduction: torch.nn.functional.huber_loss(
                x, y, reduction=reduction, delta=float(opts["delta"])),
            defaults={"delta": Fraction(1)}),
        _elementwise(
            "bce", "BCELoss", "−[y·log x + (1 − y)·log(1 − x)], logs clamped at −100 (torch.nn.BCELoss)",
            lambda t, o, opts: _bce_written(o, t),
            lambda t, o, opts: ratio(subtract(o, t), mul(o, subtract(1, o)), evaluate=False),
            _BCE,
            lambda torch, x, y, opts, reduction: torch.nn.functional.binary_cross_entropy(
                x, y, reduction=reduction),
            targets_problem=lambda ts: in_unit(ts, "targets"),
            outputs_problem=lambda os: in_unit(os, "outputs")),
        _elementwise(
            "bce_with_logits", "BCEWithLogitsLoss",
            "−[y·log σ(x) + (1 − y)·log(1 − σ(x))] from logits, computed stably (torch.nn.BCEWithLogitsLoss)",
            lambda t, o, opts: _bce_written(sigmoid(o), t),
            lambda t, o, opts: subtract(sigmoid(o), t),
            _BCE_LOGITS,
            lambda torch, x, y, opts, reduction: torch.nn.functional.binary_cross_entropy_with_logits(
                x, y, reduction=reduction),
            targets_problem=lambda ts: in_unit(ts, "targets")),
        Loss(
            "cross_entropy", "CrossEntropyLoss",
            "−Σ_c y_c·log softmax_c(logits) (torch.nn.CrossEntropyLoss: it takes logits)",
            "classes", {"label_smoothing": Fraction(0), "weight": None}, "sum",
            ce_terms, ce_derivative, ce_values, ce_grads, ce_torch,
            targets_problem=probability_row),
        Loss(
            "nll", "NLLLoss", "−w_y·x_y on log-probabilities (torch.nn.NLLLoss)",
            "classes", {"weight": None}, "sum",
            nll_terms, nll_derivative, nll_values, nll_grads, nll_torch,
            targets_problem=one_hot),
    ]
}

# the losses ``bptrace loss`` offers (half_sse and sse are the network forms of MSELoss)
STANDALONE = ("mse", "l1", "smooth_l1", "huber", "bce", "bce_with_logits", "cross_entropy", "nll")
