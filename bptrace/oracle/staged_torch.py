"""torch as the oracle of a staged expression: the same graph in float64, every node kept.

Provides ``torch_nodes(trace)`` → {node: (value, gradient)} from torch.autograd — each
gate built from its own parse tree with torch's functions, ``retain_grad()`` on every
intermediate, one ``backward()`` from the output — and ``check_staged(trace)`` → a
``Comparison`` of every node's value and gradient with bptrace's 50-digit numbers.

A value is compared relative to the largest of its operands (a sum that cancels is exact
only relative to its terms), a gradient relative to the largest branch that sums into it;
``oracle/comparison.py`` states the rule. torch is imported inside the functions.
"""
from __future__ import annotations

from ..lessons.expression import Call, Neg, Num, Param
from ..lessons.staged_trace import StagedTrace
from .comparison import RTOL, Comparison, compare

AGAINST = "torch.autograd (retain_grad on every node)"


def _apply(tree, values, torch):
    """A gate's parse tree evaluated with torch float64 tensors."""
    if isinstance(tree, Num):
        return torch.tensor(float(tree.value), dtype=torch.float64)
    if isinstance(tree, Param):
        return values[tree.name]
    if isinstance(tree, Neg):
        return -_apply(tree.operand, values, torch)
    if isinstance(tree, Call):
        return getattr(torch, tree.func)(_apply(tree.arg, values, torch))
    a, b = _apply(tree.left, values, torch), _apply(tree.right, values, torch)
    return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
            "/": lambda: a / b, "**": lambda: a ** b}[tree.op]()


def torch_nodes(t: StagedTrace) -> dict[str, tuple[float, float]]:
    """Every node's value and ∂f/∂node as torch.autograd computes them in float64."""
    import torch

    tensors = {}
    for n in t.nodes:
        if n.gate == "input":
            v = torch.tensor(float(t.at[n.name]), dtype=torch.float64, requires_grad=True)
        else:
            v = _apply(n.tree, tensors, torch)
            v.retain_grad()
        tensors[n.name] = v
    tensors[t.output].backward()
    return {name: (float(v.detach()), float(v.grad) if v.grad is not None else 0.0)
            for name, v in tensors.items()}


def check_staged(t: StagedTrace, rtol: float = RTOL) -> Comparison:
    """Every node's value and gradient beside torch's (see the module docstring)."""
    theirs = torch_nodes(t)
    pairs = []
    for n in t.nodes:
        operands = [abs(float(t.values[a])) for a in n.args]
        pairs.append((n.name, n.value, theirs[n.name][0], max(operands, default=0.0)))
    for n in t.nodes:
        branches = [abs(float(e.product)) for e in t.edges if e.child == n.name]
        pairs.append((f"∂{t.output}/∂{n.name}", n.grad, theirs[n.name][1], max(branches, default=0.0)))
    return compare(pairs, AGAINST, rtol=rtol)
