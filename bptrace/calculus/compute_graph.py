"""The computation graph at the level of operations, as an autograd engine records it.

Provides ``compute_graph(net)`` → ``ComputeGraph``: one ``OpNode`` per leaf (input,
parameter, target) and per operation (multiply, add, the activation, subtract, square,
multiply by a constant, sum), each with its value and — for everything E_total depends on
through a parameter — its gradient ∂E_total/∂node.

Nothing here differentiates anew. Values and gradients are read from what the network
already computed (``net.values``, ``net.gradients()``, ``net.numbers``) and combined only
where a node has no name of its own:
- a product w·x and the sum net_x carry δ_x (net is a plain sum of its terms);
- out_x carries ∂E/∂out_x: ∂E/∂out_o for an output, Σ_k δ_k·w_kx for a hidden neuron;
- the loss is split into subtract → square → constant → sum, with the loss's constant
  factors (½ per term for ``half_sse``, 1/n on the total for ``mse``, none for ``sse``)
  in ``_LOSS_SPLIT``.
``tests/test_dot.py`` checks every value and gradient against torch.autograd with
``retain_grad()`` on each intermediate tensor.

Node names are SymPy expressions built from the derivation's symbols (w1·i1, net_h1,
out_h1, target_o1 − out_o1, E_o1, E_total) so the picture reads like the derivation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import mpmath
import sympy

from ..errors import SpecError
from ..model.unevaluated import add, mul

S = sympy.Symbol

# loss → (constant on each squared term, constant on the sum); E_o is the constant times
# the square, E_total the constant times the sum
_LOSS_SPLIT = {
    "half_sse": lambda n: (sympy.Rational(1, 2), None),
    "mse": lambda n: (None, sympy.Rational(1, n)),
    "sse": lambda n: (None, None),
}


@dataclass(frozen=True)
class OpNode:
    """One node: ``op`` (input, parameter, target, multiply, add, sigmoid, …, subtract,
    square, sum), its name as a formula, its value, its gradient (None when E_total does
    not depend on it through a parameter: inputs, targets), and the nodes it reads."""

    id: str
    op: str
    expr: sympy.Expr
    value: mpmath.mpf
    grad: Optional[mpmath.mpf]
    inputs: tuple[str, ...] = ()
    const: Optional[sympy.Rational] = None   # the constant of "multiply by ½"


@dataclass(frozen=True)
class ComputeGraph:
    """The nodes in an order where every node comes after the nodes it reads."""

    network: str
    nodes: tuple[OpNode, ...]

    def node(self, id_: str) -> OpNode:
        return next(n for n in self.nodes if n.id == id_)


def _mpf(q) -> mpmath.mpf:
    return mpmath.mpf(int(q.p)) / int(q.q)


def compute_graph(net) -> ComputeGraph:
    """The operation-level graph of ``net``'s forward pass with values and gradients."""
    if net.loss not in _LOSS_SPLIT:
        raise SpecError("--kind", f"the computation graph is not drawn for loss {net.loss!r} "
                        f"(drawn for: {', '.join(_LOSS_SPLIT)})")
    vals, nums, grads = net.values, net.numbers, net.gradients()
    E = net.loss_name
    names = net.names
    nodes = []
    add_node = nodes.append
    for k, x in enumerate(names.inputs):
        add_node(OpNode(f"x{k + 1}", "input", S(x), vals[x], None))
    feeding = [f"x{k + 1}" for k in range(len(names.inputs))]
    for l, layer in enumerate(net.layers):
        tag = f"{l + 1}"
        for j, b in enumerate(names.biases[l]):
            bid = f"b{tag}" if layer.shared_bias else f"b{tag}_{j + 1}"
            add_node(OpNode(bid, "parameter", S(b), vals[b], grads[b]))
        xs = net.layer_inputs(l)
        outs = []
        for j, n in enumerate(names.neurons[l]):
            delta = nums.delta[l][j]
            terms = []
            for k, w in enumerate(names.weights[l][j]):
                wid, mid = f"w{tag}_{j + 1}_{k + 1}", f"mul{tag}_{j + 1}_{k + 1}"
                add_node(OpNode(wid, "parameter", S(w), vals[w], grads[w]))
                add_node(OpNode(mid, "multiply", mul(S(w), S(xs[k])), vals[w] * vals[xs[k]], delta,
                           (wid, feeding[k])))
                terms.append(mid)
            bid = f"b{tag}" if layer.shared_bias else f"b{tag}_{j + 1}"
            add_node(OpNode(f"net{tag}_{j + 1}", "add", S(f"net_{n}"), vals[f"net_{n}"], delta,
                       tuple(terms) + (bid,)))
            if l == len(net.layers) - 1:
                dout = nums.dout[j]
            else:
                # out_x feeds every neuron of the next layer: ∂E/∂out_x = Σ_k δ_k·w_kx
                dout = mpmath.fsum(nums.delta[l + 1][k] * vals[names.weights[l + 1][k][j]]
                                   for k in range(net.layers[l + 1].units))
            add_node(OpNode(f"out{tag}_{j + 1}", layer.activation, S(f"out_{n}"), vals[f"out_{n}"],
                       dout, (f"net{tag}_{j + 1}",)))
            outs.append(f"out{tag}_{j + 1}")
        feeding = outs
    per_term, on_total = _LOSS_SPLIT[net.loss](len(net.outputs))
    terms = []
    for j, o in enumerate(net.outputs):
        t, out = f"target_{o}", f"out_{o}"
        diff = add(S(t), mul(-1, S(out)))
        d = vals[t] - vals[out]
        add_node(OpNode(f"t{j + 1}", "target", S(t), vals[t], None))
        # ∂E/∂(t − out) = −∂E/∂out, since ∂(t − out)/∂out = −1
        add_node(OpNode(f"sub{j + 1}", "subtract", diff, d, -nums.dout[j], (f"t{j + 1}", feeding[j])))
        square = sympy.Pow(diff, 2, evaluate=False)
        sq_grad = _mpf(per_term if per_term is not None else on_total if on_total is not None
                       else sympy.Integer(1))
        if per_term is not None:
            add_node(OpNode(f"sq{j + 1}", "square", square, d * d, sq_grad, (f"sub{j + 1}",)))
            add_node(OpNode(f"E{j + 1}", "multiply", S(f"E_{o}"), vals[f"E_{o}"], mpmath.mpf(1),
                       (f"sq{j + 1}",), per_term))
        else:
            add_node(OpNode(f"E{j + 1}", "square", S(f"E_{o}"), vals[f"E_{o}"], sq_grad,
                       (f"sub{j + 1}",)))
        terms.append(f"E{j + 1}")
    e_syms = [S(f"E_{o}") for o in net.outputs]
    if on_total is None:
        add_node(OpNode("E", "sum", S(E), vals[E], mpmath.mpf(1), tuple(terms)))
    else:
        total = mpmath.fsum(vals[f"E_{o}"] for o in net.outputs)
        add_node(OpNode("sum", "sum", add(*e_syms), total, _mpf(on_total), tuple(terms)))
        add_node(OpNode("E", "multiply", S(E), vals[E], mpmath.mpf(1), ("sum",), on_total))
    return ComputeGraph(net.name, tuple(nodes))
