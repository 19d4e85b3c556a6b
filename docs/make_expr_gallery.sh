#!/usr/bin/env bash
# Regenerates the pictures of staged expressions (bptrace expr) in docs/gallery/: the SVG
# by the embedded Graphviz (the same bytes everywhere), the PNGs by the system dot
# (apt-get install graphviz). Run from anywhere: bash docs/make_expr_gallery.sh
set -euo pipefail
cd "$(dirname "$0")/gallery"
NEURON=w0=2,x0=-1,w1=-3,x1=-2,w2=-3
bptrace expr "(x+y)*z" --at x=-2,y=5,z=-4 -o expr-xyz.svg
bptrace expr "(x+y)*z" --at x=-2,y=5,z=-4 -o expr-xyz.png
bptrace expr "1/(1+exp(-(w0*x0+w1*x1+w2)))" --at $NEURON -o expr-sigmoid-gates.png
bptrace expr "sigmoid(w0*x0+w1*x1+w2)" --at $NEURON --stages z=w0*x0+w1*x1+w2 -o expr-sigmoid-one-gate.png
bptrace expr "x*y + x" --at x=3,y=2 -o expr-fan-out.png
