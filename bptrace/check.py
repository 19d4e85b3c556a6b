"""torch as the oracle: the same network in torch (float64), forward and backward.

Provides:
- ``torch_values(net)`` — every forward value, the loss and every parameter's gradient as
  torch computes them, keyed by bptrace's names (``net_h1``, ``out_o1``, ``E_total``,
  ``grad:w5``; in a batch ``net_h1[2]`` for sample 2). A shared bias is one torch
  parameter broadcast over its layer, so autograd sums its gradient over the neurons
  that share it — exactly the structure bptrace derives. For a network imported with
  ``from_torch`` the loss and gradients come from the user's own module (a float64
  copy), so the import itself is checked too.
- ``check_torch(net, rtol, atol)`` → ``CheckReport``: bptrace's 50-digit value beside
  torch's for every quantity, with absolute and relative differences and a verdict.
- ``torch_train(net, steps, …)`` — the same plain-SGD rounds with ``torch.optim.SGD``.

torch is imported here, lazily, and nowhere on the paths that do not need it.
"""
from __future__ import annotations

from dataclasses import dataclass

import mpmath

from .activations import ACTIVATIONS
from .numbers import to_mpf

RTOL, ATOL = 1e-12, 1e-15


def _key(name: str, s: int, batch: bool) -> str:
    return f"{name}[{s + 1}]" if batch else name


def _parameters(net, torch) -> dict:
    """Layer → (weight matrix, bias vector) as float64 leaf tensors; one element = shared."""
    params = {}
    for l, layer in enumerate(net.layers):
        w = torch.tensor([[float(to_mpf(v)) for v in row] for row in layer.weights],
                         dtype=torch.float64, requires_grad=True)
        b = torch.tensor([float(to_mpf(v)) for v in layer.biases], dtype=torch.float64,
                         requires_grad=True)
        params[l] = (w, b)
    return params


def _forward(net, params, torch, kept=None):
    """The batch through the layers, and the reduced loss; intermediate tensors into ``kept``."""
    def f64(rows):
        return torch.tensor([[float(to_mpf(v)) for v in row] for row in rows], dtype=torch.float64)

    x = f64([xs for xs, _ in net.samples])            # (B, inputs)
    # dropout as nn.Dropout applies it: the kept units times 1/(1 − p), each sample its mask
    scales = [net.dropout_scales(s) for s in range(len(net.samples))]
    for l, layer in enumerate(net.layers):
        w, b = params[l]
        z = x @ w.T + b if layer.biases else x @ w.T  # a one-element b broadcasts: one shared bias
        x = ACTIVATIONS[layer.activation].torch(torch, z)
        if kept is not None:
            for s in range(z.shape[0]):
                for j, name in enumerate(net.names.neurons[l]):
                    kept[_key(f"net_{name}", s, net.batched)] = z[s, j]
                    kept[_key(f"out_{name}", s, net.batched)] = x[s, j]
        if scales[0][l]:
            x = x * f64([sc[l] for sc in scales])
    targets = f64([ts for _, ts in net.samples])
    choice = net.loss
    per_sample = torch.stack([choice.entry.torch_sample(torch, x[s], targets[s], choice.options, choice.within)
                              for s in range(x.shape[0])])
    return x, per_sample.mean() if net.reduction == "mean" else per_sample.sum()


def torch_values(net) -> dict:
    """Name → float64 value of every forward quantity, ``E_total`` and ``grad:<param>``."""
    import torch

    params, kept = _parameters(net, torch), {}
    _, loss = _forward(net, params, torch, kept)
    loss.backward()
    result = {k: float(v.detach()) for k, v in kept.items()}
    result["E_total"] = float(loss.detach())
    for l, (w, b) in params.items():
        for j, row in enumerate(net.names.weights[l]):
            for k, name in enumerate(row):
                result[f"grad:{name}"] = float(w.grad[j, k])
        for j, name in enumerate(net.names.biases[l]):
            result[f"grad:{name}"] = float(b.grad[j])
    source = getattr(net, "torch_source", None)
    if source is not None:
        result.update(_module_values(net, source, torch))
    return result


def _module_values(net, source, torch) -> dict:
    """Loss and gradients from the user's own module, copied to float64."""
    import copy
    module = copy.deepcopy(source.module).double()
    module.zero_grad()
    out = module(source.inputs.double())
    targets = source.targets
    if targets.is_floating_point():
        targets = targets.double()
    # the torch loss of the same name on the whole batch (cross-entropy: the user's class indices)
    loss = net.loss.entry.torch(torch, out, targets, net.loss.options, source.reduction)
    loss.backward()
    result = {"E_total": float(loss.detach())}
    for pname, p in module.named_parameters():
        grad = p.grad.reshape(p.shape)
        if p.dim() == 2:
            for j in range(p.shape[0]):
                for k in range(p.shape[1]):
                    result[f"grad:{pname}[{j},{k}]"] = float(grad[j, k])
        else:
            for j in range(p.shape[0]):
                result[f"grad:{pname}[{j}]"] = float(grad[j])
    return result


@dataclass(frozen=True)
class CheckRow:
    quantity: str
    ours: mpmath.mpf
    theirs: float
    ok: bool

    @property
    def abs_diff(self) -> float:
        return abs(float(self.ours) - self.theirs)

    @property
    def rel_diff(self) -> float:
        return self.abs_diff / abs(self.theirs) if self.theirs else (0.0 if self.abs_diff == 0 else float("inf"))

    def to_dict(self) -> dict:
        return {"quantity": self.quantity, "bptrace": float(self.ours), "torch": self.theirs,
                "abs_diff": self.abs_diff, "rel_diff": self.rel_diff, "ok": self.ok}


@dataclass(frozen=True)
class CheckReport:
    """bptrace against torch.autograd (float64), quantity by quantity."""

    network: str
    rows: tuple[CheckRow, ...]
    rtol: float
    atol: float

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def failures(self) -> tuple[CheckRow, ...]:
        return tuple(r for r in self.rows if not r.ok)

    def to_dict(self) -> dict:
        return {"kind": "check", "network": self.network, "rtol": self.rtol, "atol": self.atol,
                "ok": self.ok, "rows": [r.to_dict() for r in self.rows]}


def agrees(ours, theirs: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """|ours − theirs| ≤ max(rtol·|theirs|, atol): relative, or absolute near zero."""
    return abs(float(ours) - theirs) <= max(rtol * abs(theirs), atol)


def check_torch(net, rtol: float = RTOL, atol: float = ATOL) -> CheckReport:
    """Every forward value, the loss and every gradient, bptrace beside torch."""
    theirs = torch_values(net)
    sample_nets = getattr(net, "sample_networks", (net,))
    batch = net.batched
    ours = {}
    for s, sn in enumerate(sample_nets):
        for l, names in enumerate(net.names.neurons):
            for name in names:
                for kind in ("net", "out"):
                    ours[_key(f"{kind}_{name}", s, batch)] = sn.values[f"{kind}_{name}"]
    ours["E_total"] = net.loss_value
    for p, g in net.gradients().items():
        ours[f"grad:{p}"] = g
    rows = []
    for q, v in ours.items():
        label = f"∂E_total/∂{q[5:]}" if q.startswith("grad:") else q
        rows.append(CheckRow(label, v, theirs[q], agrees(v, theirs[q], rtol, atol)))
    return CheckReport(net.name, tuple(rows), rtol, atol)


def torch_train(net, steps: int, lr=None, update_biases=None, optimizer=None,
                scheduler=None) -> tuple[list, dict]:
    """``steps`` rounds of a torch optimizer on the mirror: (loss after each round, params).

    ``optimizer`` and ``scheduler`` are (class name, keyword arguments) in ``torch.optim``
    and ``torch.optim.lr_scheduler``; the default is plain ``SGD`` at the network's rate.
    """
    import torch

    eta = float(to_mpf(net.learning_rate if lr is None else lr))
    biases = net.update_biases if update_biases is None else update_biases
    params = _parameters(net, torch)
    tensors = [w for w, _ in params.values()] + ([b for _, b in params.values()] if biases else [])
    cls, kwargs = optimizer or ("SGD", {"lr": eta})
    opt = getattr(torch.optim, cls)(tensors, **kwargs)
    sched = None
    if scheduler:
        sched = getattr(torch.optim.lr_scheduler, scheduler[0])(opt, **scheduler[1])
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        _forward(net, params, torch)[1].backward()
        opt.step()
        if sched:
            sched.step()
        with torch.no_grad():
            losses.append(float(_forward(net, params, torch)[1]))
    final = {}
    for l, (w, b) in params.items():
        for j, row in enumerate(net.names.weights[l]):
            for k, name in enumerate(row):
                final[name] = float(w.detach()[j, k])
        for j, name in enumerate(net.names.biases[l]):
            final[name] = float(b.detach()[j])
    return losses, final


@dataclass(frozen=True)
class TrainingComparison:
    """bptrace's training loop against the same rounds of ``torch.optim.SGD``."""

    rounds: int
    max_loss_diff: float        # largest |ΔE_total| over the recorded rounds
    max_param_diff: float       # largest |Δparameter| after the last round
    worst_param: str
    rtol: float
    against: str = "torch.optim.SGD"

    @property
    def ok(self) -> bool:
        return self.max_loss_diff <= self.rtol and self.max_param_diff <= self.rtol

    def to_dict(self) -> dict:
        return {"kind": "train_check", "rounds": self.rounds, "max_loss_diff": self.max_loss_diff,
                "max_param_diff": self.max_param_diff, "worst_param": self.worst_param,
                "tolerance": self.rtol, "against": self.against, "ok": self.ok}


def compare_training(net, trace, lr=None, update_biases=None, optimizer=None, schedule=None,
                     rtol: float = RTOL) -> TrainingComparison:
    """Run ``trace.rounds`` rounds in torch and compare, round by round, with bptrace.

    bptrace's loop is rerun recording every round (the trace keeps only a few); the
    parameters compared are the trace's own. ``optimizer`` is (name, Hyper, convention)
    and ``schedule`` a ``schedules.Schedule`` when training used them. Differences are
    relative to the size of each quantity (absolute below 1).
    """
    if trace.rule["sequential"]:
        raise ValueError("torch.optim.SGD has no 'sequential' variant to compare with")
    torch_opt = torch_sched = None
    if optimizer or schedule:
        from . import optim, schedules
        from .train import train_with_optimizer
        name, hyper, convention = optimizer or ("sgd", optim.hyper_parameters(
            "sgd", lr=to_mpf(net.learning_rate if lr is None else lr)), "torch")
        torch_opt = optim.counterpart(name, hyper, convention)
        if torch_opt is None:
            raise ValueError(f"torch has no {name} with the {convention} convention")
        if schedule is not None:
            torch_sched = (schedules.TORCH_CLASS[schedule.kind], schedule.torch_kwargs())
        ours = train_with_optimizer(net, trace.rounds, name, hyper, convention, schedule,
                                    update_biases, every=1).losses
    else:
        ours = net.train(trace.rounds, lr=lr, update_biases=update_biases, every=1).losses
    losses, params = torch_train(net, trace.rounds, lr, update_biases, torch_opt, torch_sched)

    def rel(a, b):
        return abs(float(a) - b) / max(1.0, abs(b))

    loss_diff = max((rel(v, losses[r - 1]) for r, v in ours), default=0.0)
    worst = max(params, key=lambda p: rel(trace.params[p], params[p]), default="")
    param_diff = rel(trace.params[worst], params[worst]) if worst else 0.0
    against = f"torch.optim.{(torch_opt or ('SGD',))[0]}"
    if torch_sched:
        against += f" with lr_scheduler.{torch_sched[0]}"
    return TrainingComparison(trace.rounds, loss_diff, param_diff, worst, rtol, against)
