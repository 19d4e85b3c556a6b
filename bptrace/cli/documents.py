"""The commands that write documents and pictures: ``latex`` (an article), ``slides`` (a
beamer deck) and ``graph`` (the network, the paths, the computation graph)."""
from __future__ import annotations

import click

from ..errors import SpecError
from .html import current_lang, lang_option
from .main import (
    BadInput,
    OutputPath,
    load_spec,
    main,
    output_format,
    write_output,
    wrote,
)
from .matrix import matrix_option


def document_options(f):
    f = click.option("--date", default="", help="The date on the title (default: none, so output is reproducible).")(f)
    f = click.option("--author", default="", help="The author on the title.")(f)
    f = click.option("--title", default=None, help="The title (default: Backpropagation, step by step).")(f)
    f = click.option("--wrt", multiple=True, metavar="PARAM",
                     help="A parameter whose gradient is derived (repeatable).")(f)
    f = click.option("--picture/--no-picture", default=True, show_default=True,
                     help="Include a picture of the network (TikZ, at the layout of bptrace graph).")(f)
    f = click.option("--pdf", is_flag=True,
                     help="Also compile the .tex (pdflatex, or xelatex for Chinese; needs -o; "
                          "the PDF and the log go beside it).")(f)
    f = click.option("-o", "--output", type=OutputPath(), default=None,
                     help="Write the .tex file here (default: standard output).")(f)
    f = click.option("--max-paths", type=click.IntRange(1, 4096), default=16, show_default=True,
                     help="List chain-rule paths only up to this many (the delta form is always shown).")(f)
    f = click.option("--decimals", type=click.IntRange(0, 40), default=None,
                     help="Round to this many places after the point instead.")(f)
    f = click.option("--digits", type=click.IntRange(1, 40), default=9, show_default=True,
                     help="Significant digits shown.")(f)
    return lang_option(f, "The document's language: en, or zh (Chinese, set with xelatex + ctex).")


def _document(kind: str, spec: str, wrt, picture: bool, **settings) -> str:
    """The article or deck for SPEC; a bad --wrt names the file."""
    from ..printing import latex_document as doc
    net = load_spec(spec)
    try:
        params = [net.check_param(p) for p in wrt] if wrt else None
    except SpecError as e:
        raise e.in_file(spec) from None
    make = doc.to_slides if kind == "slides" else doc.to_article
    return make(net, wrt=params, picture=doc.network_picture if picture else None,
                lang=current_lang(), **settings)


def write_document(text: str, output, pdf: bool) -> None:
    """Echo or write the .tex; with --pdf compile it, or say how to get the engine (exit 2)."""
    if pdf and not output:
        raise BadInput("--pdf needs -o FILE.tex (the PDF is written beside it)")
    if not output:
        click.echo(text, nl=False)
        return
    write_output(output, text)
    if pdf:
        from ..printing.latex_lecture import engine_of
        from ..renderers.pdflatex import LatexFailed, LatexMissing, compile_pdf
        try:
            wrote(output, compile_pdf(output, engine=engine_of(text)).name)
        except LatexMissing as e:
            raise BadInput(f"wrote {output}, but {e}") from None
        except LatexFailed as e:
            raise click.ClickException(str(e)) from None
    else:
        wrote(output)


@main.command()
@click.argument("spec")
@click.option("--paper", type=click.Choice(["a4paper", "letterpaper"]), default="a4paper",
              show_default=True, help="Paper size.")
@click.option("--prove/--no-prove", default=True, show_default=True,
              help="Include the symbolic proof of each gradient.")
@matrix_option
@document_options
def latex(spec, paper, prove, matrix, digits, decimals, max_paths, output, pdf, picture, wrt, title,
          author, date):
    """A standalone LaTeX article walking through the whole example.

    The network, notation, forward pass, error, each neuron's delta (once), the
    gradients layer by layer (every parameter, or those named by --wrt) and one
    gradient-descent step. A batch shows each sample, then the reduction.
    """
    text = _document("latex", spec, wrt, picture, max_paths=max_paths, prove=prove, matrix=matrix,
                     digits=digits, decimals=decimals, paper=paper, title=title, author=author, date=date)
    write_document(text, output, pdf)


@main.command()
@click.argument("spec")
@click.option("--aspect", type=click.Choice(["169", "1610", "149", "43"]), default="169",
              show_default=True, help="Beamer aspect ratio (16:9, 16:10, 14:9, 4:3).")
@click.option("--pause", is_flag=True, help="Reveal each line of working with \\pause.")
@matrix_option
@document_options
def slides(spec, aspect, pause, matrix, digits, decimals, max_paths, output, pdf, picture, wrt, title,
           author, date):
    """A beamer deck: one idea per frame, from the picture to the update table.

    Derivation frames are made for the parameters named by --wrt; by default one
    output-layer weight and one first-layer weight (the update table lists every gradient).
    """
    text = _document("slides", spec, wrt, picture, max_paths=max_paths, matrix=matrix, digits=digits,
                     decimals=decimals, aspect=aspect, pause=pause, title=title, author=author, date=date)
    write_document(text, output, pdf)


@main.command()
@click.argument("spec")
@click.option("-o", "--output", type=OutputPath(), default=None,
              help="Write the picture here (format from the suffix unless --format says). "
                   "Without it, DOT, TikZ or SVG text goes to standard output.")
@click.option("--kind", type=click.Choice(["network", "paths", "compute"]), default=None,
              help="network: neurons, weights, values (default); paths: the chain-rule paths "
                   "of --wrt; compute: the operation-level computation graph.")
@click.option("--wrt", metavar="PARAM", default=None,
              help="Highlight every chain-rule path from PARAM to the error (implies --kind paths).")
@click.option("--backward", is_flag=True, help="Network picture: show each δ and each gradient too.")
@click.option("--format", "fmt", type=click.Choice(["svg", "png", "pdf", "dot", "tikz"]), default=None,
              help="Output format (default: from the -o suffix, else svg). png and pdf need "
                   "Graphviz's dot program; svg does not.")
@click.option("--engine", type=click.Choice(["dot", "wasm"]), default=None,
              help="Force the renderer: the system dot program or the embedded WebAssembly "
                   "Graphviz (default: embedded for svg, dot for png and pdf).")
@click.option("--no-values", is_flag=True, help="Names only, no numbers (for larger networks).")
@click.option("--only-paths", is_flag=True, help="Paths picture: leave out what no path uses.")
@click.option("--digits", type=click.IntRange(1, 40), default=4, show_default=True,
              help="Significant digits shown in the picture.")
@click.option("--max-paths", type=click.IntRange(1, 4096), default=16, show_default=True,
              help="Draw chain-rule paths only up to this many.")
def graph(spec, output, kind, wrt, backward, fmt, engine, no_values, only_paths, digits, max_paths):
    """A Graphviz picture: the network, the chain-rule paths of --wrt, or the computation graph."""

    from ..renderers.graphviz import GraphvizError, render
    if output is not None:
        fmt = output_format(output, fmt, {"svg": "svg", "png": "png", "pdf": "pdf", "dot": "dot",
                                          "gv": "dot", "tex": "tikz", "tikz": "tikz"})
    elif fmt is None:
        fmt = "svg"
    if kind is None:
        kind = "paths" if wrt else "network"
    if output is None and fmt in ("png", "pdf"):
        raise BadInput(f"--format {fmt} is binary: give a file with -o")
    settings = dict(kind=kind, wrt=wrt, backward=backward, values=not no_values,
                    only_paths=only_paths, digits=digits, max_paths=max_paths)
    net = load_spec(spec)
    try:
        if fmt == "tikz":
            from ..printing.tikz import to_tikz
            data = to_tikz(net, **settings).encode("utf-8")
        else:
            from ..printing.dot import to_dot
            source = to_dot(net, **settings)
            data = source.encode("utf-8") if fmt == "dot" else render(source, format=fmt, engine=engine)
    except SpecError as e:
        raise BadInput(str(e.in_file(spec) if not e.file else e)) from None
    except GraphvizError as e:
        raise BadInput(str(e)) from None
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        write_output(output, data)
        wrote(output)


# the optimizer, moving-average, schedule and dropout commands register themselves on main
