"""The blanks of the lesson exercises: ``optimizer`` (two steps of Adam, RMSprop or momentum on
f(w) = a·w²/2) and ``loss`` (softmax cross-entropy on a batch of two samples), with the mistakes
students make — and their keys, read from the lessons' own traces.

Provides ``optimizer_quantities(name)``, ``optimizer_key(name, givens)``,
``loss_quantities(classes)``, ``loss_key(givens)``. Answer names: ``g_1``, ``m_1``, ``v_1``,
``m_hat_1``, ``v_hat_1``, ``s_1``, ``w_1`` (and ``_2`` for step 2); ``p_1_0`` (p of sample 1,
class 0), ``l_1``, ``L``, ``dL_dx_1_0``.
"""
from __future__ import annotations

import mpmath

from .program import Quantity

MP = mpmath.mpf
STEPS = 2
OPTIMIZERS = ("adam", "rmsprop", "momentum")


def _q(name, label, latex, rule, *mistakes, gradient=False):
    return Quantity(name, label, latex, rule, tuple(mistakes), gradient)


def _prev(env, key, t):
    return env.get(f"{key}_{t - 1}", MP(0))


def _ema(state: str, coef: str, g: str, t: int, square: bool = False, damped: bool = True):
    """state_t = coef·state_{t−1} + (1 − coef)·g (or ·g²); ``damped=False``: + g, no factor."""
    def rule(env):
        x = env[g] ** 2 if square else env[g]
        return env[coef] * _prev(env, state, t) + ((1 - env[coef]) * x if damped else x)
    return rule


def _corrected(key: str, beta: str, t: int):
    return lambda env: env[f"{key}_{t}"] / (1 - env[beta] ** t)


def _uncorrected(key: str, t: int):
    return lambda env: env[f"{key}_{t}"]


def _gradient(w_prev: str):
    return lambda env: env["a"] * env[w_prev]       # f(w) = a·w²/2


def _step(w_prev: str, num: str, den, sign=1, eta=True, inside=False):
    """w_t = w_{t−1} − η·num/(√den + ε) (or num alone; the mistakes flip, drop, move)."""
    def rule(env):
        d = env[num]
        if den is not None:
            root = mpmath.sqrt(env[den] + env["eps"]) if inside else mpmath.sqrt(env[den]) + env["eps"]
            d = d / root
        return env[w_prev] - sign * (env["eta"] if eta else 1) * d
    return rule


def optimizer_quantities(name: str) -> list[Quantity]:
    qs = []
    for t in range(1, STEPS + 1):
        w_prev, g = f"w_{t - 1}", f"g_{t}"
        qs.append(_q(g, g, f"g_{{{t}}}", _gradient(w_prev), gradient=True))
        if name == "adam":
            for key, beta, square in (("m", "beta1", False), ("v", "beta2", True)):
                qs.append(_q(f"{key}_{t}", f"{key}_{t}", f"{key}_{{{t}}}", _ema(key, beta, g, t, square),
                             ("momentum-factor", _ema(key, beta, g, t, square, damped=False))))
            for key, beta in (("m", "beta1"), ("v", "beta2")):
                qs.append(_q(f"{key}_hat_{t}", f"{key}̂_{t}", rf"\hat{{{key}}}_{{{t}}}", _corrected(key, beta, t),
                             ("no-bias-correction", _uncorrected(key, t))))
            num, den = f"m_hat_{t}", f"v_hat_{t}"
        elif name == "rmsprop":
            qs.append(_q(f"s_{t}", f"s_{t}", f"s_{{{t}}}", _ema("s", "alpha", g, t, square=True),
                         ("momentum-factor", _ema("s", "alpha", g, t, square=True, damped=False))))
            num, den = g, f"s_{t}"
        else:   # torch's SGD momentum: v = μ·v + g (v₁ = g₁); the mistake averages: (1 − μ)·g
            qs.append(_q(f"v_{t}", f"v_{t}", f"v_{{{t}}}", _ema("v", "mu", g, t, damped=False),
                         ("momentum-factor", _ema("v", "mu", g, t))))
            num, den = f"v_{t}", None
        mistakes = [("learning-rate", _step(w_prev, num, den, sign=-1)),
                    ("learning-rate", _step(w_prev, num, den, eta=False))]
        if den is not None:
            mistakes.append(("eps-inside", _step(w_prev, num, den, inside=True)))
        qs.append(_q(f"w_{t}", f"w_{t}", f"w_{{{t}}}", _step(w_prev, num, den), *mistakes))
    return qs


def optimizer_key(name: str, exact: dict) -> dict:
    """Every blank's value from ``lessons.optim.trace`` (the optimizer lesson's trace)."""
    from ..lessons.expression import parse
    from ..lessons.optim import trace
    a = exact["a"]
    objective = parse(f"{a.numerator}/{a.denominator}*w**2/2", ["w"])
    hyper = {"lr": exact["eta"]}
    if name == "adam":
        hyper.update(betas=(exact["beta1"], exact["beta2"]), eps=exact["eps"])
    elif name == "rmsprop":
        hyper.update(alpha=exact["alpha"], eps=exact["eps"])
    else:
        hyper.update(momentum=exact["mu"])
    tr = trace(name, objective, {"w": exact["w_0"]}, STEPS, **hyper)
    key = {}
    for s in tr.steps:
        p = s.params[0]
        key[f"g_{s.t}"] = p.grad
        for k, v in p.state.items():
            if k != "g":
                key[f"{k}_{s.t}"] = v
        key[f"w_{s.t}"] = p.new
    return key


def _softmax(xs: list[str], j: int):
    return lambda env: mpmath.exp(env[xs[j]]) / mpmath.fsum(mpmath.exp(env[x]) for x in xs)


def _nll(s: int, k: int):
    return lambda env: -mpmath.log(env[f"p_{s}_{k}"])        # l_s = −log p of class k


def _mean(ls: list[str], n: int):
    return lambda env: mpmath.fsum(env[x] for x in ls) / n


def _ce_grad(j: int, k: int, d: int, sign: int = 1):
    """∂L/∂x_1,j = (p_1,j − y_1,j)/d with the one-hot y at class k."""
    return lambda env: sign * (env[f"p_1_{j}"] - (1 if j == k else 0)) / d


def loss_quantities(targets: list[int], classes: int) -> list[Quantity]:
    qs = []
    n = len(targets)
    for s in range(1, n + 1):
        xs = [f"x_{s}_{j}" for j in range(classes)]
        qs += [_q(f"p_{s}_{j}", f"p_{s},{j}", f"p_{{{s},{j}}}", _softmax(xs, j)) for j in range(classes)]
        c = targets[s - 1]
        qs.append(_q(f"l_{s}", f"l_{s}", f"l_{{{s}}}", _nll(s, c),
                     *[("softmax-index", _nll(s, k)) for k in range(classes) if k != c]))
    ls = [f"l_{s}" for s in range(1, n + 1)]
    qs.append(_q("L", "L", "L", _mean(ls, n), ("mean-sum", _mean(ls, 1))))
    c = targets[0]
    for j in range(classes):
        mistakes = [("softmax-index", _ce_grad(j, k, n)) for k in range(classes) if k != c and j in (c, k)]
        mistakes += [("mean-sum", _ce_grad(j, c, 1)), ("sign-flip", _ce_grad(j, c, n, -1))]
        qs.append(_q(f"dL_dx_1_{j}", f"∂L/∂x_1,{j}", rf"\frac{{\partial L}}{{\partial x_{{1,{j}}}}}",
                     _ce_grad(j, c, n), *mistakes, gradient=True))
    return qs


def loss_key(logits: list[list], targets: list[int]) -> dict:
    """Every blank's value from ``lessons.loss_trace`` (the loss lesson's trace)."""
    from ..lessons.loss_trace import loss_trace
    tr = loss_trace("cross_entropy", [list(r) for r in logits], list(targets), "mean")
    key = {}
    for st in tr.setup:
        name = st.lhs.name
        if name.startswith("p_"):
            key["p_" + name[2:].replace(",", "_")] = st.value
    for el in tr.terms:
        key[el.step.lhs.name] = el.step.value
    key["L"] = tr.total.value
    classes = len(logits[0])
    for j, el in enumerate(tr.grads[:classes]):
        key[f"dL_dx_1_{j}"] = el.step.value
    return key
