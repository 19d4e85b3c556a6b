"""What a picture of a network shows, before it is written as DOT or TikZ.

Provides ``picture(net, kind, ...)`` → ``Picture`` for three kinds:
- ``network``: inputs, neurons (net and out, with ``backward`` also δ), bias nodes (a
  shared bias is one node feeding every neuron of its layer), the loss; edges labelled
  with the weight and its value, with ``backward`` also ∂E_total/∂w;
- ``paths``: the chain-rule paths from one parameter to E_total over the net/out nodes,
  each path in its own colour, every edge on a path labelled with its local derivative,
  the rest faded (or left out with ``only_paths``), a legend giving each path's product
  and their sum;
- ``compute``: the operation-level graph of ``calculus/compute_graph.py`` with value and gradient.

A label is lines of parts — ``Name`` (a bptrace name such as w1, out_h1, delta_h1),
``Num`` (a value), ``Text``, ``Partial`` (∂of/∂wrt), ``Formula`` (a SymPy expression) — so
``dot.py`` can write w₁ and ``tikz.py`` can write $w_{1}$ from the same picture. The
numbers are read from the network and its traces; nothing is differentiated here.
Node ids are positional (x1, n1_2, b1, E, …), never user names, so no name can change
the graph's structure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import sympy

from ..errors import SpecError

KINDS = ("network", "paths", "compute")
# colour-blind-safe (Okabe–Ito), one per path, repeated past eight
PATH_COLOURS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                "#000000", "#F0E442")


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Num:
    value: object
    paren: bool = False        # (−0.23) when negative, as a term of a sum


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Partial:
    of: str
    wrt: str


@dataclass(frozen=True)
class Formula:
    expr: sympy.Expr


@dataclass(frozen=True)
class Node:
    id: str
    lines: tuple                  # tuple of lines, each a tuple of parts
    role: str                     # input, bias, neuron, loss, param, net, out, op, legend
    colour: Optional[str] = None  # highlight colour
    faded: bool = False
    bold: bool = False


@dataclass(frozen=True)
class Edge:
    tail: str
    head: str
    lines: tuple = ()
    colours: tuple = ()           # one per path using the edge; empty: default colour
    faded: bool = False
    dashed: bool = False


@dataclass(frozen=True)
class Picture:
    kind: str
    title: tuple                  # one line of parts
    nodes: tuple
    edges: tuple
    ranks: tuple = ()             # columns of node ids, left to right (rank=same)
    legend: tuple = field(default=())   # nodes stacked in a legend box

    def node(self, id_: str) -> Node:
        return next(n for n in self.nodes + self.legend if n.id == id_)


def _is(name, value, show):
    """``name = value`` (or just ``name`` when values are hidden)."""
    return (Name(name), Text(" = "), Num(value)) if show else (Name(name),)


def _neuron_id(l, j):
    return f"n{l + 1}_{j + 1}"


def _bias_id(net, l, j):
    return f"b{l + 1}" if net.layers[l].shared_bias else f"b{l + 1}_{j + 1}"


def network_picture(net, backward: bool = False, values: bool = True) -> Picture:
    """Inputs, neurons, bias nodes and the loss, left to right by layer."""
    E = net.loss_name         # the error's symbol, E_total
    vals, names = net.values, net.names
    grads = net.gradients() if backward else {}
    nodes, edges, ranks = [], [], []
    column = []
    for k, x in enumerate(names.inputs):
        nodes.append(Node(f"x{k + 1}", (_is(x, vals[x], values),), "input"))
        column.append(f"x{k + 1}")
    for l, layer in enumerate(net.layers):
        for j, b in enumerate(names.biases[l]):
            lines = [_is(b, vals[b], values)]
            if backward and values:
                lines.append((Partial(E, b), Text(" = "), Num(grads[b])))
            nodes.append(Node(_bias_id(net, l, j), tuple(lines), "bias"))
            column.append(_bias_id(net, l, j))
        ranks.append(tuple(column))
        column = []
        feeding = [f"x{k + 1}" for k in range(len(names.inputs))] if l == 0 else \
            [_neuron_id(l - 1, k) for k in range(net.layers[l - 1].units)]
        for j, n in enumerate(names.neurons[l]):
            lines = [(Name(n),)]
            if values:
                lines += [_is(f"net_{n}", vals[f"net_{n}"], True), _is(f"out_{n}", vals[f"out_{n}"], True)]
                if backward:
                    lines.append(_is(f"delta_{n}", vals[f"delta_{n}"], True))
            nodes.append(Node(_neuron_id(l, j), tuple(lines), "neuron"))
            column.append(_neuron_id(l, j))
            for k, w in enumerate(names.weights[l][j]):
                lines = [_is(w, vals[w], values)]
                if backward and values:
                    lines.append((Partial(E, w), Text(" = "), Num(grads[w])))
                edges.append(Edge(feeding[k], _neuron_id(l, j), tuple(lines)))
            edges.append(Edge(_bias_id(net, l, j if not layer.shared_bias else 0), _neuron_id(l, j),
                              dashed=True))
    ranks.append(tuple(column))
    nodes.append(Node("E", (_is(E, vals[E], values),), "loss"))
    ranks.append(("E",))
    for j, o in enumerate(net.outputs):
        lines = [_is(f"E_{o}", vals[f"E_{o}"], values)]
        if backward and values:
            lines.append((Partial(E, f"out_{o}"), Text(" = "), Num(net.numbers.dout[j])))
        edges.append(Edge(_neuron_id(len(net.layers) - 1, j), "E", tuple(lines)))
    return Picture("network", (Text(net.name),), tuple(nodes), tuple(edges), tuple(ranks))


def paths_picture(net, wrt: str, values: bool = True, only_paths: bool = False,
                  max_paths: int = 16) -> Picture:
    """Every chain-rule path from ``wrt`` to E_total, coloured, over the net/out nodes."""
    E = net.loss_name         # the error's symbol, E_total
    d = net.derive(wrt, max_paths=max_paths)
    vals, names = net.values, net.names
    ids = {wrt: "p", E: "E"}
    for l, layer in enumerate(names.neurons):
        for j, n in enumerate(layer):
            ids[f"net_{n}"], ids[f"out_{n}"] = f"net{l + 1}_{j + 1}", f"out{l + 1}_{j + 1}"
    on_path, colours_of, factor_of = set(), {}, {}
    for i, path in enumerate(d.paths):
        colour = PATH_COLOURS[i % len(PATH_COLOURS)]
        on_path.update(path.nodes)
        # factors run from E_total back to the parameter: reversed, factor t is ∂nodes[t+1]/∂nodes[t]
        for t, f in enumerate(reversed(path.factors)):
            pair = (ids[path.nodes[t]], ids[path.nodes[t + 1]])
            assert (f.wrt, f.of) == (path.nodes[t], path.nodes[t + 1])
            colours_of.setdefault(pair, []).append(colour)
            factor_of[pair] = f
    nodes, edges, ranks = [], [], []

    def keep(faded):
        return not (faded and only_paths)

    column = []
    for k, x in enumerate(names.inputs):
        if keep(True):
            nodes.append(Node(f"x{k + 1}", (_is(x, vals[x], values),), "input", faded=True))
            column.append(f"x{k + 1}")
    nodes.append(Node("p", (_is(wrt, vals[wrt], values),), "param", bold=True))
    column.append("p")
    ranks.append(tuple(column))
    for l, layer in enumerate(names.neurons):
        feeding = [f"x{k + 1}" for k in range(len(names.inputs))] if l == 0 else \
            [ids[f"out_{m}"] for m in names.neurons[l - 1]]
        for kind in ("net", "out"):
            column = []
            for j, n in enumerate(layer):
                sym = f"{kind}_{n}"
                faded = sym not in on_path
                if keep(faded):
                    nodes.append(Node(ids[sym], (_is(sym, vals[sym], values),), kind, faded=faded))
                    column.append(ids[sym])
            if column:
                ranks.append(tuple(column))
        for j, n in enumerate(layer):
            pairs = [(src, ids[f"net_{n}"]) for src in feeding] + [(ids[f"net_{n}"], ids[f"out_{n}"])]
            for pair in pairs:
                if pair not in colours_of and keep(True):
                    edges.append(Edge(*pair, faded=True))
    for o in net.outputs:
        pair = (ids[f"out_{o}"], "E")
        if pair not in colours_of and keep(True):
            edges.append(Edge(*pair, faded=True))
    nodes.append(Node("E", (_is(E, vals[E], values),), "loss", bold=True))
    ranks.append(("E",))
    nodes = [n for n in nodes if keep(n.faded)]
    for pair, colours in colours_of.items():
        f = factor_of[pair]
        lines = ((Partial(f.of, f.wrt), Text(" = "), Num(f.value)),) if values else ((Partial(f.of, f.wrt),),)
        edges.append(Edge(*pair, lines, tuple(colours)))
    legend = []
    for i, path in enumerate(d.paths):
        route = [Text(f"path {i + 1}: ")]
        for t, node in enumerate(path.nodes):
            route += ([Text(" → ")] if t else []) + [Name(node)]
        lines = (tuple(route), (Text("product = "), Num(path.value))) if values else (tuple(route),)
        legend.append(Node(f"path{i + 1}", lines, "legend",
                           colour=PATH_COLOURS[i % len(PATH_COLOURS)]))
    total = [Partial(E, wrt)]
    if d.summarised:
        total += [Text(f" — {d.path_count} paths, more than {max_paths}: not drawn")]
        if values:
            total += [Text("; δ form: "), Num(d.value)]
    elif values:
        total += [Text(" = sum over the paths = ")]
        for i, path in enumerate(d.paths):
            total += ([Text(" + ")] if i else []) + [Num(path.value, paren=bool(i))]
        if len(d.paths) > 1:
            total += [Text(" = "), Num(d.value)]
    else:
        total += [Text(f" = sum over the {len(d.paths)} paths")]
    legend.append(Node("sum", (tuple(total),), "legend", bold=True))
    return Picture("paths", (Text(f"{net.name}: "), Partial(E, wrt)), tuple(nodes), tuple(edges),
                   tuple(ranks), tuple(legend))


def compute_picture(net, values: bool = True) -> Picture:
    """Every operation of the forward pass with its value and gradient."""
    from ..calculus.compute_graph import compute_graph
    g = compute_graph(net)
    nodes, edges = [], []
    for op in g.nodes:
        leaf = op.op in ("input", "parameter", "target")
        head = () if leaf else \
            ((Text(op.op),) + ((Text(" by "), Formula(op.const)) if op.const is not None else ()),)
        if values:
            body = ((Formula(op.expr), Text(" = "), Num(op.value)),)
            if op.grad is not None:
                body += ((Text("grad = "), Num(op.grad)),)
        else:
            body = ((Formula(op.expr),),)
        nodes.append(Node(op.id, head + body, op.op if leaf else "op"))
        edges.extend(Edge(src, op.id) for src in op.inputs)
    return Picture("compute", (Text(g.network),), tuple(nodes), tuple(edges))


def picture(net, kind: str = "network", *, wrt: Optional[str] = None, backward: bool = False,
            values: bool = True, only_paths: bool = False, max_paths: int = 16) -> Picture:
    """The picture of ``kind`` for ``net``; bad arguments are a ``SpecError``."""
    if net.batched:
        raise SpecError("graph", "pictures are drawn for a network with one sample; "
                        "this one has a batch")
    if kind not in KINDS:
        raise SpecError("--kind", f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    if any(layer.dropout is not None for layer in net.layers):
        raise SpecError("graph", "pictures do not show dropout yet; the text, LaTeX and JSON "
                        "traces do (bptrace forward/derive)")
    if kind == "paths":
        if wrt is None:
            raise SpecError("--wrt", "the paths picture needs a parameter: --wrt w1")
        return paths_picture(net, net.check_param(wrt), values, only_paths, max_paths)
    if wrt is not None:
        raise SpecError("--wrt", f"a parameter is only used by --kind paths, not {kind}")
    if kind == "compute":
        return compute_picture(net, values)
    return network_picture(net, backward, values)
