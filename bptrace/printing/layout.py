"""Where every node and edge label of a picture goes: positions that bptrace decides.

Provides ``place(pic, measure)`` → ``Layout``, ``Box``, ``overlapping(boxes)`` and
``SLIDE`` (16:9).

Graphviz's crossing minimisation reorders neurons (i₂ above i₁, h₄ above h₁) and puts
edge labels where there is room, not on their edge, so nothing here is left to it:
- a **grid** picture (the network and paths pictures: every node has ``col`` and
  ``row``) puts column c at x = Σ widths + gaps, row r at y = −r·pitch, each layer's
  units in index order from the top, the bias of a layer at a fixed row below every
  column; each edge's label sits at a fixed fraction ``f`` of its own edge, close to the
  source, as hand-drawn figures do. The pitch, the gap and ``f`` are the first of a few
  candidates (smallest first) under which no two text boxes overlap. When none works
  the edges keep only their names (``mode="names"``), and when even that fails they lose
  their labels (``mode="table"``): the printer then lists the numbers in a table and says
  so on the picture;
- a **layered** picture (the computation graph: nodes without ``col``) gets columns by
  longest path, leaves just before their first reader, rows ordered by barycentre sweeps
  (the order with the fewest crossings wins; ties by the picture's own order), and is
  drawn left to right or top to bottom, whichever is closer to a 16:9 slide.
Legend lines stack under the drawing, the title above it. Coordinates are points, y up
(Graphviz's and TikZ's convention), rounded to 0.01 so the output is deterministic.
``measure(lines, role)`` → (width, height) is the printer's estimate of a text block.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

SLIDE = 16 / 9
PAD = 3.0            # space kept around every text box (points)
LEGEND_GAP = 16.0


@dataclass(frozen=True)
class Box:
    """A box by its centre and size (points, y up)."""
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: "Box", pad: float = 0.0) -> bool:
        return (abs(self.x - other.x) * 2 < self.w + other.w + 2 * pad and
                abs(self.y - other.y) * 2 < self.h + other.h + 2 * pad)

    @property
    def left(self):
        return self.x - self.w / 2

    @property
    def bottom(self):
        return self.y - self.h / 2


@dataclass(frozen=True)
class Layout:
    """Node id → box, edge index → label box, how edge labels are shown, the extent."""
    nodes: dict
    labels: dict
    mode: str = "full"          # full: every label; names: names only; table: no labels
    width: float = 0.0
    height: float = 0.0

    @property
    def aspect(self) -> float:
        return self.width / self.height if self.height else 1.0


def overlapping(boxes, pad: float = 0.0):
    """The first pair (i, j) of boxes that overlap, or None."""
    order = sorted(range(len(boxes)), key=lambda i: boxes[i].left)
    for a, i in enumerate(order):
        for j in order[a + 1:]:
            if boxes[j].left > boxes[i].left + boxes[i].w + 2 * pad:
                break
            if boxes[i].overlaps(boxes[j], pad):
                return (min(i, j), max(i, j))
    return None


def node_size(node, measure) -> tuple:
    """A node's drawn size: its text plus padding; a circle is as wide as it is tall."""
    w, h = measure(node.lines, node.role)
    if node.role in ("title", "note", "legend", "table"):
        return w + 4, h + 4
    if node.shape == "circle":
        d = max(w + 10, h + 10, 30)
        return d, d
    return w + 16, h + 10


def _round(b: Box) -> Box:
    return Box(round(b.x, 2), round(b.y, 2), round(b.w, 2), round(b.h, 2))


# ----- grid pictures: network and paths -----------------------------------------------------
def _grid(pic, sizes, label_sizes, pitch, gap, f):
    """Node boxes and label boxes for one choice of row pitch, column gap and fraction."""
    grid = [n for n in pic.nodes if n.col is not None]
    cols = sorted({n.col for n in grid})
    col_w = {c: max(sizes[n.id][0] for n in grid if n.col == c) for c in cols}
    # the gap before the loss (the last column) needs room for one label, not for a fan
    last = [label_sizes[i][0] for i, e in enumerate(pic.edges) if i in label_sizes and e.head == "E"]
    x, centre = 0.0, {}
    for c in cols:
        if c == cols[-1] and len(cols) > 1:
            x += min(gap, max(last or [0]) * 1.3 + 70) - gap
        centre[c] = x + col_w[c] / 2
        x += col_w[c] + gap
    units = [n for n in grid if n.role != "bias"]
    boxes = {n.id: Box(centre[n.col], -n.row * pitch, *sizes[n.id]) for n in units}
    # the biases on one row a fixed distance under the lowest unit of any layer
    low = min(b.bottom for b in boxes.values())
    bias_h = max([sizes[n.id][1] for n in grid if n.role == "bias"] or [0])
    for n in grid:
        if n.role == "bias":
            boxes[n.id] = Box(centre[n.col], low - 28 - bias_h / 2, *sizes[n.id])
    labels = {}
    for i, e in enumerate(pic.edges):
        if i not in label_sizes:
            continue
        s, t = boxes[e.tail], boxes[e.head]
        x0, x1 = s.x + s.w / 2, t.x - t.w / 2     # from the source's side to the target's
        w = label_sizes[i][0]       # f = 0: the label touches the source; 1: the target
        lx = x0 + 2 * PAD + w / 2 + f * (x1 - x0 - w - 4 * PAD)
        k = (lx - s.x) / (t.x - s.x)          # the same point on the line between the centres
        labels[i] = Box(lx, s.y + k * (t.y - s.y), *label_sizes[i])
    return boxes, labels


def crosses(box: Box, a, b) -> bool:
    """Whether the segment a–b passes through ``box`` (Liang–Barsky clipping)."""
    (x0, y0), (x1, y1) = a, b
    dx, dy = x1 - x0, y1 - y0
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x0 - box.left), (dx, box.left + box.w - x0),
                 (-dy, y0 - box.bottom), (dy, box.bottom + box.h - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            lo = max(lo, r)
        else:
            hi = min(hi, r)
        if lo > hi:
            return False
    return True


def _clash(boxes, labels, edges=()) -> bool:
    """Two text boxes overlap, or an edge other than its own runs through a label."""
    if overlapping(list(boxes.values()) + list(labels.values()), PAD) is not None:
        return True
    for i, lb in labels.items():
        inner = Box(lb.x, lb.y, lb.w - 2, lb.h - 2)
        for k, e in enumerate(edges):
            if k != i and crosses(inner, (boxes[e.tail].x, boxes[e.tail].y), (boxes[e.head].x, boxes[e.head].y)):
                return True
    return False


_FRACTIONS = (0.15, 0.22, 0.3, 0.38)
_PITCHES = (1.0, 1.2, 1.45, 1.75, 2.1, 2.5, 3.0, 3.6)
_GAPS = tuple((g, c) for c in (60, 120, 200, 300) for g in (0.5, 1.0, 1.7))


def slide_width(w: float, h: float) -> float:
    """The width of the smallest 16:9 frame around a w × h picture: the smaller, the larger
    the picture's text when it fills a slide."""
    return max(w, h * SLIDE)


def _place_grid(pic, measure, sizes, below=(0.0, 0.0)):
    """The candidate (pitch, gap, fraction) without overlaps whose picture, with what goes
    below it (``below``: width, height), fills a 16:9 slide at the largest scale."""
    grid = [n for n in pic.nodes if n.col is not None]
    base_pitch = max(sizes[n.id][1] for n in grid) + 14
    for mode in ("full", "names", "table"):
        label_sizes = {}
        for i, e in enumerate(pic.edges):
            lines = e.lines if mode == "full" else e.short if mode == "names" else ()
            if lines:
                w, h = measure(lines, "edge")
                label_sizes[i] = (w + 4, h + 2)
        widest = max([w for w, _ in label_sizes.values()] or [0])
        best = None
        for p in _PITCHES if mode != "table" else _PITCHES[1:]:
            for g in _GAPS if mode != "table" else _GAPS[3:]:
                for f in _FRACTIONS:
                    boxes, labels = _grid(pic, sizes, label_sizes, base_pitch * p, widest * g[0] + g[1], f)
                    if _clash(boxes, labels, pic.edges):
                        continue
                    w, h = _extent(list(boxes.values()) + list(labels.values()))
                    # near the source is better (hand-drawn figures put labels there)
                    score = slide_width(max(w, below[0]), h + below[1]) * (1 + 0.5 * f)
                    if best is None or score < best[0] - 1e-9:
                        best = (score, boxes, labels)
        if best is not None:
            return best[1], best[2], mode
    return boxes, {}, "table"


# ----- layered pictures: the computation graph ------------------------------------------------
def _columns(pic):
    ids = [n.id for n in pic.nodes if n.role not in ("legend", "note", "table", "title")]
    inputs = {i: [] for i in ids}
    readers = {i: [] for i in ids}
    for e in pic.edges:
        inputs[e.head].append(e.tail)
        readers[e.tail].append(e.head)
    col = {}
    for i in ids:                                   # the picture lists a node after its inputs
        col[i] = 1 + max((col[j] for j in inputs[i]), default=-1)
    for i in ids:
        if not inputs[i] and readers[i]:            # a leaf sits just before its first reader
            col[i] = min(col[r] for r in readers[i]) - 1
    return ids, col, inputs, readers


def _crossings(order, inputs):
    """Crossings between edges that join neighbouring columns."""
    pos = {i: k for column in order for k, i in enumerate(column)}
    total = 0
    for c in range(1, len(order)):
        prev = set(order[c - 1])
        pairs = [(pos[t], pos[h]) for h in order[c] for t in inputs[h] if t in prev]
        total += sum(1 for a in range(len(pairs)) for b in range(a + 1, len(pairs))
                     if (pairs[a][0] - pairs[b][0]) * (pairs[a][1] - pairs[b][1]) < 0)
    return total


def _order(ids, col, inputs, readers):
    n_cols = max(col.values()) + 1
    order = [[i for i in ids if col[i] == c] for c in range(n_cols)]
    best, best_x = [list(c) for c in order], _crossings(order, inputs)
    for _ in range(6):
        for sweep in (range(1, n_cols), range(n_cols - 2, -1, -1)):
            for c in sweep:
                pos = {i: k / max(1, len(column) - 1) for column in order for k, i in enumerate(column)}
                near = inputs if sweep.step == 1 else readers

                def key(i, k):
                    ns = [pos[j] for j in near[i] if j in pos] or \
                         [pos[j] for j in (readers[i] if near is inputs else inputs[i]) if j in pos]
                    return (sum(ns) / len(ns) if ns else k / max(1, len(order[c]) - 1), k)
                order[c] = [i for _, i in sorted((key(i, k), i) for k, i in enumerate(order[c]))]
            x = _crossings(order, inputs)
            if x < best_x:
                best, best_x = [list(c) for c in order], x
    return best


def _spread(order, sizes, inputs, readers, across, along, gap):
    """Positions: columns at fixed steps along ``along``; within a column, each node as
    near the mean of its neighbours as the order and spacing allow."""
    step_of = [max(sizes[i][along] for i in column) for column in order]
    pos, at = {}, 0.0
    for c, column in enumerate(order):
        centre_c = at + step_of[c] / 2
        at += step_of[c] + gap[0]
        ideal = []
        for k, i in enumerate(column):
            ns = [pos[j][1] for j in inputs[i] if j in pos]
            ideal.append(sum(ns) / len(ns) if ns else None)
        # nodes without placed neighbours fill in evenly
        span = sum(sizes[i][across] for i in column) + gap[1] * (len(column) - 1)
        y, ys = span / 2, []
        for k, i in enumerate(column):
            even = y - sizes[i][across] / 2
            target = ideal[k] if ideal[k] is not None else even
            if ys:
                prev = column[k - 1]
                target = min(target, ys[-1] - (sizes[prev][across] + sizes[i][across]) / 2 - gap[1])
            ys.append(target)
            y -= sizes[i][across] + gap[1]
        want = [w if w is not None else v for w, v in zip(ideal, ys)]
        shift = sum(w - v for w, v in zip(want, ys)) / len(ys)
        for i, v in zip(column, ys):
            pos[i] = (centre_c, v + shift)
    return pos


def _place_layered(pic, sizes):
    ids, col, inputs, readers = _columns(pic)
    if not ids:
        return {}
    order = _order(ids, col, inputs, readers)
    choices = []
    for flow in ("right", "down"):
        if flow == "right":          # columns left to right, each top to bottom
            pos = _spread(order, sizes, inputs, readers, 1, 0, (60.0, 14.0))
            boxes = {i: Box(x, y, *sizes[i]) for i, (x, y) in pos.items()}
        else:                        # rows top to bottom, each left to right
            pos = _spread(order, sizes, inputs, readers, 0, 1, (46.0, 14.0))
            boxes = {i: Box(-y, -x, *sizes[i]) for i, (x, y) in pos.items()}
        w, h = _extent(boxes.values())
        choices.append((abs(math.log((w / h) / SLIDE)), flow, boxes))
    return min(choices, key=lambda c: c[:2])[2]


def _extent(boxes):
    boxes = list(boxes)
    x0 = min(b.left for b in boxes)
    x1 = max(b.left + b.w for b in boxes)
    y0 = min(b.bottom for b in boxes)
    y1 = max(b.bottom + b.h for b in boxes)
    return x1 - x0, y1 - y0


# ----- the whole picture ------------------------------------------------------------------
def place(pic, measure, extra=()) -> Layout:
    """Positions for ``pic``'s nodes and edge labels; ``extra`` are nodes the printer adds
    under the drawing (a table of the numbers, a note), stacked after the legend."""
    sizes = {n.id: node_size(n, measure) for n in tuple(pic.nodes) + tuple(pic.legend) + tuple(extra)}
    if any(n.col is not None for n in pic.nodes):
        under = [sizes[n.id] for n in tuple(pic.legend) + tuple(extra)]
        below = (max([w for w, _ in under] or [0]), sum(h + 8 for _, h in under) + 40)
        boxes, labels, mode = _place_grid(pic, measure, sizes, below)
    else:
        boxes, labels, mode = _place_layered(pic, sizes), {}, "full"
    placed = list(boxes.values()) + list(labels.values())
    w, h = _extent(placed)
    left = min(b.left for b in placed)
    y = min(b.bottom for b in placed) - LEGEND_GAP
    x = left
    band = 0.0
    for n in tuple(pic.legend) + tuple(extra):
        nw, nh = sizes[n.id]
        if n.role == "table":              # tables side by side in one band
            boxes[n.id] = Box(x + nw / 2, y - nh / 2, nw, nh)
            x += nw + 24
            band = max(band, nh)
            continue
        boxes[n.id] = Box(left + nw / 2, y - nh / 2, nw, nh)
        y -= nh + 6
    if pic.title:
        tw, th = sizes["title"] = measure((pic.title,), "title")
        everything = list(boxes.values()) + list(labels.values())
        x0 = min(b.left for b in everything)
        x1 = max(b.left + b.w for b in everything)
        top = max(b.bottom + b.h for b in everything)
        boxes["title"] = Box((x0 + x1) / 2, top + 10 + th / 2, tw + 4, th + 4)
    everything = list(boxes.values()) + list(labels.values())
    x0 = min(b.left for b in everything)
    y0 = min(b.bottom for b in everything)
    # move the picture to the positive quadrant, with a margin: the same numbers everywhere
    shift = lambda b: _round(Box(b.x - x0 + 8, b.y - y0 + 8, b.w, b.h))   # noqa: E731
    boxes = {k: shift(b) for k, b in boxes.items()}
    labels = {k: shift(b) for k, b in labels.items()}
    w, h = _extent(list(boxes.values()) + list(labels.values()))
    return Layout(boxes, labels, mode, round(w + 16, 2), round(h + 16, 2))
