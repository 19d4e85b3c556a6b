"""Rounding as a sheet asks for it: significant digits, the marking tolerance, answer text.

Provides:
- ``ulp(ref, digits)`` — one unit in the last asked digit of ``ref`` (0.0001 for 0.5933 at 4
  significant digits);
- ``close(answer, ref, digits, units)`` — within ``units`` of that unit (a 0 is matched by
  any answer below 1e-12);
- ``rounded(value, digits)`` — the value rounded half-up to ``digits`` significant digits,
  as a ``Decimal`` (what a correct sheet holds);
- ``shown(value, digits)`` — the same as text, without an exponent for lecture-sized numbers;
- ``written_digits(answer)`` — how many significant digits a student wrote (``Decimal``).

Everything is decimal arithmetic on exact values (``Decimal`` from ``mpmath``'s 50 digits),
so the same numbers give the same text on every machine.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

import mpmath

# a value computed at 50 digits from inputs such as 0.05 may come out as 3e-52 where the
# exact value is 0: below this it is 0 (no lecture-sized quantity is that small)
ZERO = Decimal("1e-40")
# an answer counts as 0 below this (a calculator's noise, 1e-17, is a 0)
ANSWER_ZERO = Decimal("1e-12")


def to_decimal(x) -> Decimal:
    """An mpf, Fraction, int or Decimal as a 50-digit ``Decimal`` (below 1e-40: 0)."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, mpmath.mpf):
        d = Decimal(mpmath.nstr(x, 50, min_fixed=-60, max_fixed=60, strip_zeros=False))
        return Decimal(0) if abs(d) < ZERO else d
    with localcontext() as ctx:
        ctx.prec = 60
        if hasattr(x, "numerator"):
            return Decimal(x.numerator) / Decimal(x.denominator)
        return Decimal(x)


def _exponent(d: Decimal) -> int:
    return d.adjusted() if d else 0


def ulp(ref, digits: int) -> Decimal:
    """One unit in the ``digits``-th significant digit of ``ref``."""
    return Decimal(1).scaleb(_exponent(to_decimal(ref)) - digits + 1)


def rounded(value, digits: int) -> Decimal:
    d = to_decimal(value)
    if not d:
        return Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 60
        q = d.quantize(ulp(d, digits), rounding=ROUND_HALF_UP)
    # 0.99996 rounds to 1.0000: keep the asked number of digits after the carry
    if _exponent(q) > _exponent(d):
        q = q.quantize(ulp(q, digits), rounding=ROUND_HALF_UP)
    return q


def shown(value, digits: int) -> str:
    q = rounded(value, digits)
    if q and not -7 <= _exponent(q) <= 9:
        return f"{q:.{digits - 1}e}"
    return f"{q:f}"


def close(answer, ref, digits: int, units: float = 0.5) -> bool:
    """|answer − ref| ≤ ``units`` of the last asked digit of ``ref`` (and a hair for ties)."""
    a, r = to_decimal(answer), to_decimal(ref)
    if not r:
        return abs(a) < ANSWER_ZERO
    with localcontext() as ctx:
        ctx.prec = 60
        slack = abs(r) * Decimal("1e-30")
        return abs(a - r) <= ulp(r, digits) * Decimal(str(units)) + slack


def written_digits(answer: Decimal) -> int:
    """Significant digits the student wrote: 0.5930 → 4, 0.593 → 3, 12 → 2."""
    digits = answer.as_tuple().digits
    stripped = list(digits)
    while len(stripped) > 1 and stripped[0] == 0:
        stripped.pop(0)
    return len(stripped)
