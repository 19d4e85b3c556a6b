"""The computation graph's layout: a layered drawing of a DAG, decided by bptrace.

Provides ``place_layered(pic, sizes)`` → node id → ``Box``: columns by longest path,
each leaf just before its first reader; rows ordered by barycentre sweeps (the order with
the fewest crossings between neighbouring columns wins; ties by the picture's order);
each node as near the mean of its inputs as the order allows (nodes reading the same
inputs spread over them); drawn left to right or top to bottom with the column gap that
lets the fewest edges run through a node they do not join, then whichever fills a 16:9
slide at the larger scale.
"""
from __future__ import annotations

from .geometry import Box, crosses, extent, slide_width


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


# above this many nodes the graph keeps the picture's own order and one column gap: the
# sweeps and the edge-through-node search grow with the square of the size (a 8-16-16-4
# network's graph, ≈450 nodes, takes seconds; one ten times larger would take minutes)
LARGE = 300


def _order(ids, col, inputs, readers):
    n_cols = max(col.values()) + 1
    order = [[i for i in ids if col[i] == c] for c in range(n_cols)]
    best, best_x = [list(c) for c in order], _crossings(order, inputs)
    for _ in range(6 if len(ids) <= LARGE else 0):
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
        # nodes that read the same inputs (softmax: every p_j reads every logit) are
        # spread over those inputs in order, not stacked on their mean
        groups = {}
        for k, i in enumerate(column):
            if len(inputs[i]) > 1:
                groups.setdefault(tuple(inputs[i]), []).append(k)
        for ins, ks in groups.items():
            spots = sorted((pos[j][1] for j in ins if j in pos), reverse=True)
            if len(ks) > 1 and len(spots) >= len(ks):
                for n, k in enumerate(ks):
                    ideal[k] = spots[round(n * (len(spots) - 1) / (len(ks) - 1))]
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


def place_layered(pic, sizes):
    ids, col, inputs, readers = _columns(pic)
    if not ids:
        return {}
    order = _order(ids, col, inputs, readers)
    edges = [(e.tail, e.head) for e in pic.edges]
    choices = []
    for flow in ("right", "down"):
        # the gap between columns that lets the fewest edges run through a node they do
        # not join (the smallest such gap)
        tries = []
        for gap in (40.0, 60.0, 90.0, 130.0, 180.0) if len(ids) <= LARGE else (90.0,):
            if flow == "right":          # columns left to right, each top to bottom
                pos = _spread(order, sizes, inputs, readers, 1, 0, (gap, 14.0))
                boxes = {i: Box(x, y, *sizes[i]) for i, (x, y) in pos.items()}
            else:                        # rows top to bottom, each left to right
                pos = _spread(order, sizes, inputs, readers, 0, 1, (gap * 0.75, 14.0))
                boxes = {i: Box(-y, -x, *sizes[i]) for i, (x, y) in pos.items()}
            tries.append((_through(boxes, edges) if len(ids) <= LARGE else 0, gap, boxes))
            if not tries[-1][0]:
                break
        bad, _, boxes = min(tries, key=lambda t: t[:2])
        w, h = extent(boxes.values())
        choices.append((bad, slide_width(w, h), flow, boxes))
    # the fewest edges through nodes, then the smallest 16:9 frame: the largest text on a slide
    return min(choices, key=lambda c: c[:3])[3]


def _through(boxes, edges) -> int:
    """How many edges run through a node other than their two ends."""
    count = 0
    for t, h in edges:
        a, b = (boxes[t].x, boxes[t].y), (boxes[h].x, boxes[h].y)
        lo_x, hi_x = min(a[0], b[0]), max(a[0], b[0])
        for k, box in boxes.items():
            if k in (t, h) or box.left > hi_x or box.left + box.w < lo_x:
                continue
            if crosses(Box(box.x, box.y, box.w - 4, box.h - 4), a, b):
                count += 1
                break
    return count
