r"""The beamer deck: one idea per frame, titles that read as sentences.

Provides ``BeamerPrinter`` (``to_slides`` in ``latex_document.py`` is the entry point).
Frames, in order: the title; the network as a picture (a frame of its own when a
``picture`` hook is given, scaled to fit and never enlarged, left out when its labels would
come out under 8 pt); the network's numbers (and a batch's samples); the notation and the simplifications SymPy proves; the
forward pass layer by layer (sample by sample for a batch) and the error; for each chosen
parameter, each chain-rule path factorised and then with its numbers ("∂E_total/∂w1: path
1 of 2, with the numbers"), the sum, the delta form; for a batch, each sample's derivation
and then the reduction; the update — the rule, the table (split over frames titled
"The update (1 of 3)" when long), the error before and after.

Settings added to ``DocumentPrinter``'s: ``aspect`` ("169", "1610", "149", "43"),
``pause`` (reveal each row), ``max_rows`` (rows of working per frame, default 8) and
``table_rows`` (update-table rows per frame, default 10).
"""
from __future__ import annotations

import sympy

from .latex_expr import derivative, formula_latex, symbol_latex
from .latex_lecture import DocumentPrinter, Lecture
from .matrix_latex import beamer_frames

ASPECTS = ("169", "1610", "149", "43")


def _positive(settings, key):
    value = settings[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{key} must be a positive integer, got {value!r}")


class BeamerPrinter(DocumentPrinter):
    _default_settings = {**DocumentPrinter._default_settings, "aspect": "169", "pause": False,
                         "max_rows": 8, "table_rows": 10}

    def _check_settings(self, settings):
        super()._check_settings(settings)
        if settings["aspect"] not in ASPECTS:
            raise ValueError(f"aspect must be one of {', '.join(ASPECTS)}, got {settings['aspect']!r}")
        _positive(settings, "max_rows")
        _positive(settings, "table_rows")

    def frame(self, title: str, *blocks: str, options: str = "") -> str:
        sep = "\n\\pause\n" if self._settings["pause"] else "\n"
        body = sep.join(b for b in blocks if b)
        head = f"\\begin{{frame}}{options}" + (f"\n\\frametitle{{{title}}}" if title else "")
        return f"{head}\n{body}\n\\end{{frame}}"

    def rows_frames(self, title: str, groups: list[list[str]], limit: int = 0) -> list[str]:
        """Groups of rows (one step each, kept together) over as many frames as it takes,
        at most ``max_rows`` rows a frame; later frames say "(2 of 3)"."""
        n = limit or self._settings["max_rows"]
        chunks = [[]]
        for group in groups:
            if chunks[-1] and len(chunks[-1]) + len(group) > n:
                chunks.append([])
            chunks[-1] += group
        return [self.frame(self._part(title, i, len(chunks)), self.align(chunk, self._settings["pause"]))
                for i, chunk in enumerate(chunks, 1)]

    def _part(self, title: str, i: int, n: int) -> str:
        return title if n == 1 else f"{title} ({self._w('part', i=i, n=n)})"

    # ----- the deck ------------------------------------------------------------------------
    def _print_Lecture(self, lec: Lecture) -> str:
        net = lec.network
        self._lec = lec
        frames = ["\\begin{frame}\n\\titlepage\n\\end{frame}"]
        picture = self.picture_code(net)
        if picture:     # measured first: the frame is left out if its labels would be under 8 pt;
            # the picture's own title heads it, so no frame title over it
            # a plain frame has no head or foot: the picture may take the whole page, bar a
            # few millimetres (measured against the paper, not the text block)
            frames.append("\\begingroup\\setlength\\linewidth{\\dimexpr\\paperwidth-6mm\\relax}"
                          "\\bptracemeasure{\\dimexpr\\paperheight-6mm\\relax}{" + picture.strip() + "}"
                          "\\global\\setbox\\bptracepicbox=\\box\\bptracepicbox"
                          "\\ifbptracepicfits\\global\\bptracepicfitstrue\\else\\global\\bptracepicfitsfalse\\fi"
                          "\\endgroup\n"
                          "\\ifbptracepicfits\n"
                          + self.frame("", "\\centering\n\\makebox[\\linewidth][c]{\\usebox\\bptracepicbox}",
                                       options="[plain,c]")
                          + "\n\\fi")
        frames.append(self.frame(self._w("network"), self.align(self.network_rows(net))))
        if net.batched:
            frames.append(self.frame(f"{self._w('network')}: {self._w('samples')}",
                                     self.align(self.sample_rows(net))))
        neurons, error = self.notation_parts(net)
        if len(neurons) + len(error) <= self._settings["max_rows"]:
            frames.append(self.frame(self._w("notation"), self.align(neurons + error)))
        else:
            frames += [self.frame(f"{self._w('notation')}: {self._w(key)}", self.align(rows))
                       for key, rows in (("the_neurons", neurons), ("the_error", error))]
        if lec.simplifications:
            frames.append(self.frame(self._w("simplifications"), self.align(self.simplification_rows(lec))))
        for sample, forward, label in self.samples(lec):
            for l, steps in self.forward_by_layer(sample, forward):
                title = self._w("forward_layer", l=l) if l else self._w("error")
                groups = [self.compact_rows(s, forward.values) for s in steps]
                frames += self.rows_frames(f"{title}, {label}" if label else title, groups)
        if net.batched:
            t = lec.forward
            frames.append(self.frame(f"{self._w('error')}: {self._w('batch')}",
                                     self.align(self.step_rows(t.total, t.values))))
        for d in lec.derivations:
            frames += self.batch_frames(d) if net.batched else self.derivation_frames(d)
        frames += self.update_frames(lec.update)
        if lec.matrix is not None:      # the matrix form, one frame per step
            frames += beamer_frames(self, lec.matrix)
        head = self.preamble(f"\\documentclass[aspectratio={self._settings['aspect']}]{{beamer}}",
                             "\n".join(frames) + net.name + self._settings["author"] + self._settings["date"],
                             "0.82\\textheight")
        head += ("\n\\setbeamertemplate{navigation symbols}{}\n\\usefonttheme[onlymath]{serif}\n"
                 "\\setbeamersize{text margin left=6mm,text margin right=6mm}\n"
                 "\\setbeamerfont{frametitle}{size=\\large}\n" + self.title_block(net, subtitle=True))
        return "\n".join([head, "\\begin{document}"] + frames + ["\\end{document}"]) + "\n"

    def compact_rows(self, step, values) -> list[str]:
        """A step in at most two rows: lhs = formula, then = numbers = value."""
        rows = self.step_rows(step, values)
        return rows if len(rows) < 3 else [rows[0], f"{rows[1]} {rows[2][1:]}"]

    def derivation_frames(self, d, label: str = "") -> list[str]:
        """Each path on two frames (factorised; with the numbers), the sum, the delta form."""
        target = self.title_math(d.loss_symbol, d.param)
        if label:
            target = f"{label}: {target}"
        pause = self._settings["pause"]
        frames = []
        if d.summarised:
            frames.append(self.frame(target, self._w("summarised", n=d.path_count)))
        for i, path in enumerate(d.paths, 1):
            which = "" if d.path_count == 1 else f": {self._w('path_of', i=i, n=d.path_count)}"
            rows = self.path_rows(d, i, path)
            formulas = [f"{formula_latex(derivative(f.of, f.wrt))} &= {formula_latex(f.formula)}"
                        for f in path.factors]
            route = "$" + r" \to ".join(symbol_latex(n) for n in path.nodes) + "$"
            frames.append(self.frame(f"{target}{which}, {self._w('factorised')}",
                                     "\\begin{center}\n" + route + "\n\\end{center}",
                                     self.align([rows[0]] + formulas, pause)))
            numbers = []
            for f in path.factors:
                parts = self._chain(f.formula, f.formula, d.values, f.value)
                shown = parts[1:] or parts
                numbers.append(f"{formula_latex(derivative(f.of, f.wrt))} &= " + " = ".join(shown))
            lhs, product = rows[-1].split(" &= ", 1)
            product, value = product.rsplit(" = ", 1)
            frames.append(self.frame(f"{target}{which}, {self._w('with_numbers')}",
                                     self.align(numbers + [f"{lhs} &= {product}", f"&= {value}"], pause)))
        if d.path_count > 1 and not d.summarised:
            frames.append(self.frame(f"{target}: {self._w('sum', n=d.path_count).lower()}",
                                     self.align(self.sum_rows(d), pause)))
        groups = [self.delta_rows(s, d.values, self._lec) for s in d.deltas]
        groups.append(self.step_rows(d.gradient, d.values))
        frames += self.rows_frames(f"{target}: {self._w('delta').lower()}", groups)
        return frames

    def batch_frames(self, d) -> list[str]:
        """A batch's gradient: each sample's delta form, then the reduction."""
        frames = []
        n = len(d.samples)
        for s, sample in enumerate(d.samples, 1):
            groups = [self.delta_rows(x, sample.values, self._lec) for x in sample.deltas]
            groups.append(self.step_rows(sample.gradient, sample.values))
            frames += self.rows_frames(f"{self.title_math(sample.loss_symbol, sample.param)}, "
                                       f"{self._w('sample_of', s=s, n=n)}", groups)
        values = {**d.values, **{f"d({x.loss_symbol})/d({d.param})": x.value for x in d.samples}}
        frames.append(self.frame(f"{self.title_math('E_total', d.param)}: {self._w('batch')}",
                                 self.align(self.step_rows(d.gradient, values))))
        return frames

    def update_frames(self, t) -> list[str]:
        loss = "E_total"
        rule = (f"\\[{formula_latex(sympy.Symbol('w'))}^{{+}} = w - \\eta \\cdot "
                f"{formula_latex(derivative(loss, 'w'))},\\qquad \\eta = {self._fmt(t.learning_rate)}\\]")
        tail = self._w("before_after", loss=self._m(loss), before=f"${self._fmt(t.loss_before)}$",
                       after=f"${self._fmt(t.network.loss_value)}$") + "."
        t = self.in_textbook_order(t)
        ups = t.updates
        count = -(-len(ups) // self._settings["table_rows"])      # frames needed
        n = -(-len(ups) // count)                                 # rows each, balanced
        chunks = [ups[i:i + n] for i in range(0, len(ups), n)]
        frames = []
        for i, chunk in enumerate(chunks, 1):
            part = type(t)(t.learning_rate, chunk, t.loss_before, t.network)
            frames.append(self.frame(self._part(self._w("update_table"), i, len(chunks)),
                                     rule if i == 1 else "",
                                     "\\begin{center}\\small\n" + self.update_table(part) + "\n\\end{center}",
                                     "\\begin{center}\n" + tail + "\n\\end{center}" if i == len(chunks) else ""))
        return frames
