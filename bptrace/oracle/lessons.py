"""torch as the oracle of the course's lessons: schedules, dropout, epochs and losses.

Provides ``schedule_values``/``check_schedule`` (torch.optim.lr_scheduler's own values:
ExponentialLR and CosineAnnealingLR multiply step by step, so they drift from the closed
form by rounding, and the check says by how much), ``check_dropout`` (nn.Dropout with a
seed that draws the same mask, or autograd of x·m/(1 − p) when none is found),
``torch_len`` (iterations per epoch as DataLoader counts them) and ``check_loss`` (the
torch loss of the same name, value and every gradient). The optimizer lesson's mirror is
``optim_torch.py``. torch is imported lazily, only inside these functions.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Optional

from ..lessons.dropout import SEED_SEARCH, DropoutTrace
from ..lessons.epochs import BatchPlan
from ..lessons.loss_steps import LossTrace, element_name
from ..lessons.schedules import TORCH_CLASS, Schedule, ScheduleTrace
from ..model.loss_table import LOSSES
from .check import CheckReport, CheckRow, agrees
from .comparison import compare


# ----- learning-rate schedules ------------------------------------------------------------
def schedule_values(s: Schedule, epochs: int) -> list[float]:
    """torch.optim.lr_scheduler's learning rate at epochs 0 … epochs − 1."""
    import torch

    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=float(s.lr))
    sched = getattr(torch.optim.lr_scheduler, TORCH_CLASS[s.kind])(opt, **s.torch_kwargs())
    out = []
    for _ in range(epochs):
        out.append(float(sched.get_last_lr()[0]))
        opt.step()          # no gradient: changes nothing, keeps torch's order-of-calls check quiet
        sched.step()
    return out


def check_schedule(t: ScheduleTrace, rtol: float = 1e-12, atol: float = 1e-15):
    """Every epoch's closed-form value beside torch's, relative to the base learning rate.

    torch's ExponentialLR and CosineAnnealingLR update step by step, so their rounding
    accumulates: the tolerance for those grows by 1e-15 an epoch (a rounding or so per
    step) beyond ``rtol``; the closed-form schedules are held to ``rtol``.
    """
    theirs = schedule_values(t.schedule, t.epochs)
    base = float(t.schedule.lr)
    if t.schedule.kind in ("exponential", "cosine"):
        rtol = max(rtol, 1e-15 * t.epochs)
    return compare(((f"η({e})", ours, th, base) for e, (ours, th) in enumerate(zip(t.values, theirs))),
                   f"torch.optim.lr_scheduler.{TORCH_CLASS[t.schedule.kind]}", rtol, atol)


# ----- dropout ------------------------------------------------------------------------------
def _seed_for(mask: tuple[int, ...], p: Fraction) -> Optional[int]:
    """The first seed for which nn.Dropout draws ``mask`` (None past ``SEED_SEARCH``)."""
    import torch
    ones = torch.ones(len(mask), dtype=torch.float64)
    want = torch.tensor(mask, dtype=torch.bool)
    for seed in range(SEED_SEARCH):
        torch.manual_seed(seed)
        if torch.equal(torch.nn.functional.dropout(ones, float(p)) != 0, want):
            return seed
    return None


def check_dropout(t: DropoutTrace, rtol: float = 1e-12, atol: float = 1e-15):
    """Outputs and input gradients beside torch's nn.Dropout (float64), same mask.

    Returns ``(Comparison, how)``: ``how`` says which seed reproduced the mask, or that
    none was found and autograd of x·m/(1 − p) stood in for nn.Dropout.
    """
    import torch

    x = torch.tensor([float(v) for v in t.inputs], dtype=torch.float64, requires_grad=True)
    layer = torch.nn.Dropout(float(t.p))
    if not t.training:
        layer.eval()
        y, how = layer(x), {"mode": "eval"}
        against = "torch.nn.Dropout (eval mode)"
    else:
        seed = t.seed if t.seed is not None else (_seed_for(t.mask, t.p) if t.p > 0 else 0)
        if seed is None:
            mask = torch.tensor(t.mask, dtype=torch.float64)
            y, how = x * mask / (1 - float(t.p)), {"mode": "formula", "searched": SEED_SEARCH}
            against = "torch autograd of x·m/(1 − p)"
        else:
            torch.manual_seed(seed)
            y, how = layer(x), {"mode": "seed", "seed": seed, "given": t.seed is not None}
            against = f"torch.nn.Dropout after torch.manual_seed({seed})"
    y.backward(torch.tensor([float(u) for u in t.upstream], dtype=torch.float64))
    pairs = [(f"y_{i}", ours, float(th)) for i, (ours, th) in enumerate(zip(t.outputs, y.tolist()), 1)]
    pairs += [(f"∂E/∂x_{i}", ours, float(th)) for i, (ours, th) in enumerate(zip(t.grads, x.grad.tolist()), 1)]
    return compare(pairs, against, rtol, atol), how


# ----- epochs and batches ---------------------------------------------------------------------
def torch_len(p: BatchPlan) -> int:
    """Iterations per epoch as torch's DataLoader counts them (the check)."""
    import torch.utils.data as data
    return len(data.DataLoader(range(p.samples), batch_size=p.batch_size, drop_last=p.drop_last))


# ----- losses --------------------------------------------------------------------------------
def check_loss(trace: LossTrace, rtol: float = 1e-12, atol: float = 1e-15):
    """The value and every gradient beside the torch loss of the same name (float64)."""
    import torch

    entry = LOSSES[trace.loss]
    v = trace.values
    if entry.kind == "classes":
        N, C = (1, trace.shape[0]) if len(trace.shape) == 1 else trace.shape
        x = torch.tensor([[float(v[element_name("x", n, c)]) for c in range(C)] for n in range(1, N + 1)],
                         dtype=torch.float64)
        if trace.class_targets:
            y = torch.tensor([int(v[element_name("y", n)]) for n in range(1, N + 1)])
        else:
            y = torch.tensor([[float(v[element_name("y", n, c)]) for c in range(C)] for n in range(1, N + 1)],
                             dtype=torch.float64)
        if len(trace.shape) == 1:
            x, y = x[0], y[0]
        x.requires_grad_(True)
    else:
        names = [t.step.lhs.name[2:] for t in trace.terms]
        shape = trace.shape
        x = torch.tensor([float(v["x_" + n]) for n in names], dtype=torch.float64).reshape(shape)
        y = torch.tensor([float(v["y_" + n]) for n in names], dtype=torch.float64).reshape(shape)
        x.requires_grad_(True)
    out = entry.torch(torch, x, y, trace.options, trace.reduction)
    out.backward(torch.ones_like(out))
    rows = []
    ours = trace.value if isinstance(trace.value, tuple) else (trace.value,)
    theirs = out.detach().reshape(-1).tolist()
    labels = [t.step.lhs.name for t in trace.terms] if trace.reduction == "none" else ["L"]
    for label, a, b in zip(labels, ours, theirs):
        rows.append(CheckRow(label, a, b, agrees(a, b, rtol, atol)))
    for g, b in zip(trace.grads, x.grad.reshape(-1).tolist()):
        label = f"∂{g.step.lhs.expr.name}/∂{g.step.lhs.variables[0].name}"
        rows.append(CheckRow(label, g.step.value, b, agrees(g.step.value, b, rtol, atol)))
    return CheckReport(f"{entry.torch_name}", tuple(rows), rtol, atol)
