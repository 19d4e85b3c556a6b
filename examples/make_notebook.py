"""Write and execute examples/notebook.ipynb (headless, with nbclient).

    python examples/make_notebook.py

The notebook shows what a lecturer sees in Jupyter: a network (its picture), a forward
pass and a derivation (picture and maths together, one text/html output), print(trace),
the torch check as a table, and a batch network (no picture: it falls back cleanly).
tests/test_notebook.py executes the same notebook and checks the MIME types of its outputs.
"""
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent

CELLS = [
    ("markdown", "# bptrace in a notebook\nEach trace shows its picture and its maths together."),
    ("code", "import bptrace\nnet = bptrace.load(\"mazur\")\nnet"),
    ("code", "net.forward()"),
    ("code", "net.derive(\"w1\")"),
    ("code", "print(net.derive(\"w5\"))"),
    ("code", "net.check_torch()"),
    ("code", "batch = bptrace.load(\"batch.toml\")\nbatch"),
    ("code", "batch.derive(\"w5\")"),
]


def build() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(src) if kind == "markdown" else nbformat.v4.new_code_cell(src)
                for kind, src in CELLS]
    return nb


def execute(nb, cwd=HERE, timeout: int = 120):
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


if __name__ == "__main__":
    nb = execute(build())
    nbformat.write(nb, HERE / "notebook.ipynb")
    print("wrote", HERE / "notebook.ipynb")
