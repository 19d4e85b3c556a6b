"""What a picture of a network shows, before it is laid out and written as DOT or TikZ.

Provides ``picture(net, kind, ...)`` → ``Picture`` for three kinds:
- ``network``: the inputs, the neurons (net and out; with ``backward`` also δ), a shared
  bias as one node under its layer's inputs (per-neuron biases are written inside their
  neuron), the loss; each weight's edge labelled with the
  weight and its value (with ``backward`` also ∂E_total/∂w). The outputs' edges carry
  E_o only for a loss that is a sum of per-output terms; for cross-entropy and NLL they
  carry the target. Dropout greys the dropped units and their edges and shows the kept
  ones' d = out/(1 − p). A batch is one drawing: each node lists its values sample by
  sample (sample 1, sample 2, …), the edges carry the shared weights and the gradients
  of the batch's E_total;
- ``paths``: the same drawing with every chain-rule path from one parameter to E_total
  in its own colour and the rest faded, and a legend giving each path's factors, their
  product and the sum;
- ``compute``: the operation-level graph of ``calculus/compute_graph.py`` with value and gradient.

Network and paths pictures are grids: each node has a column (inputs first, the loss
last) and a row (units in index order from the top, biases on a row below them all);
``layout.py`` turns that into positions. A label is lines of parts — ``Name`` (a bptrace
name such as w1, out_h1, delta_h1), ``Num`` (a value), ``Text``, ``Partial`` (∂of/∂wrt),
``Formula`` (a SymPy expression) — so ``dot.py`` can write w₁ and ``tikz.py`` $w_{1}$
from the same picture. The numbers are read from the network and its traces; nothing is
differentiated here. Node ids are positional (x1, n1_2, b1, E, …), never user names, so
no name can change the graph's structure.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

import sympy

from ..errors import SpecError

KINDS = ("network", "paths", "compute")
# colour-blind-safe (Okabe–Ito), one per path, repeated past eight
PATH_COLOURS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                "#000000", "#F0E442")



TITLE_LENGTH = 80      # a picture's title: a longer network name is cut, with an ellipsis


def shortened(name: str) -> str:
    """A network's name as a picture's title: at most ``TITLE_LENGTH`` characters, so a long
    name does not widen the drawing (the documents and pages show it whole)."""
    return name if len(name) <= TITLE_LENGTH else name[:TITLE_LENGTH - 1].rstrip() + "…"

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
    role: str                     # input, bias, neuron, loss, param, op, legend, …
    colour: Optional[str] = None  # highlight colour
    faded: bool = False
    bold: bool = False
    col: Optional[int] = None     # grid place: column (layer) …
    row: Optional[float] = None   # … and row (0 at the middle, growing downwards)
    shape: Optional[str] = None   # circle, box; None: the role's shape


@dataclass(frozen=True)
class Edge:
    tail: str
    head: str
    lines: tuple = ()
    colours: tuple = ()           # one per path using the edge; empty: default colour
    faded: bool = False
    dashed: bool = False
    short: tuple = ()             # the label when numbers do not fit: the name alone
    bold: bool = False


@dataclass(frozen=True)
class Picture:
    kind: str
    title: tuple                  # one line of parts
    nodes: tuple
    edges: tuple
    legend: tuple = field(default=())   # nodes stacked under the drawing

    def node(self, id_: str) -> Node:
        return next(n for n in self.nodes + self.legend if n.id == id_)


# the loss as the loss node names it
LOSS_LABELS = {"half_sse": "half sum of squared errors", "mse": "mean squared error", "sse": "sum of squared errors",
               "l1": "L1 (mean absolute error)", "smooth_l1": "Smooth L1", "huber": "Huber",
               "bce": "binary cross-entropy", "bce_with_logits": "BCE with logits",
               "cross_entropy": "cross-entropy (softmax)", "nll": "negative log-likelihood"}


def _nums(values):
    """``v`` or ``v1, v2, …`` (a batch's samples) as parts."""
    parts = []
    for i, v in enumerate(values):
        parts += ([Text(", ")] if i else []) + [Num(v)]
    return tuple(parts)


def _is(name, values, show):
    """``name = value`` (or just ``name`` when values are hidden); ``values`` a list."""
    return (Name(name), Text(" = ")) + _nums(values) if show else (Name(name),)


def _neuron_id(l, j):
    return f"n{l + 1}_{j + 1}"


def _samples(net):
    return net.sample_networks if net.batched else (net,)


def _unit_lines(net, l, j, n, backward, values):
    """A neuron's label: its name, net and out (δ), and what dropout did to it."""
    samples = _samples(net)
    lines = [(Name(n),)]
    if values:
        lines += [_is(f"net_{n}", [s.values[f"net_{n}"] for s in samples], True),
                  _is(f"out_{n}", [s.values[f"out_{n}"] for s in samples], True)]
        if backward:
            lines.append(_is(f"delta_{n}", [s.values[f"delta_{n}"] for s in samples], True))
    dropped = False
    if net.has_dropout(l) and net.training:
        masks = [s.layers[l].mask[j] for s in samples]
        p = net.layers[l].dropout
        dropped = not any(masks)
        if dropped:
            lines.append((Text("dropped: "), Name(f"d_{n}"), Text(" = 0")))
        elif values:
            lines.append((Name(f"d_{n}"), Text(" = "), Name(f"out_{n}"), Text("/(1 − "), Num(p),
                          Text(") = ")) + _nums([s.values[f"d_{n}"] for s in samples]))
        if len(masks) > 1 and not all(masks) and any(masks):
            lines.append((Text("mask: "),) + _nums(masks))
    return tuple(lines), dropped


def _grid_rows(count):
    return [j - (count - 1) / 2 for j in range(count)]


def network_picture(net, backward: bool = False, values: bool = True) -> Picture:
    """Inputs, neurons, one bias node per layer, the loss; columns left to right."""
    E = net.loss_name
    samples = _samples(net)
    grads = net.gradients() if backward else {}
    names, vals = net.names, samples[0].values
    widths = [len(names.inputs)] + [ly.units for ly in net.layers]
    bias_row = (max(widths) - 1) / 2 + 1
    nodes, edges = [], []
    for k, (x, row) in enumerate(zip(names.inputs, _grid_rows(len(names.inputs)))):
        xs = [s.values[x] for s in samples]
        one = not values
        nodes.append(Node(f"x{k + 1}", (_is(x, xs, values),), "input", col=0, row=row,
                          shape="circle" if one else None))
    feeding, dropped_prev = [f"x{k + 1}" for k in range(len(names.inputs))], set()
    for l, layer in enumerate(net.layers):
        bid = f"b{l + 1}"
        if layer.bias is not None:
            if layer.shared_bias:
                b = names.biases[l][0]
                lines = [_is(b, [vals[b]], values)]
                if backward and values:
                    lines.append((Partial(E, b), Text(" = "), Num(grads[b])))
                nodes.append(Node(bid, tuple(lines), "bias", col=l, row=bias_row))
        dropped_here = set()
        for j, (n, row) in enumerate(zip(names.neurons[l], _grid_rows(layer.units))):
            lines, dropped = _unit_lines(net, l, j, n, backward, values)
            if layer.bias is not None and not layer.shared_bias:     # its own bias, inside it
                b = names.biases[l][j]
                lines += (_is(b, [vals[b]], values),)
                if backward and values:
                    lines += ((Partial(E, b), Text(" = "), Num(grads[b])),)
            if dropped:
                dropped_here.add(_neuron_id(l, j))
            nodes.append(Node(_neuron_id(l, j), lines, "neuron", faded=dropped, col=l + 1, row=row,
                              shape="circle" if len(lines) == 1 else None))
            for k, w in enumerate(names.weights[l][j]):
                lines = [_is(w, [vals[w]], values)]
                if backward and values:
                    lines.append((Partial(E, w), Text(" = "), Num(grads[w])))
                edges.append(Edge(feeding[k], _neuron_id(l, j), tuple(lines),
                                  faded=feeding[k] in dropped_prev, short=((Name(w),),)))
            if layer.bias is not None and layer.shared_bias:
                edges.append(Edge(bid, _neuron_id(l, j), dashed=True))
        feeding = [_neuron_id(l, j) for j in range(layer.units)]
        dropped_prev = dropped_here
    loss_lines = [_is(E, [net.loss_value], values), (Text(LOSS_LABELS.get(str(net.loss), str(net.loss))),)]
    if net.batched:
        loss_lines.insert(1, (Text(f"{net.reduction} of "),) + tuple(
            p for s, sn in enumerate(samples) for p in ((Text(", "),) if s else ()) + _is(sn.loss_name, [sn.loss_value], values)))
    nodes.append(Node("E", tuple(loss_lines), "loss", col=len(net.layers) + 1, row=0))
    per_output = net.loss.entry.kind == "elementwise"
    for j, o in enumerate(net.outputs):
        key = f"E_{o}" if per_output else f"target_{o}"
        lines = [_is(key, [s.values[key] for s in samples], values)]
        if backward and values and not net.batched:
            lines.append((Partial(E, f"out_{o}"), Text(" = "), Num(net.numbers.dout[j])))
        edges.append(Edge(_neuron_id(len(net.layers) - 1, j), "E", tuple(lines), short=((Name(key),),)))
    title = (Text(shortened(net.name)),)
    if net.batched:
        title += (Text(" — values sample by sample (" + ", ".join(str(s + 1) for s in range(len(samples)))
                       + "); gradients of the batch's "), Name(E))
    return Picture("network", title, tuple(nodes), tuple(edges))


def _path_edges(net, wrt, path):
    """The drawn edges a path runs along: (tail id, head id) from the parameter to E."""
    unit = {}
    for l, layer in enumerate(net.names.neurons):
        for j, n in enumerate(layer):
            unit[n] = _neuron_id(l, j)
    kind, l, j, *rest = net.locations[wrt]
    first = _neuron_id(l, j if j is not None else unit_index(net, l, path.nodes[1]))
    if kind == "w":
        k = rest[0]
        tail = f"x{k + 1}" if l == 0 else _neuron_id(l - 1, k)
    elif net.layers[l].shared_bias:
        tail = f"b{l + 1}"
    else:                       # a bias inside its neuron: the path starts there
        tail = None
    pairs = [(tail, first)] if tail else [(first, first)]
    for a, b in zip(path.nodes[1:], path.nodes[2:]):
        src = a.split("_", 1)[1] if a.startswith(("out_", "d_")) else None
        if src is None:
            continue
        if b.startswith("net_"):
            pairs.append((unit[src], unit[b[4:]]))
        elif b == path.nodes[-1] and a.startswith("out_"):
            pairs.append((unit[src], "E"))
    return pairs


def unit_index(net, l, net_name):
    return net.names.neurons[l].index(net_name[4:])


def paths_picture(net, wrt: str, values: bool = True, only_paths: bool = False,
                  max_paths: int = 16) -> Picture:
    """The network drawing with every chain-rule path from ``wrt`` to E_total coloured."""
    E = net.loss_name
    base = network_picture(net, False, values)
    derivation = net.derive(wrt, max_paths=max_paths)
    per_sample = derivation.samples if net.batched else (derivation,)
    d = per_sample[0]
    colours_of, on_path = {}, set()
    for i, path in enumerate(d.paths):
        for pair in _path_edges(net, wrt, path):
            colours_of.setdefault(pair, []).append(PATH_COLOURS[i % len(PATH_COLOURS)])
            on_path.update(pair)
    loc = net.locations[wrt]
    param_edge = None if loc[0] == "b" else \
        next(iter(_path_edges(net, wrt, d.paths[0])), None) if d.paths else None
    param_node = None if loc[0] == "w" else f"b{loc[1] + 1}" if loc[2] is None else _neuron_id(loc[1], loc[2])
    edges = []
    for e in base.edges:
        pair = (e.tail, e.head)
        if pair in colours_of:
            edges.append(replace(e, colours=tuple(colours_of[pair]), bold=pair == param_edge,
                                 lines=e.lines[:1] if e.lines else ()))
        elif not only_paths:
            edges.append(replace(e, faded=True, lines=(), short=()))
    nodes = []
    for n in base.nodes:
        if n.id in on_path or n.id == "E":
            nodes.append(replace(n, bold=n.id == param_node))
        elif not only_paths:
            nodes.append(replace(n, faded=True))
    legend = []
    for i, path in enumerate(d.paths):
        factors = [Text(f"path {i + 1}: ")]
        for t, f in enumerate(path.factors):
            # in a batch the first factor is each sample's own: ∂E_s/∂out
            of = "E_s" if net.batched and f.of == d.paths[0].nodes[-1] else f.of
            factors += ([Text(" · ")] if t else []) + [Partial(of, f.wrt)]
        lines = [tuple(factors)]
        for s, ds in enumerate(per_sample if values else ()):
            p = ds.paths[i]
            nums = [Text(f"sample {s + 1}: " if net.batched else "= ")]
            for t, f in enumerate(p.factors):
                nums += ([Text(" · ")] if t else []) + [Num(f.value, paren=bool(t))]
            lines.append(tuple(nums + [Text(" = "), Num(p.value)]))
        legend.append(Node(f"path{i + 1}", tuple(lines), "legend", colour=PATH_COLOURS[i % len(PATH_COLOURS)]))
    total = [Partial(E, wrt)]
    if d.summarised:
        total += [Text(f" — {d.path_count} paths, more than {max_paths}: not drawn")]
        if values:
            total += [Text("; δ form: "), Num(derivation.value)]
    elif values:
        total += [Text(" = sum over the paths")]
        if net.batched:
            total += [Text(f", {net.reduction} over the samples")]
        elif len(d.paths) > 1:
            total += [Text(" = ")]
            for i, path in enumerate(d.paths):
                total += ([Text(" + ")] if i else []) + [Num(path.value, paren=bool(i))]
        total += [Text(" = "), Num(derivation.value)]
    else:
        total += [Text(f" = sum over the {len(d.paths)} paths")]
    legend.append(Node("sum", (tuple(total),), "legend", bold=True))
    title = (Text(f"{shortened(net.name)}: "), Partial(E, wrt))
    return Picture("paths", title, tuple(nodes), tuple(edges), tuple(legend))


def compute_picture(net, values: bool = True) -> Picture:
    """Every operation of the forward pass with its value and gradient."""
    from ..calculus.compute_graph import compute_graph
    g = compute_graph(net)
    nodes, edges = [], []
    for op in g.nodes:
        leaf = op.op in ("input", "parameter", "target", "mask")
        shown = op.const if isinstance(op.const, sympy.Basic) and op.op in ("multiply", "add", "sum") else None
        head = () if leaf else \
            ((Text(op.op.replace("_", " ")),) + ((Text(" by "), Formula(shown)) if shown is not None else ()),)
        if values:
            body = ((Formula(op.expr), Text(" = "), Num(op.value)),)
            if op.grad is not None:
                body += ((Text("grad = "), Num(op.grad)),)
        else:
            body = ((Formula(op.expr),),)
        nodes.append(Node(op.id, head + body, op.op if leaf else "op"))
        edges.extend(Edge(src, op.id) for src in op.inputs)
    title = shortened(g.network) + (" — one subgraph per sample; each holds its own copy of the parameters, "
                         "whose gradients add up to ∂E/∂p" if net.batched else "")
    return Picture("compute", (Text(title),), tuple(nodes), tuple(edges))


def picture(net, kind: str = "network", *, wrt: Optional[str] = None, backward: bool = False,
            values: bool = True, only_paths: bool = False, max_paths: int = 16) -> Picture:
    """The picture of ``kind`` for ``net``; bad arguments are a ``SpecError``."""
    if kind not in KINDS:
        raise SpecError("--kind", f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    if kind == "paths":
        if wrt is None:
            raise SpecError("--wrt", "the paths picture needs a parameter: --wrt w1")
        return paths_picture(net, net.check_param(wrt), values, only_paths, max_paths)
    if wrt is not None:
        raise SpecError("--wrt", f"a parameter is only used by --kind paths, not {kind}")
    if kind == "compute":
        return compute_picture(net, values)
    return network_picture(net, backward, values)
