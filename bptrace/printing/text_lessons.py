"""Text for optimizer, moving-average, schedule and dropout traces, as worked examples.

Provides ``OptimTextPrinter`` (a ``TextPrinter`` with ``_print_OptimTrace``,
``_print_CompareTrace``, ``_print_EmaTrace``, ``_print_ScheduleTrace``,
``_print_DropoutTrace``, ``_print_Comparison``) and ``to_text(trace, **settings)``.
Each update is written the three ways of ``printing/text.py``: the formula, the numbers
substituted, the value. Formulas add √x, a/b, π and ⌊x⌋ to ``printing/expr.py``'s notation.
Every rule states its convention (torch's v = μ·v + g, or the textbook average).
"""
from __future__ import annotations

import sympy

from ..calculus.optimizers import torch_counterpart
from ..calculus.trace import Step
from ..lessons.schedules import TORCH_CLASS
from .expr import NumbersExpr, TextExpr
from .text import TextPrinter
from .text_staged import StagedText


class _Notation:
    """√x, a/b, π, ⌊x⌋ on top of TextExpr / NumbersExpr."""

    def _paren_unless_atom(self, expr) -> str:
        text = self._print(expr)
        simple = expr.is_Atom or expr.is_Function or (expr.is_Pow and expr.args[1] == sympy.Rational(1, 2))
        return text if simple and not text.startswith("-") else f"({text})"

    def _print_Pow(self, expr):
        base, exp = expr.args
        if exp == sympy.Rational(1, 2):
            return "√" + self._paren_unless_atom(base)
        if exp == -1:
            return "1/" + self._paren_unless_atom(base)
        return super()._print_Pow(expr)

    def _print_Mul(self, expr):
        args = list(expr.args)
        den = [a.args[0] for a in args if a.is_Pow and a.args[1] == -1]
        if not den or len(den) == len(args):
            return super()._print_Mul(expr)
        num = [a for a in args if not (a.is_Pow and a.args[1] == -1)]
        top = self._print(num[0]) if len(num) == 1 else super()._print_Mul(sympy.Mul(*num, evaluate=False))
        if len(num) == 1 and num[0].is_Add:
            top = f"({top})"
        return top + "".join("/" + self._paren_unless_atom(d) for d in den)

    def _print_Pi(self, expr):
        return "π"

    def _print_floor(self, expr):
        return f"⌊{self._print(expr.args[0])}⌋"


class _Formula(_Notation, TextExpr):
    pass


class _Numbers(_Notation, NumbersExpr):
    pass


def formula(expr) -> str:
    return _Formula().doprint(expr)


def numbers(expr, values, digits=9, decimals=None) -> str:
    text = _Numbers({"values": values, "digits": digits, "decimals": decimals}).doprint(expr)
    if text.startswith("(") and text.endswith(")") and expr.is_Symbol:
        text = text[1:-1]
    return text


_NAMES = {"sgd": "Gradient descent", "momentum": "Momentum", "adagrad": "AdaGrad",
          "rmsprop": "RMSProp", "adam": "Adam", "adamw": "AdamW"}


class OptimTextPrinter(StagedText, TextPrinter):

    def _step_lines(self, step: Step, values, indent: str) -> list[str]:
        """lhs = formula / = numbers / = value, aligned; repeated forms left out."""
        lhs = formula(step.lhs)
        pad = " " * len(lhs)
        first = formula(step.formula)
        lines = [f"{lhs} = {first}"]
        with_numbers = numbers(step.formula, values, self._settings["digits"], self._settings["decimals"])
        value = self._fmt(step.value)
        if with_numbers not in (first, value):
            lines.append(f"{pad} = {with_numbers}")
        if value != lines[-1].split(" = ", 1)[1]:
            lines.append(f"{pad} = {value}")
        return [indent + line for line in lines]

    # ----- optimizers --------------------------------------------------------------------
    def _rules(self, t) -> list[str]:
        """The update rule in words and symbols, with its convention."""
        h, name, conv = t.hyper, t.optimizer, t.convention
        f = self._fmt
        out = []
        if h.weight_decay and name != "adamw":
            out.append(f"weight decay λ = {f(h.weight_decay)} (L2, as torch): g = ∂f/∂w + λ·w")
        if name == "sgd" and not h.momentum:
            out.append("w ← w - η·g")
        elif name in ("sgd", "momentum"):
            if conv == "torch":
                out.append(f"convention torch: v_t = μ·v_(t-1) + g_t, v_1 = g_1 (μ = {f(h.momentum)}, "
                           "dampening 0: v is a sum, not an average)")
            else:
                out.append(f"convention textbook: v_t = β·v_(t-1) + (1 - β)·g_t, v_1 = g_1 "
                           f"(β = {f(h.momentum)}: an exponentially weighted average; torch's dampening = β)")
            out.append("Nesterov: d_t = g_t + μ·v_t, w ← w - η·d_t" if h.nesterov else "w ← w - η·v")
        elif name == "adagrad":
            out.append(f"s accumulates g² from 0 (lr_decay 0); ε = {f(h.eps)} " +
                       ("outside the root: w ← w - η·g/(√s + ε) (convention torch)" if conv == "torch"
                        else "inside the root: w ← w - η·g/√(s + ε) (convention textbook)"))
        elif name == "rmsprop":
            root = ("outside the root: g/(√s + ε) (convention torch)" if conv == "torch"
                    else "inside the root: g/√(s + ε) (convention textbook)")
            out.append(f"s = α·s + (1 - α)·g², α = {f(h.alpha)}, not centered; ε = {f(h.eps)} {root}")
            if h.momentum:
                out.append(f"with momentum μ = {f(h.momentum)}: b = μ·b + g/(…), w ← w - η·b")
        else:
            b1, b2 = h.betas
            out.append(f"m, v: averages of g and g² (β₁ = {f(b1)}, β₂ = {f(b2)}), "
                       "bias-corrected m̂ = m/(1 - β₁^t), v̂ = v/(1 - β₂^t)")
            root = ("ε = {} outside the root: η·m̂/(√v̂ + ε) (convention torch)" if conv == "torch"
                    else "ε = {} inside the root: η·m̂/√(v̂ + ε) (convention textbook)").format(f(h.eps))
            out.append(root)
            if name == "adamw":
                out.append(f"decoupled weight decay λ = {f(h.weight_decay)}: w ← w - η·λ·w - η·m̂/(…)")
        return out

    def _torch_call(self, t) -> str:
        c = torch_counterpart(t)
        if c is None:
            return "no torch.optim counterpart (ε inside the root)"
        cls, kw = c
        args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
        return f"torch.optim.{cls}({args})"

    def _print_OptimTrace(self, t) -> str:
        ind = self._settings["indent"]
        point = ", ".join(f"{p} = {self._fmt(v)}" for p, v in t.init.items())
        out = [self._heading(f"{_NAMES[t.optimizer]}, η = {self._fmt(t.hyper.lr)}, on "
                             f"f({', '.join(t.params)}) = {formula(t.objective.expr)} from {point}"),
               f"{ind}same steps as {self._torch_call(t)}"]
        out += [ind + r for r in self._rules(t)]
        for p, g in t.gradient.items():
            out.append(f"{ind}∂f/∂{p} = {formula(g)}")
        many = len(t.params) > 1
        for s in t.steps:
            prev = ", ".join(f"{p}_{s.t - 1}" for p in t.params)
            out.append(self._heading(f"step {s.t}") + f"  (f({prev}) = {self._fmt(s.f)})")
            for ps in s.params:
                sub = ind
                if many:
                    out.append(f"{ind}{ps.param}:")
                    sub = ind * 2
                for line in ps.lines:
                    out += self._step_lines(line, ps.values, sub)
        final = ", ".join(f"{p} = {self._fmt(v)}" for p, v in t.final.items())
        out.append(f"after {len(t.steps)} steps: {final}, f = {self._fmt(t.final_f)}")
        return "\n".join(out)

    def _print_CompareTrace(self, c) -> str:
        ind = self._settings["indent"]
        first = c.traces[0]
        out = [self._heading(f"f({', '.join(first.params)}) = {formula(first.objective.expr)}, "
                             f"{len(first.steps)} steps from "
                             + ", ".join(f"{p} = {self._fmt(v)}" for p, v in first.init.items()))]
        for t in c.traces:
            out.append(f"{ind}{t.optimizer}: {self._torch_call(t)}")
        names = [t.optimizer for t in c.traces]
        paths = [t.path() for t in c.traces]
        rows = [[", ".join(self._fmt(path[i][p]) for p in first.params) for path in paths]
                for i in c.stops()]
        finals = [self._fmt(t.final_f) for t in c.traces]
        width = max(len(x) for x in names + finals + [cell for row in rows for cell in row])
        out.append(f"{ind}{'step':>5}  " + "  ".join(n.rjust(width) for n in names)
                   + ("" if len(first.params) == 1 else f"   ({', '.join(first.params)})"))
        for i, row in zip(c.stops(), rows):
            out.append(f"{ind}{i:>5}  " + "  ".join(cell.rjust(width) for cell in row))
        out.append(f"{ind}{'f':>5}  " + "  ".join(x.rjust(width) for x in finals))
        return "\n".join(out)

    # ----- the moving average ------------------------------------------------------------
    def _print_EmaTrace(self, t) -> str:
        ind = self._settings["indent"]
        start = "S_1 = Y_1 (the first value)" if t.start == "first" else "S_0 = 0"
        head = f"Exponentially weighted average, β = {self._fmt(t.beta)}: S_t = β·S_(t-1) + (1 - β)·Y_t, {start}"
        out = [self._heading(head)]
        if t.bias_correction:
            out.append(f"{ind}bias correction: Ŝ_t = S_t/(1 - β^t)")
        for s in t.steps:
            for line in s.lines:
                out += self._step_lines(line, s.values, ind)
        return "\n".join(out)

    # ----- schedules ---------------------------------------------------------------------
    def _print_ScheduleTrace(self, t) -> str:
        ind = self._settings["indent"]
        s = t.schedule
        f = self._fmt
        params = {"step": f"η_0 = {f(s.lr)}, γ = {f(s.gamma or 0)}, s = {s.step_size}",
                  "multistep": f"η_0 = {f(s.lr)}, γ = {f(s.gamma or 0)}, milestones "
                               f"{', '.join(map(str, s.milestones or ()))}",
                  "exponential": f"η_0 = {f(s.lr)}, γ = {f(s.gamma or 0)}",
                  "cosine": f"η_0 = {f(s.lr)}, η_min = {f(s.eta_min or 0)}, T = {s.t_max}"}[s.kind]
        out = [self._heading(f"{TORCH_CLASS[s.kind]}: η(e) = {formula(s.rule)}   ({params})")]
        if s.kind == "multistep":
            out.append(f"{ind}k = the number of milestones ≤ e")
        if s.kind == "exponential":
            out.append(f"{ind}torch multiplies by γ once per epoch; the closed form is computed directly")
        for row in t.rows:
            out += self._step_lines(row.step, row.values, ind)
        return "\n".join(out)

    # ----- dropout -----------------------------------------------------------------------
    def _print_DropoutTrace(self, t) -> str:
        ind = self._settings["indent"]
        n = len(t.inputs)
        if not t.training:
            out = [self._heading(f"Dropout, p = {self._fmt(t.p)}, evaluation mode: the identity")]
        else:
            kept = [str(i) for i, m in enumerate(t.mask, 1) if m]
            dropped = [str(i) for i, m in enumerate(t.mask, 1) if not m]
            source = f"mask from torch.manual_seed({t.seed}) and nn.Dropout" if t.seed is not None else "mask given"
            out = [self._heading(f"Dropout, p = {self._fmt(t.p)}, training: kept units scaled by "
                                 f"1/(1 - p) = {self._fmt(1 / (1 - t.p))}"),
                   f"{ind}{source}: m = ({', '.join(map(str, t.mask))}); "
                   f"dropped: {', '.join(dropped) or 'none'}; kept: {', '.join(kept) or 'none'} of {n}"]
        out.append(self._heading("forward"))
        for step in t.forward:
            out += self._step_lines(step, t.values, ind)
        upstream = "1 each: E = Σ y_i" if all(u == 1 for u in t.upstream) else "given"
        out.append(self._heading(f"backward (∂E/∂y: {upstream})"))
        for step in t.backward:
            out += self._step_lines(step, t.values, ind)
        return "\n".join(out)

    # ----- torch comparison --------------------------------------------------------------
    def _print_Comparison(self, c) -> str:
        verdict = "✓ agree" if c.ok else f"✗ {c.failures} of {c.count} DIFFER"
        return (f"checked against {c.against} in float64: {c.count} values, largest relative "
                f"difference {c.max_rel_diff:.2g}; worst against tolerance: {c.worst} "
                f"(bptrace {c.ours!r}, torch {c.theirs!r}); tolerance {c.rtol:g} relative  {verdict}")


def to_text(trace, **settings) -> str:
    """Any trace (or a list of traces) as text for the terminal: the network's traces
    (``TextPrinter``), the lessons' (this printer) and the torch comparisons."""
    return OptimTextPrinter(**settings).doprint(trace)
