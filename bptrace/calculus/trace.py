"""The trace model: what bptrace computed, as data; printers turn it into text, JSON, ….

Provides frozen dataclasses:
- ``Step`` — one line of working: ``lhs = formula = (numbers substituted) = value``;
- ``ForwardTrace`` — the forward pass and the error;
- ``Factor``, ``Path``, ``Derivation`` — one gradient by the chain rule, path by path,
  and in delta form;
- ``Proof`` — chain rule minus ``sympy.diff`` of the written-out error, simplified;
- ``UpdateTrace``, ``TrainTrace`` — gradient-descent updates and training.

Every trace keeps ``values`` (symbol name → mpf at working precision) so a printer can
substitute numbers into any formula; ``to_dict()`` gives the JSON form. Nothing here
rounds or formats: that is the printers' job.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping, Optional

import mpmath
import sympy

from ..wiring import upward


def _num(x) -> float:
    return float(x)


@lru_cache(maxsize=4096)
def _sstr(expr, order=None) -> str:
    """``sympy.sstr``, once per distinct formula: a big network's derivations repeat them
    (SymPy's expressions are immutable, compared and hashed by structure)."""
    return sympy.sstr(expr) if order is None else sympy.sstr(expr, order=order)


# Jupyter's display hooks: the printers and renderers live above this layer, so the hooks
# are declared here and wired to them by the package facade (bptrace/wiring.py).
_repr_latex = upward("_repr_latex_", "Jupyter shows a trace as math (the LaTeX printer).", display=True)
_repr_svg = upward("_repr_svg_", "Jupyter shows the network picture, paths highlighted for a derivation.",
                   display=True)
_repr_html = upward("_repr_html_", "Jupyter shows the picture above the maths, in one output.", display=True)
_str = upward("__str__", "``print(trace)`` prints the worked example (the text printer).")


@dataclass(frozen=True)
class Step:
    """``lhs = formula`` evaluated: the formula's numbers come from the trace's ``values``."""

    lhs: sympy.Expr
    formula: sympy.Expr
    value: mpmath.mpf

    def to_dict(self) -> dict:
        return {"symbol": _sstr(self.lhs), "formula": _sstr(self.formula, "none"),
                "value": _num(self.value)}


@dataclass(frozen=True)
class ForwardTrace:
    """The forward pass: each neuron's net and out, each output's error, E_total."""
    _repr_latex_ = _repr_latex
    _repr_html_ = _repr_html
    __str__ = _str

    network: str
    steps: tuple[Step, ...]
    values: Mapping[str, mpmath.mpf]
    loss: str
    net: object = field(default=None, repr=False, compare=False)   # the Network, for pictures

    _repr_svg_ = _repr_svg

    def to_dict(self) -> dict:
        return {
            "kind": "forward",
            "network": self.network,
            "loss": self.loss,
            "steps": [s.to_dict() for s in self.steps],
            "values": {s.lhs.name: _num(s.value) for s in self.steps},
        }


@dataclass(frozen=True)
class Factor:
    """One local derivative ∂of/∂wrt on a path."""

    of: str
    wrt: str
    formula: sympy.Expr
    value: mpmath.mpf

    def to_dict(self) -> dict:
        return {"of": self.of, "wrt": self.wrt,
                "formula": _sstr(self.formula, "none"), "value": _num(self.value)}


@dataclass(frozen=True)
class Path:
    """One route from a parameter to the error; its contribution is the product of factors.

    ``nodes`` runs from the parameter to E_total; ``factors`` in the order of the
    Leibniz product, from E_total back to the parameter.
    """

    nodes: tuple[str, ...]
    factors: tuple[Factor, ...]
    value: mpmath.mpf

    def to_dict(self) -> dict:
        return {"nodes": list(self.nodes), "factors": [f.to_dict() for f in self.factors],
                "product": _num(self.value)}


@dataclass(frozen=True)
class Derivation:
    """∂E_total/∂param by the chain rule over every path, and by the delta recursion.

    ``paths`` is empty when ``path_count`` exceeded the display limit (``summarised``);
    the value then comes from the delta form alone, which is always complete.
    """
    _repr_latex_ = _repr_latex
    _repr_html_ = _repr_html
    __str__ = _str

    param: str
    loss_symbol: str
    value: mpmath.mpf
    path_count: int
    paths: tuple[Path, ...]
    summarised: bool
    deltas: tuple[Step, ...]
    gradient: Step
    values: Mapping[str, mpmath.mpf]
    net: object = field(default=None, repr=False, compare=False)   # the Network, for pictures

    _repr_svg_ = _repr_svg

    @property
    def path_sum(self) -> Optional[mpmath.mpf]:
        return None if self.summarised else mpmath.fsum(p.value for p in self.paths)

    def to_dict(self) -> dict:
        return {
            "kind": "derivation",
            "param": self.param,
            "value": _num(self.value),
            "path_count": self.path_count,
            "paths": [p.to_dict() for p in self.paths],
            "summarised": self.summarised,
            "delta": {
                "steps": [s.to_dict() for s in self.deltas],
                "gradient": self.gradient.to_dict(),
            },
        }


@dataclass(frozen=True)
class Proof:
    """Symbolic check: Σ paths (written out) − sympy.diff(E written out) simplifies to 0."""
    _repr_latex_ = _repr_latex
    _repr_html_ = _repr_html
    __str__ = _str

    param: str
    chain_rule: Optional[sympy.Expr]
    direct: Optional[sympy.Expr]
    difference: Optional[sympy.Expr]
    reason: Optional[str] = None      # why the proof was not attempted

    @property
    def proven(self) -> bool:
        return self.difference is not None and self.difference == 0

    def to_dict(self) -> dict:
        return {"kind": "proof", "param": self.param, "proven": self.proven,
                "difference": None if self.difference is None else sympy.sstr(self.difference),
                "reason": self.reason}


@dataclass(frozen=True)
class BatchForwardTrace:
    """The forward pass of each sample, then the batch's error E_total = reduce(E_s)."""
    _repr_latex_ = _repr_latex
    _repr_html_ = _repr_html
    __str__ = _str

    network: str
    samples: tuple[ForwardTrace, ...]
    total: Step
    reduction: str
    values: Mapping[str, mpmath.mpf]

    def to_dict(self) -> dict:
        return {
            "kind": "batch_forward",
            "network": self.network,
            "reduction": self.reduction,
            "samples": [t.to_dict() for t in self.samples],
            "total": self.total.to_dict(),
            "values": {"E_total": _num(self.total.value)},
        }


@dataclass(frozen=True)
class BatchDerivation:
    """∂E_total/∂param for a batch: each sample's derivation, then their reduction."""
    _repr_latex_ = _repr_latex
    _repr_html_ = _repr_html
    __str__ = _str

    param: str
    samples: tuple[Derivation, ...]
    gradient: Step
    value: mpmath.mpf
    reduction: str
    values: Mapping[str, mpmath.mpf]

    def to_dict(self) -> dict:
        return {
            "kind": "batch_derivation",
            "param": self.param,
            "value": _num(self.value),
            "reduction": self.reduction,
            "samples": [d.to_dict() for d in self.samples],
            "gradient": self.gradient.to_dict(),
        }


@dataclass(frozen=True)
class Update:
    """One parameter's gradient-descent step, w⁺ = w − η·∂E/∂w (or kept fixed)."""

    param: str
    old: mpmath.mpf
    grad: mpmath.mpf
    new: mpmath.mpf
    updated: bool


@dataclass(frozen=True)
class UpdateTrace:
    """One round of gradient descent; every gradient is taken at the old parameters."""
    _repr_latex_ = _repr_latex
    _repr_html_ = _repr_html
    __str__ = _str

    learning_rate: mpmath.mpf
    updates: tuple[Update, ...]
    loss_before: mpmath.mpf
    network: object = field(repr=False, compare=False)   # the updated Network

    def to_dict(self) -> dict:
        return {
            "kind": "update",
            "learning_rate": _num(self.learning_rate),
            "loss_before": _num(self.loss_before),
            "params": {u.param: _num(u.new) for u in self.updates},
            "steps": [{"param": u.param, "old": _num(u.old), "grad": _num(u.grad),
                       "new": _num(u.new), "updated": u.updated} for u in self.updates],
        }


@dataclass(frozen=True)
class TrainTrace:
    """Training for ``rounds`` rounds: the error at chosen rounds, the final parameters."""
    _repr_latex_ = _repr_latex
    _repr_html_ = _repr_html
    __str__ = _str

    rounds: int
    learning_rate: float
    rule: Mapping[str, object]          # update_biases, sequential, report
    losses: tuple[tuple[int, float], ...]   # (round, E_total)
    params: Mapping[str, float]
    outputs: Mapping[str, float]
    exact: bool

    def to_dict(self) -> dict:
        return {
            "kind": "train",
            "rounds": self.rounds,
            "learning_rate": self.learning_rate,
            "rule": dict(self.rule),
            "exact": self.exact,
            "losses": [{"round": r, "E_total": float(v)} for r, v in self.losses],
            "params": {k: float(v) for k, v in self.params.items()},
            "outputs": {k: float(v) for k, v in self.outputs.items()},
        }
