"""A class list (CSV, untrusted) and the roster that pairs each student with a variant.

Provides ``Student`` (``id``, ``name``), ``read_class_list(path)``, ``spreadsheet_safe(cell)``
(the roster and gradebook are opened in spreadsheets: no cell starts a formula) and
``assign(students, variants)`` (student k gets variant k, cycling when there are fewer variants than
students). The CSV needs a header row with ``id`` and ``name`` columns (others are
ignored). An id names the student's files, so it is 1–40 of ``A–Z a–z 0–9 . _ -`` and does
not start with a dot or a dash; names are 1–200 characters without control characters (any script:
Chinese names are set with xelatex). Every problem is a ``SpecError`` naming the file, the
row and the field.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import SpecError

MAX_STUDENTS = 1000
_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,39}")


@dataclass(frozen=True)
class Student:
    id: str
    name: str


def parse_class_list(text: str, file: str) -> list[Student]:
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as e:          # a NUL byte, a field beyond the csv module's limit
        raise SpecError("CSV", f"malformed: {e}", file) from None
    if not rows:
        raise SpecError("header", "empty file: expected a header row with id and name", file)
    header = [c.strip().lower() for c in rows[0]]
    if "id" not in header or "name" not in header:
        raise SpecError("header", f"expected columns id and name, got {', '.join(header) or 'none'}", file)
    ci, cn = header.index("id"), header.index("name")
    students, seen = [], {}
    for r, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise SpecError(f"row {r}", f"expected {len(header)} cells like the header, got {len(row)}", file)
        sid, name = row[ci].strip(), row[cn].strip()
        if not _ID.fullmatch(sid):
            raise SpecError(f"row {r}: id", f"{sid[:30]!r} is not 1-40 of letters, digits, '.', '_', '-' "
                                             "(it names the student's files)", file)
        if sid in seen:
            raise SpecError(f"row {r}: id", f"{sid!r} already used in row {seen[sid]}", file)
        if not name or len(name) > 200:
            raise SpecError(f"row {r}: name", "expected 1 to 200 characters", file)
        if any(ch < " " or "\x7f" <= ch <= "\x9f" for ch in name):
            raise SpecError(f"row {r}: name", "control characters are not allowed", file)
        seen[sid] = r
        students.append(Student(sid, name))
        if len(students) > MAX_STUDENTS:
            raise SpecError(f"row {r}", f"more than {MAX_STUDENTS} students", file)
    if not students:
        raise SpecError("rows", "no students listed", file)
    return students


def read_class_list(path) -> list[Student]:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise SpecError("", f"cannot read: {e.strerror or e}", str(path)) from None
    if len(data) > 2_000_000:
        raise SpecError("", "larger than 2 MB: not a class list", str(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SpecError("", f"not UTF-8 text (byte {e.start})", str(path)) from None
    return parse_class_list(text, str(path))


def spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula: a leading = + - @ gets a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def assign(students: list[Student], variants: int) -> list[tuple[Student, int]]:
    return [(s, k % variants + 1) for k, s in enumerate(students)]
