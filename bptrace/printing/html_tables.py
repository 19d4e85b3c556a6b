"""HTML for the traces that are tables and curves: the torch check, training, batches.

Provides ``TablesHtmlPrinter`` (``HtmlPrinter`` with ``_print_CheckReport``,
``_print_TrainTrace``, ``_print_BatchForwardTrace``, ``_print_BatchDerivation``) and
``error_curve(losses, …)`` — the error over the rounds of training as an inline SVG
(a polyline on two labelled axes, with a ``<title>`` for screen readers). The SVG is built
from numbers and the word table only; nothing a spec names enters it unescaped.
"""
from __future__ import annotations

from math import floor, log10

import mpmath
import sympy

from ..model.naming import derivative_key
from .html import HtmlPrinter
from .html_staged import StagedHtml
from .latex_expr import derivative
from .mathml import escape, math
from .words import word


def _nice(x: float) -> str:
    return f"{x:.4g}"


def _ticks(top: float) -> list[float]:
    """0 and round steps (1, 2 or 5 × 10ᵏ) up to at least ``top``: four to six ticks."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / 4
    power = 10.0 ** floor(log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    n = int(-(-top // step))
    return [round(k * step, 12) for k in range(n + 1)]


def error_curve(losses, lang: str, loss_label: str, width: int = 560, height: int = 270) -> str:
    """``losses`` ((round, E), …) as an SVG line chart: rounds across, the error up.

    ``loss_label`` is a bptrace name (E_total): written as E with a subscript, escaped."""
    left, right, top, bottom = 70, 16, 30, 44
    rounds = [r for r, _ in losses]
    errs = [float(v) for _, v in losses]
    r0, r1 = min(rounds), max(rounds)
    ticks = _ticks(max(errs))
    e1 = ticks[-1]
    sx = (width - left - right) / ((r1 - r0) or 1)
    sy = (height - top - bottom) / e1

    def xy(r, e):
        return f"{left + (r - r0) * sx:.1f},{height - bottom - e * sy:.1f}"

    head, _, sub = loss_label.partition("_")
    name = escape(head) + (f'<tspan baseline-shift="sub" font-size="10">{escape(sub)}</tspan>' if sub else "")
    label = word(lang, "curve_label", loss=escape(loss_label), n=r1,
                 first=_nice(errs[0]), last=_nice(errs[-1]))
    parts = [f'<svg class="curve" role="img" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{label}</title>",
             f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}"/>',
             f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}"/>']
    for e in ticks:
        y = height - bottom - e * sy
        parts.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_nice(e)}</text>')
    for r in sorted({r0, r0 + (r1 - r0) // 2, r1}):
        x = left + (r - r0) * sx
        parts.append(f'<text class="tick" x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle">{r}</text>')
    parts.append(f'<text class="axis-label" x="{(left + width - right) / 2:.1f}" y="{height - 6}" '
                 f'text-anchor="middle">{word(lang, "round")}</text>')
    parts.append(f'<text class="axis-label" x="{left}" y="{top - 12}" text-anchor="middle">{name}</text>')
    parts.append('<polyline class="line" fill="none" points="'
                 + " ".join(xy(r, e) for r, e in zip(rounds, errs)) + '"/>')
    parts.append("</svg>")
    return "\n".join(parts)


class TablesHtmlPrinter(StagedHtml, HtmlPrinter):
    """The HTML printer with the check table, the training curve and batches."""

    def check_table(self, r) -> str:
        """bptrace beside torch, quantity by quantity, one table row each."""
        head = "".join(f'<th scope="col">{self.w(k)}</th>'
                       for k in ("quantity", "ours", "theirs", "abs_diff", "verdict"))
        rows = []
        for row in r.rows:
            verdict = self.w("ok" if row.ok else "differs")
            rows.append(f'<tr class="{"ok" if row.ok else "bad"}"><th scope="row">{self._quantity(row.quantity)}</th>'
                        f"<td>{escape(mpmath.nstr(row.ours, 17))}</td><td>{escape(repr(row.theirs))}</td>"
                        f"<td>{row.abs_diff:.1e}</td><td>{verdict}</td></tr>")
        bad = len(r.failures)
        summary = (self.w("all_agree", n=len(r.rows)) if not bad
                   else self.w("some_differ", bad=bad, n=len(r.rows)))
        caption = self.w("check_head", rtol=f"{r.rtol:g}", atol=f"{r.atol:g}")
        return (f'<table class="check"><caption>{caption}</caption>\n<thead><tr>{head}</tr></thead>\n'
                f"<tbody>\n" + "\n".join(rows) + f"\n</tbody></table>\n<p>{summary}</p>")

    def _quantity(self, q: str) -> str:
        """A check row's quantity (net_h1, ∂E_total/∂w1) as inline math; split, never parsed."""
        if q.startswith("∂") and "/∂" in q:
            of, wrt = q[1:].split("/∂", 1)
            return self.im(derivative(of, wrt))
        return self.im(sympy.Symbol(q))

    def _print_CheckReport(self, r) -> str:
        body = self.steps([self.step(text=self.check_table(r), cls="table")])
        return f'<section class="trace check">\n{self.h(self.w("check"))}\n{body}\n</section>'

    def train_parts(self, t) -> list[str]:
        rule = t.rule
        parts = [math(f"<mi>η</mi><mo>=</mo>{self.v(t.learning_rate)}", display="inline"),
                 self.w("biases_updated" if rule["update_biases"] else "biases_fixed")]
        if rule.get("sequential"):
            parts.append(self.w("sequential"))
        if rule.get("report") == "before":
            parts.append(self.w("report_before"))
        parts.append(self.w("exact" if t.exact else "float64"))
        sep = self.w("list_sep")
        rows = "\n".join(f"<tr><td>{r}</td><td>{math(self.v(v), display='inline')}</td></tr>"
                         for r, v in t.losses)
        table = (f'<details><summary>{self.w("round")} / {self.im("E_total")}</summary>\n'
                 f'<table class="losses"><thead><tr><th scope="col">{self.w("round")}</th>'
                 f'<th scope="col">{self.im("E_total")}</th></tr></thead>\n<tbody>\n{rows}\n</tbody></table></details>')
        outs = ", ".join(math(f"{self.f(sympy.Symbol(k))}<mo>=</mo>{self.v(v)}", display="inline")
                         for k, v in t.outputs.items())
        curve = error_curve(t.losses, self._settings["lang"], "E_total") if len(t.losses) > 1 else ""
        return [f"<p>{sep.join(parts)}</p>", f"<figure>{curve}</figure>" if curve else "", table,
                f"<p>{self.w('outputs_after')}{self.w('colon')}{outs}</p>"]

    def _print_TrainTrace(self, t) -> str:
        body = self.steps([self.step(text="\n".join(p for p in self.train_parts(t) if p), cls="table")])
        return f'<section class="trace train">\n{self.h(self.w("training", n=t.rounds))}\n{body}\n</section>'

    def _reduction(self, reduction: str) -> str:
        return self.w("sum_reduction" if reduction == "sum" else "mean")

    def _print_BatchForwardTrace(self, t) -> str:
        n = len(t.samples)
        out = ['<section class="trace batch">']
        for s, trace in enumerate(t.samples, 1):
            out += [self.h(self.w("sample", s=s, n=n)), self.steps(self.forward_items(trace))]
        out += [self.h(self.w("batch_error", reduction=self._reduction(t.reduction), n=n)),
                self.steps([self.step_item(t.total, t.values)]), "</section>"]
        return "\n".join(out)

    def _print_BatchDerivation(self, d) -> str:
        n = len(d.samples)
        out = ['<section class="trace batch">']
        for s, sample in enumerate(d.samples, 1):
            out += [self.h(self.w("sample", s=s, n=n)), self.h(self.heading(sample), 1)]
            out += self.derivation_parts(sample)
        values = {**d.values, **{derivative_key(x.loss_symbol, d.param): x.value for x in d.samples}}
        out += [self.h(self.w("batch_gradient", reduction=self._reduction(d.reduction), n=n)),
                self.steps([self.step_item(d.gradient, values)]), "</section>"]
        return "\n".join(out)


def to_html(trace, **settings) -> str:
    """A trace (or a list of traces) as an HTML fragment with MathML formulas.

    Settings: ``digits``, ``decimals``, ``lang`` ("en" or "zh"), ``level``, ``f64``,
    ``highlight`` (see the module docstring).
    """
    return TablesHtmlPrinter(**settings).doprint(trace)
