r"""The TikZ printer: the same pictures as ``dot.py``, as a LaTeX figure with real labels.

Provides ``TikzPrinter``, ``to_tikz(obj, **settings)``, ``network_tikz(net, …)`` (the hook
for LaTeX documents and beamer decks) and ``latex_name(name)``.

The layout is bptrace's own (``layout.py``), the very positions the DOT picture pins:
every node, every edge label at the same point, each edge a straight line between its
nodes, so the three renderings (embedded Graphviz, system ``dot``, TikZ) put everything
in the same place. Only the text changes: $w_{1} = 0.15$,
$\mathrm{out}_{h1}$, $\delta_{o1}$, $\partial E_{\mathrm{total}}/\partial w_{1}$. A name
that is not a plain identifier is written as escaped text, so it cannot break the
document. The figure needs ``\usepackage{tikz}`` only; by default it is scaled to
``\linewidth`` with ``\resizebox``.
"""
from __future__ import annotations

import re

from sympy.printing.latex import LatexPrinter

from ..model.numbers import fmt
from .dot import LEFT_ALIGNED, STYLE, DotPrinter, _n
from .picture import Formula, Name, Node, Num, Partial, Picture, Text

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
        if head in ("d", "m", "p"):          # dropout: d_h1, m_h1; softmax: p_o1
            return rf"{head}_{{{_sub(rest)}}}"
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

    def _print_Picture(self, pic: Picture) -> str:
        dot = DotPrinter(**{k: v for k, v in self._settings.items()
                            if k in DotPrinter._default_settings})
        lay, extra = dot.layout(pic)      # the same positions as the DOT picture
        return self._tikz(pic, lay, extra)

    def _tikz(self, pic: Picture, lay, extra) -> str:
        font = self._settings["font"]
        out = [f"% bptrace: {pic.kind} picture; positions decided by bptrace, in points",
               r"\begin{tikzpicture}[x=1pt, y=1pt, line cap=round,",
               rf"  every node/.style={{font={font}, align=center, inner sep=1pt}},",
               r"  edgelabel/.style={font=\footnotesize, fill=white, fill opacity=0.85, text opacity=1}]"]
        title = Node("title", (pic.title,), "title")
        for n in pic.nodes + pic.legend + extra + ((title,) if pic.title else ()):
            b = lay.nodes[n.id]
            style = {**STYLE[n.role], **(STYLE["faded"] if n.faded else {})}
            shape = n.shape or style.get("shape", "box")
            opts = ["circle" if shape == "circle" else "rectangle"]
            if n.role in LEFT_ALIGNED:
                opts.append("align=left")
            if "rounded" in style.get("style", "") and shape != "circle":
                opts.append("rounded corners=4pt")
            if shape == "circle":
                opts.append(f"minimum size={_n(min(b.w, b.h))}pt")
            else:
                opts.append(f"minimum width={_n(b.w)}pt, minimum height={_n(b.h)}pt")
            colour = n.colour or style.get("color")
            if shape != "plaintext" and colour != "#FFFFFF":
                opts.append(f"draw={_colour(colour)}" if colour else "draw")
            if style.get("fillcolor", "white") not in ("white", "#FFFFFF"):
                opts.append(f"fill={_colour(style['fillcolor'][:7])}")
            text_colour = n.colour or style.get("fontcolor")
            if text_colour:
                opts.append(f"text={_colour(text_colour)}")
            if n.bold or n.colour:
                opts.append("line width=1.2pt")
            if n.role == "title":
                opts.append(r"font=\normalsize")
            out.append(rf"\node[{', '.join(opts)}] ({_tikz_id(n.id)}) at ({_n(b.x)},{_n(b.y)}) "
                       rf"{{{self.label(n.lines)}}};")
        for i, e in enumerate(pic.edges):
            colours = e.colours or ((STYLE["faded"]["color"],) if e.faded else ("#000000",))
            for k, c in enumerate(colours):
                shift = (k - (len(colours) - 1) / 2) * 1.6
                opts = ["-{Stealth[length=5pt]}", f"draw={_colour(c)}",
                        ("line width=2pt" if e.bold else "line width=1.1pt") if e.colours else "line width=0.5pt"]
                if shift:
                    opts.append(f"transform canvas={{yshift={_n(shift)}pt}}")
                if e.dashed:
                    opts.append("dashed")
                out.append(rf"\draw[{', '.join(opts)}] ({_tikz_id(e.tail)}) -- ({_tikz_id(e.head)});")
        for i, e in enumerate(pic.edges):
            if i not in lay.labels:
                continue
            b = lay.labels[i]
            opts = ["edgelabel"]
            if len(e.colours) == 1:
                opts.append(f"text={_colour(e.colours[0])}")
            lines = e.lines if lay.mode == "full" else e.short
            out.append(rf"\node[{', '.join(opts)}] at ({_n(b.x)},{_n(b.y)}) {{{self.label(lines)}}};")
        out.append(r"\end{tikzpicture}")
        body = "\n".join(out)
        width = self._settings["width"]
        if width:
            body = f"\\resizebox{{{width}}}{{!}}{{%\n{body}%\n}}"
        return body + "\n"

    def label(self, lines, left: bool = False) -> str:
        return r"\\".join(f"${''.join(self.part(p) for p in line)}$" for line in lines)


def _tikz_id(id_: str) -> str:
    return "bp-" + id_.replace("_", "-")


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
