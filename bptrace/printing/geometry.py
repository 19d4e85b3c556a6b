"""Boxes and lines in the plane: what the layouts test before they place anything.

Provides ``Box`` (centre and size, points, y up), ``overlapping(boxes, pad)``,
``crosses(box, a, b)`` (a segment through a box), ``extent(boxes)`` and
``slide_width(w, h)`` (the width of the smallest 16:9 frame around a picture), ``SLIDE``.
"""
from __future__ import annotations

from dataclasses import dataclass

SLIDE = 16 / 9


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


def slide_width(w: float, h: float) -> float:
    """The width of the smallest 16:9 frame around a w × h picture: the smaller, the larger
    the picture's text when it fills a slide."""
    return max(w, h * SLIDE)


def extent(boxes):
    boxes = list(boxes)
    x0 = min(b.left for b in boxes)
    x1 = max(b.left + b.w for b in boxes)
    y0 = min(b.bottom for b in boxes)
    y1 = max(b.bottom + b.h for b in boxes)
    return x1 - x0, y1 - y0
