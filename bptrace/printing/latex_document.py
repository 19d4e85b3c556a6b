"""Whole LaTeX documents for one network: a standalone article and a beamer deck.

Provides ``to_article(net, …)`` and ``to_slides(net, …)``, the entry points over
``ArticlePrinter`` (``latex_article.py``) and ``BeamerPrinter`` (``latex_beamer.py``), both
built on ``DocumentPrinter`` and ``Lecture`` (``latex_lecture.py``); and
``network_picture(net)`` — the picture hook the CLI passes; ``default_wrt(net)`` — the parameters a lecture derives unless told otherwise: the first
output-layer weight and the first weight of the first layer (the update table then lists
every gradient).

Every math block goes through ``\\bptracefit``, which shrinks a block wider than the line
(or, on a slide, taller than ``\\bptracemaxheight``) and says so in the log, so a large
network still compiles without overfull boxes. Output is deterministic: no date unless
one is given, and pdfTeX is told to omit its timestamps and trailer ID. A document with
text beyond Latin-1 (a Chinese neuron name) asks for xelatex + ctex on its first line.
"""
from __future__ import annotations

from typing import Optional, Sequence

from .latex_article import PAPERS, ArticlePrinter
from .latex_beamer import ASPECTS, BeamerPrinter
from .latex_lecture import Lecture, engine_of, lecture, needs_unicode_engine

__all__ = ["ASPECTS", "PAPERS", "ArticlePrinter", "BeamerPrinter", "Lecture", "default_wrt",
           "engine_of", "lecture", "needs_unicode_engine", "network_picture", "to_article", "to_slides"]


def network_picture(net) -> str:
    """The picture hook the CLI uses: the network drawn by ``printing/tikz.py`` with names
    only (its numbers are on the next frame), at natural size, ``\\normalsize`` labels.
    A batch is drawn as its first sample (the layers are shared)."""
    from .tikz import to_tikz
    sample = net
    if net.batched:     # the first sample's network, its error named as the batch's
        first = net.sample_networks[0]
        sample = type(first)(list(first.inputs), list(first.targets), first.layers,
                             **{**first.settings(), "loss_name": "E_total"})
    try:
        return to_tikz(sample, values=False, width=None, font="\\normalsize")
    except (KeyError, ValueError, RuntimeError):   # a layout the picture printer cannot draw
        return None


def default_wrt(net) -> list[str]:
    """One output-layer weight and one first-layer weight (just one for a one-layer net)."""
    first = net.names.weights[0][0][0]
    last = net.names.weights[-1][0][0]
    return [last] if first == last else [last, first]


def to_article(net, max_paths: int = 16, prove: bool = True,
               wrt: Optional[Sequence[str]] = None, matrix: bool = False, **settings) -> str:
    """A standalone ``article`` walking through ``net``'s example (see ``ArticlePrinter``);
    ``wrt``: the parameters whose gradients are derived (default: every parameter);
    ``matrix=True`` adds a "Matrix form" section."""
    return ArticlePrinter(**settings).doprint(lecture(net, wrt, max_paths, prove, matrix))


def to_slides(net, max_paths: int = 16, wrt: Optional[Sequence[str]] = None, matrix: bool = False,
              **settings) -> str:
    """A ``beamer`` deck for ``net`` (see ``BeamerPrinter``); ``wrt``: the parameters that get
    derivation frames (default ``default_wrt(net)``); ``pause=True`` for reveals,
    ``matrix=True`` for the matrix-form frames."""
    return BeamerPrinter(**settings).doprint(
        lecture(net, default_wrt(net) if wrt is None else wrt, max_paths, prove=False, matrix=matrix))
