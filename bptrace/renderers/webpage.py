"""The web page of a worked example: gathers the traces, renders the picture, prints the page.

Provides ``gather(net, …)`` → ``printing.html_page.Page``, ``web_page(net, …)`` → the
HTML text (``bptrace.web_page``; ``bptrace html SPEC -o page.html`` on the command line).
(A notebook's display is ``notebook.py``.) This thin layer sits above the engine, the printers, the embedded Graphviz and the torch
oracle and wires them: the printers compute nothing and render nothing themselves.
"""
from __future__ import annotations

from ..errors import SpecError


def _torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def gather(net, wrt=None, max_paths: int = 16, prove: bool = True, check: bool = True,
           train: int = 0, picture_values: bool = False):
    """Everything the page shows, computed once.

    Args:
        wrt: the parameters to derive (default: every parameter, in the network's order).
        max_paths: list a gradient's paths only up to this many (the δ form is always shown).
        prove: add the symbolic proof line to each derivation.
        check: compare with torch.autograd (float64) when torch is installed.
        train: rounds of training to show with their error curve (0: none).
        picture_values: write each value on the picture too (by default names only: the
            picture stays large enough to read beside the steps, which hold the numbers).
    """
    from ..printing.html_page import Page
    from .graphviz import svg_of

    if net.batched:
        raise SpecError("html", "the page walks through one sample; this network has a batch "
                        "(derive --format html gives each sample's steps)")
    params = list(net.locations)
    chosen = list(wrt) if wrt else params
    for p in chosen:
        if p not in params:
            raise SpecError("html", f"no parameter {p!r} (parameters: {', '.join(params)})")
    report = None
    if check and _torch_available():
        from ..oracle.check import check_torch
        report = check_torch(net)
    return Page(
        network=net,
        forward=net.forward(),
        derivations=tuple(net.derive(p, max_paths=max_paths) for p in chosen),
        proofs=tuple(net.prove(p) for p in chosen) if prove else (),
        update=net.step(),
        svg=svg_of(net, ids=True, values=picture_values),
        check=report,
        train=net.train(train) if train else None,
    )


def web_page(net, lang: str = "en", digits: int = 9, decimals=None, **gather_options) -> str:
    """The worked example of ``net`` as one self-contained HTML page (see ``gather``)."""
    from ..printing.html_page import to_page
    return to_page(gather(net, **gather_options), lang=lang, digits=digits, decimals=decimals)
