"""``json.dumps(data, indent=…, ensure_ascii=False)``, the same bytes, without the slow path.

With ``indent`` set, the standard library encodes in pure Python, item by item: for
``derive --all`` on a 32-32-32-10 network (2.4 million items, 28 MB) that took longer than
the derivations. ``dumps`` writes the same text, and writes a small table whose values
are all scalars — a δ step ``{"symbol", "formula", "value"}``, which every derivation of
a network repeats — once per distinct content and indentation, then reuses the string.
``tests/test_speed_paths.py`` compares it with ``json.dumps`` byte for byte.
"""
from __future__ import annotations

import json
import math
from json.encoder import encode_basestring

_SCALARS = (str, int, float, bool, type(None))


def finite(data):
    """``data`` with every non-finite float value replaced by "nan", "inf" or "-inf"."""
    if isinstance(data, float) and not math.isfinite(data):
        return "nan" if math.isnan(data) else ("inf" if data > 0 else "-inf")
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [finite(v) for v in data]
    return data


def _float(x: float, allow_nan: bool) -> str:
    if x != x:
        text = "NaN"
    elif x == float("inf"):
        text = "Infinity"
    elif x == -float("inf"):
        text = "-Infinity"
    else:
        return float.__repr__(x)
    if not allow_nan:
        raise ValueError("Out of range float values are not JSON compliant: " + repr(x))
    return text


def _scalar(o, allow_nan: bool, strings: bool = False) -> str:
    if strings and isinstance(o, float) and not math.isfinite(o):
        return encode_basestring(finite(o))
    if isinstance(o, str):
        return encode_basestring(o)
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if isinstance(o, int):
        return int.__repr__(o)
    if isinstance(o, float):
        return _float(o, allow_nan)
    raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


def _key(k, allow_nan: bool) -> str:
    if isinstance(k, str):
        return encode_basestring(k)
    if isinstance(k, float):
        return encode_basestring(_float(k, allow_nan))
    if k is True:
        return '"true"'
    if k is False:
        return '"false"'
    if k is None:
        return '"null"'
    if isinstance(k, int):
        return encode_basestring(int.__repr__(k))
    raise TypeError(f"keys must be str, int, float, bool or None, not {k.__class__.__name__}")


def dumps(data, indent: int = 2, allow_nan: bool = True, nonfinite_as_strings: bool = False) -> str:
    """``json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=allow_nan)``; with
    ``nonfinite_as_strings``, that of ``finite(data)`` (nan, inf, -inf as strings)."""
    if indent is None:
        return json.dumps(finite(data) if nonfinite_as_strings else data, ensure_ascii=False,
                          allow_nan=allow_nan)
    strings = nonfinite_as_strings
    step = " " * indent if isinstance(indent, int) else indent
    memo: dict = {}
    out: list[str] = []
    write = out.append

    def encode(o, level: int) -> None:
        if isinstance(o, _SCALARS):
            write(_scalar(o, allow_nan, strings))
            return
        if isinstance(o, dict):
            if not o:
                write("{}")
                return
            flat = all(isinstance(v, _SCALARS) for v in o.values())
            if flat:
                try:
                    key = (level, type(o), tuple((k, type(v), v) for k, v in o.items()))
                    hit = memo.get(key)
                except TypeError:
                    key = hit = None
                if hit is not None:
                    write(hit)
                    return
            inner = "\n" + step * (level + 1)
            parts = []
            for k, v in o.items():
                if isinstance(v, _SCALARS):
                    parts.append(f"{_key(k, allow_nan)}: {_scalar(v, allow_nan, strings)}")
                else:
                    write_to = []
                    _encode_into(v, level + 1, write_to)
                    parts.append(f"{_key(k, allow_nan)}: {''.join(write_to)}")
            text = "{" + inner + ("," + inner).join(parts) + "\n" + step * level + "}"
            if flat and key is not None:
                memo[key] = text
            write(text)
            return
        if isinstance(o, (list, tuple)):
            if not o:
                write("[]")
                return
            inner = "\n" + step * (level + 1)
            write("[" + inner)
            for i, v in enumerate(o):
                if i:
                    write("," + inner)
                encode(v, level + 1)
            write("\n" + step * level + "]")
            return
        raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")

    def _encode_into(o, level, sink):
        nonlocal write
        saved, write = write, sink.append
        try:
            encode(o, level)
        finally:
            write = saved

    encode(data, 0)
    return "".join(out)
