"""Formulas as plain text, the way they are written on a board.

Provides ``TextExpr`` (w1·i1 + w2·i2 + b1, σ(net_h1), out_o1·(1 - out_o1), ½(…)², δ_h1,
∂E_total/∂w5) and ``NumbersExpr``, the same layout with every symbol replaced by its
value rounded to ``digits`` significant digits — the "numbers substituted" line.
Both keep the order in which bptrace built the formula (SymPy's ``order="none"``).
"""
from __future__ import annotations

import sympy
from sympy.printing.str import StrPrinter

from ..model.naming import derivative_key
from ..model.numbers import fmt

_SUPERSCRIPT = {2: "²", 3: "³"}
_FUNCTIONS = {"sigmoid": "σ", "relu": "ReLU", "leaky_relu": "LeakyReLU", "tanh": "tanh",
              "step": "ReLU′", "leaky_step": "LeakyReLU′"}   # the derivatives, as on the board


def subtracted(term):
    """For a sum's term −b (a product led by a negative number), b — so printers write
    "a - b", never "a + -b" — built unevaluated, so its factors keep their order; else None."""
    if not (term.is_Mul and term.args[0].is_Number and term.args[0] < 0):
        return None
    rest = list(term.args[1:])
    if term.args[0] != -1:
        rest.insert(0, -term.args[0])
    return rest[0] if len(rest) == 1 else sympy.Mul(*rest, evaluate=False)


def display_name(name: str) -> str:
    """delta_h1 → δ_h1; other names are shown as they are."""
    return "δ_" + name[6:] if name.startswith("delta_") else name


class TextExpr(StrPrinter):
    _default_settings = {**StrPrinter._default_settings, "order": "none"}

    def _print_Symbol(self, expr):
        return display_name(expr.name)

    def _print_Derivative(self, expr):
        (var, _), = expr.variable_count
        return f"∂{self._print(expr.expr)}/∂{self._print(var)}"

    def _print_Rational(self, expr):
        if expr == sympy.Rational(1, 2):
            return "½"
        return f"{expr.p}/{expr.q}"

    def _print_Function(self, expr):
        name = _FUNCTIONS.get(expr.func.__name__, expr.func.__name__)
        args = [self._print(a) for a in expr.args]
        args = [t[1:-1] if a.is_Symbol and t.startswith("(") and t.endswith(")") and t.count("(") == 1
                else t for a, t in zip(expr.args, args)]
        return f"{name}({', '.join(args)})"

    def _is_negative(self, expr) -> bool:
        if expr.is_Mul and expr.args and expr.args[0].is_Number and expr.args[0] < 0:
            return True
        return expr.is_Number and expr < 0

    def _factor(self, expr, first: bool) -> str:
        text = self._print(expr)
        if expr.is_Add or (not first and text.startswith("-")):
            return f"({text})"
        return text

    def _print_Mul(self, expr):
        args = list(expr.args)
        if args[0].is_Number and args[0] < 0:
            rest = args[1:]
            if args[0] != -1:
                rest = [-args[0]] + rest
            if len(rest) == 1:
                return "-" + self._factor(rest[0], first=False)
            return "-" + self._print_Mul(sympy.Mul(*rest, evaluate=False))
        if len(args) == 2 and args[0] == sympy.Rational(1, 2):
            return "½" + self._factor(args[1], first=False) if not args[1].is_Pow else "½" + self._print(args[1])
        below = [a.args[0] for a in args if a.is_Pow and a.args[1] == -1]
        if below:   # m_h1·out_h1/(1 - p), not m_h1·out_h1·(1 - p)^-1
            above = [a for a in args if not (a.is_Pow and a.args[1] == -1)] or [sympy.Integer(1)]
            top = "·".join(self._factor(a, first=(i == 0)) for i, a in enumerate(above))
            bottom = "·".join(self._factor(b, first=False) for b in below)
            if len(below) > 1 or below[0].is_Mul:
                bottom = f"({bottom})"
            return f"{top}/{bottom}"
        return "·".join(self._factor(a, first=(i == 0)) for i, a in enumerate(args))

    def _print_Add(self, expr):
        out = []
        for i, term in enumerate(expr.args):
            body = subtracted(term) if i else None
            if body is not None:
                out.append(" - " + self._factor(body, first=False))
            elif i:
                out.append(" + " + self._print(term))
            else:
                out.append(self._print(term))
        return "".join(out)

    def _print_Pow(self, expr):
        base, exp = expr.args
        b = self._print(base)
        if not (base.is_Atom and not self._is_negative(base)) or b.startswith("-"):
            b = f"({b})"
        if exp.is_Integer and int(exp) in _SUPERSCRIPT:
            return b + _SUPERSCRIPT[int(exp)]
        return f"{b}^{self._print(exp)}"


class NumbersExpr(TextExpr):
    """The formula with each symbol's value in its place."""

    _default_settings = {**TextExpr._default_settings, "values": {}, "digits": 9, "decimals": None}

    def _print_Symbol(self, expr):
        value = self._settings["values"].get(expr.name)
        if value is None:
            return super()._print_Symbol(expr)
        text = fmt(value, self._settings["digits"], self._settings["decimals"])
        return f"({text})" if text.startswith("-") else text

    def _is_negative(self, expr) -> bool:
        return False  # a negative value is already in parentheses

    def _print_Derivative(self, expr):
        (var, _), = expr.variable_count
        value = self._settings["values"].get(derivative_key(expr.expr.name, var.name))
        if value is None:   # no number for it: keep the symbol, never substitute inside it
            return TextExpr()._print_Derivative(expr)
        text = fmt(value, self._settings["digits"], self._settings["decimals"])
        return f"({text})" if text.startswith("-") else text


def chain_parts(text: str, subst: str, shown: str) -> list[str]:
    """Every printer's rule for a line of working: the formula, then the numbers, then the
    value, each only when it says something new (a formula that is a number is not
    repeated; numbers that read as the value are left out)."""
    parts = [text]
    if subst not in (text, shown):
        parts.append(subst)
    if shown != parts[-1]:
        parts.append(shown)
    return parts


def formula(expr) -> str:
    return TextExpr().doprint(expr)


def numbers(expr, values, digits: int = 9, decimals=None) -> str:
    text = NumbersExpr({"values": values, "digits": digits, "decimals": decimals}).doprint(expr)
    if text.startswith("(") and text.endswith(")") and expr.is_Symbol:
        text = text[1:-1]
    return text
