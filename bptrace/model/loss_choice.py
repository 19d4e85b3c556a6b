"""Choosing a loss: a name, or a table with options, checked against the loss table.

Provides ``choose(loss, reduction, classes)`` → ``LossChoice`` (every option exact and
checked, a bad one a ``SpecError`` naming ``loss.<option>``) and ``option_value``.
"""
from __future__ import annotations

from typing import Mapping, Optional

from ..errors import SpecError
from .loss_table import LOSSES, LossChoice, canonical
from .numbers import exact


def option_value(name: str, key: str, value, classes: Optional[int] = None):
    """One loss option, exact and checked (``weight``: one number per class)."""
    field_ = f"loss.{key}"
    if key == "weight":
        if value is None:
            return None
        if not isinstance(value, (list, tuple)):
            raise SpecError(field_, "expected a list of numbers, one per class")
        weights = tuple(exact(v, f"{field_}[{k}]") for k, v in enumerate(value))
        if classes is not None and len(weights) != classes:
            raise SpecError(field_, f"expected {classes} weights (one per class), got {len(weights)}")
        return weights
    v = exact(value, field_)
    if key in ("beta", "delta") and v <= 0:
        raise SpecError(field_, f"must be > 0, got {float(v):g}"
                        + (" (beta = 0 is the L1 loss: use l1)" if key == "beta" else ""))
    if key == "label_smoothing" and not 0 <= v <= 1:
        raise SpecError(field_, f"must be between 0 and 1, got {float(v):g}")
    return v


def choose(loss, reduction: str = "mean", classes: Optional[int] = None) -> LossChoice:
    """A loss given as a name, a ``{"name": …, option: value}`` mapping or a ``LossChoice``.

    Returns the ``LossChoice`` with every option exact and checked; one sample's terms
    combine by the entry's own rule, or by ``reduction`` when it has none.
    """
    if isinstance(loss, LossChoice):
        name, given = str(loss), dict(loss.options)
    elif isinstance(loss, Mapping):
        given = dict(loss)
        name = given.pop("name", None)
        if not isinstance(name, str):
            raise SpecError("loss.name", "missing: give the loss's name, e.g. name = \"smooth_l1\"")
    elif isinstance(loss, str):
        name, given = loss, {}
    else:
        raise SpecError("loss", f"expected a name or a table, got {type(loss).__name__}")
    key = canonical(name)
    if key not in LOSSES:
        raise SpecError("loss", f"unknown loss {name!r} (known: {', '.join(LOSSES)})")
    entry = LOSSES[key]
    opts = dict(entry.defaults)
    for k, v in given.items():
        if k not in entry.defaults:
            known = ", ".join(entry.defaults) or "none"
            raise SpecError(f"loss.{k}", f"{key} has no option {k!r} (its options: {known})")
        opts[k] = option_value(key, k, v, classes)
    return LossChoice(key, opts, entry.within or reduction)
