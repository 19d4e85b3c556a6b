"""A marking as text: the score, the first wrong step with its likely mistakes and their
fixes, then every blank with the answer, the key and the verdict.

Provides ``marking_text(marking)`` and ``gradebook_row(marking, student_id, name)``.
"""
from __future__ import annotations

from .misconceptions import CATALOGUE
from .rounding import shown
from .sheets import width

VERDICT_TEXT = {"right": "right", "carried": "carried forward", "rounding": "rounding",
                "wrong": "wrong", "missing": "missing"}


def _score(d) -> str:
    return f"{d:f}".rstrip("0").rstrip(".") if "." in f"{d:f}" else f"{d:f}"


def _mistakes(keys) -> list[str]:
    if not keys:
        return ["    no catalogued mistake gives this number: check the arithmetic"]
    lines = []
    if len(keys) > 1:
        lines.append(f"    {len(keys)} mistakes give this same number here; any of them may be the cause:")
    for k in keys:
        m = CATALOGUE[k]
        lines.append(f"    likely mistake {m.number} ({k}): {m.title}")
        lines.append(f"      fix: {m.fix}")
    return lines


def marking_text(m) -> str:
    who = f" — {m.student}" if m.student else ""
    lines = [f"Marking {m.file}{who}: {m.kind}, seed {m.seed}, variant {m.variant} "
             f"({m.digits} significant digits)"]
    counts = ", ".join(f"{m.count(v)} {VERDICT_TEXT[v]}" for v in VERDICT_TEXT if m.count(v))
    lines.append(f"  score {_score(m.score)}/{len(m.rows)} ({counts})")
    first = m.first_wrong
    if first is None:
        lines.append("  no wrong step")
    else:
        lines.append(f"  first wrong step: {first.label} = {first.answer} (key {shown(first.key, m.digits)})")
        lines += _mistakes(first.mistakes)
    wide = max(width(r.label) for r in m.rows)
    answers = [("" if r.answer is None else str(r.answer)) for r in m.rows]
    keys = [shown(r.key, m.digits) for r in m.rows]
    wa, wk = max(map(len, answers + ["answer"])), max(map(len, keys + ["key"]))
    lines.append(f"  {'quantity'.ljust(wide)}  {'answer'.rjust(wa)}  {'key'.rjust(wk)}  verdict")
    for r, a, k in zip(m.rows, answers, keys):
        verdict = VERDICT_TEXT[r.verdict]
        if r.verdict == "carried":
            verdict += f" (from your earlier answers: {shown(r.from_own, m.digits)})"
        elif r.verdict == "rounding":
            verdict += f": give {m.digits} significant digits"
        elif r.verdict == "wrong":
            verdict += ": " + (", ".join(r.mistakes) if r.mistakes else "not a catalogued mistake")
        lines.append(f"  {r.label}{' ' * (wide - width(r.label))}  {a.rjust(wa)}  {k.rjust(wk)}  {verdict}")
    return "\n".join(lines)


GRADEBOOK_FIELDS = ["student_id", "name", "variant", "score", "out_of", "right", "carried",
                    "rounding", "wrong", "missing", "first_wrong_step", "misconceptions"]


def gradebook_row(m, student_id: str, name: str) -> dict:
    first = m.first_wrong
    seen = dict.fromkeys(k for r in m.rows for k in r.mistakes)
    return {"student_id": student_id, "name": name, "variant": m.variant, "score": _score(m.score),
            "out_of": len(m.rows), **{v: m.count(v) for v in VERDICT_TEXT},
            "first_wrong_step": "" if first is None else first.name,
            "misconceptions": ";".join(seen)}
