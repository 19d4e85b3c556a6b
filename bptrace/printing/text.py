"""The terminal printer: traces as a worked example on the board.

Provides ``TextPrinter`` and ``to_text(trace, **settings)``. Each step is written three
ways — the formula, the numbers substituted, the value — one line each. Settings:
``digits`` (significant digits shown, default 9), ``color`` (bold headings; the CLI
turns it on and click removes it when the output is not a terminal) and ``lang`` ("en" or
"zh": the words of ``text_words.py`` for the network traces).
"""
from __future__ import annotations

import mpmath

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
from .expr import chain_parts, formula, numbers
from .text_words import LANGS, TEXT_WORDS


class TextPrinter(Printer):
    _default_settings = {"digits": 9, "decimals": None, "color": False, "indent": "  ", "lang": "en"}

    def _check_settings(self, settings):
        digits, decimals = settings["digits"], settings["decimals"]
        if not isinstance(digits, int) or not 1 <= digits <= 40:
            raise ValueError(f"digits must be an integer from 1 to 40, got {digits!r}")
        if decimals is not None and (not isinstance(decimals, int) or not 0 <= decimals <= 40):
            raise ValueError(f"decimals must be an integer from 0 to 40, got {decimals!r}")
        if settings["lang"] not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {settings['lang']!r}")

    # ----- helpers -------------------------------------------------------------------------
    def _fmt(self, x) -> str:
        memo = self.__dict__.setdefault("_fmt_memo", {})
        try:
            key = (type(x), x)
            text = memo.get(key)
        except TypeError:        # unhashable: not memoised
            return fmt(x, self._settings["digits"], self._settings["decimals"])
        if text is None:
            text = memo[key] = fmt(x, self._settings["digits"], self._settings["decimals"])
        return text

    def _factor_texts(self, f, values) -> tuple[str, str, str]:
        """A path factor's formula, numbers and value, written once per factor object (a
        network's derivations share them)."""
        memo = self.__dict__.setdefault("_factor_memo", {})
        hit = memo.get((id(f), id(values)))
        if hit is None:
            texts = (formula(f.formula), self._numbers(f.formula, values), self._fmt(f.value))
            hit = memo[(id(f), id(values))] = (f, values, texts)
        return hit[2]

    def _w(self, key: str, **slots) -> str:
        return TEXT_WORDS[self._settings["lang"]][key].format(**slots)

    def _numbers(self, expr, values) -> str:
        return numbers(expr, values, self._settings["digits"], self._settings["decimals"])

    def _heading(self, text: str) -> str:
        if self._settings["color"]:
            return f"\x1b[1m{text}\x1b[0m"
        return text

    def _step_lines(self, step: Step, values, indent: str) -> list[str]:
        """lhs = formula / = numbers / = value, aligned on the equals sign."""
        lhs = formula(step.lhs)
        pad = " " * len(lhs)
        parts = chain_parts(formula(step.formula), self._numbers(step.formula, values),
                            self._fmt(step.value))
        lines = [f"{lhs} = {parts[0]}"] + [f"{pad} = {p}" for p in parts[1:]]
        return [indent + line for line in lines]

    def _shared_step_lines(self, step: Step, values, indent: str) -> list[str]:
        """``_step_lines``, written once per step object: the derivations of one network
        share their δ steps (``derive --all`` on a 32-32-32-10 net shows 57,354 δ lines of
        106 neurons). The memo holds the step and the values, so their ids stay theirs."""
        memo = self.__dict__.setdefault("_step_memo", {})
        key = (id(step), id(values), indent)
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = (step, values, self._step_lines(step, values, indent))
        return hit[2]

    # ----- traces ----------------------------------------------------------------------------
    def _print_ForwardTrace(self, trace: ForwardTrace) -> str:
        ind = self._settings["indent"]
        out = [self._heading(self._w("forward_head", name=trace.network))]
        for step in trace.steps:
            out += self._step_lines(step, trace.values, ind)
        return "\n".join(out)

    def _print_Derivation(self, d: Derivation) -> str:
        ind = self._settings["indent"]
        target = f"∂{d.loss_symbol}/∂{d.param}"
        plural = self._w("path" if d.path_count == 1 else "paths")
        out = [self._heading(self._w("chain_head", target=target, n=d.path_count, paths=plural,
                                     param=d.param, loss=d.loss_symbol))]
        if d.summarised:
            out.append(f"{ind}{self._w('summarised', n=d.path_count)}")
        for i, path in enumerate(d.paths, 1):
            if d.path_count > 1:
                out.append(f"{ind}{self._w('path_line', i=i, route=' → '.join(path.nodes))}")
            leibniz = " × ".join(f"∂{f.of}/∂{f.wrt}" for f in path.factors)
            out.append(f"{ind}{target} = {leibniz}" if d.path_count == 1 else f"{ind}{ind}{leibniz}")
            labels = [f"∂{f.of}/∂{f.wrt}" for f in path.factors]
            width = max(map(len, labels))
            for label, f in zip(labels, path.factors):
                text, subst, value = self._factor_texts(f, d.values)
                line = f"{ind}{ind}{label.ljust(width)} = {text}"
                if subst not in (text, value):
                    line += f" = {subst}"
                if value != text:
                    line += f" = {value}"
                out.append(line)
            product = " × ".join(self._paren(f.value) for f in path.factors)
            lead = f"{ind}{target} = " if d.path_count == 1 else f"{ind}{ind}= "
            out.append(f"{lead}{product} = {self._fmt(path.value)}")
        if d.path_count > 1 and not d.summarised:
            out.append(f"{ind}{self._w('sum_line', n=d.path_count)}")
            terms = " + ".join(self._paren(p.value) for p in d.paths)
            out.append(f"{ind}{ind}{target} = {terms} = {self._fmt(d.path_sum)}")
        out.append(self._heading(self._w("delta_head", loss=d.loss_symbol)))
        for step in d.deltas:
            out += self._shared_step_lines(step, d.values, ind)
        out += self._step_lines(d.gradient, d.values, ind)
        if not d.summarised:
            diff = abs(d.path_sum - d.value)
            verdict = self._w("agree" if diff <= mpmath.mpf(10) ** (-40) * max(1, abs(d.value)) else "disagree")
            out.append(f"{ind}{self._w('agree_line', verdict=verdict, diff=fmt(diff, 3))}")
        return "\n".join(out)

    def _paren(self, x) -> str:
        text = self._fmt(x)
        return f"({text})" if text.startswith("-") else text

    def _print_Proof(self, p: Proof, loss: str = "E_total", sample: str = "") -> str:
        head = self._w("proof_head", param=p.param, loss=loss, sample=sample)
        if p.reason:
            return self._w("proof_reason", head=head, reason=p.reason)
        verdict = self._w("proven") if p.proven else self._w("not_zero", diff=formula(p.difference))
        return f"{head} {verdict}"

    def _print_UpdateTrace(self, t: UpdateTrace) -> str:
        ind = self._settings["indent"]
        fixed = [u.param for u in t.updates if not u.updated]
        note = self._w("old_params")
        if fixed:
            note += self._w("fixed_note", names=", ".join(fixed))
        out = [self._heading(self._w("descent_head", eta=self._fmt(t.learning_rate), note=note))]
        width = max(len(u.param) for u in t.updates) + 1
        for u in t.updates:
            name = f"{u.param}⁺".ljust(width)
            if u.updated:
                out.append(f"{ind}{name} = {u.param} - η·∂E_total/∂{u.param} = "
                           f"{self._fmt(u.old)} - {self._fmt(t.learning_rate)}·{self._paren(u.grad)} "
                           f"= {self._fmt(u.new)}")
            else:
                out.append(f"{ind}{name} = {u.param} = {self._fmt(u.old)}  "
                           + self._w("kept_fixed_line", param=u.param, grad=self._fmt(u.grad)))
        after = t.network.loss_value
        out.append(f"{ind}{self._w('before_after', before=self._fmt(t.loss_before), after=self._fmt(after))}")
        return "\n".join(out)

    def _print_TrainTrace(self, t: TrainTrace) -> str:
        ind = self._settings["indent"]
        rule = t.rule
        parts = [f"η = {self._fmt(t.learning_rate)}",
                 self._w("biases_updated" if rule["update_biases"] else "biases_fixed")]
        if rule.get("optimizer"):
            hyper = ", ".join(f"{k} = {v}" for k, v in rule["hyper"].items() if k != "lr")
            parts.insert(0, self._w("convention", optimizer=rule["optimizer"], convention=rule["convention"])
                         + (f" ({hyper})" if hyper else ""))
        if rule.get("schedule"):
            sched = rule["schedule"]
            parts.append(self._w("schedule", kind=sched["kind"], options=", ".join(
                f"{k} = {v}" for k, v in sched.items() if k not in ("kind", "lr"))))
        if rule["sequential"]:
            parts.append(self._w("sequential"))
        if rule["report"] == "before":
            parts.append(self._w("report_before"))
        parts.append(self._w("exact" if t.exact else "float64"))
        out = [self._heading(self._w("training_head", n=t.rounds, parts=self._w("sep").join(parts)))]
        width = len(str(t.rounds))
        out.append(f"{ind}{self._w('round').rjust(max(width, 5))}  E_total")
        for r, v in t.losses:
            out.append(f"{ind}{str(r).rjust(max(width, 5))}  {self._fmt(v)}")
        outs = ", ".join(f"{k} = {self._fmt(v)}" for k, v in t.outputs.items())
        out.append(f"{ind}{self._w('outputs_after', outputs=outs)}")
        return "\n".join(out)

    def _print_BatchForwardTrace(self, t) -> str:
        out = []
        for s, trace in enumerate(t.samples, 1):
            body = self._print_ForwardTrace(trace).split("\n", 1)[1]
            out.append(self._heading(self._w("sample_forward", name=t.network, s=s, n=len(t.samples))))
            out.append(body)
        out.append(self._heading(self._w("batch_error", reduction=t.reduction, n=len(t.samples))))
        out += self._step_lines(t.total, t.values, self._settings["indent"])
        return "\n".join(out)

    def _print_BatchDerivation(self, d) -> str:
        out = []
        for s, sample in enumerate(d.samples, 1):
            out.append(self._heading(self._w("sample", s=s, n=len(d.samples))))
            out.append(self._print_Derivation(sample))
        out.append(self._heading(self._w("batch_gradient", reduction=d.reduction, n=len(d.samples))))
        out += self._step_lines(d.gradient, d.values, self._settings["indent"])
        return "\n".join(out)

    def _print_CheckReport(self, r) -> str:
        ind = self._settings["indent"]
        head = self._w("check_head", name=r.network, rtol=f"{r.rtol:g}", atol=f"{r.atol:g}")
        width = max(len(row.quantity) for row in r.rows)
        out = [self._heading(head),
               f"{ind}{self._w('quantity').ljust(width)}  {'bptrace':>22}  {'torch':>22}  {'|diff|':>8}  {'rel':>8}"]
        for row in r.rows:
            verdict = self._w("ok" if row.ok else "differs")
            out.append(f"{ind}{row.quantity.ljust(width)}  {mpmath.nstr(row.ours, 17):>22}  "
                       f"{row.theirs!r:>22}  {row.abs_diff:8.1e}  {row.rel_diff:8.1e}  {verdict}")
        n_bad = len(r.failures)
        out.append(f"{ind}{self._w('all_agree', n=len(r.rows))}" if not n_bad
                   else f"{ind}{self._w('some_differ', bad=n_bad, n=len(r.rows))}")
        return "\n".join(out)

    def _print_BatchPlan(self, p) -> str:
        ind = self._settings["indent"]
        n, b = p.samples, p.batch_size
        out = [self._heading(f"{n} samples, batch size {b}, {p.epochs} epochs"
                             + (" (drop_last)" if p.drop_last else ""))]
        if p.drop_last:
            out.append(f"{ind}iterations per epoch = ⌊{n} / {b}⌋ = {p.per_epoch}"
                       + (f"  ({p.remainder} samples skipped each epoch)" if p.remainder else ""))
        else:
            out.append(f"{ind}iterations per epoch = ⌈{n} / {b}⌉ = {p.per_epoch}"
                       + (f"  ({p.full_batches} full batches + one of {p.remainder})" if p.remainder else ""))
        out.append(f"{ind}iterations in {p.epochs} epochs = {p.per_epoch} × {p.epochs} = {p.total}")
        return "\n".join(out)

    def _print_TrainingComparison(self, c) -> str:
        ind = self._settings["indent"]
        verdict = "agree" if c.ok else "DIFFER"
        return "\n".join([
            self._heading(f"Checked against {c.against} (float64), {c.rounds} rounds"),
            f"{ind}largest difference in E_total, over every round: {c.max_loss_diff:.1e}",
            f"{ind}largest difference in a parameter at the end: {c.max_param_diff:.1e} ({c.worst_param})",
            f"{ind}bptrace and torch {verdict} (tolerance {c.rtol:g}, relative above 1)"])

    def _print_list(self, items) -> str:
        return "\n\n".join(self.doprint(i) for i in items)

    def _print_tuple(self, items) -> str:
        if len(items) > 1 and all(isinstance(i, Proof) for i in items):   # a batch: one per sample
            n = len(items)
            return "\n".join(self._print_Proof(p, f"E_{s}", f", sample {s} of {n}")
                             for s, p in enumerate(items, 1))
        return self._print_list(items)


# ``bptrace loss`` traces (lessons/loss_trace.py), printed by printing/loss_text.py
from .loss_text import print_loss_trace, print_softmax_proof  # noqa: E402

TextPrinter._print_LossTrace = print_loss_trace
TextPrinter._print_SoftmaxProof = print_softmax_proof

# the matrix form (calculus/matrix.py), printed by printing/matrix_text.py
from .matrix_text import print_matrix_trace  # noqa: E402

TextPrinter._print_MatrixTrace = print_matrix_trace
