"""LaTeX for a staged expression trace (``bptrace expr --format latex``): ``align*`` fragments.

Provides ``StagedLatex``, a mixin with ``_print_StagedTrace`` that ``latex_lessons``'s
printer includes (so ``to_latex`` sets every trace), and ``formula``/``numbers``: this
trace's formulas in LaTeX with quotients as on the board (\\frac{1}{a^{2}}, \\frac{-q}{z^{2}},
\\frac{1}{2\\sqrt{y}}), set by SymPy's printer through ``latex_notation``'s subclasses.

The parts are those of the text printer (``text_staged.py``): the forward pass, one row per
stage (formula = numbers = value); then gate by gate from the output, the upstream gradient,
each operand's local gradient and the upstream × local product sent to it, each fan-out's
sum; the final gradients; the proof. The expression as typed is set in ``\\texttt``, escaped.
"""
from __future__ import annotations

import sympy

from .expr import chain_parts
from .latex_expr import escape_text
from .latex_notation import Formula, Numbers, symbol
from .text_staged import GATE_WORDS

# the intuitions whose text has symbols, set as math (the others are plain words)
GATE_LATEX = {
    "div": r"the divide gate: the numerator gets $\frac{\text{upstream}}{\text{denominator}}$, "
           r"the denominator $-\frac{\text{upstream} \cdot \text{numerator}}{\text{denominator}^{2}}$",
    "pow": r"the power gate: the base gets $\text{upstream} \cdot n \cdot \text{base}^{n-1}$",
    "sqrt": r"the square-root gate's local gradient is $\frac{1}{2 \cdot \text{output}}$",
    "tanh": r"the tanh gate's local gradient is $1 - \text{output}^{2}$",
    "sigmoid": r"the sigmoid gate's local gradient is $\text{output} \cdot (1 - \text{output})$",
    "log": r"the log gate's local gradient is $\frac{1}{\text{input}}$",
}


def _negative_power(a) -> bool:
    return a.is_Pow and a.args[1].is_Number and a.args[1] < 0


class _Board:
    """\\frac for every negative power, \\sqrt for ½, over either printer below."""

    def _print_Pow(self, expr, *args, **kwargs):
        base, exp = expr.args
        if exp.is_Number and exp < 0:
            return rf"\frac{{1}}{{{self._print(sympy.Pow(base, -exp))}}}"
        if base.is_Function and exp.is_Integer:
            return rf"{self._print(base)}^{{{exp}}}"
        return super()._print_Pow(expr, *args, **kwargs)

    def _print_Mul(self, expr):
        args = list(expr.args) if expr.is_Mul else []
        den = [sympy.Pow(a.args[0], -a.args[1]) for a in args if _negative_power(a)]
        if not den:
            return super()._print_Mul(expr)
        num = [a for a in args if not _negative_power(a)]
        sign = ""
        if num and num[0].is_Number and num[0] < 0:
            sign, num = "-", ([-num[0]] if num[0] != -1 else []) + num[1:]
        if num and num[0].is_Rational and not num[0].is_Integer:
            q = num[0]
            den.insert(0, sympy.Integer(q.q))
            num = ([sympy.Integer(q.p)] if q.p != 1 else []) + num[1:]
        top = "1" if not num else self._print(num[0] if len(num) == 1 else sympy.Mul(*num, evaluate=False))
        bottom = self._print(den[0] if len(den) == 1 else sympy.Mul(*den, evaluate=False))
        return rf"{sign}\frac{{{top}}}{{{bottom}}}"

    def _print_Heaviside(self, expr, exp=None):
        return rf"H\left({self._print(expr.args[0])}\right)"

    def _print_log(self, expr, exp=None):
        return rf"\log({self._print(expr.args[0])})"


class _Formula(_Board, Formula):
    pass


class _Numbers(_Board, Numbers):
    pass


def formula(expr) -> str:
    return _Formula().doprint(expr)


def numbers(expr, values, digits=9, decimals=None) -> str:
    text = _Numbers({"values": values, "digits": digits, "decimals": decimals}).doprint(expr)
    if text.startswith("(") and text.endswith(")") and expr.is_Symbol:
        text = text[1:-1]
    return text


def partial(of: str, wrt: str) -> str:
    return rf"\frac{{\partial {symbol(of)}}}{{\partial {symbol(wrt)}}}"


class StagedLatex:
    """``_print_StagedTrace`` for the LaTeX printer (mixed into ``OptimLatexPrinter``)."""

    def _staged_chain(self, expr, values, value) -> str:
        subst = numbers(expr, values, self._settings["digits"], self._settings["decimals"])
        return " = ".join(chain_parts(formula(expr), subst, self._fmt(value)))

    def _print_StagedTrace(self, t) -> str:
        point = ", ".join(f"${symbol(x)} = {self._fmt(v)}$" for x, v in t.at.items())
        out = [rf"${symbol(t.output)}$ = \texttt{{{escape_text(' '.join(t.text.split()))}}} at {point}.",
               "Forward, each stage as formula, numbers, value:"]
        rows = [rf"{symbol(s.lhs.name)} &= {self._staged_chain(s.formula, t.values, s.value)}"
                for s in t.forward]
        out.append(self.align(rows))
        out.append(rf"Backward from ${symbol(t.output)}$: at each gate, the upstream gradient "
                   r"$\times$ the local gradient, sent to each input.")
        for gate in reversed(t.gates):
            fan = t.fanout(gate.name)
            if fan is not None:
                out.append(f"${symbol(gate.name)}$ is used {len(fan.terms)} times: {self._staged_sum(t, fan)}.")
            line = (f"Gate ${symbol(gate.name)} = {formula(gate.formula)}$, upstream "
                    f"${partial(t.output, gate.name)} = {self._fmt(gate.grad)}$")
            if t.explain:
                line += f" ({GATE_LATEX.get(gate.gate) or escape_text(GATE_WORDS[gate.gate])})"
            out.append(line + ":")
            rows = []
            for e in t.edges_of(gate.name):
                row = (rf"{partial(gate.name, e.child)} &= {self._staged_chain(e.local, t.values, e.local_value)}"
                       rf" && \text{{to }} {symbol(e.child)}\colon\ {self._staged_paren(e.upstream)} \times "
                       rf"{self._staged_paren(e.local_value)} = {self._fmt(e.product)}")
                if e.branches > 1:
                    row += rf" \quad \text{{(branch {e.branch} of {e.branches})}}"
                rows.append(row)
            out.append(self.align(rows))
        out.append(f"Gradients of ${symbol(t.output)}$:")
        rows = []
        for x in t.inputs:
            fan = t.fanout(x)
            if fan is not None:
                terms = " + ".join(self._staged_paren(v) for v in fan.terms)
                rows.append(rf"{partial(t.output, x)} &= {terms} = {self._fmt(fan.value)} "
                            rf"&& \text{{({len(fan.terms)} branches)}}")
            else:
                rows.append(rf"{partial(t.output, x)} &= {self._fmt(t.gradient(x))}")
        out.append(self.align(rows))
        if t.proof is not None:
            out.append(self._staged_proof(t))
        return "\n".join(out)

    def _staged_paren(self, x) -> str:
        text = self._fmt(x)
        return f"({text})" if text.startswith("-") else text

    def _staged_sum(self, t, fan) -> str:
        terms = " + ".join(self._staged_paren(v) for v in fan.terms)
        return f"${partial(t.output, fan.node)} = {terms} = {self._fmt(fan.value)}$"

    def _staged_proof(self, t) -> str:
        p = t.proof
        if p.reason and not p.differences:
            return f"Symbolic proof {escape_text(p.reason)}."
        names = ", ".join(f"${symbol(x)}$" for x in t.inputs)
        if p.proven:
            return (rf"Symbolic proof: for {names}, the staged gradient minus "
                    rf"\texttt{{sympy.diff}} of ${symbol(t.output)}$ written out is $0$. Proven.")
        left = ", ".join(f"${symbol(x)}$: ${formula(d)}$" for x, d in p.differences.items() if d != 0)
        return f"Symbolic proof: not proven ({escape_text(p.reason)}; differences {left})."


