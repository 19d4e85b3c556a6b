"""The ``bptrace`` group and what every command shares: one-line errors, output options.

Every command takes a SPEC (a TOML file or a built-in name such as ``mazur``) and
``--format text|json``. Bad input (``SpecError``) prints one line and exits with status 2.
"""
from __future__ import annotations

import click

from ..errors import SpecError


class BadInput(click.ClickException):
    exit_code = 2


class Group(click.Group):
    """Turns a ``SpecError`` raised anywhere in a command into one clean line, exit 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SpecError as e:
            raise BadInput(str(e)) from None


def load_spec(spec: str):
    from ..model.spec import load
    return load(spec)


def output_options(f):
    f = click.option("--decimals", type=click.IntRange(0, 40), default=None,
                     help="Round to this many places after the point instead "
                          "(the classic write-up uses 9).")(f)
    f = click.option("--digits", type=click.IntRange(1, 40), default=9, show_default=True,
                     help="Significant digits shown (values are computed to 50).")(f)
    f = click.option("--format", "fmt", type=click.Choice(["text", "json", "latex"]), default="text",
                     show_default=True, help="Output format (latex: align* fragments to paste).")(f)
    return f


def emit(trace, fmt: str, digits: int, decimals) -> None:
    from ..printing import to_json, to_text
    if fmt == "json":
        click.echo(to_json(trace))
    elif fmt == "latex":
        from ..printing.latex import NoLatexForm
        from ..printing.latex_lessons import to_latex
        try:
            click.echo(to_latex(trace, digits=digits, decimals=decimals))
        except NoLatexForm as e:
            raise BadInput(f"--format latex: {e}") from None
    else:
        click.echo(to_text(trace, digits=digits, decimals=decimals, color=True))


@click.group(cls=Group)
@click.version_option(package_name="bptrace")
def main():
    """Trace backpropagation step by step, symbolically and numerically.

    SPEC is a TOML spec file or a built-in network name (mazur: the classic 2-2-2 example).
    """
