"""bptrace's numbers beside torch's, summarised: ``Comparison`` and ``compare(pairs, against)``.

Used by the optimizer, schedule and dropout checks, which compare hundreds of values
(every gradient, state variable and parameter of every step): the summary keeps the
count, the number beyond tolerance and the worst pair with both numbers, so a failure
shows what disagreed and by how much (HIPS/autograd's habit).

A pair agrees when |ours − torch| ≤ max(rtol·max(|torch|, scale), atol): relative, with
an absolute floor for values that are (nearly) zero. ``scale`` (optional, per pair) is the
largest magnitude the same quantity reaches over the run — e.g. a gradient's at step 1.
float64 computes a gradient near a minimum with cancellation ((w2 + 2) when w2 ≈ −2), so
torch's own error there is relative to the terms, not to the tiny result; the scale says
so explicitly. ``max_rel_diff`` still reports the plain pointwise relative difference.
"""
from __future__ import annotations

from dataclasses import dataclass

RTOL, ATOL = 1e-12, 1e-15


@dataclass(frozen=True)
class Comparison:
    """The summary of comparing ``count`` values with torch (float64)."""

    against: str            # what ran in torch, e.g. torch.optim.Adam
    count: int
    failures: int
    worst: str              # the quantity furthest beyond (or closest to) its tolerance
    ours: float
    theirs: float
    abs_diff: float
    rel_diff: float         # |ours − torch| / |torch| of the worst pair (inf if torch is 0)
    max_rel_diff: float     # the largest relative difference over pairs with torch ≠ 0
    rtol: float
    atol: float

    @property
    def ok(self) -> bool:
        return self.failures == 0

    def to_dict(self) -> dict:
        return {"kind": "comparison", "against": self.against, "count": self.count,
                "failures": self.failures, "ok": self.ok, "rtol": self.rtol, "atol": self.atol,
                "max_rel_diff": self.max_rel_diff,
                "worst": {"quantity": self.worst, "bptrace": _finite(self.ours),
                          "torch": _finite(self.theirs), "abs_diff": _finite(self.abs_diff),
                          "rel_diff": _finite(self.rel_diff)}}


def _finite(x: float):
    """JSON has no inf/NaN: those become null."""
    return x if x == x and abs(x) != float("inf") else None


def compare(pairs, against: str, rtol: float = RTOL, atol: float = ATOL) -> Comparison:
    """Summarise ``(quantity, ours, theirs[, scale])`` tuples; ``ours`` may be an mpf."""
    count = failures = 0
    worst, worst_ratio, max_rel = None, -1.0, 0.0
    for quantity, ours, theirs, *scale in pairs:
        ours, theirs = float(ours), float(theirs)
        diff = 0.0 if ours == theirs else abs(ours - theirs)   # equal infinities agree
        allowed = max(rtol * max([abs(theirs)] + [abs(float(x)) for x in scale]), atol)
        ratio = diff / allowed if diff == diff else float("inf")   # NaN from torch: a failure
        count += 1
        failures += ratio > 1
        if theirs != 0:
            max_rel = max(max_rel, diff / abs(theirs))
        if ratio > worst_ratio:
            worst_ratio, worst = ratio, (quantity, ours, theirs, diff)
    if worst is None:
        raise ValueError("nothing to compare")
    quantity, ours, theirs, diff = worst
    rel = diff / abs(theirs) if theirs else (0.0 if diff == 0 else float("inf"))
    return Comparison(against, count, failures, quantity, ours, theirs, diff, rel, max_rel,
                      rtol, atol)
