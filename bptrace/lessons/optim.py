"""Optimizer steps on an objective a user types: SGD, momentum (Nesterov), AdaGrad, RMSProp,
Adam, AdamW, traced as data.

Provides:
- ``parse_init("w1=0.5,w2=-1")`` → the starting point, read exactly;
- ``trace(name, objective, init, steps, …)`` → ``OptimTrace``: every step's gradient, each
  state variable's update and the new parameter, each a ``Step`` (symbol = formula, the
  value computed from that formula at 50 digits) — the rules are ``calculus/optimizers.py``;
- ``compare(names, objective, init, steps)`` → ``CompareTrace``: several optimizers from the
  same start, for a table and a plot (``renderers/plots.py``).

The torch.optim mirror that checks every step is ``oracle/optim_torch.py``. The objective's
gradient is taken once with ``sympy.diff``; each step evaluates it at the previous
parameters. Nothing here formats text.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

import mpmath
import sympy
from sympy import Symbol

from ..calculus.evaluate import DomainError, evaluate
from ..calculus.optimizers import (
    INITIAL_STATE,
    USES,
    Hyper,
    Working,
    hyper_parameters,
    hyper_values,
    one_step,
    torch_counterpart,
)
from ..calculus.trace import Step
from ..errors import SpecError
from ..model.numbers import exact, to_mpf
from .expression import Objective


def parse_init(text: str) -> dict[str, Fraction]:
    """``"w1=1,w2=-2"`` → {"w1": 1, "w2": -2}, exact; names checked, no repeats."""
    from .expression import ExpressionError, check_name
    out = {}
    for part in text.split(","):
        name, eq, value = part.partition("=")
        name = name.strip()
        if not eq:
            raise SpecError("--init", f"expected name=value, got {part.strip()!r}")
        try:
            check_name(name)
        except ExpressionError as e:
            raise SpecError("--init", e.problem.removeprefix("--init: ")) from None
        if name in out:
            raise SpecError("--init", f"{name} is given twice")
        out[name] = exact(value.strip(), f"--init: {name}")
    return out


# ----- the trace ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ParamStep:
    """One parameter's working in one step: lines g, state updates, new value."""

    param: str
    lines: tuple[Step, ...]
    values: Mapping[str, mpmath.mpf]   # every symbol the lines use → its value
    grad: mpmath.mpf                   # ∂f/∂param at the previous parameters (torch's .grad)
    state: Mapping[str, mpmath.mpf]    # g (with weight decay), v, s, b, m, m_hat, v_hat, d
    new: mpmath.mpf


@dataclass(frozen=True)
class OptimStep:
    """Step t: f at the previous parameters, then each parameter's working."""

    t: int
    f: mpmath.mpf
    params: tuple[ParamStep, ...]

    def to_dict(self) -> dict:
        return {
            "step": self.t,
            "f": float(self.f),
            "grad": {p.param: float(p.grad) for p in self.params},
            "state": {p.param: {k: float(v) for k, v in p.state.items()} for p in self.params},
            "params": {p.param: float(p.new) for p in self.params},
            "working": {p.param: [s.to_dict() for s in p.lines] for p in self.params},
        }


@dataclass(frozen=True)
class OptimTrace:
    """``steps`` of optimizer ``optimizer`` on ``objective`` from ``init``."""

    optimizer: str
    convention: str
    hyper: Hyper
    objective: Objective
    gradient: Mapping[str, sympy.Expr]   # ∂f/∂p in the parameter symbols
    init: Mapping[str, Fraction]
    steps: tuple[OptimStep, ...]
    final: Mapping[str, mpmath.mpf]
    final_f: mpmath.mpf
    values: Mapping[str, mpmath.mpf]     # the hyper-parameters' symbols → values

    @property
    def params(self) -> tuple[str, ...]:
        return self.objective.params

    def path(self) -> list[dict[str, mpmath.mpf]]:
        """The parameters before step 1, after step 1, …: the trajectory."""
        start = {p: to_mpf(v) for p, v in self.init.items()}
        return [start] + [{p.param: p.new for p in s.params} for s in self.steps]

    def to_dict(self) -> dict:
        counterpart = torch_counterpart(self)
        return {
            "kind": "optim",
            "optimizer": self.optimizer,
            "convention": self.convention,
            "torch": None if counterpart is None else
            {"class": f"torch.optim.{counterpart[0]}", "kwargs": counterpart[1]},
            "hyper": self.hyper.to_dict(),
            "objective": self.objective.text,
            "objective_sympy": sympy.sstr(self.objective.expr),
            "gradient": {p: sympy.sstr(g) for p, g in self.gradient.items()},
            "init": {p: float(v) for p, v in self.init.items()},
            "steps": [s.to_dict() for s in self.steps],
            "final": {"params": {p: float(v) for p, v in self.final.items()},
                      "f": float(self.final_f)},
        }


def trace(name: str, objective: Objective, init: Mapping[str, object], steps: int,
          convention: str = "torch", **hyper) -> OptimTrace:
    """Run optimizer ``name`` for ``steps`` steps on ``objective`` from ``init``.

    ``hyper`` are ``hyper_parameters``' keywords (or ``hyper=Hyper(...)``). Everything is
    validated before the first evaluation.
    """
    h = hyper.pop("hyper", None) or hyper_parameters(name, convention=convention, **hyper)
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise SpecError("--steps", f"expected a whole number ≥ 0, got {steps!r}")
    init = {p: exact(v, f"--init: {p}") for p, v in init.items()}
    missing = [p for p in objective.params if p not in init]
    extra = [p for p in init if p not in objective.params]
    if missing or extra:
        raise SpecError("--init", f"the objective's parameters are {', '.join(objective.params)}"
                                  f", --init gives {', '.join(init) or 'none'}")
    symbols = objective.symbols
    gradient = {p: sympy.diff(objective.expr, symbols[p]) for p in objective.params}
    hv = hyper_values(name, h, convention)
    current = {p: to_mpf(init[p]) for p in objective.params}
    state = {p: {k: mpmath.mpf(0) for k in INITIAL_STATE[name]} for p in objective.params}
    out = []
    for t in range(1, steps + 1):
        at = {symbols[p]: Symbol(f"{p}_{t - 1}") for p in objective.params}
        prev = {f"{p}_{t - 1}": current[p] for p in objective.params}
        f = _value(objective.expr.xreplace(at), prev, "f", t, current)
        param_steps = []
        for p in objective.params:
            values = {**hv, **prev, **{f"{k}_{t - 1}": v for k, v in state[p].items()}}
            w = Working(values)
            try:
                one_step(name, h, convention, t, p, gradient[p].xreplace(at), w)
            except DomainError as e:
                raise SpecError("--objective", f"step {t}: no real value at "
                                f"{_point(current)}: {e}") from None
            grad = w.lines[0].value
            param_steps.append(ParamStep(p, tuple(w.lines), w.values, grad,
                                         dict(w.state), w.lines[-1].value))
            state[p].update({k: v for k, v in w.state.items() if k in ("v", "s", "b", "m")})
        current = {ps.param: ps.new for ps in param_steps}
        out.append(OptimStep(t, f, tuple(param_steps)))
    symbols_at_end = {symbols[p]: Symbol(p) for p in objective.params}
    final_f = _value(objective.expr.xreplace(symbols_at_end), {p: current[p] for p in current},
                     "f", steps + 1, current)
    return OptimTrace(name, convention, h, objective, gradient, init, tuple(out), current,
                      final_f, hv)


def _point(values) -> str:
    return ", ".join(f"{p} = {mpmath.nstr(v, 9)}" for p, v in values.items())


def _value(expr, values, what, t, current):
    try:
        return evaluate(expr, values)
    except DomainError as e:
        raise SpecError("--objective", f"step {t}: {what} has no real value at "
                                       f"{_point(current)}: {e}") from None


# ----- several optimizers side by side ------------------------------------------------------
@dataclass(frozen=True)
class CompareTrace:
    """The same objective, start and step count under several optimizers."""

    traces: tuple[OptimTrace, ...]

    def stops(self, lines: int = 10) -> list[int]:
        """Which steps a table shows: about ``lines`` evenly spaced, always the last."""
        n = len(self.traces[0].steps)
        stride = max(1, n // lines)
        out = list(range(0, n + 1, stride))
        return out if out[-1] == n else out + [n]

    def to_dict(self) -> dict:
        return {"kind": "optim_compare", "objective": self.traces[0].objective.text,
                "optimizers": [t.to_dict() for t in self.traces]}


def compare(names, objective: Objective, init, steps: int, convention: str = "torch",
            **hyper) -> CompareTrace:
    """``trace`` for each name; each optimizer takes the options it uses and its defaults."""
    if not names:
        raise SpecError("optim compare", "name at least one optimizer")
    checked = {}
    for name in names:
        if name in checked:
            raise SpecError("optim compare", f"{name} is named twice")
        mine = {k: v for k, v in hyper.items() if k == "lr" or (name in USES and k in USES[name])}
        checked[name] = hyper_parameters(name, convention=convention, **mine)
    return CompareTrace(tuple(trace(n, objective, init, steps, convention, hyper=h)
                              for n, h in checked.items()))
