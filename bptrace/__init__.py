"""bptrace: backpropagation traced step by step, symbolically and numerically.

The public API:
- ``load(path_or_name)`` → ``Network`` from a TOML spec file or a built-in name (``mazur``);
- ``Network``, ``Layer`` to build one in Python;
- ``net.forward()``, ``net.derive(param)``, ``net.prove(param)``, ``net.gradients()``,
  ``net.step()``, ``net.train(rounds)`` — traces (data) and numbers;
- ``to_text(trace)``, ``to_json(trace)`` — printers; ``to_latex(trace)`` — LaTeX fragments;
- ``to_dot(net_or_trace, kind=…, wrt=…)``, ``to_tikz(…)``, ``render(dot_source, path, format=…)``
  — pictures (SVG by the embedded Graphviz; PNG/PDF by the system ``dot``);
- ``SpecError`` — bad input, naming file, field and problem.

Names are imported on first use (PEP 562), so ``bptrace --help`` does not pay for SymPy.
The first such use also attaches the notebook display hooks (``printing/notebook.py``):
traces and networks show their picture and maths together, ``print(trace)`` prints the
text trace, a check report shows as a table.
"""
from importlib import import_module

__version__ = "0.1.0"

_API = {
    "BUILTINS": "spec", "load": "spec", "loads": "spec",
    "Layer": "network", "Network": "network",
    "SpecError": "errors",
    "from_torch": "from_torch", "check_torch": "check",
    "to_json": "printing", "to_text": "printing",
    "to_latex": "printing.latex",
    "to_dot": "printing.dot", "to_tikz": "printing.tikz", "render": "graphviz_render",
}
__all__ = sorted(_API)


def __getattr__(name):
    if name in _API:
        value = getattr(import_module(f".{_API[name]}", __name__), name)
        globals()[name] = value
        if name not in ("SpecError", "BUILTINS"):
            # notebook display hooks (printing/notebook.py): with the first real use of the API
            import_module(".printing.notebook", __name__).attach()
        return value
    raise AttributeError(f"module 'bptrace' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_API))
