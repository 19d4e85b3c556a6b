"""A student's ANSWERS file, read as untrusted text: TOML or CSV of named quantities.

Provides ``Answers`` (``values``: name → ``Decimal`` exactly as written, ``student``,
``variant``) and ``read_answers(path, names)`` / ``parse_answers(text, name, names)``.

TOML: ``out_h1 = 0.5933`` per line (floats are kept as the digits written, never as binary
floats; a number in quotes is accepted). CSV: rows ``quantity,answer`` (a header row with
those words is optional). Either may also say ``student`` and ``variant``. Any problem —
not UTF-8, malformed, an unknown quantity, a repeated one, a value that is not a finite
number, a file over 1 MB — is a ``SpecError`` naming the file, the field and the problem.
Nothing is evaluated.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Optional

from ..errors import SpecError
from ..model.spec import read_toml

MAX_BYTES = 1_000_000
MAX_ROWS = 2000
META = ("student", "variant")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?")


@dataclass(frozen=True)
class Answers:
    values: dict            # name → Decimal, in the file's order
    student: Optional[str] = None
    variant: Optional[int] = None


def _short(text) -> str:
    text = str(text)
    return repr(text if len(text) <= 30 else text[:27] + "…")


def _number(value, field: str, file: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        kind = "true/false" if isinstance(value, bool) else type(value).__name__
        raise SpecError(field, f"expected a number, got {kind}", file)
    if isinstance(value, int):
        if abs(value).bit_length() > 300:
            raise SpecError(field, "the number is too long", file)
        return Decimal(value)
    if isinstance(value, Decimal):
        text = str(value)
        if not value.is_finite():
            raise SpecError(field, f"{text} is not a finite number", file)
    else:
        text = value.strip()
    if len(text) > 60 or not _NUMBER.fullmatch(text):
        raise SpecError(field, f"expected a number such as 0.5933, got {_short(value)}", file)
    try:
        return Decimal(text)
    except InvalidOperation:     # the pattern admits only decimals; kept as a guard
        raise SpecError(field, f"expected a number, got {_short(value)}", file) from None


def _check_name(name, names, file: str) -> str:
    if not isinstance(name, str) or name not in names:
        asked = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
        raise SpecError(_short(name)[1:-1] if isinstance(name, str) else "?",
                        f"unknown quantity (this sheet asks for {asked}; see the README's answer names)",
                        file)
    return name


def _meta(key, value, file):
    if key == "student":
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise SpecError("student", "expected a name of 1 to 200 characters", file)
        if any(ch < " " or "\x7f" <= ch <= "\x9f" for ch in value):
            raise SpecError("student", "control characters are not allowed", file)
        return value.strip()
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10_000:
        raise SpecError("variant", f"expected a variant number from 1, got {_short(value)}", file)
    return value


def parse_answers(text: str, file: str, names: list[str] | None = None) -> Answers:
    """``text`` of ANSWERS file ``file`` (TOML unless it ends in .csv), checked against
    ``names`` (None: any name, to learn the file's ``variant`` first; see ``check_names``)."""
    if file.lower().endswith(".csv"):
        pairs = _csv_pairs(text, file)
    else:
        data = read_toml(text, file)
        pairs = []
        for k, v in data.items():
            if isinstance(v, (dict, list)):
                raise SpecError(k, "expected one number, not a table or list", file)
            pairs.append((k, v))
    values, meta = {}, {}
    for key, value in pairs:
        if key in META:
            meta[key] = _meta(key, value, file)
            continue
        name = key if names is None and isinstance(key, str) else _check_name(key, names or [], file)
        if len(name) > 60:
            raise SpecError(name[:30] + "…", "unknown quantity (name too long)", file)
        if name in values:
            raise SpecError(name, "given twice", file)
        values[name] = _number(value, name, file)
    return Answers(values, meta.get("student"), meta.get("variant"))


def _csv_pairs(text: str, file: str):
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as e:          # a NUL byte, a field beyond the csv module's limit
        raise SpecError("CSV", f"malformed: {e}", file) from None
    if len(rows) > MAX_ROWS:
        raise SpecError("CSV", f"more than {MAX_ROWS} rows", file)
    pairs = []
    for i, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if i == 1 and [c.lower() for c in cells[:2]] == ["quantity", "answer"]:
            continue
        if len(cells) != 2:
            raise SpecError(f"row {i}", f"expected two cells (quantity,answer), got {len(cells)}", file)
        pairs.append(tuple(cells))
    return pairs


def check_names(answers: Answers, names: list[str], file: str) -> Answers:
    """``answers`` if every quantity it names is one of ``names``; else the first unknown."""
    for name in answers.values:
        _check_name(name, names, file)
    return answers


def read_answers(path, names: list[str] | None = None) -> Answers:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise SpecError("", f"cannot read: {e.strerror or e}", str(path)) from None
    if len(data) > MAX_BYTES:
        raise SpecError("", f"larger than {MAX_BYTES // 1000} kB: not an answers file", str(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SpecError("", f"not UTF-8 text (byte {e.start})", str(path)) from None
    return parse_answers(text, str(path), names)
