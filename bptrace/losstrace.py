"""One loss on given numbers, derived: ``bptrace loss NAME --pred … --target …``.

Provides:
- ``parse_values(text, field)`` — "0.6,0.4" or "0.2,0.6,0.2;0.1,0.8,0.1" (rows split by ";")
  as exact fractions, read by ``numbers.parse_number`` (never ``eval``);
- ``loss_trace(name, pred, target, reduction, **options)`` → ``LossTrace``: the formula of
  one element's loss l, each element's l with its numbers, the reduction L, and ∂L/∂x for
  every prediction x (formula, numbers, value), computed at 50 digits the way torch does;
  for cross-entropy also the softmax probabilities, the smoothed targets, and the general
  Jacobian route for the first sample with its SymPy proof (``SoftmaxProof``);
- ``check_loss(trace)`` → ``check.CheckReport``: value and gradient beside the torch loss of
  the same name and options (float64).

Names follow torch's documentation: x is the input (prediction), y the target, l_n one
element's (or one sample's) loss, L the reduced loss. Cross-entropy's classes are numbered
from 0, like torch's class indices; samples and elements from 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Optional

import mpmath
import sympy
from sympy import Integer, Symbol

from .activations import _add, _mul
from .errors import SpecError
from .loss_functions import BCE_EPS, log_softmax, ratio, softmax, softmax_values
from .losses import LOSSES, STANDALONE, canonical, choose
from .numbers import NumberError, parse_number, to_mpf
from .trace import Step

REDUCTIONS = ("mean", "sum", "none")


# ----- input --------------------------------------------------------------------------------
def parse_values(text, field: str) -> list:
    """A flat list, or a list of rows, of exact numbers from "a,b" or "a,b;c,d"."""
    if not isinstance(text, str):
        return _exact_nested(text, field)
    rows = [r for r in text.split(";")]
    parsed = []
    for i, row in enumerate(rows):
        cells = row.split(",")
        values = []
        for k, cell in enumerate(cells):
            where = f"{field}[{i}][{k}]" if len(rows) > 1 else f"{field}[{k}]"
            try:
                values.append(parse_number(cell))
            except NumberError as e:
                raise SpecError(where, str(e)) from None
        parsed.append(values)
    if len(parsed) == 1:
        return parsed[0]
    if len({len(r) for r in parsed}) != 1:
        raise SpecError(field, f"rows of different lengths ({', '.join(str(len(r)) for r in parsed)})")
    return parsed


def _exact_nested(value, field: str):
    from .network import exact
    if isinstance(value, (list, tuple)):
        return [_exact_nested(v, f"{field}[{k}]") for k, v in enumerate(value)]
    return exact(value, field)


def _shape(values) -> tuple:
    return (len(values), len(values[0])) if values and isinstance(values[0], list) else (len(values),)


def _flat(values) -> list:
    return [v for row in values for v in row] if values and isinstance(values[0], list) else list(values)


# ----- the trace ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ElementStep:
    """One element's line: ``step`` (lhs = formula = numbers = value) and the branch's condition."""

    step: Step
    when: Optional[sympy.Expr] = None

    def to_dict(self) -> dict:
        d = self.step.to_dict()
        if self.when is not None:
            d["when"] = sympy.sstr(self.when, order="none")
        return d


@dataclass(frozen=True)
class SoftmaxProof:
    """∂l/∂z_j by the Jacobian route, Σ_k ∂l/∂p_k · p_k(δ_kj − p_j), equals p_j − y_j.

    ``route`` is the route written out for C classes (generic symbols), ``direct`` is
    ``sympy.diff`` of −Σ_k y_k·log softmax_k(z); ``difference`` is route − (p_j − y_j)
    with y_(C−1) = 1 − Σ_(k<C−1) y_k substituted, expanded.
    """

    classes: int
    route: sympy.Expr
    direct_difference: sympy.Expr
    difference: sympy.Expr

    @property
    def proven(self) -> bool:
        return self.difference == 0 and self.direct_difference == 0

    def to_dict(self) -> dict:
        return {"kind": "softmax_proof", "classes": self.classes, "proven": self.proven,
                "route": sympy.sstr(self.route, order="none")}


@dataclass(frozen=True)
class LossTrace:
    """A loss on given numbers: formula, element by element, reduction, gradient."""

    loss: str                            # the table's name
    torch_name: str                      # CrossEntropyLoss, …
    options: Mapping[str, object]        # exact
    reduction: str
    shape: tuple[int, ...]               # of the predictions
    definition: tuple                    # losses.Branch: the formula of one element's loss
    setup: tuple[Step, ...]              # softmax probabilities, smoothed targets
    terms: tuple[ElementStep, ...]       # l_n
    total: Optional[Step]                # L (None for reduction "none")
    grads: tuple[ElementStep, ...]       # ∂L/∂x (∂l_n/∂x for "none"), in the order of x
    route: tuple[Step, ...]              # cross-entropy: the Jacobian route, first sample
    proof: Optional[SoftmaxProof]
    values: Mapping[str, mpmath.mpf]
    value: object                        # mpf, or a tuple of mpf for "none"
    grad: tuple                          # flat, in the order of x
    class_targets: bool = False          # cross-entropy / NLL given class indices

    def to_dict(self) -> dict:
        def nest(flat):
            flat = [float(v) for v in flat]
            if len(self.shape) == 1:
                return flat
            n, c = self.shape
            return [flat[i * c:(i + 1) * c] for i in range(n)]
        value = [float(v) for v in self.value] if isinstance(self.value, tuple) else float(self.value)
        return {
            "kind": "loss", "loss": self.loss, "torch": self.torch_name,
            "options": {k: (None if v is None else [float(x) for x in v] if isinstance(v, tuple)
                            else float(v)) for k, v in self.options.items()},
            "reduction": self.reduction, "shape": list(self.shape),
            "value": value, "grad": nest(self.grad),
            "terms": [t.to_dict() for t in self.terms],
            "total": None if self.total is None else self.total.to_dict(),
            "grads": [g.to_dict() for g in self.grads],
        }


def _substitute(expr, mapping):
    """``expr`` with symbols replaced, keeping its written (unevaluated) form: xreplace
    would re-evaluate ½(x − y)²/β into ½·β⁻¹·(x − y)²."""
    if expr in mapping:
        return mapping[expr]
    if not expr.args:
        return expr
    args = [_substitute(a, mapping) for a in expr.args]
    if isinstance(expr, sympy.core.relational.Relational):
        return expr.func(*args, evaluate=False)
    try:
        return expr.func(*args, evaluate=False)
    except TypeError:
        return expr.func(*args)


def _name(base: str, *idx) -> str:
    return f"{base}_{','.join(str(i) for i in idx)}"


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
        return _class_trace(entry, x, y, reduction, given)
    choice = _choice(key, given, None)
    return _element_trace(entry, x, y, reduction, choice.options)


def _choice(key, given, classes):
    try:
        return choose({"name": key, **given}, classes=classes)
    except SpecError as e:
        raise SpecError("--" + e.field.split(".", 1)[-1].replace("_", "-"), e.problem) from None


def _num(v):
    return to_mpf(v)


def _option_values(options) -> dict:
    return {k: None if v is None else tuple(_num(x) for x in v) if isinstance(v, tuple) else _num(v)
            for k, v in options.items()}


_OPTION_SYMBOLS = {"beta": "β", "delta": "δ", "label_smoothing": "ε"}


def _element_trace(entry, x, y, reduction, options) -> LossTrace:
    if _shape(x) != _shape(y):
        raise SpecError("--target", f"shape {_shape(y)} does not match --pred's {_shape(x)}")
    shape = _shape(x)
    xs, ys = _flat(x), _flat(y)
    if entry.name == "bce":
        for field, vals in (("--pred", xs), ("--target", ys)):
            for k, v in enumerate(vals):
                if not 0 <= v <= 1:
                    raise SpecError(f"{field}[{k}]", f"{float(v):g} is outside [0, 1]: BCELoss takes "
                                    "probabilities (bce-with-logits takes raw scores)")
    el = entry.element
    opts = _option_values(options)
    values = {_OPTION_SYMBOLS[k]: v for k, v in opts.items() if k in _OPTION_SYMBOLS}
    values["ε_torch"] = mpmath.mpf(BCE_EPS.p) / BCE_EPS.q
    idx = [(i + 1,) for i in range(len(xs))] if len(shape) == 1 else \
        [(i + 1, k + 1) for i in range(shape[0]) for k in range(shape[1])]
    N = len(xs)
    terms, grads, ls, gs = [], [], [], []
    for (i, xv, yv) in zip(idx, xs, ys):
        X, Y = Symbol(_name("x", *i)), Symbol(_name("y", *i))
        xv, yv = _num(xv), _num(yv)
        values[X.name], values[Y.name] = xv, yv
        sub = {Symbol("x"): X, Symbol("y"): Y}
        term = next(b for b in el.terms if b.applies(xv, yv, opts))
        grad = next(b for b in el.grads if b.applies(xv, yv, opts))
        lv, gv = el.value(xv, yv, mpmath, opts), el.grad(xv, yv, mpmath, opts)
        L = Symbol(_name("l", *i))
        values[L.name] = lv
        ls.append(lv)
        when = lambda b: None if b.when is None else _substitute(b.when, sub)  # noqa: E731
        terms.append(ElementStep(Step(L, _substitute(term.formula, sub), lv), when(term)))
        g = _substitute(grad.formula, sub)
        if reduction == "mean":
            g, gv = ratio(g, Integer(N), evaluate=False), gv / N
        lhs = sympy.Derivative(Symbol("l" if reduction == "none" else "L"), X)
        if reduction == "none":
            lhs = sympy.Derivative(L, X)
        grads.append(ElementStep(Step(lhs, g, gv), when(grad)))
        gs.append(gv)
    total, value = _reduce(reduction, [Symbol(_name("l", *i)) for i in idx], ls, Integer(N), N)
    if total is not None:
        values["L"] = value
    return LossTrace(entry.name, entry.torch_name, dict(options), reduction, shape,
                     el.definition, (), tuple(terms), total, tuple(grads), (), None, values,
                     value, tuple(gs))


def _reduce(reduction, symbols, numbers, denominator, denominator_value):
    if reduction == "none":
        return None, tuple(numbers)
    total = mpmath.fsum(numbers)
    formula = _add(*symbols) if len(symbols) > 1 else symbols[0]
    if reduction == "mean":
        total = total / denominator_value
        formula = ratio(formula, denominator, evaluate=False)
    return Step(Symbol("L"), formula, total), total


# ----- cross-entropy and NLL --------------------------------------------------------------------
def _class_trace(entry, x, y, reduction, given) -> LossTrace:
    rows = x if x and isinstance(x[0], list) else [x]
    single = not (x and isinstance(x[0], list))
    N, C = len(rows), len(rows[0])
    choice = _choice(entry.name, given, C)
    options = choice.options
    # targets: one class index per sample, or one probability row per sample
    flat_y = None if (y and isinstance(y[0], list)) else y
    if flat_y is not None and len(flat_y) == (1 if single else N) and not (single and C == 1):
        class_targets = True
        for k, c in enumerate(flat_y):
            if c.denominator != 1:
                raise SpecError(f"--target[{k}]", f"a class index must be an integer, got {float(c):g}")
            if not 0 <= c < C:
                raise SpecError(f"--target[{k}]", f"class index {int(c)} is out of range (classes 0 to {C - 1})")
        onehot = [[Fraction(int(c == j)) for j in range(C)] for c in flat_y]
    else:
        class_targets = False
        if entry.name == "nll":
            raise SpecError("--target", f"NLLLoss takes one class index per sample ({N} integers)")
        prob = y if (y and isinstance(y[0], list)) else [y]
        if (len(prob), len(prob[0])) != (N, C):
            raise SpecError("--target", f"expected {N} class indices or {N} rows of {C} class probabilities, "
                            f"got shape {_shape(y)}")
        for n, row in enumerate(prob):
            for c, v in enumerate(row):
                if not 0 <= v <= 1:
                    raise SpecError(f"--target[{n}][{c}]" if not single else f"--target[{c}]",
                                    f"{float(v):g} is not a probability (outside [0, 1])")
            if sum(row) != 1:
                raise SpecError(f"--target[{n}]" if not single else "--target",
                                f"the class probabilities sum to {float(sum(row)):g}, not 1")
        onehot = prob
    opts = _option_values(options)
    eps = opts.get("label_smoothing") or 0
    weight = opts.get("weight")
    values = {}
    if eps:
        values["ε"] = eps
    if weight is not None:
        values.update({f"w_{c}": w for c, w in enumerate(weight)})
    setup, terms, grads, ls, gs, route = [], [], [], [], [], []
    for n, (row, trow) in enumerate(zip(rows, onehot), 1):
        z = [_num(v) for v in row]
        t = [_num(v) for v in trow]
        Xs = [Symbol(_name("x", n, c)) for c in range(C)]
        values.update({s.name: v for s, v in zip(Xs, z)})
        values.update({_name("y", n, c): v for c, v in enumerate(t)})
        if class_targets:
            values[_name("y", n)] = mpmath.mpf(int(flat_y[n - 1]))
        Ys = [Symbol(_name("y", n, c)) for c in range(C)]
        if entry.name == "nll":
            a_num = [(weight[c] if weight else 1) * t[c] for c in range(C)]
            a = [_mul(Symbol(f"w_{c}"), Ys[c]) if weight else Ys[c] for c in range(C)]
            cls = int(flat_y[n - 1])
            formula = _mul(-1, Symbol(f"w_{cls}"), Xs[cls]) if weight else _mul(-1, Xs[cls])
            lv = -a_num[cls] * z[cls]
            grad_num = [-ac for ac in a_num]
            grad_formula = [_mul(-1, ac) for ac in a]
        else:
            p = softmax_values(z)
            Ps = [Symbol(_name("p", n, c)) for c in range(C)]
            denominator = _add(*[sympy.exp(s) for s in Xs])
            for c in range(C):
                values[Ps[c].name] = p[c]
                setup.append(Step(Ps[c], ratio(sympy.exp(Xs[c]), denominator, evaluate=False), p[c]))
            q_num, Qs = t, Ys
            if eps:
                Qs = [Symbol(_name("q", n, c)) for c in range(C)]
                q_num = [(1 - eps) * tc + eps / C for tc in t]
                for c in range(C):
                    values[Qs[c].name] = q_num[c]
                    setup.append(Step(Qs[c], _add(_mul(_add(1, _mul(-1, Symbol("ε"))), Ys[c]),
                                                  ratio(Symbol("ε"), Integer(C), evaluate=False)), q_num[c]))
            a_num = [(weight[c] if weight else 1) * q_num[c] for c in range(C)]
            a = [_mul(Symbol(f"w_{c}"), Qs[c]) if weight else Qs[c] for c in range(C)]
            logp = log_softmax(z)
            lv = -mpmath.fsum(ac * lp for ac, lp in zip(a_num, logp))
            if class_targets and not eps:
                cls = int(flat_y[n - 1])
                formula = _mul(-1, *([Symbol(f"w_{cls}")] if weight else []), sympy.log(Ps[cls]))
            else:
                formula = _mul(-1, _add(*[_mul(ac, sympy.log(pc)) for ac, pc in zip(a, Ps)]))
            total_a = mpmath.fsum(a_num)
            grad_num = [pc * total_a - ac for pc, ac in zip(p, a_num)]
            if weight:
                grad_formula = [_add(_mul(Ps[c], _add(*a)), _mul(-1, a[c])) for c in range(C)]
            else:        # Σ_k q_k = 1
                grad_formula = [_add(Ps[c], _mul(-1, a[c])) for c in range(C)]
            if n == 1:
                route = _route(Ps, a, a_num, p, C, values)
        L = Symbol(_name("l", n))
        values[L.name] = lv
        ls.append(lv)
        terms.append(ElementStep(Step(L, formula, lv)))
        for c in range(C):
            gs.append(grad_num[c])
            grads.append((n, c, grad_formula[c], grad_num[c]))
    # the reduction: torch's weighted mean with class indices divides by Σ_n w_(y_n)
    if reduction == "mean" and weight is not None and class_targets:
        denominator = _add(*[Symbol(f"w_{int(c)}") for c in flat_y]) if N > 1 else Symbol(f"w_{int(flat_y[0])}")
        dvalue = mpmath.fsum(weight[int(c)] for c in flat_y)
        if dvalue == 0:
            raise SpecError("--weight", "the target classes' weights sum to 0: the weighted mean "
                            "divides by that sum, so it is undefined (torch gives nan)")
    else:
        denominator, dvalue = Integer(N), N
    total, value = _reduce(reduction, [Symbol(_name("l", n)) for n in range(1, N + 1)], ls,
                           denominator, dvalue)
    if total is not None:
        values["L"] = value
    steps = []
    for n, c, g, gv in grads:
        X = Symbol(_name("x", n, c))
        lhs = sympy.Derivative(Symbol(_name("l", n)) if reduction == "none" else Symbol("L"), X)
        if reduction == "mean":
            g, gv = ratio(g, denominator, evaluate=False), gv / dvalue
        steps.append(ElementStep(Step(lhs, g, gv)))
    gs = [s.step.value for s in steps]
    proof = softmax_proof(C) if entry.name == "cross_entropy" else None
    definition = ()
    return LossTrace(entry.name, entry.torch_name, dict(options), reduction,
                     (C,) if single else (N, C), definition, tuple(setup), tuple(terms), total,
                     tuple(steps), tuple(route), proof, values, value, tuple(gs), class_targets)


def _route(Ps, a, a_num, p, C, values) -> list:
    """∂l_1/∂x_1,j = Σ_k (∂l/∂p_k)·(∂p_k/∂x_j) with ∂l/∂p_k = −a_k/p_k, ∂p_k/∂x_j = p_k(δ_kj − p_j)."""
    steps = []
    for j in range(C):
        terms, total = [], mpmath.mpf(0)
        for k in range(C):
            # −a_k/p_k · p_k·(δ_kj − p_j), δ written as its number
            terms.append(_mul(-1, ratio(a[k], Ps[k], evaluate=False), Ps[k],
                              _add(Integer(1 if k == j else 0), _mul(-1, Ps[j]))))
            total += (-a_num[k] / p[k]) * (p[k] * ((1 if k == j else 0) - p[j]))
        lhs = sympy.Derivative(Symbol("l_1"), Symbol(_name("x", 1, j)))
        steps.append(Step(lhs, _add(*terms), total))
    return steps


def softmax_proof(C: int) -> SoftmaxProof:
    """SymPy: the Jacobian route equals sympy.diff of −Σ y_k log softmax_k(z), and p_j − y_j."""
    z = sympy.symbols(f"z0:{C}")
    ys = sympy.symbols(f"y0:{C}")
    p = [softmax(Integer(k + 1), *z) for k in range(C)]
    loss = -sympy.Add(*[ys[k] * sympy.log(p[k]) for k in range(C)])
    j = 0
    route = sympy.Add(*[(-ys[k] / p[k]) * p[k] * ((1 if k == j else 0) - p[j]) for k in range(C)])
    direct = sympy.expand(sympy.diff(loss, z[j]) - route)
    given = {ys[-1]: 1 - sympy.Add(*ys[:-1])}
    difference = sympy.expand((route - (p[j] - ys[j])).subs(given))
    return SoftmaxProof(C, route, direct, difference)


# ----- torch ----------------------------------------------------------------------------------------
def check_loss(trace: LossTrace, rtol: float = 1e-12, atol: float = 1e-15):
    """The value and every gradient beside the torch loss of the same name (float64)."""
    import torch

    from .check import CheckReport, CheckRow, agrees

    entry = LOSSES[trace.loss]
    v = trace.values
    if entry.kind == "classes":
        N, C = (1, trace.shape[0]) if len(trace.shape) == 1 else trace.shape
        x = torch.tensor([[float(v[_name("x", n, c)]) for c in range(C)] for n in range(1, N + 1)],
                         dtype=torch.float64)
        if trace.class_targets:
            y = torch.tensor([int(v[_name("y", n)]) for n in range(1, N + 1)])
        else:
            y = torch.tensor([[float(v[_name("y", n, c)]) for c in range(C)] for n in range(1, N + 1)],
                             dtype=torch.float64)
        if len(trace.shape) == 1:
            x, y = x[0], y[0]
        x.requires_grad_(True)
    else:
        names = [t.step.lhs.name[2:] for t in trace.terms]
        shape = trace.shape
        x = torch.tensor([float(v["x_" + n]) for n in names], dtype=torch.float64).reshape(shape)
        y = torch.tensor([float(v["y_" + n]) for n in names], dtype=torch.float64).reshape(shape)
        x.requires_grad_(True)
    out = entry.torch(torch, x, y, trace.options, trace.reduction)
    out.backward(torch.ones_like(out))
    rows = []
    ours = trace.value if isinstance(trace.value, tuple) else (trace.value,)
    theirs = out.detach().reshape(-1).tolist()
    labels = [t.step.lhs.name for t in trace.terms] if trace.reduction == "none" else ["L"]
    for label, a, b in zip(labels, ours, theirs):
        rows.append(CheckRow(label, a, b, agrees(a, b, rtol, atol)))
    for g, b in zip(trace.grads, x.grad.reshape(-1).tolist()):
        label = f"∂{g.step.lhs.expr.name}/∂{g.step.lhs.variables[0].name}"
        rows.append(CheckRow(label, g.step.value, b, agrees(g.step.value, b, rtol, atol)))
    return CheckReport(f"{entry.torch_name}", tuple(rows), rtol, atol)
