"""The ``optim``, ``ema``, ``schedule`` and ``dropout`` commands: parse, call the library, print.

Registered on ``bptrace.cli.main`` when ``cli/__init__.py`` imports this module. Numbers are
taken as text so the library reads them exactly (``--lr 0.01`` is 1/100). Bad input is one
line and exit status 2; a ``--check`` beyond tolerance exits 1. Nothing heavy is imported
until a command runs.
"""
from __future__ import annotations

import click

from .html import add_to_page, current_lang, lang_option
from .main import BadInput, OutputPath, main, wrote


def _print(trace, fmt: str, digits: int, decimals) -> None:
    if fmt != "html" and current_lang() != "en":
        raise BadInput("--lang zh: only --format html has Chinese words for this command")
    if fmt == "html":
        add_to_page([trace], digits, decimals)
    elif fmt == "json":
        from ..printing import to_json
        click.echo(to_json(trace))
    elif fmt == "latex":
        from ..printing.latex_lessons import to_latex
        click.echo(to_latex(trace, digits=digits, decimals=decimals))
    else:
        from ..printing.text_lessons import to_text
        click.echo(to_text(trace, digits=digits, decimals=decimals, color=True))


def _report(comparisons, fmt: str) -> None:
    """Print torch comparisons; exit 1 when any is beyond tolerance."""
    if fmt == "html":
        add_to_page(list(comparisons))
    elif fmt == "text":
        from ..printing.text_lessons import to_text
        for c in comparisons:
            click.echo(to_text(c))
    elif fmt == "latex":
        from ..printing.latex_lessons import to_latex
        for c in comparisons:
            click.echo(to_latex(c))
    if not all(c.ok for c in comparisons):
        raise click.exceptions.Exit(1)


def _needs_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        raise BadInput("--check needs torch: pip install torch==2.13.0") from None


def _output_options(f):
    f = click.option("--decimals", type=click.IntRange(0, 40), default=None,
                     help="Round to this many places after the point instead.")(f)
    f = click.option("--digits", type=click.IntRange(1, 40), default=9, show_default=True,
                     help="Significant digits shown (values are computed to 50).")(f)
    f = click.option("--format", "fmt", type=click.Choice(["text", "json", "latex", "html"]), default="text",
                     show_default=True, help="Output format (latex: align* fragments to paste; "
                                             "html: a self-contained page).")(f)
    return lang_option(f)


@main.command(context_settings={"show_default": True})
@click.argument("names", nargs=-1, required=True, metavar="NAME | compare NAME…")
@click.option("--objective", required=True, metavar="EXPR",
              help='f of the parameters, e.g. "w**2/2" or "(w1-1)**2 + 10*(w2+2)**2"; '
                   "numbers, + - * / ** ^, exp log sqrt sin cos tanh sigmoid.")
@click.option("--init", required=True, metavar="NAME=VALUE,…", help="Starting point, e.g. w=1.0 or w1=1,w2=-2.")
@click.option("--steps", type=click.IntRange(0, 100000), default=2, help="Optimizer steps.")
@click.option("--lr", default=None, help="Learning rate η [default: torch's for the optimizer].")
@click.option("--momentum", default=None, help="μ (sgd, momentum [0.9], rmsprop).")
@click.option("--nesterov", is_flag=True, help="Nesterov momentum (torch's form).")
@click.option("--betas", default=None, metavar="B1,B2", help="Adam's β₁,β₂ [0.9,0.999].")
@click.option("--alpha", default=None, help="RMSProp's α [0.99].")
@click.option("--eps", default=None, help="ε [1e-10 AdaGrad, 1e-8 RMSProp and Adam].")
@click.option("--weight-decay", default=None, help="λ: L2 (g + λ·w), AdamW's decoupled [0.01].")
@click.option("--convention", type=click.Choice(["torch", "textbook"]), default="torch",
              help="torch's v = μ·v + g and ε outside the root, or the course's average "
                   "v = β·v + (1 − β)·g and ε inside the root.")
@click.option("--check", is_flag=True, help="Run the same steps with torch.optim (float64) and "
                                            "report the largest difference (exit 1 beyond 1e-12).")
@click.option("-o", "--output", type=OutputPath(), default=None,
              help="optim compare: draw the trajectories (png, svg, pdf; needs matplotlib).")
@_output_options
def optim(names, objective, init, steps, lr, momentum, nesterov, betas, alpha, eps, weight_decay,
          convention, check, output, fmt, digits, decimals):
    """Optimizer steps, every one worked: gradient, state variables, new parameters.

    NAME is sgd, momentum, adagrad, rmsprop, adam or adamw. `optim compare NAME…` runs
    several on the same objective side by side (-o paths.png draws them).
    """
    from ..calculus.optimizers import OPTIMIZERS, checkable
    from ..lessons import optim as lib
    from ..lessons.expression import ExpressionError, parse
    from ..oracle import optim_torch

    comparing = names[0] == "compare"
    chosen = list(names[1:] if comparing else names)
    if not comparing and len(chosen) != 1:
        raise BadInput("name one optimizer, or several after `compare`")
    for n in chosen:
        if n not in OPTIMIZERS:
            raise BadInput(f"optim: unknown optimizer {n!r} (one of {', '.join(OPTIMIZERS)})")
    if output and not comparing:
        raise BadInput("-o draws `optim compare …`")
    start = lib.parse_init(init)
    try:
        obj = parse(objective, list(start))
    except ExpressionError as e:
        raise BadInput(f"--objective: {e}") from None
    hyper = dict(lr=lr, momentum=momentum, nesterov=nesterov, betas=betas, alpha=alpha, eps=eps,
                 weight_decay=weight_decay)
    if output:
        from ..renderers.plotting import check_path
        check_path(output)
    if check:
        for n in chosen:
            if not checkable(n, convention):
                raise BadInput(f"--check: torch has no {n} with ε inside the root "
                               "(--convention textbook); check with --convention torch")
        _needs_torch()
    if comparing:
        hyper = {k: v for k, v in hyper.items() if v not in (None, False)}
        result = lib.compare(chosen, obj, start, steps, convention, **hyper)
        traces = list(result.traces)
    else:
        result = lib.trace(chosen[0], obj, start, steps, convention, **hyper)
        traces = [result]
    comparisons = [optim_torch.check_torch(t) for t in traces] if check else []
    if fmt == "json" and comparisons:
        data = result.to_dict()
        checks = [c.to_dict() for c in comparisons]
        data["check"] = checks if comparing else checks[0]
        from ..printing.json import dumps
        click.echo(dumps(data))
    else:
        _print(result, fmt, digits, decimals)
    if output:
        from ..renderers.plots import plot_paths
        plot_paths(result, output)
        wrote(output)
    _report(comparisons, fmt)


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("values", nargs=-1, required=True)
@click.option("--beta", required=True, help="Weight of the past, in [0, 1).")
@click.option("--bias-correction", is_flag=True, help="Start from 0 and show Ŝ_t = S_t/(1 − β^t).")
@click.option("--start", type=click.Choice(["first", "zero"]), default=None,
              help="S_1 = Y_1 (the course's, default) or S_0 = 0 (default with --bias-correction).")
@_output_options
def ema(values, beta, bias_correction, start, fmt, digits, decimals):
    """The exponentially weighted average of VALUES, step by step."""
    from ..lessons.ema import ema as run
    _print(run(values, beta, bias_correction=bias_correction, start=start), fmt, digits, decimals)


@main.command(context_settings={"show_default": True})
@click.argument("kind", type=click.Choice(["step", "multistep", "exponential", "cosine"]))
@click.option("--lr", required=True, help="The initial learning rate η_0.")
@click.option("--gamma", default=None, help="Decay factor γ (step, multistep [0.1]; exponential).")
@click.option("--step-size", default=None, help="step: epochs between decays.")
@click.option("--milestones", default=None, metavar="E1,E2,…", help="multistep: epochs where γ applies, increasing.")
@click.option("--t-max", default=None, help="cosine: epochs from η_0 down to η_min.")
@click.option("--eta-min", default=None, help="cosine: the minimum [0].")
@click.option("--epochs", type=click.IntRange(1, 10 ** 6), default=100, help="Epochs 0 … N−1.")
@click.option("--at", default=None, metavar="E1,E2,…", help="Epochs in the table [each change, or ten stops].")
@click.option("--check", is_flag=True, help="Compare every epoch with torch.optim.lr_scheduler (exit 1 beyond 1e-12).")
@click.option("-o", "--output", type=OutputPath(), default=None, help="Plot the schedule (png, svg, pdf; needs matplotlib).")
@_output_options
def schedule(kind, lr, gamma, step_size, milestones, t_max, eta_min, epochs, at, check, output,
             fmt, digits, decimals):
    """A learning-rate schedule: its closed form, worked at chosen epochs."""
    from ..lessons import schedules as lib
    from ..oracle.lessons import check_schedule
    s = lib.schedule(kind, lr, gamma=gamma, step_size=step_size, milestones=milestones,
                     t_max=t_max, eta_min=eta_min)
    epochs_at = None if at is None else [e.strip() for e in at.split(",")]
    if output:
        from ..renderers.plotting import check_path
        check_path(output)
    if check:
        _needs_torch()
    t = lib.trace(s, epochs, epochs_at)
    comparison = check_schedule(t) if check else None
    if fmt == "json" and comparison:
        data = t.to_dict()
        data["check"] = comparison.to_dict()
        from ..printing.json import dumps
        click.echo(dumps(data))
    else:
        _print(t, fmt, digits, decimals)
    if output:
        from ..renderers.plots import plot_schedule
        plot_schedule(t, output)
        wrote(output)
    _report([comparison] if comparison else [], fmt)


@main.command("dropout")
@click.option("--p", "p", required=True, help="Probability of dropping a unit, in [0, 1).")
@click.option("--input", "inputs", required=True, metavar="X1,X2,…", help="The layer's outputs.")
@click.option("--mask", default=None, metavar="M1,M2,…", help="1 keeps a unit, 0 drops it.")
@click.option("--seed", type=click.IntRange(0, 2 ** 63 - 1), default=None,
              help="Draw the mask as torch does after torch.manual_seed(SEED) (needs torch).")
@click.option("--eval", "eval_", is_flag=True, help="Evaluation mode: dropout is the identity.")
@click.option("--upstream", default=None, metavar="G1,G2,…", help="∂E/∂y flowing back [1 each: E = Σ y].")
@click.option("--check", is_flag=True, help="Compare with torch's nn.Dropout, same mask (exit 1 beyond 1e-12).")
@_output_options
def dropout_command(p, inputs, mask, seed, eval_, upstream, check, fmt, digits, decimals):
    """Dropout on one layer: dropped units, the 1/(1 − p) scaling, the gradient through kept units."""
    from ..lessons.dropout import dropout
    from ..oracle.lessons import check_dropout
    if check:
        _needs_torch()
    t = dropout(inputs, p, mask=mask, seed=seed, training=not eval_, upstream=upstream)
    if not check:
        _print(t, fmt, digits, decimals)
        return
    comparison, how = check_dropout(t)
    if fmt == "json":
        data = t.to_dict()
        data["check"] = {**comparison.to_dict(), "how": how}
        from ..printing.json import dumps
        click.echo(dumps(data))
    else:
        _print(t, fmt, digits, decimals)
        note = None
        if how["mode"] == "seed" and not how["given"]:
            note = f"torch.manual_seed({how['seed']}) makes nn.Dropout draw this mask"
        elif how["mode"] == "formula":
            note = (f"no seed below {how['searched']} makes nn.Dropout draw this mask: "
                    "compared with autograd of x·m/(1 − p)")
        if note and fmt == "latex":
            from ..printing.latex_expr import escape_text
            note = escape_text(note.replace("x·m/(1 − p)", "x*m/(1 - p)")) + "."
        if note:
            click.echo(note)
    _report([comparison], fmt)
