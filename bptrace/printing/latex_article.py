r"""The article: the whole example as a document to read, with numbered sections.

Provides ``ArticlePrinter`` (``to_article`` in ``latex_document.py`` is the entry point).
Sections: the network (picture, numbers, a batch's samples), notation and the
simplifications SymPy proves, the forward pass layer by layer, the error, the deltas —
each neuron's δ derived once, output layer first — then the gradients layer by layer:
each parameter under a real heading (``\subsection{$\partial E_{\mathrm{total}}/\partial
w_{5}$}``), its chain-rule paths (a paragraph per path when there are several), their sum,
and the delta form in one line that refers back to the deltas; the proof; the update.
A batch shows each sample's forward pass and deltas, and each gradient as the reduction
of the samples' gradients.

Setting added to ``DocumentPrinter``'s: ``paper`` ("a4paper" or "letterpaper").
"""
from __future__ import annotations

import mpmath

from ..model.numbers import fmt
from .latex_expr import number_latex, symbol_latex
from .latex_lecture import DocumentPrinter, Lecture
from .matrix_latex import article_blocks

PAPERS = ("a4paper", "letterpaper")


class ArticlePrinter(DocumentPrinter):
    _default_settings = {**DocumentPrinter._default_settings, "paper": "a4paper"}

    def _check_settings(self, settings):
        super()._check_settings(settings)
        if settings["paper"] not in PAPERS:
            raise ValueError(f"paper must be one of {', '.join(PAPERS)}, got {settings['paper']!r}")

    def _print_Lecture(self, lec: Lecture) -> str:
        net = lec.network
        out = ["\\begin{document}\n\\maketitle", f"\\section{{{self._w('network')}}}"]
        picture = self.picture_block(net, "0.5\\textheight")
        if picture:
            out.append("\\begin{center}\n" + picture + "\n\\end{center}")
        out.append(self.align(self.network_rows(net)))
        if net.batched:
            out.append(self.align(self.sample_rows(net)))
        out += [f"\\section{{{self._w('notation')}}}", self.align(self.notation_rows(net))]
        if lec.simplifications:
            out += [f"\\subsection{{{self._w('simplifications')}}}",
                    self.align(self.simplification_rows(lec))]
        out.append(f"\\section{{{self._w('forward')}}}")
        errors = []
        for sample, forward, label in self.samples(lec):
            if label:
                out.append(f"\\subsection{{{label.capitalize()}}}")
            for l, steps in self.forward_by_layer(sample, forward):
                rows = [r for s in steps for r in self.step_rows(s, forward.values)]
                if l:
                    out += [f"\\paragraph{{{self._w('layer', l=l).capitalize()}}}", self.align(rows)]
                else:
                    errors.append((label, rows))
        out.append(f"\\section{{{self._w('error')}}}")
        for label, rows in errors:
            out += ([f"\\paragraph{{{label.capitalize()}}}"] if label else []) + [self.align(rows)]
        if net.batched:
            t = lec.forward
            out += [f"\\paragraph{{{self._w('batch').capitalize()}}}",
                    self.align(self.step_rows(t.total, t.values))]
        out += self.deltas_section(lec)
        out += self.gradient_sections(lec)
        out += [f"\\section{{{self._w('one_step')}}}", self.doprint(self.in_textbook_order(lec.update))]
        if lec.matrix is not None:      # the matrix form (printing/matrix_latex.py)
            out += article_blocks(self, lec.matrix)
        out.append("\\end{document}")
        body = "\n\n".join(out)
        head = self.preamble(f"\\documentclass[11pt,{self._settings['paper']}]{{article}}",
                             body + net.name + self._settings["author"] + self._settings["date"],
                             "0.85\\textheight", "\\usepackage[margin=2.5cm]{geometry}\n")
        return head + "\n" + self.title_block(net, subtitle=False) + "\n\n" + body + "\n"

    # ----- the deltas, once ------------------------------------------------------------------
    def _deltas(self, sample, derivations) -> list:
        """Each δ step of the derivations, once, output layer first."""
        found = {}
        for d in derivations:
            for step in d.deltas:
                found.setdefault(step.lhs.name, (step, d.values))
        order = [f"delta_{n}" for names in reversed(sample.names.neurons) for n in names]
        return [found[k] for k in order if k in found]

    def deltas_section(self, lec: Lecture) -> list[str]:
        out = ["\\section{" + self._w("deltas") + "}\\label{sec:deltas}", self._w("deltas_intro")]
        for s, (sample, _, label) in enumerate(self.samples(lec)):
            ds = [d.samples[s] for d in lec.derivations] if lec.network.batched else list(lec.derivations)
            rows = [r for step, values in self._deltas(sample, ds) for r in self.delta_rows(step, values, lec)]
            if label:
                out.append(f"\\paragraph{{{label.capitalize()}}}")
            out.append(self.align(rows))
        return out

    # ----- the gradients ---------------------------------------------------------------------
    def gradient_sections(self, lec: Lecture) -> list[str]:
        net = lec.network
        proofs = dict(zip((d.param for d in lec.derivations), lec.proofs))
        last = len(net.layers) - 1
        out = []
        for l in range(last, -1, -1):
            ds = [d for d in lec.derivations if net.locations[d.param][1] == l]
            if not ds:
                continue
            if l == last:
                title = self._w("output_grads")
            elif len(net.layers) == 2:
                title = self._w("hidden_grads")
            else:
                title = self._w("layer_grads", l=l + 1)
            out.append(f"\\section{{{title}}}")
            for d in ds:
                out.append(f"\\subsection{{{self.title_math('E_total', d.param)}}}")
                out += self.batch_gradient(d) if net.batched else self.gradient(d)
                proof = proofs.get(d.param)
                if proof is not None:
                    out.append(self.doprint(proof))
        return out

    def gradient(self, d) -> list[str]:
        """The paths (a paragraph each when there are several), their sum, the delta form."""
        n = d.path_count
        out = [f"{self._w('chain').capitalize()}: {n} {self._w('path' if n == 1 else 'paths')} "
               + self._w("from_to", param=self._m(d.param), loss=self._m(d.loss_symbol)) + "."]
        if d.summarised:
            out.append(self._w("summarised", n=n))
        for i, path in enumerate(d.paths, 1):
            route = "$" + r" \to ".join(symbol_latex(x) for x in path.nodes) + "$"
            block = self.align(self.path_rows(d, i, path))
            if n > 1:   # the path's heading and its working on one page
                block = (f"\\medskip\\noindent\\begin{{minipage}}{{\\linewidth}}\n\\paragraph{{"
                         f"{self._w('path_of', i=i, n=n).capitalize()}}} {route}\n{block}\n"
                         f"\\end{{minipage}}\\medskip")
            out.append(block)
        if d.path_count > 1 and not d.summarised:
            out += [self._w("sum", n=d.path_count) + ":", self.align(self.sum_rows(d))]
        out += self.delta_line(d)
        return out

    def delta_line(self, d, label: str = "") -> list[str]:
        """∂E/∂w = δ·input with its numbers, the δ referred to the deltas section."""
        delta = d.deltas[-1].lhs.name if d.deltas else None
        where = self._w("delta_from", delta=self._m(delta)) if delta else ""
        out = [f"{self._w('delta')}, {where}:" if where else f"{self._w('delta')}:",
               self.align(self.step_rows(d.gradient, d.values))]
        if not d.summarised:
            diff = abs(d.path_sum - d.value)
            ok = diff <= mpmath.mpf(10) ** (-40) * max(1, abs(d.value))
            out.append(self._w("agree" if ok else "disagree", diff=f"${number_latex(fmt(diff, 3))}$"))
        return out

    def batch_gradient(self, d) -> list[str]:
        out = []
        n = len(d.samples)
        for s, sample in enumerate(d.samples, 1):
            out.append(f"\\paragraph{{{self._w('sample_of', s=s, n=n).capitalize()}}}")
            out += self.delta_line(sample)[:2]
        values = {**d.values, **{f"d({x.loss_symbol})/d({d.param})": x.value for x in d.samples}}
        out += [f"\\paragraph{{{self._w('batch').capitalize()}}}",
                self.align(self.step_rows(d.gradient, values))]
        return out
