"""The loss commands: ``loss`` (one loss traced: elements, reduction, gradient) and
``plot losses``."""
from __future__ import annotations

import sys

import click

from .main import BadInput, OutputPath, emit, main, output_format, output_options, wrote

# ----- losses: bptrace loss, bptrace plot losses ----------------------------------------------
LOSS_NAMES = ("mse", "l1", "smooth-l1", "huber", "bce", "bce-with-logits", "cross-entropy", "nll")


@main.command("loss")
@click.argument("name", type=click.Choice(LOSS_NAMES + tuple(n.replace("-", "_") for n in LOSS_NAMES if "-" in n)),
                metavar="NAME")
@click.option("--pred", required=True, metavar="VALUES",
              help="Predictions x: '0.6,0.4', or rows split by ';' ('0.2,0.6,0.2;0.1,0.8,0.1').")
@click.option("--target", required=True, metavar="VALUES",
              help="Targets y, the same shape; for cross-entropy and nll one class index per row "
                   "('1,2'), or class-probability rows.")
@click.option("--reduction", type=click.Choice(["mean", "sum", "none"]), default="mean", show_default=True,
              help="As torch's reduction argument.")
@click.option("--beta", default=None, help="smooth-l1: where the two branches meet (torch's default 1).")
@click.option("--delta", default=None, help="huber: where the two branches meet (torch's default 1).")
@click.option("--label-smoothing", default=None, help="cross-entropy: ε in (1 − ε)·y + ε/C.")
@click.option("--weight", default=None, metavar="VALUES", help="cross-entropy, nll: one weight per class.")
@click.option("--check", "check", is_flag=True,
              help="Compare the value and every gradient with the torch loss (float64); exit 1 if they differ.")
@output_options
def loss_command(name, pred, target, reduction, beta, delta, label_smoothing, weight, check,
                 fmt, digits, decimals):
    """A loss on given numbers: formula, each element, the reduction, and ∂L/∂x for every x.

    NAME is one of mse, l1, smooth-l1, huber, bce, bce-with-logits, cross-entropy, nll.
    """
    from ..lessons.loss_steps import parse_values
    from ..lessons.loss_trace import loss_trace
    from ..oracle.lessons import check_loss
    options = {"beta": beta, "delta": delta, "label_smoothing": label_smoothing,
               "weight": None if weight is None else parse_values(weight, "--weight")}
    given = [f"--{k.replace('_', '-')}" for k, v in options.items() if v is not None]
    allowed = {"smooth_l1": {"--beta"}, "huber": {"--delta"}, "cross_entropy": {"--label-smoothing", "--weight"},
               "nll": {"--weight"}}.get(name.replace("-", "_"), set())
    for option in given:
        if option not in allowed:
            raise BadInput(f"{option} does not apply to {name}")
    trace = loss_trace(name, pred, target, reduction, **options)
    if not check:
        emit(trace, fmt, digits, decimals)
        return
    report = check_loss(trace)
    emit([trace, report], fmt, digits, decimals)
    if not report.ok:
        sys.exit(1)


@main.group()
def plot():
    """Pictures drawn with matplotlib (pip install 'bptrace[plot]')."""


@plot.command("losses")
@click.option("-o", "--output", type=OutputPath(), required=True, help="The picture to write (.png, .svg or .pdf).")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default=None,
              help="Format (default: from the file's suffix, which must agree).")
@click.option("--beta", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Smooth L1's beta.")
@click.option("--delta", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Huber's delta.")
def plot_losses_command(output, fmt, beta, delta):
    """L1, MSE, Smooth L1 and Huber over the residual, and their derivatives."""
    from ..renderers.plots import plot_losses
    output_format(output, fmt, {"png": "png", "svg": "svg", "pdf": "pdf"})
    plot_losses(output, beta, delta)
    wrote(output)
