"""The trace of backpropagation through a typed expression, stage by stage: data, no text.

Provides frozen dataclasses:
- ``Node`` — an input or a gate: its operands, its formula in their symbols (q = x + y), its
  value and its gradient ∂f/∂node (every branch summed);
- ``Edge`` — one operand of a gate in the backward pass: the local gradient (formula and
  value), the upstream gradient, their product, and which branch of the operand it is;
- ``FanOut`` — a node used more than once: each branch's contribution and their sum;
- ``StagedProof`` — the staged gradients minus ``sympy.diff`` of the whole expression;
- ``StagedTrace`` — all of it, with ``to_dict()`` for JSON.

``lessons/staged.py`` builds it; the printers turn it into text, LaTeX and a picture.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Optional

import mpmath
import sympy

from ..calculus.trace import Step
from ..wiring import upward

GATES = ("add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "sin", "cos", "tanh",
         "sigmoid", "stage")


def _text(expr) -> str:
    return sympy.sstr(expr, order="none")


@dataclass(frozen=True)
class Node:
    """An input (``gate == "input"``) or a gate reading ``args`` (a name twice for x·x)."""

    name: str
    gate: str
    args: tuple[str, ...]
    formula: Optional[sympy.Expr]   # in the args' symbols, as written; None for an input
    tree: object                    # the parse tree over the args (torch evaluates it)
    value: mpmath.mpf
    grad: mpmath.mpf                # ∂f/∂node, all branches summed

    def to_dict(self) -> dict:
        out = {"name": self.name, "gate": self.gate, "inputs": list(self.args)}
        if self.formula is not None:
            out["formula"] = _text(self.formula)
        out.update(value=float(self.value), grad=float(self.grad))
        return out


@dataclass(frozen=True)
class Edge:
    """Operand ``child`` of gate ``gate``: ∂f/∂gate (upstream) × ∂gate/∂child (local)."""

    gate: str
    child: str
    local: sympy.Expr          # ∂gate/∂child in the gate's operand symbols
    local_value: mpmath.mpf
    upstream: mpmath.mpf       # ∂f/∂gate
    product: mpmath.mpf        # this branch's contribution to ∂f/∂child
    branch: int                # 1, 2, … among the child's uses, in backward order
    branches: int              # how many times the child is used

    def to_dict(self) -> dict:
        return {"gate": self.gate, "to": self.child, "local": _text(self.local),
                "local_value": float(self.local_value), "upstream": float(self.upstream),
                "product": float(self.product), "branch": self.branch, "branches": self.branches}


@dataclass(frozen=True)
class FanOut:
    """A node used ``len(terms)`` times: ∂f/∂node = the sum of its branches."""

    node: str
    terms: tuple[mpmath.mpf, ...]
    value: mpmath.mpf

    def to_dict(self) -> dict:
        return {"node": self.node, "branches": [float(t) for t in self.terms], "sum": float(self.value)}


@dataclass(frozen=True)
class StagedProof:
    """For each input, (staged ∂f/∂input) − sympy.diff(f, input), simplified."""

    proven: bool
    differences: Mapping[str, sympy.Expr]
    reason: str = ""

    def to_dict(self) -> dict:
        out = {"proven": self.proven, "differences": {k: _text(v) for k, v in self.differences.items()}}
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class StagedTrace:
    """Backpropagation through ``text`` at the point ``at``, stage by stage.

    ``nodes`` are in forward order (the inputs, then each gate after its operands);
    ``edges`` in backward order (gate by gate from the output, operands left to right).
    """

    text: str
    output: str
    at: Mapping[str, Fraction]
    nodes: tuple[Node, ...]
    forward: tuple[Step, ...]
    edges: tuple[Edge, ...]
    fanouts: tuple[FanOut, ...]
    values: Mapping[str, mpmath.mpf]          # node name → value (the printers substitute these)
    expr: sympy.Expr                          # the whole expression in the inputs
    derivatives: Mapping[str, sympy.Expr]     # sympy.diff(expr, input)
    proof: Optional[StagedProof]
    explain: bool = False                     # the printers add each gate's intuition

    _repr_latex_ = upward("_repr_latex_", "Jupyter shows the staged trace as math (the LaTeX printer).")

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(self.at)

    @property
    def gates(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.gate != "input")

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def gradient(self, name: str) -> mpmath.mpf:
        return self.node(name).grad

    def edges_of(self, gate: str) -> tuple[Edge, ...]:
        return tuple(e for e in self.edges if e.gate == gate)

    def fanout(self, name: str) -> Optional[FanOut]:
        return next((f for f in self.fanouts if f.node == name), None)

    def to_dict(self) -> dict:
        out = {
            "kind": "staged",
            "expression": self.text,
            "output": self.output,
            "at": {k: float(v) for k, v in self.at.items()},
            "nodes": [n.to_dict() for n in self.nodes],
            "forward": [s.to_dict() for s in self.forward],
            "backward": [e.to_dict() for e in self.edges],
            "fanouts": [f.to_dict() for f in self.fanouts],
            "gradients": {x: float(self.gradient(x)) for x in self.inputs},
            "derivatives": {x: _text(d) for x, d in self.derivatives.items()},
        }
        if self.proof is not None:
            out["proof"] = self.proof.to_dict()
        return out
