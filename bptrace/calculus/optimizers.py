"""The update rules of the course's optimizers, written as formulas: one step at a time.

Provides ``OPTIMIZERS`` and ``CONVENTIONS``; ``hyper_parameters(name, …)`` → ``Hyper``,
validated (a bad value is a ``SpecError`` naming the option) with torch's defaults;
``one_step(…)``, which appends one parameter's lines for step t — the gradient, each
state variable's update, the new value — to a ``Working``, each line a ``Step`` whose
value is computed from its formula at 50 digits; ``INITIAL_STATE`` and ``hyper_values``.

The same step code serves ``bptrace optim`` (an objective's gradient formula, in
``lessons/optim.py``) and network training with an optimizer (the gradient's value, in
``calculus/train.py``), so what the lesson shows is what training does.

Conventions. ``torch`` (the default) follows torch.optim exactly: momentum v = μ·v + g
(v₁ = g₁, dampening 0), ε outside the root (AdaGrad ε = 1e-10, lr_decay 0, accumulator
from 0; RMSProp α = 0.99, not centered; Adam's bias corrections), L2 weight decay
g ← g + λ·w, and AdamW's decoupled w ← w − η·λ·w. ``textbook`` is the course's form:
momentum as an exponentially weighted average v = β·v + (1 − β)·g (v₁ = g₁; torch's
dampening = β), and ε inside the root, η·g/√(s + ε).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Optional

import mpmath
from sympy import Symbol

from ..errors import SpecError
from ..model.numbers import exact, to_mpf
from ..model.unevaluated import add, div, minus, mul, one_minus, power, sqrt
from .evaluate import evaluate
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
USES = {
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


def _coefficient(value, option: str) -> Fraction:
    """A decay coefficient: β, α or μ in [0, 1)."""
    q = exact(value, option)
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
        if value is not None and key not in USES[name]:
            raise SpecError(_OPTION[key], f"not used by {name}")
    lr = exact(_DEFAULT_LR[name] if lr is None else lr, "--lr")
    if lr < 0:
        raise SpecError("--lr", f"the learning rate must not be negative, got {float(lr):g}")
    wd = exact(("0.01" if name == "adamw" else "0") if weight_decay is None else weight_decay,
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
        e = exact(_DEFAULT_EPS[name] if eps is None else eps, "--eps")
        if e < 0:
            raise SpecError("--eps", f"must not be negative, got {float(e):g}")
        h["eps"] = e
    return Hyper(**h)


# ----- torch's name for the same optimizer -------------------------------------------------
def checkable(name: str, convention: str) -> bool:
    """Whether torch.optim can run optimizer ``name`` in ``convention`` (ε inside the root: no)."""
    return convention == "torch" or name in ("sgd", "momentum", "adagrad")


def torch_counterpart(t):
    """(torch.optim class name, keyword arguments) doing the same steps as trace ``t``, or None."""
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


# ----- one step ------------------------------------------------------------------------------
class Working:
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


def hyper_values(name: str, h: Hyper, convention: str) -> dict[str, mpmath.mpf]:
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
    return add(sqrt(s), EPS) if convention == "torch" else sqrt(add(s, EPS))


def one_step(name, h: Hyper, convention, t, p, grad_formula, w: Working):
    """Append parameter ``p``'s lines for step ``t`` to ``w``; previous values are in it."""
    prev = lambda key: Symbol(f"{key}_{t - 1}")   # noqa: E731
    new = lambda key: f"{key}_{t}"                 # noqa: E731
    P = Symbol(f"{p}_{t - 1}")
    coupled_decay = h.weight_decay != 0 and name != "adamw"
    if coupled_decay:
        raw = w.line(None, f"∂f/∂{p}", grad_formula)
        g = w.line("g", new("g"), add(raw, mul(LAMBDA, P)))
    else:
        g = w.line(None, new("g"), grad_formula)
    if name in ("sgd", "momentum"):
        direction = g
        if h.momentum:
            mu = MU if convention == "torch" else BETA
            if t == 1:
                v = w.line("v", new("v"), g)          # torch starts the buffer at g₁
            elif convention == "torch":
                v = w.line("v", new("v"), add(mul(mu, prev("v")), g))
            else:
                v = w.line("v", new("v"), add(mul(mu, prev("v")), mul(one_minus(mu), g)))
            direction = v
            if h.nesterov:
                direction = w.line("d", new("d"), add(g, mul(MU, v)))
        w.line(None, new(p), add(P, minus(mul(ETA, direction))))
    elif name == "adagrad":
        s = w.line("s", new("s"), add(prev("s"), power(g, 2)))
        w.line(None, new(p), add(P, minus(mul(ETA, div(g, _denominator(s, convention))))))
    elif name == "rmsprop":
        s = w.line("s", new("s"), add(mul(ALPHA, prev("s")), mul(one_minus(ALPHA), power(g, 2))))
        step = div(g, _denominator(s, convention))
        if h.momentum:
            step = w.line("b", new("b"), add(mul(MU, prev("b")), step))
        w.line(None, new(p), add(P, minus(mul(ETA, step))))
    else:  # adam, adamw
        m = w.line("m", new("m"), add(mul(BETA1, prev("m")), mul(one_minus(BETA1), g)))
        v = w.line("v", new("v"), add(mul(BETA2, prev("v")), mul(one_minus(BETA2), power(g, 2))))
        m_hat = w.line("m_hat", new("m̂"), div(m, one_minus(power(BETA1, t))))
        v_hat = w.line("v_hat", new("v̂"), div(v, one_minus(power(BETA2, t))))
        update = minus(mul(ETA, div(m_hat, _denominator(v_hat, convention))))
        if name == "adamw" and h.weight_decay:
            w.line(None, new(p), add(P, minus(mul(ETA, LAMBDA, P)), update))
        else:
            w.line(None, new(p), add(P, update))


# the state each optimizer starts from (torch: zeros; momentum's buffer is created at step 1)
INITIAL_STATE = {"sgd": (), "momentum": (), "adagrad": ("s",), "rmsprop": ("s", "b"),
                  "adam": ("m", "v"), "adamw": ("m", "v")}
