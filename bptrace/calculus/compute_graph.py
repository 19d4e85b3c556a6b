"""The computation graph at the level of operations, as an autograd engine records it.

Provides ``compute_graph(net)`` → ``ComputeGraph``: one ``OpNode`` per leaf (input,
parameter, target, dropout mask) and per operation, each with its value and — for
everything E_total depends on through a parameter — its gradient ∂E_total/∂node.

Nothing here differentiates anew. Values and gradients are read from what the network
already computed (``net.values``, ``net.gradients()``, ``net.numbers``) and combined only
where a node has no name of its own:
- a product w·x and the sum net_x carry δ_x (net is a plain sum of its terms);
- out_x carries ∂E/∂out_x: ∂E/∂out_o for an output, Σ_k δ_k·w_kx for a hidden neuron;
  with dropout, d_x = (m_x·out_x)·1/(1 − p) carries that sum and out_x its share;
- the loss, by its kind (``_loss_nodes``): the squared losses as subtract → square →
  constant → sum (``_LOSS_SPLIT``); L1, Smooth L1 and Huber as r = out − target and the
  element's op on r; BCE and BCE-with-logits as one op per output on (out, target);
  cross-entropy through softmax → log → −Σ a_j·log p_j; NLL as −Σ a_j·x_j;
- a batch (``BatchNetwork``) is one such graph per sample (ids prefixed ``s1_``, …; each
  sample has its own copy of every parameter, whose gradient is that sample's share of
  ∂E_total/∂p) feeding the reduction: sum, then × 1/B for the mean.
What each op computes from its inputs, in order (``const`` where it has one):
multiply Π·const; add, sum Σ·const; subtract a − b; square a²; an activation's name
act(a); l1 |a|; smooth_l1, huber the element at 0 with β or δ = const; bce,
bce_with_logits torch's element on (a, b); softmax the const-th entry of softmax(inputs);
log ln a; cross_entropy and nll −Σ const_j·input_j over the first inputs (the targets,
which set the constants, follow). ``tests/test_pictures.py`` runs every
graph op by op in torch with ``retain_grad()`` and compares every value and gradient.

Node names are SymPy expressions built from the derivation's symbols (w1·i1, net_h1,
out_h1, target_o1 − out_o1, E_o1, E_total) so the picture reads like the derivation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import mpmath
import sympy

from ..model.loss_classes import coefficients
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
    """One node: ``op`` (input, parameter, target, mask, multiply, add, sigmoid, …,
    subtract, square, sum, …), its name as a formula, its value, its gradient (None when
    E_total does not depend on it through a parameter: inputs, targets, masks), and the
    nodes it reads."""

    id: str
    op: str
    expr: sympy.Expr
    value: mpmath.mpf
    grad: Optional[mpmath.mpf]
    inputs: tuple[str, ...] = ()
    const: object = None      # the constant of "multiply by ½", β, δ, softmax's index, a_j
    sample: int = 0           # 1, 2, … in a batch's graph; 0 otherwise


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
    if not net.batched:
        return ComputeGraph(net.name, tuple(_sample_nodes(net)))
    B = net.batch_size
    scale = mpmath.mpf(1) / B if net.reduction == "mean" else mpmath.mpf(1)
    nodes, totals = [], []
    for s, sample in enumerate(net.sample_networks, start=1):
        nodes += _sample_nodes(sample, f"s{s}_", scale, s)
        totals.append(f"s{s}_E")
    E, value = net.loss_name, net.loss_value
    syms = [S(n.loss_name) for n in net.sample_networks]
    if net.reduction == "mean":
        total = mpmath.fsum(n.loss_value for n in net.sample_networks)
        nodes.append(OpNode("sum", "sum", add(*syms), total, scale, tuple(totals)))
        nodes.append(OpNode("E", "multiply", S(E), value, mpmath.mpf(1), ("sum",), sympy.Rational(1, B)))
    else:
        nodes.append(OpNode("E", "sum", S(E), value, mpmath.mpf(1), tuple(totals)))
    return ComputeGraph(net.name, tuple(nodes))


def _sample_nodes(net, p: str = "", scale=mpmath.mpf(1), sample: int = 0) -> list:
    """One sample's graph; ids prefixed by ``p``, gradients times ``scale`` (1/B in a mean)."""
    vals, nums, grads = net.values, net.numbers, net.gradients()
    names = net.names
    nodes = []

    def node(id_, op, expr, value, grad, inputs=(), const=None):
        nodes.append(OpNode(p + id_, op, expr, value, None if grad is None else grad * scale,
                            tuple(p + i for i in inputs), const, sample))

    for k, x in enumerate(names.inputs):
        node(f"x{k + 1}", "input", S(x), vals[x], None)
    feeding = [f"x{k + 1}" for k in range(len(names.inputs))]
    for l, layer in enumerate(net.layers):
        tag = f"{l + 1}"
        for j, b in enumerate(names.biases[l]):
            bid = f"b{tag}" if layer.shared_bias else f"b{tag}_{j + 1}"
            node(bid, "parameter", S(b), vals[b], grads[b])
        xs = net.layer_inputs(l)
        outs = []
        for j, n in enumerate(names.neurons[l]):
            delta = nums.delta[l][j]
            terms = []
            for k, w in enumerate(names.weights[l][j]):
                wid, mid = f"w{tag}_{j + 1}_{k + 1}", f"mul{tag}_{j + 1}_{k + 1}"
                node(wid, "parameter", S(w), vals[w], grads[w])
                node(mid, "multiply", mul(S(w), S(xs[k])), vals[w] * vals[xs[k]], delta,
                    (wid, feeding[k]))
                terms.append(mid)
            if layer.bias is not None:
                terms.append(f"b{tag}" if layer.shared_bias else f"b{tag}_{j + 1}")
            node(f"net{tag}_{j + 1}", "add", S(f"net_{n}"), vals[f"net_{n}"], delta, tuple(terms))
            if l == len(net.layers) - 1:
                dout = nums.dout[j]
            else:
                # out_x (or d_x) feeds every neuron of the next layer: ∂E/∂out_x = Σ_k δ_k·w_kx
                dout = mpmath.fsum(nums.delta[l + 1][k] * vals[names.weights[l + 1][k][j]]
                                   for k in range(net.layers[l + 1].units))
            scale_j = net.dropout_scales()[l][j] if net.has_dropout(l) and net.training else None
            dout_out = dout if scale_j is None else dout * _mpf(sympy.Rational(scale_j))
            node(f"out{tag}_{j + 1}", layer.activation, S(f"out_{n}"), vals[f"out_{n}"],
                dout_out, (f"net{tag}_{j + 1}",))
            outs.append(f"out{tag}_{j + 1}")
            if scale_j is not None:
                outs[-1] = _dropout_nodes(node, net, l, j, n, tag, dout)
        feeding = outs
    _loss_nodes(node, net, feeding)
    return nodes


def _dropout_nodes(node, net, l, j, n, tag, dout) -> str:
    """m_x (a leaf), m_x·out_x, and d_x = that × 1/(1 − p); returns d_x's id."""
    vals = net.values
    m, keep = vals[f"m_{n}"], 1 - vals[net.dropout_symbol(l).name]
    inv = sympy.Rational(1) / (1 - sympy.Rational(net.layers[l].dropout))
    node(f"m{tag}_{j + 1}", "mask", S(f"m_{n}"), m, None)
    node(f"mo{tag}_{j + 1}", "multiply", mul(S(f"m_{n}"), S(f"out_{n}")), m * vals[f"out_{n}"],
        dout / keep, (f"m{tag}_{j + 1}", f"out{tag}_{j + 1}"))
    node(f"d{tag}_{j + 1}", "multiply", S(f"d_{n}"), vals[f"d_{n}"], dout, (f"mo{tag}_{j + 1}",), inv)
    return f"d{tag}_{j + 1}"


def _loss_nodes(node, net, feeding) -> None:
    """The loss's nodes, from the outputs (``feeding``) to E_total."""
    vals, nums, E = net.values, net.numbers, net.loss_name
    outs = [S(f"out_{o}") for o in net.outputs]
    for j, o in enumerate(net.outputs):
        node(f"t{j + 1}", "target", S(f"target_{o}"), vals[f"target_{o}"], None)
    if net.loss in _LOSS_SPLIT:
        return _squared(node, net, feeding)
    n = len(net.outputs)
    within = net.loss.within == "mean"
    each = mpmath.mpf(1) / n if within else mpmath.mpf(1)    # ∂E_total/∂E_o
    terms = []
    if net.loss.entry.kind == "elementwise":
        for j, o in enumerate(net.outputs):
            t = S(f"target_{o}")
            inputs = (feeding[j], f"t{j + 1}")
            if net.loss in ("l1", "smooth_l1", "huber"):
                r = add(outs[j], mul(-1, t))
                node(f"r{j + 1}", "subtract", r, vals[f"out_{o}"] - vals[f"target_{o}"],
                    nums.dout[j], inputs)
                inputs = (f"r{j + 1}",)
            const = net.loss.options.get("beta", net.loss.options.get("delta"))
            node(f"E{j + 1}", str(net.loss), S(f"E_{o}"), vals[f"E_{o}"], each, inputs,
                None if const is None else sympy.Rational(const))
            terms.append(f"E{j + 1}")
        total = mpmath.fsum(vals[f"E_{o}"] for o in net.outputs)
        syms = [S(f"E_{o}") for o in net.outputs]
        if within and n > 1:
            node("sum", "sum", add(*syms), total, each, tuple(terms))
            node("E", "multiply", S(E), vals[E], mpmath.mpf(1), ("sum",), sympy.Rational(1, n))
        else:
            node("E", "sum", S(E), vals[E], mpmath.mpf(1), tuple(terms))
        return
    a = [sympy.Rational(v) for v in coefficients(net.targets, net.loss.options, n)]
    if net.loss == "cross_entropy":
        logs = []
        for j, o in enumerate(net.outputs):
            p = mpmath.exp(vals[f"out_{o}"]) / mpmath.fsum(mpmath.exp(vals[f"out_{q}"]) for q in net.outputs)
            node(f"p{j + 1}", "softmax", S(f"p_{o}"), p, -_mpf(a[j]) / p if a[j] else mpmath.mpf(0),
                tuple(feeding), j)
            node(f"log{j + 1}", "log", sympy.log(S(f"p_{o}")), mpmath.log(p), -_mpf(a[j]), (f"p{j + 1}",))
            logs.append(f"log{j + 1}")
        inputs = tuple(logs)
    else:   # nll: −Σ a_j·x_j on log-probabilities
        inputs = tuple(feeding)
    # the targets set the constants a_j (with weights and label smoothing): inputs too
    node("E", str(net.loss), S(E), vals[E], mpmath.mpf(1), inputs + tuple(f"t{j + 1}" for j in range(n)),
        tuple(a))


def _squared(node, net, feeding) -> None:
    """half_sse, mse and sse: subtract → square → constant → sum."""
    vals, nums, E = net.values, net.numbers, net.loss_name
    per_term, on_total = _LOSS_SPLIT[net.loss](len(net.outputs))
    terms = []
    for j, o in enumerate(net.outputs):
        t, out = f"target_{o}", f"out_{o}"
        diff = add(S(t), mul(-1, S(out)))
        d = vals[t] - vals[out]
        # ∂E/∂(t − out) = −∂E/∂out, since ∂(t − out)/∂out = −1
        node(f"sub{j + 1}", "subtract", diff, d, -nums.dout[j], (f"t{j + 1}", feeding[j]))
        square = sympy.Pow(diff, 2, evaluate=False)
        sq_grad = _mpf(per_term if per_term is not None else on_total if on_total is not None
                       else sympy.Integer(1))
        if per_term is not None:
            node(f"sq{j + 1}", "square", square, d * d, sq_grad, (f"sub{j + 1}",))
            node(f"E{j + 1}", "multiply", S(f"E_{o}"), vals[f"E_{o}"], mpmath.mpf(1),
                (f"sq{j + 1}",), per_term)
        else:
            node(f"E{j + 1}", "square", S(f"E_{o}"), vals[f"E_{o}"], sq_grad, (f"sub{j + 1}",))
        terms.append(f"E{j + 1}")
    e_syms = [S(f"E_{o}") for o in net.outputs]
    if on_total is None:
        node("E", "sum", S(E), vals[E], mpmath.mpf(1), tuple(terms))
    else:
        total = mpmath.fsum(vals[f"E_{o}"] for o in net.outputs)
        node("sum", "sum", add(*e_syms), total, _mpf(on_total), tuple(terms))
        node("E", "multiply", S(E), vals[E], mpmath.mpf(1), ("sum",), on_total)
