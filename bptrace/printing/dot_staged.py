"""The picture of a staged expression: the computation graph as it is drawn on the board.

Provides ``layout(trace, digits=4, decimals=None)`` → ``Layout`` (every node, edge and label
with its position in inches), ``gate_label(node)`` (+, ×, exp, σ, 1/x, + 1, ×(-1), or a
grouped stage's formula) and ``to_dot_staged(trace, …)`` — DOT source; the TikZ printer
(``tikz_staged.py``) draws the same ``Layout``.

The layout is bptrace's own, layered: each gate one column after its latest operand, each
input one column before its first gate, the output's name last; rows follow the inputs in
the order the expression uses them, and a gate sits at the mean height of its operands (a
tree looks like a tree). Positions are pinned (``layout=neato``, ``pin``), so the embedded
Graphviz and the system ``dot`` draw the same picture. Every edge carries the forward value
above it, in green, written ``x = -2``, and the gradient below it, in red, written
``∂f/∂x = -4`` — the words say which is which, so the picture reads without colour too. An
operand used more than once has one edge per use, each labelled with its branch, and the
sum under its name. Labels are plain text with Unicode subscripts; every user string is
escaped by ``dot_escape``; node ids are positional. Same trace, same bytes.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..lessons.expression import BinOp, Param, _to_sympy
from ..lessons.staged_trace import StagedTrace
from ..model.numbers import fmt
from .dot import dot_escape, unicode_name
from .expr import formula as plain_formula
from .latex_expr import escape_text, number_latex
from .latex_notation import symbol
from .latex_staged import formula as latex_formula
from .text_staged import formula

GREEN, RED = "#1a7f37", "#c62828"
COLUMN, ROW = 2.6, 1.4
MAX_GATES = 60          # inches between columns, between input rows
FONT, LABEL_FONT = 16, 12        # points
LABEL_HEIGHT = LABEL_FONT * 1.25 / 72   # inches
_SYMBOLS = {"add": "+", "sub": "-", "mul": "×", "div": "÷", "pow": "^"}
_TEX = {"add": "+", "sub": "-", "mul": r"\times", "div": r"\div", "pow": r"(\cdot)^{y}",
        "exp": r"\exp", "log": r"\log", "sqrt": r"\sqrt{\ }", "sin": r"\sin", "cos": r"\cos",
        "tanh": r"\tanh", "sigmoid": r"\sigma", "neg": r"\times(-1)"}
_FUNCS = {"exp": "exp", "log": "log", "sqrt": "√", "sin": "sin", "cos": "cos", "tanh": "tanh",
          "sigmoid": "σ", "neg": "×(-1)"}


def gate_label(node) -> str:
    """The gate's symbol; a constant operand is shown in it (+ 1, × 2, 1/x, ^2)."""
    if node.gate == "stage":
        return f"{unicode_name(node.name)} = {formula(node.formula, unicode_name)}"
    if node.gate in _FUNCS:
        return _FUNCS[node.gate]
    t = node.tree
    if node.gate == "max":      # max(x, 0): the constant shown in the gate
        const = [s for s in (t.left, t.right) if not isinstance(s, Param)]
        return f"max(·, {plain_formula(_to_sympy(const[0], {}))})" if const else "max"
    if not isinstance(t, BinOp) or (isinstance(t.left, Param) and isinstance(t.right, Param)):
        return _SYMBOLS[node.gate]
    if isinstance(t.right, Param):      # the constant is on the left
        c = plain_formula(_to_sympy(t.left, {}))
        return {"add": f"+ {c}", "sub": f"{c} -", "mul": f"× {c}", "div": f"{c}/x",
                "pow": f"{c}^x"}[node.gate]
    c = plain_formula(_to_sympy(t.right, {}))
    return {"add": f"+ {c}", "sub": f"- {c}", "mul": f"× {c}", "div": f"÷ {c}",
            "pow": f"^{c}"}[node.gate]


def gate_tex(node) -> str:
    """``gate_label`` in LaTeX math."""
    if node.gate == "stage":
        return f"{symbol(node.name)} = {latex_formula(node.formula)}"
    t = node.tree
    if node.gate == "max":
        const = [s for s in (t.left, t.right) if not isinstance(s, Param)]
        return rf"\max(\cdot, {latex_formula(_to_sympy(const[0], {}))})" if const else r"\max"
    if node.gate in _FUNCS or not isinstance(t, BinOp) or (
            isinstance(t.left, Param) and isinstance(t.right, Param)):
        return _TEX[node.gate]
    if isinstance(t.right, Param):
        c = latex_formula(_to_sympy(t.left, {}))
        return {"add": f"+{c}", "sub": f"{c}-", "mul": rf"\times {c}", "div": f"{c}/x",
                "pow": f"{c}^{{x}}"}[node.gate]
    c = latex_formula(_to_sympy(t.right, {}))
    return {"add": f"+{c}", "sub": f"-{c}", "mul": rf"\times {c}", "div": rf"\div {c}",
            "pow": rf"(\cdot)^{{{c}}}"}[node.gate]


@dataclass(frozen=True)
class Box:
    """A node of the picture: ``kind`` is input, gate, stage, output, value or gradient."""

    id: str
    kind: str
    text: str
    x: float
    y: float
    tex: str = ""        # the same label in LaTeX (text mode), for TikZ


@dataclass(frozen=True)
class Arrow:
    tail: str
    head: str


@dataclass(frozen=True)
class Layout:
    title: str
    title_tex: str
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]


def _width(text: str, points: float) -> float:
    """Roughly how wide ``text`` is, in inches (Helvetica's average advance ≈ 0.55 em)."""
    return len(text) * points * 0.55 / 72


def _columns(t: StagedTrace) -> dict[str, int]:
    col: dict[str, int] = {}
    for n in t.gates:
        col[n.name] = 1 + max((col[a] for a in n.args if a in col), default=0)
    for x in t.inputs:
        col[x] = min(col[e.gate] for e in t.edges if e.child == x) - 1
    return col


def _rows(t: StagedTrace, col: dict[str, int]) -> dict[str, float]:
    """Inputs in the order the forward pass first reads them; a gate at its operands' mean;
    then, column by column, nodes pushed apart to at least one row between them."""
    order = []
    for n in t.gates:
        order += [a for a in n.args if a in t.at and a not in order]
    uses = {x: sum(e.child == x for e in t.edges) for x in order}
    row, y = {}, 0.0
    for i, x in enumerate(order):    # an input used n times gets room for its n edges
        if i:
            y += max(1.0, (uses[order[i - 1]] + uses[x]) / 3)
        row[x] = y
    rank = {name: i for i, name in enumerate(order + [n.name for n in t.gates])}
    for c in range(max(col.values()) + 1):
        here = [n for n in t.gates if col[n.name] == c]
        for n in here:
            ys = [row[a] for a in n.args]
            row[n.name] = sum(ys) / len(ys)
        names = sorted([k for k in col if col[k] == c], key=lambda k: (row[k], rank[k]))
        for above, below in zip(names, names[1:]):
            row[below] = max(row[below], row[above] + 1)
    return row


def _half(text: str, kind: str) -> float:
    """Half a node's width in inches: a name, a round gate, or a grouped stage's box."""
    if kind == "gate":
        return max(0.3, _width(text, FONT) / 2 + 0.12)
    if kind == "stage":
        return _width(text, FONT - 2) / 2 + 0.15
    return _width(text, FONT + 2) / 2 + 0.05


def _clear(direction, width: float, side: int) -> tuple[float, float]:
    """The offset that puts a label of ``width`` beside a line running in ``direction``,
    just clear of it: above it (side −1) or below (side +1)."""
    dx, dy = direction
    length = (dx * dx + dy * dy) ** 0.5
    nx, ny = dy / length, -dx / length              # the normal pointing up (y grows down)
    reach = width / 2 * abs(nx) + LABEL_HEIGHT / 2 * abs(ny) + 0.05
    return -side * nx * reach, -side * ny * reach


def _route(start, end, points):
    """The straight line from ``start`` to ``end``; if it would pass through a node in the
    columns between them, a lane above (or below) those columns instead: two bends."""
    (x0, y0), (x1, y1) = start, end
    between = [(px, py) for px, py in points if x0 + 0.5 < px < x1 - 0.5]
    hit = any(abs(py - (y0 + (y1 - y0) * (px - x0) / (x1 - x0))) < 0.6 * ROW for px, py in between)
    if not hit:
        return [start, end]
    top = min(py for _, py in between) - 0.9 * ROW
    bottom = max(py for _, py in between) + 0.9 * ROW
    lane = top if abs(top - (y0 + y1) / 2) <= abs(bottom - (y0 + y1) / 2) else bottom
    first, last = min(px for px, _ in between), max(px for px, _ in between)
    return [start, (first - 0.3 * COLUMN, lane), (last + 0.3 * COLUMN, lane), end]


def layout(t: StagedTrace, digits: int = 4, decimals=None) -> Layout:
    """Where everything goes (see the module docstring); y grows downwards, in inches.

    Raises ``ValueError`` beyond ``MAX_GATES`` gates: no board holds that picture."""
    if len(t.gates) > MAX_GATES:
        raise ValueError(f"{len(t.gates)} stages are too many to draw (at most {MAX_GATES}): "
                         "group them with --stages")

    def num(x):
        return fmt(x, digits, decimals)

    def tnum(x):
        return number_latex(num(x))

    def d(name):
        return rf"\partial {symbol(t.output)}/\partial {symbol(name)}"

    f = unicode_name(t.output)
    col = _columns(t)
    row = _rows(t, col)
    col["<out>"], row["<out>"] = col[t.output] + 1, row[t.output]
    ids = {x: f"x{i}" for i, x in enumerate(t.inputs, 1)}
    ids.update({n.name: f"g{i}" for i, n in enumerate(t.gates, 1)})
    ids["<out>"] = "out"
    text = {x: unicode_name(x) for x in t.inputs}
    text.update({n.name: gate_label(n) for n in t.gates})
    text["<out>"] = f
    kinds = {n.name: "stage" if n.gate == "stage" else "gate" for n in t.gates}
    half = {k: _half(v, kinds.get(k, "name")) for k, v in text.items()}
    # columns as wide as their widest node needs: a grouped stage's formula is a wide box
    width = [max(half[k] for k in col if col[k] == c) for c in range(max(col.values()) + 1)]
    left = [0.0]
    for c in range(1, len(width)):
        left.append(left[-1] + max(COLUMN, width[c - 1] + width[c] + 1.9))
    pos = {k: (left[col[k]], row[k] * ROW) for k in ids}
    boxes = [Box(ids[x], "input", text[x], *pos[x], f"${symbol(x)}$") for x in t.inputs]
    boxes += [Box(ids[n.name], "stage" if n.gate == "stage" else "gate", text[n.name], *pos[n.name],
                  f"${gate_tex(n)}$") for n in t.gates]
    boxes.append(Box("out", "output", f, *pos["<out>"], f"${symbol(t.output)}$"))
    points = list(pos.values())
    arrows: list[Arrow] = []

    def labels(key, start, towards, value, grad, along=0.5, trim=(0.0, 0.0)):
        """``value`` and ``grad`` are (text, LaTeX) pairs, or None; ``trim`` is how far the
        nodes at either end reach along x (labels go on the line between them)."""
        (x0, y0), (x1, y1) = start, towards
        run = x1 - x0
        if run > sum(trim) + 0.3:
            a, b = trim[0] / run, 1 - trim[1] / run
            (x0, y0), (x1, y1) = (x0 + a * run, y0 + a * (y1 - y0)), (x0 + b * run, y0 + b * (y1 - y0))
        mx, my = x0 + along * (x1 - x0), y0 + along * (y1 - y0)
        for kind, label, side in (("value", value, -1), ("gradient", grad, 1)):
            if label:
                dx, dy = _clear((x1 - x0, y1 - y0), _width(label[0], LABEL_FONT), side)
                boxes.append(Box(f"l{kind[0]}{key}", kind, label[0], mx + dx, my + dy, label[1]))

    def draw(key, tail, start, head):
        route = _route(start, pos[head], points)
        chain = [tail] + [f"p{key}_{i}" for i in range(1, len(route) - 1)] + [ids[head]]
        boxes.extend(Box(f"p{key}_{i}", "bend", "", x, y) for i, (x, y) in enumerate(route[1:-1], 1))
        arrows.extend(Arrow(a, b) for a, b in zip(chain, chain[1:]))
        return route

    # an operand used more than once: one stem to a junction carrying its value and the
    # summed gradient, then one branch per use carrying that branch's contribution
    junction = {}
    for fan in t.fanouts:        # the value by the name, the summed gradient under it
        x, y = pos[fan.node]
        box = next(b for b in boxes if b.id == ids[fan.node])
        if fan.node in t.at:
            half[fan.node] = _half(f"{text[fan.node]} = {num(t.values[fan.node])}", "name")
        jid, jpos = f"j{ids[fan.node]}", (x + max(0.3 * COLUMN, half[fan.node] + 0.35), y)
        junction[fan.node] = (jid, jpos)
        boxes.append(Box(jid, "junction", "", *jpos))
        arrows.append(Arrow(ids[fan.node], jid))
        v = t.values[fan.node]
        value = (f"{unicode_name(fan.node)} = {num(v)}", f"${symbol(fan.node)} = {tnum(v)}$")
        if fan.node in t.at:
            boxes[boxes.index(box)] = Box(box.id, "input", value[0], x, y, value[1])
        else:
            boxes.append(Box(f"{jid}v", "value", *value[:1], x, y - 0.45, value[1]))
        boxes.append(Box(f"{jid}s", "gradient", f"Σ ∂{f}/∂{unicode_name(fan.node)} = {num(fan.value)}",
                         x, y + (0.33 if fan.node in t.at else 0.45),
                         rf"$\sum {d(fan.node)} = {tnum(fan.value)}$"))
    uses = [(e.child, e.gate, e) for g in t.gates for e in t.edges_of(g.name)]
    for k, (child, gate, e) in enumerate(uses + [(t.output, "<out>", None)], 1):
        if child in junction:
            jid, jpos = junction[child]
            route = draw(k, jid, jpos, gate)
            labels(k, jpos, route[1], None, (f"branch {e.branch} = {num(e.product)}",
                                             f"branch {e.branch} $= {tnum(e.product)}$"), along=0.5)
            continue
        route = draw(k, ids[child], pos[child], gate)
        g = 1 if e is None else e.product
        grad = (f"∂{f}/∂{unicode_name(child)} = {num(g)}", f"${d(child)} = {tnum(g)}$")
        value = (f"{unicode_name(child)} = {num(t.values[child])}",
                 f"${symbol(child)} = {tnum(t.values[child])}$")
        # converging edges are furthest apart near their tails
        along = 0.5 if route[1][1] == route[0][1] or len(route) > 2 else 0.42
        labels(k, route[0], route[1], value, grad, along,
               trim=(half[child], half[gate] if len(route) == 2 else 0.0))
    typed = " ".join(t.text.split())
    title = f"{t.output} = {typed} at " + ", ".join(f"{x} = {num(v)}" for x, v in t.at.items())
    title_tex = (f"${symbol(t.output)}$ = \\texttt{{{escape_text(typed)}}} at "
                 + ", ".join(f"${symbol(x)} = {tnum(v)}$" for x, v in t.at.items()))
    return Layout(title, title_tex, tuple(boxes), tuple(arrows))


_STYLE = {
    "input": f'shape=plaintext fontsize={FONT + 2}',
    "output": f'shape=plaintext fontsize={FONT + 2}',
    "gate": f'shape=circle fontsize={FONT} width=0.6 style=filled fillcolor="#F4F4F4"',
    "wide gate": f'shape=ellipse fontsize={FONT} height=0.6 style=filled fillcolor="#F4F4F4"',
    "stage": f'shape=box style="rounded,filled" fillcolor="#F4F4F4" fontsize={FONT - 2}',
    "bend": 'shape=point width=0.01 height=0.01 style=invis',
    "junction": 'shape=point width=0.09 height=0.09',
    "value": f'shape=plaintext fontsize={LABEL_FONT} fontcolor="{GREEN}" margin=0 height=0',
    "gradient": f'shape=plaintext fontsize={LABEL_FONT} fontcolor="{RED}" margin=0 height=0',
}


def _quote(text: str) -> str:
    return '"' + "\\n".join(dot_escape(line) for line in text.split("\n")) + '"'


def to_dot_staged(t: StagedTrace, digits: int = 4, decimals=None) -> str:
    """The computation graph of ``t`` as DOT source (see the module docstring)."""
    lay = layout(t, digits, decimals)
    out = ["digraph staged {",
           f"\tgraph [layout=neato splines=false outputorder=edgesfirst fontname=Helvetica "
           f"fontsize={FONT} label={_quote(lay.title)} labelloc=t pad=0.3]",
           "\tnode [fontname=Helvetica pin=true]",
           "\tedge [arrowsize=0.8 penwidth=1.2]"]
    for b in lay.boxes:
        kind = "wide gate" if b.kind == "gate" and len(b.text) > 3 else b.kind
        out.append(f'\t{b.id} [label={_quote(b.text)} pos="{b.x:.3f},{-b.y:.3f}!" {_STYLE[kind]}]')
    bends = {b.id for b in lay.boxes if b.kind in ("bend", "junction")}
    for a in lay.arrows:
        out.append(f"\t{a.tail} -> {a.head}" + (" [arrowhead=none]" if a.head in bends else ""))
    out.append("}")
    return "\n".join(out) + "\n"
