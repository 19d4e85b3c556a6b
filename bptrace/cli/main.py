"""The ``bptrace`` group and what every command shares: one-line errors, output files,
output options.

Every command takes a SPEC (a TOML file or a built-in name such as ``mazur``) and
``--format text|json``. Bad input (``SpecError``), a file that cannot be written and
input nested too deeply print one line and exit with status 2; output files are checked
before any work starts (``OutputPath``) and written whole or not at all (``write_output``).
"""
from __future__ import annotations

import os
from pathlib import Path

import click

from ..errors import NumberError, SpecError
from .html import current_lang, emit_html, lang_option


class BadInput(click.ClickException):
    exit_code = 2


def one_line(text: str) -> str:
    """``text`` with control characters shown escaped (a name holding a newline or ESC)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


class Command(click.Command):
    """A command that refuses an option given twice (``--format json --format latex``),
    where click would let the last one win silently."""

    def parse_args(self, ctx, args):
        options = {name: p for p in self.params if isinstance(p, click.Option)
                   for name in p.opts + p.secondary_opts}
        times, skip = {}, 0
        for token in args:
            if skip:                            # the value of the option before it
                skip -= 1
                continue
            if token == "--":
                break
            name = token.split("=", 1)[0] if token.startswith("--") else token
            p = options.get(name)
            if p is None:
                continue
            if not (p.is_flag or p.count) and "=" not in token:
                skip = p.nargs
            if not (p.multiple or p.count):
                times[p.name] = times.get(p.name, 0) + 1
                if times[p.name] > 1:
                    names = "/".join(p.opts + p.secondary_opts)
                    raise click.UsageError(f"{names} is given more than once: give it once", ctx)
        return super().parse_args(ctx, args)


class Group(click.Group):
    """Turns a bad input raised anywhere in a command into one clean line, exit 2.

    Anything else is a bug in bptrace: one line naming it, exit 1, and the traceback
    only with ``BPTRACE_DEBUG=1``.
    """

    command_class = Command
    group_class = type          # subgroups (``plot``) are Groups too

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SpecError as e:
            raise BadInput(one_line(e)) from None
        except NumberError as e:
            raise BadInput(one_line(e)) from None
        except RecursionError:
            raise BadInput("the input is nested too deeply") from None
        except OSError as e:
            where = f"{e.filename}: " if e.filename else ""
            raise BadInput(one_line(f"{where}{e.strerror or e}")) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as e:
            if os.environ.get("BPTRACE_DEBUG"):
                raise
            raise click.ClickException(one_line(
                f"internal error ({type(e).__name__}: {e}); rerun with BPTRACE_DEBUG=1 "
                "and report the traceback")) from None


def wrote(*paths) -> None:
    """Every command that writes a file says so the same way: ``wrote FILE`` on stderr."""
    click.echo(f"wrote {' and '.join(str(p) for p in paths)}", err=True)


def output_format(output, fmt, known: dict) -> str:
    """The format of ``-o output``: from its suffix (one of ``known``: suffix → format),
    which must agree with ``--format`` when both are given; anything else is one line."""
    suffix = Path(output).suffix.lower().lstrip(".")
    if not suffix:
        if fmt is None:
            raise BadInput(f"-o {output}: no suffix; give one ({', '.join('.' + k for k in known)}) or --format")
        return fmt
    if suffix not in known:
        raise BadInput(f"-o {output}: unknown suffix .{suffix} (known: {', '.join('.' + k for k in known)})")
    if fmt is not None and known[suffix] != fmt:
        raise BadInput(f"-o {output}: the suffix .{suffix} does not match --format {fmt}")
    return known[suffix]


class OutputPath(click.ParamType):
    """An output file, checked before any work starts: its folder exists and can be
    written to, and the path is not a folder."""

    name = "FILE"

    def convert(self, value, param, ctx):
        path = Path(value)
        if path.is_dir():
            self.fail(one_line(f"{value} is a directory"), param, ctx)
        folder = path.parent
        if not folder.is_dir():
            self.fail(one_line(f"the folder {folder} does not exist"), param, ctx)
        if not os.access(path if path.exists() else folder, os.W_OK):
            self.fail(one_line(f"no permission to write {value}"), param, ctx)
        return str(value)


def write_output(path: str, data) -> None:
    """Write ``data`` (str or bytes) to ``path`` whole or not at all: a regular file is
    written beside it first and moved into place, so a full disk leaves no half file."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    target = Path(path)
    if target.exists() and not target.is_file():      # /dev/stdout, a pipe: write directly
        target.write_bytes(raw)
        return
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        temporary.write_bytes(raw)
        os.replace(temporary, target)
    finally:
        if temporary.exists():
            temporary.unlink()


def load_spec(spec: str):
    from ..model.spec import load
    return load(spec)


def output_options(f):
    f = click.option("--decimals", type=click.IntRange(0, 40), default=None,
                     help="Round to this many places after the point instead "
                          "(the classic write-up uses 9).")(f)
    f = click.option("--digits", type=click.IntRange(1, 40), default=9, show_default=True,
                     help="Significant digits shown (values are computed to 50).")(f)
    f = click.option("--format", "fmt", type=click.Choice(["text", "json", "latex", "html"]), default="text",
                     show_default=True, help="Output format (latex: align* fragments to paste; "
                                             "html: a self-contained page).")(f)
    return lang_option(f)


def emit(trace, fmt: str, digits: int, decimals) -> None:
    from ..printing import to_json, to_text
    if fmt == "json" and current_lang() != "en":
        raise BadInput("--lang zh: JSON has no words to translate; use --format text, html or latex")
    if fmt == "html":
        emit_html(trace, digits, decimals)
    elif fmt == "json":
        click.echo(to_json(trace))
    elif fmt == "latex":
        from ..printing.latex import NoLatexForm
        from ..printing.latex_lessons import to_latex
        try:
            click.echo(to_latex(trace, digits=digits, decimals=decimals, lang=current_lang()))
        except NoLatexForm as e:
            raise BadInput(f"--format latex: {e}") from None
    else:
        click.echo(to_text(trace, digits=digits, decimals=decimals, color=True, lang=current_lang()))


@click.group(cls=Group)
@click.version_option(package_name="bptrace")
def main():
    """Trace backpropagation step by step, symbolically and numerically.

    SPEC is a TOML spec file or a built-in network name (mazur: the classic 2-2-2 example).
    """
