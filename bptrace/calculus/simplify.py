"""Simplifications a lecturer shows, each proven by SymPy.

Provides ``Simplification`` (a frozen dataclass: what is simplified, the written form, the
simplified form, whether SymPy proved them equal) and ``simplifications(net)`` → the ones
that apply to a network's output layer and loss:

- sigmoid output + BCE: δ_o = (out − target)/(out(1 − out)) · out(1 − out) = out − target;
- softmax inside cross-entropy: ∂E_total/∂out_k = softmax_k(out) − target_k, because the
  targets sum to 1 (the proof substitutes target_C = 1 − Σ_{k<C} target_k);
- MSE averaged over n outputs: ∂E_total/∂out_k = −(2/n)(target_k − out_k), the factor 2/n.

Each proof differentiates (or multiplies out) the written-out loss with ``sympy.diff`` and
``sympy.simplify`` and checks the difference is 0: calculus only, no formatting.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy

from ..model.activations import sigmoid
from ..model.unevaluated import add, mul

S = sympy.Symbol


@dataclass(frozen=True)
class Simplification:
    """``lhs = before``, which simplifies to ``after``; ``proven`` when SymPy agrees."""

    kind: str              # "sigmoid_bce", "softmax_ce", "mse_mean"
    lhs: sympy.Expr
    before: sympy.Expr
    after: sympy.Expr
    proven: bool


def _zero(expr) -> bool:
    return sympy.simplify(expr) == 0


def sigmoid_bce(output: str = "o") -> Simplification:
    """δ_o for a sigmoid output under BCE: the two out(1 − out) cancel."""
    net, t = S(f"net_{output}"), S(f"target_{output}")
    o = S(f"out_{output}")
    dloss = sympy.Mul(add(o, mul(-1, t)), sympy.Pow(mul(o, add(1, mul(-1, o))), -1, evaluate=False),
                      evaluate=False)
    before = mul(dloss, mul(o, add(1, mul(-1, o))))
    after = add(o, mul(-1, t))
    # written out: out = σ(net), E = −[t log σ + (1 − t) log(1 − σ)], differentiated by net
    s = sigmoid(net).rewrite(sympy.exp)
    e = -(t * sympy.log(s) + (1 - t) * sympy.log(1 - s))
    proven = _zero(sympy.diff(e, net) - (s - t))
    return Simplification("sigmoid_bce", S(f"delta_{output}"), before, after, proven)


def softmax_ce(classes: int) -> Simplification:
    """∂E_total/∂out_k under cross-entropy on ``classes`` logits (targets summing to 1)."""
    zs = [S(f"out_{k}") for k in range(1, classes + 1)]
    ts = [S(f"target_{k}") for k in range(1, classes + 1)]
    denom = sum(sympy.exp(z) for z in zs)
    e = -sum(t * sympy.log(sympy.exp(z) / denom) for t, z in zip(ts, zs))
    p1 = sympy.exp(zs[0]) / denom
    diff = (sympy.diff(e, zs[0]) - (p1 - ts[0])).subs(ts[-1], 1 - sum(ts[:-1]))
    proven = _zero(diff)
    k = S("out_k")
    before = sympy.Derivative(S("E_total"), k, evaluate=False)
    after = add(S("softmax_k"), mul(-1, S("target_k")))
    return Simplification("softmax_ce", before, before, after, proven)


def mse_mean(n: int) -> Simplification:
    """∂E_total/∂out_k for E_total = (1/n) Σ (target − out)²: the factor 2/n."""
    outs = [S(f"out_{k}") for k in range(1, n + 1)]
    ts = [S(f"target_{k}") for k in range(1, n + 1)]
    e = sympy.Rational(1, n) * sum((t - o) ** 2 for t, o in zip(ts, outs))
    proven = _zero(sympy.diff(e, outs[0]) - (-sympy.Rational(2, n) * (ts[0] - outs[0])))
    lhs = sympy.Derivative(S("E_total"), S("out_k"), evaluate=False)
    written = mul(sympy.Rational(1, n), mul(2, add(S("target_k"), mul(-1, S("out_k")))), -1)
    after = mul(-sympy.Rational(2, n), add(S("target_k"), mul(-1, S("out_k"))))
    return Simplification("mse_mean", lhs, written, after, proven)


def simplifications(net) -> tuple[Simplification, ...]:
    """The simplifications that apply to ``net``'s output layer and loss (maybe none)."""
    out = []
    last = net.layers[-1].activation
    loss = str(net.loss)
    n = len(net.outputs)
    if loss == "bce" and last == "sigmoid":
        out.append(sigmoid_bce())
    if loss == "cross_entropy" and not net.loss.options.get("label_smoothing") \
            and net.loss.options.get("weight") is None:
        out.append(softmax_ce(n))
    if loss == "mse" and net.loss.within == "mean" and n > 1:
        out.append(mse_mean(n))
    return tuple(out)
