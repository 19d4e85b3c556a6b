"""Notebook display: what Jupyter shows for a trace, a network or a check report.

Provides ``html_display(obj)`` — one ``text/html`` bundle holding the picture (inline SVG
from the embedded Graphviz, when the object has one) and the maths (the LaTeX printer's
``align*`` blocks and inline ``$…$``, which the notebook's MathJax typesets); HTML is the
MIME type JupyterLab and the classic notebook prefer, so the picture and the maths show
together. ``check_html(report)`` — the check report as an HTML table. The package facade
wires them (``bptrace/__init__.py``, ``wiring.py``) as:

- every trace and network: ``_repr_html_`` (a network's maths: its numbers, layer by
  layer); ``_repr_svg_`` and ``_repr_latex_`` that return None instead of raising;
- every trace: ``__str__`` is ``to_text`` — ``print(trace)`` prints the worked example;
- ``CheckReport``: ``__str__`` and ``__repr__`` are the table ``bptrace check`` prints,
  ``_repr_html_`` the same as an HTML table.

Nothing displayed ever raises: a part that cannot be drawn is left out, and user text is
escaped with ``html.escape`` where it enters the page.
"""
from __future__ import annotations

import html

import mpmath

_STYLE = ("<style>.bptrace-check td,.bptrace-check th{padding:2px 8px;text-align:right;"
          "font-family:monospace}.bptrace-check td:first-child{text-align:left}</style>")


def _safe(fn, obj):
    try:
        return fn(obj)
    except Exception:       # a display hook must never raise into the notebook
        return None


def _svg(obj):
    from .graphviz import svg_of
    if getattr(obj, "batched", False):     # a batch: its layers, drawn as the first sample's
        first = obj.sample_networks[0]
        obj = type(first)(list(first.inputs), list(first.targets), first.layers,
                          **{**first.settings(), "loss_name": "E_total"})
    svg = svg_of(obj)
    start = svg.find("<svg")     # drop the XML prolog and DOCTYPE: inline in HTML
    return svg[start:] if start >= 0 else None


def _latex(obj):
    from ..model.network import Network
    if isinstance(obj, Network):    # its numbers, as the document's network block
        from ..printing.latex_lecture import DocumentPrinter
        printer = DocumentPrinter()
        rows = printer.network_rows(obj) + (printer.sample_rows(obj) if obj.batched else [])
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"
    from ..printing.latex_lessons import to_latex
    return to_latex(obj)


def html_display(obj) -> str:
    """The picture (if any) above the maths (if any), as one HTML fragment."""
    parts = []
    svg = _safe(_svg, obj)
    if svg:
        parts.append(f'<div class="bptrace-picture">{svg}</div>')
    latex = _safe(_latex, obj)
    if latex:
        parts.append(f'<div class="bptrace-math">{html.escape(latex, quote=False)}</div>')
    if not parts:
        parts.append(f"<pre>{html.escape(repr(obj))}</pre>")
    return '<div class="bptrace">' + "\n".join(parts) + "</div>"


def check_html(report) -> str:
    """A check report as an HTML table: quantity, bptrace, torch, |diff|, rel, verdict."""
    head = (f"<p>bptrace (50 digits) against torch.autograd (float64) — "
            f"{html.escape(str(report.network))}: tolerance {report.rtol:g} relative, "
            f"{report.atol:g} absolute near zero</p>")
    rows = ["<tr><th>quantity</th><th>bptrace</th><th>torch</th><th>|diff|</th><th>rel</th><th></th></tr>"]
    for r in report.rows:
        cells = [r.quantity, mpmath.nstr(r.ours, 17), repr(r.theirs), f"{r.abs_diff:.1e}",
                 f"{r.rel_diff:.1e}", "ok" if r.ok else "DIFFERS"]
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    bad = len(report.failures)
    tail = f"all {len(report.rows)} agree" if not bad else f"{bad} of {len(report.rows)} differ beyond the tolerance"
    return (_STYLE + head + '<table class="bptrace-check">' + "".join(rows) + "</table>"
            + f"<p>{tail}</p>")
