"""The ``html`` command, and ``--format html`` / ``--lang`` for the traced commands.

Provides ``html`` (a ``click.Command``; ``cli/__init__.py`` attaches it to ``main``), ``lang_option``
(``--lang en|zh``, kept in the click context so commands need no extra parameter) and
``emit_html(trace, digits, decimals)`` — a trace as a complete, self-contained page, and
``add_to_page(traces, …)`` — the same, gathered over a command and written at its end.
Parse, call the library, write: nothing else happens here.
"""
from __future__ import annotations

from pathlib import Path

import click

LANGS = ("en", "zh")


def _remember_lang(ctx, param, value):
    ctx.meta["bptrace.lang"] = value
    return value


def lang_option(f, help: str = "Language of the words in --format html and latex (en or zh)."):
    """``--lang en|zh``: the language of the output's words (numbers and symbols stay)."""
    return click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True,
                        expose_value=False, callback=_remember_lang, help=help)(f)


def current_lang() -> str:
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get("bptrace.lang", "en") if ctx is not None else "en"


def emit_html(trace, digits: int, decimals) -> None:
    """``trace`` (or a list of traces) as one self-contained page on standard output."""
    from ..printing.html_page import document
    from ..printing.html_tables import to_html
    lang = current_lang()
    click.echo(document(to_html(trace, digits=digits, decimals=decimals, lang=lang), lang), nl=False)


def add_to_page(items, digits: int = 9, decimals=None) -> None:
    """Add traces to the command's one page, written when the command ends (a command that
    prints a trace and then its torch comparisons still writes one HTML document)."""
    ctx = click.get_current_context()
    pending = ctx.meta.get("bptrace.html")
    if pending is None:
        pending = ctx.meta["bptrace.html"] = []
        ctx.call_on_close(lambda: emit_html(list(pending), digits, decimals) if pending else None)
    pending.extend(items)


@click.command("html")
@click.argument("spec")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the page here (default: standard output).")
@click.option("--lang", type=click.Choice(LANGS), default="en", show_default=True,
              help="Language of the page's words: en or zh (numbers and symbols stay as they are).")
@click.option("--wrt", multiple=True, metavar="PARAM",
              help="Derive only this parameter (repeatable; default: every parameter).")
@click.option("--max-paths", type=click.IntRange(1, 4096), default=16, show_default=True,
              help="List chain-rule paths only up to this many (the δ form is always shown).")
@click.option("--prove/--no-prove", default=True, show_default=True,
              help="Add the symbolic proof line to each derivation.")
@click.option("--check/--no-check", "check", default=True, show_default=True,
              help="Add the table against torch.autograd (float64), when torch is installed.")
@click.option("--train", "train", type=click.IntRange(0, 100000), default=0, show_default=True,
              metavar="ROUNDS", help="Also train for ROUNDS rounds and draw the error curve.")
@click.option("--picture-values", is_flag=True,
              help="Write the values on the network picture too (default: names only, larger).")
@click.option("--digits", type=click.IntRange(1, 40), default=9, show_default=True,
              help="Significant digits shown (values are computed to 50).")
@click.option("--decimals", type=click.IntRange(0, 40), default=None,
              help="Round to this many places after the point instead.")
def html(spec, output, lang, wrt, max_paths, prove, check, train, picture_values, digits, decimals):
    """The worked example as one offline web page, revealed step by step.

    The page has the network picture, the forward pass, each parameter's derivation
    (every path factor by factor, the sum, the δ form, the proof), the update and the
    torch check. Formulas are MathML; nothing is fetched, so it works from file://.
    → or Space reveals the next step, ← goes back; the step is kept in the URL.
    """
    from ..model.spec import load
    from ..renderers.webpage import web_page
    net = load(spec)
    text = web_page(net, lang=lang, digits=digits, decimals=decimals, wrt=wrt,
                    max_paths=max_paths, prove=prove, check=check, train=train,
                    picture_values=picture_values)
    if output is None:
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
