r"""The TikZ printer: the same pictures as ``dot.py``, as a LaTeX figure with real labels.

Provides ``TikzPrinter``, ``to_tikz(obj, **settings)``, ``network_tikz(net, …)`` (the hook
for LaTeX documents and beamer decks) and ``latex_name(name)``.

The layout is Graphviz's: the picture is written as DOT, laid out by the embedded
Graphviz (``json`` output, so no system ``dot`` is needed), and every node is placed at
Graphviz's position, every edge drawn along Graphviz's Bézier spline, every edge label
put at Graphviz's label point. Only the text changes: $w_{1} = 0.15$,
$\mathrm{out}_{h1}$, $\delta_{o1}$, $\partial E_{\mathrm{total}}/\partial w_{1}$. A name
that is not a plain identifier is written as escaped text, so it cannot break the
document. The figure needs ``\usepackage{tikz}`` only; by default it is scaled to
``\linewidth`` with ``\resizebox``.
"""
from __future__ import annotations

import json
import re

from sympy.printing.latex import LatexPrinter

from ..model.numbers import fmt
from ..printing.dot import STYLE, DotPrinter
from ..printing.picture import Formula, Name, Num, Partial, Picture, Text

_WORD = re.compile(r"[A-Za-z0-9_]+")
_INDEXED = re.compile(r"([A-Za-z]+)(\d+(?:_\d+)*)")
_TEXT_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                 "#": r"\#", "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%",
                 "~": r"\textasciitilde{}",
                 # these four have no safe glyph in the default OT1 text font: typewriter's
                 "<": r"\texttt{\char60}", ">": r"\texttt{\char62}", "|": r"\texttt{\char124}",
                 '"': r"\texttt{\char34}"}
_UNICODE = {"→": r"\ensuremath{\rightarrow}", "—": "---", "–": "--", "½": r"\ensuremath{\tfrac12}",
            "∂": r"\ensuremath{\partial}", "·": r"\ensuremath{\cdot}"}


def latex_text(text: str) -> str:
    """``text`` as LaTeX text: special characters escaped, anything pdflatex may not
    know (outside printable ASCII) written as its code point, U+XXXX."""
    out = []
    for c in text:
        if c in _TEXT_ESCAPES:
            out.append(_TEXT_ESCAPES[c])
        elif c in _UNICODE:
            out.append(_UNICODE[c])
        elif " " <= c <= "~":
            out.append(c)
        else:
            out.append(f"U+{ord(c):04X}")
    return "".join(out)


_MATH_TEXT = {" = ": " = ", " + ": " + ", " → ": r" \to "}


def _sub(rest: str) -> str:
    return rest.replace("_", ",")


def latex_name(name: str) -> str:
    r"""A bptrace name in math mode: w5 → w_{5}, out_h1 → \mathrm{out}_{h1},
    delta_o1 → \delta_{o1}, E_total → E_{\mathrm{total}}, h1_2 → h_{1,2}; any other name
    as escaped text in an \mbox."""
    head, _, rest = name.partition("_")
    if rest and _WORD.fullmatch(rest):
        if head == "delta":
            return rf"\delta_{{{_sub(rest)}}}"
        if head in ("net", "out", "target"):
            return rf"\mathrm{{{head}}}_{{{_sub(rest)}}}"
        if head == "E":
            return r"E_{\mathrm{total}}" if rest == "total" else rf"E_{{{_sub(rest)}}}"
    m = _INDEXED.fullmatch(name)
    if m:
        return rf"{m.group(1)}_{{{_sub(m.group(2))}}}"
    return rf"\mbox{{{latex_text(name)}}}"


class _NameLatex(LatexPrinter):
    _default_settings = {**LatexPrinter._default_settings, "order": "none", "mul_symbol": "dot"}

    def _print_Symbol(self, expr, style="plain"):
        return latex_name(expr.name)


def latex_number(text: str) -> str:
    """A formatted number in math mode: 8.65e-5 → 8.65\\times10^{-5}."""
    mantissa, e, exponent = text.partition("e")
    return rf"{mantissa}\times10^{{{int(exponent)}}}" if e else text


def _colour(hex_: str) -> str:
    r, g, b = (int(hex_[i:i + 2], 16) for i in (1, 3, 5))
    return f"{{rgb,255:red,{r};green,{g};blue,{b}}}"


_SHAPES = {"circle": "circle", "box": "rectangle", "ellipse": "rectangle, rounded corners=8pt"}


class TikzPrinter(DotPrinter):
    _default_settings = {**DotPrinter._default_settings, "width": r"\linewidth",
                         "font": r"\small"}

    def part(self, p) -> str:
        if isinstance(p, Name):
            return latex_name(p.name)
        if isinstance(p, Num):
            text = fmt(p.value, self._settings["digits"])
            text = latex_number(text)
            return f"({text})" if p.paren and text.startswith("-") else text
        if isinstance(p, Partial):
            return rf"\partial {latex_name(p.of)}/\partial {latex_name(p.wrt)}"
        if isinstance(p, Formula):
            return _NameLatex().doprint(p.expr)
        if isinstance(p, Text):
            if p.text in _MATH_TEXT:
                return _MATH_TEXT[p.text]
            return rf"\mbox{{{latex_text(p.text)}}}" if p.text.strip() else p.text
        raise TypeError(f"not a label part: {p!r}")

    def label(self, lines) -> str:
        return r"\\".join(f"${''.join(self.part(p) for p in line)}$" for line in lines)

    def _print_Picture(self, pic: Picture) -> str:
        from .graphviz import render
        dot = DotPrinter(**{k: v for k, v in self._settings.items()
                            if k in DotPrinter._default_settings})._print_Picture(pic)
        layout = json.loads(render(dot, format="json", engine="wasm"))
        return self._tikz(pic, layout)

    def _tikz(self, pic: Picture, layout: dict) -> str:
        by_id = {n.id: n for n in pic.nodes + pic.legend}
        objects = [o for o in layout.get("objects", []) if "pos" in o]
        gvid = {o["_gvid"]: o["name"] for o in layout.get("objects", [])}
        font = self._settings["font"]
        out = [f"% bptrace: {pic.kind} picture; layout by Graphviz (dot), in points",
               r"\begin{tikzpicture}[x=1pt, y=1pt, line cap=round,",
               rf"  every node/.style={{font={font}, align=center, inner sep=1pt}},",
               r"  edgelabel/.style={font=\footnotesize, fill=white, fill opacity=0.8, text opacity=1}]"]
        title = self.label([pic.title])
        x0, y0, x1, y1 = (float(v) for v in layout["bb"].split(","))
        out.append(rf"\node[font=\normalsize] at ({_n((x0 + x1) / 2)},{_n(y1 + 8)}) {{{title}}};")
        for o in objects:
            n = by_id[o["name"]]
            x, y = (float(v) for v in o["pos"].split(","))
            w, h = float(o["width"]) * 72, float(o["height"]) * 72
            style = {**STYLE[n.role], **(STYLE["faded"] if n.faded else {})}
            opts = [_SHAPES.get(style.get("shape", "ellipse"), "rectangle")]
            if "rounded" in style.get("style", ""):
                opts.append("rounded corners=4pt")
            if opts[0] == "circle":
                opts.append(f"minimum size={_n(min(w, h))}pt")
            else:
                opts.append(f"minimum width={_n(w)}pt, minimum height={_n(h)}pt")
            colour = n.colour or style.get("color")
            opts.append(f"draw={_colour(colour)}" if colour else "draw")
            if style.get("fillcolor", "white") != "white":
                opts.append(f"fill={_colour(style['fillcolor'])}")
            text_colour = n.colour or style.get("fontcolor")
            if text_colour:
                opts.append(f"text={_colour(text_colour)}")
            if n.bold or n.colour:
                opts.append("line width=1.2pt")
            out.append(rf"\node[{', '.join(opts)}] ({_tikz_id(n.id)}) at ({_n(x)},{_n(y)}) "
                       rf"{{{self.label(n.lines)}}};")
        edges = {(e.tail, e.head): e for e in pic.edges}
        for o in layout.get("edges", []):
            tail, head = gvid[o["tail"]], gvid[o["head"]]
            e = edges.get((tail, head))
            if e is None or "pos" not in o:   # the legend's invisible edges
                continue
            colours = e.colours or ((STYLE["faded"]["color"],) if e.faded else ("#000000",))
            path = _spline(o["pos"])
            for i, c in enumerate(colours):
                shift = (i - (len(colours) - 1) / 2) * 1.6
                opts = ["-{Stealth[length=5pt]}", f"draw={_colour(c)}",
                        "line width=1.1pt" if e.colours else "line width=0.5pt"]
                if shift:
                    opts.append(f"transform canvas={{yshift={_n(shift)}pt}}")
                if e.dashed:
                    opts.append("dashed")
                out.append(rf"\draw[{', '.join(opts)}] {path};")
            if e.lines and "lp" in o:
                lx, ly = (float(v) for v in o["lp"].split(","))
                opts = ["edgelabel"]
                if len(colours) == 1 and e.colours:
                    opts.append(f"text={_colour(colours[0])}")
                out.append(rf"\node[{', '.join(opts)}] at ({_n(lx)},{_n(ly)}) {{{self.label(e.lines)}}};")
        out.append(r"\end{tikzpicture}")
        body = "\n".join(out)
        width = self._settings["width"]
        if width:
            body = f"\\resizebox{{{width}}}{{!}}{{%\n{body}%\n}}"
        return body + "\n"


def _n(x: float) -> str:
    """A coordinate with two decimals, trailing zeros dropped (deterministic text)."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _tikz_id(id_: str) -> str:
    return "bp-" + id_.replace("_", "-")


def _spline(pos: str) -> str:
    """Graphviz's edge spline "e,x,y p0 p1 p2 p3 …" as a TikZ path of Bézier pieces."""
    end, start = None, None
    points = []
    for item in pos.split():
        if item.startswith("e,"):
            end = item[2:]
        elif item.startswith("s,"):
            start = item[2:]
        else:
            points.append(item)
    pts = [f"({_n(float(a))},{_n(float(b))})" for a, b in (p.split(",") for p in points)]
    path = pts[0]
    for i in range(1, len(pts) - 2, 3):
        path += f" .. controls {pts[i]} and {pts[i + 1]} .. {pts[i + 2]}"
    if start is not None:
        a, b = start.split(",")
        path = f"({_n(float(a))},{_n(float(b))}) -- " + path
    if end is not None:
        a, b = end.split(",")
        path += f" -- ({_n(float(a))},{_n(float(b))})"
    return path


def to_tikz(obj, **settings) -> str:
    """A TikZ figure for a Network, ForwardTrace, Derivation or Picture (settings as
    ``to_dot``, plus ``width`` — a LaTeX length to scale to, or None — and ``font``)."""
    return TikzPrinter(**settings).doprint(obj)


def network_tikz(net, kind: str = "network", **settings) -> str:
    r"""The network picture as TikZ, for a LaTeX article or beamer deck: the hook.

    ``network_tikz(net, backward=True)`` draws δ and the gradients too;
    ``network_tikz(net, "paths", wrt="w1")`` the chain-rule paths. Needs \usepackage{tikz}
    and \usetikzlibrary{arrows.meta} in the preamble.
    """
    return to_tikz(net, kind=kind, **settings)
