"""Regenerate the document gallery: docs/gallery/<network>-slide-N.png and -article.png.

For each gallery network this writes the beamer deck and the article (as `bptrace slides`
and `bptrace latex` do, with their defaults), compiles them, and renders three slides —
the notation, the first derivation frame with its numbers, the update — and the article's
second page as PNG (slides at 100 dpi, the article at 60). docs/gallery/documents.sha256 records the hash of each
.tex; tests/test_documents.py regenerates the .tex and checks the hashes, so the gallery
is current when the test passes. Needs pdflatex (xelatex for Chinese) and pdftoppm.

    python docs/make_documents.py          # from the repository root
"""
from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GALLERY = ROOT / "docs" / "gallery"

# name → spec (a file under examples/ or a built-in)
NETWORKS = {
    "classic": "mazur",
    "wufei": "examples/wufei.toml",
    "tanh-bce": "examples/tanh_bce.toml",
    "relu-ce": "examples/relu_ce.toml",
    "batch": "examples/batch.toml",
    "dropout": "examples/dropout.toml",
}


def documents(spec: str) -> dict:
    """The deck and the article for ``spec``, as the CLI writes them by default."""
    import bptrace
    from bptrace.printing.latex_document import network_picture, to_article, to_slides
    net = bptrace.load(spec if spec == "mazur" else str(ROOT / spec))
    return {"slides": to_slides(net, picture=network_picture),
            "article": to_article(net, picture=network_picture)}


def slide_pages(deck: str, log: str = "") -> list[int]:
    """Page numbers of the notation frame, the first frame with numbers, the first update frame.

    The picture's frame is left out by TeX when its labels would be under 8 pt (the log
    says so): then it has no page."""
    titles = re.findall(r"\\begin\{frame\}(?:\[[^]]*\])?\n(?:\\frametitle\{(.*)\})?", deck)
    if "bptrace: picture left out" in log and "\\bptracemeasure" in deck:
        titles.remove("")          # the picture's frame has no title
    def first(pred):
        return next(i for i, t in enumerate(titles, 1) if pred(t))
    numbers = first(lambda t: "with the numbers" in t or ("sample 1 of" in t and "partial" in t))
    return [first(lambda t: t.startswith("Notation")), numbers, first(lambda t: t.startswith("The update"))]


def digests() -> dict:
    out = {}
    for name, spec in NETWORKS.items():
        for kind, text in documents(spec).items():
            out[f"{name}-{kind}.tex"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return out


def main() -> int:
    from bptrace.renderers.pdflatex import compile_pdf
    from bptrace.printing.latex_document import engine_of
    GALLERY.mkdir(parents=True, exist_ok=True)
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in NETWORKS.items():
            docs = documents(spec)
            for kind, text in docs.items():
                tex = Path(tmp) / f"{name}-{kind}.tex"
                tex.write_text(text, encoding="utf-8")
                pdf = compile_pdf(tex, engine=engine_of(text))
                lines.append(f"{hashlib.sha256(text.encode('utf-8')).hexdigest()}  {tex.name}")
                log = tex.with_suffix(".log").read_text(errors="replace")
                pages = slide_pages(text, log) if kind == "slides" else [2]
                for k, page in enumerate(pages, 1):
                    out = GALLERY / (f"{name}-slide-{k}" if kind == "slides" else f"{name}-article")
                    subprocess.run(["pdftoppm", "-png", "-r", "100" if kind == "slides" else "60", "-f", str(page), "-l", str(page),
                                    "-singlefile", str(pdf), str(out)], check=True)
                print(f"{name}-{kind}: pages {pages}")
    (GALLERY / "documents.sha256").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
