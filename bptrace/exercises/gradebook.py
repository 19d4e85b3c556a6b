"""Marking a class: every ``answers/<id>.toml`` (or ``.csv``) of an exercise folder, one
gradebook CSV.

Provides ``mark_folder(folder, settings, roster, output=None)`` → (the gradebook's path, its
rows). A file's variant is the roster's for its id (the file stem), or else the file's own
``variant``. Any bad file stops the run with a ``SpecError`` naming it, before anything is
written; the gradebook is written to a temporary file and renamed into place.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from ..errors import SpecError
from .answers import check_names, read_answers
from .classlist import spreadsheet_safe
from .folder import make_variants
from .marking import mark
from .report import GRADEBOOK_FIELDS, gradebook_row


def mark_folder(folder, settings, roster: dict, output=None):
    folder = Path(folder)
    files = sorted(p for p in (folder / "answers").glob("*") if p.suffix.lower() in (".toml", ".csv"))
    if not files:
        raise SpecError("answers", "no answers files (answers/<id>.toml or .csv)", str(folder))
    stems = [p.stem for p in files]
    twice = next((s for s in stems if stems.count(s) > 1), None)
    if twice:
        raise SpecError("answers", f"{twice} has both a .toml and a .csv file", str(folder))
    cache, rows = {}, []
    for p in files:
        given = read_answers(p)
        name, number = roster.get(p.stem, (given.student or "", given.variant))
        if number is None:
            raise SpecError("variant", "not in the roster and not given in the file", str(p))
        if number > settings.variants:
            raise SpecError("variant", f"{number} does not exist (variants 1 to {settings.variants})", str(p))
        if number not in cache:
            cache[number] = make_variants(settings, [number])[0]
        v = cache[number]
        rows.append(gradebook_row(mark(v, check_names(given, v.names, str(p)), str(p)), p.stem,
                                  spreadsheet_safe(name)))
    target = Path(output) if output else folder / "gradebook.csv"
    out = io.StringIO()
    w = csv.DictWriter(out, GRADEBOOK_FIELDS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    fd, tmp = tempfile.mkstemp(prefix=".gradebook-", dir=target.resolve().parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(out.getvalue())
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    return target, rows
