"""The course's loss pictures: L1, MSE, Smooth L1 and Huber over the residual, and their slopes.

Provides ``curves(beta, delta, span, points)`` (the numbers: residual r = x − y and, for
each loss, l(r) and dl/dr, from the loss table's own float64 functions) and
``plot_losses(path, beta, delta)``, which draws them with matplotlib (imported only
there, via ``plotting.pyplot``) and writes png, svg or pdf deterministically.
"""
from __future__ import annotations

import math

from .losses import LOSSES

PLOTTED = ("l1", "mse", "smooth_l1", "huber")


def curves(beta: float = 1.0, delta: float = 1.0, span: float = 3.0, points: int = 601) -> dict:
    """Residuals and, per loss, (values, derivatives) computed by the table with target 0."""
    rs = [-span + 2 * span * k / (points - 1) for k in range(points)]
    opts = {"beta": beta, "delta": delta}
    out = {"r": rs}
    for name in PLOTTED:
        el = LOSSES[name].element
        out[name] = ([el.value(r, 0.0, math, opts) for r in rs], [el.grad(r, 0.0, math, opts) for r in rs])
    return out


_LABELS = {"l1": "L1 (MAE): |r|", "mse": "MSE: r²", "smooth_l1": "Smooth L1 (β = {beta:g})",
           "huber": "Huber (δ = {delta:g})"}


def plot_losses(path: str, beta: float = 1.0, delta: float = 1.0) -> None:
    """Two panels: each loss over the residual r = x − y, and its derivative dl/dx."""
    from .plotting import pyplot, save

    plt = pyplot()
    data = curves(beta, delta)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 7.2), sharex=True)
    for name in PLOTTED:
        label = _LABELS[name].format(beta=beta, delta=delta)
        values, slopes = data[name]
        # Huber dashed: with δ = β = 1 it lies exactly on Smooth L1
        style = {"linestyle": "--"} if name == "huber" else {}
        top.plot(data["r"], values, label=label, **style)
        bottom.plot(data["r"], slopes, label=label, **style)
    top.set_ylim(-0.2, 4.5)
    top.set_ylabel("loss l(r)")
    top.set_title("Regression losses over the residual r = x − y")
    bottom.set_ylim(-3.5, 3.5)
    bottom.set_ylabel("derivative dl/dx")
    bottom.set_xlabel("residual r = x − y  (L1's slope at 0 is sign(0) = 0, as torch)")
    for ax in (top, bottom):
        ax.axhline(0, color="0.7", linewidth=0.8)
        ax.axvline(0, color="0.7", linewidth=0.8)
        ax.grid(True, linewidth=0.3)
        ax.legend(loc="upper center", fontsize=8)
    fig.tight_layout()
    save(fig, path)
