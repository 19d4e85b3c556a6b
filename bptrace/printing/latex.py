"""The LaTeX printer: traces as ``align*`` fragments ready to paste into notes or slides.

Provides ``LatexPrinter`` (``latex_lessons.to_latex`` extends it to every trace). Every step is written as
on the board — the formula, the numbers substituted, the value — with SymPy's LaTeX
printer in bptrace's notation (``latex_expr.py``). A derivation shows each chain-rule
path: its Leibniz factorisation, one line per factor (formula = numbers = value), the
path's product; then the sum over the paths and the delta form.

Settings (declared in ``_default_settings``; unknown keys raise ``TypeError``, bad values
``ValueError``):
- ``digits`` (9), ``decimals`` (None): display rounding, as ``bptrace.numbers.fmt``;
- ``style``: ``"leibniz"`` (paths with ∂-fractions, then the delta form) or ``"delta"``
  (the δ recursion only: the compact form for a slide);
- ``lang``: the language of the words used, ``"en"`` or ``"zh"`` (see ``WORDS``).

The documents built on this printer (article, beamer deck) are in ``latex_document.py``.
"""
from __future__ import annotations

import mpmath
import sympy

from ..calculus.trace import (
    Derivation,
    ForwardTrace,
    Proof,
    Step,
    TrainTrace,
    UpdateTrace,
)
from ..model.numbers import fmt
from .base import Printer
from .expr import chain_parts
from .latex_expr import (
    derivative,
    derivative_key,
    escape_text,
    formula_latex,
    number_latex,
    numbers_latex,
    symbol_latex,
)
from .latex_zh import ZH

STYLES = ("leibniz", "delta")

# The words a document uses, per language; Chinese ("zh", latex_zh.py) is set with
# xelatex + ctex.
WORDS = {
    "en": {
        "forward": "Forward pass",
        "chain": "by the chain rule",
        "path": "path", "paths": "paths",
        "from_to": "from {param} to {loss}",
        "chain_heading": "{target} by the chain rule: {n} {paths} from {param} to {loss}.",
        "path_n": "Path {i}", "path_i": "path {i}",
        "sum": "Sum over the {n} paths",
        "summarised": "{n} paths are more than the display limit: not listed; "
                      "the delta form computes the value.",
        "delta": "Delta form",
        "agree": "The path sum and the delta form agree (difference {diff} at 50 digits).",
        "disagree": "The path sum and the delta form DISAGREE (difference {diff}).",
        "proof": "Symbolic proof for {param}",
        "proven": "proven",
        "not_zero": "NOT zero",
        "written_out": "written out",
        "diff_of": "\\texttt{{sympy.diff}} of {loss} written out",
        "descent": "Gradient descent",
        "old_params": "every gradient at the old parameters",
        "kept_fixed": "kept fixed",
        "before_after": "{loss}: {before} before the step, {after} after",
        "training": "Training for {n} rounds",
        "round": "round",
        "outputs_after": "Outputs after training",
        "biases_updated": "biases updated", "biases_fixed": "biases fixed",
        "sequential": "hidden gradients after the output update",
        "report_before": "error measured before each round's update",
        "exact": "50-digit arithmetic", "float64": "float64",
        "sample": "Sample {s} of {n}",
        "batch_error": "Batch error ({reduction} over the {n} samples)",
        "batch_gradient": "Batch gradient ({reduction} over the {n} samples)",
        "parameter": "parameter", "old": "old", "gradient": "gradient", "new": "new",
    },
}


WORDS["zh"] = ZH


class NoLatexForm(TypeError):
    """The object has no ``_print_`` method in the LaTeX printer."""


def _check_common(settings: dict) -> None:
    digits, decimals = settings["digits"], settings["decimals"]
    if not isinstance(digits, int) or isinstance(digits, bool) or not 1 <= digits <= 40:
        raise ValueError(f"digits must be an integer from 1 to 40, got {digits!r}")
    if decimals is not None and (not isinstance(decimals, int) or not 0 <= decimals <= 40):
        raise ValueError(f"decimals must be an integer from 0 to 40, got {decimals!r}")
    if settings["style"] not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}, got {settings['style']!r}")
    if settings["lang"] not in WORDS:
        raise ValueError(f"lang must be one of {', '.join(WORDS)}, got {settings['lang']!r}")


class LatexPrinter(Printer):
    _default_settings = {"digits": 9, "decimals": None, "style": "leibniz", "lang": "en"}

    def _check_settings(self, settings):
        _check_common(settings)

    # ----- helpers -------------------------------------------------------------------------
    def align(self, rows: list[str], pause: bool = False) -> str:
        """An ``align*`` block, one line of working per row (documents override this)."""
        sep = " \\\\ \\pause\n" if pause else " \\\\\n"
        return "\\begin{align*}\n" + sep.join(rows) + "\n\\end{align*}"

    def _w(self, key: str, **kw) -> str:
        words = WORDS[self._settings["lang"]]
        return words.get(key, WORDS["en"][key]).format(**kw)

    def _fmt(self, x) -> str:
        return number_latex(fmt(x, self._settings["digits"], self._settings["decimals"]))

    def _paren(self, x) -> str:
        text = self._fmt(x)
        return f"({text})" if text.startswith("-") else text

    def _numbers(self, expr, values) -> str:
        return numbers_latex(expr, values, self._settings["digits"], self._settings["decimals"])

    @staticmethod
    def _m(expr) -> str:
        """Inline math for an expression or a symbol name."""
        if isinstance(expr, str):
            expr = sympy.Symbol(expr)
        return f"${formula_latex(expr)}$"

    def _chain(self, formula_expr, numbers_expr, values, value) -> list[str]:
        """``= formula``, ``= numbers``, ``= value`` — each only when it says something new."""
        return chain_parts(formula_latex(formula_expr), self._numbers(numbers_expr, values),
                           self._fmt(value))

    def step_rows(self, step: Step, values) -> list[str]:
        """One step as ``align*`` rows: lhs &= formula, &= numbers, &= value."""
        parts = self._chain(step.formula, step.formula, values, step.value)
        lhs = formula_latex(step.lhs)
        return [f"{lhs} &= {parts[0]}"] + [f"&= {p}" for p in parts[1:]]

    def factor_row(self, factor, values) -> str:
        """∂of/∂wrt &= formula = numbers = value, on one row."""
        parts = self._chain(factor.formula, factor.formula, values, factor.value)
        return f"{formula_latex(derivative(factor.of, factor.wrt))} &= " + " = ".join(parts)

    def leibniz(self, path) -> sympy.Expr:
        """The path's product of local derivatives as an unevaluated SymPy product."""
        terms = [derivative(f.of, f.wrt) for f in path.factors]
        return terms[0] if len(terms) == 1 else sympy.Mul(*terms, evaluate=False)

    def path_rows(self, d: Derivation, i: int, path) -> list[str]:
        """Leibniz factorisation, one row per factor, then the product with its numbers."""
        target = formula_latex(derivative(d.loss_symbol, d.param))
        lhs = target if d.path_count == 1 else rf"\left.{target}\right|_{{\text{{{self._w('path_i', i=i)}}}}}"
        product = self.leibniz(path)
        values = {derivative_key(derivative(f.of, f.wrt)): f.value for f in path.factors}
        rows = [f"{lhs} &= {formula_latex(product)}"]
        rows += [self.factor_row(f, d.values) for f in path.factors]
        rows.append(f"{lhs} &= {self._numbers(product, values)} = {self._fmt(path.value)}")
        return rows

    def path_heading(self, d: Derivation, i: int, path) -> str:
        route = r" \to ".join(symbol_latex(n) for n in path.nodes)
        return f"{self._w('path_n', i=i)}: ${route}$"

    def sum_rows(self, d: Derivation) -> list[str]:
        target = formula_latex(derivative(d.loss_symbol, d.param))
        names = [sympy.Symbol(f"path{i}") for i in range(1, len(d.paths) + 1)]
        values = {s.name: p.value for s, p in zip(names, d.paths)}
        terms = self._numbers(sympy.Add(*names, evaluate=False), values)
        if len(names) > 2:     # a long sum: its value on a row of its own
            return [f"{target} &= {terms}", f"&= {self._fmt(d.path_sum)}"]
        return [f"{target} &= {terms} = {self._fmt(d.path_sum)}"]

    def delta_block(self, d: Derivation) -> list[str]:
        """The δ recursion and the gradient from it, with the agreement line."""
        head = (f"{self._w('delta')} "
                rf"($\delta = \partial {symbol_latex(d.loss_symbol)} / \partial \mathrm{{net}}$):")
        rows = []
        for step in d.deltas:
            rows += self.step_rows(step, d.values)
        rows += self.step_rows(d.gradient, d.values)
        out = [head, self.align(rows)]
        if not d.summarised:
            diff = abs(d.path_sum - d.value)
            ok = diff <= mpmath.mpf(10) ** (-40) * max(1, abs(d.value))
            out.append(self._w("agree" if ok else "disagree", diff=f"${number_latex(fmt(diff, 3))}$"))
        return out

    def heading(self, d: Derivation) -> str:
        n = d.path_count
        return self._w("chain_heading", target=f"${formula_latex(derivative(d.loss_symbol, d.param))}$",
                       n=n, paths=self._w("path" if n == 1 else "paths"),
                       param=self._m(d.param), loss=self._m(d.loss_symbol))

    # ----- traces ----------------------------------------------------------------------------
    def _print_ForwardTrace(self, trace: ForwardTrace) -> str:
        rows = []
        for step in trace.steps:
            rows += self.step_rows(step, trace.values)
        return f"{self._w('forward')}: {escape_text(trace.network)}.\n" + self.align(rows)

    def _print_Derivation(self, d: Derivation) -> str:
        out = [self.heading(d)]
        if self._settings["style"] == "leibniz":
            if d.summarised:
                out.append(self._w("summarised", n=d.path_count))
            for i, path in enumerate(d.paths, 1):
                if d.path_count > 1:
                    out.append(self.path_heading(d, i, path))
                out.append(self.align(self.path_rows(d, i, path)))
            if d.path_count > 1 and not d.summarised:
                out.append(self._w("sum", n=d.path_count) + ":")
                out.append(self.align(self.sum_rows(d)))
        out += self.delta_block(d)
        return "\n".join(out)

    def _print_Proof(self, p: Proof, loss: str = "E_total", sample: str = "") -> str:
        loss = symbol_latex(loss)
        head = (f"{self._w('proof', param=self._m(p.param))}{sample}: "
                rf"$\sum_{{\text{{{self._w('paths')}}}}} - \frac{{\partial {loss}}}{{\partial {symbol_latex(p.param)}}}$ "
                f"({self._w('diff_of', loss=f'${loss}$')})")
        if p.reason:
            return f"{head}: {escape_text(p.reason)}."
        if p.proven:
            return f"{head} $= 0$: {self._w('proven')}."
        return f"{head} $= {formula_latex(p.difference)}$: {self._w('not_zero')}."

    def update_rows(self, t: UpdateTrace) -> list[str]:
        loss = getattr(t.network, "loss_name", "E_total")
        rows = []
        for u in t.updates:
            new = f"{{{symbol_latex(u.param)}}}^{{+}}"
            if not u.updated:
                rows.append(f"{new} &= {symbol_latex(u.param)} = {self._fmt(u.old)} "
                            rf"&& \text{{({self._w('kept_fixed')})}}")
                continue
            grad = derivative(loss, u.param)
            expr = sympy.Add(sympy.Symbol(u.param),
                             sympy.Mul(-1, sympy.Symbol("eta"), grad, evaluate=False), evaluate=False)
            values = {u.param: u.old, "eta": t.learning_rate, derivative_key(grad): u.grad}
            rows.append(f"{new} &= {formula_latex(expr)} = {self._numbers(expr, values)} "
                        f"= {self._fmt(u.new)}")
        return rows

    def _print_UpdateTrace(self, t: UpdateTrace) -> str:
        fixed = [self._m(u.param) for u in t.updates if not u.updated]
        note = self._w("old_params")
        if fixed:
            note += f"; {', '.join(fixed)} {self._w('kept_fixed')}"
        loss = getattr(t.network, "loss_name", "E_total")
        head = f"{self._w('descent')}, $\\eta = {self._fmt(t.learning_rate)}$ ({note}):"
        tail = self._w("before_after", loss=self._m(loss), before=f"${self._fmt(t.loss_before)}$",
                       after=f"${self._fmt(t.network.loss_value)}$") + "."
        return "\n".join([head, self.align(self.update_rows(t)), tail])

    def update_table(self, t: UpdateTrace) -> str:
        """The update as a ``tabular``: parameter, old value, gradient, new value."""
        rows = [rf"{self._w('parameter')} & {self._w('old')} & {self._w('gradient')} & "
                rf"{self._w('new')} \\ \hline"]
        for u in t.updates:
            new = f"${self._fmt(u.new)}$" + ("" if u.updated else f" ({self._w('kept_fixed')})")
            rows.append(f"${symbol_latex(u.param)}$ & ${self._fmt(u.old)}$ & ${self._fmt(u.grad)}$ & {new} \\\\")
        return "\\begin{tabular}{lrrl}\n" + "\n".join(rows) + "\n\\end{tabular}"

    def _print_TrainTrace(self, t: TrainTrace) -> str:
        rule = t.rule
        parts = [f"$\\eta = {self._fmt(t.learning_rate)}$",
                 self._w("biases_updated" if rule["update_biases"] else "biases_fixed")]
        if rule["sequential"]:
            parts.append(self._w("sequential"))
        if rule["report"] == "before":
            parts.append(self._w("report_before"))
        parts.append(self._w("exact" if t.exact else "float64"))
        head = f"{self._w('training', n=t.rounds)} ({'; '.join(parts)}):"
        rows = [rf"\text{{{self._w('round')}}} & {symbol_latex('E_total')}"]
        rows += [f"{r} & {self._fmt(v)}" for r, v in t.losses]
        table = "\\begin{array}{rl}\n" + " \\\\\n".join(rows) + "\n\\end{array}"
        outs = ", ".join(f"${symbol_latex(k)} = {self._fmt(v)}$" for k, v in t.outputs.items())
        return f"{head}\n\\[\n{table}\n\\]\n{self._w('outputs_after')}: {outs}."

    def _print_BatchForwardTrace(self, t) -> str:
        n = len(t.samples)
        out = [f"{self._w('sample', s=s, n=n)}:\n{self._print_ForwardTrace(trace)}"
               for s, trace in enumerate(t.samples, 1)]
        out.append(self._w("batch_error", reduction=t.reduction, n=n) + ":")
        out.append(self.align(self.step_rows(t.total, t.values)))
        return "\n".join(out)

    def _print_BatchDerivation(self, d) -> str:
        n = len(d.samples)
        out = [f"{self._w('sample', s=s, n=n)}:\n{self._print_Derivation(sample)}"
               for s, sample in enumerate(d.samples, 1)]
        out.append(self._w("batch_gradient", reduction=d.reduction, n=n) + ":")
        values = {**d.values, **{derivative_key(derivative(x.loss_symbol, d.param)): x.value
                                 for x in d.samples}}
        out.append(self.align(self.step_rows(d.gradient, values)))
        return "\n".join(out)

    def emptyPrinter(self, obj):
        raise NoLatexForm(f"no LaTeX form for {type(obj).__name__} yet")

    def _print_list(self, items) -> str:
        return "\n\n".join(self.doprint(i) for i in items)

    def _print_tuple(self, items) -> str:
        if len(items) > 1 and all(isinstance(i, Proof) for i in items):   # a batch: one per sample
            n = len(items)
            return "\n\n".join(self._print_Proof(p, f"E_{s}", f", {self._w('sample', s=s, n=n).lower()}")
                                 for s, p in enumerate(items, 1))
        return self._print_list(items)


# the matrix form (calculus/matrix.py), printed by printing/matrix_latex.py
from .matrix_latex import print_matrix_trace  # noqa: E402

LatexPrinter._print_MatrixTrace = print_matrix_trace
