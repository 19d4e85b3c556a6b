"""LaTeX for the optimizer, moving-average, schedule, dropout and loss traces.

Exact strings for the course's momentum example (f = w²/2 from w = 1, lr 0.01, μ 0.9:
w = 0.99, then 0.9711) and for Smooth L1 of [0.6, 0.4] against [0, 3] (1.14, gradient
[0.3, −0.5]); the numbers shown are the trace's own (torch checks them in test_optim.py and
test_losses.py), asserted here against the trace and exact values. Every other trace type
is printed once, outputs are byte-identical across processes, and every fragment compiles
with pdflatex (skipped, with the reason, when pdflatex is absent; .ci/run installs it).
"""
import os
import shutil
import subprocess
import sys

import mpmath
import pytest
from click.testing import CliRunner

from bptrace.calculus import optimizers
from bptrace.lessons import dropout, ema, optim, schedules
from bptrace.lessons import loss_trace as losstrace
from bptrace.oracle import optim_torch
from bptrace.oracle.check import CheckReport, CheckRow
from bptrace.cli import main
from bptrace.oracle.comparison import Comparison
from bptrace.lessons.expression import parse
from bptrace.printing.latex_lessons import to_latex
from bptrace.printing.latex_notation import formula, numbers, symbol

MOMENTUM = r"""Momentum, $\eta = 0.01$, on $f(w) = \frac{1}{2}w^{2}$ from $w = 1$; the same steps as \texttt{torch.optim.SGD(lr=0.01, momentum=0.9)}.
Convention torch: $v_{t} = \mu \cdot v_{t-1} + g_{t}$, $v_{1} = g_{1}$ ($\mu = 0.9$, dampening 0: $v$ is a sum, not an average).
$w \leftarrow w - \eta \cdot v$.
$\frac{\partial f}{\partial w} = w$.
Step 1 ($f(w_{0}) = 0.5$):
\begin{align*}
g_{1} &= w_{0} \\
&= 1 \\
v_{1} &= g_{1} \\
&= 1 \\
w_{1} &= w_{0} - \eta \cdot v_{1} \\
&= 1 - 0.01 \cdot 1 \\
&= 0.99
\end{align*}
Step 2 ($f(w_{1}) = 0.49005$):
\begin{align*}
g_{2} &= w_{1} \\
&= 0.99 \\
v_{2} &= \mu \cdot v_{1} + g_{2} \\
&= 0.9 \cdot 1 + 0.99 \\
&= 1.89 \\
w_{2} &= w_{1} - \eta \cdot v_{2} \\
&= 0.99 - 0.01 \cdot 1.89 \\
&= 0.9711
\end{align*}
After 2 steps: $w = 0.9711$, $f = 0.471517605$."""

SMOOTH_L1 = r"""\texttt{SmoothL1Loss(beta=1, reduction='mean')} on 2 elements.
$\beta = 1$ (torch's default 1); the two branches meet at $|x - y| = \beta$.
\[ l = \begin{cases}
\frac{\left(x - y\right)^{2}}{2 \cdot \beta} & \text{if } \left|x - y\right| < \beta \\
\left|x - y\right| - \frac{\beta}{2} & \text{otherwise}
\end{cases} \]
Each element's loss:
\begin{align*}
l_{1} &= \frac{\left(x_{1} - y_{1}\right)^{2}}{2 \cdot \beta} = \frac{\left(0.6 - 0\right)^{2}}{2 \cdot 1} = 0.18 && \left(\left|0.6 - 0\right| < 1\right) \\
l_{2} &= \left|x_{2} - y_{2}\right| - \frac{\beta}{2} = \left|0.4 - 3\right| - \frac{1}{2} = 2.1 \\
L &= \frac{l_{1} + l_{2}}{2} = \frac{0.18 + 2.1}{2} = 1.14
\end{align*}
Gradient of $L$ (the mean: each $\partial l / \partial x$ divided by the denominator):
\begin{align*}
\frac{\partial L}{\partial x_{1}} &= \frac{\frac{x_{1} - y_{1}}{\beta}}{2} = \frac{\frac{0.6 - 0}{1}}{2} = 0.3 && \left(\left|0.6 - 0\right| < 1\right) \\
\frac{\partial L}{\partial x_{2}} &= \frac{\operatorname{sign}\left(x_{2} - y_{2}\right)}{2} = \frac{\operatorname{sign}\left(0.4 - 3\right)}{2} = -0.5
\end{align*}"""


def momentum_trace(steps=2):
    return optim.trace("momentum", parse("w**2/2", ["w"]), {"w": "1.0"}, steps, lr="0.01", momentum="0.9")


def smooth_l1_trace():
    return losstrace.loss_trace("smooth_l1", "0.6,0.4", "0,3")


# ----- exact fragments ---------------------------------------------------------------------------
def test_momentum_fragment_exact():
    assert to_latex(momentum_trace()) == MOMENTUM


def test_momentum_numbers_are_the_traces():
    t = momentum_trace()
    w1, w2 = (s.params[0].new for s in t.steps)
    assert w1 == mpmath.mpf("0.99") and abs(w2 - mpmath.mpf("0.9711")) < mpmath.mpf(10) ** -45
    assert t.steps[1].params[0].state["v"] == mpmath.mpf("1.89")
    assert "&= 0.99\n" in MOMENTUM and "&= 0.9711\n" in MOMENTUM and "&= 1.89 \\\\" in MOMENTUM
    assert f"$f = {mpmath.nstr(t.final_f, 9)}$" in MOMENTUM
    # the convention is stated: torch's v = μ·v + g, not the average
    assert r"$v_{t} = \mu \cdot v_{t-1} + g_{t}$" in MOMENTUM and "not an average" in MOMENTUM


def test_smooth_l1_fragment_exact():
    assert to_latex(smooth_l1_trace()) == SMOOTH_L1


def test_smooth_l1_numbers_are_the_traces():
    t = smooth_l1_trace()
    assert abs(t.value - mpmath.mpf("1.14")) < mpmath.mpf(10) ** -45
    assert [float(g) for g in t.grad] == [0.3, -0.5]
    assert "= 1.14\n" in SMOOTH_L1 and "= 0.3 &&" in SMOOTH_L1 and SMOOTH_L1.count("= -0.5\n") == 1


def test_textbook_convention_is_stated():
    t = optim.trace("momentum", parse("w**2/2", ["w"]), {"w": "1"}, 2, convention="textbook",
                    lr="0.01", momentum="0.9")
    text = to_latex(t)
    assert r"v_{2} &= \beta \cdot v_{1} + \left(1 - \beta\right) \cdot g_{2}" in text
    assert "Convention textbook" in text and "no \\texttt{torch.optim}" not in text


# ----- notation ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, latex", [
    ("η", r"\eta"), ("μ", r"\mu"), ("β₁", r"\beta_1"), ("ε", r"\varepsilon"), ("α", r"\alpha"),
    ("λ", r"\lambda"), ("m̂_2", r"\hat{m}_{2}"), ("v̂_1", r"\hat{v}_{1}"), ("Ŝ_3", r"\hat{S}_{3}"),
    ("g_1", "g_{1}"), ("w1_0", "w_{1,0}"), ("w_0", "w_{0}"), ("η_min", r"\eta_{\mathrm{min}}"),
    ("x_1,2", "x_{1,2}"), ("∂E/∂y_1", r"\frac{\partial E}{\partial y_{1}}"), ("η(3)", r"\eta(3)"),
    ("ε_torch", r"\varepsilon_{\mathrm{torch}}"), ("a&b", r"\text{a\&b}"),
])
def test_symbols(name, latex):
    assert symbol(name) == latex


def test_quotients_and_roots():
    t = optim.trace("adam", parse("w**2/2", ["w"]), {"w": "1"}, 1)
    lines = t.steps[0].params[0].lines
    assert formula(lines[-1].formula) == r"w_{0} - \eta \cdot \frac{\hat{m}_{1}}{\sqrt{\hat{v}_{1}} + \varepsilon}"
    assert numbers(lines[3].formula, t.steps[0].params[0].values) == r"\frac{0.1}{1 - 0.9^{1}}"


# ----- every other trace type ----------------------------------------------------------------
def other_traces():
    obj = parse("(w1-1)**2 + 10*(w2+2)**2", ["w1", "w2"])
    start = {"w1": "1", "w2": "-1"}
    yield "sgd+nesterov+wd", optim.trace("sgd", obj, start, 1, lr="0.01", momentum="0.9", nesterov=True,
                                         weight_decay="0.1")
    for name in ("adagrad", "rmsprop", "adamw"):
        yield name, optim.trace(name, obj, start, 2)
    yield "rmsprop+momentum textbook", optim.trace("rmsprop", obj, start, 1, momentum="0.5",
                                                   convention="textbook")
    yield "compare", optim.compare(["sgd", "momentum", "adam"], obj, start, 3)
    yield "ema", ema.ema(["1", "2", "3"], "0.9")
    yield "ema bias", ema.ema(["1", "2"], "0.5", bias_correction=True)
    yield "step", schedules.trace(schedules.schedule("step", "0.1", step_size=3), 10)
    yield "multistep", schedules.trace(schedules.schedule("multistep", "0.1", milestones="2,5"), 8)
    yield "exponential", schedules.trace(schedules.schedule("exponential", "0.1", gamma="0.95"), 5)
    yield "cosine", schedules.trace(schedules.schedule("cosine", "0.1", t_max=10, eta_min="0.001"), 11)
    yield "dropout", dropout.dropout("1,2,3,4", "0.25", mask="1,0,1,1", upstream="0.5,1,-2,3")
    yield "dropout eval", dropout.dropout("1,-2", "0.5", training=False)
    for name, pred, target, opts in [
            ("mse", "0.6,0.4;1,2", "0,3;1,1", {}), ("l1", "0.6,0.4", "0.6,3", {}),
            ("huber", "0.6,4", "0,1", {"delta": "2"}), ("bce", "0.6,0.4", "0,1", {}),
            ("bce_with_logits", "2,-1", "1,0", {}), ("nll", "-1,-2,-0.5;-0.3,-2,-3", "2,0", {"weight": ["1", "2", "3"]}),
            ("cross_entropy", "1,2,0.5;0,1,0", "1,2", {"label_smoothing": "0.1", "weight": ["1", "2", "3"]}),
            ("cross_entropy", "1,2,0.5", "0.2,0.5,0.3", {})]:
        yield name, losstrace.loss_trace(name, pred, target, "mean", **opts)
    yield "loss none", losstrace.loss_trace("smooth_l1", "0.6,0.4", "0,3", "none", beta="0.5")
    yield "comparison", Comparison("torch.optim.SGD", 6, 0, "w_1", 0.99, 0.99, 0.0, 0.0, 1.2e-16, 1e-12, 1e-15)
    yield "comparison failed", Comparison("torch.optim.SGD", 6, 1, "∂f/∂w at step 1", 1.0, 1.5, 0.5, 0.33,
                                          0.33, 1e-12, 1e-15)
    yield "check report", CheckReport("SmoothL1Loss", (CheckRow("L", mpmath.mpf("1.14"), 1.1400000000000001, True),
                                                       CheckRow("∂L/∂x_1", mpmath.mpf("0.3"), 0.4, False)),
                                      1e-12, 1e-15)


OTHERS = list(other_traces())


@pytest.mark.parametrize("label, trace", OTHERS, ids=[label for label, _ in OTHERS])
def test_every_trace_type_prints(label, trace):
    text = to_latex(trace)
    assert text and "[U+" not in text, text      # every symbol had a LaTeX form
    assert text == to_latex(trace)


def test_values_shown_are_the_traces():
    t = schedules.trace(schedules.schedule("multistep", "0.1", milestones="2,5"), 8, at=[0, 2, 5])
    text = to_latex(t)
    assert [r.step.value for r in t.rows] == [mpmath.mpf("0.1"), mpmath.mpf("0.1") ** 2, mpmath.mpf("0.1") ** 3]
    for r in t.rows:
        assert f"&= {mpmath.nstr(r.step.value, 9, strip_zeros=True)}" in text.replace("\\\\\n", "\n")
    d = dropout.dropout("1,2,3,4", "0.25", mask="1,0,1,1", upstream="0.5,1,-2,3")
    text = to_latex(d)
    assert d.outputs[0] == mpmath.mpf(4) / 3 and "&= 1.33333333" in text
    assert d.grads[2] == mpmath.mpf(-8) / 3 and "&= -2.66666667" in text
    e = ema.ema(["1", "2", "3"], "0.9")
    assert e.steps[-1].s == mpmath.mpf("1.29") and "&= 1.29\n" in to_latex(e) + "\n"
    ce = losstrace.loss_trace("cross_entropy", "1,2,0.5", "1")
    text = to_latex(ce)
    p = [mpmath.exp(1), mpmath.exp(2), mpmath.exp(mpmath.mpf("0.5"))]
    assert f"= {mpmath.nstr(p[1] / sum(p), 9)}" in text
    assert r"p_{1,j} - y_{1,j}$, that is $\operatorname{softmax}(x_{1})_{j} - y_{1,j}$" in text
    assert "Symbolic proof (3 classes)" in text and ": proven." in text


def test_cross_entropy_route_and_simplification():
    t = losstrace.loss_trace("cross_entropy", "1,2,0.5", "1")
    text = to_latex(t)
    route = text.split("The general route")[1]
    for step, grad in zip(t.route, t.grads):
        assert abs(step.value - grad.step.value) < mpmath.mpf(10) ** -40   # mean over 1 sample
    assert route.count(r"\frac{\partial l_{1}}{\partial x_{1,") == 5      # the heading, 3 rows, the simplification


# ----- the CLI and determinism ---------------------------------------------------------------
CLI_RUNS = [
    ["optim", "momentum", "--objective", "w**2/2", "--init", "w=1.0", "--lr", "0.01", "--momentum", "0.9"],
    ["optim", "compare", "sgd", "adam", "--objective", "w**2/2", "--init", "w=1", "--steps", "3"],
    ["ema", "1", "2", "3", "--beta", "0.9"],
    ["schedule", "cosine", "--lr", "0.1", "--t-max", "10", "--epochs", "10"],
    ["dropout", "--p", "0.5", "--input", "1,2,3", "--mask", "1,0,1"],
    ["loss", "cross-entropy", "--pred", "1,2,0.5", "--target", "1"],
]


@pytest.mark.parametrize("args", CLI_RUNS, ids=[" ".join(a[:2]) for a in CLI_RUNS])
def test_format_latex_on_the_commands(args):
    result = CliRunner().invoke(main, args + ["--format", "latex"])
    assert result.exit_code == 0, result.output
    assert ("\\begin{align*}" in result.output or "\\begin{tabular}" in result.output)
    assert "\x1b[" not in result.output


def test_cli_prints_the_printers_fragment():
    result = CliRunner().invoke(main, CLI_RUNS[0] + ["--format", "latex"])
    assert result.output == MOMENTUM + "\n"
    result = CliRunner().invoke(main, ["loss", "smooth-l1", "--pred", "0.6,0.4", "--target", "0,3",
                                       "--format", "latex"])
    assert result.output == SMOOTH_L1 + "\n"


def test_byte_identical_across_processes_and_hash_seeds():
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        for args in (CLI_RUNS[1], CLI_RUNS[5]):
            done = subprocess.run([sys.executable, "-c", "from bptrace.cli import main; main()", *args,
                                   "--format", "latex"], capture_output=True, env=env, check=True)
            outs.append(done.stdout)
    assert outs[0] == outs[2] and outs[1] == outs[3]
    assert outs[1].decode().startswith(r"\texttt{CrossEntropyLoss(reduction='mean')}")


# ----- pdflatex ----------------------------------------------------------------------------------
@pytest.mark.skipif(shutil.which("pdflatex") is None,
                    reason="pdflatex is not installed (apt-get install texlive-latex-base "
                           "texlive-latex-recommended); .ci/run installs it")
def test_every_fragment_compiles(tmp_path):
    fragments = [MOMENTUM, SMOOTH_L1] + [to_latex(t) for _, t in OTHERS]
    body = "\n\n\\bigskip\n".join(fragments)
    doc = ("\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{amsmath,amssymb}\n"
           "\\allowdisplaybreaks\n\\begin{document}\n" + body + "\n\\end{document}\n")
    (tmp_path / "all.tex").write_text(doc, encoding="utf-8")
    done = subprocess.run(["pdflatex", "-halt-on-error", "-interaction=nonstopmode", "all.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    log = (tmp_path / "all.log").read_text(errors="replace")
    assert done.returncode == 0, "\n".join(l for l in log.splitlines() if l.startswith("!"))[:2000]
    assert (tmp_path / "all.pdf").stat().st_size > 0
    assert "Undefined control sequence" not in log
