"""Dropout on one layer's outputs, forward and backward: ``dropout(inputs, p, …)`` → ``DropoutTrace``.

In training, unit i is kept (mask m_i = 1) or dropped (m_i = 0) and the kept ones are
scaled by 1/(1 − p) so the expected output equals the input:
    y_i = m_i·x_i/(1 − p),   ∂E/∂x_i = ∂E/∂y_i · m_i/(1 − p)
— the gradient flows only through kept units, scaled the same way. In evaluation mode
dropout is the identity (y = x, ∂E/∂x = ∂E/∂y).

The mask is given (``mask``) or drawn by torch's own generator (``seed``:
``torch.manual_seed(seed)`` then ``nn.Dropout(p)``, read back from its output) — so the
same seed in a torch script drops the same units. ``check_torch`` runs ``nn.Dropout``
itself with the same mask: with a seed, that seed; with an explicit mask, the first seed
(searched up to ``SEED_SEARCH``) for which torch draws that mask, else, past the search,
autograd of x·m/(1 − p), said so in the report.
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
from ..model.layer import torch_mask
from ..model.numbers import NumberError, exact, parse_number, to_mpf
from ..model.unevaluated import div, mul, one_minus

P = Symbol("p")
SEED_SEARCH = 10000
MAX_UNITS = 10000


def _numbers(values, option: str) -> list[Fraction]:
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",")]
    return [exact(v, f"{option}[{i}]") for i, v in enumerate(values, 1)]


@dataclass(frozen=True)
class DropoutTrace:
    p: Fraction
    inputs: tuple[Fraction, ...]
    mask: tuple[int, ...]
    seed: Optional[int]
    training: bool
    upstream: tuple[Fraction, ...]       # ∂E/∂y (default 1 each: E = Σ y)
    forward: tuple[Step, ...]
    backward: tuple[Step, ...]
    values: Mapping[str, mpmath.mpf]

    @property
    def outputs(self) -> list[mpmath.mpf]:
        return [s.value for s in self.forward]

    @property
    def grads(self) -> list[mpmath.mpf]:
        return [s.value for s in self.backward]

    def to_dict(self) -> dict:
        return {"kind": "dropout", "p": float(self.p), "training": self.training,
                "seed": self.seed, "scale": float(1 / (1 - self.p)) if self.training else 1.0,
                "units": [{"x": float(x), "mask": m, "y": float(y), "upstream": float(u),
                           "grad": float(g)}
                          for x, m, y, u, g in zip(self.inputs, self.mask, self.outputs,
                                                   self.upstream, self.grads)]}


def dropout(inputs, p, mask=None, seed=None, training: bool = True, upstream=None) -> DropoutTrace:
    """Dropout of ``inputs`` with probability ``p``; validated before anything is computed."""
    xs = _numbers(inputs, "--input")
    if not xs:
        raise SpecError("--input", "give at least one value")
    if len(xs) > MAX_UNITS:
        raise SpecError("--input", f"more than {MAX_UNITS} units")
    try:
        p = parse_number(repr(p) if isinstance(p, float) else p)
    except NumberError as e:
        raise SpecError("--p", str(e)) from None
    if not 0 <= p < 1:
        raise SpecError("--p", f"{float(p):g} is outside [0, 1)")
    if mask is not None and seed is not None:
        raise SpecError("--mask", "give --mask or --seed, not both")
    us = [Fraction(1)] * len(xs) if upstream is None else _numbers(upstream, "--upstream")
    if len(us) != len(xs):
        raise SpecError("--upstream", f"expected {len(xs)} values (one per input), got {len(us)}")
    if mask is not None:
        ms = _numbers(mask, "--mask")
        if len(ms) != len(xs):
            raise SpecError("--mask", f"expected {len(xs)} values (one per input), got {len(ms)}")
        for i, m in enumerate(ms, 1):
            if m not in (0, 1):
                raise SpecError(f"--mask[{i}]", f"expected 0 (dropped) or 1 (kept), got {float(m):g}")
            if m == 0 and p == 0:
                raise SpecError(f"--mask[{i}]", "with p = 0 no unit is ever dropped: the mask must be all 1")
        ms = tuple(int(m) for m in ms)
    elif seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2 ** 63:
            raise SpecError("--seed", f"expected a whole number ≥ 0, got {seed!r}")
        ms = torch_mask(seed, len(xs), p) if training else (1,) * len(xs)
    elif training:
        raise SpecError("--mask", "training mode needs a mask: --mask 1,0,1,1 or --seed N")
    else:
        ms = (1,) * len(xs)
    values = {"p": to_mpf(p)}
    forward, backward = [], []
    for i, (x, m, u) in enumerate(zip(xs, ms, us), 1):
        X, M, U = Symbol(f"x_{i}"), Symbol(f"m_{i}"), Symbol(f"∂E/∂y_{i}")
        values.update({f"x_{i}": to_mpf(x), f"m_{i}": mpmath.mpf(m), f"∂E/∂y_{i}": to_mpf(u)})
        y = div(mul(M, X), one_minus(P)) if training else X
        forward.append(Step(Symbol(f"y_{i}"), y, evaluate(y, values)))
        g = mul(U, div(M, one_minus(P))) if training else U
        backward.append(Step(Symbol(f"∂E/∂x_{i}"), g, evaluate(g, values)))
    return DropoutTrace(p, tuple(xs), ms, seed, training, tuple(us), tuple(forward),
                        tuple(backward), values)
