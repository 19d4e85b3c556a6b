"""Optimizer steps as data: SGD, momentum (Nesterov), AdaGrad, RMSProp, Adam, AdamW.

Provides:
- ``OPTIMIZERS`` — the names; ``hyper_parameters(name, …)`` → ``Hyper``, validated (a bad
  value is a ``SpecError`` before anything is evaluated), with torch's defaults;
- ``trace(name, objective, init, steps, …)`` → ``OptimTrace``: every step's gradient, each
  state variable's update and the new parameter, each a ``Step`` (symbol = formula, the
  value computed from that formula at 50 digits);
- ``torch_counterpart(trace)`` — the torch.optim class and keyword arguments that perform
  the same steps (``None`` where torch has none), and ``check_torch(trace)`` →
  ``Comparison``: the same steps run by torch.optim in float64.

Conventions. ``torch`` (the default) follows torch.optim exactly: momentum v = μ·v + g
(v₁ = g₁, dampening 0), ε outside the root (AdaGrad ε = 1e-10, lr_decay 0, accumulator
from 0; RMSProp α = 0.99, not centered; Adam's bias corrections), L2 weight decay
g ← g + λ·w, and AdamW's decoupled w ← w − η·λ·w. ``textbook`` is the course's form:
momentum as an exponentially weighted average v = β·v + (1 − β)·g (v₁ = g₁; torch's
dampening = β), and ε inside the root, η·g/√(s + ε).

The objective's gradient is taken once with ``sympy.diff``; each step evaluates it at the
previous parameters. Nothing here formats text.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Optional

import mpmath
import sympy
from sympy import Rational, Symbol

from .errors import SpecError
from .numbers import exact
from .expression import DomainError, Objective, evaluate
from .numbers import to_mpf
from .trace import Step

OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adam", "adamw")
CONVENTIONS = ("torch", "textbook")

TORCH_CLASS = {"sgd": "SGD", "momentum": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop",
               "adam": "Adam", "adamw": "AdamW"}

# torch's defaults (torch 2.x), except momentum's μ = 0.9, the course's value
_DEFAULT_LR = {"sgd": "0.001", "momentum": "0.001", "adagrad": "0.01", "rmsprop": "0.01",
               "adam": "0.001", "adamw": "0.001"}
_DEFAULT_EPS = {"adagrad": "1e-10", "rmsprop": "1e-8", "adam": "1e-8", "adamw": "1e-8"}

# which options each optimizer uses (giving another is an error, not silently ignored)
_USES = {
    "sgd": {"momentum", "nesterov", "weight_decay"},
    "momentum": {"momentum", "nesterov", "weight_decay"},
    "adagrad": {"eps", "weight_decay"},
    "rmsprop": {"alpha", "eps", "momentum", "weight_decay"},
    "adam": {"betas", "eps", "weight_decay"},
    "adamw": {"betas", "eps", "weight_decay"},
}
_OPTION = {"momentum": "--momentum", "nesterov": "--nesterov", "weight_decay": "--weight-decay",
           "eps": "--eps", "alpha": "--alpha", "betas": "--betas"}

# the symbols of the formulas
ETA, LAMBDA, MU, BETA = Symbol("η"), Symbol("λ"), Symbol("μ"), Symbol("β")
BETA1, BETA2, ALPHA, EPS = Symbol("β₁"), Symbol("β₂"), Symbol("α"), Symbol("ε")


def _add(*a):
    return sympy.Add(*a, evaluate=False)


def _mul(*a):
    return sympy.Mul(*a, evaluate=False)


def _pow(b, e):
    return sympy.Pow(b, e, evaluate=False)


def _div(a, b):
    return _mul(a, _pow(b, -1))


def _minus(a):
    return _mul(-1, a)


def _one_minus(x):
    return _add(1, _minus(x))


def _sqrt(x):
    return _pow(x, Rational(1, 2))


# ----- hyper-parameters ---------------------------------------------------------------------
@dataclass(frozen=True)
class Hyper:
    """Validated hyper-parameters, exact. Unused ones are ``None``."""

    lr: Fraction
    momentum: Optional[Fraction] = None
    nesterov: bool = False
    alpha: Optional[Fraction] = None
    betas: Optional[tuple[Fraction, Fraction]] = None
    eps: Optional[Fraction] = None
    weight_decay: Fraction = Fraction(0)

    def to_dict(self) -> dict:
        out = {"lr": float(self.lr)}
        if self.momentum is not None:
            out["momentum"] = float(self.momentum)
            out["nesterov"] = self.nesterov
        if self.alpha is not None:
            out["alpha"] = float(self.alpha)
        if self.betas is not None:
            out["betas"] = [float(b) for b in self.betas]
        if self.eps is not None:
            out["eps"] = float(self.eps)
        out["weight_decay"] = float(self.weight_decay)
        return out


_exact = exact   # a user value read exactly, or a SpecError naming the option


def _coefficient(value, option: str) -> Fraction:
    """A decay coefficient: β, α or μ in [0, 1)."""
    q = _exact(value, option)
    if not 0 <= q < 1:
        raise SpecError(option, f"{float(q):g} is outside [0, 1)")
    return q


def hyper_parameters(name: str, lr=None, momentum=None, nesterov: bool = False, alpha=None,
                     betas=None, eps=None, weight_decay=None,
                     convention: str = "torch") -> Hyper:
    """Check and complete the hyper-parameters of optimizer ``name`` (torch's defaults).

    Values may be strings (read exactly: "0.01" is 1/100), ints, Fractions or floats.
    Every problem is a ``SpecError`` naming the option.
    """
    if name not in OPTIMIZERS:
        raise SpecError("optimizer", f"unknown optimizer {name!r} (one of {', '.join(OPTIMIZERS)})")
    if convention not in CONVENTIONS:
        raise SpecError("--convention", f"unknown convention {convention!r} (torch or textbook)")
    given = {"momentum": momentum, "nesterov": nesterov or None, "alpha": alpha, "betas": betas,
             "eps": eps, "weight_decay": weight_decay}
    for key, value in given.items():
        if value is not None and key not in _USES[name]:
            raise SpecError(_OPTION[key], f"not used by {name}")
    lr = _exact(_DEFAULT_LR[name] if lr is None else lr, "--lr")
    if lr < 0:
        raise SpecError("--lr", f"the learning rate must not be negative, got {float(lr):g}")
    wd = _exact(("0.01" if name == "adamw" else "0") if weight_decay is None else weight_decay,
                "--weight-decay")
    if wd < 0:
        raise SpecError("--weight-decay", f"must not be negative, got {float(wd):g}")
    h = {"lr": lr, "weight_decay": wd}
    if name in ("sgd", "momentum", "rmsprop"):
        default = "0.9" if name == "momentum" else "0"
        mu = _coefficient(default if momentum is None else momentum, "--momentum")
        if name == "momentum" and mu == 0:
            raise SpecError("--momentum", "momentum needs μ > 0 (μ = 0 is plain sgd)")
        if nesterov and mu == 0:
            raise SpecError("--nesterov", "Nesterov momentum needs --momentum > 0")
        if nesterov and convention == "textbook":
            raise SpecError("--nesterov", "torch's Nesterov momentum assumes v = μ·v + g: "
                                          "use --convention torch")
        h.update(momentum=mu, nesterov=bool(nesterov))
    if name == "rmsprop":
        h["alpha"] = _coefficient("0.99" if alpha is None else alpha, "--alpha")
    if name in ("adam", "adamw"):
        if betas is None:
            betas = ("0.9", "0.999")
        elif isinstance(betas, str):
            betas = [b.strip() for b in betas.split(",")]
        if len(betas) != 2:
            raise SpecError("--betas", f"expected two numbers β₁,β₂ (e.g. 0.9,0.999), got {len(betas)}")
        h["betas"] = (_coefficient(betas[0], "--betas: β₁"), _coefficient(betas[1], "--betas: β₂"))
    if name in _DEFAULT_EPS:
        e = _exact(_DEFAULT_EPS[name] if eps is None else eps, "--eps")
        if e < 0:
            raise SpecError("--eps", f"must not be negative, got {float(e):g}")
        h["eps"] = e
    return Hyper(**h)


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
        out[name] = _exact(value.strip(), f"--init: {name}")
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


class _Working:
    """Lines of one parameter's step, each evaluated from its formula as it is added."""

    def __init__(self, values):
        self.values, self.lines, self.state = dict(values), [], {}

    def line(self, key: Optional[str], name: str, formula) -> Symbol:
        value = evaluate(formula, self.values)
        lhs = Symbol(name)
        self.values[name] = value
        self.lines.append(Step(lhs, formula, value))
        if key:
            self.state[key] = value
        return lhs


def _hyper_values(name: str, h: Hyper, convention: str) -> dict[str, mpmath.mpf]:
    v = {"η": to_mpf(h.lr), "λ": to_mpf(h.weight_decay)}
    if h.momentum is not None:
        v["β" if convention == "textbook" and name != "rmsprop" else "μ"] = to_mpf(h.momentum)
    if h.alpha is not None:
        v["α"] = to_mpf(h.alpha)
    if h.betas is not None:
        v["β₁"], v["β₂"] = to_mpf(h.betas[0]), to_mpf(h.betas[1])
    if h.eps is not None:
        v["ε"] = to_mpf(h.eps)
    return v


def _denominator(s, convention: str):
    """√s + ε (torch) or √(s + ε) (textbook)."""
    return _add(_sqrt(s), EPS) if convention == "torch" else _sqrt(_add(s, EPS))


def _one_step(name, h: Hyper, convention, t, p, grad_formula, w: _Working):
    """Append parameter ``p``'s lines for step ``t`` to ``w``; previous values are in it."""
    prev = lambda key: Symbol(f"{key}_{t - 1}")   # noqa: E731
    new = lambda key: f"{key}_{t}"                 # noqa: E731
    P = Symbol(f"{p}_{t - 1}")
    coupled_decay = h.weight_decay != 0 and name != "adamw"
    if coupled_decay:
        raw = w.line(None, f"∂f/∂{p}", grad_formula)
        g = w.line("g", new("g"), _add(raw, _mul(LAMBDA, P)))
    else:
        g = w.line(None, new("g"), grad_formula)
    if name in ("sgd", "momentum"):
        direction = g
        if h.momentum:
            mu = MU if convention == "torch" else BETA
            if t == 1:
                v = w.line("v", new("v"), g)          # torch starts the buffer at g₁
            elif convention == "torch":
                v = w.line("v", new("v"), _add(_mul(mu, prev("v")), g))
            else:
                v = w.line("v", new("v"), _add(_mul(mu, prev("v")), _mul(_one_minus(mu), g)))
            direction = v
            if h.nesterov:
                direction = w.line("d", new("d"), _add(g, _mul(MU, v)))
        w.line(None, new(p), _add(P, _minus(_mul(ETA, direction))))
    elif name == "adagrad":
        s = w.line("s", new("s"), _add(prev("s"), _pow(g, 2)))
        w.line(None, new(p), _add(P, _minus(_mul(ETA, _div(g, _denominator(s, convention))))))
    elif name == "rmsprop":
        s = w.line("s", new("s"), _add(_mul(ALPHA, prev("s")), _mul(_one_minus(ALPHA), _pow(g, 2))))
        step = _div(g, _denominator(s, convention))
        if h.momentum:
            step = w.line("b", new("b"), _add(_mul(MU, prev("b")), step))
        w.line(None, new(p), _add(P, _minus(_mul(ETA, step))))
    else:  # adam, adamw
        m = w.line("m", new("m"), _add(_mul(BETA1, prev("m")), _mul(_one_minus(BETA1), g)))
        v = w.line("v", new("v"), _add(_mul(BETA2, prev("v")), _mul(_one_minus(BETA2), _pow(g, 2))))
        m_hat = w.line("m_hat", new("m̂"), _div(m, _one_minus(_pow(BETA1, t))))
        v_hat = w.line("v_hat", new("v̂"), _div(v, _one_minus(_pow(BETA2, t))))
        update = _minus(_mul(ETA, _div(m_hat, _denominator(v_hat, convention))))
        if name == "adamw" and h.weight_decay:
            w.line(None, new(p), _add(P, _minus(_mul(ETA, LAMBDA, P)), update))
        else:
            w.line(None, new(p), _add(P, update))


# the state each optimizer starts from (torch: zeros; momentum's buffer is created at step 1)
_INITIAL_STATE = {"sgd": (), "momentum": (), "adagrad": ("s",), "rmsprop": ("s", "b"),
                  "adam": ("m", "v"), "adamw": ("m", "v")}


def trace(name: str, objective: Objective, init: Mapping[str, object], steps: int,
          convention: str = "torch", **hyper) -> OptimTrace:
    """Run optimizer ``name`` for ``steps`` steps on ``objective`` from ``init``.

    ``hyper`` are ``hyper_parameters``' keywords (or ``hyper=Hyper(...)``). Everything is
    validated before the first evaluation.
    """
    h = hyper.pop("hyper", None) or hyper_parameters(name, convention=convention, **hyper)
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise SpecError("--steps", f"expected a whole number ≥ 0, got {steps!r}")
    init = {p: _exact(v, f"--init: {p}") for p, v in init.items()}
    missing = [p for p in objective.params if p not in init]
    extra = [p for p in init if p not in objective.params]
    if missing or extra:
        raise SpecError("--init", f"the objective's parameters are {', '.join(objective.params)}"
                                  f", --init gives {', '.join(init) or 'none'}")
    symbols = objective.symbols
    gradient = {p: sympy.diff(objective.expr, symbols[p]) for p in objective.params}
    hv = _hyper_values(name, h, convention)
    current = {p: to_mpf(init[p]) for p in objective.params}
    state = {p: {k: mpmath.mpf(0) for k in _INITIAL_STATE[name]} for p in objective.params}
    out = []
    for t in range(1, steps + 1):
        at = {symbols[p]: Symbol(f"{p}_{t - 1}") for p in objective.params}
        prev = {f"{p}_{t - 1}": current[p] for p in objective.params}
        f = _value(objective.expr.xreplace(at), prev, "f", t, current)
        param_steps = []
        for p in objective.params:
            values = {**hv, **prev, **{f"{k}_{t - 1}": v for k, v in state[p].items()}}
            w = _Working(values)
            try:
                _one_step(name, h, convention, t, p, gradient[p].xreplace(at), w)
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


# ----- torch -------------------------------------------------------------------------------
def checkable(name: str, convention: str) -> bool:
    """Whether torch.optim can run optimizer ``name`` in ``convention`` (ε inside the root: no)."""
    return convention == "torch" or name in ("sgd", "momentum", "adagrad")


def torch_counterpart(t: OptimTrace):
    """(torch.optim class name, keyword arguments) doing the same steps, or None."""
    return counterpart(t.optimizer, t.hyper, t.convention)


def counterpart(name: str, h: Hyper, convention: str):
    """(torch.optim class name, keyword arguments) for optimizer ``name``, or None."""
    kw = {"lr": float(h.lr)}
    if name in ("sgd", "momentum"):
        if h.momentum:
            kw["momentum"] = float(h.momentum)
            if convention == "textbook":
                kw["dampening"] = float(h.momentum)   # v = β·v + (1 − β)·g, v₁ = g₁
            if h.nesterov:
                kw["nesterov"] = True
    elif name == "adagrad":
        if convention == "textbook":
            # √(ε + Σg²): the accumulator starts at ε and torch adds no ε outside the root
            kw.update(eps=0.0, initial_accumulator_value=float(h.eps))
        else:
            kw["eps"] = float(h.eps)
    elif convention == "textbook":
        return None                                     # ε inside the root: torch has no such option
    elif name == "rmsprop":
        kw.update(alpha=float(h.alpha), eps=float(h.eps))
        if h.momentum:
            kw["momentum"] = float(h.momentum)
    else:
        kw.update(betas=(float(h.betas[0]), float(h.betas[1])), eps=float(h.eps))
    if h.weight_decay or name == "adamw":
        kw["weight_decay"] = float(h.weight_decay)
    return TORCH_CLASS[name], kw


# bptrace's state names → torch's optimizer.state keys
_TORCH_STATE = {"sgd": {"v": "momentum_buffer"}, "momentum": {"v": "momentum_buffer"},
                "adagrad": {"s": "sum"}, "rmsprop": {"s": "square_avg", "b": "momentum_buffer"},
                "adam": {"m": "exp_avg", "v": "exp_avg_sq"},
                "adamw": {"m": "exp_avg", "v": "exp_avg_sq"}}


def torch_ops(torch) -> dict:
    """The expression parser's functions in torch (float64)."""
    return {"const": lambda q: torch.tensor(float(q), dtype=torch.float64),
            "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "sin": torch.sin,
            "cos": torch.cos, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def torch_run(t: OptimTrace):
    """The same steps with torch.optim in float64: per step, per parameter, its numbers.

    Returns a list (one per step) of {param: {"grad", "new", <state>…}}; the gradient
    comes from torch.autograd on the objective's parse tree (not from SymPy).
    """
    import torch

    counterpart = torch_counterpart(t)
    if counterpart is None:
        raise SpecError("--check", f"torch has no {t.optimizer} with ε inside the root "
                                   "(--convention textbook); check with --convention torch")
    cls, kw = counterpart
    tensors = {p: torch.tensor(float(v), dtype=torch.float64, requires_grad=True)
               for p, v in t.init.items()}
    ordered = [tensors[p] for p in t.params]
    opt = getattr(torch.optim, cls)(ordered, **kw)
    ops = torch_ops(torch)
    rows = []
    for _ in t.steps:
        opt.zero_grad()
        t.objective.apply(tensors, ops).backward()
        row = {p: {"grad": float(tensors[p].grad)} for p in t.params}
        opt.step()
        for p in t.params:
            row[p]["new"] = float(tensors[p].detach())
            st = opt.state[tensors[p]]
            for ours, theirs in _TORCH_STATE[t.optimizer].items():
                if theirs in st and st[theirs] is not None:
                    row[p][ours] = float(st[theirs])
        rows.append(row)
    return rows, f"torch.optim.{cls}"


def check_torch(t: OptimTrace, rtol: float = 1e-12, atol: float = 1e-15):
    """Every gradient, torch-held state variable and new parameter beside torch's.

    Each value is compared relative to the largest magnitude its series (one parameter's
    gradient, one state variable, the parameter) reaches in the run: see ``comparison``.
    """
    from .comparison import compare

    rows, against = torch_run(t)
    # textbook AdaGrad runs in torch with the accumulator started at ε: its sum is s + ε
    offset = to_mpf(t.hyper.eps) if t.optimizer == "adagrad" and t.convention == "textbook" else 0
    triples = []
    for s, row in zip(t.steps, rows):
        for ps in s.params:
            theirs = row[ps.param]
            triples.append(((ps.param, "grad"), f"∂f/∂{ps.param} at step {s.t}", ps.grad, theirs["grad"]))
            for key, value in ps.state.items():
                if key in theirs:
                    value = value + offset if key == "s" else value
                    triples.append(((ps.param, key), f"{key}_{s.t} ({ps.param})", value, theirs[key]))
            triples.append(((ps.param, "new"), f"{ps.param}_{s.t}", ps.new, theirs["new"]))
    scale = {}
    for series, _, _, theirs in triples:
        scale[series] = max(scale.get(series, 0.0), abs(theirs))
    return compare(((q, ours, theirs, scale[series]) for series, q, ours, theirs in triples),
                   against, rtol, atol)


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
        mine = {k: v for k, v in hyper.items() if k == "lr" or (name in _USES and k in _USES[name])}
        checked[name] = hyper_parameters(name, convention=convention, **mine)
    return CompareTrace(tuple(trace(n, objective, init, steps, convention, hyper=h)
                              for n, h in checked.items()))


def plot_paths(c: CompareTrace, path: str) -> None:
    """Trajectories on the objective: a curve for one parameter, contours for two."""
    from .plotting import check_path, pyplot, save

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
