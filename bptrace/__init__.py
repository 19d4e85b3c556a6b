"""bptrace: backpropagation traced step by step, symbolically and numerically.

The public API:
- ``load(path_or_name)`` → ``Network`` from a TOML spec file or a built-in name (``mazur``);
- ``Network``, ``Layer`` to build one in Python;
- ``net.forward()``, ``net.derive(param)``, ``net.prove(param)``, ``net.gradients()``,
  ``net.step()``, ``net.train(rounds)`` — traces (data) and numbers;
- ``matrix_form(net, part)`` — the matrix form, BP1–BP4 with the actual matrices;
- ``to_text(trace)``, ``to_json(trace)`` — printers; ``to_latex(trace)`` — LaTeX fragments;
  ``to_html(trace, lang="en"|"zh")`` — HTML fragments with MathML;
- ``web_page(net, lang=…)`` — the worked example as one offline web page, step by step;
- ``to_dot(net_or_trace, kind=…, wrt=…)``, ``to_tikz(…)``, ``render(dot_source, path, format=…)``
  — pictures (SVG by the embedded Graphviz; PNG/PDF by the system ``dot``);
- ``expr("(x+y)*z", x=-2, y=5, z=-4)`` — backpropagation through a typed expression, stage
  by stage (a ``StagedTrace``; ``stages="q=x+y"`` names or groups stages);
- ``SpecError`` — bad input, naming file, field and problem.

The package is layered; each layer imports only the ones before it:
``model`` (describe a network) → ``calculus`` (traces of the chain rule, updates,
training) → ``lessons`` (the course's standalone lessons) → ``oracle`` (torch) →
``printing`` (text, JSON, LaTeX, DOT, TikZ) → ``renderers`` (Graphviz, pdflatex,
matplotlib) → ``cli``. This module is the facade over all of them: names are imported on
first use (PEP 562), so ``bptrace --help`` does not pay for SymPy, and the methods that
reach up a layer (``net.derive()``, ``net.check_torch()``, Jupyter's display hooks,
``print(trace)``) are wired here (see ``wiring.py``).
"""
from importlib import import_module

from . import wiring

__version__ = "0.1.0"

_API = {
    "BUILTINS": "model.spec", "load": "model.spec", "loads": "model.spec",
    "Layer": "model.layer", "Network": "model.network",
    "SpecError": "errors",
    "from_torch": "oracle.from_torch", "check_torch": "oracle.check",
    "matrix_form": "calculus.matrix",
    "to_json": "printing", "to_text": "printing",
    "to_latex": "printing.latex_lessons", "to_html": "printing.html_tables", "web_page": "renderers.webpage",
    "to_dot": "printing.dot", "to_tikz": "printing.tikz", "render": "renderers.graphviz",
    "expr": "lessons.staged",
}
__all__ = sorted(_API)

wiring.implement(
    forward="calculus.forward:forward",
    derive="calculus.derive:derive",
    prove="calculus.derive:prove",
    step="calculus.train:step",
    train="calculus.train:train",
    check_torch="oracle.check:check_torch",
    _repr_svg_="renderers.graphviz:svg_of",
    _repr_latex_="printing.latex_lessons:to_latex",
    _repr_html_="renderers.notebook:html_display",
    __str__="printing.text_lessons:to_text",
    check_text="printing.text_lessons:to_text",
    check_html="renderers.notebook:check_html",
)


def __getattr__(name):
    if name in _API:
        value = getattr(import_module(f".{_API[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bptrace' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_API))
