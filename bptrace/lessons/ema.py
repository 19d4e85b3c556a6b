"""The exponentially weighted (moving) average, step by step: ``ema(values, beta)`` → ``EmaTrace``.

S_t = β·S_{t−1} + (1 − β)·Y_t. The course starts from the first value (S_1 = Y_1); the
other common start is S_0 = 0, which biases the first averages towards 0 — the bias
correction Ŝ_t = S_t/(1 − β^t) undoes that (Adam's m̂ and v̂ are exactly this). Each line
is a ``Step`` whose value is computed from its formula at 50 digits.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Optional

import mpmath
from sympy import Symbol

from ..calculus.evaluate import evaluate
from ..calculus.trace import Step
from ..errors import SpecError
from ..model.numbers import exact, to_mpf
from ..model.unevaluated import add, div, mul, one_minus, power

BETA = Symbol("β")


@dataclass(frozen=True)
class EmaStep:
    t: int
    y: Fraction
    lines: tuple[Step, ...]
    values: Mapping[str, mpmath.mpf]
    s: mpmath.mpf
    s_hat: Optional[mpmath.mpf]

    def to_dict(self) -> dict:
        out = {"t": self.t, "y": float(self.y), "s": float(self.s)}
        if self.s_hat is not None:
            out["s_hat"] = float(self.s_hat)
        return out


@dataclass(frozen=True)
class EmaTrace:
    beta: Fraction
    start: str                  # "first" (S_1 = Y_1) or "zero" (S_0 = 0)
    bias_correction: bool
    steps: tuple[EmaStep, ...]

    def to_dict(self) -> dict:
        return {"kind": "ema", "beta": float(self.beta), "start": self.start,
                "bias_correction": self.bias_correction,
                "steps": [s.to_dict() for s in self.steps]}


def ema(values, beta, bias_correction: bool = False, start: Optional[str] = None) -> EmaTrace:
    """The average of ``values`` (numbers or their text), weight ``beta`` in [0, 1).

    ``start`` is "first" (the course's S_1 = Y_1, the default) or "zero" (S_0 = 0, the
    default with ``bias_correction``, which only makes sense from zero).
    """
    b = exact(beta, "--beta")
    if not 0 <= b < 1:
        raise SpecError("--beta", f"{float(b):g} is outside [0, 1)")
    if start is None:
        start = "zero" if bias_correction else "first"
    if start not in ("first", "zero"):
        raise SpecError("--start", f"expected first or zero, got {start!r}")
    if bias_correction and start == "first":
        raise SpecError("--bias-correction", "corrects the bias of a start from zero: "
                                             "use it with --start zero")
    ys = [exact(v, f"VALUES[{i}]") for i, v in enumerate(values, 1)]
    if not ys:
        raise SpecError("VALUES", "give at least one value")
    steps, s_prev = [], mpmath.mpf(0)
    for t, y in enumerate(ys, 1):
        values_t = {"β": to_mpf(b), f"Y_{t}": to_mpf(y), f"S_{t - 1}": s_prev}
        lines = []
        Y, S_prev = Symbol(f"Y_{t}"), Symbol(f"S_{t - 1}")
        formula = Y if (t == 1 and start == "first") else \
            add(mul(BETA, S_prev), mul(one_minus(BETA), Y))
        s = evaluate(formula, values_t)
        values_t[f"S_{t}"] = s
        lines.append(Step(Symbol(f"S_{t}"), formula, s))
        s_hat = None
        if bias_correction:
            hat = div(Symbol(f"S_{t}"), one_minus(power(BETA, t)))
            s_hat = evaluate(hat, values_t)
            values_t[f"Ŝ_{t}"] = s_hat
            lines.append(Step(Symbol(f"Ŝ_{t}"), hat, s_hat))
        steps.append(EmaStep(t, y, tuple(lines), values_t, s, s_hat))
        s_prev = s
    return EmaTrace(b, start, bias_correction, tuple(steps))
