"""HTML for a staged expression trace (``bptrace expr --format html``): MathML steps.

Provides ``StagedHtml``, a mixin with ``_print_StagedTrace`` that ``html_tables``'s printer
includes (so ``to_html`` sets every trace), and ``WORDS``, its sentences in English and
Chinese. The parts are those of the text and LaTeX printers: the forward pass, one step per
stage (formula = numbers = value); gate by gate from the output, each edge's local gradient
and the upstream × local product sent to its input, each fan-out's sum; the gradients; the
proof. Formulas are set by ``mathml.py``'s printers; the expression as typed is escaped by
``mathml.escape`` where it enters the page.
"""
from __future__ import annotations

import sympy

from .latex_expr import derivative
from .mathml import escape, math
from .text_staged import GATE_WORDS

WORDS = {
    "en": {"title": "Backpropagation through", "at": "at", "forward": "Forward: each stage as formula, numbers, value",
           "backward": "Backward: at each gate, the upstream gradient × the local gradient, sent to each input",
           "gate": "Gate", "upstream": "upstream", "to": "to {x}", "branch": "branch {k} of {n}",
           "used": "{x} is used {n} times:", "gradients": "Gradients",
           "proven": "Symbolic proof: the staged gradients minus sympy.diff of the whole expression are 0. Proven.",
           "not_proven": "Symbolic proof: not proven ({reason}).", "not_attempted": "Symbolic proof {reason}."},
    "zh": {"title": "表达式的反向传播：", "at": "取值", "forward": "前向：每个阶段依次写出公式、代入数值、结果",
           "backward": "反向：每个门把上游梯度乘以局部梯度，传给每个输入",
           "gate": "门", "upstream": "上游梯度", "to": "传给 {x}", "branch": "第 {k} 支，共 {n} 支",
           "used": "{x} 被使用 {n} 次：", "gradients": "梯度",
           "proven": "符号证明：分阶段得到的梯度减去 sympy.diff 对整个表达式求导的结果为 0，得证。",
           "not_proven": "符号证明：未能证明（{reason}）。", "not_attempted": "符号证明：{reason}。"},
}


class H(sympy.Function):
    """The unit step as the board writes it, H(x - y) (SymPy's MathML says Heaviside(…, 1/2))."""


def _board(expr):
    return expr.replace(lambda e: isinstance(e, sympy.Heaviside), lambda e: H(e.args[0]))


class StagedHtml:
    """``_print_StagedTrace`` for the HTML printer (mixed into ``TablesHtmlPrinter``)."""

    def _sw(self, key: str, **slots) -> str:
        return escape(WORDS[self._settings["lang"]][key].format(**slots))

    def _is(self, name: str, value) -> str:
        """``name = value`` as inline math."""
        return math(f"{self.f(sympy.Symbol(name))}<mo>=</mo>{self.v(value)}", display="inline")

    def _print_StagedTrace(self, t) -> str:
        typed = escape(" ".join(t.text.split()))
        point = ", ".join(self._is(x, v) for x, v in t.at.items())
        out = ['<section class="trace staged">',
               self.h(f"{self._sw('title')} {self.im(t.output)} = <code>{typed}</code>, {self._sw('at')} {point}"),
               self.h(self._sw("forward"), 1),
               self.steps([self.step(self.chain(s.lhs, s.formula, t.values, s.value, s.lhs.name))
                           for s in t.forward]),
               self.h(self._sw("backward"), 1)]
        items = []
        for gate in reversed(t.gates):
            fan = t.fanout(gate.name)
            if fan is not None:
                items.append(self.step(self._sum(t, fan), text=self._sw("used", x=gate.name, n=len(fan.terms))))
            head = (f"{self._sw('gate')} {math(self.f(sympy.Symbol(gate.name)) + '<mo>=</mo>' + self.f(gate.formula), display='inline')}, "
                    f"{self._sw('upstream')} "
                    + math(self.f(derivative(t.output, gate.name)) + "<mo>=</mo>" + self.v(gate.grad), display="inline"))
            if t.explain and self._settings["lang"] == "en":
                head += f" ({escape(GATE_WORDS[gate.gate])})"
            items.append(self.step(text=head))
            for e in t.edges_of(gate.name):
                local = self.chain(derivative(gate.name, e.child), _board(e.local), t.values, e.local_value, None)
                send = (self.v(e.upstream, paren=True) + "<mo>×</mo>" + self.v(e.local_value, paren=True)
                        + "<mo>=</mo>" + self.v(e.product))
                words = self._sw("to", x=e.child)
                if e.branches > 1:
                    words += f" ({self._sw('branch', k=e.branch, n=e.branches)})"
                items.append(self.step(local, text=f"{words}: {math(send, display='inline')}"))
        out.append(self.steps(items))
        out.append(self.h(self._sw("gradients"), 1))
        grads = []
        for x in t.inputs:
            fan = t.fanout(x)
            grads.append(self.step(self._sum(t, fan) if fan else
                                   self.f(derivative(t.output, x)) + "<mo>=</mo>" + self.v(t.gradient(x))))
        out.append(self.steps(grads))
        if t.proof is not None:
            p = t.proof
            if p.reason and not p.differences:
                line = self._sw("not_attempted", reason=p.reason)
            else:
                line = self._sw("proven") if p.proven else self._sw("not_proven", reason=p.reason)
            out.append(f"<p>{line}</p>")
        out.append("</section>")
        return "\n".join(out)

    def _sum(self, t, fan) -> str:
        terms = "<mo>+</mo>".join(self.v(v, paren=True) for v in fan.terms)
        return self.f(derivative(t.output, fan.node)) + "<mo>=</mo>" + terms + "<mo>=</mo>" + self.v(fan.value)
