"""The matrix form against torch: δ, z, a and the gradients from float64 autograd.

Provides ``torch_deltas_and_gradients(net)`` — each layer's z, a, δ and gradients as torch
computes them on the same network (one row per sample, torch's layout), and
``check_against_torch(arrays, net)`` — the largest relative difference between the matrix
form's arrays (50-digit or float64; one column per sample) and torch's, with every
entry compared. torch's ∂E/∂Z of a mean reduction carries the 1/m that the matrix form
puts into BP3/BP4; it is multiplied back so that δ is each sample's own. torch is
imported here, lazily.
"""
from __future__ import annotations


def torch_deltas_and_gradients(net) -> dict:
    """torch float64 autograd on the network: ("z"|"a"|"delta", layer) → list of rows
    [sample][neuron], ("dW"|"db", layer) → gradient, "E" → the loss. torch's ∂E/∂Z of a
    mean carries the 1/m; it is multiplied back so that δ is each sample's own."""
    import torch

    from .check import mirror_forward, mirror_parameters
    params = mirror_parameters(net, torch)
    layers = []
    _, loss = mirror_forward(net, params, torch, layers=layers)
    loss.backward()
    m = len(net.samples) if net.reduction == "mean" else 1
    result = {"E": float(loss.detach())}
    for l, (w, b) in params.items():
        L = l + 1
        z, a = layers[l]
        result[("z", L)] = z.detach().tolist()
        result[("a", L)] = a.detach().tolist()
        result[("delta", L)] = (z.grad * m).tolist()
        result[("dW", L)] = w.grad.tolist()
        if b.numel():
            result[("db", L)] = [[v] for v in b.grad.tolist()]
    return result


def relative_difference(ours, theirs: float, atol: float = 1e-15) -> float:
    """|ours − theirs| / |theirs| (absolute below ``atol``, for values near zero)."""
    diff = abs(float(ours) - theirs)
    return diff / abs(theirs) if abs(theirs) > atol else diff


def check_against_torch(arrays, net) -> tuple[float, list]:
    """The largest relative difference between ``arrays`` (the matrix form: 50-digit or
    float64) and torch, and every (quantity, ours, theirs, difference) compared."""
    theirs = torch_deltas_and_gradients(net)
    rows = []
    for key, value in theirs.items():
        if key == "E":
            continue
        kind, L = key
        if key not in arrays:
            continue
        A = arrays[key]
        for i, row in enumerate(value):
            for j, t in enumerate(row):
                ours = A[j, i] if kind in ("z", "a", "delta") else A[i, j]
                rows.append((f"{kind}{L}[{i + 1},{j + 1}]", ours, t, relative_difference(ours, t)))
    return max((r[3] for r in rows), default=0.0), rows
