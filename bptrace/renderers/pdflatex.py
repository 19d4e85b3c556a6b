"""Compile a LaTeX file to PDF with the system's ``pdflatex`` (or ``xelatex``).

Provides ``compile_pdf(tex_path)`` → the PDF's path, ``LatexMissing`` (no ``pdflatex`` on
the PATH; the message says how to install it) and ``LatexFailed`` (the first error line
of the log). pdflatex runs in a temporary directory (its .aux/.log/.nav files do not
litter the user's folder) with ``-halt-on-error -interaction=nonstopmode``, twice, so
beamer's navigation data settle; only the PDF is copied next to the .tex file.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

INSTALL = ("apt-get install texlive-latex-base texlive-latex-recommended texlive-pictures "
           "texlive-fonts-recommended lmodern")


class LatexMissing(RuntimeError):
    """No pdflatex (or xelatex) on this machine."""

    def __init__(self, engine: str = "pdflatex"):
        how = INSTALL if engine == "pdflatex" else ("apt-get install texlive-xetex "
                                                     "texlive-lang-chinese fonts-noto-cjk")
        super().__init__(f"--pdf needs {engine}, which is not installed (Debian/Ubuntu: {how})")


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


def compile_pdf(tex_path, runs: int = 2, timeout: float = 120, engine: str = "pdflatex") -> Path:
    """Compile ``tex_path``; the PDF is written beside it and its path returned.

    ``engine="xelatex"`` for documents that set Chinese (ctex) or other Unicode text.
    """
    if engine not in ("pdflatex", "xelatex"):
        raise ValueError(f"engine must be pdflatex or xelatex, got {engine!r}")
    exe = shutil.which(engine)
    if exe is None:
        raise LatexMissing(engine)
    tex_path = Path(tex_path).resolve()
    with tempfile.TemporaryDirectory(prefix="bptrace-latex-") as tmp:
        src = Path(tmp) / tex_path.name
        shutil.copyfile(tex_path, src)
        for _ in range(runs):
            done = subprocess.run([exe, "-halt-on-error", "-interaction=nonstopmode", src.name],
                                  cwd=tmp, capture_output=True, timeout=timeout)
            if done.returncode != 0:
                log = src.with_suffix(".log")
                text = log.read_text(errors="replace") if log.exists() else done.stdout.decode(errors="replace")
                raise LatexFailed(f"{engine} failed on {tex_path.name}: {first_error(text)}")
        pdf = tex_path.with_suffix(".pdf")
        shutil.copyfile(src.with_suffix(".pdf"), pdf)
    return pdf
