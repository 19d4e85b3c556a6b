"""Compile a LaTeX file to PDF with the system's ``pdflatex`` (or ``xelatex``).

Provides ``compile_pdf(tex_path, engine="pdflatex")`` → the PDF's path, ``xelatex_ready()``, ``LatexMissing``
(the engine is not on the PATH; the message says what to install) and ``LatexFailed``
(the first error line of the log, where the log was kept, and that the .tex was written).
The engine runs in a temporary directory (its .aux/.nav files do not litter the user's
folder) with ``-halt-on-error -interaction=nonstopmode``, twice, so beamer's navigation
data settle; the PDF and the log are copied next to the .tex file. ``xelatex`` (with ctex)
sets Chinese and any other script; ``SOURCE_DATE_EPOCH`` keeps its PDF reproducible.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

INSTALL = {
    "pdflatex": "apt-get install texlive-latex-base texlive-latex-recommended texlive-pictures "
                "texlive-fonts-recommended lmodern",
    "xelatex": "apt-get install texlive-xetex texlive-lang-chinese fonts-noto-cjk",
}


class LatexMissing(RuntimeError):
    """The engine is not installed on this machine."""

    def __init__(self, engine: str = "pdflatex"):
        why = " (the document holds text beyond Latin-1, such as Chinese)" if engine == "xelatex" else ""
        super().__init__(f"--pdf needs {engine}{why}, which is not installed "
                         f"(Debian/Ubuntu: {INSTALL[engine]})")


class LatexFailed(RuntimeError):
    """The engine stopped with an error; the message holds the log's first error line."""


def first_error(log: str) -> str:
    """The first ``! …`` line of a TeX log, with the line number that follows it."""
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("!"):
            where = next((l for l in lines[i + 1:i + 8] if l.startswith("l.")), "")
            return f"{line[1:].strip()} {where.split(' ', 1)[0]}".strip()
    return "no error line in the log"


def xelatex_ready() -> bool:
    """Whether xelatex and ctex are installed (what a Chinese document needs)."""
    if shutil.which("xelatex") is None or shutil.which("kpsewhich") is None:
        return False
    found = subprocess.run(["kpsewhich", "ctex.sty"], capture_output=True, text=True)
    return bool(found.stdout.strip())


def compile_pdf(tex_path, runs: int = 2, timeout: float = 120, engine: str = "pdflatex") -> Path:
    """Compile ``tex_path``; the PDF and the log are written beside it, the PDF's path returned."""
    if engine not in INSTALL:
        raise ValueError(f"engine must be one of {', '.join(INSTALL)}, got {engine!r}")
    exe = shutil.which(engine)
    if exe is None or (engine == "xelatex" and not xelatex_ready()):
        raise LatexMissing(engine)
    tex_path = Path(tex_path).resolve()
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}
    with tempfile.TemporaryDirectory(prefix="bptrace-latex-") as tmp:
        src = Path(tmp) / tex_path.name
        shutil.copyfile(tex_path, src)
        log = src.with_suffix(".log")
        for _ in range(runs):
            done = subprocess.run([exe, "-halt-on-error", "-interaction=nonstopmode", src.name],
                                  cwd=tmp, capture_output=True, timeout=timeout, env=env)
            if log.exists():
                shutil.copyfile(log, tex_path.with_suffix(".log"))
            if done.returncode != 0:
                text = log.read_text(errors="replace") if log.exists() else done.stdout.decode(errors="replace")
                raise LatexFailed(f"{engine} failed on {tex_path.name}: {first_error(text)} "
                                  f"(the .tex is at {tex_path}; the log at {tex_path.with_suffix('.log')})")
        pdf = tex_path.with_suffix(".pdf")
        shutil.copyfile(src.with_suffix(".pdf"), pdf)
    return pdf
