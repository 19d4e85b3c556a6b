"""LaTeX notation for the optimizer, moving-average, schedule, dropout and loss traces.

Their symbols are written the way the text printer shows them (``g_1``, ``m̂_2``, ``β₁``,
``η_min``, ``x_1,2``, ``∂E/∂y_1``, ``η(3)``); this module sets them as a lecturer would:
g_{1}, \\hat{m}_{2}, \\beta_1, \\eta_{\\mathrm{min}}, x_{1,2}, \\frac{\\partial E}{\\partial y_{1}},
\\eta(3). A parameter with digits keeps them as its own index and adds the step after a
comma: w1 at step 0 is w_{1,0}.

Provides:
- ``symbol(name)`` — one such symbol as LaTeX; a name of no known shape is escaped text
  (``latex_expr.symbol_latex``'s fallback), so a document always compiles;
- ``formula(expr)`` and ``numbers(expr, values, digits, decimals)`` — SymPy's printer
  (``latex_expr.LatexExpr``/``LatexNumbers``) with these symbols and written quotients:
  a·b⁻¹ as \\frac{a}{b}, x^{1/2} as \\sqrt{x}.
"""
from __future__ import annotations

import re

import sympy

from .latex_expr import LatexExpr, LatexNumbers, escape_text

GREEK = {"η": r"\eta", "μ": r"\mu", "β": r"\beta", "α": r"\alpha", "ε": r"\varepsilon",
         "λ": r"\lambda", "γ": r"\gamma", "δ": r"\delta", "σ": r"\sigma"}
HATS = {"m̂": r"\hat{m}", "v̂": r"\hat{v}", "Ŝ": r"\hat{S}"}
_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")


def _base(base: str):
    """The part before the first ``_``, or None when it has no known shape."""
    if base in GREEK:
        return GREEK[base]
    if base in HATS:
        return HATS[base]
    if len(base) == 2 and base[0] in GREEK and base[1] in "₀₁₂₃₄₅₆₇₈₉":   # β₁
        return f"{GREEK[base[0]]}_{base[1].translate(_SUBSCRIPT_DIGITS)}"
    if re.fullmatch(r"[A-Za-z]", base):
        return base
    m = re.fullmatch(r"([A-Za-z])(\d+)", base)                         # w1 → w_{1}
    if m:
        return f"{m[1]}_{{{m[2]}}}"
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", base):
        return r"\mathrm{%s}" % base
    return None


def _index(sub: str):
    if re.fullmatch(r"\d+(,\d+)*", sub):
        return sub
    if re.fullmatch(r"[A-Za-z]+", sub):
        return sub if len(sub) == 1 else r"\mathrm{%s}" % sub
    return None


def symbol(name: str) -> str:
    """One symbol of these traces as LaTeX (see the module docstring)."""
    m = re.fullmatch(r"∂([^/]+)/∂(.+)", name)
    if m:
        return rf"\frac{{\partial {symbol(m[1])}}}{{\partial {symbol(m[2])}}}"
    m = re.fullmatch(r"(.+)\((\d+)\)", name)                          # η(3): a schedule's value
    if m and _base(m[1]):
        return f"{_base(m[1])}({m[2]})"
    base, _, sub = name.partition("_")
    head = _base(base)
    index = _index(sub) if sub else ""
    if head is None or index is None:
        return r"\text{%s}" % escape_text(name)
    if not sub:
        return head
    if head.endswith("}") and re.fullmatch(r"[A-Za-z]_\{\d+\}", head):   # w_{1} at step 0
        return f"{head[:-1]},{index}}}"
    return f"{head}_{{{index}}}"


class _Quotients:
    """a·b⁻¹ as \\frac{a}{b}, x^{1/2} as \\sqrt{x}, over either printer below."""

    def _print_Pow(self, expr, *args, **kwargs):
        base, exp = expr.args
        if exp == sympy.Rational(1, 2):
            return rf"\sqrt{{{self._print(base)}}}"
        if exp == -1:
            return rf"\frac{{1}}{{{self._print(base)}}}"
        return super()._print_Pow(expr, *args, **kwargs)

    def _print_Mul(self, expr):
        args = list(expr.args) if expr.is_Mul else []
        den = [a.args[0] for a in args if a.is_Pow and a.args[1] == -1]
        if not den or len(den) == len(args):
            return super()._print_Mul(expr)
        num = [a for a in args if not (a.is_Pow and a.args[1] == -1)]
        if len(num) == 1 and num[0] == -1:
            return rf"-\frac{{1}}{{{self._print(_product(den))}}}"
        sign = ""
        if num[0].is_Number and num[0] < 0:     # -a/b: the sign before the fraction
            sign, num = "-", ([-num[0]] if num[0] != -1 else []) + num[1:]
        top = _product(num) if num else sympy.Integer(1)
        return rf"{sign}\frac{{{self._print(top)}}}{{{self._print(_product(den))}}}"


def _product(items):
    return items[0] if len(items) == 1 else sympy.Mul(*items, evaluate=False)


class Formula(_Quotients, LatexExpr):
    """A formula of these traces in LaTeX."""

    def _print_Symbol(self, expr, style="plain"):
        return symbol(expr.name)


class Numbers(_Quotients, LatexNumbers):
    """The formula with each symbol's value in its place (negative values in parentheses)."""

    def _print_Symbol(self, expr, style="plain"):
        return self._value(expr.name, symbol(expr.name))

    def _print_Pow(self, expr, *args, **kwargs):
        base, exp = expr.args
        if exp not in (sympy.Rational(1, 2), -1) and base.is_Symbol:
            text = self._print(base)      # a value under a power: brackets if it has any sign or ·
            if not text.startswith("(") and (r"\cdot" in text or text.startswith("-")):
                text = rf"\left({text}\right)"
            return f"{text}^{{{self._print(exp)}}}"
        return super()._print_Pow(expr, *args, **kwargs)


def formula(expr) -> str:
    """``expr`` in LaTeX with these traces' symbols."""
    return Formula().doprint(expr)


def numbers(expr, values, digits: int = 9, decimals=None) -> str:
    """``expr`` with every known symbol replaced by its rounded value."""
    text = Numbers({"values": values, "digits": digits, "decimals": decimals}).doprint(expr)
    if text.startswith("(") and text.endswith(")") and expr.is_Symbol:
        text = text[1:-1]
    return text
