"""The pieces of a loss trace: input parsing, the trace dataclasses, shared helpers.

Provides ``parse_values(text, field)`` — "0.6,0.4" or "0.2,0.6,0.2;0.1,0.8,0.1" (rows split
by ";") as exact fractions, read by ``numbers.parse_number`` (never ``eval``); the trace
dataclasses ``ElementStep``, ``SoftmaxProof`` and ``LossTrace``; and the helpers both the
element-wise and the class losses use (``substitute`` keeps a formula's written form,
``reduce_terms`` writes the reduction L, ``element_name`` names x_1,2).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

import mpmath
import sympy
from sympy import Symbol

from ..calculus.trace import Step
from ..errors import SpecError
from ..model.loss_choice import choose
from ..model.loss_math import ratio
from ..model.numbers import NumberError, exact, parse_number, to_mpf
from ..model.unevaluated import add

REDUCTIONS = ("mean", "sum", "none")


# ----- input --------------------------------------------------------------------------------
def parse_values(text, field: str) -> list:
    """A flat list, or a list of rows, of exact numbers from "a,b" or "a,b;c,d"."""
    if not isinstance(text, str):
        return exact_nested(text, field)
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


def exact_nested(value, field: str):
    if isinstance(value, (list, tuple)):
        return [exact_nested(v, f"{field}[{k}]") for k, v in enumerate(value)]
    return exact(value, field)


def shape_of(values) -> tuple:
    return (len(values), len(values[0])) if values and isinstance(values[0], list) else (len(values),)


def flatten(values) -> list:
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


def substitute(expr, mapping):
    """``expr`` with symbols replaced, keeping its written (unevaluated) form: xreplace
    would re-evaluate ½(x − y)²/β into ½·β⁻¹·(x − y)²."""
    if expr in mapping:
        return mapping[expr]
    if not expr.args:
        return expr
    args = [substitute(a, mapping) for a in expr.args]
    if isinstance(expr, sympy.core.relational.Relational):
        return expr.func(*args, evaluate=False)
    try:
        return expr.func(*args, evaluate=False)
    except TypeError:
        return expr.func(*args)


def element_name(base: str, *idx) -> str:
    return f"{base}_{','.join(str(i) for i in idx)}"


def loss_choice(key, given, classes):
    try:
        return choose({"name": key, **given}, classes=classes)
    except SpecError as e:
        raise SpecError("--" + e.field.split(".", 1)[-1].replace("_", "-"), e.problem) from None


def as_mpf(v):
    return to_mpf(v)


def option_values(options) -> dict:
    return {k: None if v is None else tuple(as_mpf(x) for x in v) if isinstance(v, tuple) else as_mpf(v)
            for k, v in options.items()}


OPTION_SYMBOLS = {"beta": "β", "delta": "δ", "label_smoothing": "ε"}


def reduce_terms(reduction, symbols, numbers, denominator, denominator_value):
    if reduction == "none":
        return None, tuple(numbers)
    total = mpmath.fsum(numbers)
    formula = add(*symbols) if len(symbols) > 1 else symbols[0]
    if reduction == "mean":
        total = total / denominator_value
        formula = ratio(formula, denominator, evaluate=False)
    return Step(Symbol("L"), formula, total), total
