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
    f = click.option("--format", "fmt", type=click.Choice(["text", "json", "latex"]), default="text",
                     show_default=True, help="Output format (latex: align* fragments to paste).")(f)
    return f


def emit(trace, fmt: str, digits: int, decimals) -> None:
    from .printing import to_json, to_text
    if fmt == "json":
        click.echo(to_json(trace))
    elif fmt == "latex":
        from .printing.latex import NoLatexForm, to_latex
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
@click.option("--max-paths", type=click.IntRange(1, 4096), default=16, show_default=True,
              help="List chain-rule paths only up to this many (the delta form is always shown).")
@click.option("--prove/--no-prove", default=True, show_default=True,
              help="Check symbolically that the path sum equals sympy.diff of the written-out error.")
@output_options
def derive(spec, wrt, all_, max_paths, prove, fmt, digits, decimals):
    """∂E_total/∂PARAM by the chain rule: every path, their sum, the delta form."""
    net = _load(spec)
    if not wrt and not all_:
        raise BadInput("say which parameter: --wrt w5 (repeatable) or --all")
    try:
        params = list(net.locations) if all_ else [net.check_param(p) for p in wrt]
    except SpecError as e:
        raise e.in_file(spec) from None
    if fmt == "json":
        import json
        entries = []
        for p in params:
            entry = net.derive(p, max_paths=max_paths).to_dict()
            if prove:
                proof = net.prove(p)
                entry["proof"] = ([q.to_dict() for q in proof] if isinstance(proof, tuple)
                                  else proof.to_dict())
            entries.append(entry)
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    traces = []
    for p in params:
        traces.append(net.derive(p, max_paths=max_paths))
        if prove:
            traces.append(net.prove(p))
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
@click.option("--steps", type=click.IntRange(0, 10 ** 7), required=True,
              help="Rounds of gradient descent (at most 10,000,000; 100,000 with --exact or --optimizer).")
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
@click.option("--check", "check", is_flag=True,
              help="Run the same rounds with torch.optim (float64) and report the largest "
                   "differences; exit 1 if they exceed 1e-12 relative.")
@click.option("--optimizer", type=click.Choice(["sgd", "momentum", "adagrad", "rmsprop", "adam", "adamw"]),
              default=None, help="Train with this optimizer (the step code of `bptrace optim`, "
                                 "at 50 digits) instead of plain gradient descent.")
@click.option("--momentum", default=None, help="Optimizer: μ (momentum, sgd, rmsprop).")
@click.option("--nesterov", is_flag=True, default=None, help="Optimizer: Nesterov momentum.")
@click.option("--betas", default=None, metavar="B1,B2", help="Optimizer: Adam's β₁,β₂.")
@click.option("--alpha", default=None, help="Optimizer: RMSProp's α.")
@click.option("--eps", default=None, help="Optimizer: ε.")
@click.option("--weight-decay", default=None, help="Optimizer: λ.")
@click.option("--convention", type=click.Choice(["torch", "textbook"]), default="torch",
              show_default=True, help="Optimizer: torch's update rules or the course's forms.")
@click.option("--schedule", "schedule_kind", type=click.Choice(["step", "multistep", "exponential", "cosine"]),
              default=None, help="Learning-rate schedule, one epoch per round (as scheduler.step() "
                                 "after every optimizer.step()).")
@click.option("--gamma", default=None, help="Schedule: γ.")
@click.option("--step-size", default=None, help="Schedule: rounds between decays (step).")
@click.option("--milestones", default=None, metavar="E1,E2,…", help="Schedule: multistep milestones.")
@click.option("--t-max", default=None, help="Schedule: cosine's T_max.")
@click.option("--eta-min", default=None, help="Schedule: cosine's η_min.")
@output_options
def train(spec, steps, lr, update_biases, sequential, report, exact, every, check, optimizer,
          momentum, nesterov, betas, alpha, eps, weight_decay, convention, schedule_kind, gamma,
          step_size, milestones, t_max, eta_min, fmt, digits, decimals):
    """Train for --steps rounds and print the error as it falls."""
    net = _load(spec)
    if check and sequential:
        raise BadInput("--check compares with torch.optim.SGD, which has no --sequential slip")
    if optimizer or schedule_kind:
        if sequential or report != "after":
            raise BadInput("--sequential and --report belong to plain gradient descent, "
                                   "not to --optimizer/--schedule")
        return _train_with_optimizer(net, steps, lr, update_biases, every, check, optimizer or "sgd",
                                     dict(momentum=momentum, nesterov=nesterov, betas=betas,
                                          alpha=alpha, eps=eps, weight_decay=weight_decay),
                                     convention, schedule_kind,
                                     dict(gamma=gamma, step_size=step_size, milestones=milestones,
                                          t_max=t_max, eta_min=eta_min), fmt, digits, decimals)
    with _progress_bar(steps) as bar:
        last = [0]

        def progress(r):
            if r - last[0] >= 100 or r == steps:
                bar.update(r - last[0])
                last[0] = r

        trace = net.train(steps, lr=_exact_lr(lr), update_biases=update_biases,
                          sequential=sequential, report=report, exact=exact, every=every,
                          progress=progress)
    if not check:
        emit(trace, fmt, digits, decimals)
        return
    from .check import compare_training
    comparison = compare_training(net, trace, lr=_exact_lr(lr), update_biases=update_biases)
    emit([trace, comparison], fmt, digits, decimals)
    if not comparison.ok:
        sys.exit(1)


def _progress_bar(steps):
    """A bar on a terminal only: redirected output and JSON stay clean."""
    return click.progressbar(length=steps, label="training", file=sys.stderr,
                             hidden=not sys.stderr.isatty())


def _train_with_optimizer(net, steps, lr, update_biases, every, check, name, hyper_options,
                          convention, schedule_kind, schedule_options, fmt, digits, decimals):
    from . import optim, schedules
    from .train import train_with_optimizer
    lr_text = _exact_lr(lr) or str(net.learning_rate)
    hyper = optim.hyper_parameters(name, lr=lr_text, convention=convention,
                                   **{k: v for k, v in hyper_options.items() if v is not None})
    sched = None
    if schedule_kind:
        sched = schedules.schedule(schedule_kind, lr_text, **schedule_options)
    if check and optim.counterpart(name, hyper, convention) is None:
        raise BadInput(f"torch.optim has no {name} with ε inside the root "
                               "(--convention textbook): check with --convention torch")
    with _progress_bar(steps) as bar:
        trace = train_with_optimizer(net, steps, name, hyper, convention, sched, update_biases,
                                     every, progress=lambda r: bar.update(1))
    if not check:
        emit(trace, fmt, digits, decimals)
        return
    from .check import compare_training
    comparison = compare_training(net, trace, lr=lr_text, update_biases=update_biases,
                                  optimizer=(name, hyper, convention), schedule=sched)
    emit([trace, comparison], fmt, digits, decimals)
    if not comparison.ok:
        sys.exit(1)


@main.command()
@click.argument("spec", required=False)
@click.option("--torch-script", type=click.Path(exists=True, dir_okay=False),
              help="A Python file defining `model` (an nn.Module), `inputs` and `targets` "
                   "(tensors), and optionally `loss` and `reduction`; checked instead of SPEC.")
@click.option("--rtol", type=float, default=1e-12, show_default=True, help="Relative tolerance.")
@click.option("--atol", type=float, default=1e-15, show_default=True,
              help="Absolute tolerance, for values near zero.")
@output_options
def check(spec, torch_script, rtol, atol, fmt, digits, decimals):
    """Every forward value, the loss and every gradient, bptrace beside torch.autograd.

    Exit status 0 when all agree within the tolerance, 1 when any differ.
    """
    if bool(spec) == bool(torch_script):
        raise BadInput("give either SPEC or --torch-script FILE.py")
    if torch_script:
        from .from_torch import load_torch_script
        net = load_torch_script(torch_script)
    else:
        net = _load(spec)
    report = net.check_torch(rtol=rtol, atol=atol)
    emit(report, fmt, digits, decimals)
    if not report.ok:
        sys.exit(1)


@main.command()
@click.option("--samples", type=int, required=True, help="Samples in the data set.")
@click.option("--batch-size", type=int, required=True, help="Samples per batch.")
@click.option("--epochs", type=int, default=1, show_default=True, help="Passes over the data.")
@click.option("--drop-last", is_flag=True, help="Skip the last, partial batch (DataLoader's drop_last).")
@click.option("--check", "check", is_flag=True, help="Compare with len(torch DataLoader).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def batches(samples, batch_size, epochs, drop_last, check, fmt):
    """Iterations per epoch and in total for a data set split into mini-batches."""
    from .batches import plan, torch_len
    p = plan(samples, batch_size, epochs, drop_last)
    theirs = torch_len(p) if check else None
    if fmt == "json":
        import json
        data = p.to_dict()
        if check:
            data["torch_iterations_per_epoch"] = theirs
        click.echo(json.dumps(data, indent=2))
    else:
        emit(p, fmt, 9, None)
        if check:
            verdict = "agrees" if theirs == p.per_epoch else "DIFFERS"
            click.echo(f"  torch: len(DataLoader(range({samples}), batch_size={batch_size}, "
                       f"drop_last={drop_last})) = {theirs}  {verdict}")
    if check and theirs != p.per_epoch:
        sys.exit(1)


def document_options(f):
    f = click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                     help="The document's language (zh: Chinese, set with xelatex + ctex).")(f)
    f = click.option("--date", default="", help="The date on the title (default: none, so output is reproducible).")(f)
    f = click.option("--author", default="", help="The author on the title.")(f)
    f = click.option("--title", default=None, help="The title (default: Backpropagation, step by step).")(f)
    f = click.option("--wrt", multiple=True, metavar="PARAM",
                     help="A parameter whose gradient is derived (repeatable).")(f)
    f = click.option("--picture/--no-picture", default=True, show_default=True,
                     help="Include a picture of the network (TikZ, laid out by Graphviz).")(f)
    f = click.option("--pdf", is_flag=True,
                     help="Also compile the .tex (pdflatex, or xelatex for Chinese; needs -o; "
                          "the PDF and the log go beside it).")(f)
    f = click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
                     help="Write the .tex file here (default: standard output).")(f)
    f = click.option("--max-paths", type=click.IntRange(1, 4096), default=16, show_default=True,
                     help="List chain-rule paths only up to this many (the delta form is always shown).")(f)
    f = click.option("--decimals", type=click.IntRange(0, 40), default=None,
                     help="Round to this many places after the point instead.")(f)
    f = click.option("--digits", type=click.IntRange(1, 40), default=9, show_default=True,
                     help="Significant digits shown.")(f)
    return f


def _document(kind: str, spec: str, wrt, picture: bool, **settings) -> str:
    """The article or deck for SPEC; a bad --wrt names the file."""
    from .printing import latex_document as doc
    net = _load(spec)
    try:
        params = [net.check_param(p) for p in wrt] if wrt else None
    except SpecError as e:
        raise e.in_file(spec) from None
    make = doc.to_slides if kind == "slides" else doc.to_article
    return make(net, wrt=params, picture=doc.network_picture if picture else None, **settings)


def write_document(text: str, output, pdf: bool) -> None:
    """Echo or write the .tex; with --pdf compile it, or say how to get the engine (exit 2)."""
    if pdf and not output:
        raise BadInput("--pdf needs -o FILE.tex (the PDF is written beside it)")
    if not output:
        click.echo(text, nl=False)
        return
    with open(output, "w", encoding="utf-8") as fh:
        fh.write(text)
    if pdf:
        from .pdflatex import LatexFailed, LatexMissing, compile_pdf
        from .printing.latex_document import engine_of
        try:
            click.echo(f"wrote {output} and {compile_pdf(output, engine=engine_of(text)).name}")
        except LatexMissing as e:
            raise BadInput(f"wrote {output}, but {e}") from None
        except LatexFailed as e:
            raise click.ClickException(str(e)) from None
    else:
        click.echo(f"wrote {output}")


@main.command()
@click.argument("spec")
@click.option("--paper", type=click.Choice(["a4paper", "letterpaper"]), default="a4paper",
              show_default=True, help="Paper size.")
@click.option("--prove/--no-prove", default=True, show_default=True,
              help="Include the symbolic proof of each gradient.")
@document_options
def latex(spec, paper, prove, digits, decimals, max_paths, output, pdf, picture, wrt, title, author, date,
          lang):
    """A standalone LaTeX article walking through the whole example.

    The network, notation, forward pass, error, each neuron's delta (once), the
    gradients layer by layer (every parameter, or those named by --wrt) and one
    gradient-descent step. A batch shows each sample, then the reduction.
    """
    text = _document("latex", spec, wrt, picture, max_paths=max_paths, prove=prove, digits=digits,
                     decimals=decimals, paper=paper, title=title, author=author, date=date, lang=lang)
    write_document(text, output, pdf)


@main.command()
@click.argument("spec")
@click.option("--aspect", type=click.Choice(["169", "1610", "149", "43"]), default="169",
              show_default=True, help="Beamer aspect ratio (16:9, 16:10, 14:9, 4:3).")
@click.option("--pause", is_flag=True, help="Reveal each line of working with \\pause.")
@document_options
def slides(spec, aspect, pause, digits, decimals, max_paths, output, pdf, picture, wrt, title, author, date,
           lang):
    """A beamer deck: one idea per frame, from the picture to the update table.

    Derivation frames are made for the parameters named by --wrt; by default one
    output-layer weight and one first-layer weight (the update table lists every gradient).
    """
    text = _document("slides", spec, wrt, picture, max_paths=max_paths, digits=digits,
                     decimals=decimals, aspect=aspect, pause=pause, title=title, author=author,
                     date=date, lang=lang)
    write_document(text, output, pdf)


@main.command()
@click.argument("spec")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
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
    from pathlib import Path

    from .graphviz_render import GraphvizError, render
    if fmt is None:
        suffix = Path(output).suffix.lower().lstrip(".") if output else ""
        fmt = {"svg": "svg", "png": "png", "pdf": "pdf", "dot": "dot", "gv": "dot",
               "tex": "tikz", "tikz": "tikz"}.get(suffix, "svg")
    if kind is None:
        kind = "paths" if wrt else "network"
    if output is None and fmt in ("png", "pdf"):
        raise BadInput(f"--format {fmt} is binary: give a file with -o")
    settings = dict(kind=kind, wrt=wrt, backward=backward, values=not no_values,
                    only_paths=only_paths, digits=digits, max_paths=max_paths)
    net = _load(spec)
    try:
        if fmt == "tikz":
            from .printing.tikz import to_tikz
            data = to_tikz(net, **settings).encode("utf-8")
        else:
            from .printing.dot import to_dot
            source = to_dot(net, **settings)
            data = source.encode("utf-8") if fmt == "dot" else render(source, format=fmt, engine=engine)
    except SpecError as e:
        raise BadInput(str(e.in_file(spec) if not e.file else e)) from None
    except GraphvizError as e:
        raise BadInput(str(e)) from None
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        Path(output).write_bytes(data)


# the optimizer, moving-average, schedule and dropout commands register themselves on main
from . import cli_optim  # noqa: E402,F401


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
    from .losstrace import check_loss, loss_trace, parse_values
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
@click.option("-o", "--output", required=True, metavar="FILE", help="The picture to write (.png, .svg or .pdf).")
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default=None,
              help="Format (default: from the file's suffix, which must agree).")
@click.option("--beta", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Smooth L1's beta.")
@click.option("--delta", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Huber's delta.")
def plot_losses_command(output, fmt, beta, delta):
    """L1, MSE, Smooth L1 and Huber over the residual, and their derivatives."""
    from pathlib import Path

    from .loss_plot import plot_losses
    suffix = Path(output).suffix.lower().lstrip(".")
    if fmt is not None and suffix != fmt:
        raise BadInput(f"-o {output}: the suffix must be .{fmt} for --format {fmt}")
    plot_losses(output, beta, delta)
