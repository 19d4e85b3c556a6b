r"""What the article and the deck share: the traces they walk through, and their preamble.

Provides:
- ``Lecture`` and ``lecture(net, wrt, max_paths, prove)`` — the traces a document shows,
  computed by the library once: the forward pass, the chosen parameters' derivations
  (and proofs), every parameter's gradient for the update, the simplifications SymPy
  proves (``calculus/simplify.py``). A batch network gives batch traces: each sample's forward
  pass and derivation, then the reduction.
- ``DocumentPrinter`` — the base of ``ArticlePrinter`` and ``BeamerPrinter``: the network
  and notation rows, math blocks through ``\bptracefit``, the preamble. Settings added to
  ``LatexPrinter``'s: ``picture`` (None or a callable ``picture(net) -> str``), ``title``,
  ``author``, ``date`` (free text, escaped; the date is empty unless given, so output is
  deterministic), ``engine`` ("auto", "pdflatex" or "xelatex").
- ``needs_unicode_engine(text)`` and ``engine_of(document)`` — a document holding any
  character outside Latin-1 (a Chinese neuron name) is set with xelatex + ctex; the first
  line of every document says which engine it wants (``% !TEX program = …``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..calculus.matrix import matrix_form
from ..calculus.simplify import simplifications
from ..errors import SpecError
from .latex import WORDS, LatexPrinter, _check_common
from .latex_expr import escape_text, symbol_latex
from .network_notation import error_rows, neuron_rows, simplification_rows

WORDS["en"].update({
    "title": "Backpropagation, step by step",
    "network": "The network", "notation": "Notation", "simplifications": "Simplifications",
    "inputs": "inputs", "targets": "targets", "learning_rate": "learning rate",
    "layer": "layer {l}", "forward_layer": "Forward pass: layer {l}",
    "error": "The error", "output_grads": "Output-layer gradients",
    "hidden_grads": "Hidden-layer gradients", "layer_grads": "Gradients of layer {l}",
    "factorised": "factorised", "with_numbers": "with the numbers",
    "one_step": "One step of gradient descent", "update_table": "The update",
    "all_paths": "all paths", "continued": "continued", "part": "{i} of {n}",
    "picture": "The network as a picture.",
    "picture_too_large": "This network's picture is too large to set its labels at 8\\,pt or more "
                         "here; \\texttt{{bptrace graph}} draws it on its own.",
    "net_is": r"the weighted sum into a neuron", "out_is": "its activation",
    "delta_is": "the error's sensitivity to a neuron's net input",
    "used_here": "here", "simplifies": "which simplifies",
    "proven_by_sympy": "proven by SymPy", "not_proven": "SymPy could not prove it",
    "path_of": "path {i} of {n}", "deltas": "The deltas",
    "deltas_intro": "Each neuron's delta is derived once here; the gradients below use them.",
    "delta_from": "with {delta} from Section~\\ref{{sec:deltas}}",
    "sample_of": "sample {s} of {n}", "batch": "the batch", "samples": "the samples",
    "mean": "mean", "sum_word": "sum",
    "the_neurons": "the neurons", "the_error": "the error",
    "smoothing": "label smoothing", "class_weights": "each class's term times its weight",
    "summary": "Every gradient", "rule": "the rule",
    "dropout_is": "dropout: mask m = 1 kept, 0 dropped",
    "batch_is": "the batch: the {reduction} over its {n} samples",
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

# \bptracemeasure{height}{tikz}: the picture in \bptracepicbox, scaled to fit the line width
# and the height, never enlarged. Its edge labels are \footnotesize (9 pt at 11 pt): below a
# scale of 8/9 they would be under 8 pt, unreadable when projected, and \ifbptracepicfits
# is false. The scale is logged, so that a test can check it. \bptracepicture{height}{tikz}
# {note} sets the picture, or the note when it does not fit (the article); the deck leaves
# the picture's frame out instead.
_PICTURE = r"""\newsavebox\bptracepicbox
\newlength\bptracepicw
\newdimen\bptracepicscale
\newif\ifbptracepicfits
\newcommand\bptracemeasure[2]{%
  \sbox\bptracepicbox{#2}%
  \setlength\bptracepicw{\wd\bptracepicbox}%
  \ifdim\wd\bptracepicbox>\linewidth
    \sbox\bptracepicbox{\resizebox{\linewidth}{!}{\usebox\bptracepicbox}}\fi
  \ifdim\dimexpr\ht\bptracepicbox+\dp\bptracepicbox\relax>#1
    \sbox\bptracepicbox{\resizebox*{!}{#1}{\usebox\bptracepicbox}}\fi
  \bptracepicscale=\dimexpr\number\numexpr\wd\bptracepicbox*65536/\bptracepicw\relax sp\relax
  \typeout{bptrace: picture scale \strip@pt\bptracepicscale}%
  \ifdim\bptracepicscale<0.889pt
    \bptracepicfitsfalse\typeout{bptrace: picture left out: its labels would be under 8pt}%
  \else\bptracepicfitstrue\fi}
\newcommand\bptracepicture[3]{%
  \bptracemeasure{#1}{#2}%
  \ifbptracepicfits\usebox\bptracepicbox\else\parbox{0.8\linewidth}{\centering #3}\fi}"""

_REPRODUCIBLE = r"""\ifdefined\pdftrailerid \pdftrailerid{}\pdfinfoomitdate=1 \fi"""
ENGINES = ("auto", "pdflatex", "xelatex")
UNICODE_INSTALL = ("apt-get install texlive-xetex texlive-lang-chinese fonts-noto-cjk")


def needs_unicode_engine(text: str) -> bool:
    """Whether ``text`` holds a character pdflatex with T1 fonts cannot set (beyond Latin-1)."""
    return any(ord(c) > 0xFF for c in text)


def engine_of(document: str) -> str:
    """The engine a document of this module asks for on its first line."""
    first = document.split("\n", 1)[0]
    return "xelatex" if first.strip() == "% !TEX program = xelatex" else "pdflatex"


@dataclass(frozen=True)
class Lecture:
    """What a document shows, as traces: computed by the library, only printed here."""

    network: object
    forward: object             # ForwardTrace, or BatchForwardTrace for a batch
    derivations: tuple          # one (Batch)Derivation per chosen parameter
    proofs: tuple               # per chosen parameter: a Proof, or a tuple (one per sample)
    update: object
    simplifications: tuple = ()
    matrix: object = None       # the matrix form (BP1–BP4 and the update), when asked for


def lecture(net, wrt=None, max_paths: int = 16, prove: bool = True, matrix: bool = False) -> Lecture:
    """The traces of a document about ``net``; ``wrt``: the parameters to derive (all if None)."""
    params = list(net.locations) if wrt is None else [net.check_param(p) for p in wrt]
    if not params:
        raise SpecError("--wrt", "no parameter chosen")
    return Lecture(net, net.forward(), tuple(net.derive(p, max_paths=max_paths) for p in params),
                   tuple(net.prove(p) for p in params) if prove else (), net.step(),
                   simplifications(net), matrix_form(net, "update") if matrix else None)


class DocumentPrinter(LatexPrinter):
    """Shared by the article and the deck: fitted math blocks, the network, notation."""

    _default_settings = {**LatexPrinter._default_settings, "picture": None, "title": None,
                         "author": "", "date": "", "engine": "auto"}

    def _check_settings(self, settings):
        _check_common(settings)
        picture = settings["picture"]
        if picture is not None and not callable(picture):
            raise ValueError(f"picture must be None or a callable picture(net) -> str, got {picture!r}")
        for key in ("title", "author", "date"):
            if settings[key] is not None and not isinstance(settings[key], str):
                raise ValueError(f"{key} must be a string, got {settings[key]!r}")
        if settings["engine"] not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {settings['engine']!r}")

    def align(self, rows, pause: bool = False) -> str:
        sep = " \\\\ \\pause\n" if pause else " \\\\\n"
        return "\\[\\bptracefit{\\begin{aligned}\n" + sep.join(rows) + "\n\\end{aligned}}\\]"

    # ----- the preamble -----------------------------------------------------------------------
    def engine(self, body: str) -> str:
        chosen = self._settings["engine"]
        if chosen == "auto":
            unicode = self._settings["lang"] != "en" or needs_unicode_engine(body)
            return "xelatex" if unicode else "pdflatex"
        return chosen

    def preamble(self, documentclass: str, body: str, fit_height: str, extra: str = "") -> str:
        """``% !TEX program``, the class, fonts for the engine, amsmath, the fit macros."""
        engine = self.engine(body)
        fonts = ("\\usepackage[UTF8,scheme=plain]{ctex}\n" if engine == "xelatex"
                 else "\\usepackage[T1]{fontenc}\n\\usepackage{lmodern}\n")
        tikz = "\\usepackage{tikz}\n\\usetikzlibrary{arrows.meta}\n" if self._settings["picture"] else ""
        return "\n".join([f"% !TEX program = {engine}", documentclass, _REPRODUCIBLE,
                          fonts + "\\usepackage{amsmath}\n\\usepackage{graphicx}\n" + extra + tikz
                          + _FIT % fit_height + "\n\\makeatletter\n" + _PICTURE + "\n\\makeatother"])

    def title_block(self, net, subtitle: bool) -> str:
        title = self._settings["title"]
        title = self._w("title") if title is None else escape_text(title)
        name = escape_text(net.name)
        lines = [f"\\title{{{title}}}"]
        if subtitle:
            lines.append(f"\\subtitle{{{name}}}")
        author = escape_text(self._settings["author"])
        lines.append(f"\\author{{{author if author or subtitle else name}}}")
        lines.append(f"\\date{{{escape_text(self._settings['date'])}}}")
        return "\n".join(lines)

    # ----- the network and the notation, as rows --------------------------------------------
    def _assign(self, name: str, value) -> str:
        return f"{symbol_latex(name)} = {self._fmt(value)}"

    def network_rows(self, net) -> list[str]:
        vals = net.values if not net.batched else net.sample_networks[0].values
        rows = []
        if not net.batched:
            rows.append(rf"\text{{{self._w('inputs')}}} &\quad "
                        + r",\ ".join(self._assign(n, vals[n]) for n in net.names.inputs))
        for l, layer in enumerate(net.layers):
            act = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\mathrm{ReLU}",
                   "leaky_relu": r"\mathrm{LeakyReLU}", "identity": r"\mathrm{id}"}[layer.activation]
            for j, neuron in enumerate(net.names.neurons[l]):
                label = (rf"\text{{{self._w('layer', l=l + 1)}}},\ {act}" if j == 0 else "")
                names = list(net.names.weights[l][j])
                if layer.bias is not None:
                    names.append(net.names.biases[l][0 if layer.shared_bias else j])
                rows.append(f"{label} &\\quad {symbol_latex('net_' + neuron)}: "
                            + r",\ ".join(self._assign(n, vals[n]) for n in names))
        if not net.batched:
            rows.append(rf"\text{{{self._w('targets')}}} &\quad "
                        + r",\ ".join(self._assign(f"target_{o}", vals[f"target_{o}"]) for o in net.outputs))
        rows.append(rf"\text{{{self._w('learning_rate')}}} &\quad \eta = {self._fmt(net.learning_rate)}")
        return rows

    def sample_rows(self, net) -> list[str]:
        """A batch's samples, one row each: inputs → targets."""
        rows = []
        for s, sample in enumerate(net.sample_networks, 1):
            vals = sample.values
            ins = r",\ ".join(self._assign(n, vals[n]) for n in sample.names.inputs)
            outs = r",\ ".join(self._assign(f"target_{o}", vals[f"target_{o}"]) for o in sample.outputs)
            rows.append(rf"\text{{{self._w('sample_of', s=s, n=net.batch_size)}}} &\quad {ins};\ {outs}")
        return rows

    def notation_rows(self, net) -> list[str]:
        return [r for part in self.notation_parts(net) for r in part]

    def notation_parts(self, net) -> tuple[list[str], list[str]]:
        """The neurons' rows and the error's rows."""
        if net.batched:
            sample = net.sample_networks[0]
            return (neuron_rows(sample, self._w, self._fmt),
                    error_rows(sample, self._w, self._fmt, net.batch_size, net.reduction))
        return neuron_rows(net, self._w, self._fmt), error_rows(net, self._w, self._fmt)

    def delta_rows(self, step, values, lec: Lecture) -> list[str]:
        """A δ step's rows; an output δ that simplifies (sigmoid + BCE) goes formula → the
        short form (marked "which simplifies") → its numbers → the value."""
        rows = self.step_rows(step, values)
        name = step.lhs.name
        o = name[len("delta_"):] if name.startswith("delta_") else None
        if o not in lec.network.outputs or not any(
                s.kind == "sigmoid_bce" and s.proven for s in lec.simplifications):
            return rows
        n = len(lec.network.outputs)
        scale = rf"\frac{{1}}{{{n}}} \cdot " if lec.network.loss.within == "mean" and n > 1 else ""
        short = f"{symbol_latex('out_' + o)} - {symbol_latex('target_' + o)}"
        nums = f"{self._paren(values['out_' + o])} - {self._paren(values['target_' + o])}"
        if scale:
            short, nums = rf"{scale}\left({short}\right)", rf"{scale}\left({nums}\right)"
        return [rows[0], rf"&= {short} \quad \text{{({self._w('simplifies')})}}", f"&= {nums}",
                f"&= {self._fmt(step.value)}"]


    def simplification_rows(self, lec: Lecture) -> list[str]:
        net = lec.network.sample_networks[0] if lec.network.batched else lec.network
        return [r for s in lec.simplifications for r in simplification_rows(s, net, self._w)]

    @staticmethod
    def in_textbook_order(t):
        """The update with its rows in the order of their names (w1, w2, w3, …) when a spec
        named the weights itself (a textbook's column-wise numbering); else as it is."""
        if not getattr(t.network, "weight_names", None):
            return t
        def key(u):
            m = re.fullmatch(r"([^\d]*)(\d+)", u.param)
            return (m[1], int(m[2]), "") if m else (u.param, 0, u.param)
        return type(t)(t.learning_rate, tuple(sorted(t.updates, key=key)), t.loss_before, t.network)

    def picture_code(self, net) -> Optional[str]:
        picture = self._settings["picture"]
        return None if picture is None else picture(net)

    def picture_block(self, net, height: str) -> Optional[str]:
        """``\\bptracepicture`` around the picture hook's LaTeX, with the note set instead
        when the labels would come out under 8 pt; None without a picture."""
        code = self.picture_code(net)
        if not code:
            return None
        return (f"\\bptracepicture{{{height}}}{{{code.strip()}}}"
                f"{{{self._w('picture_too_large')}}}")

    @staticmethod
    def forward_by_layer(net, forward) -> list[tuple[int, list]]:
        """(layer number, its forward steps) for one sample; the error steps are layer 0."""
        out = []
        steps = list(forward.steps)
        for l, names in enumerate(net.names.neurons):
            per = 3 if net.has_dropout(l) else 2
            out.append((l + 1, steps[:per * len(names)]))
            steps = steps[per * len(names):]
        return out + [(0, steps)]

    def samples(self, lec: Lecture):
        """(sample network, its forward trace, label) per sample; one unlabelled for a network."""
        net = lec.network
        if not net.batched:
            return [(net, lec.forward, "")]
        n = net.batch_size
        return [(sn, ft, self._w("sample_of", s=s, n=n))
                for s, (sn, ft) in enumerate(zip(net.sample_networks, lec.forward.samples), 1)]

    def title_math(self, of: str, wrt: str) -> str:
        """∂E/∂w as a slash, the size of the text around it (for headings and frame titles)."""
        return f"$\\partial {symbol_latex(of)}/\\partial {symbol_latex(wrt)}$"
