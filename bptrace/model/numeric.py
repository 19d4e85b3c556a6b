"""Numbers for a whole network in one pass: forward values, loss, deltas, gradients.

Provides ``run(...)`` → ``Numbers``, written once over a numeric module ``m``:
- ``m = mpmath`` at 50 significant digits is the exact path every trace shows;
- ``m = math`` (IEEE float64) is the fast path the training loop uses.
Both execute the same lines, so they can only differ by rounding (a test bounds it).
Gradients come from the delta recursion, δ_o = ∂E/∂out_o · f′(net_o) and
δ_h = (Σ_k δ_k w_kh) · f′(net_h), which costs one pass over the edges however deep the
network — path enumeration is only for showing.

Also ``evaluate(expr, values)``: an mpmath value for a SymPy formula built by bptrace, so
the number shown for a formula is computed from that formula.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import sympy

from . import fastmp
from .activations import (
    ACTIVATIONS,
    LEAKY_SLOPE,
    leaky_relu,
    leaky_step,
    relu,
    sigmoid,
    step,
)
from .loss_choice import choose
from .loss_math import FUNCTIONS as _LOSS_FUNCTIONS
from .loss_table import LossChoice
from .naming import derivative_key
from .numbers import to_mpf


@dataclass
class Numbers:
    net: list            # per layer, per neuron
    out: list
    terms: list          # E_o per output
    loss: object         # E_total
    dout: list           # ∂E_total/∂out_o per output
    delta: list          # per layer, per neuron: ∂E_total/∂net
    weight_grads: list   # per layer, [neuron][input]
    bias_grads: list     # per layer: one value if shared, else one per neuron
    inputs: list = None
    samples: list = None   # for a batch: each sample's Numbers
    fed: list = None       # per layer: what it feeds the next layer (out, or out after dropout)


def run(inputs, targets, layers, loss: str, m=mpmath) -> Numbers:
    """Forward and backward pass.

    ``layers`` is a list of ``(activation name, weights [neuron][input], biases, dropout
    factors)`` where ``biases`` has one entry for a shared bias, and the dropout factors
    m_j/(1 − p) are empty for a layer without dropout. Numbers must already be of ``m``'s
    type.
    """
    return backward(forward(inputs, targets, layers, loss, m), layers, m)


def forward(inputs, targets, layers, loss: str, m=mpmath) -> Numbers:
    """The forward pass and the loss; deltas and gradients are left empty."""
    nets, outs, fed = [], [], []
    x = list(inputs)
    for act, w, b, scale in layers:
        act = ACTIVATIONS[act]
        # one bias shared by the layer, one per neuron, or none
        bias = [b[0]] * len(w) if len(b) == 1 else b if len(b) else [0 * x[0]] * len(w)
        net = _weighted_sums(w, x, bias, m)
        out = act.value(net, m) if _arrays(m) else [act.value(v, m) for v in net]
        x = [o * s for o, s in zip(out, scale)] if scale else out   # dropout: m_j/(1 − p)
        nets.append(net)
        outs.append(out)
        fed.append(x)
    if _arrays(m):   # the loss on Python floats, by the plain path's code
        x = x.tolist()
    choice = loss if isinstance(loss, LossChoice) else choose(loss)
    opts = _numeric_options(choice.options, m)
    terms = choice.entry.values(targets, x, m, opts)     # E_o per output
    dout = choice.entry.grads(targets, x, m, opts)      # ∂(Σ E_o)/∂out_o
    total = sum(terms[1:], terms[0])
    if choice.within == "mean":
        total, dout = total / len(terms), [g / len(terms) for g in dout]
    return Numbers(nets, outs, terms, total, dout, [], [], [], inputs=list(inputs), fed=fed)


def _arrays(m) -> bool:
    """Whether ``m`` computes on whole arrays (``fastnp.Arrays``); asked without a failed
    attribute look-up on the mpmath and math modules, which the exact path would pay."""
    return m is not mpmath and m is not math and getattr(m, "arrays", False)


def _weighted_sums(w, x, bias, m) -> list:
    """net_j = Σ_k w_jk·x_k + b_j, as ``sum(products, b_j)`` adds them (left to right).

    At 50 digits the same roundings run on mpmath's raw numbers (``fastmp``), which skips
    the wrapper objects in between; the values are the same bits."""
    if m is mpmath and len(w) * len(x) >= fastmp.MIN_EDGES:
        fast = fastmp.weighted_sums(w, x, bias)
        if fast is not None:
            return fast
    elif _arrays(m):      # float64 arrays (fastnp.py), same order
        return m.weighted_sums(w, x, bias)
    return [sum((wk * xk for wk, xk in zip(row, x)), bias[j]) for j, row in enumerate(w)]


def _back_sums(delta, w, m) -> list:
    """Σ_j δ_j·w_jk for each input k of the layer, as ``sum`` adds them."""
    if m is mpmath and len(w) * len(w[0]) >= fastmp.MIN_EDGES:
        fast = fastmp.back_sums(delta, w)
        if fast is not None:
            return fast
    elif _arrays(m):
        return m.back_sums(delta, w)
    return [sum(delta[j] * w[j][k] for j in range(len(w))) for k in range(len(w[0]))]


def _outer(delta, x, m) -> list:
    """[[δ_j·x_k]]: each weight's gradient."""
    if m is mpmath and len(delta) * len(x) >= fastmp.MIN_EDGES:
        fast = fastmp.outer(delta, x)
        if fast is not None:
            return fast
    elif _arrays(m):
        return m.outer(delta, x)
    return [[d * xk for xk in x] for d in delta]


def _numeric_options(options, m) -> dict:
    """A loss's exact options as numbers of module ``m``."""
    def num(v):
        return to_mpf(v) if m is mpmath else float(v)
    return {k: None if v is None else tuple(num(x) for x in v) if isinstance(v, tuple) else num(v)
            for k, v in options.items()}


def backward(nums: Numbers, layers, m=mpmath) -> Numbers:
    """Deltas and gradients from the forward values in ``nums``, with the weights of ``layers``.

    The weights are a parameter (not taken from the forward pass) so that the classic
    write-up's slip — hidden deltas computed with already-updated output weights — can
    be reproduced on purpose.
    """
    deltas = [None] * len(layers)
    upstream = nums.dout
    for l in range(len(layers) - 1, -1, -1):
        act = ACTIVATIONS[layers[l][0]]
        if _arrays(m):
            deltas[l] = m.array(upstream) * act.slope(nums.net[l], nums.out[l], m)
        else:
            deltas[l] = [u * act.slope(nv, ov, m) for u, nv, ov in zip(upstream, nums.net[l], nums.out[l])]
        if l:
            w = layers[l][1]
            upstream = _back_sums(deltas[l], w, m)
            scale = layers[l - 1][3]
            if scale:   # only the kept units pass the gradient back, scaled
                upstream = [u * s for u, s in zip(upstream, scale)]
    weight_grads, bias_grads = [], []
    for l, (_, _, b, _) in enumerate(layers):
        x = nums.inputs if l == 0 else nums.fed[l - 1]
        weight_grads.append(_outer(deltas[l], x, m))
        if len(b) == 1:
            bias_grads.append([m.total(deltas[l]) if _arrays(m) else sum(deltas[l])])
        else:
            bias_grads.append(deltas[l] if _arrays(m) and len(b)
                              else list(deltas[l]) if len(b) else [])
    return Numbers(nums.net, nums.out, nums.terms, nums.loss, nums.dout, deltas,
                   weight_grads, bias_grads, inputs=nums.inputs, fed=nums.fed)


def reduce(per_sample: list, reduction: str) -> Numbers:
    """The batch's loss and gradients: the mean or sum over samples.

    Forward values are those of the first sample (one sample: unchanged); every sample's
    own numbers stay in ``samples``.
    """
    if len(per_sample) == 1:
        only = per_sample[0]
        only.samples = per_sample
        return only
    scale = (lambda v: v / len(per_sample)) if reduction == "mean" else (lambda v: v)

    def combine(items):
        if isinstance(items[0], list):
            return [combine(list(group)) for group in zip(*items)]
        return scale(sum(items[1:], items[0]))

    first = per_sample[0]
    return Numbers(first.net, first.out, first.terms, combine([n.loss for n in per_sample]),
                   first.dout, first.delta, combine([n.weight_grads for n in per_sample]),
                   combine([n.bias_grads for n in per_sample]), inputs=first.inputs,
                   samples=per_sample, fed=first.fed)


_FUNCS = {
    sigmoid: lambda x: 1 / (1 + mpmath.exp(-x)),
    relu: lambda x: ACTIVATIONS["relu"].value(x, mpmath),
    leaky_relu: lambda x: ACTIVATIONS["leaky_relu"].value(x, mpmath),
    step: lambda x: mpmath.mpf(1 if x > 0 else 0),
    leaky_step: lambda x: mpmath.mpf(1) if x > 0 else mpmath.mpf(LEAKY_SLOPE.p) / LEAKY_SLOPE.q,
    sympy.tanh: mpmath.tanh,
    sympy.exp: mpmath.exp,
    sympy.log: mpmath.log,
    **_LOSS_FUNCTIONS,
}


def evaluate(expr, values) -> mpmath.mpf:
    """The value of a formula with each symbol's value taken from ``values`` (name → mpf)."""
    if expr.is_Symbol:
        return values[expr.name]
    if isinstance(expr, sympy.Derivative):   # a gradient already computed, e.g. ∂E_1/∂w1
        (var, _), = expr.variable_count
        return values[derivative_key(expr.expr.name, var.name)]
    if expr.is_Rational:
        return mpmath.mpf(int(expr.p)) / int(expr.q)
    if expr.is_Number:
        return mpmath.mpf(str(expr))
    args = [evaluate(a, values) for a in expr.args]
    if expr.is_Add:
        return sum(args[1:], args[0])
    if expr.is_Mul:
        return math.prod(args[1:], start=args[0])
    if expr.is_Pow:
        return args[0] ** args[1]
    func = _FUNCS.get(expr.func)
    if func is None:
        raise TypeError(f"cannot evaluate {expr.func.__name__}")
    return func(*args)
