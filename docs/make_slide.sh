#!/usr/bin/env bash
# Regenerates docs/mazur-slide.png, the README's rendered beamer frame (page 12 of the
# deck: ∂E_total/∂w1, path 1 of 2, with the numbers). Needs pdflatex and pdftoppm (poppler-utils).
#   bash docs/make_slide.sh
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bptrace slides mazur -o "$tmp/deck.tex" --pdf
pdftoppm -png -r 80 -f 12 -l 12 -singlefile "$tmp/deck.pdf" mazur-slide
