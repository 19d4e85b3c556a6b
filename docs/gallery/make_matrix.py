"""Regenerates the matrix-form gallery, PNGs beside this script:
- matrix-bp2.png — the classic example's deck (``bptrace slides mazur --matrix``), the BP2 frame;
- matrix-batch-bp4.png — a mini-batch's BP4 step (``bptrace derive mazur-batch.toml --matrix
  --format latex``; the documents walk through one sample, so the fragment is set on a
  small page of its own).

    python docs/gallery/make_matrix.py        (needs bptrace on PATH, pdflatex and pdftoppm)
"""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGE = r"""\documentclass[11pt]{article}
\usepackage{amsmath}
\usepackage[paperwidth=17cm,paperheight=6.4cm,margin=4mm]{geometry}
\pagestyle{empty}
\ifdefined\pdftrailerid \pdftrailerid{}\pdfinfoomitdate=1 \fi
\begin{document}
%s
\end{document}
"""


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def png(pdf: Path, page: int, name: str):
    run("pdftoppm", "-png", "-r", "70", "-f", str(page), "-l", str(page), "-singlefile",
        str(pdf), str(HERE / name))
    print(f"wrote docs/gallery/{name}.png")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        deck = Path(tmp) / "deck.tex"
        run("bptrace", "slides", "mazur", "--matrix", "-o", str(deck), "--pdf")
        titles = re.findall(r"\\begin\{frame\}\{(.*)\}\n", deck.read_text(encoding="utf-8"))
        png(deck.with_suffix(".pdf"), 2 + titles.index(r"Matrix form: BP2, $\delta^{1}$"), "matrix-bp2")

        latex = run("bptrace", "derive", str(HERE / "mazur-batch.toml"), "--matrix", "--format", "latex")
        blocks = re.findall(r"\\begin\{align\*\}\n.*?\\end\{align\*\}", latex, re.S)
        bp4 = next(b for b in blocks if r"\text{BP4}\quad \frac{\partial E}{\partial W^{2}}" in b)
        page = Path(tmp) / "batch.tex"
        page.write_text(PAGE % ("Mini-batch of $m = 3$ samples as columns; the mean's "
                                r"$\frac{1}{m}$ enters here:" + "\n" + bp4), encoding="utf-8")
        run("pdflatex", "-interaction=nonstopmode", "-halt-on-error", page.name, cwd=tmp)
        png(page.with_suffix(".pdf"), 1, "matrix-batch-bp4")


if __name__ == "__main__":
    sys.exit(main())
