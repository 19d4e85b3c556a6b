"""Compile a LaTeX file to PDF with the system's ``pdflatex`` (or ``xelatex`` for Chinese).

Provides ``compile_pdf(tex_path, engine="pdflatex")`` → the PDF's path, ``LatexMissing``
(no ``pdflatex``/``xelatex`` on the PATH, or no ctex for XeLaTeX; the message says what to
install) and ``LatexFailed`` (the first error line of the log). XeLaTeX runs with
``SOURCE_DATE_EPOCH=0`` so its PDF carries no date. pdflatex runs in a temporary directory (its .aux/.log/.nav files do not
litter the user's folder) with ``-halt-on-error -interaction=nonstopmode``, twice, so
beamer's navigation data settle; only the PDF is copied next to the .tex file.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

INSTALL = ("apt-get install texlive-latex-base texlive-latex-recommended texlive-pictures "
           "texlive-fonts-recommended lmodern")


XELATEX_INSTALL = "apt-get install texlive-xetex texlive-lang-chinese"
ENGINES = ("pdflatex", "xelatex")


class LatexMissing(RuntimeError):
    """No pdflatex (or xelatex with ctex, for Chinese) on this machine."""

    def __init__(self, engine: str = "pdflatex"):
        if engine == "xelatex":
            super().__init__("--pdf --lang zh needs xelatex with ctex and a CJK font, which are not "
                             f"installed (Debian/Ubuntu: {XELATEX_INSTALL})")
        else:
            super().__init__(f"--pdf needs pdflatex, which is not installed (Debian/Ubuntu: {INSTALL})")


class LatexFailed(RuntimeError):
    """pdflatex stopped with an error; the message holds the log's first error line."""


def first_error(log: str) -> str:
    """The first ``! …`` line of a TeX log, with the line number that follows it."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!"):
            where = next((l for l in lines[i + 1:i + 8] if l.startswith("l.")), "")
            return f"{line[1:].strip()} {where.split(' ', 1)[0]}".strip()
    return "pdflatex failed (no error line in the log)"


def xelatex_ready() -> bool:
    """Whether xelatex and ctex are installed (what a Chinese document needs)."""
    if shutil.which("xelatex") is None or shutil.which("kpsewhich") is None:
        return False
    found = subprocess.run(["kpsewhich", "ctex.sty"], capture_output=True, text=True)
    return bool(found.stdout.strip())


def compile_pdf(tex_path, runs: int = 2, timeout: float = 120, engine: str = "pdflatex") -> Path:
    """Compile ``tex_path`` with ``engine``; the PDF is written beside it and its path returned."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    exe = shutil.which(engine)
    if exe is None or (engine == "xelatex" and not xelatex_ready()):
        raise LatexMissing(engine)
    # xdvipdfmx dates the PDF unless told a fixed date (pdflatex's is omitted by the document)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"} if engine == "xelatex" else None
    tex_path = Path(tex_path).resolve()
    with tempfile.TemporaryDirectory(prefix="bptrace-latex-") as tmp:
        src = Path(tmp) / tex_path.name
        shutil.copyfile(tex_path, src)
        for _ in range(runs):
            done = subprocess.run([exe, "-halt-on-error", "-interaction=nonstopmode", src.name],
                                  cwd=tmp, capture_output=True, timeout=timeout, env=env)
            if done.returncode != 0:
                log = src.with_suffix(".log")
                text = log.read_text(errors="replace") if log.exists() else done.stdout.decode(errors="replace")
                raise LatexFailed(f"{engine} failed on {tex_path.name}: {first_error(text)}")
        pdf = tex_path.with_suffix(".pdf")
        shutil.copyfile(src.with_suffix(".pdf"), pdf)
    return pdf
