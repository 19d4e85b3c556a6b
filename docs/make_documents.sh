#!/usr/bin/env bash
# Regenerates the document gallery (docs/gallery/*-slide-N.png, *-article.png) and its
# hashes; see docs/make_documents.py. Needs pdflatex, xelatex for Chinese, and pdftoppm.
set -euo pipefail
cd "$(dirname "$0")/.."
python docs/make_documents.py
