"""The JSON printer: ``to_json(trace)`` — the trace's ``to_dict()``, stably formatted.

Numbers are float64 (the nearest double to the 50-digit value); keys keep the trace's
order, so the same input gives byte-identical output.
"""
from __future__ import annotations

import json


def to_json(trace, indent: int = 2) -> str:
    """A trace, or a list of traces, as JSON text."""
    data = [t.to_dict() for t in trace] if isinstance(trace, (list, tuple)) else trace.to_dict()
    return json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False)
