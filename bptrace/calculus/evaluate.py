"""A SymPy formula's value at 50 significant digits: ``evaluate`` and ``DomainError``.

The update rules, the course's lessons and the objectives a user types are all SymPy
formulas; each step's value is computed from its formula here (mpmath), so the value
printed is the value of the formula printed. Real results only: log(−1), 1/0 and a
negative number to a fractional power are ``DomainError``s, never complex numbers.
"""
from __future__ import annotations

from typing import Mapping

import mpmath
import sympy

from ..model.activations import sigmoid


class DomainError(ValueError):
    """A formula has no real value at the given point (log(-1), 1/0, …)."""


MAX_LOG_MAGNITUDE = 10 ** 6   # |ln value| of a power or an exp: e^(10^6) has 434,295 digits


def _exp(x):
    if x > MAX_LOG_MAGNITUDE:
        raise DomainError(f"exp({mpmath.nstr(x, 6)}) overflows")
    return mpmath.exp(x)


_MP_FUNCS = {
    sympy.exp: _exp, sympy.log: mpmath.log, sympy.sin: mpmath.sin, sympy.cos: mpmath.cos,
    sympy.tanh: mpmath.tanh, sigmoid: lambda x: 1 / (1 + mpmath.exp(-x)),
    sympy.floor: mpmath.floor,
    # the max gate (bptrace expr) and its local gradient: torch splits a tie in halves
    sympy.Max: lambda *xs: max(xs),
    sympy.Heaviside: lambda d, at_zero=mpmath.mpf(1) / 2: (mpmath.mpf(1) if d > 0 else
                                                           mpmath.mpf(0) if d < 0 else at_zero),
}


def evaluate(expr, values: Mapping[str, mpmath.mpf]) -> mpmath.mpf:
    """``expr`` at 50 digits with each symbol's value from ``values``; real results only."""
    try:
        result = _eval(expr, values)
    except ZeroDivisionError:
        raise DomainError("division by zero") from None
    if not isinstance(result, mpmath.mpf) or not mpmath.isfinite(result):
        raise DomainError("no finite real value")
    return result


def _eval(expr, values):
    if expr.is_Symbol:
        return values[expr.name]
    if expr.is_Rational:
        return mpmath.mpf(int(expr.p)) / int(expr.q)
    if expr.is_NumberSymbol:
        return mpmath.mpf(str(expr.evalf(mpmath.mp.dps + 10)))
    args = [_eval(a, values) for a in expr.args]
    if any(not isinstance(a, mpmath.mpf) for a in args):
        raise DomainError("no real value")
    if expr.is_Add:
        return mpmath.fsum(args)
    if expr.is_Mul:
        out = args[0]
        for a in args[1:]:
            out = out * a
        return out
    if expr.is_Pow:
        base, exp = args
        if base != 0 and abs(exp * mpmath.log(abs(base))) > MAX_LOG_MAGNITUDE:
            # 3**3**3**3**3 has about 10^(3.6·10^12) digits: no memory holds its exponent
            raise DomainError(f"{mpmath.nstr(base, 6)}^{mpmath.nstr(exp, 6)} is beyond "
                              f"e^±{MAX_LOG_MAGNITUDE:.0e}")
        if expr.args[1].is_Integer:
            return base ** int(expr.args[1])
        if base < 0:
            raise DomainError(f"{mpmath.nstr(base, 6)} to a fractional power")
        if base == 0 and exp < 0:
            raise ZeroDivisionError
        return base ** exp
    func = _MP_FUNCS.get(expr.func)
    if func is None:
        raise DomainError(f"cannot evaluate {expr.func.__name__}")
    if expr.func is sympy.log and args[0] <= 0:
        raise DomainError(f"log({mpmath.nstr(args[0], 6)}) is undefined")
    return func(*args)
