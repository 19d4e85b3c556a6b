"""Numbers: exact parsing of spec values, arbitrary-precision evaluation, display rounding.

Provides:
- ``parse_number(text)`` — a decimal, integer or fraction literal as an exact ``Fraction``,
  parsed by a regular expression (never ``eval``/``sympify``: spec files are untrusted);
- ``exact(value, field)`` — the same for any user value (a Python float by its shortest
  repr, so 0.1 is 1/10; an mpf kept as is), a ``SpecError`` naming ``field`` otherwise;
- ``to_mpf(x)`` — an exact value as an mpmath number at the working precision;
- ``WORKING_DIGITS`` — the precision every trace value is computed with (50 digits);
- ``fmt(x, digits)`` — the display rounding (significant digits), the only place numbers
  are rounded.
"""
from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import mpmath

from ..errors import NumberError  # noqa: F401  (raised here; callers import it from here too)

WORKING_DIGITS = 50
mpmath.mp.dps = WORKING_DIGITS

_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_FRACTION = re.compile(r"([+-]?\d+)\s*/\s*(\d+)")


# a network's numbers are lecture-sized: beyond these bounds a value is a mistake (or an
# attack: exp(-1e999999) at 50 digits takes minutes), not a teaching example
MAX_EXPONENT = 300        # |value| ≤ 1e300, within float64's range
MIN_EXPONENT = -330       # literals down to float64's subnormals (smaller ones round to 0 there)
MAX_DIGITS = 100          # digits in a literal
FIXED_LIMIT = 60          # --decimals shows |x| < 1e60 in fixed point, larger ones in e-notation


def _bounded(q: Fraction, shown: str) -> Fraction:
    if abs(q) > 10 ** MAX_EXPONENT:
        raise NumberError(f"{shown} is out of range (|value| must be at most 1e{MAX_EXPONENT})")
    return q


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def parse_number(value) -> Fraction:
    """Return ``value`` (str, int, Decimal or Fraction) as an exact fraction.

    Floats are refused on purpose: a binary float has already lost the decimal the
    user wrote (0.1 is not 1/10), so callers must hand over the literal text. Values
    beyond 1e±300 or literals longer than 100 digits are refused (``MAX_EXPONENT``).
    """
    if isinstance(value, bool):
        raise NumberError(f"expected a number, got {str(value).lower()}")
    if isinstance(value, (int, Fraction)):
        if isinstance(value, int) and abs(value).bit_length() > 4 * MAX_DIGITS:
            raise NumberError(f"{_short(value)} has more than {MAX_DIGITS} digits")
        return _bounded(Fraction(value), _short(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NumberError(f"{value} is not a finite number")
        if (len(value.as_tuple().digits) > MAX_DIGITS or value.adjusted() > MAX_EXPONENT
                or (value and value.adjusted() < MIN_EXPONENT)):
            raise NumberError(f"{_short(str(value))} is out of range (|value| at most "
                              f"1e{MAX_EXPONENT}, at least 1e{MIN_EXPONENT} unless 0, "
                              f"{MAX_DIGITS} digits at most)")
        return _bounded(Fraction(value), str(value))
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        if len(text) > MAX_DIGITS + 10:
            raise NumberError(f"{_short(value)} is longer than {MAX_DIGITS} digits")
        if _DECIMAL.fullmatch(text):
            return parse_number(Decimal(text))
        m = _FRACTION.fullmatch(text)
        if m:
            if int(m.group(2)) == 0:
                raise NumberError(f"{value!r} divides by zero")
            return _bounded(Fraction(int(m.group(1)), int(m.group(2))), repr(value))
        raise NumberError(f"{_short(value)} is not a number (write e.g. 0.15, -2, 1e-3 or 1/3)")
    kind = {list: "a list", dict: "a table", tuple: "a list"}.get(type(value), type(value).__name__)
    raise NumberError(f"expected a number, got {kind}")


def exact(value, field: str):
    """``value`` as an exact Fraction (an mpf is kept as is), or a SpecError naming ``field``."""
    from ..errors import SpecError
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            raise SpecError(field, f"{value} is not a finite number")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SpecError(field, f"{value} is not a finite number")
        value = repr(value)
    try:
        return parse_number(value)
    except NumberError as e:
        raise SpecError(field, str(e)) from None


def to_mpf(x) -> mpmath.mpf:
    """An exact value (Fraction, int, sympy Rational) or mpf as an mpf at working precision."""
    if isinstance(x, mpmath.mpf):
        return x
    if isinstance(x, Fraction):
        return mpmath.mpf(x.numerator) / x.denominator
    if hasattr(x, "p") and hasattr(x, "q"):  # sympy Rational / Integer
        return mpmath.mpf(int(x.p)) / int(x.q)
    return mpmath.mpf(x)


def fmt(x, digits: int = 9, decimals: int | None = None) -> str:
    """``x`` rounded for display, trailing zeros dropped (0.3775, 0.593269992).

    ``digits`` significant digits by default; with ``decimals``, that many places after
    the point instead (the classic write-up prints 9 places: 0.082167041, 0.000438568) —
    except for |x| ≥ 1e60, shown with ``digits`` significant digits in e-notation rather
    than as a string of zeros. Non-finite values print as nan, inf, -inf.
    """
    x = to_mpf(x)
    if decimals is not None and mpmath.isfinite(x) and x and abs(x) >= mpmath.mpf(10) ** FIXED_LIMIT:
        decimals = None         # a fixed-point 1e400 would be 400 digits: significant digits instead
    if decimals is not None:
        if not mpmath.isfinite(x) or abs(x) < mpmath.mpf(10) ** -(decimals + 1):
            return fmt(x, digits) if not mpmath.isfinite(x) else "0"
        exact = Decimal(mpmath.nstr(x, WORKING_DIGITS, strip_zeros=False, min_fixed=-mpmath.inf,
                                    max_fixed=mpmath.inf))
        # half up, as students round by hand (0.5 → 1 at 0 places); the context holds every
        # digit of the result (up to FIXED_LIMIT before the point, ``decimals`` after it)
        with localcontext() as ctx:
            ctx.prec = FIXED_LIMIT + decimals + 10
            text = format(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    if not mpmath.isfinite(x):
        return "nan" if mpmath.isnan(x) else ("inf" if x > 0 else "-inf")
    if x == 0:
        return "0"
    text = mpmath.nstr(x, digits, min_fixed=-5, max_fixed=digits + 1, strip_zeros=True)
    # mpmath writes 1e-5 as '1.0e-5'; keep the shorter '1e-5'
    text = text.replace(".0e", "e")
    return text[:-2] if text.endswith(".0") else text
