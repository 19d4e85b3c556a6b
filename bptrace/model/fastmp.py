"""The 50-digit linear algebra of ``numeric.py``, fast and to the same bits.

A forward and backward pass is mostly products and sums: net_j = Σ_k w_jk·x_k + b_j,
upstream_k = Σ_j δ_j·w_jk and each gradient δ_j·x_k. ``numeric.py`` writes them once with
``sum`` over mpmath numbers; this module computes the same operations, in the same
order, each rounded once to nearest at the working precision:

- with ``gmpy2`` (a dependency): on MPFR numbers at mpmath's precision (169 bits for 50
  digits). MPFR's +, − and × are correctly rounded to nearest (ties to even), as mpmath's
  are, so every result is the same number; ``working(q)`` reads an exact value straight
  into MPFR (q = n/d rounded once, as ``to_mpf`` does);
- without it: on mpmath's raw ``(sign, mantissa, exponent, bits)`` tuples (``mpf_mul``,
  ``mpf_add``, the functions mpf's operators call), which skips the wrapper objects.

``tests/test_speed_paths.py`` checks both against plain ``sum`` on mpf objects. Each
function returns ``None`` for values it does not know (the caller then takes the plain
path); MPFR numbers are only ever given to these kernels (``working`` makes them for the
layers that take the kernels), and the tuple path converts them back exactly, so an MPFR
number never meets an mpf one. The cost stays one operation per edge.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
from mpmath.libmp import from_man_exp, fzero, mpf_add, mpf_mul

from .numbers import to_mpf

try:
    import gmpy2
except ImportError:      # pragma: no cover - gmpy2 is a dependency; the tuples still work
    gmpy2 = None

_make = mpmath.mp.make_mpf
# below this many products a layer takes numeric.py's plain lines: converting its few
# numbers costs more than the kernels save (measured on the 2-2-2: twice as slow)
MIN_EDGES = 64
_DENOMINATORS: dict = {}     # d → gmpy2.mpz(d): a network's decimals share a few powers of 10
# mpmath's exponents are unbounded, MPFR's end near ±2^30: numbers beyond ±2^20 (values
# far outside any network's, e.g. exp(−1e30) in a diverged 50-digit run) take the tuples,
# so that no product or sum of two of them can leave MPFR's range
_EXPONENT_RANGE = 2 ** 20


# ----- MPFR (gmpy2) ------------------------------------------------------------------------
def _context():
    return gmpy2.context(precision=mpmath.mp.prec, round=gmpy2.RoundToNearest,
                         subnormalize=False)


def _prec() -> int:
    return mpmath.mp.prec


def working(weights, biases) -> tuple[list, list]:
    """A layer's exact weights (rows) and biases as the numbers its pass computes with: MPFR
    numbers equal to ``to_mpf`` of each when the layer takes the MPFR kernels (gmpy2, at
    least ``MIN_EDGES`` products), else ``to_mpf`` of each."""
    big = len(weights) * len(weights[0]) >= MIN_EDGES if weights else False
    if not (big and _usable()):
        return [[to_mpf(v) for v in row] for row in weights], [to_mpf(v) for v in biases]
    return [_working(row) for row in weights], _working(biases)


def _working(values) -> list:
    prec = mpmath.mp.prec
    out = []
    ctx = _context()
    with ctx:
        mpfr, div, mpz = gmpy2.mpfr, ctx.div, gmpy2.mpz
        for v in values:
            n = v.numerator if type(v) is Fraction else None
            if n is not None and n.bit_length() <= prec:
                # n exact in MPFR, then one correctly rounded division: to_mpf's mpf(n)/d
                d = v.denominator
                m = _DENOMINATORS.get(d)
                if m is None:
                    m = _DENOMINATORS[d] = mpz(d) if len(_DENOMINATORS) < 4096 else d
                out.append(div(mpfr(n), m))
                continue
            r = _from_mpf(to_mpf(v), prec)
            out.append(to_mpf(v) if r is None else r)
    return out


def _from_mpf(x, prec):
    """mpf → MPFR, exactly (None if its mantissa is wider than ``prec``)."""
    sign, man, exp, bc = x._mpf_
    if not man:
        if exp:          # ±inf, nan: not a value a network holds
            return None
        return gmpy2.mpfr(0)
    if bc > prec or not -_EXPONENT_RANGE < exp < _EXPONENT_RANGE:
        return None     # wider than the precision, or beyond what MPFR holds exactly
    with _context():
        return gmpy2.mul_2exp(gmpy2.mpfr(-man if sign else man), exp)


def _to_mpf(r):
    if not r:        # MPFR's ±0 (mpmath has one zero; from_man_exp would not normalise it)
        return _make(fzero)
    man, exp = r.as_mantissa_exp()
    return _make(from_man_exp(man, int(exp)))


def _mpfr_list(values, prec):
    out = []
    for v in values:
        if type(v) is _MPFR:
            out.append(v)
        elif isinstance(v, mpmath.mpf):
            r = _from_mpf(v, prec)
            if r is None:
                return None
            out.append(r)
        else:
            return None
    return out


_MPFR = type(gmpy2.mpfr(0)) if gmpy2 is not None else None


def _usable() -> bool:
    return gmpy2 is not None and mpmath.mp._prec_rounding[1] == "n"


# ----- the kernels -------------------------------------------------------------------------
def weighted_sums(w, x, bias):
    """[sum((w_jk·x_k for k), b_j) for j] as mpf numbers, or None."""
    if _usable():
        prec = _prec()
        xs, bs = _mpfr_list(x, prec), _mpfr_list(bias, prec)
        rows = None if xs is None or bs is None else [_mpfr_list(row, prec) for row in w]
        if rows is not None and all(r is not None for r in rows):
            out = []
            with _context():
                for ws, acc in zip(rows, bs):
                    for wk, xk in zip(ws, xs):
                        acc = acc + wk * xk
                    out.append(_to_mpf(acc))
            return out
    # mpmath's tuples (also where a number is beyond MPFR's range: MPFR weights convert back)
    xs, bs = _raw(x), _raw(bias)
    if xs is None or bs is None:
        return None
    prec, rnd = mpmath.mp._prec_rounding
    out = []
    for row, acc in zip(w, bs):
        ws = _raw(row)
        if ws is None:
            return None
        for wk, xk in zip(ws, xs):
            acc = mpf_add(acc, mpf_mul(wk, xk, prec, rnd), prec, rnd)
        out.append(_make(acc))
    return out


def back_sums(delta, w):
    """[sum(δ_j·w_jk for j) for k] (``sum`` starts from 0) as mpf numbers, or None."""
    if _usable():
        prec = _prec()
        ds = _mpfr_list(delta, prec)
        rows = None if ds is None else [_mpfr_list(row, prec) for row in w]
        if rows is not None and all(r is not None for r in rows):
            out = []
            with _context():
                for k in range(len(rows[0])):
                    acc = gmpy2.mpfr(0)
                    for d, row in zip(ds, rows):
                        acc = acc + d * row[k]
                    out.append(_to_mpf(acc))
            return out
    ds = _raw(delta)
    rows = [_raw(row) for row in w]
    if ds is None or any(r is None for r in rows):
        return None
    prec, rnd = mpmath.mp._prec_rounding
    out = []
    for k in range(len(rows[0])):
        acc = fzero
        for d, row in zip(ds, rows):
            acc = mpf_add(acc, mpf_mul(d, row[k], prec, rnd), prec, rnd)
        out.append(_make(acc))
    return out


def outer(delta, x):
    """[[δ_j·x_k for k] for j] as mpf numbers, or None."""
    ds, xs = _raw(delta), _raw(x)
    if ds is None or xs is None:
        return None
    prec, rnd = mpmath.mp._prec_rounding
    return [[_make(mpf_mul(d, xk, prec, rnd)) for xk in xs] for d in ds]


def _raw(values):
    """mpmath's tuples of mpf (and MPFR, converted exactly) numbers; None for others."""
    out = []
    for v in values:
        if type(v) is _MPFR:
            out.append(_to_mpf(v)._mpf_)
        elif isinstance(v, mpmath.mpf):
            out.append(v._mpf_)
        else:
            return None
    return out
