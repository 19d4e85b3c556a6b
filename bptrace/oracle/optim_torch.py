"""torch.optim as the oracle of the optimizer lesson: the same steps in float64.

Provides ``torch_run(trace)`` — the same steps run by the torch.optim class that
``calculus.optimizers.torch_counterpart`` names — and ``check_torch(trace)`` →
``Comparison`` of every gradient, state variable and parameter.
torch is imported lazily, only here.
"""
from __future__ import annotations

from ..calculus.optimizers import torch_counterpart
from ..errors import SpecError
from ..lessons.optim import OptimTrace
from ..model.numbers import to_mpf

# ----- torch -------------------------------------------------------------------------------
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
        value = t.objective.apply(tensors, ops)
        if not value.requires_grad:
            raise SpecError("--check", f"the objective does not depend on {', '.join(t.params)}: "
                                       "torch has nothing to differentiate")
        value.backward()
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
