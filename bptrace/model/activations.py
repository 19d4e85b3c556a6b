"""Activation functions, one table entry each.

Provides ``ACTIVATIONS`` (name → ``Activation``) and the SymPy functions ``sigmoid``,
``relu``, ``leaky_relu``, ``step`` used in formulas. Each entry keeps, side by side, the
SymPy formula, the local derivative written the way a lecturer writes it (σ′ as
out(1 − out)), the same two as mpmath numbers, and the torch counterpart. Adding an
activation is adding one entry; ``tests/test_tables.py`` proves each written derivative
equals ``sympy.diff`` of its formula.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import mpmath
import sympy
from sympy import Function, Integer, Rational

from .unevaluated import add, mul

LEAKY_SLOPE = Rational(1, 100)  # torch.nn.LeakyReLU's default negative_slope




class sigmoid(Function):
    """σ(x) = 1 / (1 + e^(−x)), kept unevaluated so it prints as σ."""

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sympy.exp(-x))


class step(Function):
    """Heaviside step with step(0) = 0: relu's derivative as torch takes it."""

    def fdiff(self, argindex=1):
        return Integer(0)


class relu(Function):
    """max(0, x)."""

    def fdiff(self, argindex=1):
        return step(self.args[0])


class leaky_step(Function):
    """1 for x > 0, else the leak slope (torch's choice at x = 0)."""

    def fdiff(self, argindex=1):
        return Integer(0)


class leaky_relu(Function):
    """x for x > 0, else slope·x."""

    def fdiff(self, argindex=1):
        return leaky_step(self.args[0])


def _const(m, q: Rational):
    """The exact rational ``q`` in the number type of module ``m`` (mpmath or numpy)."""
    return m.mpf(q.p) / q.q if m is mpmath else float(q)


@dataclass(frozen=True)
class Activation:
    """One activation: formula, derivative, numbers, torch counterpart.

    ``value(x, m)`` and ``slope(net, out, m)`` compute with module ``m``: mpmath for the
    exact trace, numpy for the float64 training loop, from one definition.
    """

    name: str
    display: str                                   # how the function is written: σ, tanh, ReLU
    formula: Callable[[sympy.Expr], sympy.Expr]    # out = f(net)
    derivative: Callable[[sympy.Expr, sympy.Expr], sympy.Expr]  # f′ from (net, out)
    value: Callable
    slope: Callable
    torch: Callable      # (torch module, tensor) → tensor; torch is imported by the caller only


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation(
            "sigmoid", "σ", sigmoid,
            lambda net, out: mul(out, add(1, mul(-1, out))),
            lambda x, m: 1 / (1 + m.exp(-x)),
            lambda net, out, m: out * (1 - out),
            lambda torch, x: torch.sigmoid(x)),
        Activation(
            "tanh", "tanh", sympy.tanh,
            lambda net, out: add(1, mul(-1, sympy.Pow(out, 2, evaluate=False))),
            lambda x, m: m.tanh(x),
            lambda net, out, m: 1 - out * out,
            lambda torch, x: torch.tanh(x)),
        Activation(
            "relu", "ReLU", relu,
            lambda net, out: step(net),
            lambda x, m: (x > 0) * x,
            lambda net, out, m: (net > 0) * _const(m, Integer(1)),
            lambda torch, x: torch.relu(x)),
        Activation(
            "leaky_relu", "LeakyReLU", leaky_relu,
            lambda net, out: leaky_step(net),
            lambda x, m: x * ((x > 0) + (x <= 0) * _const(m, LEAKY_SLOPE)),
            lambda net, out, m: (net > 0) * _const(m, Integer(1)) + (net <= 0) * _const(m, LEAKY_SLOPE),
            lambda torch, x: torch.nn.functional.leaky_relu(x, float(LEAKY_SLOPE))),
        Activation(
            "identity", "id", lambda x: x,
            lambda net, out: Integer(1),
            lambda x, m: x,
            lambda net, out, m: _const(m, Integer(1)) + 0 * net,
            lambda torch, x: x),
    ]
}
