"""The SymPy functions loss formulas are written with, each printable and evaluable.

Provides ``absval`` (|r|, whose derivative is ``sgn``), ``sgn`` (sign with sign(0) = 0, as
torch's L1 gradient), ``smooth_l1`` and ``huber`` (one function for the whole piecewise
loss, so a network's error is one formula ``sympy.diff`` can differentiate), ``clip``,
``softmax`` (``softmax(j, z1, …, zC)`` — the j-th probability, 1-based), ``clamped_log``
(torch's BCE logarithm, max(log x, −100)), ``ratio`` (a/b kept as written), and
``FUNCTIONS``: each function → its mpmath value, used by ``numeric.evaluate``.

Each class prints itself (``_sympystr`` for the text printers, ``_latex`` for LaTeX) and
differentiates itself (``fdiff``), like ``activations.sigmoid``.
"""
from __future__ import annotations

import struct
from fractions import Fraction

import mpmath
import sympy
from sympy import Function, Integer

BCE_LOG_FLOOR = -100          # torch clamps BCE's logarithms at −100
# torch's floor for x(1 − x) in BCE's gradient: the constant 1e-12 held as a float32,
# 9.99999996e-13 (measured: the gradient at x = 0, y = 1 is −1.000000003995803e12)
BCE_EPS = sympy.Rational(*Fraction(struct.unpack("f", struct.pack("f", 1e-12))[0]).as_integer_ratio())


def _arg(printer, a) -> str:
    """An argument, parenthesised when it is a sum or product."""
    text = printer._print(a)
    return f"({text})" if (a.is_Add or a.is_Mul or text.startswith("-")) and not a.is_Symbol else text


class sgn(Function):
    """sign(x) with sign(0) = 0: the gradient torch gives |x| at 0."""

    def fdiff(self, argindex=1):
        return Integer(0)

    def _sympystr(self, printer):
        return f"sign({printer._print(self.args[0])})"

    def _latex(self, printer):
        return rf"\operatorname{{sign}}\left({printer._print(self.args[0])}\right)"


class absval(Function):
    """|x|, differentiated as sgn(x) (0 at 0, torch's choice)."""

    def fdiff(self, argindex=1):
        return sgn(self.args[0])

    def _sympystr(self, printer):
        return f"|{printer._print(self.args[0])}|"

    def _latex(self, printer):
        return rf"\left|{printer._print(self.args[0])}\right|"


class clip(Function):
    """clip(x, lo, hi) = min(max(x, lo), hi)."""

    def fdiff(self, argindex=1):
        x, lo, hi = self.args
        return sympy.Piecewise((1, (x > lo) & (x < hi)), (0, True)) if argindex == 1 else Integer(0)

    def _sympystr(self, printer):
        return f"clip({', '.join(printer._print(a) for a in self.args)})"

    def _latex(self, printer):
        return rf"\operatorname{{clip}}\left({', '.join(printer._print(a) for a in self.args)}\right)"


class ratio(Function):
    """a/b, kept as the lecturer writes it (SymPy would turn it into a·b⁻¹).

    Built with ``evaluate=False``; evaluating it (as the symbolic proof's rebuild does)
    gives SymPy's a/b, so algebra sees an ordinary quotient.
    """

    @classmethod
    def eval(cls, a, b):
        return a / b

    def fdiff(self, argindex=1):
        a, b = self.args
        return 1 / b if argindex == 1 else -a / b**2

    def _sympystr(self, printer):
        a, b = self.args
        return f"{_arg(printer, a)}/{_arg(printer, b)}"

    def _latex(self, printer):
        return rf"\frac{{{printer._print(self.args[0])}}}{{{printer._print(self.args[1])}}}"


class smooth_l1(Function):
    """SmoothL1(r; β): ½r²/β for |r| < β, |r| − ½β otherwise (torch.nn.SmoothL1Loss)."""

    def fdiff(self, argindex=1):
        r, beta = self.args
        return clip(r / beta, -1, 1) if argindex == 1 else Integer(0)

    def _sympystr(self, printer):
        r, beta = self.args
        return f"SmoothL1({printer._print(r)}; β={printer._print(beta)})"

    def _latex(self, printer):
        r, beta = self.args
        return rf"\operatorname{{SmoothL1}}_{{\beta={printer._print(beta)}}}\left({printer._print(r)}\right)"


class huber(Function):
    """Huber(r; δ): ½r² for |r| < δ, δ(|r| − ½δ) otherwise (torch.nn.HuberLoss)."""

    def fdiff(self, argindex=1):
        r, delta = self.args
        return clip(r, -delta, delta) if argindex == 1 else Integer(0)

    def _sympystr(self, printer):
        r, delta = self.args
        return f"Huber({printer._print(r)}; δ={printer._print(delta)})"

    def _latex(self, printer):
        r, delta = self.args
        return rf"\operatorname{{Huber}}_{{\delta={printer._print(delta)}}}\left({printer._print(r)}\right)"


class clamped_log(Function):
    """max(log x, −100): the logarithm torch's BCELoss takes, so that log 0 stays finite."""

    def fdiff(self, argindex=1):
        return 1 / self.args[0]

    def _sympystr(self, printer):
        return f"max(log({printer._print(self.args[0])}), {BCE_LOG_FLOOR})"

    def _latex(self, printer):
        return rf"\max\left(\log\left({printer._print(self.args[0])}\right), {BCE_LOG_FLOOR}\right)"


class softmax(Function):
    """softmax(j, z1, …, zC) = e^(z_j) / Σ_k e^(z_k), j counted from 1.

    Its partial derivatives are the softmax Jacobian, ∂p_j/∂z_k = p_j(δ_jk − p_k).
    """

    def fdiff(self, argindex=1):
        if argindex == 1:
            return Integer(0)
        j, zs = int(self.args[0]), self.args[1:]
        k = argindex - 1
        pk = softmax(Integer(k), *zs)
        return self * ((1 if j == k else 0) - pk)

    def _sympystr(self, printer):
        j, zs = self.args[0], self.args[1:]
        return f"softmax_{j}({', '.join(printer._print(z) for z in zs)})"

    def _latex(self, printer):
        j, zs = self.args[0], self.args[1:]
        return rf"\operatorname{{softmax}}_{{{j}}}\left({', '.join(printer._print(z) for z in zs)}\right)"

    def _eval_rewrite_as_exp(self, j, *zs, **kwargs):
        return sympy.exp(zs[int(j) - 1]) / sympy.Add(*[sympy.exp(z) for z in zs])


# ----- numbers: one definition over a module m (mpmath at 50 digits, or math for float64) ----
def sign_value(x, m=mpmath):
    return (x > 0) * 1 - (x < 0) * 1 + 0 * x


def logsumexp(zs, m=mpmath):
    """log Σ e^z computed as max + log Σ e^(z − max): no overflow for large logits."""
    top = max(zs)
    return top + m.log(sum(m.exp(z - top) for z in zs))


def log_softmax(zs, m=mpmath) -> list:
    lse = logsumexp(zs, m)
    return [z - lse for z in zs]


def softmax_values(zs, m=mpmath) -> list:
    top = max(zs)
    e = [m.exp(z - top) for z in zs]
    s = sum(e)
    return [v / s for v in e]


def clamped_log_value(x, m=mpmath):
    """max(log x, −100), with log 0 = −∞ clamped too (math.log(0) would raise)."""
    if x <= 0:
        return 0 * x + BCE_LOG_FLOOR
    return max(m.log(x), 0 * x + BCE_LOG_FLOOR)


def smooth_l1_value(r, beta, m=mpmath):
    a = abs(r)
    return r * r / (2 * beta) if a < beta else a - beta / 2


def huber_value(r, delta, m=mpmath):
    a = abs(r)
    return r * r / 2 if a < delta else delta * (a - delta / 2)


def clip_value(x, lo, hi, m=mpmath):
    return min(max(x, lo), hi)


FUNCTIONS = {
    sgn: lambda x: sign_value(x),
    absval: abs,
    clip: lambda x, lo, hi: clip_value(x, lo, hi),
    ratio: lambda a, b: a / b,
    smooth_l1: lambda r, beta: smooth_l1_value(r, beta),
    huber: lambda r, delta: huber_value(r, delta),
    clamped_log: lambda x: clamped_log_value(x),
    softmax: lambda j, *zs: softmax_values(list(zs))[int(j) - 1],
    sympy.Max: max,
}
