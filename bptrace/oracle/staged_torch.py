"""torch as the oracle of a staged expression: the same graph in float64, every node kept.

Provides ``torch_graph(trace)`` → every node's (value, gradient) and every edge's (local
gradient, upstream × local) from torch.autograd — each gate built from its own parse tree
with torch's functions, ``retain_grad()`` on every node and on every edge's operand, one
``backward()`` from the output — ``torch_nodes(trace)`` (the nodes alone) and
``check_staged(trace)`` → a ``Comparison`` of all of them with bptrace's 50-digit numbers.

A value is compared relative to the largest of its operands (a sum that cancels is exact
only relative to its terms), a gradient relative to the largest branch that sums into it,
an edge's local gradient and product relative to themselves;
``oracle/comparison.py`` states the rule. torch is imported inside the functions.
"""
from __future__ import annotations

from ..lessons.expression import Call, Neg, Num, Param
from ..lessons.staged_trace import StagedTrace
from .comparison import RTOL, Comparison, compare

AGAINST = "torch.autograd (retain_grad on every node and edge)"


def _apply(tree, operand, torch):
    """A gate's parse tree evaluated with torch float64 tensors; ``operand(name)`` gives
    the tensor a name stands for at that place."""
    if isinstance(tree, Num):
        return torch.tensor(float(tree.value), dtype=torch.float64)
    if isinstance(tree, Param):
        return operand(tree.name)
    if isinstance(tree, Neg):
        return -_apply(tree.operand, operand, torch)
    if isinstance(tree, Call):
        return getattr(torch, tree.func)(_apply(tree.arg, operand, torch))
    a, b = _apply(tree.left, operand, torch), _apply(tree.right, operand, torch)
    return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
            "/": lambda: a / b, "**": lambda: a ** b, "max": lambda: torch.maximum(a, b)}[tree.op]()


def torch_graph(t: StagedTrace):
    """The graph in torch: every node's (value, ∂f/∂node), and every edge's (local, product).

    Each edge reads its operand through its own ``clone()`` — exact, and a tensor of its own
    whose ``.grad`` is that branch's contribution alone; ``torch.autograd.grad`` of the gate
    with respect to the clone is the edge's local gradient. Edges are in ``t.edges`` order.
    """
    import torch

    tensors, uses = {}, {}
    for n in t.nodes:
        if n.gate == "input":
            v = torch.tensor(float(t.at[n.name]), dtype=torch.float64, requires_grad=True)
        else:
            clones = [tensors[a].clone() for a in n.args]     # one per edge, as t.edges has them
            for c in clones:
                c.retain_grad()
            if n.gate == "stage":       # a grouped stage: one edge per name it reads
                by_name = dict(zip(n.args, clones))
                v = _apply(n.tree, by_name.__getitem__, torch)
            else:                       # an operation: one edge per operand, left to right
                order = iter(clones)
                v = _apply(n.tree, lambda name: next(order), torch)
            v.retain_grad()
            uses[n.name] = (v, clones)
        tensors[n.name] = v
    local = {}
    for name, (v, clones) in uses.items():
        grads = torch.autograd.grad(v, clones, retain_graph=True, allow_unused=True)
        local[name] = [0.0 if g is None else float(g) for g in grads]
    # retain_grad's hooks fire under autograd.grad too: start the backward pass from clean
    for v, clones in uses.values():
        for x in (v, *clones):
            x.grad = None
    tensors[t.output].backward()
    nodes = {name: (float(v.detach()), float(v.grad) if v.grad is not None else 0.0)
             for name, v in tensors.items()}
    seen: dict[str, int] = {}
    edges = []
    for e in t.edges:
        i = seen.get(e.gate, 0)
        seen[e.gate] = i + 1
        c = uses[e.gate][1][i]
        edges.append((local[e.gate][i], float(c.grad) if c.grad is not None else 0.0))
    return nodes, edges


def torch_nodes(t: StagedTrace) -> dict[str, tuple[float, float]]:
    """Every node's value and ∂f/∂node as torch.autograd computes them in float64."""
    return torch_graph(t)[0]


def check_staged(t: StagedTrace, rtol: float = RTOL) -> Comparison:
    """Every number the trace prints beside torch's: each node's value and gradient, each
    edge's local gradient and upstream × local product (see the module docstring)."""
    nodes, edges = torch_graph(t)
    pairs = []
    for n in t.nodes:
        operands = [abs(float(t.values[a])) for a in n.args]
        pairs.append((n.name, n.value, nodes[n.name][0], max(operands, default=0.0)))
    for n in t.nodes:
        branches = [abs(float(e.product)) for e in t.edges if e.child == n.name]
        pairs.append((f"∂{t.output}/∂{n.name}", n.grad, nodes[n.name][1], max(branches, default=0.0)))
    for e, (local, product) in zip(t.edges, edges):
        where = f"{e.gate} → {e.child}" + (f" (branch {e.branch})" if e.branches > 1 else "")
        pairs.append((f"local ∂{e.gate}/∂{e.child}, {where}", e.local_value, local))
        pairs.append((f"upstream × local, {where}", e.product, product))
    return compare(pairs, AGAINST, rtol=rtol)
