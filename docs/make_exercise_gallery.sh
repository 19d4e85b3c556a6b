#!/usr/bin/env bash
# Regenerate the exercise pictures of the README: page 1 of the question sheets and the first
# page of variant 1's worked answer key (hidden-weight, seed 2026). Needs pdflatex and pdftoppm.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bptrace exercise new --kind hidden-weight --seed 2026 --variants 2 -o "$tmp/ex" --pdf
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$tmp/ex/sheets.pdf" docs/gallery/exercise-sheet
pdftoppm -png -r 80 -f 2 -l 2 -singlefile "$tmp/ex/key.pdf" docs/gallery/exercise-key
echo "wrote docs/gallery/exercise-sheet.png and docs/gallery/exercise-key.png"
