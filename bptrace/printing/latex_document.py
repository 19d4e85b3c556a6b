"""Whole LaTeX documents for one network: a standalone article and a beamer deck.

Provides:
- ``Lecture`` and ``lecture(net)`` — the traces a document walks through (forward pass,
  every gradient with its proof, one update), gathered from the library once;
- ``ArticlePrinter`` / ``to_article(net, **settings)`` — an ``article``: the network,
  notation, forward pass, error, output-layer gradients, hidden-layer gradients over all
  paths, the update;
- ``BeamerPrinter`` / ``to_slides(net, **settings)`` — a ``beamer`` deck, one idea per
  frame: the network, notation, the forward pass layer by layer, the error, ∂E/∂w of an
  output weight factorised and then with its numbers, a hidden weight path by path, the
  sum, the delta form, the update table. ``pause=True`` reveals each row with ``\\pause``.

Both build on ``LatexPrinter`` (the same rows as the fragments) and add settings:
``paper`` (article), ``aspect`` (beamer), and ``picture`` — the hook for a network
diagram: ``None``, or a callable ``picture(net) -> str`` returning LaTeX (e.g. a
``tikzpicture``) that is placed in the network section/frame; ``tikz`` is loaded when
it is set. Every math block goes through ``\\bptracefit``, which shrinks a block wider
than the line (or, on a slide, taller than ``\\bptracemaxheight``) and says so in the
log — so a large network still compiles without overfull boxes. Output is deterministic:
no dates, and pdfTeX is told to omit its timestamps and trailer ID.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import sympy

from ..errors import SpecError
from ..model.activations import ACTIVATIONS
from ..model.loss_table import LOSSES
from .latex import WORDS, LatexPrinter, _check_common
from .latex_expr import derivative, escape_text, formula_latex, symbol_latex
from .latex_zh import CJK_PREAMBLE

WORDS["en"].update({
    "title": "Backpropagation, step by step",
    "network": "The network", "notation": "Notation",
    "inputs": "inputs", "targets": "targets", "learning_rate": "learning rate",
    "layer": "layer {l}", "forward_layer": "Forward pass: layer {l}",
    "error": "The error", "output_grads": "Output-layer gradients",
    "hidden_grads": "Hidden-layer gradients", "layer_grads": "Gradients of layer {l}",
    "factorised": "factorised", "with_numbers": "with the numbers",
    "one_step": "One step of gradient descent", "update_table": "The update",
    "all_paths": "all paths", "continued": "continued",
    "picture": "The network as a picture.",
    "net_is": r"the weighted sum into a neuron", "out_is": "its activation",
    "delta_is": "the error's sensitivity to a neuron's net input",
})

_FIT = r"""\newsavebox\bptracebox
\newlength\bptracemaxheight
\setlength\bptracemaxheight{%s}
%% \bptracefit{math}: the block at natural size, shrunk (and logged) only when too large
\newcommand\bptracefit[1]{%%
  \sbox\bptracebox{$\displaystyle #1$}%%
  \ifdim\wd\bptracebox>\linewidth
    \typeout{bptrace: block scaled to the line width on page \thepage}%%
    \sbox\bptracebox{\resizebox{\linewidth}{!}{\usebox\bptracebox}}\fi
  \ifdim\dimexpr\ht\bptracebox+\dp\bptracebox\relax>\bptracemaxheight
    \typeout{bptrace: block scaled to the frame height on page \thepage}%%
    \sbox\bptracebox{\resizebox*{!}{\bptracemaxheight}{\usebox\bptracebox}}\fi
  \usebox\bptracebox}"""

_REPRODUCIBLE = r"""\ifdefined\pdftrailerid \pdftrailerid{}\pdfinfoomitdate=1 \fi"""

PAPERS = ("a4paper", "letterpaper")
ASPECTS = ("169", "1610", "149", "43")


@dataclass(frozen=True)
class Lecture:
    """What a document shows, as traces: computed by the library, only printed here."""

    network: object
    forward: object
    derivations: tuple          # one Derivation per parameter, in the network's order
    proofs: tuple               # one Proof per parameter (empty when not proving)
    update: object
    matrix: object = None       # the matrix form (BP1–BP4 and the update), when asked for


def lecture(net, max_paths: int = 16, prove: bool = True, matrix: bool = False) -> Lecture:
    if net.batched:
        raise SpecError("latex", "documents walk through one sample; this network has a batch "
                        "(derive --format latex gives each sample's fragments)")
    params = list(net.locations)
    return Lecture(net, net.forward(), tuple(net.derive(p, max_paths=max_paths) for p in params),
                   tuple(net.prove(p) for p in params) if prove else (),
                   net.step(), _matrix_form(net) if matrix else None)


def _matrix_form(net):
    from ..calculus.matrix import matrix_form
    return matrix_form(net, "update")


class _DocumentPrinter(LatexPrinter):
    """Shared by the article and the deck: fitted math blocks, the network, notation."""

    _default_settings = {**LatexPrinter._default_settings, "picture": None}

    def _check_settings(self, settings):
        _check_common(settings)
        picture = settings["picture"]
        if picture is not None and not callable(picture):
            raise ValueError(f"picture must be None or a callable picture(net) -> str, got {picture!r}")

    def fonts(self) -> str:
        """The font packages: T1 Latin Modern for pdflatex; ctex (XeLaTeX) for Chinese."""
        if self._settings["lang"] == "zh":
            return CJK_PREAMBLE
        return "\\usepackage[T1]{fontenc}\n\\usepackage{lmodern}\n"

    def align(self, rows, pause: bool = False) -> str:
        sep = " \\\\ \\pause\n" if pause else " \\\\\n"
        return ("\\[\\bptracefit{\\begin{aligned}\n" + sep.join(rows) + "\n\\end{aligned}}\\]")

    # ----- the network and the notation, as rows --------------------------------------------
    def _assign(self, name: str, value) -> str:
        return f"{symbol_latex(name)} = {self._fmt(value)}"

    def network_rows(self, net) -> list[str]:
        vals = net.values
        rows = [rf"\text{{{self._w('inputs')}}} &\quad "
                + r",\ ".join(self._assign(n, vals[n]) for n in net.names.inputs)]
        for l, layer in enumerate(net.layers):
            act = formula_latex(ACTIVATIONS[layer.activation].formula(sympy.Symbol("net")))
            for j, neuron in enumerate(net.names.neurons[l]):
                label = (rf"\text{{{self._w('layer', l=l + 1)}}},\ {act}" if j == 0 else "")
                names = list(net.names.weights[l][j])
                if layer.bias is not None:
                    names.append(net.names.biases[l][0 if layer.shared_bias else j])
                rows.append(f"{label} &\\quad {symbol_latex('net_' + neuron)}: "
                            + r",\ ".join(self._assign(n, vals[n]) for n in names))
        rows.append(rf"\text{{{self._w('targets')}}} &\quad "
                    + r",\ ".join(self._assign(f"target_{o}", vals[f"target_{o}"]) for o in net.outputs))
        rows.append(rf"\text{{{self._w('learning_rate')}}} &\quad \eta = {self._fmt(net.learning_rate)}")
        return rows

    def notation_rows(self, net) -> list[str]:
        S = sympy.Symbol
        x, o = S("net"), S("out")
        rows = [rf"{formula_latex(x)} &= \sum_k w_k x_k + b && \text{{{self._w('net_is')}}}"]
        seen = []
        for layer in net.layers:
            if layer.activation in seen:
                continue
            seen.append(layer.activation)
            act = ACTIVATIONS[layer.activation]
            f = act.formula(x)
            rows.append(f"{formula_latex(o)} &= {formula_latex(f)}"
                        + (f" = {formula_latex(f.rewrite(sympy.exp))}" if f.rewrite(sympy.exp) != f else "")
                        + rf" && \text{{{self._w('out_is')}}}")
            if isinstance(f, sympy.Function):
                rows.append(f"{formula_latex(sympy.Derivative(f, x))} &= "
                            f"{formula_latex(act.derivative(x, o))}")
        loss = LOSSES[net.loss]
        term = loss.term(S("target"), o)
        rows.append(f"{formula_latex(S('E_o'))} &= {formula_latex(term)}")
        outs = [S(f"E_{n}") for n in net.outputs]
        rows.append(f"{formula_latex(S('E_total'))} &= {formula_latex(loss.total(outs))}")
        rows.append(rf"\delta_{{j}} &= \frac{{\partial {symbol_latex('E_total')}}}"
                    rf"{{\partial {symbol_latex('net_j')}}} && \text{{{self._w('delta_is')}}}")
        return rows

    def picture_code(self, net) -> Optional[str]:
        picture = self._settings["picture"]
        return None if picture is None else picture(net)

    def forward_by_layer(self, lec: Lecture) -> list[tuple[int, list]]:
        """(layer number, its forward steps); the error steps are the rest."""
        out = []
        steps = list(lec.forward.steps)
        for l, names in enumerate(lec.network.names.neurons):
            out.append((l + 1, steps[:2 * len(names)]))
            steps = steps[2 * len(names):]
        return out + [(0, steps)]


class ArticlePrinter(_DocumentPrinter):
    _default_settings = {**_DocumentPrinter._default_settings, "paper": "a4paper"}

    def _check_settings(self, settings):
        super()._check_settings(settings)
        if settings["paper"] not in PAPERS:
            raise ValueError(f"paper must be one of {', '.join(PAPERS)}, got {settings['paper']!r}")

    def _print_Lecture(self, lec: Lecture) -> str:
        net = lec.network
        tikz = "\\usepackage{tikz}\n\\usetikzlibrary{arrows.meta}\n" if self._settings["picture"] else ""
        out = [f"\\documentclass[11pt,{self._settings['paper']}]{{article}}",
               _REPRODUCIBLE,
               self.fonts() + "\\usepackage{amsmath}\n"
               "\\usepackage{graphicx}\n\\usepackage[margin=2.5cm]{geometry}\n" + tikz
               + _FIT % "\\textheight",
               f"\\title{{{self._w('title')}}}\n\\author{{{escape_text(net.name)}}}\n\\date{{}}",
               "\\begin{document}\n\\maketitle",
               f"\\section{{{self._w('network')}}}"]
        picture = self.picture_code(net)
        if picture:
            out.append("\\begin{center}\n" + picture + "\n\\end{center}")
        out.append(self.align(self.network_rows(net)))
        out += [f"\\section{{{self._w('notation')}}}", self.align(self.notation_rows(net))]
        out.append(f"\\section{{{self._w('forward')}}}")
        for l, steps in self.forward_by_layer(lec):
            rows = [r for s in steps for r in self.step_rows(s, lec.forward.values)]
            if l:
                out += [f"\\subsection*{{{self._w('layer', l=l).capitalize()}}}", self.align(rows)]
            else:
                out += [f"\\section{{{self._w('error')}}}", self.align(rows)]
        proofs = dict((p.param, p) for p in lec.proofs)
        last = len(net.layers) - 1
        for l in range(last, -1, -1):
            if l == last:
                title = self._w("output_grads")
            elif len(net.layers) == 2:
                title = self._w("hidden_grads")
            else:
                title = self._w("layer_grads", l=l + 1)
            out.append(f"\\section{{{title}}}")
            for d in lec.derivations:
                if net.locations[d.param][1] != l:
                    continue
                out.append(f"\\subsection*{{${formula_latex(derivative(d.loss_symbol, d.param))}$}}")
                out.append(self.doprint(d))
                if d.param in proofs:
                    out.append("\n" + self.doprint(proofs[d.param]))
        out += [f"\\section{{{self._w('one_step')}}}", self.doprint(lec.update)]
        if lec.matrix is not None:      # issue 16: the matrix form (printing/matrix_latex.py)
            from .matrix_latex import article_blocks
            out += article_blocks(self, lec.matrix)
        out.append("\\end{document}")
        return "\n".join(out) + "\n"


class BeamerPrinter(_DocumentPrinter):
    _default_settings = {**_DocumentPrinter._default_settings, "aspect": "169", "pause": False,
                         "max_rows": 8}

    def _check_settings(self, settings):
        super()._check_settings(settings)
        if settings["aspect"] not in ASPECTS:
            raise ValueError(f"aspect must be one of {', '.join(ASPECTS)}, got {settings['aspect']!r}")
        if not isinstance(settings["max_rows"], int) or settings["max_rows"] < 1:
            raise ValueError(f"max_rows must be a positive integer, got {settings['max_rows']!r}")

    def frame(self, title: str, *blocks: str) -> str:
        # blocks are paragraphs: a rule, a table and a sentence stack, never share a line
        sep = "\n\n\\pause\n" if self._settings["pause"] else "\n\n"
        return f"\\begin{{frame}}{{{title}}}\n" + sep.join(b for b in blocks if b) + "\n\\end{frame}"

    def rows_frames(self, title: str, groups: list[list[str]]) -> list[str]:
        """Groups of rows (one step each, kept together) over as many frames as it takes,
        at most ``max_rows`` rows a frame."""
        n = self._settings["max_rows"]
        chunks = [[]]
        for group in groups:
            if chunks[-1] and len(chunks[-1]) + len(group) > n:
                chunks.append([])
            chunks[-1] += group
        frames = []
        for i, chunk in enumerate(chunks):
            t = title if i == 0 else f"{title}{self._p(' (')}{self._w('continued')}{self._p(')')}"
            frames.append(self.frame(t, self.align(chunk, self._settings["pause"])))
        return frames

    def _examples(self, lec: Lecture):
        """The output weight and the hidden weight the deck works through."""
        net = lec.network
        by_layer = {}
        for d in lec.derivations:
            loc = net.locations[d.param]
            if loc[0] == "w":
                by_layer.setdefault(loc[1], d)
        last = len(net.layers) - 1
        return by_layer.get(last), (by_layer.get(0) if last > 0 else None)

    def _print_Lecture(self, lec: Lecture) -> str:
        net, vals = lec.network, lec.forward.values
        tikz = "\\usepackage{tikz}\n\\usetikzlibrary{arrows.meta}\n" if self._settings["picture"] else ""
        head = [f"\\documentclass[aspectratio={self._settings['aspect']}]{{beamer}}",
                _REPRODUCIBLE,
                self.fonts() + "\\usepackage{amsmath}\n" + tikz
                + _FIT % "0.86\\textheight",
                "\\setbeamertemplate{navigation symbols}{}\n\\usefonttheme[onlymath]{serif}\n"
                "\\setbeamersize{text margin left=6mm,text margin right=6mm}",
                f"\\title{{{self._w('title')}}}\n\\subtitle{{{escape_text(net.name)}}}\n\\date{{}}",
                "\\begin{document}",
                "\\begin{frame}\n\\titlepage\n\\end{frame}"]
        frames = []
        picture = self.picture_code(net)
        if picture:     # a frame of its own, shrunk to fit like any block
            frames.append(self.frame(self._w("network"),
                                     "\\begin{center}\\bptracefit{\\hbox{" + picture + "}}\n\\end{center}"))
        frames.append(self.frame(self._w("network"), self.align(self.network_rows(net))))
        frames.append(self.frame(self._w("notation"), self.align(self.notation_rows(net))))
        for l, steps in self.forward_by_layer(lec):
            groups = [self.compact_rows(s, vals) for s in steps]
            frames += self.rows_frames(self._w("forward_layer", l=l) if l else self._w("error"), groups)
        out_d, hidden_d = self._examples(lec)
        for d in (out_d, hidden_d):
            if d is None:
                continue
            frames += self.derivation_frames(d)
        frames += self.update_frames(lec.update)
        if lec.matrix is not None:      # issue 16: the matrix form, one frame per step
            from .matrix_latex import beamer_frames
            frames += beamer_frames(self, lec.matrix)
        return "\n".join(head + frames + ["\\end{document}"]) + "\n"

    def compact_rows(self, step, values) -> list[str]:
        """A step in at most two rows: lhs = formula, then = numbers = value."""
        rows = self.step_rows(step, values)
        return rows if len(rows) < 3 else [rows[0], f"{rows[1]} {rows[2][1:]}"]

    def derivation_frames(self, d) -> list[str]:
        """Each path on two frames (factorised; with the numbers), the sum, the delta form."""
        target = f"${formula_latex(derivative(d.loss_symbol, d.param))}$"
        pause = self._settings["pause"]
        frames = []
        if d.summarised:
            frames.append(self.frame(target, self._w("summarised", n=d.path_count)))
        for i, path in enumerate(d.paths, 1):
            which = "" if d.path_count == 1 else f"{self._p(', ')}{self._w('path')} {i}/{d.path_count}"
            rows = self.path_rows(d, i, path)
            formulas = [f"{formula_latex(derivative(f.of, f.wrt))} &= {formula_latex(f.formula)}"
                        for f in path.factors]
            frames.append(self.frame(f"{target}{which}{self._p(': ')}{self._w('factorised')}",
                                     self.path_heading(d, i, path),
                                     self.align([rows[0]] + formulas, pause)))
            numbers = []
            for f in path.factors:
                parts = self._chain(f.formula, f.formula, d.values, f.value)
                shown = parts[1:] or parts
                numbers.append(f"{formula_latex(derivative(f.of, f.wrt))} &= " + " = ".join(shown))
            lhs, product = rows[-1].split(" &= ", 1)
            product, value = product.rsplit(" = ", 1)
            frames.append(self.frame(f"{target}{which}{self._p(': ')}{self._w('with_numbers')}",
                                     self.align(numbers + [f"{lhs} &= {product}", f"&= {value}"], pause)))
        if d.path_count > 1 and not d.summarised:
            frames.append(self.frame(f"{target}{self._p(': ')}{self._w('sum', n=d.path_count).lower()}",
                                     self.align(self.sum_rows(d), pause)))
        groups = [self.step_rows(s, d.values) for s in (*d.deltas, d.gradient)]
        frames += self.rows_frames(f"{target}{self._p(': ')}{self._w('delta').lower()}", groups)
        return frames

    def update_frames(self, t) -> list[str]:
        loss = getattr(t.network, "loss_name", "E_total")
        rule = f"${formula_latex(sympy.Symbol('w'))}^{{+}} = w - \\eta \\cdot " \
               f"{formula_latex(derivative(loss, 'w'))}${self._p(', ')}$\\eta = {self._fmt(t.learning_rate)}$"
        tail = self._w("before_after", loss=self._m(loss), before=f"${self._fmt(t.loss_before)}$",
                       after=f"${self._fmt(t.network.loss_value)}$") + self._p(".")
        n = 12
        ups = t.updates
        frames = []
        for i in range(0, len(ups), n):
            chunk = type(t)(t.learning_rate, ups[i:i + n], t.loss_before, t.network)
            title = self._w("update_table") + ("" if i == 0 else
                                                f"{self._p(' (')}{self._w('continued')}{self._p(')')}")
            last = i + n >= len(ups)
            frames.append(self.frame(title, rule if i == 0 else "",
                                     "\\begin{center}\\small\n" + self.update_table(chunk) + "\n\\end{center}",
                                     tail if last else ""))
        return frames


def to_article(net, max_paths: int = 16, prove: bool = True, matrix: bool = False, **settings) -> str:
    """A standalone ``article`` walking through ``net``'s example (see ``ArticlePrinter``);
    ``matrix=True`` adds a "Matrix form" section."""
    return ArticlePrinter(**settings).doprint(lecture(net, max_paths, prove, matrix))


def to_slides(net, max_paths: int = 16, matrix: bool = False, **settings) -> str:
    """A ``beamer`` deck for ``net`` (see ``BeamerPrinter``); ``pause=True`` for reveals,
    ``matrix=True`` for the matrix-form frames."""
    return BeamerPrinter(**settings).doprint(lecture(net, max_paths, prove=False, matrix=matrix))
