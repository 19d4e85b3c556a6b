"""Formulas as Presentation MathML, in the notation lecturers write on the board.

Provides:
- ``escape(text)`` — the one place where user text (a name, a network's title) is made
  safe for HTML and MathML; every other module calls it;
- ``MathMLExpr`` — a subclass of SymPy's ``MathMLPresentationPrinter``: w₅ as
  ``<msub><mi>w</mi><mn>5</mn></msub>``, net/out/target upright with the neuron as a
  subscript, δ_o1, E_total, η, σ(…), ∂E_total/∂w5 as a fraction, ½(…)², a·b with a centred
  dot; formulas keep the order bptrace built them in (``order="none"``), as the text and
  LaTeX printers do (``expr.subtracted`` writes a − b);
- ``MathMLNumbers`` — the same layout with every symbol (and every ∂of/∂wrt whose value is
  known) replaced by its value rounded for display; each number carries its 50-digit value
  (``data-exact``) and, when given, torch's float64 value (``data-f64``), and is focusable;
- ``math(*rows)`` — ``<math>`` elements around printed fragments.

SymPy's MathML printer writes text nodes raw (so it can emit entities such as ``&#x2202;``):
a name such as ``a<b`` would become markup. Every text node here goes through ``escape``,
and names of no known shape are set as ``<mtext>``.
"""
from __future__ import annotations

import html
import re

import mpmath
import sympy
from sympy.printing.mathml import MathMLPresentationPrinter

from ..model.naming import derivative_key
from ..model.numbers import fmt, to_mpf
from .expr import subtracted

# prefixes of bptrace's node quantities → (how the head is written, upright?)
_PREFIXES = {"net": ("net", True), "out": ("out", True), "target": ("target", True),
             "delta": ("δ", False), "E": ("E", False), "d": ("d", True), "m": ("m", False)}
_GREEK = {"eta": "η", "sigma": "σ", "delta": "δ"}
_FUNCTIONS = {"sigmoid": "σ", "relu": "ReLU", "leaky_relu": "LeakyReLU", "tanh": "tanh",
              "step": "ReLU′", "leaky_step": "LeakyReLU′"}   # the derivatives, as on the board


def escape(text) -> str:
    """``text`` safe as HTML or XML character data and as a quoted attribute value."""
    return html.escape(str(text), quote=True)


def exact_digits(value) -> str:
    """A value at the working precision, as shown in the hover box (50 significant digits)."""
    return mpmath.nstr(to_mpf(value), 50, min_fixed=-6, max_fixed=50)


class MathMLExpr(MathMLPresentationPrinter):
    """SymPy's Presentation MathML printer with bptrace's notation."""

    _default_settings = {**MathMLPresentationPrinter._default_settings, "order": "none"}

    # ----- building blocks: every text node is escaped here --------------------------------
    def _text(self, data: str):
        return self.dom.createTextNode(escape(data))

    def el(self, tag: str, *children, **attrs):
        node = self.dom.createElement(tag)
        for key, value in sorted(attrs.items()):
            node.setAttribute(key.replace("_", "-"), str(value))
        for child in children:
            node.appendChild(self._text(child) if isinstance(child, str) else child)
        return node

    def mo(self, text: str):
        return self.el("mo", text)

    def row(self, *children):
        return children[0] if len(children) == 1 else self.el("mrow", *children)

    def paren(self, node):
        """(node); the brackets stretch only around a fraction (stretched brackets around
        a line of text are set wider, with gaps, by Chromium)."""
        tall = node.tagName == "mfrac" or node.getElementsByTagName("mfrac")
        attrs = {} if tall else {"stretchy": "false"}
        return self.el("mrow", self.el("mo", "(", **attrs), node, self.el("mo", ")", **attrs))

    # ----- symbols ---------------------------------------------------------------------------
    def _index(self, text: str):
        """A subscript: h1 → h 1, h1_2 → h 1,2, total → upright; anything else as text."""
        if text == "total":
            return self.el("mi", "total", mathvariant="normal")
        m = re.fullmatch(r"([A-Za-z]*)(\d+(?:_\d+)*)", text)
        if m:
            parts = ([self.el("mi", m[1])] if m[1] else []) + [self.el("mn", m[2].replace("_", ","))]
            return self.row(*parts)
        if re.fullmatch(r"[A-Za-z]+", text):
            return self.el("mi", text)
        return self.el("mtext", text)

    def symbol(self, name: str):
        """One bptrace name as MathML; a name of no known shape is escaped ``<mtext>``."""
        m = re.fullmatch(r"([A-Za-z]+)_(.+)", name)
        if m and m[1] in _PREFIXES:
            head, upright = _PREFIXES[m[1]]
            base = self.el("mi", head, mathvariant="normal") if upright and len(head) == 1 \
                else self.el("mi", head)
            return self.el("msub", base, self._index(m[2]))
        if name in _GREEK:
            return self.el("mi", _GREEK[name])
        m = re.fullmatch(r"([A-Za-z])(\d+)", name)
        if m:                                           # w5, b1, i1
            return self.el("msub", self.el("mi", m[1]), self.el("mn", m[2]))
        m = re.fullmatch(r"([wb])(\d+)_(\d+)(?:_(\d+))?", name)
        if m:                                           # indexed naming: w2_1_2 = w^{(2)}_{12}
            sub = m[3] if m[4] is None else (m[3] + m[4] if len(m[3] + m[4]) == 2 else f"{m[3]},{m[4]}")
            return self.el("msubsup", self.el("mi", m[1]), self.el("mn", sub),
                           self.el("mrow", self.mo("("), self.el("mn", m[2]), self.mo(")")))
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name):
            return self.el("mi", name)
        return self.el("mtext", name)

    def _print_Symbol(self, sym, style="plain"):
        return self.symbol(sym.name)

    def partial(self, of, wrt):
        """∂of/∂wrt as a fraction."""
        return self.el("mfrac", self.el("mrow", self.mo("∂"), of), self.el("mrow", self.mo("∂"), wrt))

    def _print_Derivative(self, expr):
        (var, count), = expr.variable_count
        inner = expr.expr
        if isinstance(inner, sympy.Function) and count == 1 and inner.args == (var,):
            name = _FUNCTIONS.get(type(inner).__name__, type(inner).__name__)
            return self.el("mrow", self.el("mi", name), self.mo("′"), self.paren(self._print(var)))
        return self.partial(self._print(inner), self._print(var))

    def _print_Function(self, expr):
        name = _FUNCTIONS.get(type(expr).__name__, type(expr).__name__)
        args = []
        for i, a in enumerate(expr.args):
            if i:
                args.append(self.mo(","))
            args.append(self._print(a))
        return self.el("mrow", self.el("mi", name), self.paren(self.row(*args)))

    _print_tanh = _print_Function

    # ----- numbers ---------------------------------------------------------------------------
    def _print_Integer(self, e):
        if e < 0:
            return self.el("mrow", self.mo("−"), self.el("mn", str(-e)))
        return self.el("mn", str(e))

    def _print_Rational(self, e):
        if e.q == 1:
            return self._print_Integer(e)
        frac = self.el("mfrac", self.el("mn", str(abs(e.p))), self.el("mn", str(e.q)))
        return self.el("mrow", self.mo("−"), frac) if e.p < 0 else frac

    def _print_Float(self, e):
        return self.number(fmt(e, 15))

    def number(self, text: str, **attrs):
        """A rounded number (``fmt``'s text): 8.65e-5 → 8.65·10⁻⁵, the sign as a minus."""
        sign = text.startswith("-")
        body = text[1:] if sign else text
        m = re.fullmatch(r"([0-9.]+)e([+-]?\d+)", body)
        if m:
            node = self.el("mrow", self.el("mn", m[1]), self.mo("·"),
                           self.el("msup", self.el("mn", "10"), self.el("mn", str(int(m[2])))), **attrs)
        else:
            node = self.el("mn", body, **attrs)
        return self.el("mrow", self.mo("−"), node) if sign else node

    # ----- the board's layout: -(…), ½(…)², a·b·c, a − b -----------------------------------
    def _group(self, expr, first: bool):
        node = self._print(expr)
        if expr.is_Add or (not first and _negative(expr)):
            return self.paren(node)
        return node

    def _print_Mul(self, expr):
        args = list(expr.args)
        if args[0].is_Number and args[0] < 0:
            rest = args[1:] if args[0] == -1 else [-args[0]] + args[1:]
            if len(rest) == 1:
                return self.el("mrow", self.mo("−"), self._group(rest[0], first=False))
            return self.el("mrow", self.mo("−"), self._print_Mul(sympy.Mul(*rest, evaluate=False)))
        below = [a.args[0] for a in args if a.is_Pow and a.args[1] == -1]
        if below:                              # m·out/(1 − p), not m·out·(1 − p)⁻¹
            above = [a for a in args if not (a.is_Pow and a.args[1] == -1)] or [sympy.Integer(1)]
            return self.el("mfrac", self._product(above), self._product(below))
        out = []
        for i, a in enumerate(args):
            if i and not (i == 1 and args[0].is_Rational and not args[0].is_Integer):
                out.append(self.mo("·"))
            out.append(self._print(a) if a.is_Pow else self._group(a, first=(i == 0)))
        return self.el("mrow", *out)

    def _product(self, items):
        return self._print(items[0]) if len(items) == 1 else self._print_Mul(sympy.Mul(*items, evaluate=False))

    def _print_Add(self, expr, order=None):
        out = []
        for i, term in enumerate(expr.args):
            body = subtracted(term) if i else None
            if body is not None:
                out += [self.mo("−"), self._group(body, first=False)]
            elif i:
                out += [self.mo("+"), self._print(term)]
            else:
                out.append(self._print(term))
        return self.el("mrow", *out)

    def _print_Pow(self, expr):
        base, exp = expr.args
        if exp == sympy.Rational(1, 2):
            return self.el("msqrt", self._print(base))
        if exp == -1:
            return self.el("mfrac", self.el("mn", "1"), self._print(base))
        node = self._print(base)
        if not (base.is_Symbol or (base.is_Number and base >= 0)) or self._bracket_power(base):
            node = self.paren(node)
        return self.el("msup", node, self._print(exp))

    def _bracket_power(self, base) -> bool:
        return False

    def _print_Exp1(self, e):
        return self.el("mi", "e")

    def _print_exp(self, e):
        return self.el("msup", self.el("mi", "e"), self._print(e.args[0]))

    def emptyPrinter(self, expr):
        return self.el("mtext", str(expr))

    def dom_xml(self, node) -> str:
        """A DOM node as MathML text (non-ASCII as character references, as ``doprint``)."""
        return node.toxml().encode("ascii", "xmlcharrefreplace").decode()


def _negative(expr) -> bool:
    if expr.is_Mul and expr.args and expr.args[0].is_Number and expr.args[0] < 0:
        return True
    return bool(expr.is_Number and expr < 0)


class MathMLNumbers(MathMLExpr):
    """The formula with each value in its place; numbers carry their exact and float64 values.

    Settings: ``values`` (symbol name or ``trace.derivative_key`` → value), ``digits``,
    ``decimals`` (display rounding, as ``numbers.fmt``), ``f64`` (the same keys → torch's
    float64 value, shown on hover; optional).
    """

    _default_settings = {**MathMLExpr._default_settings, "values": {}, "digits": 9,
                         "decimals": None, "f64": {}}

    def value(self, key, value, paren: bool = True):
        """``value`` rounded, as a focusable number that knows its 50 digits (and torch's)."""
        s = self._settings
        text = fmt(value, s["digits"], s["decimals"])
        attrs = {"class": "num", "tabindex": "0", "data_exact": exact_digits(value)}
        f64 = s["f64"].get(key) if key is not None else None
        if f64 is not None:
            attrs["data_f64"] = repr(float(f64))
        node = self.number(text, **attrs)
        if text.startswith("-") and paren:
            return self.paren(node)
        return node

    def _print_Symbol(self, sym, style="plain"):
        v = self._settings["values"].get(sym.name)
        return self.symbol(sym.name) if v is None else self.value(sym.name, v)

    def _print_Derivative(self, expr):
        (var, _), = expr.variable_count
        key = derivative_key(str(expr.expr), var.name)
        v = self._settings["values"].get(key)
        if v is None:    # no number for it: keep the symbol, never substitute inside it
            return MathMLExpr()._print_Derivative(expr)
        return self.value(key, v)

    def _bracket_power(self, base) -> bool:
        return base.is_Symbol and base.name in self._settings["values"]


def math(*nodes_or_xml: str, display: str = "block", label: str | None = None) -> str:
    """A ``<math>`` element around printed MathML fragments (strings from ``doprint``)."""
    attrs = f' display="{display}"' if display else ""
    if label:
        attrs += f' aria-label="{escape(label)}"'
    return f"<math{attrs}>" + "".join(nodes_or_xml) + "</math>"


def formula_mathml(expr) -> str:
    """``expr`` as a MathML fragment (no ``<math>`` around it)."""
    return MathMLExpr().doprint(expr)


def numbers_mathml(expr, values, digits: int = 9, decimals=None, f64=None) -> str:
    """``expr`` with every known symbol replaced by its rounded value."""
    p = MathMLNumbers({"values": values, "digits": digits, "decimals": decimals, "f64": f64 or {}})
    if expr.is_Symbol and expr.name in values:     # a lone value needs no brackets
        return p.dom_xml(p.value(expr.name, values[expr.name], paren=False))
    return p.doprint(expr)


def value_mathml(key, value, digits: int = 9, decimals=None, f64=None) -> str:
    """One value as a MathML number (with its exact and float64 values for the hover box)."""
    p = MathMLNumbers({"digits": digits, "decimals": decimals, "f64": f64 or {}})
    return p.dom_xml(p.value(key, value, paren=False))

