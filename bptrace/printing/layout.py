"""Where every node and edge label of a picture goes: positions that bptrace decides.

Provides ``place(pic, measure)`` → ``Layout`` (the geometry is in ``geometry.py``, the
computation graph's layered layout in ``layered.py``).

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
  so on the picture. Past ``MAX_LABELS`` labelled edges nothing is searched and nothing
  listed (``mode="none"``); the note says where the numbers are;
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

from .geometry import SLIDE, Box, crosses, extent, overlapping, slide_width
from .layered import place_layered

PAD = 3.0            # space kept around every text box (points)
LEGEND_GAP = 16.0


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


def node_size(node, measure) -> tuple:
    """A node's drawn size: its text plus padding; a circle is as wide as it is tall."""
    w, h = measure(node.lines, node.role)
    if node.role == "legend":          # a framed box: room for the text's margins
        return w + 24, h + 8
    if node.role in ("title", "note", "table"):
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
    # … and a third of the way into the gap after their column, so that their dashed edges
    # do not run alongside the lowest unit's
    for n in grid:
        if n.role == "bias":
            x = centre[n.col] + col_w[n.col] / 2 + gap / 3 - sizes[n.id][0] / 2
            boxes[n.id] = Box(max(x, centre[n.col]), low - 28 - bias_h / 2, *sizes[n.id])
    labels = {}
    for i, e in enumerate(pic.edges):
        if i not in label_sizes:
            continue
        s, t = boxes[e.tail], boxes[e.head]
        x0, x1 = s.x + s.w / 2, t.x - t.w / 2     # from the source's side to the target's
        w = label_sizes[i][0]       # f = 0: the label touches the source; 1: the target
        lx = x0 + 12 + w / 2 + f * (x1 - x0 - w - 24)
        k = (lx - s.x) / (t.x - s.x)          # the same point on the line between the centres
        labels[i] = Box(lx, s.y + k * (t.y - s.y), *label_sizes[i])
    return boxes, labels


def _clash(boxes, labels, edges=()) -> bool:
    """Two text boxes overlap, or a solid edge other than its own runs through a label
    (a dashed bias edge may: a label on a solid line is still read as that line's)."""
    if overlapping(list(boxes.values()) + list(labels.values()), PAD) is not None:
        return True
    for i, lb in labels.items():
        inner = Box(lb.x, lb.y, lb.w - 2, lb.h - 2)
        for k, e in enumerate(edges):
            if k != i and not e.dashed and crosses(inner, (boxes[e.tail].x, boxes[e.tail].y), (boxes[e.head].x, boxes[e.head].y)):
                return True
    return False


_FRACTIONS = (0.15, 0.22, 0.3, 0.38)
# more labelled edges than this: no labels and no table (the traces list the numbers);
# the search would take seconds and the table would not fit a page
MAX_LABELS = 120
_PITCHES = (1.0, 1.2, 1.45, 1.75, 2.1, 2.5, 3.0, 3.6, 4.3, 5.2)
_GAPS = tuple((g, c) for c in (60, 120, 200, 300) for g in (0.5, 1.0, 1.7))


def _place_grid(pic, measure, sizes, below=(0.0, 0.0)):
    """The candidate (pitch, gap, fraction) without overlaps whose picture, with what goes
    below it (``below``: width, height), fills a 16:9 slide at the largest scale."""
    grid = [n for n in pic.nodes if n.col is not None]
    base_pitch = max(sizes[n.id][1] for n in grid) + 14
    labelled = sum(1 for e in pic.edges if e.lines)
    for mode in ("full", "names", "table") if labelled <= MAX_LABELS else ("none",):
        label_sizes = {}
        for i, e in enumerate(pic.edges):
            lines = e.lines if mode == "full" else e.short if mode == "names" else ()
            if lines:
                w, h = measure(lines, "edge")
                label_sizes[i] = (w + 4, h + 2)
        widest = max([w for w, _ in label_sizes.values()] or [0])
        found = []
        bare = mode in ("table", "none")
        for p in _PITCHES if not bare else _PITCHES[1:2]:
            for g in _GAPS if not bare else _GAPS[3:4]:
                for f in _FRACTIONS:
                    boxes, labels = _grid(pic, sizes, label_sizes, base_pitch * p, widest * g[0] + g[1], f)
                    if _clash(boxes, labels, pic.edges):
                        continue
                    w, h = extent(list(boxes.values()) + list(labels.values()))
                    # near the source is better (hand-drawn figures put labels there)
                    score = slide_width(max(w, below[0]), h + below[1]) * (1 + 0.5 * f)
                    found.append((score, len(found), boxes, labels))
        if found:
            best = min(c[0] for c in found)
            return mode, sorted((c for c in found if c[0] <= best * 1.2), key=lambda c: c[:2])
    return mode, [(0, 0, boxes, {})]


# ----- the whole picture ------------------------------------------------------------------
def place(pic, measure, extra=()) -> Layout:
    """Positions for ``pic``'s nodes and edge labels; ``extra`` are nodes the printer adds
    under the drawing (a table of the numbers, a note), stacked after the legend.

    Of the grid candidates within 20% of the largest scale on a slide, the one whose whole
    picture is no wider than 16:9 and closest to it wins."""
    sizes = {n.id: node_size(n, measure) for n in tuple(pic.nodes) + tuple(pic.legend) + tuple(extra)}
    if not any(n.col is not None for n in pic.nodes):
        return _finish(pic, measure, sizes, place_layered(pic, sizes), {}, "full", extra)
    under = [sizes[n.id] for n in tuple(pic.legend) + tuple(extra)]
    title = measure((pic.title,), "title")[1] + 14 if pic.title else 0
    below = (max([w for w, _ in under] or [0]), sum(h + 6 for _, h in under) + LEGEND_GAP + title + 16)
    mode, candidates = _place_grid(pic, measure, sizes, below)
    done = [_finish(pic, measure, sizes, dict(boxes), labels, mode, extra)
            for _, _, boxes, labels in candidates]
    return min(done, key=lambda lay: (lay.aspect > SLIDE, abs(math.log(lay.aspect / SLIDE))))


def _finish(pic, measure, sizes, boxes, labels, mode, extra) -> Layout:
    """The legend and the printer's extra nodes under the drawing, the title above it."""
    placed = list(boxes.values()) + list(labels.values())
    left = min(b.left for b in placed)
    y = min(b.bottom for b in placed) - LEGEND_GAP
    x = left
    for n in tuple(pic.legend) + tuple(extra):
        nw, nh = sizes[n.id]
        if n.role == "table":              # tables side by side in one band, last
            boxes[n.id] = Box(x + nw / 2, y - nh / 2, nw, nh)
            x += nw + 24
            continue
        boxes[n.id] = Box(left + nw / 2, y - nh / 2, nw, nh)
        y -= nh + 6
    if pic.title:
        tw, th = measure((pic.title,), "title")
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
    w, h = extent(list(boxes.values()) + list(labels.values()))
    return Layout(boxes, labels, mode, round(w + 16, 2), round(h + 16, 2))
