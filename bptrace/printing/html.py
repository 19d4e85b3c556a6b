"""The HTML printer: traces as HTML fragments with MathML formulas, in English or Chinese.

Provides ``HtmlPrinter`` (``html_tables.to_html`` extends it to every trace). A trace
becomes a ``<section>`` with a heading and an ordered list of steps: each ``<li class="step">`` is one line of
working (``lhs = formula = numbers = value``, each part only when it says something new,
as the text and LaTeX printers decide), set as a ``<math display="block">`` by
``mathml.py``. The web page (``html_page.py``) reveals these steps one at a time; here
they are plain, complete HTML, so a fragment reads well anywhere (Jupyter, a print-out).

Settings (unknown keys raise ``TypeError``, bad values ``ValueError``):
- ``digits`` (9), ``decimals`` (None): display rounding, as ``numbers.fmt``;
- ``lang``: ``"en"`` or ``"zh"``, the words of ``words.py``;
- ``level``: the heading level of a trace's title (2); its parts are one level below;
- ``f64``: symbol name or ``trace.derivative_key`` → torch's float64 value, shown when a
  number is hovered or focused (``check_values(report)`` builds it from a check report);
- ``highlight``: ``None`` or a callable ``(param, path_nodes) -> "id id …"`` naming the
  picture's SVG elements of a path; a path's steps carry them in ``data-hl``.

Traces of the lessons (optimizers, schedules, EMA, dropout, losses) have no MathML form
yet: they are printed by the text printer inside an escaped ``<pre>``.
"""
from __future__ import annotations

import mpmath
import sympy

from ..calculus.trace import (
    Derivation,
    ForwardTrace,
    Proof,
    Step,
    UpdateTrace,
)
from ..model.naming import derivative_key
from ..model.numbers import fmt
from .base import Printer
from .expr import formula, numbers
from .latex_expr import derivative
from .mathml import MathMLExpr, MathMLNumbers, escape, math
from .words import LANGS, word


def check_values(report) -> dict:
    """A check report's torch values keyed as traces key values (net_h1, dE_total/dw1)."""
    out = {}
    for row in report.rows:
        q = row.quantity
        if q.startswith("∂") and "/∂" in q:
            of, wrt = q[1:].split("/∂", 1)
            q = derivative_key(of, wrt)
        out[q] = row.theirs
    return out


# where a line of working may wrap: before each "= …" (a step is split there into several
# <math> elements, set inline, so a narrow screen wraps the line instead of cutting it)
BR = "\x00"
EQ = BR + "<mo>=</mo>"


class HtmlPrinter(Printer):
    _default_settings = {"digits": 9, "decimals": None, "lang": "en", "level": 2,
                         "f64": {}, "highlight": None}

    def _check_settings(self, s):
        digits, decimals = s["digits"], s["decimals"]
        if not isinstance(digits, int) or isinstance(digits, bool) or not 1 <= digits <= 40:
            raise ValueError(f"digits must be an integer from 1 to 40, got {digits!r}")
        if decimals is not None and (not isinstance(decimals, int) or not 0 <= decimals <= 40):
            raise ValueError(f"decimals must be an integer from 0 to 40, got {decimals!r}")
        if s["lang"] not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {s['lang']!r}")
        if s["level"] not in (1, 2, 3, 4):
            raise ValueError(f"level must be 1, 2, 3 or 4, got {s['level']!r}")
        if s["highlight"] is not None and not callable(s["highlight"]):
            raise ValueError("highlight must be None or a callable (param, nodes) -> ids")

    # ----- words, numbers, formulas ----------------------------------------------------------
    def w(self, key: str, **slots) -> str:
        return word(self._settings["lang"], key, **slots)

    def h(self, text: str, down: int = 0) -> str:
        n = min(self._settings["level"] + down, 6)
        return f"<h{n}>{text}</h{n}>"

    def _numbers_printer(self, values) -> MathMLNumbers:
        s = self._settings
        return MathMLNumbers({"values": values, "digits": s["digits"], "decimals": s["decimals"],
                              "f64": s["f64"]})

    def f(self, expr) -> str:
        """A formula as MathML (a fragment, no ``<math>``)."""
        return MathMLExpr().doprint(expr)

    def n(self, expr, values) -> str:
        """The formula with its numbers."""
        return self._numbers_printer(values).doprint(expr)

    def v(self, value, key=None, paren: bool = False) -> str:
        """One value, rounded, knowing its 50 digits (and torch's value under ``key``)."""
        p = self._numbers_printer({})
        return p.dom_xml(p.value(key, value, paren=paren))

    def im(self, expr) -> str:
        """Inline math for a SymPy expression or a symbol name."""
        if isinstance(expr, str):
            expr = sympy.Symbol(expr)
        return math(self.f(expr), display="inline")

    def _fmt(self, x) -> str:
        return fmt(x, self._settings["digits"], self._settings["decimals"])

    def chain(self, lhs_expr, expr, values, value, key) -> str:
        """``lhs = formula = numbers = value``: a part only when it says something new
        (decided on the text printer's strings, so every format shows the same parts)."""
        text = formula(expr)
        subst = numbers(expr, values, self._settings["digits"], self._settings["decimals"])
        shown = self._fmt(value)
        eq = EQ
        parts = [self.f(lhs_expr), "<mo>=</mo>", self.f(expr)]
        last = text
        if subst not in (text, shown):
            parts += [eq, self.n(expr, values)]
            last = subst
        if shown != last:
            parts += [eq, self.v(value, key)]
        return "".join(parts)

    @staticmethod
    def step(body_math: str = "", text: str = "", hl: str = "", cls: str = "") -> str:
        attrs = ' class="step' + (f" {cls}" if cls else "") + '"'
        if hl:
            attrs += f' data-hl="{escape(hl)}"'
        wrap = "div" if cls == "table" else "p"     # a table or a figure is not inside a <p>
        maths = "\n".join(math(part) for part in body_math.split(BR)) if body_math else ""
        inner = maths + (f"<{wrap}>{text}</{wrap}>" if text else "")
        return f"<li{attrs}>{inner}</li>"

    @staticmethod
    def steps(items) -> str:
        return '<ol class="steps">\n' + "\n".join(items) + "\n</ol>"

    @staticmethod
    def _key(sym) -> str:
        if isinstance(sym, sympy.Derivative):
            (var, _), = sym.variable_count
            return derivative_key(str(sym.expr), var.name)
        return sym.name

    def step_item(self, step: Step, values, hl: str = "") -> str:
        return self.step(self.chain(step.lhs, step.formula, values, step.value, self._key(step.lhs)), hl=hl)

    # ----- traces ----------------------------------------------------------------------------
    def forward_items(self, trace: ForwardTrace, steps=None) -> list[str]:
        return [self.step_item(s, trace.values) for s in (trace.steps if steps is None else steps)]

    def _print_ForwardTrace(self, trace: ForwardTrace) -> str:
        head = self.h(f"{self.w('forward')} — {escape(trace.network)}")
        return f'<section class="trace forward">\n{head}\n{self.steps(self.forward_items(trace))}\n</section>'

    def target(self, d) -> sympy.Derivative:
        return derivative(d.loss_symbol, d.param)

    def heading(self, d: Derivation) -> str:
        n = d.path_count
        return self.w("chain", target=self.im(self.target(d)), n=n,
                      paths=self.w("path" if n == 1 else "paths"),
                      param=self.im(d.param), loss=self.im(d.loss_symbol))

    def _hl(self, d, path) -> str:
        hl = self._settings["highlight"]
        return hl(d.param, path.nodes) if hl else ""

    def path_items(self, d: Derivation, i: int, path) -> list[str]:
        """The Leibniz factorisation, one step per factor, then the product with its numbers."""
        hl = self._hl(d, path)
        target = self.f(self.target(d))
        if d.path_count > 1:
            target = (f"<msub><mrow><mo>(</mo>{target}<mo>)</mo></mrow>"
                      f"<mtext>{self.w('path_n', i=i)}</mtext></msub>")
        terms = [derivative(fa.of, fa.wrt) for fa in path.factors]
        product = terms[0] if len(terms) == 1 else sympy.Mul(*terms, evaluate=False)
        items = [self.step(f"{target}<mo>=</mo>{self.f(product)}", hl=hl)]
        for fa in path.factors:
            key = derivative_key(fa.of, fa.wrt)
            items.append(self.step(self.chain(derivative(fa.of, fa.wrt), fa.formula, d.values,
                                              fa.value, key), hl=hl))
        values = {derivative_key(fa.of, fa.wrt): fa.value for fa in path.factors}
        items.append(self.step(f"{target}<mo>=</mo>{self.n(product, values)}{EQ}"
                               f"{self.v(path.value)}", hl=hl))
        return items

    def sum_item(self, d: Derivation) -> str:
        names = [sympy.Symbol(f"path{i}") for i in range(1, len(d.paths) + 1)]
        values = {s.name: p.value for s, p in zip(names, d.paths)}
        key = derivative_key(d.loss_symbol, d.param)
        return self.step(f"{self.f(self.target(d))}<mo>=</mo>"
                         f"{self.n(sympy.Add(*names, evaluate=False), values)}{EQ}"
                         f"{self.v(d.path_sum, key)}")

    def delta_items(self, d: Derivation) -> list[str]:
        items = [self.step_item(s, d.values) for s in d.deltas]
        items.append(self.step_item(d.gradient, d.values))
        if not d.summarised:
            diff = abs(d.path_sum - d.value)
            ok = diff <= mpmath.mpf(10) ** (-40) * max(1, abs(d.value))
            items.append(self.step(text=self.w("agree" if ok else "disagree",
                                               diff=math(self.v(diff), display="inline"))))
        return items

    def derivation_parts(self, d: Derivation) -> list[str]:
        """The derivation as headings and step lists (the page adds the proof)."""
        out = []
        if d.summarised:
            out.append(f"<p>{self.w('summarised', n=d.path_count)}</p>")
        for i, path in enumerate(d.paths, 1):
            if d.path_count > 1:
                route = "<mo>→</mo>".join(self.f(sympy.Symbol(n)) for n in path.nodes)
                out.append(self.h(f"{self.w('path_n', i=i)}{self.w('colon')}{math(route, display='inline')}", 1))
            out.append(self.steps(self.path_items(d, i, path)))
        if d.path_count > 1 and not d.summarised:
            out += [self.h(self.w("sum", n=d.path_count), 1), self.steps([self.sum_item(d)])]
        out += [self.h(self.w("delta"), 1), self.steps(self.delta_items(d))]
        return out

    def _print_Derivation(self, d: Derivation) -> str:
        body = "\n".join([self.h(self.heading(d))] + self.derivation_parts(d))
        return f'<section class="trace derivation">\n{body}\n</section>'

    def proof_item(self, p: Proof) -> str:
        line = self.w("proof_line", loss=self.im("E_total"), param=self.im(p.param))
        if p.reason:
            verdict = self.w("not_attempted", reason=escape(p.reason))
        elif p.proven:
            verdict = f"= 0 ✓ {self.w('proven')}"
        else:
            verdict = f"= {math(self.f(p.difference), display='inline')} ✗ {self.w('not_zero')}"
        return self.step(text=f"{self.w('proof')}{self.w('colon')}{line} {verdict}", cls="proof")

    def _print_Proof(self, p: Proof) -> str:
        return f'<section class="trace proof">\n{self.steps([self.proof_item(p)])}\n</section>'

    def update_items(self, t: UpdateTrace) -> list[str]:
        loss = getattr(t.network, "loss_name", "E_total")
        items = []
        for u in t.updates:
            new = f"<msup>{self.f(sympy.Symbol(u.param))}<mo>+</mo></msup>"
            if not u.updated:
                items.append(self.step(f"{new}<mo>=</mo>{self.f(sympy.Symbol(u.param))}<mo>=</mo>"
                                       f"{self.v(u.old)}<mtext>\u2003({self.w('kept_fixed')})</mtext>"))
                continue
            grad = derivative(loss, u.param)
            expr = sympy.Add(sympy.Symbol(u.param),
                             sympy.Mul(-1, sympy.Symbol("eta"), grad, evaluate=False), evaluate=False)
            values = {u.param: u.old, "eta": t.learning_rate, derivative_key(loss, u.param): u.grad}
            items.append(self.step(f"{new}<mo>=</mo>{self.f(expr)}{EQ}{self.n(expr, values)}"
                                   f"{EQ}{self.v(u.new)}"))
        items.append(self.step(text=self.w(
            "before_after", loss=self.im(loss), before=math(self.v(t.loss_before), display="inline"),
            after=math(self.v(t.network.loss_value), display="inline"))))
        return items

    def update_heading(self, t: UpdateTrace) -> str:
        eta = math(f"<mi>η</mi><mo>=</mo>{self.v(t.learning_rate)}", display="inline")
        return self.w("descent", eta=eta)

    def _print_UpdateTrace(self, t: UpdateTrace) -> str:
        return (f'<section class="trace update">\n{self.h(self.update_heading(t))}\n'
                f"{self.steps(self.update_items(t))}\n</section>")

    def _print_list(self, items) -> str:
        return "\n".join(self.doprint(i) for i in items)

    _print_tuple = _print_list

    def emptyPrinter(self, obj):
        """A trace with no HTML form of its own: the text printer's lines, escaped."""
        from .text_lessons import to_text
        s = self._settings
        text = to_text(obj, digits=s["digits"], decimals=s["decimals"])
        return (f'<section class="trace as-text">\n<p>{self.w("as_text")}</p>\n'
                f'<pre lang="en">{escape(text)}</pre>\n</section>')
