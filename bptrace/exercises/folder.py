"""An exercise folder: what ``bptrace exercise new -o DIR`` writes and ``mark``/``mark-class``
read back.

Provides ``Settings`` (everything that regenerates the variants: kind, seed, number of
variants, digits, activation, loss, shape, optimizer, the spec's text, language),
``make_variants(settings, numbers)``, ``write_folder(path, settings, students, pdf)`` and
``read_folder(path)`` → (settings, roster).

The folder holds ``exercise.json`` (the settings), ``spec.toml`` (when drawn on a spec),
``sheets.txt``, ``sheets.json``, ``sheets.tex``, ``sheets.html``, ``key.json``, ``key.tex``,
``key.html`` (``.pdf`` beside each ``.tex`` with ``--pdf``), ``templates/`` (an answers file to fill in per variant or per
student) and, with a class list, ``roster.csv`` (id, name, variant) and ``students/<id>.tex``
(and ``.pdf``). Everything is written into a fresh temporary folder next to ``path`` and
renamed into place only when all of it succeeded, so a failure leaves nothing behind;
``path`` must not exist or be empty. Students hand their answers in as
``answers/<id>.toml`` (or ``.csv``) for ``mark-class``.
"""
from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

from ..errors import SpecError
from .classlist import Student, assign, spreadsheet_safe
from .generate import KINDS, exercise, template_of, variant
from .sheet_html import key_html, sheets_html
from .sheet_latex import engine, key_latex, sheets_latex
from .sheets import answers_template, key_dict, sheet_dict, sheet_text, to_json


@dataclass(frozen=True)
class Settings:
    kind: str
    seed: int
    variants: int
    digits: int = 4
    activation: str = "sigmoid"
    loss: str = "half_sse"
    shape: tuple = (2, 2, 2)
    optimizer: str = "adam"
    spec_text: Optional[str] = field(default=None, repr=False)
    spec_name: Optional[str] = None
    lang: str = "en"

    def options(self) -> dict:
        spec_net = None
        if self.spec_text is not None:
            from ..model.spec import loads
            file = self.spec_name or "spec.toml"
            spec_net = loads(self.spec_text, file)
            try:
                template_of(spec_net)      # a structure exercises can be drawn on
            except SpecError as e:
                raise SpecError(e.field.removeprefix("SPEC"), e.problem, file) from None
        return dict(digits=self.digits, activation=self.activation, loss=self.loss,
                    shape=tuple(self.shape), optimizer=self.optimizer, spec_net=spec_net)


def make_variants(s: Settings, numbers=None) -> list:
    opts = s.options()
    if numbers is None:
        return exercise(s.kind, s.seed, s.variants, **opts)
    return [variant(s.kind, s.seed, n, **opts) for n in numbers]


def _check_target(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise SpecError("-o", f"{path} exists and is not an empty folder: choose a new one "
                              "(nothing is overwritten)")


def write_folder(path, s: Settings, students: Optional[list[Student]] = None, pdf: bool = False) -> list[str]:
    """Write the folder (see the module docstring); returns the files written, relative."""
    path = Path(path)
    _check_target(path)
    parent = path.resolve().parent
    if not parent.is_dir():
        raise SpecError("-o", f"{parent} is not a folder")
    pairs = assign(students, s.variants) if students else None
    variants = make_variants(s)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}-", dir=parent))
    try:
        files = _write(tmp, s, variants, pairs, pdf)
        if path.exists():
            path.rmdir()
        tmp.rename(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return files


def _write(root: Path, s: Settings, variants, pairs, pdf: bool) -> list[str]:
    files = {}
    settings = asdict(s)
    settings.pop("spec_text")
    settings["exercise"] = settings.pop("kind")
    settings["shape"] = list(s.shape)
    files["exercise.json"] = to_json({"kind": "exercise_settings", **settings})
    if s.spec_text is not None:
        files["spec.toml"] = s.spec_text
    files["sheets.txt"] = "\n\n".join(sheet_text(v) for v in variants) + "\n"
    files["sheets.json"] = to_json([sheet_dict(v) for v in variants])
    files["sheets.tex"] = sheets_latex(variants, lang=s.lang)
    files["key.json"] = to_json([key_dict(v) for v in variants])
    files["key.tex"] = key_latex(variants, s.lang)
    files["sheets.html"] = sheets_html(variants, s.lang)
    files["key.html"] = key_html(variants, s.lang)
    for v in variants:
        files[f"templates/variant-{v.number:03d}.toml"] = answers_template(v)
    if pairs:
        by_number = {v.number: v for v in variants}
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["id", "name", "variant", "seed"])
        for st, n in pairs:
            w.writerow([st.id, spreadsheet_safe(st.name), n, s.seed])
            files[f"students/{st.id}.tex"] = sheets_latex([by_number[n]], [(st.name, st.id)], s.lang)
            files[f"templates/{st.id}.toml"] = answers_template(by_number[n], st.name)
        files["roster.csv"] = out.getvalue()
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (root / "answers").mkdir()
    written = list(files)
    if pdf:
        from ..renderers.pdflatex import compile_pdf
        jobs = [("sheets.tex", engine(s.lang)), ("key.tex", engine(s.lang))]
        jobs += [(f"students/{st.id}.tex", engine(s.lang, [(st.name, st.id)])) for st, _ in pairs or ()]
        for name, tex in jobs:
            compile_pdf(root / name, runs=1, engine=tex)
            written.append(name[:-4] + ".pdf")
    return written


def _settings_from(data, file: str, spec_text) -> Settings:
    if not isinstance(data, dict) or data.get("kind") != "exercise_settings":
        raise SpecError("", "not an exercise folder's settings", file)
    fields = {"seed": int, "variants": int, "digits": int, "activation": str, "loss": str,
              "optimizer": str, "lang": str}
    values = {}
    for k, t in fields.items():
        if k in data:
            if not isinstance(data[k], t) or isinstance(data[k], bool):
                raise SpecError(k, f"expected {t.__name__}", file)
            values[k] = data[k]
    shape = data.get("shape", [2, 2, 2])
    if not isinstance(shape, list) or not all(isinstance(u, int) for u in shape):
        raise SpecError("shape", "expected a list of widths", file)
    return Settings(kind=_kind(data, file), shape=tuple(shape), spec_text=spec_text,
                    spec_name=data.get("spec_name") if isinstance(data.get("spec_name"), str) else None,
                    **values)


def _kind(data, file) -> str:
    k = data.get("exercise")
    if k not in KINDS:
        raise SpecError("exercise", f"unknown kind {k!r}", file)
    return k


def read_folder(path) -> tuple[Settings, dict]:
    """The settings and the roster (id → (name, variant)) of an exercise folder."""
    path = Path(path)
    file = str(path / "exercise.json")
    try:
        data = json.loads((path / "exercise.json").read_text("utf-8"))
    except FileNotFoundError:
        raise SpecError("", "no exercise.json here: not a folder written by 'bptrace exercise new'",
                        str(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SpecError("", f"cannot read: {e}", file) from None
    spec = path / "spec.toml"
    s = _settings_from(data, file, spec.read_text("utf-8") if spec.exists() else None)
    roster = {}
    rfile = path / "roster.csv"
    if rfile.exists():
        for r, row in enumerate(csv.DictReader(io.StringIO(rfile.read_text("utf-8"))), start=2):
            try:
                roster[row["id"]] = (row["name"], int(row["variant"]))
            except (KeyError, ValueError, TypeError):
                raise SpecError(f"row {r}", "expected id, name and a variant number", str(rfile)) from None
    return s, roster


def spec_source(spec: str) -> tuple[str, str]:
    """The text of a spec (a file or a built-in name) and its name, checked by loading it."""
    from importlib import resources

    from ..model.spec import BUILTINS, loads
    if spec in BUILTINS:
        text = resources.files("bptrace.model.builtin").joinpath(f"{spec}.toml").read_text("utf-8")
    else:
        try:
            text = Path(spec).read_text("utf-8")
        except FileNotFoundError:
            raise SpecError("", f"no such file (built-in names: {', '.join(BUILTINS)})", spec) from None
        except (OSError, UnicodeDecodeError) as e:
            raise SpecError("", f"cannot read: {e}", spec) from None
    loads(text, spec)
    return text, spec
