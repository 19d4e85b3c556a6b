"""Loss functions, one table entry each.

Provides ``LOSSES`` (name → ``Loss``), ``canonical(name)`` (``smooth-l1`` → ``smooth_l1``),
``LossChoice`` (a loss name carrying its options, what ``Network.loss`` holds) and the
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
from sympy import Integer, Rational, Symbol

from .activations import _add, _mul, sigmoid
from .errors import SpecError
from .numbers import exact
from .loss_functions import (BCE_EPS, BCE_LOG_FLOOR, absval, clamped_log, clamped_log_value, clip, huber,
                             huber_value, log_softmax, ratio, sgn, sign_value, smooth_l1,
                             smooth_l1_value, softmax, softmax_values)

X, Y = Symbol("x"), Symbol("y")
BETA, DELTA, EPS = Symbol("β"), Symbol("δ"), Symbol("ε")


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
            return _mul(Rational(1, len(terms)), _add(*terms))
        return _add(*terms)

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


def _diff(a, b):
    return _add(a, _mul(-1, b))


def _sq(e):
    return sympy.Pow(e, 2, evaluate=False)


_R = _diff(X, Y)

_SQUARE = Element(
    definition=(Branch(_sq(_R)),), terms=(Branch(_sq(_R)),), grads=(Branch(_mul(2, _R)),),
    value=lambda x, y, m, o: (x - y) ** 2,
    grad=lambda x, y, m, o: 2 * (x - y))

_L1 = Element(
    definition=(Branch(absval(_R)),), terms=(Branch(absval(_R)),), grads=(Branch(sgn(_R)),),
    value=lambda x, y, m, o: abs(x - y),
    grad=lambda x, y, m, o: sign_value(x - y, m))

_below_beta = lambda x, y, o: abs(x - y) < o["beta"]     # noqa: E731
_SMOOTH_L1_TERMS = (
    Branch(ratio(_sq(_R), _mul(2, BETA), evaluate=False), sympy.StrictLessThan(absval(_R), BETA),
           _below_beta),
    Branch(_add(absval(_R), _mul(-1, ratio(BETA, 2, evaluate=False)))))
_SMOOTH_L1 = Element(
    definition=_SMOOTH_L1_TERMS, terms=_SMOOTH_L1_TERMS,
    grads=(Branch(ratio(_R, BETA, evaluate=False), sympy.StrictLessThan(absval(_R), BETA), _below_beta),
           Branch(sgn(_R))),
    value=lambda x, y, m, o: smooth_l1_value(x - y, o["beta"], m),
    grad=lambda x, y, m, o: min(max((x - y) / o["beta"], -1 + 0 * x), 1 + 0 * x))

_below_delta = lambda x, y, o: abs(x - y) < o["delta"]   # noqa: E731
_HUBER_TERMS = (
    Branch(_mul(Rational(1, 2), _sq(_R)), sympy.StrictLessThan(absval(_R), DELTA), _below_delta),
    Branch(_mul(DELTA, _add(absval(_R), _mul(-1, ratio(DELTA, 2, evaluate=False))))))
_HUBER = Element(
    definition=_HUBER_TERMS, terms=_HUBER_TERMS,
    grads=(Branch(_R, sympy.StrictLessThan(absval(_R), DELTA), _below_delta),
           Branch(_mul(DELTA, sgn(_R)))),
    value=lambda x, y, m, o: huber_value(x - y, o["delta"], m),
    grad=lambda x, y, m, o: min(max(x - y, -o["delta"]), o["delta"]))


def _bce_written(x, y, log=sympy.log):
    return _mul(-1, _add(_mul(y, log(x)), _mul(_diff(1, y), log(_diff(1, x)))))


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
    grads=(Branch(ratio(_R, _mul(X, _diff(1, X)), evaluate=False), sympy.GreaterThan(_mul(X, _diff(1, X)), _EPS_FLOOR),
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
    terms=(Branch(_add(sympy.Max(X, 0), _mul(-1, X, Y),
                       sympy.log(_add(1, sympy.exp(_mul(-1, absval(X))))))),),
    grads=(Branch(_diff(sigmoid(X), Y)),),
    value=lambda x, y, m, o: max(x, 0 * x) - x * y + m.log1p(m.exp(-abs(x))),
    grad=lambda x, y, m, o: _sigmoid_value(x, m) - y)


def _in_unit(values, what: str):
    for k, v in enumerate(values):
        if not 0 <= v <= 1:
            return f"{what}[{k}] = {float(v):g} is outside [0, 1]"
    return None


# ----- class losses (one row of logits or log-probabilities per sample) ---------------------
def _smoothed(ts, opts, C):
    """q_j = (1 − ε)·t_j + ε/C: label smoothing of the target probabilities."""
    eps = opts.get("label_smoothing", 0)
    if not eps:
        return list(ts)
    return [_add(_mul(1 - eps, t), Rational(eps) / C) if isinstance(t, sympy.Basic)
            else (1 - eps) * t + eps / C for t in ts]


def _coefficients(ts, opts, C):
    """a_j = w_j·q_j: the weight of −log p_j in one sample's cross-entropy."""
    q = _smoothed(ts, opts, C)
    w = opts.get("weight")
    if w is None:
        return q
    return [_mul(wj, qj) if isinstance(qj, sympy.Basic) else wj * qj for wj, qj in zip(w, q)]


def _rational_options(opts) -> dict:
    """Exact options as SymPy numbers, for formulas."""
    out = {}
    for k, v in opts.items():
        out[k] = None if v is None else tuple(Rational(x) for x in v) if k == "weight" else Rational(v)
    return out


def _ce_terms(ts, os, opts):
    a = _coefficients(ts, _rational_options(opts), len(os))
    return [_mul(-1, aj, sympy.log(softmax(Integer(j + 1), *os))) for j, aj in enumerate(a)]


def _ce_derivative(ts, os, j, opts):
    a = _coefficients(ts, _rational_options(opts), len(os))
    p = softmax(Integer(j + 1), *os)
    if opts.get("weight") is None:        # Σ_k q_k = 1 when the targets sum to 1
        return _diff(p, a[j])
    return _diff(_mul(p, _add(*a)), a[j])


def _ce_values(ts, os, m, opts):
    a = _coefficients(ts, opts, len(os))
    return [-aj * lp for aj, lp in zip(a, log_softmax(os, m))]


def _ce_grads(ts, os, m, opts):
    a = _coefficients(ts, opts, len(os))
    total = sum(a)
    return [p * total - aj for p, aj in zip(softmax_values(os, m), a)]


def _weight_tensor(torch, opts, like):
    w = opts.get("weight")
    return None if w is None else torch.tensor([float(v) for v in w], dtype=like.dtype)


def _ce_torch(torch, x, y, opts, reduction):
    return torch.nn.functional.cross_entropy(
        x, y, weight=_weight_tensor(torch, opts, x), reduction=reduction,
        label_smoothing=float(opts.get("label_smoothing", 0)))


def _probability_row(ts):
    problem = _in_unit(ts, "targets")
    if problem:
        return problem
    if sum(ts) != 1:
        return f"the target probabilities sum to {float(sum(ts)):g}, not 1"
    return None


def _one_hot(ts):
    if sorted(ts) != [0] * (len(ts) - 1) + [1]:
        return "nll needs one-hot targets (one 1, the rest 0): the class of the sample"
    return None


def _nll_terms(ts, os, opts):
    w = opts.get("weight")
    return [_mul(-1, Rational(w[j]), t, o) if w is not None else _mul(-1, t, o)
            for j, (t, o) in enumerate(zip(ts, os))]


def _nll_derivative(ts, os, j, opts):
    w = opts.get("weight")
    return _mul(-1, Rational(w[j]), ts[j]) if w is not None else _mul(-1, ts[j])


def _nll_values(ts, os, m, opts):
    w = opts.get("weight") or [1] * len(os)
    return [-wj * t * o for wj, t, o in zip(w, ts, os)]


def _nll_grads(ts, os, m, opts):
    w = opts.get("weight") or [1] * len(os)
    return [-wj * t + 0 * o for wj, t, o in zip(w, ts, os)]


def _nll_torch(torch, x, y, opts, reduction):
    return torch.nn.functional.nll_loss(x, y, weight=_weight_tensor(torch, opts, x), reduction=reduction)


def _mse_torch(scale=1):
    def f(torch, x, y, opts, reduction):
        return scale * torch.nn.functional.mse_loss(x, y, reduction=reduction)
    return f


LOSSES: dict[str, Loss] = {
    l.name: l
    for l in [
        _elementwise(
            "half_sse", "½·MSELoss(reduction='sum')", "E_total = Σ ½(target − out)²  (the classic write-up)",
            lambda t, o, opts: _mul(Rational(1, 2), _sq(_diff(t, o))),
            lambda t, o, opts: _mul(-1, _diff(t, o)),
            Element((Branch(_mul(Rational(1, 2), _sq(_R))),), (Branch(_mul(Rational(1, 2), _sq(_R))),),
                    (Branch(_R),), lambda x, y, m, o: (x - y) ** 2 / 2, lambda x, y, m, o: x - y),
            lambda torch, x, y, opts, reduction: 0.5 * torch.nn.functional.mse_loss(x, y, reduction="sum"),
            within="sum"),
        _elementwise(
            "mse", "MSELoss", "E_total = (1/n) Σ (target − out)²  (torch.nn.MSELoss, mean)",
            lambda t, o, opts: _sq(_diff(t, o)),
            lambda t, o, opts: _mul(-2, _diff(t, o)),
            _SQUARE, _mse_torch()),
        _elementwise(
            "sse", "MSELoss(reduction='sum')", "E_total = Σ (target − out)²  (torch.nn.MSELoss(reduction='sum'))",
            lambda t, o, opts: _sq(_diff(t, o)),
            lambda t, o, opts: _mul(-2, _diff(t, o)),
            _SQUARE, _mse_torch(), within="sum"),
        _elementwise(
            "l1", "L1Loss", "|out − target| (mean absolute error; torch.nn.L1Loss)",
            lambda t, o, opts: absval(_diff(o, t)),
            lambda t, o, opts: sgn(_diff(o, t)),
            _L1, lambda torch, x, y, opts, reduction: torch.nn.functional.l1_loss(x, y, reduction=reduction)),
        _elementwise(
            "smooth_l1", "SmoothL1Loss", "½r²/β for |r| < β, |r| − ½β beyond (torch.nn.SmoothL1Loss)",
            lambda t, o, opts: smooth_l1(_diff(o, t), Rational(opts["beta"])),
            lambda t, o, opts: clip(ratio(_diff(o, t), Rational(opts["beta"]), evaluate=False), -1, 1),
            _SMOOTH_L1,
            lambda torch, x, y, opts, reduction: torch.nn.functional.smooth_l1_loss(
                x, y, reduction=reduction, beta=float(opts["beta"])),
            defaults={"beta": Fraction(1)}),
        _elementwise(
            "huber", "HuberLoss", "½r² for |r| < δ, δ(|r| − ½δ) beyond (torch.nn.HuberLoss)",
            lambda t, o, opts: huber(_diff(o, t), Rational(opts["delta"])),
            lambda t, o, opts: clip(_diff(o, t), -Rational(opts["delta"]), Rational(opts["delta"])),
            _HUBER,
            lambda torch, x, y, opts, reduction: torch.nn.functional.huber_loss(
                x, y, reduction=reduction, delta=float(opts["delta"])),
            defaults={"delta": Fraction(1)}),
        _elementwise(
            "bce", "BCELoss", "−[y·log x + (1 − y)·log(1 − x)], logs clamped at −100 (torch.nn.BCELoss)",
            lambda t, o, opts: _bce_written(o, t),
            lambda t, o, opts: ratio(_diff(o, t), _mul(o, _diff(1, o)), evaluate=False),
            _BCE,
            lambda torch, x, y, opts, reduction: torch.nn.functional.binary_cross_entropy(
                x, y, reduction=reduction),
            targets_problem=lambda ts: _in_unit(ts, "targets"),
            outputs_problem=lambda os: _in_unit(os, "outputs")),
        _elementwise(
            "bce_with_logits", "BCEWithLogitsLoss",
            "−[y·log σ(x) + (1 − y)·log(1 − σ(x))] from logits, computed stably (torch.nn.BCEWithLogitsLoss)",
            lambda t, o, opts: _bce_written(sigmoid(o), t),
            lambda t, o, opts: _diff(sigmoid(o), t),
            _BCE_LOGITS,
            lambda torch, x, y, opts, reduction: torch.nn.functional.binary_cross_entropy_with_logits(
                x, y, reduction=reduction),
            targets_problem=lambda ts: _in_unit(ts, "targets")),
        Loss(
            "cross_entropy", "CrossEntropyLoss",
            "−Σ_c y_c·log softmax_c(logits) (torch.nn.CrossEntropyLoss: it takes logits)",
            "classes", {"label_smoothing": Fraction(0), "weight": None}, "sum",
            _ce_terms, _ce_derivative, _ce_values, _ce_grads, _ce_torch,
            targets_problem=_probability_row),
        Loss(
            "nll", "NLLLoss", "−w_y·x_y on log-probabilities (torch.nn.NLLLoss)",
            "classes", {"weight": None}, "sum",
            _nll_terms, _nll_derivative, _nll_values, _nll_grads, _nll_torch,
            targets_problem=_one_hot),
    ]
}

# the losses ``bptrace loss`` offers (half_sse and sse are the network forms of MSELoss)
STANDALONE = ("mse", "l1", "smooth_l1", "huber", "bce", "bce_with_logits", "cross_entropy", "nll")


# ----- choosing a loss and its options --------------------------------------------------------
def option_value(name: str, key: str, value, classes: Optional[int] = None):
    """One loss option, exact and checked (``weight``: one number per class)."""
    field_ = f"loss.{key}"
    if key == "weight":
        if value is None:
            return None
        if not isinstance(value, (list, tuple)):
            raise SpecError(field_, "expected a list of numbers, one per class")
        weights = tuple(exact(v, f"{field_}[{k}]") for k, v in enumerate(value))
        if classes is not None and len(weights) != classes:
            raise SpecError(field_, f"expected {classes} weights (one per class), got {len(weights)}")
        return weights
    v = exact(value, field_)
    if key in ("beta", "delta") and v <= 0:
        raise SpecError(field_, f"must be > 0, got {float(v):g}"
                        + (" (beta = 0 is the L1 loss: use l1)" if key == "beta" else ""))
    if key == "label_smoothing" and not 0 <= v <= 1:
        raise SpecError(field_, f"must be between 0 and 1, got {float(v):g}")
    return v


def choose(loss, reduction: str = "mean", classes: Optional[int] = None) -> LossChoice:
    """A loss given as a name, a ``{"name": …, option: value}`` mapping or a ``LossChoice``.

    Returns the ``LossChoice`` with every option exact and checked; one sample's terms
    combine by the entry's own rule, or by ``reduction`` when it has none.
    """
    if isinstance(loss, LossChoice):
        name, given = str(loss), dict(loss.options)
    elif isinstance(loss, Mapping):
        given = dict(loss)
        name = given.pop("name", None)
        if not isinstance(name, str):
            raise SpecError("loss.name", "missing: give the loss's name, e.g. name = \"smooth_l1\"")
    elif isinstance(loss, str):
        name, given = loss, {}
    else:
        raise SpecError("loss", f"expected a name or a table, got {type(loss).__name__}")
    key = canonical(name)
    if key not in LOSSES:
        raise SpecError("loss", f"unknown loss {name!r} (known: {', '.join(LOSSES)})")
    entry = LOSSES[key]
    opts = dict(entry.defaults)
    for k, v in given.items():
        if k not in entry.defaults:
            known = ", ".join(entry.defaults) or "none"
            raise SpecError(f"loss.{k}", f"{key} has no option {k!r} (its options: {known})")
        opts[k] = option_value(key, k, v, classes)
    return LossChoice(key, opts, entry.within or reduction)
