"""Training checked against torch.optim: the same rounds on the float64 mirror.

Provides ``torch_train(net, steps, …)`` — rounds of a torch optimizer (plain ``SGD`` at
the network's rate by default, or the counterpart of bptrace's optimizer and schedule) —
and ``compare_training(net, trace, …)`` → ``TrainingComparison``: bptrace's training loop
beside torch's, round by round. torch is imported lazily, only here.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..calculus.optimizers import counterpart, hyper_parameters
from ..calculus.train import train, train_with_optimizer
from ..lessons.schedules import TORCH_CLASS as SCHEDULE_CLASS
from ..model.numbers import to_mpf
from .check import RTOL, mirror_forward, mirror_parameters


def torch_train(net, steps: int, lr=None, update_biases=None, optimizer=None,
                scheduler=None) -> tuple[list, dict]:
    """``steps`` rounds of a torch optimizer on the mirror: (loss after each round, params).

    ``optimizer`` and ``scheduler`` are (class name, keyword arguments) in ``torch.optim``
    and ``torch.optim.lr_scheduler``; the default is plain ``SGD`` at the network's rate.
    """
    import torch

    eta = float(to_mpf(net.learning_rate if lr is None else lr))
    biases = net.update_biases if update_biases is None else update_biases
    params = mirror_parameters(net, torch)
    tensors = [w for w, _ in params.values()] + ([b for _, b in params.values()] if biases else [])
    cls, kwargs = optimizer or ("SGD", {"lr": eta})
    opt = getattr(torch.optim, cls)(tensors, **kwargs)
    sched = None
    if scheduler:
        sched = getattr(torch.optim.lr_scheduler, scheduler[0])(opt, **scheduler[1])
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        mirror_forward(net, params, torch)[1].backward()
        opt.step()
        if sched:
            sched.step()
        with torch.no_grad():
            losses.append(float(mirror_forward(net, params, torch)[1]))
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
        name, hyper, convention = optimizer or ("sgd", hyper_parameters(
            "sgd", lr=to_mpf(net.learning_rate if lr is None else lr)), "torch")
        torch_opt = counterpart(name, hyper, convention)
        if torch_opt is None:
            raise ValueError(f"torch has no {name} with the {convention} convention")
        if schedule is not None:
            torch_sched = (SCHEDULE_CLASS[schedule.kind], schedule.torch_kwargs())
        ours = train_with_optimizer(net, trace.rounds, name, hyper, convention, schedule,
                                    update_biases, every=1).losses
    else:
        ours = train(net, trace.rounds, lr=lr, update_biases=update_biases, every=1).losses
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
