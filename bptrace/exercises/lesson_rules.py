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


def optimizer_quantities(name: str) -> list[Quantity]:
    qs = []
    for t in range(1, STEPS + 1):
        w_prev = f"w_{t - 1}"
        qs.append(_q(f"g_{t}", f"g_{t}", f"g_{{{t}}}",
                     (lambda w_prev: lambda env: env["a"] * env[w_prev])(w_prev), gradient=True))
        g = f"g_{t}"
        if name == "adam":
            qs.append(_q(f"m_{t}", f"m_{t}", f"m_{{{t}}}",
                         (lambda t, g: lambda env: env["beta1"] * _prev(env, "m", t) + (1 - env["beta1"]) * env[g])(t, g),
                         ("momentum-factor", (lambda t, g: lambda env: env["beta1"] * _prev(env, "m", t) + env[g])(t, g))))
            qs.append(_q(f"v_{t}", f"v_{t}", f"v_{{{t}}}",
                         (lambda t, g: lambda env: env["beta2"] * _prev(env, "v", t) + (1 - env["beta2"]) * env[g] ** 2)(t, g),
                         ("momentum-factor", (lambda t, g: lambda env: env["beta2"] * _prev(env, "v", t) + env[g] ** 2)(t, g))))
            for key, beta in (("m", "beta1"), ("v", "beta2")):
                qs.append(_q(f"{key}_hat_{t}", f"{key}̂_{t}", rf"\hat{{{key}}}_{{{t}}}",
                             (lambda t, key, beta: lambda env: env[f"{key}_{t}"] / (1 - env[beta] ** t))(t, key, beta),
                             ("no-bias-correction", (lambda t, key: lambda env: env[f"{key}_{t}"])(t, key))))
            num, den = f"m_hat_{t}", f"v_hat_{t}"
        elif name == "rmsprop":
            qs.append(_q(f"s_{t}", f"s_{t}", f"s_{{{t}}}",
                         (lambda t, g: lambda env: env["alpha"] * _prev(env, "s", t) + (1 - env["alpha"]) * env[g] ** 2)(t, g),
                         ("momentum-factor", (lambda t, g: lambda env: env["alpha"] * _prev(env, "s", t) + env[g] ** 2)(t, g))))
            num, den = g, f"s_{t}"
        else:   # torch's SGD momentum: v₁ = g₁, then v = μ·v + g
            right = (lambda t, g: lambda env: env[g] if t == 1 else env["mu"] * env[f"v_{t - 1}"] + env[g])(t, g)
            ema = (lambda t, g: lambda env: env["mu"] * _prev(env, "v", t) + (1 - env["mu"]) * env[g])(t, g)
            qs.append(_q(f"v_{t}", f"v_{t}", f"v_{{{t}}}", right, ("momentum-factor", ema)))
            num, den = f"v_{t}", None

        def step(sign, eta, inside, num=num, den=den, w_prev=w_prev):
            def rule(env):
                lr = env["eta"] if eta else 1
                if den is None:
                    d = env[num]
                else:
                    root = mpmath.sqrt(env[den] + env["eps"]) if inside else mpmath.sqrt(env[den]) + env["eps"]
                    d = env[num] / root
                return env[w_prev] - sign * lr * d
            return rule
        mistakes = [("learning-rate", step(-1, True, False)), ("learning-rate", step(1, False, False))]
        if name in ("adam", "rmsprop"):
            mistakes.append(("eps-inside", step(1, True, True)))
        qs.append(_q(f"w_{t}", f"w_{t}", f"w_{{{t}}}", step(1, True, False), *mistakes))
    return qs


def optimizer_key(name: str, givens: dict, exact: dict) -> dict:
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


def loss_quantities(targets: list[int], classes: int) -> list[Quantity]:
    qs = []
    n = len(targets)
    for s in range(1, n + 1):
        xs = [f"x_{s}_{j}" for j in range(classes)]
        for j in range(classes):
            qs.append(_q(f"p_{s}_{j}", f"p_{s},{j}", f"p_{{{s},{j}}}",
                         (lambda j, xs: lambda env: mpmath.exp(env[xs[j]]) / mpmath.fsum(mpmath.exp(env[x]) for x in xs))(j, xs)))
        c = targets[s - 1]
        qs.append(_q(f"l_{s}", f"l_{s}", f"l_{{{s}}}",
                     (lambda s, c: lambda env: -mpmath.log(env[f"p_{s}_{c}"]))(s, c),
                     *[("softmax-index", (lambda s, k: lambda env: -mpmath.log(env[f"p_{s}_{k}"]))(s, k))
                       for k in range(classes) if k != c]))
    ls = [f"l_{s}" for s in range(1, n + 1)]
    qs.append(_q("L", "L", "L", lambda env: mpmath.fsum(env[l] for l in ls) / n,
                 ("mean-sum", lambda env: mpmath.fsum(env[l] for l in ls))))
    c = targets[0]
    for j in range(classes):
        p = f"p_1_{j}"

        def grad(k, d, sign=1, p=p, j=j):
            return lambda env: sign * (env[p] - (1 if j == k else 0)) / d
        mistakes = [("softmax-index", grad(k, n)) for k in range(classes) if k != c and j in (c, k)]
        mistakes += [("mean-sum", grad(c, 1)), ("sign-flip", grad(c, n, -1))]
        qs.append(_q(f"dL_dx_1_{j}", f"∂L/∂x_1,{j}", rf"\frac{{\partial L}}{{\partial x_{{1,{j}}}}}",
                     grad(c, n), *mistakes, gradient=True))
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
