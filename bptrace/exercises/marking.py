"""Marking one sheet: each answer right within the asked rounding, carried forward, rounded too
coarsely, or wrong — with the first wrong step and the misconceptions that reproduce it.

Provides ``mark(variant, answers)`` → ``Marking`` (rows in dependency order, the first wrong
step, the score) with ``to_dict()``, and ``VERDICTS``.

For each blank, in the order the work is done:
- *right*: within half a unit of the last asked digit of the key (0.5933 for 0.593269992 at
  4 significant digits);
- *rounding*: right, but given with fewer significant digits than asked (half a mark);
- *carried forward*: wrong against the key, but what the step gives from the student's own
  earlier answers (within one unit: those answers were rounded), one of which was wrong —
  an earlier error is not punished twice; it scores as right (with no earlier error, the
  same agreement is simply *right*: the student's rounding carried forward);
- *wrong*: none of these. Each catalogued mistake with a rule for this step is recomputed
  from the student's own earlier answers (and from the key's): those that give the
  student's number are named, all of them when several give the same number;
- *missing*: not answered (the key's value is used for the steps after it).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

import mpmath

from .answers import Answers
from .misconceptions import CATALOGUE
from .rounding import close, shown, written_digits

VERDICTS = ("right", "carried", "rounding", "wrong", "missing")
SCORE = {"right": 1, "carried": 1, "rounding": Decimal("0.5"), "wrong": 0, "missing": 0}


@dataclass(frozen=True)
class Row:
    name: str
    label: str
    answer: Optional[Decimal]
    key: mpmath.mpf
    verdict: str
    from_own: Optional[mpmath.mpf] = None      # the step from the student's earlier answers
    mistakes: tuple = ()                       # misconception keys reproducing the answer

    def to_dict(self, digits: int) -> dict:
        out = {"quantity": self.name, "answer": None if self.answer is None else str(self.answer),
               "key": shown(self.key, digits), "verdict": self.verdict}
        if self.verdict == "carried":
            out["from_your_values"] = shown(self.from_own, digits)
        if self.mistakes:
            out["misconceptions"] = [{"key": k, "number": CATALOGUE[k].number,
                                      "title": CATALOGUE[k].title, "fix": CATALOGUE[k].fix}
                                     for k in self.mistakes]
        return out


@dataclass(frozen=True)
class Marking:
    file: str
    kind: str
    seed: int
    variant: int
    digits: int
    rows: tuple
    student: Optional[str] = None

    @property
    def first_wrong(self) -> Optional[Row]:
        return next((r for r in self.rows if r.verdict == "wrong"), None)

    @property
    def score(self) -> Decimal:
        return sum((Decimal(SCORE[r.verdict]) for r in self.rows), Decimal(0))

    def count(self, verdict: str) -> int:
        return sum(r.verdict == verdict for r in self.rows)

    def to_dict(self) -> dict:
        first = self.first_wrong
        return {"kind": "marking", "file": self.file, "student": self.student,
                "exercise": self.kind, "seed": self.seed, "variant": self.variant,
                "digits": self.digits, "score": float(self.score), "out_of": len(self.rows),
                "counts": {v: self.count(v) for v in VERDICTS},
                "first_wrong_step": None if first is None else first.name,
                "rows": [r.to_dict(self.digits) for r in self.rows]}


def _mp(d: Decimal) -> mpmath.mpf:
    return mpmath.mpf(str(d))


def mark(variant, answers: Answers, file: str = "answers") -> Marking:
    n = variant.digits
    env_own, env_key = variant.env, variant.env
    rows = []
    for q in variant.quantities:
        key = variant.key[q.name]
        a = answers.values.get(q.name)
        if a is None:
            rows.append(Row(q.name, q.label, None, key, "missing"))
            env_own[q.name] = env_key[q.name] = key
            continue
        own = q.rule(env_own)
        coarse = written_digits(a) < n
        if close(a, key, n):
            verdict, mistakes = "right", ()
        elif coarse and (close(a, key, written_digits(a)) or close(a, own, written_digits(a), 1)):
            verdict, mistakes = "rounding", ()
        elif close(a, own, n, 1):
            # from the student's own rounded values: an earlier error carried forward, or —
            # when the step gives the same with the wrong answers replaced by the key's —
            # just their rounding carried forward, which is right
            fixed = {**env_own, **{r.name: r.key for r in rows if r.verdict in ("wrong", "carried")}}
            verdict, mistakes = ("right" if close(a, q.rule(fixed), n, 1) else "carried"), ()
        else:
            verdict = "wrong"
            found = [k for k, v in q.candidates(env_own) if close(a, v, n, 1)]
            found += [k for k, v in q.candidates(env_key) if close(a, v, n)]
            mistakes = tuple(dict.fromkeys(found))
        rows.append(Row(q.name, q.label, a, key, verdict, own, mistakes))
        env_own[q.name] = _mp(a)
        env_key[q.name] = key
    return Marking(file, variant.kind, variant.seed, variant.number, n, tuple(rows), answers.student)
