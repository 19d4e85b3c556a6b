"""The chain rule, shown: every path from a parameter to the error, and the delta form.

Provides:
- ``derive(net, param, max_paths)`` → ``Derivation`` (a batch: ``BatchDerivation``): the Leibniz factors of each path
  (∂E_total/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5), each factor's formula and value, the
  products and their sum; beside it the delta recursion, δ_o = ∂E/∂out_o · f′(net_o),
  δ_h = (Σ_k δ_k w_kh) · f′(net_h), ∂E/∂w = δ · input.
- ``prove(net, param)`` → ``Proof``: the path sum written out in parameters and inputs,
  minus ``sympy.diff`` of the written-out error, expanded to zero.

A path count is the product of the downstream widths, so paths are listed only up to
``max_paths``; the delta form is always complete and is what gives the value.
"""
from __future__ import annotations

import math
import weakref

import mpmath
import sympy

from ..model.activations import ACTIVATIONS
from ..model.numeric import evaluate
from ..model.unevaluated import add, mul
from .trace import BatchDerivation, Derivation, Factor, Path, Proof, Step

S = sympy.Symbol

S = sympy.Symbol


# Built once per network: every derivation of a network shows the same δ of a neuron and
# the same factor ∂out_o1/∂net_o1 (a 32-32-32-10 net's 2,371 derivations show 57,354 δ
# steps of its 106 neurons). Frozen steps, shared; the memo goes with the network.
_DELTAS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_FACTORS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _memo(table, net) -> dict:
    """``net``'s memo in ``table`` (a fresh dict, not kept, if ``net`` cannot be referenced
    weakly)."""
    try:
        return table[net]
    except KeyError:
        memo = table[net] = {}
        return memo
    except TypeError:
        return {}


def fed_neurons(net, param: str) -> list[tuple[int, int]]:
    """The (layer, neuron) pairs whose net input ``param`` enters directly."""
    loc = net.locations[param]
    if loc[0] == "w":
        return [(loc[1], loc[2])]
    _, l, j = loc
    return [(l, j)] if j is not None else [(l, jj) for jj in range(net.layers[l].units)]


def path_count(net, param: str) -> int:
    starts = fed_neurons(net, param)
    l = starts[0][0]
    return len(starts) * math.prod(ly.units for ly in net.layers[l + 1:])


def _local_input(net, param: str, l: int, j: int) -> sympy.Expr:
    """∂net_j/∂param: the input the weight multiplies, or 1 for a bias."""
    loc = net.locations[param]
    if loc[0] == "b":
        return sympy.Integer(1)
    return S(net.layer_inputs(l)[loc[3]])


def _act_derivative(net, l: int, j: int) -> sympy.Expr:
    n = net.names.neurons[l][j]
    return ACTIVATIONS[net.layers[l].activation].derivative(S(f"net_{n}"), S(f"out_{n}"))


def _paths(net, param: str):
    """Yield each path as (nodes, factors), factors ordered from E_total back to param."""
    vals = net.values
    last = len(net.layers) - 1
    made = _memo(_FACTORS, net)

    def factor(of, wrt, formula):
        """∂of/∂wrt: one Factor per pair and network (``formula()`` builds it the first time)."""
        f = made.get((of, wrt))
        if f is None:
            expr = formula()
            f = made[(of, wrt)] = Factor(of, wrt, expr, evaluate(expr, vals))
        return f

    def walk(l, j, nodes, factors):
        n = net.names.neurons[l][j]
        nodes = nodes + (f"net_{n}", f"out_{n}")
        factors = factors + (factor(f"out_{n}", f"net_{n}", lambda: _act_derivative(net, l, j)),)
        if l == last:
            yield nodes + (net.loss_name,), factors + (
                factor(net.loss_name, f"out_{n}", lambda: net.loss_derivative(j)),)
            return
        fed = f"out_{n}"
        if net.has_dropout(l):   # out → d = m·out/(1 − p): a dropped unit's paths carry 0
            fed = f"d_{n}"
            nodes = nodes + (fed,)
            factors = factors + (factor(fed, f"out_{n}", lambda: net.dropout_factor(l, j)),)
        for k in range(net.layers[l + 1].units):
            m = net.names.neurons[l + 1][k]
            w = net.names.weights[l + 1][k][j]
            yield from walk(l + 1, k, nodes, factors + (factor(f"net_{m}", fed, lambda: S(w)),))

    for l, j in fed_neurons(net, param):
        n = net.names.neurons[l][j]
        first = factor(f"net_{n}", param, lambda: _local_input(net, param, l, j))
        for nodes, factors in walk(l, j, (param,), (first,)):
            yield nodes, tuple(reversed(factors))


def _delta_formula(net, l: int, j: int) -> sympy.Expr:
    if l == len(net.layers) - 1:
        return mul(net.loss_derivative(j), _act_derivative(net, l, j))
    upstream = [mul(S(f"delta_{m}"), S(net.names.weights[l + 1][k][j]))
                for k, m in enumerate(net.names.neurons[l + 1])]
    if net.has_dropout(l):
        return mul(add(*upstream), net.dropout_factor(l, j), _act_derivative(net, l, j))
    return mul(add(*upstream), _act_derivative(net, l, j))


def _delta_step(net, l: int, j: int) -> Step:
    cache = _memo(_DELTAS, net)
    step = cache.get((l, j))
    if step is None:
        name = f"delta_{net.names.neurons[l][j]}"
        step = cache[(l, j)] = Step(S(name), _delta_formula(net, l, j), net.values[name])
    return step


def _delta_steps(net, param: str) -> tuple[Step, ...]:
    """The deltas ∂E/∂param needs: every layer above the parameter's, then its own neurons."""
    starts = fed_neurons(net, param)
    l0 = starts[0][0]
    wanted = [(l, j) for l in range(len(net.layers) - 1, l0, -1) for j in range(net.layers[l].units)]
    wanted += starts
    return tuple(_delta_step(net, l, j) for l, j in wanted)


def _gradient_step(net, param: str) -> Step:
    terms = []
    for l, j in fed_neurons(net, param):
        d = S(f"delta_{net.names.neurons[l][j]}")
        local = _local_input(net, param, l, j)
        terms.append(d if local == 1 else mul(d, local))
    formula = terms[0] if len(terms) == 1 else add(*terms)
    return Step(sympy.Derivative(S(net.loss_name), S(param)), formula, evaluate(formula, net.values))


def derive(net, param: str, max_paths: int = 16):
    """∂E_total/∂param by every chain-rule path (when at most ``max_paths``) and by deltas.

    For a batch: each sample's derivation of ∂E_s/∂param, then the reduction's line
    (a ``BatchDerivation``)."""
    param = net.check_param(param)
    if net.batched:
        return _derive_batch(net, param, max_paths)
    count = path_count(net, param)
    summarised = count > max_paths
    paths = () if summarised else tuple(
        Path(nodes, factors, math.prod((f.value for f in factors), start=mpmath.mpf(1)))
        for nodes, factors in _paths(net, param))
    gradient = _gradient_step(net, param)
    return Derivation(param, net.loss_name, gradient.value, count, paths, summarised,
                      _delta_steps(net, param), gradient, net.values, net=net)


def _derive_batch(net, param: str, max_paths: int) -> BatchDerivation:
    per_sample = tuple(derive(n, param, max_paths) for n in net.sample_networks)
    formula = net.reduction_formula(
        [sympy.Derivative(S(n.loss_name), S(param)) for n in net.sample_networks])
    value = net.reduce([d.value for d in per_sample])
    gradient = Step(sympy.Derivative(S(net.loss_name), S(param)), formula, value)
    return BatchDerivation(param, per_sample, gradient, value, net.reduction, net.values)


# ----- the symbolic proof -------------------------------------------------------------------
def _rebuild(expr):
    """``expr`` with every unevaluated Add/Mul/Pow evaluated (display forms → algebra)."""
    if not expr.args:
        return expr
    return expr.func(*[_rebuild(a) for a in expr.args])


def written_out(net) -> dict:
    """Each node symbol → its expression in parameters, inputs and targets alone."""
    env = {}
    for l, names in enumerate(net.names.neurons):
        for j, n in enumerate(names):
            env[S(f"net_{n}")] = _rebuild(net.net_formula(l, j)).xreplace(env)
            env[S(f"out_{n}")] = _rebuild(net.out_formula(l, j)).xreplace(env)
            if net.has_dropout(l):
                env[S(f"d_{n}")] = _rebuild(net.dropout_formula(l, j)).xreplace(env)
    for o, term in zip(net.outputs, net.loss_terms()):
        env[S(f"E_{o}")] = _rebuild(term).xreplace(env)
    env[S(net.loss_name)] = _rebuild(net.loss_total()).xreplace(env)
    return env


def prove(net, param: str, max_paths: int = 16, max_parameters: int = 40,
          max_depth: int = 4) -> Proof:
    """Σ over paths of Π factors, written out, minus ∂/∂param of the written-out E_total.

    Both sides are expanded and subtracted; for networks beyond ``max_paths`` paths,
    ``max_parameters`` parameters or ``max_depth`` layers (each layer nests the error one
    level deeper, and the expansion grows about threefold per two layers) the expansion
    is too large to be useful, and the proof says so instead of running for minutes.
    """
    param = net.check_param(param)
    if net.batched:     # one proof per sample: the reduction is a linear combination of them
        return tuple(prove(n, param, max_paths, max_parameters, max_depth) for n in net.sample_networks)
    count, depth = path_count(net, param), len(net.layers)
    if count > max_paths or len(net.locations) > max_parameters or depth > max_depth:
        plural = "path" if count == 1 else "paths"
        return Proof(param, None, None, None,
                     reason=f"not attempted: {count} {plural}, {len(net.locations)} parameters, "
                            f"{depth} layers (limits {max_paths}, {max_parameters}, {max_depth}); "
                            f"the written-out error is too large to expand")
    env = written_out(net)
    chain = sympy.Add(*[sympy.Mul(*[_rebuild(f.formula) for f in factors])
                        for _, factors in _paths(net, param)])
    chain = chain.xreplace(env)
    direct = sympy.diff(env[S(net.loss_name)], S(param))
    # facts the written derivatives rely on (cross-entropy: the targets sum to 1)
    difference = sympy.expand((chain - direct).subs(net.target_constraints()))
    if difference != 0:
        difference = sympy.simplify(difference)
    return Proof(param, chain, direct, difference)
