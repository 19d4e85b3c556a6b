"""LaTeX for ``bptrace loss``: a loss on given numbers as ``align*`` fragments.

Provides ``LossLatexPrinter`` (a ``LatexPrinter`` with ``_print_LossTrace``,
``_print_SoftmaxProof`` and ``_print_CheckReport``). The layout follows the text printer
(``loss_text.py``): torch's call and its convention, the formula of one element's loss
(a ``cases`` block when it has branches), each element's l with its numbers and the branch's
condition, the reduction L, ∂L/∂x for every prediction; for cross-entropy the softmax
probabilities, the Jacobian route for the first sample, its simplification softmax(z) − y
and the SymPy proof. The loss functions print themselves (their ``_latex`` methods);
symbols are set by ``latex_notation``. No calculus happens here.
"""
from __future__ import annotations

import mpmath

from ..model.numbers import fmt
from .latex import LatexPrinter
from .latex_expr import escape_text, number_latex
from .latex_notation import formula, numbers, symbol

# torch's conventions, as loss_text.py states them, in LaTeX ({beta}, {delta}: the options)
CONVENTIONS = {
    "mse": r"$l = (x - y)^{2}$; mean over all elements (\texttt{reduction='mean'}), as torch.",
    "l1": r"$l = |x - y|$; its gradient at $x = y$ is $\operatorname{sign}(0) = 0$, as torch.",
    "smooth_l1": r"$\beta = {beta}$ (torch's default 1); the two branches meet at $|x - y| = \beta$.",
    "huber": r"$\delta = {delta}$ (torch's default 1); Huber $= \delta \cdot$ SmoothL1 with $\beta = \delta$.",
    "bce": r"$x$ is a probability; $\log$ is clamped at $-100$ and $x(1 - x)$ at "
           r"$\varepsilon_{\mathrm{torch}} = 10^{-12}$ (a float32: $9.99999996 \cdot 10^{-13}$) "
           r"in the gradient, as torch.",
    "bce_with_logits": r"$x$ is a raw score (logit); torch evaluates the stable form "
                       r"$\max(x, 0) - x \cdot y + \log(1 + e^{-|x|})$.",
    "cross_entropy": r"$x$ holds logits (raw scores), not probabilities: $p = \operatorname{softmax}(x)$, "
                     r"$l_{n} = -\sum_{c} y_{n,c} \log p_{n,c}$.",
    "nll": r"$x$ holds log-probabilities (e.g.\ \texttt{log\_softmax}): "
           r"$l_{n} = -w_{y_{n}} \cdot x_{n,y_{n}}$.",
}

GRADIENT_HEADS = {
    "mean": r"Gradient of $L$ (the mean: each $\partial l / \partial x$ divided by the denominator)",
    "sum": r"Gradient of $L$",
    "none": r"Gradient of each element's own loss (torch: \texttt{loss.backward(torch.ones\_like(loss))})",
}


class LossLatexPrinter(LatexPrinter):
    """The LaTeX printer with the loss traces of ``bptrace loss``."""

    # ----- helpers ---------------------------------------------------------------------------
    def _numbers_of(self, expr, values) -> str:
        return numbers(expr, values, self._settings["digits"], self._settings["decimals"])

    def chain(self, step, values) -> list[str]:
        """formula, numbers, value of ``step`` in these traces' notation, repeats left out."""
        text = formula(step.formula)
        parts = [text]
        subst = self._numbers_of(step.formula, values)
        shown = self._fmt(step.value)
        if subst not in (text, shown):
            parts.append(subst)
        if shown != parts[-1]:
            parts.append(shown)
        return parts

    def line_row(self, step, values, when=None) -> str:
        """lhs &= formula = numbers = value on one row, with the branch's condition."""
        row = f"{formula(step.lhs)} &= " + " = ".join(self.chain(step, values))
        if when is not None:
            row += rf" && \left({self._numbers_of(when, values)}\right)"
        return row

    def long_rows(self, step, values) -> list[str]:
        """lhs &= formula, &= numbers, &= value: one row each (for long formulas)."""
        parts = self.chain(step, values)
        return [f"{formula(step.lhs)} &= {parts[0]}"] + [f"&= {p}" for p in parts[1:]]

    def _options(self, t) -> str:
        parts = []
        for k, v in t.options.items():
            if v is None or (k == "label_smoothing" and v == 0):
                continue
            text = "[" + ", ".join(fmt(x) for x in v) + "]" if isinstance(v, tuple) else fmt(v)
            parts.append(f"{k}={text}")
        parts.append(f"reduction='{t.reduction}'")
        return ", ".join(parts)

    def _definition(self, t) -> str:
        if len(t.definition) == 1:
            return rf"\[ l = {formula(t.definition[0].formula)} \]"
        rows = [f"{formula(b.formula)} & " + (rf"\text{{if }} {formula(b.when)}" if b.when is not None
                                              else r"\text{otherwise}")
                for b in t.definition]
        return "\\[ l = \\begin{cases}\n" + " \\\\\n".join(rows) + "\n\\end{cases} \\]"

    @staticmethod
    def _local(t) -> str:
        """Cross-entropy's simplified local gradient ∂l_n/∂x_n,c, as the options make it."""
        if t.loss != "cross_entropy":
            return ""
        q = "q" if t.options.get("label_smoothing") else "y"
        if t.options.get("weight") is None:
            return f"p_{{n,c}} - {q}_{{n,c}}"
        return rf"p_{{n,c}} \sum_{{k}} w_{{k}} {q}_{{n,k}} - w_{{c}} {q}_{{n,c}}"

    # ----- traces ------------------------------------------------------------------------------
    def _print_LossTrace(self, t) -> str:
        classes = t.loss in ("cross_entropy", "nll")
        if classes:
            rows = 1 if len(t.shape) == 1 else t.shape[0]
            what = (f"{rows} sample{'s' if rows > 1 else ''} $\\times$ {t.shape[-1]} classes, "
                    + ("class-index targets" if t.class_targets else "class-probability targets")
                    + "; classes numbered from 0")
        else:
            n = 1
            for s in t.shape:
                n *= s
            what = " $\\times$ ".join(map(str, t.shape)) + f" element{'s' if n != 1 else ''}"
        out = [rf"\texttt{{{escape_text(t.torch_name)}({escape_text(self._options(t))})}} on {what}."]
        convention = CONVENTIONS[t.loss]
        for k, v in t.options.items():
            if v is not None and not isinstance(v, tuple):
                convention = convention.replace("{%s}" % k, number_latex(fmt(v)))
        out.append(convention)
        if t.definition:
            out.append(self._definition(t))
        if t.setup:
            smoothed = any(s.lhs.name.startswith("q") for s in t.setup)
            out.append("Softmax probabilities" + (" and smoothed targets" if smoothed else "") + ":")
            out.append(self.align([self.line_row(s, t.values) for s in t.setup]))
        out.append(("Each sample's loss" if classes else "Each element's loss") + ":")
        rows = [self.line_row(e.step, t.values, e.when) for e in t.terms]
        if t.total is not None:
            rows.append(self.line_row(t.total, t.values))
        out.append(self.align(rows))
        head = GRADIENT_HEADS[t.reduction]
        local = self._local(t)
        if local:
            head += rf"; $\frac{{\partial l_{{n}}}}{{\partial x_{{n,c}}}} = {local}$"
        out.append(head + ":")
        out.append(self.align([self.line_row(g.step, t.values, g.when) for g in t.grads]))
        if t.route:
            out.append(r"The general route for sample 1: $\frac{\partial l_{1}}{\partial x_{1,j}} = "
                       r"\sum_{k} \frac{\partial l_{1}}{\partial p_{1,k}} \cdot "
                       r"\frac{\partial p_{1,k}}{\partial x_{1,j}}$, with "
                       r"$\frac{\partial p_{k}}{\partial x_{j}} = p_{k} (\delta_{kj} - p_{j})$:")
            rows = []
            for s in t.route:
                rows += self.long_rows(s, t.values)
            out.append(self.align(rows))
            simple = local.replace("_{n,c}", "_{1,j}").replace("_{n,k}", "_{1,k}").replace("w_{c}", "w_{j}")
            q = "q" if t.options.get("label_smoothing") else "y"
            softmax = ("" if t.options.get("weight") is not None else
                       rf", that is $\operatorname{{softmax}}(x_{{1}})_{{j}} - {q}_{{1,j}}$")
            out.append(rf"which simplifies to $\frac{{\partial l_{{1}}}}{{\partial x_{{1,j}}}} = {simple}$"
                       f"{softmax} (the gradient above, before the reduction).")
        if t.proof is not None:
            out.append(self.doprint(t.proof))
        return "\n".join(out)

    def _print_SoftmaxProof(self, p) -> str:
        verdict = "proven" if p.proven else "NOT proven"
        return (f"Symbolic proof ({p.classes} classes): "
                r"$\sum_{k} \left(-\frac{y_{k}}{p_{k}}\right) p_{k} (\delta_{kj} - p_{j})$ equals "
                r"\texttt{sympy.diff} of $-\sum_{k} y_{k} \log \operatorname{softmax}_{k}(z)$ with "
                r"respect to $z_{j}$, and equals $p_{j} - y_{j}$ given $\sum_{k} y_{k} = 1$: "
                f"{verdict}.")

    def _print_CheckReport(self, r) -> str:
        head = (f"bptrace (50 digits) against torch.autograd (float64), {escape_text(r.network)}: "
                f"tolerance ${number_latex(f'{r.rtol:g}')}$ relative, "
                f"${number_latex(f'{r.atol:g}')}$ absolute near zero.")
        rows = [r"quantity & bptrace & torch & \\ \hline"]
        for row in r.rows:
            ours = number_latex(mpmath.nstr(row.ours, 17))
            theirs = number_latex(repr(row.theirs))
            rows.append(f"${symbol(row.quantity)}$ & ${ours}$ & ${theirs}$ & "
                        f"{'ok' if row.ok else 'DIFFERS'} \\\\")
        n_bad = len(r.failures)
        tail = (f"All {len(r.rows)} agree." if not n_bad
                else f"{n_bad} of {len(r.rows)} differ beyond the tolerance.")
        return f"{head}\n\\begin{{tabular}}{{lrrl}}\n" + "\n".join(rows) + f"\n\\end{{tabular}}\n{tail}"
