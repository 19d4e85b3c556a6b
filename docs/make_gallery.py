"""Regenerates docs/gallery/: for each network, its picture, a paths picture and its
computation graph, as SVG (the embedded Graphviz: the same bytes on every machine) and
PNG (system dot, for viewing and slides). Run from anywhere:

    python docs/make_gallery.py

tests/test_pictures.py fails when a committed SVG is not what this makes now.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GALLERY = ROOT / "docs" / "gallery"
EXAMPLES = ROOT / "examples"

# name → (spec, parameter for the paths picture)
NETWORKS = {
    "mazur": ("mazur", "w1"),                         # the classic 2-2-2
    "bias-free": ("bias_free.toml", "w1"),            # 2-2-2, bias = false
    "tanh-bce": ("tanh_bce.toml", "w1"),              # 3-2-1 tanh, sigmoid output, BCE
    "relu-ce": ("relu_ce.toml", "w1"),                # 4-4-3 ReLU, cross-entropy
    "batch": ("batch.toml", "w1"),                    # two samples, MSE
    "dropout": ("dropout.toml", "w1"),                # dropout after the hidden layer
}


def pictures():
    """(file stem, spec, to_dot settings) for every gallery picture."""
    for name, (spec, wrt) in NETWORKS.items():
        path = spec if spec == "mazur" else str(EXAMPLES / spec)
        yield f"{name}-network", path, {}
        yield f"{name}-paths-{wrt}", path, {"kind": "paths", "wrt": wrt}
        yield f"{name}-compute", path, {"kind": "compute"}


def main() -> None:
    import bptrace
    GALLERY.mkdir(parents=True, exist_ok=True)
    for stem, spec, settings in pictures():
        dot = bptrace.to_dot(bptrace.load(spec), **settings)
        (GALLERY / f"{stem}.svg").write_bytes(bptrace.render(dot))
        png = subprocess.run(["dot", "-Tpng", "-Gdpi=96"], input=dot.encode("utf-8"),
                             capture_output=True, check=True).stdout
        (GALLERY / f"{stem}.png").write_bytes(png)
        print(f"wrote docs/gallery/{stem}.svg and .png", file=sys.stderr)


if __name__ == "__main__":
    main()
