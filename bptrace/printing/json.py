"""The JSON printer: ``to_json(trace)`` — the trace's ``to_dict()``, stably formatted.

Numbers are float64 (the nearest double to the 50-digit value); keys keep the trace's
order, so the same input gives byte-identical output. JSON has no NaN or infinity: a
value that is not finite (an exploding training run, an overflowing loss) is written as
the string "nan", "inf" or "-inf", so the output is always valid JSON (``dumps``).
"""
from __future__ import annotations

import json
import math


def _finite(data):
    """``data`` with every non-finite float replaced by "nan", "inf" or "-inf"."""
    if isinstance(data, float) and not math.isfinite(data):
        return "nan" if math.isnan(data) else ("inf" if data > 0 else "-inf")
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(v) for v in data]
    return data


def dumps(data, indent: int = 2) -> str:
    """Any JSON-able data as valid JSON text (non-finite numbers as strings)."""
    return json.dumps(_finite(data), indent=indent, ensure_ascii=False, allow_nan=False)


def to_json(trace, indent: int = 2) -> str:
    """A trace, or a list of traces, as JSON text."""
    data = [t.to_dict() for t in trace] if isinstance(trace, (list, tuple)) else trace.to_dict()
    return dumps(data, indent)
