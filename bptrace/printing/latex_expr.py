"""Formulas as LaTeX, in the notation lecturers write on the board.

Provides:
- ``LatexExpr`` — a subclass of SymPy's ``LatexPrinter``: w_{5}, \\mathrm{net}_{h1},
  \\mathrm{out}_{o1}, \\mathrm{target}_{o1}, \\delta_{o1}, E_{\\mathrm{total}}, \\eta, \\sigma(…),
  \\frac{\\partial E_{\\mathrm{total}}}{\\partial w_{5}}, \\sigma'(…), \\frac{1}{2}(…)^{2};
  formulas keep the order bptrace built them in (``order="none"``);
- ``LatexNumbers`` — the same layout with each symbol (and each ∂of/∂wrt) replaced by its
  value, negative values in parentheses: the "numbers substituted" line;
- ``symbol_latex(name)`` — one symbol name as LaTeX; any name it does not recognise is
  set as escaped text, so names from Python or torch (``linear1.weight[0,1]``) compile;
- ``escape_text(text)`` — free text (a network's name) made safe for LaTeX text mode;
- ``number_latex(text)`` — a rounded number (``fmt``'s output) as LaTeX (1e-5 → 1 \\cdot 10^{-5}).
"""
from __future__ import annotations

import re
import unicodedata

import sympy
from sympy.printing.latex import LatexPrinter

from ..model.numbers import fmt
from .expr import subtracted

_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "#": r"\#",
    "_": r"\_", "$": r"\$", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
}
# prefixes of bptrace's node quantities → how they are written
_PREFIXES = {"net": r"\mathrm{net}", "out": r"\mathrm{out}", "target": r"\mathrm{target}",
             "delta": r"\delta", "E": "E", "d": r"\mathrm{d}", "m": "m"}
_GREEK = {"eta": r"\eta", "sigma": r"\sigma", "delta": r"\delta"}
_FUNCTIONS = {"sigmoid": r"\sigma", "relu": r"\mathrm{ReLU}", "leaky_relu": r"\mathrm{LeakyReLU}",
              "tanh": r"\tanh"}
# derivative functions the activation table writes, shown as the function's derivative
_DERIVATIVES = {"step": r"\mathrm{ReLU}'", "leaky_step": r"\mathrm{LeakyReLU}'"}


def escape_text(text: str) -> str:
    """``text`` safe in LaTeX text mode.

    The ten special characters are escaped, tabs and newlines become spaces, other control
    characters are dropped; a Greek letter is set as math (σ → \\ensuremath{\\sigma}), which
    every engine and font can; every other character passes as it is. Printable ASCII and
    Latin-1 letters are set by pdflatex (T1 fonts, UTF-8 input); anything else (反向)
    makes a document ask for xelatex + ctex (``latex_lecture.needs_unicode_engine``).
    """
    out = []
    for ch in str(text):
        if ch in _TEXT_ESCAPES:
            out.append(_TEXT_ESCAPES[ch])
        elif ch in "\t\n\r":
            out.append(" ")
        elif _greek(ch):
            out.append(_greek(ch))
        elif unicodedata.category(ch)[0] != "C":
            out.append(ch)
    return "".join(out)


_LATIN_CAPITALS = {"ALPHA": "A", "BETA": "B", "EPSILON": "E", "ZETA": "Z", "ETA": "H", "IOTA": "I",
                   "KAPPA": "K", "MU": "M", "NU": "N", "RHO": "P", "TAU": "T", "CHI": "X"}
_GREEK_CAPITALS = {"GAMMA", "DELTA", "THETA", "LAMDA", "XI", "PI", "SIGMA", "UPSILON", "PHI", "PSI", "OMEGA"}


def _greek(ch: str):
    """A Greek letter as math (σ → \\ensuremath{\\sigma}): text fonts may lack it; else None."""
    name = unicodedata.name(ch, "")
    m = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER ([A-Z]+)", name)
    if not m:
        return None
    letter = m[2].lower().replace("lamda", "lambda")
    if m[2] == "OMICRON":
        return "O" if m[1] == "CAPITAL" else "o"
    if m[1] == "CAPITAL":
        if m[2] not in _GREEK_CAPITALS:      # Alpha, Beta, …: the Latin capital they look like
            return _LATIN_CAPITALS.get(m[2])
        letter = letter.capitalize()
    return rf"\ensuremath{{\{letter}}}"


def _unwrapped(text: str) -> str:
    """A negative value's parentheses dropped where the function's own enclose it: tanh(-0.25)."""
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        return text[1:-1]
    return text


def _text(name: str) -> str:
    return r"\text{%s}" % escape_text(name)


def node_latex(node: str) -> str:
    """A neuron's or output's name as a subscript: h1, o1, total, h1_2 → h1,2."""
    if node == "total":
        return r"\mathrm{total}"
    if re.fullmatch(r"[A-Za-z]*\d*", node):
        return node
    if re.fullmatch(r"[A-Za-z]+\d+(_\d+)+", node):
        return node.replace("_", ",")
    return _text(node)


def symbol_latex(name: str) -> str:
    """One bptrace symbol name as LaTeX; unknown shapes become escaped ``\\text{…}``."""
    m = re.fullmatch(r"([A-Za-z]+)_(.+)", name)
    if m and m[1] in _PREFIXES:
        return f"{_PREFIXES[m[1]]}_{{{node_latex(m[2])}}}"
    if name in _GREEK:
        return _GREEK[name]
    m = re.fullmatch(r"([A-Za-z])(\d+)", name)
    if m:                                    # w5, b1, i1
        return f"{m[1]}_{{{m[2]}}}"
    m = re.fullmatch(r"([wb])(\d+)_(\d+)(?:_(\d+))?", name)
    if m:                                    # indexed naming: w2_1_2 = w^{(2)}_{12}
        sub = m[3] if m[4] is None else (m[3] + m[4] if len(m[3] + m[4]) == 2 else f"{m[3]},{m[4]}")
        return f"{m[1]}^{{({m[2]})}}_{{{sub}}}"
    if re.fullmatch(r"[A-Za-z]", name):
        return name
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name):
        return r"\mathrm{%s}" % name
    return _text(name)


def number_latex(text: str) -> str:
    """``fmt``'s output as LaTeX: 8.65e-5 → 8.65 \\cdot 10^{-5}."""
    m = re.fullmatch(r"(-?[0-9.]+)e([+-]?\d+)", text)
    if m:
        return rf"{m[1]} \cdot 10^{{{int(m[2])}}}"
    return text


def derivative(of: str, wrt: str) -> sympy.Derivative:
    """∂of/∂wrt as an unevaluated SymPy derivative (printed as a Leibniz fraction)."""
    return sympy.Derivative(sympy.Symbol(of), sympy.Symbol(wrt), evaluate=False)


def derivative_key(expr: sympy.Derivative) -> str:
    """The key under which ``LatexNumbers`` finds the value of ∂of/∂wrt: ``"d(of)/d(wrt)"``."""
    (var, _), = expr.variable_count
    return f"d({expr.expr})/d({var})"


class LatexExpr(LatexPrinter):
    """SymPy's LaTeX printer with bptrace's notation; products written with ``\\cdot``."""

    _default_settings = {**LatexPrinter._default_settings, "order": "none", "mul_symbol": "dot"}

    def _print_Symbol(self, expr, style="plain"):
        return symbol_latex(expr.name)

    def _print_Derivative(self, expr):
        (var, count), = expr.variable_count
        inner = expr.expr
        if isinstance(inner, sympy.Function) and count == 1 and inner.args == (var,):
            name = _FUNCTIONS.get(type(inner).__name__, symbol_latex(type(inner).__name__))
            return f"{name}'({self._print(var)})"
        power = "" if count == 1 else f"^{{{count}}}"
        return (rf"\frac{{\partial{power} {self._print(inner)}}}"
                rf"{{\partial {self._print(var)}{power}}}")

    def _print_Function(self, expr, exp=None):
        fname = type(expr).__name__
        if fname in _FUNCTIONS or fname in _DERIVATIVES:
            name = _FUNCTIONS.get(fname) or _DERIVATIVES[fname]
            args = ", ".join(_unwrapped(self._print(a)) if a.is_Symbol else self._print(a)
                             for a in expr.args)
            text = f"{name}({args})"
            return text if exp is None else rf"\left({text}\right)^{{{exp}}}"
        return super()._print_Function(expr, exp)

    _print_tanh = _print_Function

    def _group(self, expr, first: bool) -> str:
        text = self._print(expr)
        if expr.is_Add or (not first and text.startswith("-")):
            return rf"\left({text}\right)"
        return text

    def _print_Mul(self, expr):
        # The board's layout, as the text printer writes it: -(…), ½(…)², a·b·c.
        if not expr.is_Mul:     # SymPy hands x**-1 here to be written as a fraction
            return super()._print_Mul(expr)
        args = list(expr.args)
        if args[0].is_Number and args[0] < 0:
            rest = args[1:] if args[0] == -1 else [-args[0]] + args[1:]
            body = rest[0] if len(rest) == 1 else sympy.Mul(*rest, evaluate=False)
            return "-" + self._group(body, first=False) if len(rest) == 1 else "-" + self._print(body)
        if args[0].is_Rational and not args[0].is_Integer:
            head = rf"\frac{{{args[0].p}}}{{{args[0].q}}}"
            rest = args[1:]
            return head + " ".join(self._group(a, first=False) if not a.is_Pow else self._print(a)
                                   for a in rest)
        return r" \cdot ".join(self._group(a, first=(i == 0)) for i, a in enumerate(args))


    def _print_Add(self, expr, order=None):
        # a - b for a term -b, without re-evaluating the term (which would reorder it)
        out = []
        for i, term in enumerate(expr.args):
            body = subtracted(term) if i else None
            if body is not None:
                out.append(" - " + self._group(body, first=False))
            elif i:
                out.append(" + " + self._print(term))
            else:
                out.append(self._print(term))
        return "".join(out)


class LatexNumbers(LatexExpr):
    """The formula with each value in its place: ``values`` maps symbol names (and
    ``derivative_key`` strings) to numbers, rounded with ``fmt``."""

    _default_settings = {**LatexExpr._default_settings, "values": {}, "digits": 9, "decimals": None}

    def _value(self, key: str, fallback: str) -> str:
        value = self._settings["values"].get(key)
        if value is None:
            return fallback
        text = fmt(value, self._settings["digits"], self._settings["decimals"])
        return f"({number_latex(text)})" if text.startswith("-") else number_latex(text)

    def _print_Symbol(self, expr, style="plain"):
        return self._value(expr.name, super()._print_Symbol(expr))

    def _print_Derivative(self, expr):
        # an unknown derivative stays a derivative: its variables are not numbers
        return self._value(derivative_key(expr), LatexExpr().doprint(expr))

    def _print_Pow(self, expr):
        base, exp = expr.args
        if base.is_Symbol:   # a value in scientific notation needs brackets under a power
            text = self._print(base)
            if not text.startswith("(") and r"\cdot" in text:
                text = rf"\left({text}\right)"
            return f"{text}^{{{self._print(exp)}}}"
        return super()._print_Pow(expr)


def formula_latex(expr) -> str:
    """``expr`` in bptrace's LaTeX notation."""
    return LatexExpr().doprint(expr)


def numbers_latex(expr, values, digits: int = 9, decimals=None) -> str:
    """``expr`` with every known symbol replaced by its rounded value."""
    text = LatexNumbers({"values": values, "digits": digits, "decimals": decimals}).doprint(expr)
    if text.startswith("(") and text.endswith(")") and (expr.is_Symbol or isinstance(expr, sympy.Derivative)):
        text = text[1:-1]
    return text
