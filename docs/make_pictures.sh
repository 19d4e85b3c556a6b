#!/usr/bin/env bash
# Regenerates the README's pictures of the classic 2-2-2 example (SVG, embedded Graphviz:
# no system dot needed, the same bytes on every machine). Run from anywhere:
#   bash docs/make_pictures.sh
set -euo pipefail
cd "$(dirname "$0")"
bptrace graph mazur --backward -o mazur-network.svg
bptrace graph mazur --wrt w1 -o mazur-paths-w1.svg
bptrace graph mazur --kind compute -o mazur-compute.svg
