"""Cross-entropy and NLL traced: softmax probabilities, smoothed targets, each sample's
loss, the reduction, every ∂L/∂x, and for the first sample the general Jacobian route
∂L/∂z = Σ_k ∂L/∂p_k·∂p_k/∂z proven equal to softmax − y (``SoftmaxProof``).

Provides ``class_trace(entry, x, y, reduction, given)`` (called by ``loss_trace``) and
``softmax_proof(C)``.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy
from sympy import Integer, Symbol

from ..calculus.trace import Step
from ..errors import SpecError
from ..model.loss_math import log_softmax, ratio, softmax, softmax_values
from ..model.unevaluated import add, mul
from .loss_steps import (
    ElementStep,
    LossTrace,
    SoftmaxProof,
    as_mpf,
    element_name,
    loss_choice,
    option_values,
    reduce_terms,
    shape_of,
)


def class_trace(entry, x, y, reduction, given) -> LossTrace:
    rows = x if x and isinstance(x[0], list) else [x]
    single = not (x and isinstance(x[0], list))
    N, C = len(rows), len(rows[0])
    choice = loss_choice(entry.name, given, C)
    options = choice.options
    # targets: one class index per sample, or one probability row per sample
    flat_y = None if (y and isinstance(y[0], list)) else y
    if flat_y is not None and len(flat_y) == (1 if single else N) and not (single and C == 1):
        class_targets = True
        for k, c in enumerate(flat_y):
            if c.denominator != 1:
                raise SpecError(f"--target[{k}]", f"a class index must be an integer, got {float(c):g}")
            if not 0 <= c < C:
                raise SpecError(f"--target[{k}]", f"class index {int(c)} is out of range (classes 0 to {C - 1})")
        onehot = [[Fraction(int(c == j)) for j in range(C)] for c in flat_y]
    else:
        class_targets = False
        if entry.name == "nll":
            raise SpecError("--target", f"NLLLoss takes one class index per sample ({N} integers)")
        prob = y if (y and isinstance(y[0], list)) else [y]
        if (len(prob), len(prob[0])) != (N, C):
            raise SpecError("--target", f"expected {N} class indices or {N} rows of {C} class probabilities, "
                            f"got shape {shape_of(y)}")
        for n, row in enumerate(prob):
            for c, v in enumerate(row):
                if not 0 <= v <= 1:
                    raise SpecError(f"--target[{n}][{c}]" if not single else f"--target[{c}]",
                                    f"{float(v):g} is not a probability (outside [0, 1])")
            if sum(row) != 1:
                raise SpecError(f"--target[{n}]" if not single else "--target",
                                f"the class probabilities sum to {float(sum(row)):g}, not 1")
        onehot = prob
    opts = option_values(options)
    eps = opts.get("label_smoothing") or 0
    weight = opts.get("weight")
    values = {}
    if eps:
        values["ε"] = eps
    if weight is not None:
        values.update({f"w_{c}": w for c, w in enumerate(weight)})
    setup, terms, grads, ls, gs, route = [], [], [], [], [], []
    for n, (row, trow) in enumerate(zip(rows, onehot), 1):
        z = [as_mpf(v) for v in row]
        t = [as_mpf(v) for v in trow]
        Xs = [Symbol(element_name("x", n, c)) for c in range(C)]
        values.update({s.name: v for s, v in zip(Xs, z)})
        values.update({element_name("y", n, c): v for c, v in enumerate(t)})
        if class_targets:
            values[element_name("y", n)] = mpmath.mpf(int(flat_y[n - 1]))
        Ys = [Symbol(element_name("y", n, c)) for c in range(C)]
        if entry.name == "nll":
            a_num = [(weight[c] if weight else 1) * t[c] for c in range(C)]
            a = [mul(Symbol(f"w_{c}"), Ys[c]) if weight else Ys[c] for c in range(C)]
            cls = int(flat_y[n - 1])
            formula = mul(-1, Symbol(f"w_{cls}"), Xs[cls]) if weight else mul(-1, Xs[cls])
            lv = -a_num[cls] * z[cls]
            grad_num = [-ac for ac in a_num]
            grad_formula = [mul(-1, ac) for ac in a]
        else:
            p = softmax_values(z)
            Ps = [Symbol(element_name("p", n, c)) for c in range(C)]
            denominator = add(*[sympy.exp(s) for s in Xs])
            for c in range(C):
                values[Ps[c].name] = p[c]
                setup.append(Step(Ps[c], ratio(sympy.exp(Xs[c]), denominator, evaluate=False), p[c]))
            q_num, Qs = t, Ys
            if eps:
                Qs = [Symbol(element_name("q", n, c)) for c in range(C)]
                q_num = [(1 - eps) * tc + eps / C for tc in t]
                for c in range(C):
                    values[Qs[c].name] = q_num[c]
                    setup.append(Step(Qs[c], add(mul(add(1, mul(-1, Symbol("ε"))), Ys[c]),
                                                  ratio(Symbol("ε"), Integer(C), evaluate=False)), q_num[c]))
            a_num = [(weight[c] if weight else 1) * q_num[c] for c in range(C)]
            a = [mul(Symbol(f"w_{c}"), Qs[c]) if weight else Qs[c] for c in range(C)]
            logp = log_softmax(z)
            lv = -mpmath.fsum(ac * lp for ac, lp in zip(a_num, logp))
            if class_targets and not eps:
                cls = int(flat_y[n - 1])
                formula = mul(-1, *([Symbol(f"w_{cls}")] if weight else []), sympy.log(Ps[cls]))
            else:
                formula = mul(-1, add(*[mul(ac, sympy.log(pc)) for ac, pc in zip(a, Ps)]))
            total_a = mpmath.fsum(a_num)
            grad_num = [pc * total_a - ac for pc, ac in zip(p, a_num)]
            if weight:
                grad_formula = [add(mul(Ps[c], add(*a)), mul(-1, a[c])) for c in range(C)]
            else:        # Σ_k q_k = 1
                grad_formula = [add(Ps[c], mul(-1, a[c])) for c in range(C)]
            if n == 1:
                route = _route(Ps, a, a_num, p, C, values)
        L = Symbol(element_name("l", n))
        values[L.name] = lv
        ls.append(lv)
        terms.append(ElementStep(Step(L, formula, lv)))
        for c in range(C):
            gs.append(grad_num[c])
            grads.append((n, c, grad_formula[c], grad_num[c]))
    # the reduction: torch's weighted mean with class indices divides by Σ_n w_(y_n)
    if reduction == "mean" and weight is not None and class_targets:
        denominator = add(*[Symbol(f"w_{int(c)}") for c in flat_y]) if N > 1 else Symbol(f"w_{int(flat_y[0])}")
        dvalue = mpmath.fsum(weight[int(c)] for c in flat_y)
        if dvalue == 0:
            raise SpecError("--weight", "the target classes' weights sum to 0: the weighted mean "
                            "divides by that sum, so it is undefined (torch gives nan)")
    else:
        denominator, dvalue = Integer(N), N
    total, value = reduce_terms(reduction, [Symbol(element_name("l", n)) for n in range(1, N + 1)], ls,
                           denominator, dvalue)
    if total is not None:
        values["L"] = value
    steps = []
    for n, c, g, gv in grads:
        X = Symbol(element_name("x", n, c))
        lhs = sympy.Derivative(Symbol(element_name("l", n)) if reduction == "none" else Symbol("L"), X)
        if reduction == "mean":
            g, gv = ratio(g, denominator, evaluate=False), gv / dvalue
        steps.append(ElementStep(Step(lhs, g, gv)))
    gs = [s.step.value for s in steps]
    proof = softmax_proof(C) if entry.name == "cross_entropy" else None
    definition = ()
    return LossTrace(entry.name, entry.torch_name, dict(options), reduction,
                     (C,) if single else (N, C), definition, tuple(setup), tuple(terms), total,
                     tuple(steps), tuple(route), proof, values, value, tuple(gs), class_targets)


def _route(Ps, a, a_num, p, C, values) -> list:
    """∂l_1/∂x_1,j = Σ_k (∂l/∂p_k)·(∂p_k/∂x_j) with ∂l/∂p_k = −a_k/p_k, ∂p_k/∂x_j = p_k(δ_kj − p_j)."""
    steps = []
    for j in range(C):
        terms, total = [], mpmath.mpf(0)
        for k in range(C):
            # −a_k/p_k · p_k·(δ_kj − p_j), δ written as its number
            terms.append(mul(-1, ratio(a[k], Ps[k], evaluate=False), Ps[k],
                              add(Integer(1 if k == j else 0), mul(-1, Ps[j]))))
            total += (-a_num[k] / p[k]) * (p[k] * ((1 if k == j else 0) - p[j]))
        lhs = sympy.Derivative(Symbol("l_1"), Symbol(element_name("x", 1, j)))
        steps.append(Step(lhs, add(*terms), total))
    return steps


def softmax_proof(C: int) -> SoftmaxProof:
    """SymPy: the Jacobian route equals sympy.diff of −Σ y_k log softmax_k(z), and p_j − y_j."""
    z = sympy.symbols(f"z0:{C}")
    ys = sympy.symbols(f"y0:{C}")
    p = [softmax(Integer(k + 1), *z) for k in range(C)]
    loss = -sympy.Add(*[ys[k] * sympy.log(p[k]) for k in range(C)])
    j = 0
    route = sympy.Add(*[(-ys[k] / p[k]) * p[k] * ((1 if k == j else 0) - p[j]) for k in range(C)])
    direct = sympy.expand(sympy.diff(loss, z[j]) - route)
    given = {ys[-1]: 1 - sympy.Add(*ys[:-1])}
    difference = sympy.expand((route - (p[j] - ys[j])).subs(given))
    return SoftmaxProof(C, route, direct, difference)
