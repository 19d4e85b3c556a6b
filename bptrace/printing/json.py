"""The JSON printer: ``to_json(trace)`` — the trace's ``to_dict()``, stably formatted.

Numbers are float64 (the nearest double to the 50-digit value); keys keep the trace's
order, so the same input gives byte-identical output. JSON has no NaN or infinity: a
value that is not finite (an exploding training run, an overflowing loss) is written as
the string "nan", "inf" or "-inf", so the output is always valid JSON (``dumps``). The
text is ``json.dumps``'s; ``jsontext.py`` writes it faster, the same bytes.
"""
from __future__ import annotations

from .jsontext import dumps as _dumps
from .jsontext import finite as _finite  # noqa: F401  (the data as written, for callers)


def dumps(data, indent: int = 2) -> str:
    """Any JSON-able data as valid JSON text (non-finite numbers as strings)."""
    return _dumps(data, indent=indent, allow_nan=False, nonfinite_as_strings=True)


def to_json(trace, indent: int = 2) -> str:
    """A trace, or a list of traces, as JSON text."""
    data = [t.to_dict() for t in trace] if isinstance(trace, (list, tuple)) else trace.to_dict()
    return dumps(data, indent)
