"""The ``bptrace`` command line: parse, call the library, print.

Every command takes a SPEC (a TOML file or a built-in name such as ``mazur``) and
``--format text|json``. Bad input (``SpecError``) prints one line and exits with status 2.
"""
from __future__ import annotations

import sys

import click

from .errors import SpecError


class BadInput(click.ClickException):
    exit_code = 2


class Group(click.Group):
    """Turns a ``SpecError`` raised anywhere in a command into one clean line, exit 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except SpecError as e:
            raise BadInput(str(e)) from None


def _load(spec: str):
    from .spec import load
    return load(spec)


def output_options(f):
    f = click.option("--decimals", type=click.IntRange(0, 40), default=None,
                     help="Round to this many places after the point instead "
                          "(the classic write-up uses 9).")(f)
    f = click.option("--digits", type=click.IntRange(1, 40), default=9, show_default=True,
                     help="Significant digits shown (values are computed to 50).")(f)
    f = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                     show_default=True, help="Output format.")(f)
    return f


def emit(trace, fmt: str, digits: int, decimals) -> None:
    from .printing import to_json, to_text
    if fmt == "json":
        click.echo(to_json(trace))
    else:
        click.echo(to_text(trace, digits=digits, decimals=decimals, color=True))


@click.group(cls=Group)
@click.version_option(package_name="bptrace")
def main():
    """Trace backpropagation step by step, symbolically and numerically.

    SPEC is a TOML spec file or a built-in network name (mazur: the classic 2-2-2 example).
    """


@main.command()
@click.argument("spec")
@output_options
def forward(spec, fmt, digits, decimals):
    """The forward pass: each net and out, each output's error, E_total."""
    emit(_load(spec).forward(), fmt, digits, decimals)


@main.command()
@click.argument("spec")
@click.option("--wrt", multiple=True, metavar="PARAM", help="Parameter to differentiate by (repeatable).")
@click.option("--all", "all_", is_flag=True, help="Every parameter of the network.")
@click.option("--max-paths", type=click.IntRange(1), default=16, show_default=True,
              help="List chain-rule paths only up to this many (the delta form is always shown).")
@click.option("--prove/--no-prove", default=True, show_default=True,
              help="Check symbolically that the path sum equals sympy.diff of the written-out error.")
@output_options
def derive(spec, wrt, all_, max_paths, prove, fmt, digits, decimals):
    """∂E_total/∂PARAM by the chain rule: every path, their sum, the delta form."""
    net = _load(spec)
    if not wrt and not all_:
        raise click.UsageError("say which parameter: --wrt w5 (repeatable) or --all")
    try:
        params = list(net.locations) if all_ else [net.check_param(p) for p in wrt]
    except SpecError as e:
        raise e.in_file(spec) from None
    traces = []
    for p in params:
        traces.append(net.derive(p, max_paths=max_paths))
        if prove:
            traces.append(net.prove(p, max_paths=max_paths))
    if fmt == "json":
        derivations = []
        for t in traces:
            if t.to_dict()["kind"] == "derivation":
                derivations.append(t.to_dict())
            else:
                derivations[-1]["proof"] = t.to_dict()
        import json
        click.echo(json.dumps(derivations, indent=2, ensure_ascii=False))
    else:
        emit(traces, fmt, digits, decimals)


def bias_option(f):
    return click.option("--update-biases/--fixed-biases", "update_biases", default=None,
                        help="Update the biases too (torch does) or keep them fixed (the classic "
                             "write-up does). Default: the spec's update_biases.")(f)


@main.command()
@click.argument("spec")
@click.option("--lr", type=float, default=None, help="Learning rate η (default: the spec's).")
@bias_option
@output_options
def update(spec, lr, update_biases, fmt, digits, decimals):
    """One gradient-descent step, w⁺ = w − η·∂E/∂w, all gradients at the old weights."""
    net = _load(spec)
    emit(net.step(lr=_exact_lr(lr), update_biases=update_biases), fmt, digits, decimals)


def _exact_lr(lr):
    # a learning rate typed as 0.1 means one tenth, not the nearest double
    return None if lr is None else repr(lr)


@main.command()
@click.argument("spec")
@click.option("--steps", type=click.IntRange(0), required=True, help="Rounds of gradient descent.")
@click.option("--lr", type=float, default=None, help="Learning rate η (default: the spec's).")
@bias_option
@click.option("--sequential", is_flag=True,
              help="Take hidden-layer gradients with the output weights already updated "
                   "(reproduces the classic write-up's 0.291027924 after one round).")
@click.option("--report", type=click.Choice(["after", "before"]), default="after", show_default=True,
              help="Report the error after round N's update, or the one measured before it "
                   "(reproduces the write-up's 0.0000351085 at 10,000).")
@click.option("--exact", is_flag=True, help="Compute at 50 significant digits instead of float64.")
@click.option("--every", type=click.IntRange(1), default=None,
              help="Print the error every N rounds (default: ten lines).")
@output_options
def train(spec, steps, lr, update_biases, sequential, report, exact, every, fmt, digits, decimals):
    """Train for --steps rounds and print the error as it falls."""
    net = _load(spec)
    # a bar only on a terminal: redirected output and JSON stay clean
    with click.progressbar(length=steps, label="training", file=sys.stderr,
                           hidden=not sys.stderr.isatty()) as bar:
        last = [0]

        def progress(r):
            if r - last[0] >= 100 or r == steps:
                bar.update(r - last[0])
                last[0] = r

        trace = net.train(steps, lr=_exact_lr(lr), update_biases=update_biases,
                          sequential=sequential, report=report, exact=exact, every=every,
                          progress=progress)
    emit(trace, fmt, digits, decimals)
