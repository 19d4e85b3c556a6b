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

from ..numbers import fmt
from ..trace import Derivation, ForwardTrace
from .base import Printer
from .expr import TextExpr
from .picture import KINDS, Formula, Name, Num, Partial, Picture, Text, picture

_SUB = dict(zip("0123456789aehijklmnoprstuvx_", "₀₁₂₃₄₅₆₇₈₉ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ,"))
_PREFIXES = ("net", "out", "target", "E")
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


STYLE = {
    "graph": {"rankdir": "LR", "fontname": "Helvetica", "fontsize": "12", "labelloc": "t",
              "nodesep": "0.3", "ranksep": "0.9"},
    "node": {"fontname": "Helvetica", "fontsize": "11", "style": "filled", "fillcolor": "white"},
    "edge": {"fontname": "Helvetica", "fontsize": "10", "arrowsize": "0.7"},
    "input": {"shape": "circle", "fillcolor": "#E8F0FE"},
    "bias": {"shape": "box", "style": "rounded,filled", "fillcolor": "#FFF4D6"},
    "neuron": {"shape": "circle", "fillcolor": "#E6F4EA"},
    "loss": {"shape": "box", "style": "rounded,filled", "fillcolor": "#FDE7E7"},
    "param": {"shape": "box", "style": "rounded,filled", "fillcolor": "#FFF4D6"},
    "net": {"shape": "box", "style": "rounded,filled", "fillcolor": "#E6F4EA"},
    "out": {"shape": "box", "style": "rounded,filled", "fillcolor": "#E6F4EA"},
    "op": {"shape": "box", "style": "rounded,filled", "fillcolor": "#F1F3F4"},
    "parameter": {"shape": "ellipse", "fillcolor": "#FFF4D6"},
    "target": {"shape": "ellipse", "fillcolor": "#FDE7E7"},
    "legend": {"shape": "box", "style": "rounded"},
    "faded": {"color": "#C8C8C8", "fontcolor": "#A8A8A8", "fillcolor": "#F7F7F7"},
}


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

    def label(self, lines) -> str:
        """Lines of parts as one escaped DOT label; lines joined by Graphviz's \\n."""
        import graphviz
        return graphviz.nohtml("\\n".join(dot_escape("".join(self.part(p) for p in line))
                                          for line in lines))

    # ----- DOT ----------------------------------------------------------------------------
    def _print_Picture(self, pic: Picture) -> str:
        import graphviz
        g = graphviz.Digraph(pic.kind, graph_attr={**STYLE["graph"], "label": self.label([pic.title])},
                             node_attr=STYLE["node"], edge_attr=STYLE["edge"])
        by_id = {n.id: n for n in pic.nodes + pic.legend}
        # the legend stacks under the last column (the loss)
        ranks = list(pic.ranks)
        if pic.legend:
            ranks[-1] = tuple(ranks[-1]) + tuple(n.id for n in pic.legend)
        ranked = set()
        for rank in ranks:
            with g.subgraph() as s:
                s.attr(rank="same")
                for id_ in rank:
                    s.node(id_, self.label(by_id[id_].lines), **self._node_attrs(by_id[id_]),
                           **self._ids(by_id[id_]))
                    ranked.add(id_)
        for n in pic.nodes + pic.legend:
            if n.id not in ranked:
                g.node(n.id, self.label(n.lines), **self._node_attrs(n), **self._ids(n))
        for e in pic.edges:
            attrs = {}
            if e.lines:
                attrs["label"] = self.label(e.lines)
            if e.colours:
                attrs.update(color=":".join(e.colours), penwidth="2",
                             fontcolor=e.colours[0] if len(e.colours) == 1 else "black")
            if e.faded:
                attrs.update(color=STYLE["faded"]["color"])
            if e.dashed:
                attrs["style"] = "dashed"
            if self._settings["ids"]:
                attrs.update(id=f"bp_e_{e.tail}_{e.head}", **{"class": "bp_edge"})
            g.edge(e.tail, e.head, **attrs)
        if pic.legend:
            # flat invisible edges keep the last column in order: loss, paths, sum
            for a, b in zip(ranks[-1], ranks[-1][1:]):
                g.edge(a, b, style="invis")
        return g.source

    def _ids(self, n) -> dict:
        """SVG id and class of a node (ids are positional: no user name reaches them)."""
        return {"id": f"bp_{n.id}", "class": f"bp_node bp_{n.role}"} if self._settings["ids"] else {}

    @staticmethod
    def _node_attrs(n) -> dict:
        attrs = dict(STYLE[n.role])
        if n.faded:
            attrs.update(STYLE["faded"])
        if n.colour:
            attrs.update(color=n.colour, fontcolor=n.colour, penwidth="2")
        if n.bold:
            attrs["penwidth"] = "2"
        return attrs


def _network_of(trace):
    net = getattr(trace, "net", None)
    if net is None:
        raise TypeError(f"this {type(trace).__name__} does not know its network; "
                        f"pass the Network instead")
    return net


def to_dot(obj, **settings) -> str:
    """DOT source for a Network, ForwardTrace, Derivation or Picture (see module doc)."""
    return DotPrinter(**settings).doprint(obj)
