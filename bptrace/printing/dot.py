"""The Graphviz printer: pictures of a network as DOT source, built with ``graphviz``.

Provides ``DotPrinter``, ``to_dot(obj, kind=…, wrt=…, …)``, ``unicode_name(name)`` and
``dot_escape(text)``.

``to_dot`` takes a ``Network``, a ``ForwardTrace`` (the network picture), a
``Derivation`` (the paths picture for its parameter) or a ``Picture``. Settings:
``kind`` (network, paths, compute), ``wrt``, ``backward`` (δ and ∂E/∂w too), ``values``
(False hides the numbers), ``only_paths`` (leave out what no path uses), ``digits``
(significant digits shown, default 4), ``max_paths``, ``ids`` (give every node and edge an
SVG ``id`` and ``class`` — ``bp_n1_1``, ``bp_e_x1_n1_1`` — so a web page can highlight a
path; off by default, so the DOT is unchanged).

Labels are plain text with Unicode subscripts (w₅, outₕ₁, δₒ₁, Eₜₒₜₐₗ): the embedded
WebAssembly Graphviz cannot parse HTML-like labels, and plain text renders the same under
it and under system ``dot``. Every piece of a label is escaped by ``dot_escape``, so a name
holding quotes, backslashes, braces, ``<``, ``>`` or ``|`` stays inside its label; node ids
are positional (x1, n1_2, E), never names. The output is deterministic: same input, same
bytes.
"""
from __future__ import annotations

import re

from ..calculus.trace import Derivation, ForwardTrace
from ..model.numbers import fmt
from .base import Printer
from .expr import TextExpr
from .layout import place
from .picture import KINDS, Formula, Name, Node, Num, Partial, Picture, Text, picture

_SUB = dict(zip("0123456789aehijklmnoprstuvx_", "₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ,"))
_PREFIXES = ("net", "out", "target", "E", "d", "m", "p")
_INDEXED = re.compile(r"([A-Za-z]+)(\d+(?:_\d+)*)")
_SPECIAL = re.compile(r'([\\"{}<>|])')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _subscript(text: str):
    """``text`` in Unicode subscripts, or None when a character has no subscript form."""
    return "".join(_SUB[c] for c in text) if all(c in _SUB for c in text) else None


def unicode_name(name: str) -> str:
    """A bptrace name written with Unicode subscripts: w5 → w₅, out_h1 → outₕ₁,
    delta_o1 → δₒ₁, E_total → Eₜₒₜₐₗ, h1_2 → h₁,₂; any other name is left as it is."""
    head, _, rest = name.partition("_")
    if head == "delta" and rest:
        sub = _subscript(rest)
        return "δ" + (sub if sub is not None else "_" + rest)
    if head in _PREFIXES and rest:
        sub = _subscript(rest)
        if sub is not None:
            return head + sub
    m = _INDEXED.fullmatch(name)
    if m:
        return m.group(1) + _subscript(m.group(2))
    return name


def dot_escape(text: str) -> str:
    """``text`` safe inside a quoted DOT label: backslash, quote, braces, <, > and | are
    backslash-escaped (Graphviz shows them literally), control characters become spaces."""
    return _SPECIAL.sub(r"\\\1", _CONTROL.sub(" ", text))


class _UnicodeExpr(TextExpr):
    """Formulas as in the text printer, with names in Unicode subscripts."""

    def _print_Symbol(self, expr):
        return unicode_name(expr.name)


FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"   # DejaVu first: it has every subscript glyph
FONT_SIZE = {"title": 14, "edge": 10, "table": 10, "note": 10}     # any other role: 11
STYLE = {
    "graph": {"layout": "neato", "inputscale": "72", "splines": "line", "overlap": "true",
              "outputorder": "edgesfirst", "fontname": FONT, "fontsize": "11"},
    "node": {"fontname": FONT, "fontsize": "11", "style": "filled", "fillcolor": "white",
             "fixedsize": "true", "margin": "0"},
    "edge": {"fontname": FONT, "fontsize": "10", "arrowsize": "0.7"},
    "input": {"shape": "box", "style": "rounded,filled", "fillcolor": "#E8F0FE"},
    "bias": {"shape": "box", "style": "rounded,filled", "fillcolor": "#FFF4D6"},
    "neuron": {"shape": "box", "style": "rounded,filled", "fillcolor": "#E6F4EA"},
    "loss": {"shape": "box", "style": "rounded,filled", "fillcolor": "#FDE7E7"},
    "op": {"shape": "box", "style": "rounded,filled", "fillcolor": "#F1F3F4"},
    "input_leaf": {"shape": "box", "style": "rounded,filled", "fillcolor": "#E8F0FE"},
    "parameter": {"shape": "box", "style": "rounded,filled", "fillcolor": "#FFF4D6"},
    "target": {"shape": "box", "style": "rounded,filled", "fillcolor": "#FDE7E7"},
    "mask": {"shape": "box", "style": "rounded,filled", "fillcolor": "#EDE7F6"},
    "legend": {"shape": "box", "style": "rounded", "color": "#FFFFFF", "margin": "0.14,0.04"},
    "table": {"shape": "plaintext", "style": "filled", "fillcolor": "#FFFFFF"},
    "note": {"shape": "plaintext", "style": "filled", "fillcolor": "#FFFFFF", "fontcolor": "#5F6368"},
    "title": {"shape": "plaintext", "style": "filled", "fillcolor": "#FFFFFF"},
    "label": {"shape": "plaintext", "style": "filled", "fillcolor": "#FFFFFFD9"},
    "faded": {"color": "#C8C8C8", "fontcolor": "#A8A8A8", "fillcolor": "#F7F7F7"},
}
LEFT_ALIGNED = ("legend", "table", "note")
# width of a character in ems, as Helvetica draws it (a little generous: fallback fonts
# draw subscripts and ∂ wider); anything not listed is 0.6
_NARROW = set("ijlt.,:;'!|()[]/ ·ᵢⱼ1-−")
_WIDE = set("mwMW∂δ→—%@")


def text_width(text: str, size: float) -> float:
    """An estimate of ``text``'s width in points at font ``size``."""
    w = 0.0
    for c in text:
        w += 0.34 if c in _NARROW else 0.9 if c in _WIDE else 0.7 if c.isupper() else 0.6
    return w * size


class DotPrinter(Printer):
    _default_settings = {"kind": "network", "wrt": None, "backward": False, "values": True,
                         "only_paths": False, "digits": 4, "max_paths": 16, "ids": False}

    def _check_settings(self, settings):
        if settings["kind"] not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {settings['kind']!r}")
        digits = settings["digits"]
        if not isinstance(digits, int) or not 1 <= digits <= 40:
            raise ValueError(f"digits must be an integer from 1 to 40, got {digits!r}")

    # ----- what is drawn ----------------------------------------------------------------
    def _picture(self, net) -> Picture:
        s = self._settings
        return picture(net, s["kind"], wrt=s["wrt"], backward=s["backward"], values=s["values"],
                       only_paths=s["only_paths"], max_paths=s["max_paths"])

    def _print_Network(self, net) -> str:
        return self._print_Picture(self._picture(net))

    def _print_ForwardTrace(self, t: ForwardTrace) -> str:
        return self._print_Network(_network_of(t))

    def _print_Derivation(self, d: Derivation) -> str:
        s = self._settings
        p = picture(_network_of(d), "paths", wrt=d.param, values=s["values"],
                    only_paths=s["only_paths"], max_paths=s["max_paths"])
        return self._print_Picture(p)

    # ----- labels ------------------------------------------------------------------------
    def part(self, p) -> str:
        """One label part as display text (not yet escaped)."""
        if isinstance(p, Name):
            return unicode_name(p.name)
        if isinstance(p, Num):
            text = fmt(p.value, self._settings["digits"])
            return f"({text})" if p.paren and text.startswith("-") else text
        if isinstance(p, Partial):
            return f"∂{unicode_name(p.of)}/∂{unicode_name(p.wrt)}"
        if isinstance(p, Formula):
            return _UnicodeExpr().doprint(p.expr)
        if isinstance(p, Text):
            return p.text
        raise TypeError(f"not a label part: {p!r}")

    def line(self, line) -> str:
        return "".join(self.part(p) for p in line)

    def label(self, lines, left: bool = False) -> str:
        """Lines of parts as one escaped DOT label; lines end in Graphviz's \\n (\\l when
        ``left``: left-aligned)."""
        import graphviz
        end = "\\l" if left else "\\n"
        text = end.join(dot_escape(self.line(line)) for line in lines)
        return graphviz.nohtml(text + end if left else text)

    def measure(self, lines, role) -> tuple:
        """The size of a text block in points (``layout.py`` places boxes by it)."""
        size = FONT_SIZE.get(role, 11)
        width = max([text_width(self.line(line), size) for line in lines] or [0])
        return width, 1.25 * size * max(1, len(lines))

    # ----- layout -------------------------------------------------------------------------
    def layout(self, pic: Picture):
        """Where everything goes (``layout.place``), and the nodes the printer adds: a
        table of the numbers and a note when they do not fit on the edges."""
        lay = place(pic, self.measure)
        extra = self._extra(pic, lay.mode)
        if extra:
            lay = place(pic, self.measure, extra)
        return lay, extra

    def _extra(self, pic: Picture, mode: str) -> tuple:
        if mode == "full":
            return ()
        if mode == "none":
            count = sum(1 for e in pic.edges if e.lines)
            said = (f"the {count} edges are not labelled: too many for one picture "
                    "(bptrace forward and derive list every number)")
            return (Node("note", ((Text(said),),), "note"),)
        rows = [tuple(p for i, line in enumerate(e.lines) for p in ((Text(";  "),) if i else ()) + line)
                for e in pic.edges if e.lines]
        if not rows:
            return ()
        said = ("the edges show names only: with their numbers the labels would overlap; "
                "the numbers are in the table" if mode == "names" else
                "the numbers would overlap on the edges: they are in the table")
        note = Node("note", ((Text(said),),), "note")
        per = -(-len(rows) // max(1, -(-len(rows) // 12)))     # at most 12 rows a column
        tables = tuple(Node(f"table{i + 1}", tuple(rows[k:k + per]), "table")
                       for i, k in enumerate(range(0, len(rows), per)))
        return (note,) + tables

    # ----- DOT ----------------------------------------------------------------------------
    def _print_Picture(self, pic: Picture) -> str:
        import graphviz
        lay, extra = self.layout(pic)
        g = graphviz.Digraph(pic.kind, graph_attr=STYLE["graph"], node_attr=STYLE["node"],
                             edge_attr=STYLE["edge"])
        title = Node("title", (pic.title,), "title")
        for n in pic.nodes + pic.legend + extra + ((title,) if pic.title else ()):
            b = lay.nodes[n.id]
            g.node(n.id, self.label(n.lines, n.role in LEFT_ALIGNED), pos=f"{_n(b.x)},{_n(b.y)}!",
                   width=_inch(b.w), height=_inch(b.h), **self._node_attrs(n), **self._ids(n))
        # invisible corners: Graphviz's drawing is exactly the layout's extent, margins too
        for name, x, y in (("corner1", 0, 0), ("corner2", lay.width, lay.height)):
            g.node(name, "", shape="point", style="invis", width="0.01", height="0.01",
                   pos=f"{_n(x)},{_n(y)}!")
        for i, e in enumerate(pic.edges):
            attrs = {}
            if e.colours:
                attrs.update(color=":".join(e.colours), penwidth="3.5" if e.bold else "2")
            if e.faded:
                attrs.update(color=STYLE["faded"]["color"])
            if e.dashed:
                attrs["style"] = "dashed"
            if self._settings["ids"]:
                attrs.update(id=f"bp_e_{e.tail}_{e.head}", **{"class": "bp_edge"})
            g.edge(e.tail, e.head, **attrs)
        for i, e in enumerate(pic.edges):
            if i not in lay.labels:
                continue
            b = lay.labels[i]
            lines = e.lines if lay.mode == "full" else e.short
            attrs = dict(STYLE["label"], fontsize=str(FONT_SIZE["edge"]))
            if e.colours:
                attrs["fontcolor"] = e.colours[0] if len(e.colours) == 1 else "black"
            g.node(f"label{i + 1}", self.label(lines), pos=f"{_n(b.x)},{_n(b.y)}!",
                   width=_inch(b.w), height=_inch(b.h), **attrs)
        return g.source

    def _ids(self, n) -> dict:
        """SVG id and class of a node (ids are positional: no user name reaches them)."""
        return {"id": f"bp_{n.id}", "class": f"bp_node bp_{n.role}"} if self._settings["ids"] else {}

    @staticmethod
    def _node_attrs(n) -> dict:
        attrs = dict(STYLE[n.role])
        if n.shape:
            attrs["shape"] = n.shape
        if n.role in FONT_SIZE:
            attrs["fontsize"] = str(FONT_SIZE[n.role])
        if n.faded:
            attrs.update(STYLE["faded"])
        if n.colour:
            attrs.update(color=n.colour, fontcolor=n.colour, penwidth="2")
        if n.bold:
            attrs["penwidth"] = "2.5"
        return attrs


def _n(x: float) -> str:
    """A coordinate with two decimals, trailing zeros dropped (deterministic text)."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _inch(points: float) -> str:
    return _n(points / 72 + 0.005)


def _network_of(trace):
    net = getattr(trace, "net", None)
    if net is None:
        raise TypeError(f"this {type(trace).__name__} does not know its network; "
                        f"pass the Network instead")
    return net


def to_dot(obj, **settings) -> str:
    """DOT source for a Network, ForwardTrace, Derivation or Picture (see module doc)."""
    return DotPrinter(**settings).doprint(obj)
