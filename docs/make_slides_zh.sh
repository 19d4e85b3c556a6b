#!/usr/bin/env bash
# Regenerates the Chinese deck's pages shown in the README: docs/gallery/slides-zh-*.png
# (the title, the forward pass, ∂E_total/∂w1's first path factorised, the update table).
# Needs xelatex with ctex (texlive-xetex texlive-lang-chinese) and pdftoppm (poppler-utils).
#   bash docs/make_slides_zh.sh
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p gallery
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bptrace slides mazur --lang zh -o "$tmp/deck.tex" --pdf
for page in 1 4 10 17; do
    pdftoppm -png -r 80 -f "$page" -l "$page" -singlefile "$tmp/deck.pdf" "gallery/slides-zh-$page"
done
ls gallery/slides-zh-*.png
