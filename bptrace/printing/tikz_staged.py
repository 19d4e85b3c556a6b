"""The picture of a staged expression as TikZ, at the positions of ``dot_staged.layout``.

Provides ``to_tikz_staged(trace, digits=4, decimals=None)`` → a ``tikzpicture`` (needs only
``\\usepackage{tikz}``): the same boxes, edges and labels the DOT picture has, at the same
positions (inches), so the slide and the SVG agree. Labels are LaTeX built from the trace's
symbols (``symbol``, ``number_latex``); the expression as typed is escaped in ``\\texttt``.
"""
from __future__ import annotations

from ..lessons.staged_trace import StagedTrace
from .dot_staged import GREEN, RED, layout

_RGB = {GREEN: "{rgb,255:red,26;green,127;blue,55}", RED: "{rgb,255:red,198;green,40;blue,40}"}
_STYLE = {
    "input": r"font=\LARGE",
    "output": r"font=\LARGE",
    "gate": r"circle, draw, fill=black!5, minimum size=0.6in, inner sep=1pt, font=\Large",
    "stage": r"rounded corners, draw, fill=black!5, inner sep=5pt, font=\large",
    "value": rf"text={_RGB[GREEN]}, inner sep=1pt, font=\large",
    "gradient": rf"text={_RGB[RED]}, inner sep=1pt, align=center, font=\large",
}


def _n(x: float) -> str:
    text = f"{x:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def to_tikz_staged(t: StagedTrace, digits: int = 4, decimals=None) -> str:
    """The computation graph of ``t`` as a ``tikzpicture`` (see the module docstring)."""
    lay = layout(t, digits, decimals)
    kinds = {b.id: b.kind for b in lay.boxes}
    top = min(b.y for b in lay.boxes) - 0.55
    mid = (min(b.x for b in lay.boxes) + max(b.x for b in lay.boxes)) / 2
    out = [r"\begin{tikzpicture}[x=1in, y=-1in, >=stealth, line width=0.6pt]",
           rf"\node[font=\LARGE] at ({_n(mid)},{_n(top)}) {{{lay.title_tex}}};"]
    for b in lay.boxes:
        at = f"({_n(b.x)},{_n(b.y)})"
        if b.kind == "bend":
            out.append(rf"\coordinate ({b.id}) at {at};")
        elif b.kind == "junction":
            out.append(rf"\coordinate ({b.id}) at {at}; \fill {at} circle (1.6pt);")
        else:
            name = f" ({b.id})" if b.kind in ("input", "output", "gate", "stage") else ""
            out.append(rf"\node[{_STYLE[b.kind]}]{name} at {at} {{{b.tex}}};")
    for a in lay.arrows:
        tip = "" if kinds[a.head] in ("bend", "junction") else "[->]"
        out.append(rf"\draw{tip} ({a.tail}) -- ({a.head});")
    out.append(r"\end{tikzpicture}")
    return "\n".join(out) + "\n"
