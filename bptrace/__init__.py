"""bptrace: backpropagation traced step by step, symbolically and numerically.

The public API:
- ``load(path_or_name)`` → ``Network`` from a TOML spec file or a built-in name (``mazur``);
- ``Network``, ``Layer`` to build one in Python;
- ``net.forward()``, ``net.derive(param)``, ``net.prove(param)``, ``net.gradients()``,
  ``net.step()``, ``net.train(rounds)`` — traces (data) and numbers;
- ``to_text(trace)``, ``to_json(trace)`` — printers; ``to_latex(trace)`` — LaTeX fragments;
  ``to_html(trace, lang="en"|"zh")`` — HTML fragments with MathML;
- ``web_page(net, lang=…)`` — the worked example as one offline web page, step by step;
- ``to_dot(net_or_trace, kind=…, wrt=…)``, ``to_tikz(…)``, ``render(dot_source, path, format=…)``
  — pictures (SVG by the embedded Graphviz; PNG/PDF by the system ``dot``);
- ``SpecError`` — bad input, naming file, field and problem.

Names are imported on first use (PEP 562), so ``bptrace --help`` does not pay for SymPy.
"""
from importlib import import_module

__version__ = "0.1.0"

_API = {
    "BUILTINS": "spec", "load": "spec", "loads": "spec",
    "Layer": "network", "Network": "network",
    "SpecError": "errors",
    "from_torch": "from_torch", "check_torch": "check",
    "to_json": "printing", "to_text": "printing",
    "to_latex": "printing.latex", "to_html": "printing.html", "web_page": "webpage",
    "to_dot": "printing.dot", "to_tikz": "printing.tikz", "render": "graphviz_render",
}
__all__ = sorted(_API)


_hooks = []


def __getattr__(name):
    if name in _API:
        if not _hooks:      # notebooks: networks and traces show HTML (picture and MathML)
            _hooks.append(True)
            import_module(".webpage", __name__).install_display_hooks()
        value = getattr(import_module(f".{_API[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bptrace' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_API))
