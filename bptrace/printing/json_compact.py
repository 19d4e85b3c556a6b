"""``derive --json-compact``: the derivations' JSON with each shared step written once.

Every derivation of a network repeats the δ steps of the layers above its parameter and
the factors its paths share (a 32-32-32-10 net: 57,354 δ steps of 106 neurons, 28 MB as
plain JSON). ``compact(entries)`` takes the list ``derive --format json`` prints and
returns one object:

- ``"steps"``: each distinct δ step once, ``{"symbol", "formula", "value"}``, under a
  reference — its symbol (``"delta_h1"``), or ``"delta_h1#2"``, ``#3`` … when the same
  symbol has other numbers (the samples of a batch);
- ``"factors"``: each distinct path factor once, ``{"of", "wrt", "formula", "value"}``,
  under ``"∂of/∂wrt"`` (with ``#2`` … likewise);
- ``"derivations"``: the entries with the documented keys, where ``"delta"``'s
  ``"steps"`` and each path's ``"factors"`` list references instead of objects.

``dumps(data)`` writes it one item to a line without spaces (``{"kind":…,`` then a line per
step, per factor and per derivation): a 32-32-32-10 net's 2,371 derivations take 4.5 MB.
Replacing each reference by its object gives the plain output back
(``expand(compact(entries)) == entries``; ``tests/test_speed_paths.py``).
"""
from __future__ import annotations

import json

from .jsontext import finite


class _Table:
    def __init__(self):
        self.objects: dict[str, dict] = {}
        self._refs: dict[tuple, str] = {}

    def ref(self, base: str, obj: dict) -> str:
        key = (base, tuple((k, type(v), v) for k, v in obj.items()))
        ref = self._refs.get(key)
        if ref is None:
            ref, n = base, 1
            while ref in self.objects:
                n += 1
                ref = f"{base}#{n}"
            self._refs[key] = ref
            self.objects[ref] = obj
        return ref


def compact(entries: list) -> dict:
    steps, factors = _Table(), _Table()

    def derivation(d: dict) -> dict:
        d = dict(d)
        if "samples" in d and isinstance(d["samples"], list):       # a batch's derivation
            d["samples"] = [derivation(s) for s in d["samples"]]
        if isinstance(d.get("paths"), list):
            d["paths"] = [{**p, "factors": [factors.ref(f"∂{f['of']}/∂{f['wrt']}", f)
                                            for f in p["factors"]]} for p in d["paths"]]
        if isinstance(d.get("delta"), dict):
            delta = dict(d["delta"])
            delta["steps"] = [steps.ref(s["symbol"], s) for s in delta["steps"]]
            d["delta"] = delta
        return d

    done = [derivation(e) for e in entries]
    return {"kind": "derivations", "steps": steps.objects, "factors": factors.objects,
            "derivations": done}


def expand(data: dict) -> list:
    """The plain list back from ``compact``'s object."""
    steps, factors = data["steps"], data["factors"]

    def derivation(d: dict) -> dict:
        d = dict(d)
        if isinstance(d.get("samples"), list):
            d["samples"] = [derivation(s) for s in d["samples"]]
        if isinstance(d.get("paths"), list):
            d["paths"] = [{**p, "factors": [factors[r] for r in p["factors"]]} for p in d["paths"]]
        if isinstance(d.get("delta"), dict):
            d["delta"] = {**d["delta"], "steps": [steps[r] for r in d["delta"]["steps"]]}
        return d

    return [derivation(e) for e in data["derivations"]]


def dumps(data: dict) -> str:
    """``compact``'s object as JSON, one step, factor or derivation to a line."""
    def one(x) -> str:       # valid JSON: non-finite numbers as strings, as printing/json.py
        return json.dumps(finite(x), ensure_ascii=False, separators=(",", ":"), allow_nan=False)

    def table(name: str) -> str:
        items = [f"{one(k)}:{one(v)}" for k, v in data[name].items()]
        return f"{one(name)}:{{" + ("\n" + ",\n".join(items) + "\n" if items else "") + "}"

    derivations = ",\n".join(one(d) for d in data["derivations"])
    return ("{" + f"{one('kind')}:{one(data['kind'])},\n" + table("steps") + ",\n"
            + table("factors") + ",\n" + f"{one('derivations')}:[\n{derivations}\n]" + "}")
