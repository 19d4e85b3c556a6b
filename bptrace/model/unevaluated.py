"""SymPy expressions built without evaluation, so formulas print as a lecturer writes them.

Provides ``add``, ``mul``, ``power``, ``subtract``, ``div``, ``minus``, ``one_minus`` and ``sqrt``:
``mul(out, one_minus(out))`` stays out·(1 − out) instead of SymPy's canonical
−out² + out. Every layer that writes formulas (activations, losses, the update rules,
the course's lessons) builds them from these.
"""
import sympy


def add(*args):
    return sympy.Add(*args, evaluate=False)


def mul(*args):
    return sympy.Mul(*args, evaluate=False)


def power(base, exponent):
    return sympy.Pow(base, exponent, evaluate=False)


def subtract(a, b):
    return add(a, mul(-1, b))


def div(a, b):
    return mul(a, power(b, -1))


def minus(a):
    return mul(-1, a)


def one_minus(x):
    return add(1, minus(x))


def sqrt(x):
    return power(x, sympy.Rational(1, 2))
