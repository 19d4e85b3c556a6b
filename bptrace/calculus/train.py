"""Gradient descent: one traced update, and training loops.

Provides:
- ``step(net, lr, update_biases)`` → ``UpdateTrace``: w⁺ = w − η·∂E/∂w for every parameter,
  every gradient taken at the old parameters (biases kept fixed when asked, as in the
  classic write-up; torch updates them);
- ``train(net, rounds, …)`` → ``TrainTrace``: the error as it falls, on the exact path
  (mpmath, 50 digits) or the fast path (float64), which run the same code.

Two switches reproduce figures of the classic write-up that do not follow its own rule:
- ``sequential=True``: hidden-layer gradients are taken with the output weights already
  updated (the write-up's E after one round, 0.291027924, and its outputs after 10,000
  rounds, 0.015912196 and 0.984065734);
- ``report="before"``: the error reported for round N is the one measured in round N's
  forward pass, before its update (the write-up's 0.0000351085 "after 10,000 rounds" is
  the error after 9,999 updates).
"""
from __future__ import annotations

import math
from typing import Callable, Optional

import mpmath

from ..errors import SpecError
from ..model import numeric
from ..model.numbers import exact as exact_value
from ..model.numbers import to_mpf
from . import float_loop, optimizers
from .trace import TrainTrace, Update, UpdateTrace

REPORTS = ("after", "before")
MAX_EXACT_ROUNDS = 100_000    # 50-digit rounds run at a few thousand a second
WIDE = 16    # float64 nets with a layer this wide train on numpy arrays (fastnp.MIN_WIDTH)


def _diverged(r: int, e: Exception) -> SpecError:
    return SpecError("training", f"float64 overflow after {r} rounds ({e}): the error diverged "
                     "— try a smaller learning rate, or --exact, which does not overflow")


def step(net, lr=None, update_biases: Optional[bool] = None) -> UpdateTrace:
    """One round of gradient descent on ``net``; returns the trace with the new network."""
    eta = to_mpf(net.learning_rate if lr is None else exact_value(lr, "lr"))
    biases = net.update_biases if update_biases is None else update_biases
    grads = net.gradients()
    updates, new = [], {}
    for name, old in net.parameters.items():
        moved = biases or not net.is_bias(name)
        value = to_mpf(old) - eta * grads[name] if moved else old
        updates.append(Update(name, to_mpf(old), grads[name], to_mpf(value), moved))
        new[name] = value
    return UpdateTrace(eta, tuple(updates), net.loss_value, net.with_parameters(new))


def _array(values):
    from ..model.fastnp import ARRAYS
    return ARRAYS.array(values)


def _apply(layers, grads, eta, biases: bool, only=None):
    """Subtract η·grad from the weights (and biases) of the layers in ``only`` (all if None)."""
    out = []
    for l, (act, w, b, scale) in enumerate(layers):
        if only is not None and l not in only:
            out.append((act, w, b, scale))
            continue
        if hasattr(w, "shape"):     # numpy arrays (fastnp.py): the same subtraction, element-wise
            w = w - eta * grads.weight_grads[l]
            if biases and len(b):
                g = grads.bias_grads[l]     # the δs (an array), or [Σ δ] for a shared bias
                b = b - eta * (g if hasattr(g, "shape") else g[0] if len(g) == 1 else _array(g))
        else:
            w = [[v - eta * g for v, g in zip(row, grow)] for row, grow in zip(w, grads.weight_grads[l])]
            if biases:
                b = [v - eta * g for v, g in zip(b, grads.bias_grads[l])]
        out.append((act, w, b, scale))
    return out


def train(net, rounds: int, *, lr=None, update_biases: Optional[bool] = None,
          sequential: bool = False, report: str = "after", exact: bool = False,
          every: Optional[int] = None, progress: Optional[Callable[[int], None]] = None) -> TrainTrace:
    """Train ``net`` for ``rounds`` rounds of full-batch gradient descent.

    Args:
        lr: learning rate (default: the network's).
        update_biases: default: the network's setting.
        sequential: take hidden-layer gradients after the output layer has been updated.
        report: "after" — the error after N updates; "before" — the error measured in
            round N before its update.
        exact: run at 50 significant digits (mpmath) instead of float64.
        every: record the error every ``every`` rounds (default: about 10 records), and
            always round 1 and the last round.
        progress: called with the number of rounds done, for a progress bar (every round;
            on the compiled float64 path every 100 rounds and after the last).
    """
    if report not in REPORTS:
        raise ValueError(f"report must be one of {REPORTS}, got {report!r}")
    if rounds < 0:
        raise ValueError(f"rounds must be ≥ 0, got {rounds}")
    if exact and rounds > MAX_EXACT_ROUNDS:
        raise SpecError("--steps", f"at most {MAX_EXACT_ROUNDS:,} rounds at 50 digits (without "
                        "--exact, float64 runs up to 10,000,000)")
    m, conv = (mpmath, to_mpf) if exact else (math, lambda v: float(to_mpf(v)))
    eta = conv(net.learning_rate if lr is None else exact_value(lr, "lr"))
    biases = net.update_biases if update_biases is None else update_biases
    samples = [([conv(v) for v in x], [conv(v) for v in t]) for x, t in net.samples]
    layers = net._numeric_layers(m, conv)
    every = every or max(1, rounds // 10)
    last = len(layers) - 1
    losses = []

    # each sample keeps its own dropout mask; the weights are shared
    scales = [[[conv(v) for v in sc] for sc in net.dropout_scales(s)] for s in range(len(samples))]

    def with_scales(ls, s):
        return [(a, w, b, scales[s][l]) for l, (a, w, b, _) in enumerate(ls)]

    def run(ls):
        return numeric.reduce([numeric.run(x, t, with_scales(ls, s), net.loss, m)
                               for s, (x, t) in enumerate(samples)], net.reduction)

    wide = not exact and max(ly.units for ly in net.layers) >= WIDE
    if wide:     # float64 on numpy arrays, the same operations in the same order (fastnp.py)
        from ..model import fastnp
        m, layers = fastnp.ARRAYS, fastnp.layers_as_arrays(layers)
    fast = None if exact or sequential or wide else float_loop.compile_training(
        layers, samples, scales, net.loss, net.reduction, biases)
    if fast is not None:      # the same float operations, recorded once (float_loop.py)
        flat = [v for _, w, b, _ in layers for v in (*(x for row in w for x in row), *b)]
        values, losses, outs = fast(flat, eta, rounds, every, report == "before", progress,
                                    _diverged)
        it = iter(values)
        layers = [(a, [[next(it) for _ in row] for row in w], [next(it) for _ in b], sc)
                  for a, w, b, sc in layers]
        width = len(net.outputs)
        final_outs = [outs[s * width:(s + 1) * width] for s in range(len(samples))]
        return _trace(net, rounds, eta, biases, sequential, report, losses, layers, final_outs,
                      exact)
    try:
        nums = run(layers)
    except (OverflowError, ZeroDivisionError) as e:
        raise _diverged(0, e) from None
    for r in range(1, rounds + 1):
        record = r == 1 or r % every == 0 or r == rounds
        if report == "before" and record:
            losses.append((r, nums.loss))
        if sequential and last > 0:
            updated = _apply(layers, nums, eta, biases, only={last})
            # the slip: hidden deltas from this round's forward pass, new output weights
            hidden = numeric.reduce([numeric.backward(n, with_scales(updated, s), m)
                                     for s, n in enumerate(nums.samples)],
                                    net.reduction)
            layers = _apply(updated, hidden, eta, biases, only=set(range(last)))
        else:
            layers = _apply(layers, nums, eta, biases)
        try:
            nums = run(layers)
        except (OverflowError, ZeroDivisionError) as e:
            raise _diverged(r, e) from None
        if report == "after" and record:
            losses.append((r, nums.loss))
        if progress:
            progress(r)
    outs = [n.out[-1] for n in nums.samples]
    if wide:
        layers, outs = fastnp.layers_as_floats(layers), [o.tolist() for o in outs]
    return _trace(net, rounds, eta, biases, sequential, report, losses, layers, outs, exact)


def _trace(net, rounds, eta, biases, sequential, report, losses, layers, final_outs,
           exact) -> TrainTrace:
    """The TrainTrace of a finished run: the parameters in ``layers``, each sample's outputs."""
    params = {}
    for l, (_, w, b, _) in enumerate(layers):
        for j, row in enumerate(w):
            for k, v in enumerate(row):
                params[net.names.weights[l][j][k]] = v
        for name, v in zip(net.names.biases[l], b):
            params[name] = v
    if len(final_outs) == 1:
        outputs = {f"out_{o}": v for o, v in zip(net.outputs, final_outs[0])}
    else:
        outputs = {f"out_{o}[{s + 1}]": v for s, outs in enumerate(final_outs)
                   for o, v in zip(net.outputs, outs)}
    rule = {"update_biases": biases, "sequential": sequential, "report": report}
    return TrainTrace(rounds, float(eta), rule, tuple(losses), params, outputs, exact)


def train_with_optimizer(net, rounds: int, optimizer: str, hyper, convention: str = "torch",
                         schedule=None, update_biases: Optional[bool] = None,
                         every: Optional[int] = None,
                         progress: Optional[Callable[[int], None]] = None) -> TrainTrace:
    """Train ``net`` with one of ``optimizers.OPTIMIZERS``, the same step code ``bptrace optim`` shows.

    Each round takes every gradient at the current parameters (50 digits, the delta
    recursion), then moves each parameter with ``optimizers.one_step`` — fed the gradient's
    value instead of an objective's formula. ``schedule`` (a ``schedules.Schedule``) sets
    η for round t to its value at epoch t − 1, as ``scheduler.step()`` after every
    ``optimizer.step()`` does in torch. Parameters kept fixed (biases, when not updated)
    are left out of the optimizer, as they would be left out of torch's parameter list.
    """
    import sympy


    if rounds < 0:
        raise ValueError(f"rounds must be ≥ 0, got {rounds}")
    if rounds > MAX_EXACT_ROUNDS:
        raise SpecError("--steps", f"at most {MAX_EXACT_ROUNDS:,} rounds with an optimizer "
                        "(it computes at 50 digits)")
    biases = net.update_biases if update_biases is None else update_biases
    moving = [p for p in net.parameters if biases or not net.is_bias(p)]
    state = {p: {k: mpmath.mpf(0) for k in optimizers.INITIAL_STATE[optimizer]} for p in moving}
    every = every or max(1, rounds // 10)
    gradient = sympy.Symbol("gradient")
    losses, current = [], net
    for t in range(1, rounds + 1):
        grads = current.gradients()
        hv = optimizers.hyper_values(optimizer, hyper, convention)
        if schedule is not None:
            hv["η"] = schedule.value(t - 1)
        new = {}
        for p in moving:
            values = {**hv, f"{p}_{t - 1}": to_mpf(current.parameters[p]), "gradient": grads[p],
                      **{f"{k}_{t - 1}": v for k, v in state[p].items()}}
            w = optimizers.Working(values)
            optimizers.one_step(optimizer, hyper, convention, t, p, gradient, w)
            new[p] = w.lines[-1].value
            state[p].update({k: v for k, v in w.state.items() if k in ("v", "s", "b", "m")})
        current = current.with_parameters(new)
        if t == 1 or t % every == 0 or t == rounds:
            losses.append((t, current.loss_value))
        if progress:
            progress(t)
    outputs = {}
    for s, sample in enumerate(getattr(current, "sample_networks", (current,))):
        suffix = f"[{s + 1}]" if current.batched else ""
        outputs.update({f"out_{o}{suffix}": sample.values[f"out_{o}"] for o in current.outputs})
    rule = {"update_biases": biases, "sequential": False, "report": "after",
            "optimizer": optimizer, "convention": convention, "hyper": hyper.to_dict(),
            "schedule": None if schedule is None else schedule.to_dict()}
    return TrainTrace(rounds, float(hyper.lr), rule, tuple(losses),
                      {p: v for p, v in current.parameters.items()}, outputs, True)
