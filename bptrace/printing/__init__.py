"""Printers: one trace model, many output formats.

Provides ``to_text(trace, **settings)`` and ``to_json(trace)``; each format is a
``Printer`` subclass with ``_print_<TraceClass>`` methods (SymPy's dispatch design).
"""
from .json import to_json
from .text_lessons import to_text

__all__ = ["to_json", "to_text"]
