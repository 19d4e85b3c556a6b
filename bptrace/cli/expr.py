"""The ``expr`` command: backpropagation through a typed expression, stage by stage.

Registered on ``bptrace.cli.main`` when ``cli/__init__.py`` imports this module. Values are
taken as text so the library reads them exactly (``--at tax=1.1`` is 11/10). Bad input is
one line and exit status 2; a ``--check`` beyond tolerance exits 1. Nothing heavy is
imported until the command runs.
"""
from __future__ import annotations

import click

from .html import add_to_page, current_lang, lang_option
from .main import BadInput, OutputPath, main, output_format, write_output, wrote

PICTURES = {"svg": "svg", "png": "png", "pdf": "pdf", "dot": "dot", "gv": "dot", "tex": "tikz"}


@main.command(context_settings={"show_default": True})
@click.argument("expression", metavar="EXPR")
@click.option("--at", "at", required=True, metavar="NAME=VALUE,…",
              help="The point: a value for every name in EXPR, e.g. x=-2,y=5,z=-4.")
@click.option("--stages", default=None, metavar="NAME=SUBEXPR,…",
              help="Name or group stages, e.g. z=w0*x0+w1*x1+w2 (one gate); a stage may use "
                   "the inputs and earlier stages. Unnamed operations are one stage each.")
@click.option("--explain", is_flag=True, help="Say what each gate does to the gradient "
                                              "(add distributes, multiply swaps, …).")
@click.option("--no-prove", is_flag=True, help="Skip the symbolic proof against sympy.diff.")
@click.option("--check", is_flag=True, help="Run the same graph in torch float64, retain_grad on "
                                            "every node, and compare (exit 1 beyond 1e-12).")
@click.option("-o", "--output", type=OutputPath(), default=None,
              help="Draw the computation graph instead: .svg (no system Graphviz needed), "
                   ".png, .pdf (system dot), .dot, .tex (TikZ).")
@click.option("--decimals", type=click.IntRange(0, 40), default=None,
              help="Round to this many places after the point instead.")
@click.option("--digits", type=click.IntRange(1, 40), default=None,
              help="Significant digits shown (values are computed to 50)  [default: 9; 4 in a picture]")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "latex", "html"]), default="text",
              help="Output format (latex: align* fragments to paste; html: a self-contained page "
                   "with MathML).")
@lang_option
def expr(expression, at, stages, explain, no_prove, check, output, decimals, digits, fmt):
    """Backpropagation through EXPR, stage by stage: forward values, each gate's local
    gradients, upstream × local on every edge, fan-out sums, ∂f/∂input, a proof.

    EXPR uses numbers, + - * / ** ^, exp log sqrt sin cos tanh sigmoid, max(a, b) and the
    names given by --at, e.g. "(x+y)*z" or "1/(1+exp(-(w0*x0+w1*x1+w2)))".
    """
    from ..lessons import staged

    if current_lang() != "en" and fmt != "html":
        raise BadInput("--lang zh: expr has Chinese words in --format html only")
    if output is not None:
        kind = output_format(output, None, PICTURES)
        if check or fmt != "text":
            raise BadInput("-o draws the picture; run --check and --format without it")
    trace = staged.trace(expression, staged.parse_at(at),
                         staged.parse_stages(stages) if stages else (),
                         prove=not no_prove and output is None, explain=explain)
    if output is not None:
        _draw(trace, output, kind, digits or 4, decimals)
        return
    comparison = None
    if check:
        try:
            import torch  # noqa: F401
        except ImportError:
            raise BadInput("--check needs torch: pip install torch==2.13.0") from None
        from ..oracle.staged_torch import check_staged
        comparison = check_staged(trace)
    _emit(trace, comparison, fmt, digits or 9, decimals)
    if comparison is not None and not comparison.ok:
        raise click.exceptions.Exit(1)


def _emit(trace, comparison, fmt, digits, decimals) -> None:
    if fmt == "html":       # the trace and its comparison on one page
        add_to_page([trace] + ([comparison] if comparison is not None else []), digits, decimals)
        return
    if fmt == "json":
        from ..printing import to_json
        click.echo(to_json([trace, comparison] if comparison is not None else trace))
        return
    if fmt == "latex":
        from ..printing.latex_lessons import to_latex as printer
    else:
        from ..printing.text_lessons import to_text as printer
    settings = {"digits": digits, "decimals": decimals}
    if fmt == "text":
        settings["color"] = True
    click.echo(printer(trace, **settings))
    if comparison is not None:
        click.echo(printer(comparison))


def _draw(trace, output, kind, digits, decimals) -> None:
    from ..printing.dot_staged import MAX_GATES, to_dot_staged
    if len(trace.gates) > MAX_GATES:
        raise BadInput(f"-o: {len(trace.gates)} stages are too many to draw (at most {MAX_GATES}); "
                       "group them with --stages")
    if kind == "tikz":
        from ..printing.tikz_staged import to_tikz_staged
        data = to_tikz_staged(trace, digits, decimals)
    elif kind == "dot":
        data = to_dot_staged(trace, digits, decimals)
    else:
        from ..renderers.graphviz import GraphvizError, render
        try:
            data = render(to_dot_staged(trace, digits, decimals), format=kind)
        except GraphvizError as e:
            raise BadInput(f"-o: {e}") from None
    write_output(output, data)
    wrote(output)
