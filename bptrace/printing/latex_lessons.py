"""LaTeX for optimizer, moving-average, schedule and dropout traces: ``align*`` fragments.

Provides ``to_latex(trace, **settings)`` — LaTeX of any trace — and ``OptimLatexPrinter``,
the printer it uses: ``LatexPrinter``'s network traces, ``latex_loss``'s loss traces, and ``_print_OptimTrace``,
``_print_CompareTrace`` (a ``tabular``), ``_print_EmaTrace``, ``_print_ScheduleTrace``,
``_print_DropoutTrace``, ``_print_Comparison``. Each update is a step as on the board —
symbol = formula = numbers = value, one ``align*`` row each — and every rule states its
convention (torch's v = μ·v + g, or the textbook average), as ``text_lessons.py`` does.
Symbols (η, β₁, m̂_2, w1 at step 0) are set by ``latex_notation``.
"""
from __future__ import annotations

from ..calculus.optimizers import torch_counterpart
from ..lessons.schedules import TORCH_CLASS
from .latex_expr import escape_text, number_latex
from .latex_loss import LossLatexPrinter
from .latex_notation import formula, symbol
from .latex_staged import StagedLatex

NAMES = {"sgd": "Gradient descent", "momentum": "Momentum", "adagrad": "AdaGrad",
         "rmsprop": "RMSProp", "adam": "Adam", "adamw": "AdamW"}


class OptimLatexPrinter(StagedLatex, LossLatexPrinter):
    """Every trace bptrace makes, as LaTeX fragments."""

    def _steps_align(self, steps, values) -> str:
        rows = []
        for step in steps:
            rows += self.long_rows(step, values)
        return self.align(rows)

    def _torch_call(self, t) -> str:
        c = torch_counterpart(t)
        if c is None:
            return r"no \texttt{torch.optim} counterpart ($\varepsilon$ inside the root)"
        cls, kw = c
        args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
        return rf"the same steps as \texttt{{{escape_text(f'torch.optim.{cls}({args})')}}}"

    # ----- optimizers --------------------------------------------------------------------------
    def _rules(self, t) -> list[str]:
        """The update rule with its convention, one sentence each."""
        h, name, conv = t.hyper, t.optimizer, t.convention
        f = self._fmt
        out = []
        if h.weight_decay and name != "adamw":
            out.append(rf"Weight decay $\lambda = {f(h.weight_decay)}$ (L2, as torch): "
                       r"$g = \frac{\partial f}{\partial w} + \lambda \cdot w$.")
        if name == "sgd" and not h.momentum:
            out.append(r"$w \leftarrow w - \eta \cdot g$.")
        elif name in ("sgd", "momentum"):
            if conv == "torch":
                out.append(r"Convention torch: $v_{t} = \mu \cdot v_{t-1} + g_{t}$, $v_{1} = g_{1}$ "
                           rf"($\mu = {f(h.momentum)}$, dampening 0: $v$ is a sum, not an average).")
            else:
                out.append(r"Convention textbook: $v_{t} = \beta \cdot v_{t-1} + (1 - \beta) \cdot g_{t}$, "
                           rf"$v_{{1}} = g_{{1}}$ ($\beta = {f(h.momentum)}$: an exponentially weighted "
                           r"average; torch's dampening $= \beta$).")
            out.append(r"Nesterov: $d_{t} = g_{t} + \mu \cdot v_{t}$, $w \leftarrow w - \eta \cdot d_{t}$."
                       if h.nesterov else r"$w \leftarrow w - \eta \cdot v$.")
        elif name == "adagrad":
            root = (r"outside the root: $w \leftarrow w - \eta \cdot \frac{g}{\sqrt{s} + \varepsilon}$ "
                    "(convention torch)" if conv == "torch" else
                    r"inside the root: $w \leftarrow w - \eta \cdot \frac{g}{\sqrt{s + \varepsilon}}$ "
                    "(convention textbook)")
            out.append(rf"$s$ accumulates $g^{{2}}$ from 0 (lr\_decay 0); $\varepsilon = {f(h.eps)}$ {root}.")
        elif name == "rmsprop":
            root = (r"outside the root: $\frac{g}{\sqrt{s} + \varepsilon}$ (convention torch)" if conv == "torch"
                    else r"inside the root: $\frac{g}{\sqrt{s + \varepsilon}}$ (convention textbook)")
            out.append(rf"$s = \alpha \cdot s + (1 - \alpha) \cdot g^{{2}}$, $\alpha = {f(h.alpha)}$, "
                       rf"not centered; $\varepsilon = {f(h.eps)}$ {root}.")
            if h.momentum:
                out.append(rf"With momentum $\mu = {f(h.momentum)}$: $b = \mu \cdot b + \frac{{g}}{{\dots}}$, "
                           r"$w \leftarrow w - \eta \cdot b$.")
        else:
            b1, b2 = h.betas
            out.append(rf"$m$, $v$: averages of $g$ and $g^{{2}}$ ($\beta_1 = {f(b1)}$, $\beta_2 = {f(b2)}$), "
                       r"bias-corrected $\hat{m} = \frac{m}{1 - \beta_1^{t}}$, $\hat{v} = \frac{v}{1 - \beta_2^{t}}$.")
            out.append(rf"$\varepsilon = {f(h.eps)}$ " +
                       (r"outside the root: $\eta \cdot \frac{\hat{m}}{\sqrt{\hat{v}} + \varepsilon}$ "
                        "(convention torch)." if conv == "torch" else
                        r"inside the root: $\eta \cdot \frac{\hat{m}}{\sqrt{\hat{v} + \varepsilon}}$ "
                        "(convention textbook)."))
            if name == "adamw":
                out.append(rf"Decoupled weight decay $\lambda = {f(h.weight_decay)}$: "
                           r"$w \leftarrow w - \eta \cdot \lambda \cdot w - \eta \cdot \frac{\hat{m}}{\dots}$.")
        return out

    def _objective(self, t) -> str:
        return f"f({', '.join(symbol(p) for p in t.params)}) = {formula(t.objective.expr)}"

    def _point(self, values) -> str:
        return ", ".join(f"${symbol(p)} = {self._fmt(v)}$" for p, v in values.items())

    def _print_OptimTrace(self, t) -> str:
        out = [f"{NAMES[t.optimizer]}, $\\eta = {self._fmt(t.hyper.lr)}$, on ${self._objective(t)}$ "
               f"from {self._point(t.init)}; {self._torch_call(t)}."]
        out += self._rules(t)
        out.append(", ".join(rf"$\frac{{\partial f}}{{\partial {symbol(p)}}} = {formula(g)}$"
                             for p, g in t.gradient.items()) + ".")
        many = len(t.params) > 1
        for s in t.steps:
            prev = ", ".join(symbol(f"{p}_{s.t - 1}") for p in t.params)
            out.append(f"Step {s.t} ($f({prev}) = {self._fmt(s.f)}$):")
            for ps in s.params:
                if many:
                    out.append(f"${symbol(ps.param)}$:")
                out.append(self._steps_align(ps.lines, ps.values))
        out.append(f"After {len(t.steps)} step{'s' if len(t.steps) != 1 else ''}: "
                   f"{self._point(t.final)}, $f = {self._fmt(t.final_f)}$.")
        return "\n".join(out)

    def _print_CompareTrace(self, c) -> str:
        first = c.traces[0]
        out = [f"${self._objective(first)}$, {len(first.steps)} steps from {self._point(first.init)}:"]
        out.append("; ".join(f"{t.optimizer}: {self._torch_call(t)}" for t in c.traces) + ".")
        paths = [t.path() for t in c.traces]
        params = ", ".join(symbol(p) for p in first.params)
        head = "step & " + " & ".join(t.optimizer for t in c.traces) + r" \\ \hline"
        if len(first.params) > 1:
            head = f"step (${params}$) & " + " & ".join(t.optimizer for t in c.traces) + r" \\ \hline"
        rows = [head]
        for i in c.stops():
            cells = [f"${', '.join(self._fmt(path[i][p]) for p in first.params)}$" for path in paths]
            rows.append(f"{i} & " + " & ".join(cells) + r" \\")
        rows.append(r"\hline" + "\n$f$ & " + " & ".join(f"${self._fmt(t.final_f)}$" for t in c.traces) + r" \\")
        columns = "r" + "r" * len(c.traces)
        out.append(f"\\begin{{tabular}}{{{columns}}}\n" + "\n".join(rows) + "\n\\end{tabular}")
        return "\n".join(out)

    # ----- the moving average --------------------------------------------------------------------
    def _print_EmaTrace(self, t) -> str:
        start = r"$S_{1} = Y_{1}$ (the first value)" if t.start == "first" else r"$S_{0} = 0$"
        out = [rf"Exponentially weighted average, $\beta = {self._fmt(t.beta)}$: "
               rf"$S_{{t}} = \beta \cdot S_{{t-1}} + (1 - \beta) \cdot Y_{{t}}$, {start}."]
        if t.bias_correction:
            out.append(r"Bias correction: $\hat{S}_{t} = \frac{S_{t}}{1 - \beta^{t}}$.")
        rows = []
        for s in t.steps:
            for line in s.lines:
                rows += self.long_rows(line, s.values)
        out.append(self.align(rows))
        return "\n".join(out)

    # ----- schedules ------------------------------------------------------------------------------
    def _print_ScheduleTrace(self, t) -> str:
        s, f = t.schedule, self._fmt
        params = {"step": rf"$\eta_{{0}} = {f(s.lr)}$, $\gamma = {f(s.gamma or 0)}$, $s = {s.step_size}$",
                  "multistep": rf"$\eta_{{0}} = {f(s.lr)}$, $\gamma = {f(s.gamma or 0)}$, milestones "
                               + ", ".join(map(str, s.milestones or ())),
                  "exponential": rf"$\eta_{{0}} = {f(s.lr)}$, $\gamma = {f(s.gamma or 0)}$",
                  "cosine": rf"$\eta_{{0}} = {f(s.lr)}$, $\eta_{{\mathrm{{min}}}} = {f(s.eta_min or 0)}$, "
                            rf"$T = {s.t_max}$"}[s.kind]
        out = [rf"\texttt{{{TORCH_CLASS[s.kind]}}}: $\eta(e) = {formula(s.rule)}$ ({params})."]
        if s.kind == "multistep":
            out.append(r"$k$ = the number of milestones $\le e$.")
        if s.kind == "exponential":
            out.append(r"torch multiplies by $\gamma$ once per epoch; the closed form is computed directly.")
        rows = []
        for row in t.rows:
            rows += self.long_rows(row.step, row.values)
        out.append(self.align(rows))
        return "\n".join(out)

    # ----- dropout ------------------------------------------------------------------------------
    def _print_DropoutTrace(self, t) -> str:
        n = len(t.inputs)
        if not t.training:
            out = [f"Dropout, $p = {self._fmt(t.p)}$, evaluation mode: the identity."]
        else:
            kept = [str(i) for i, m in enumerate(t.mask, 1) if m]
            dropped = [str(i) for i, m in enumerate(t.mask, 1) if not m]
            source = (rf"Mask from \texttt{{torch.manual\_seed({t.seed})}} and \texttt{{nn.Dropout}}"
                      if t.seed is not None else "Mask given")
            out = [f"Dropout, $p = {self._fmt(t.p)}$, training: kept units scaled by "
                   rf"$\frac{{1}}{{1 - p}} = {self._fmt(1 / (1 - t.p))}$.",
                   f"{source}: $m = ({', '.join(map(str, t.mask))})$; dropped: {', '.join(dropped) or 'none'}; "
                   f"kept: {', '.join(kept) or 'none'} of {n}."]
        out += ["Forward:", self._steps_align(t.forward, t.values)]
        upstream = (r"1 each: $E = \sum_{i} y_{i}$" if all(u == 1 for u in t.upstream) else "given")
        out.append(rf"Backward ($\frac{{\partial E}}{{\partial y}}$: {upstream}):")
        out.append(self._steps_align(t.backward, t.values))
        return "\n".join(out)

    # ----- torch comparison ----------------------------------------------------------------------
    def _print_Comparison(self, c) -> str:
        rel = number_latex(f"{c.max_rel_diff:.2g}")
        text = (f"Checked against \\texttt{{{escape_text(c.against)}}} in float64: {c.count} values, "
                f"largest relative difference ${rel}$; tolerance ${number_latex(f'{c.rtol:g}')}$ relative: ")
        if c.ok:
            return text + "they agree."
        name, _, rest = c.worst.partition(" ")     # "∂f/∂w at step 1", "v_2 (w1)", "η(3)"
        worst = f"${symbol(name)}$" + (f" {escape_text(rest)}" if rest else "")
        return (text + f"{c.failures} of {c.count} DIFFER; worst: {worst} "
                f"(bptrace ${number_latex(repr(float(c.ours)))}$, torch ${number_latex(repr(c.theirs))}$).")


def to_latex(trace, **settings) -> str:
    """A trace (or a list of traces) as LaTeX fragments: text lines and ``align*`` blocks.

    Settings: ``digits``, ``decimals``, ``style`` ("leibniz" or "delta"), ``lang`` ("en" or
    "zh": Chinese words, and full-width punctuation in the prose around the maths).
    """
    text = OptimLatexPrinter(**settings).doprint(trace)
    return full_width(text) if settings.get("lang") == "zh" else text


_FULL_WIDTH = ((", ", "，"), ("; ", "；"), (": ", "："), (" (", "（"), ("(", "（"), (")", "）"),
               (":", "："))


def full_width(text: str) -> str:
    """Chinese prose's punctuation: ASCII , ; : ( ) and a line's final . become full-width
    outside ``$…$`` and outside ``align*`` blocks (the maths and the numbers are never
    touched; prose holding a LaTeX command is kept as written)."""
    out, in_align = [], False
    for line in text.split("\n"):
        if line.startswith("\\begin{align"):
            in_align = True
        if in_align:
            out.append(line)
            in_align = not line.startswith("\\end{align")
            continue
        parts = line.split("$")
        for k in range(0, len(parts), 2):          # even parts are prose, odd ones maths
            prose = parts[k]
            if "\\" in prose:                     # a command (\texttt{…}): keep as written
                continue
            for a, b in _FULL_WIDTH:
                prose = prose.replace(a, b)
            parts[k] = prose
        if len(parts) % 2 and parts[-1].endswith("."):     # a sentence's full stop
            parts[-1] = parts[-1][:-1] + "。"
        out.append("$".join(parts))
    return "\n".join(out)
