"""The JSON printer: ``to_json(trace)`` — the trace's ``to_dict()``, stably formatted.

Numbers are float64 (the nearest double to the 50-digit value); keys keep the trace's
order, so the same input gives byte-identical output. The text is ``json.dumps``'s
(``jsontext.py`` writes it faster, the same bytes).
"""
from __future__ import annotations

from .jsontext import dumps


def to_json(trace, indent: int = 2) -> str:
    """A trace, or a list of traces, as JSON text."""
    data = [t.to_dict() for t in trace] if isinstance(trace, (list, tuple)) else trace.to_dict()
    return dumps(data, indent=indent, allow_nan=False)
