"""Learning-rate schedules in closed form, checked against ``torch.optim.lr_scheduler``.

Provides:
- ``KINDS`` and ``schedule(kind, lr, …)`` → ``Schedule`` (validated: a bad value is a
  ``SpecError`` before anything is computed), with its closed-form ``rule`` (SymPy):
  step η(e) = η_0·γ^⌊e/s⌋ (StepLR), multistep η(e) = η_0·γ^k with k the number of milestones
  ≤ e (MultiStepLR), exponential η(e) = η_0·γ^e (ExponentialLR), cosine
  η(e) = η_min + ½(η_0 − η_min)(1 + cos(π·e/T)) (CosineAnnealingLR);
- ``trace(schedule, epochs, at)`` → ``ScheduleTrace``: the value at every epoch 0…epochs−1
  (exact where the rule is rational, else 50 digits) and worked rows at chosen epochs;
- ``torch_values``/``check_torch`` — torch's own values, which for ExponentialLR and
  CosineAnnealingLR come from multiplying step by step (so they drift from the closed form
  by rounding: the check reports the largest difference);
- ``plot(trace, path)`` — matplotlib, imported only there.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Optional

import mpmath
import sympy
from sympy import Symbol

from ..calculus.evaluate import evaluate
from ..calculus.trace import Step
from ..errors import SpecError
from ..model.numbers import exact, to_mpf
from ..model.unevaluated import add, div, minus, mul, power

KINDS = ("step", "multistep", "exponential", "cosine")
TORCH_CLASS = {"step": "StepLR", "multistep": "MultiStepLR", "exponential": "ExponentialLR",
               "cosine": "CosineAnnealingLR"}
MAX_EPOCHS = 100_000   # each epoch's value is a 50-digit evaluation (about 60 µs)

ETA0, GAMMA, E, S, K = Symbol("η_0"), Symbol("γ"), Symbol("e"), Symbol("s"), Symbol("k")
T, ETA_MIN = Symbol("T"), Symbol("η_min")


_number = exact   # a user value read exactly, or a SpecError naming the option


def _whole(value, option: str, least: int) -> int:
    q = _number(value, option)
    if q.denominator != 1 or q < least:
        raise SpecError(option, f"expected a whole number ≥ {least}, got {value}")
    return int(q)


@dataclass(frozen=True)
class Schedule:
    """A validated schedule; fields a kind does not use are ``None``."""

    kind: str
    lr: Fraction
    gamma: Optional[Fraction] = None
    step_size: Optional[int] = None
    milestones: Optional[tuple[int, ...]] = None
    t_max: Optional[int] = None
    eta_min: Optional[Fraction] = None

    @property
    def rule(self) -> sympy.Expr:
        """The closed form in η_0, γ, e and the kind's own symbols."""
        if self.kind == "step":
            return mul(ETA0, power(GAMMA, sympy.floor(div(E, S), evaluate=False)))
        if self.kind == "multistep":
            return mul(ETA0, power(GAMMA, K))
        if self.kind == "exponential":
            return mul(ETA0, power(GAMMA, E))
        cosine = sympy.cos(mul(sympy.pi, div(E, T)), evaluate=False)
        return add(ETA_MIN, mul(sympy.Rational(1, 2), add(ETA0, minus(ETA_MIN)), add(1, cosine)))

    def values_at(self, epoch: int) -> dict[str, mpmath.mpf]:
        """The symbols of ``rule`` → their values at ``epoch``."""
        v = {"η_0": to_mpf(self.lr), "e": mpmath.mpf(epoch)}
        if self.gamma is not None:
            v["γ"] = to_mpf(self.gamma)
        if self.kind == "step":
            v["s"] = mpmath.mpf(self.step_size)
        if self.kind == "multistep":
            v["k"] = mpmath.mpf(sum(m <= epoch for m in self.milestones))
        if self.kind == "cosine":
            v["T"], v["η_min"] = mpmath.mpf(self.t_max), to_mpf(self.eta_min)
        return v

    def value(self, epoch: int) -> mpmath.mpf:
        return evaluate(self.rule, self.values_at(epoch))

    def torch_kwargs(self) -> dict:
        if self.kind == "step":
            return {"step_size": self.step_size, "gamma": float(self.gamma)}
        if self.kind == "multistep":
            return {"milestones": list(self.milestones), "gamma": float(self.gamma)}
        if self.kind == "exponential":
            return {"gamma": float(self.gamma)}
        return {"T_max": self.t_max, "eta_min": float(self.eta_min)}

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "lr": float(self.lr)}
        for key in ("gamma", "eta_min"):
            if getattr(self, key) is not None:
                out[key] = float(getattr(self, key))
        for key in ("step_size", "t_max"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.milestones is not None:
            out["milestones"] = list(self.milestones)
        return out


def schedule(kind: str, lr, gamma=None, step_size=None, milestones=None, t_max=None,
             eta_min=None) -> Schedule:
    """Check and complete a schedule (torch's defaults: γ = 0.1 for step and multistep)."""
    if kind not in KINDS:
        raise SpecError("schedule", f"unknown schedule {kind!r} (one of {', '.join(KINDS)})")
    used = {"step": {"gamma", "step_size"}, "multistep": {"gamma", "milestones"},
            "exponential": {"gamma"}, "cosine": {"t_max", "eta_min"}}[kind]
    given = {"gamma": gamma, "step_size": step_size, "milestones": milestones, "t_max": t_max,
             "eta_min": eta_min}
    option = {"gamma": "--gamma", "step_size": "--step-size", "milestones": "--milestones",
              "t_max": "--t-max", "eta_min": "--eta-min"}
    for key, value in given.items():
        if value is not None and key not in used:
            raise SpecError(option[key], f"not used by the {kind} schedule")
    lr = _number(lr, "--lr")
    if lr < 0:
        raise SpecError("--lr", f"the learning rate must not be negative, got {float(lr):g}")
    fields = {"kind": kind, "lr": lr}
    if "gamma" in used:
        if gamma is None and kind == "exponential":
            raise SpecError("--gamma", "the exponential schedule needs --gamma (e.g. 0.95)")
        g = _number("0.1" if gamma is None else gamma, "--gamma")
        if g <= 0:
            raise SpecError("--gamma", f"must be positive, got {float(g):g}")
        fields["gamma"] = g
    if kind == "step":
        if step_size is None:
            raise SpecError("--step-size", "the step schedule needs --step-size (epochs per decay)")
        fields["step_size"] = _whole(step_size, "--step-size", 1)
    if kind == "multistep":
        if milestones is None:
            raise SpecError("--milestones", "the multistep schedule needs --milestones (e.g. 50,125,160)")
        if isinstance(milestones, str):
            milestones = [m.strip() for m in milestones.split(",")]
        ms = tuple(_whole(m, "--milestones", 1) for m in milestones)
        for a, b in zip(ms, ms[1:]):
            if b <= a:
                raise SpecError("--milestones", f"must increase: {b} comes after {a}")
        fields["milestones"] = ms
    if kind == "cosine":
        if t_max is None:
            raise SpecError("--t-max", "the cosine schedule needs --t-max (epochs to the minimum)")
        fields["t_max"] = _whole(t_max, "--t-max", 1)
        fields["eta_min"] = _number("0" if eta_min is None else eta_min, "--eta-min")
        if fields["eta_min"] < 0:
            raise SpecError("--eta-min", f"must not be negative, got {float(fields['eta_min']):g}")
    return Schedule(**fields)


@dataclass(frozen=True)
class ScheduleRow:
    """The rule worked at one epoch: η(e) = rule = numbers = value."""

    epoch: int
    step: Step
    values: Mapping[str, mpmath.mpf]


@dataclass(frozen=True)
class ScheduleTrace:
    schedule: Schedule
    epochs: int
    values: tuple[mpmath.mpf, ...]      # epoch 0 … epochs − 1
    rows: tuple[ScheduleRow, ...]

    def to_dict(self) -> dict:
        return {"kind": "schedule", "schedule": self.schedule.to_dict(),
                "torch": f"torch.optim.lr_scheduler.{TORCH_CLASS[self.schedule.kind]}",
                "rule": sympy.sstr(self.schedule.rule, order="none"), "epochs": self.epochs,
                "table": [{"epoch": r.epoch, "lr": float(r.step.value)} for r in self.rows],
                "values": [float(v) for v in self.values]}


def default_epochs(s: Schedule, epochs: int) -> list[int]:
    """Where the table looks: each change of a step schedule, or ten even stops."""
    last = epochs - 1
    if s.kind == "step":
        stops = list(range(0, epochs, s.step_size))
    elif s.kind == "multistep":
        stops = [0] + [m for m in s.milestones if m < epochs]
    else:
        stride = max(1, epochs // 10)
        stops = list(range(0, epochs, stride))
    if last not in stops:
        stops.append(last)
    return stops


def trace(s: Schedule, epochs: int, at=None) -> ScheduleTrace:
    """Every epoch's value, and worked rows at ``at`` (default: ``default_epochs``)."""
    if not isinstance(epochs, int) or not 1 <= epochs <= MAX_EPOCHS:
        raise SpecError("--epochs", f"expected a whole number from 1 to {MAX_EPOCHS}, got {epochs!r}")
    if at is None:
        at = default_epochs(s, epochs)
    at = [_whole(e, "--at", 0) for e in at]
    for e in at:
        if e > MAX_EPOCHS:
            raise SpecError("--at", f"epoch {e} is beyond {MAX_EPOCHS}")
    rows = []
    for e in at:
        values = s.values_at(e)
        v = evaluate(s.rule, values)
        rows.append(ScheduleRow(e, Step(Symbol(f"η({e})"), s.rule, v), values))
    return ScheduleTrace(s, epochs, tuple(s.value(e) for e in range(epochs)), tuple(rows))
