"""matplotlib figures of the course's lessons, written deterministically (png, svg, pdf).

Provides ``curves``/``plot_losses`` (L1, MSE, Smooth L1 and Huber over the residual and
their slopes, from the loss table's own float64 functions), ``plot_paths`` (several
optimizers' trajectories on one objective: a curve for one parameter, contours for two)
and ``plot_schedule`` (a learning rate against the epoch). matplotlib and numpy are
imported only when a figure is drawn (``plotting.pyplot``).
"""
from __future__ import annotations

import math

from ..errors import SpecError
from ..lessons.optim import CompareTrace
from ..lessons.schedules import TORCH_CLASS, ScheduleTrace
from ..model.loss_table import LOSSES
from .plotting import check_path, pyplot, save

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


def plot_paths(c: CompareTrace, path: str) -> None:
    """Trajectories on the objective: a curve for one parameter, contours for two."""
    check_path(path)
    first = c.traces[0]
    params = first.params
    if len(params) > 2:
        raise SpecError("-o", f"can draw one or two parameters, the objective has {len(params)}")
    plt = pyplot()
    import numpy as np

    paths = {t.optimizer: [[float(point[p]) for p in params] for point in t.path()] for t in c.traces}
    every = np.array([xy for pts in paths.values() for xy in pts])
    lo, hi = every.min(axis=0), every.max(axis=0)
    pad = np.maximum((hi - lo) * 0.15, 0.5)
    lo, hi = lo - pad, hi + pad

    def f(values):
        with np.errstate(all="ignore"):
            return first.objective.apply(values, _numpy_ops(np))

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    if len(params) == 1:
        xs = np.linspace(lo[0], hi[0], 400)
        ax.plot(xs, f({params[0]: xs}) + 0 * xs, color="0.6", lw=1, label="f")
        for name, pts in paths.items():
            x = np.array([q[0] for q in pts])
            ax.plot(x, f({params[0]: x}) + 0 * x, marker=".", ms=3, lw=1, label=name)
        ax.set_xlabel(params[0])
        ax.set_ylabel("f")
    else:
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
        ax.contour(gx, gy, f({params[0]: gx, params[1]: gy}) + 0 * gx, levels=25, colors="0.7",
                   linewidths=0.6)
        for name, pts in paths.items():
            arr = np.array(pts)
            ax.plot(arr[:, 0], arr[:, 1], marker=".", ms=3, lw=1, label=name)
        ax.set_xlabel(params[0])
        ax.set_ylabel(params[1])
    ax.set_title(f"f = {first.objective.text}, {len(first.steps)} steps")
    ax.legend()
    fig.tight_layout()
    save(fig, path)


def _numpy_ops(np) -> dict:
    return {"const": float, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin,
            "cos": np.cos, "tanh": np.tanh, "sigmoid": lambda x: 1 / (1 + np.exp(-x))}


def plot_schedule(t: ScheduleTrace, path: str) -> None:
    """The learning rate against the epoch, written to ``path`` (png, svg, pdf)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    epochs = list(range(t.epochs))
    values = [float(v) for v in t.values]
    if t.schedule.kind in ("step", "multistep"):
        ax.step(epochs, values, where="post", label=TORCH_CLASS[t.schedule.kind])
    else:
        ax.plot(epochs, values, label=TORCH_CLASS[t.schedule.kind])
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    ax.legend()
    fig.tight_layout()
    save(fig, path)
