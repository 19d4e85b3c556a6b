"""The commands on a network: ``forward``, ``derive``, ``update``, ``train``, ``check``, and
``batches`` (epoch arithmetic)."""
from __future__ import annotations

import sys

import click

from ..errors import SpecError
from .main import BadInput, emit, load_spec, main, output_options
from .matrix import emit_matrix, matrix_option


@main.command()
@click.argument("spec")
@matrix_option
@output_options
def forward(spec, matrix, fmt, digits, decimals):
    """The forward pass: each net and out, each output's error, E_total."""
    if matrix:
        return emit_matrix(spec, "forward", fmt, digits, decimals)
    emit(load_spec(spec).forward(), fmt, digits, decimals)


@main.command()
@click.argument("spec")
@click.option("--wrt", multiple=True, metavar="PARAM", help="Parameter to differentiate by (repeatable).")
@click.option("--all", "all_", is_flag=True, help="Every parameter of the network.")
@click.option("--max-paths", type=click.IntRange(1, 4096), default=16, show_default=True,
              help="List chain-rule paths only up to this many (the delta form is always shown).")
@click.option("--prove/--no-prove", default=True, show_default=True,
              help="Check symbolically that the path sum equals sympy.diff of the written-out error.")
@matrix_option
@output_options
def derive(spec, wrt, all_, max_paths, prove, matrix, fmt, digits, decimals):
    """∂E_total/∂PARAM by the chain rule: every path, their sum, the delta form."""
    if matrix and (wrt or all_):
        raise BadInput("--matrix shows every layer's gradients at once: leave out --wrt and --all")
    if matrix:
        return emit_matrix(spec, "backward", fmt, digits, decimals)
    net = load_spec(spec)
    if not wrt and not all_:
        raise BadInput("say which parameter: --wrt w5 (repeatable) or --all")
    try:
        params = list(net.locations) if all_ else [net.check_param(p) for p in wrt]
    except SpecError as e:
        raise e.in_file(spec) from None
    if fmt == "json":
        entries = []
        for p in params:
            entry = net.derive(p, max_paths=max_paths).to_dict()
            if prove:
                proof = net.prove(p)
                entry["proof"] = ([q.to_dict() for q in proof] if isinstance(proof, tuple)
                                  else proof.to_dict())
            entries.append(entry)
        from ..printing.json import dumps
        click.echo(dumps(entries))
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
@matrix_option
@output_options
def update(spec, lr, update_biases, matrix, fmt, digits, decimals):
    """One gradient-descent step, w⁺ = w − η·∂E/∂w, all gradients at the old weights."""
    if matrix:
        return emit_matrix(spec, "update", fmt, digits, decimals, _exact_lr(lr), update_biases)
    net = load_spec(spec)
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
    net = load_spec(spec)
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
    from ..oracle.training import compare_training
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
    from ..calculus import optimizers
    from ..calculus.optimizers import counterpart
    from ..calculus.train import train_with_optimizer
    from ..lessons import schedules
    lr_text = _exact_lr(lr) or str(net.learning_rate)
    hyper = optimizers.hyper_parameters(name, lr=lr_text, convention=convention,
                                   **{k: v for k, v in hyper_options.items() if v is not None})
    sched = None
    if schedule_kind:
        sched = schedules.schedule(schedule_kind, lr_text, **schedule_options)
    if check and counterpart(name, hyper, convention) is None:
        raise BadInput(f"torch.optim has no {name} with ε inside the root "
                               "(--convention textbook): check with --convention torch")
    with _progress_bar(steps) as bar:
        trace = train_with_optimizer(net, steps, name, hyper, convention, sched, update_biases,
                                     every, progress=lambda r: bar.update(1))
    if not check:
        emit(trace, fmt, digits, decimals)
        return
    from ..oracle.training import compare_training
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
        from ..oracle.from_torch import load_torch_script
        net = load_torch_script(torch_script)
    else:
        net = load_spec(spec)
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
    from ..lessons.epochs import plan
    from ..oracle.lessons import torch_len
    p = plan(samples, batch_size, epochs, drop_last)
    theirs = torch_len(p) if check else None
    if fmt == "json":
        data = p.to_dict()
        if check:
            data["torch_iterations_per_epoch"] = theirs
        from ..printing.json import dumps
        click.echo(dumps(data))
    else:
        emit(p, fmt, 9, None)
        if check:
            verdict = "agrees" if theirs == p.per_epoch else "DIFFERS"
            click.echo(f"  torch: len(DataLoader(range({samples}), batch_size={batch_size}, "
                       f"drop_last={drop_last})) = {theirs}  {verdict}")
    if check and theirs != p.per_epoch:
        sys.exit(1)
