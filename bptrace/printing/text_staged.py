"""Text for a staged expression trace (``bptrace expr``): the board's worked example.

Provides ``StagedText``, a mixin with ``_print_StagedTrace`` that ``text_lessons``'s printer
includes (so ``to_text`` prints every trace), ``GATE_WORDS`` (each gate's intuition, shown
with ``--explain``; the LaTeX printer shares it) and ``formula``/``numbers`` with quotients
written as on the board (1/a, -q/z², 1/(2·√a), tanh(a)²).

The trace is printed in four parts: the forward pass (each stage as formula, numbers,
value); the backward pass gate by gate from the output — the upstream gradient, each
operand's local gradient (formula = numbers = value) and the upstream × local product
sent to it, marked "branch k of n" when the operand is used n times; each fan-out's sum;
the final ∂f/∂input; and the proof against ``sympy.diff``.
"""
from __future__ import annotations

import sympy

from .expr import NumbersExpr, TextExpr, chain_parts

_SUPERSCRIPT = {2: "²", 3: "³"}

GATE_WORDS = {
    "add": "the add gate distributes: each input gets the upstream gradient unchanged",
    "sub": "the subtract gate distributes with a sign: the first input gets the upstream "
           "gradient, the second its negative",
    "mul": "the multiply gate swaps the inputs: each gets the upstream gradient times the other input",
    "div": "the divide gate: the numerator gets upstream/denominator, the denominator "
           "-upstream·numerator/denominator²",
    "neg": "the negate gate flips the sign of the upstream gradient",
    "pow": "the power gate: the base gets upstream·n·base^(n - 1)",
    "exp": "the exp gate's local gradient is its own output",
    "log": "the log gate's local gradient is 1/input",
    "sqrt": "the square-root gate's local gradient is 1/(2·output)",
    "sin": "the sin gate's local gradient is cos(input)",
    "cos": "the cos gate's local gradient is -sin(input)",
    "tanh": "the tanh gate's local gradient is 1 - output²",
    "sigmoid": "the sigmoid gate's local gradient is output·(1 - output)",
    "max": "the max gate routes: the larger input gets the whole upstream gradient, the other 0; "
           "H is the unit step, and at a tie each input gets half, as in torch",
    "stage": "a grouped stage: each input's local gradient is the stage's partial derivative",
}


def _negative_power(a) -> bool:
    return a.is_Pow and a.args[1].is_Number and a.args[1] < 0


class _Board:
    """Quotients, roots and powers of functions on top of TextExpr / NumbersExpr."""

    def _wrapped(self, expr) -> str:
        text = self._print(expr)
        simple = (expr.is_Atom or expr.is_Function or expr.is_Pow) and not text.startswith("-")
        return text if simple else f"({text})"

    def _print_Pow(self, expr):
        base, exp = expr.args
        if exp == sympy.Rational(1, 2):
            return "√" + self._wrapped(base)
        if exp.is_Number and exp < 0:
            return "1/" + self._wrapped(sympy.Pow(base, -exp))
        if base.is_Function and exp.is_Integer and int(exp) in _SUPERSCRIPT:
            return self._print(base) + _SUPERSCRIPT[int(exp)]
        return super()._print_Pow(expr)

    def _print_Mul(self, expr):
        args = list(expr.args)
        den = [sympy.Pow(a.args[0], -a.args[1]) for a in args if _negative_power(a)]
        if not den:
            return super()._print_Mul(expr)
        num = [a for a in args if not _negative_power(a)]
        sign = ""
        if num and num[0].is_Number and num[0] < 0:
            sign, num = "-", ([-num[0]] if num[0] != -1 else []) + num[1:]
        if num and num[0].is_Rational and not num[0].is_Integer:    # ½/√a → 1/(2·√a)
            q = num[0]
            den.insert(0, sympy.Integer(q.q))
            num = ([sympy.Integer(q.p)] if q.p != 1 else []) + num[1:]
        if not num:
            top = "1"
        elif len(num) == 1:
            top = self._wrapped(num[0]) if num[0].is_Add else self._print(num[0])
        else:
            top = super()._print_Mul(sympy.Mul(*num, evaluate=False))
        if len(den) == 1:
            bottom = self._wrapped(den[0])
        else:
            bottom = "(" + "·".join(self._wrapped(d) for d in den) + ")"
        return f"{sign}{top}/{bottom}"


    def _print_Max(self, expr):
        return "max(" + ", ".join(_bare(self._print(a), a) for a in expr.args) + ")"

    def _print_Heaviside(self, expr):
        return f"H({self._print(expr.args[0])})"


def _bare(text: str, expr) -> str:
    """A lone value as a function's argument needs no brackets: max(3, -1)."""
    return text[1:-1] if expr.is_Symbol and text.startswith("(") and text.endswith(")") else text


class _Formula(_Board, TextExpr):
    pass


class _Numbers(_Board, NumbersExpr):

    def _print_Function(self, expr):
        text = super()._print_Function(expr)
        if len(expr.args) == 1 and expr.args[0].is_Symbol and text.endswith("))"):
            head, _, inner = text.partition("((")      # exp((-1)) → exp(-1)
            return f"{head}({inner[:-1]}"
        return text


class _NamedFormula(_Formula):
    """The same, each symbol written by ``name`` (Unicode subscripts in pictures: w₀)."""

    def __init__(self, name):
        super().__init__()
        self._name = name

    def _print_Symbol(self, expr):
        return self._name(expr.name)


def formula(expr, name=None) -> str:
    """``expr`` as on the board; ``name`` (optional) writes each symbol's name."""
    return (_NamedFormula(name) if name else _Formula()).doprint(expr)


def numbers(expr, values, digits=9, decimals=None) -> str:
    text = _Numbers({"values": values, "digits": digits, "decimals": decimals}).doprint(expr)
    if text.startswith("(") and text.endswith(")") and expr.is_Symbol:
        text = text[1:-1]
    return text


def partial(of: str, wrt: str) -> str:
    return f"∂{of}/∂{wrt}"


class StagedText:
    """``_print_StagedTrace`` for the text printer (mixed into ``OptimTextPrinter``)."""

    def _staged_chain(self, expr, values, value) -> str:
        """formula = numbers = value on one line, each only when it says something new."""
        subst = numbers(expr, values, self._settings["digits"], self._settings["decimals"])
        return " = ".join(chain_parts(formula(expr), subst, self._fmt(value)))

    def _staged_paren(self, x) -> str:
        text = self._fmt(x)
        return f"({text})" if text.startswith("-") else text

    def _staged_sum(self, t, fan) -> str:
        terms = " + ".join(self._staged_paren(x) for x in fan.terms)
        return f"{partial(t.output, fan.node)} = {terms} = {self._fmt(fan.value)}"

    def _print_StagedTrace(self, t) -> str:
        ind = self._settings["indent"]
        point = ", ".join(f"{x} = {self._fmt(v)}" for x, v in t.at.items())
        out = [self._heading(f"{t.output} = {t.text} at {point}"),
               self._heading("Forward: each stage as formula, numbers, value")]
        for step in t.forward:
            name = formula(step.lhs)
            pad = " " * len(name)
            lines = [f"{name} = {formula(step.formula)}"]
            subst = numbers(step.formula, t.values, self._settings["digits"], self._settings["decimals"])
            value = self._fmt(step.value)
            if subst not in (lines[0].split(" = ", 1)[1], value):
                lines.append(f"{pad} = {subst}")
            if value != lines[-1].split(" = ", 1)[1]:
                lines.append(f"{pad} = {value}")
            out += [ind + line for line in lines]
        out.append(self._heading(f"Backward from {t.output}: at each gate, upstream gradient × "
                                 f"local gradient, sent to each input"))
        for gate in reversed(t.gates):
            fan = t.fanout(gate.name)
            if fan is not None:
                out.append(f"{ind}{gate.name} is used {len(fan.terms)} times: {self._staged_sum(t, fan)}")
            out.append(f"{ind}{gate.name} = {formula(gate.formula)}, upstream "
                       f"{partial(t.output, gate.name)} = {self._fmt(gate.grad)}")
            if t.explain:
                out.append(f"{ind * 2}({GATE_WORDS[gate.gate]})")
            rows = []
            for e in t.edges_of(gate.name):
                local = f"local {partial(gate.name, e.child)} = {self._staged_chain(e.local, t.values, e.local_value)}"
                send = (f"to {e.child}: {self._staged_paren(e.upstream)} × {self._staged_paren(e.local_value)}"
                        f" = {self._fmt(e.product)}")
                if e.branches > 1:
                    send += f"  (branch {e.branch} of {e.branches})"
                rows.append((local, send))
            width = max(len(a) for a, _ in rows)
            out += [f"{ind * 2}{a.ljust(width)}   {b}" for a, b in rows]
        out.append(self._heading(f"Gradients of {t.output}"))
        for x in t.inputs:
            fan = t.fanout(x)
            line = self._staged_sum(t, fan) + f"  ({x} is used {len(fan.terms)} times)" if fan else \
                f"{partial(t.output, x)} = {self._fmt(t.gradient(x))}"
            out.append(ind + line)
        if t.proof is not None:
            out.append(self._staged_proof(t))
        return "\n".join(out)

    def _staged_proof(self, t) -> str:
        p = t.proof
        names = t.inputs[0] if len(t.inputs) == 1 else "(" + ", ".join(t.inputs) + ")"
        if p.reason and not p.differences:
            return f"Symbolic proof {p.reason}"
        if p.proven:
            return (f"Symbolic proof: staged ∂{t.output}/∂{names} − sympy.diff({t.output} written out, "
                    f"each) = 0  ✓ proven")
        left = ", ".join(f"{x}: {formula(d)}" for x, d in p.differences.items() if d != 0)
        return f"Symbolic proof: not proven ({p.reason}; differences {left})"
