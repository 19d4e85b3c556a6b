"""bptrace: backpropagation traced step by step, symbolically and numerically.

The public API:
- ``load(path_or_name)`` → ``Network`` from a TOML spec file or a built-in name (``mazur``);
- ``Network``, ``Layer`` to build one in Python;
- ``net.forward()``, ``net.derive(param)``, ``net.prove(param)``, ``net.gradients()``,
  ``net.step()``, ``net.train(rounds)`` — traces (data) and numbers;
- ``to_text(trace)``, ``to_json(trace)`` — printers.
"""
from .errors import SpecError
from .network import Layer, Network
from .spec import BUILTINS, load, loads
from .printing import to_json, to_text

__all__ = ["BUILTINS", "Layer", "Network", "SpecError", "load", "loads", "to_json", "to_text"]
__version__ = "0.1.0"
