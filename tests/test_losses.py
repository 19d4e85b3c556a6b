"""Losses: the course's examples, every loss/reduction/option against torch (float64) on
random inputs and on the edge cases, networks trained on each loss against autograd, the
command line (text, JSON, --check, bad input) and the loss pictures."""
from __future__ import annotations

import json
import math
import runpy
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bptrace
from bptrace.cli import main
from bptrace.lessons.loss_trace import loss_trace
from bptrace.oracle.lessons import check_loss

torch = pytest.importorskip("torch", reason="torch is the oracle; install the test extras")
ROOT = Path(__file__).resolve().parents[1]
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _ok(report):
    assert report.ok, "\n".join(f"{r.quantity}: bptrace {float(r.ours)!r} vs torch {r.theirs!r}"
                                for r in report.failures)


# ----- the course's five examples ---------------------------------------------------------------
@pytest.fixture(scope="module")
def course():
    return runpy.run_path(str(ROOT / "examples" / "losses.py"))


def test_course_examples_reproduce_torch(course):
    results = course["course_examples"]()
    for name, _, _, printed in course["EXAMPLES"]:
        trace, report, single = results[name]
        _ok(report)
        assert f"{single:.8g}".startswith(printed) or f"{single:.{len(printed) - 2}f}" == printed
    ce = results["cross-entropy"][0]
    assert float(ce.value) == pytest.approx(1.120075538276898, rel=1e-15, abs=0)
    assert f"{results['cross-entropy'][2]:.7f}" == "1.1200755"
    smooth = results["smooth-l1"][0]
    assert mpmath.almosteq(smooth.value, mpmath.mpf("1.14"), 1e-45)
    assert [float(g) for g in smooth.grad] == [0.3, -0.5]
    assert mpmath.almosteq(results["mse"][0].value, mpmath.mpf("0.67"), 1e-45)
    assert results["l1"][0].value == 1


def test_class_indices_and_one_hot_targets_agree():
    a = loss_trace("cross-entropy", "0.2,0.6,0.2;0.1,0.8,0.1", "1,2")
    b = loss_trace("cross-entropy", "0.2,0.6,0.2;0.1,0.8,0.1", "0,1,0;0,0,1")
    assert a.value == b.value and a.grad == b.grad


def test_logits_are_not_probabilities(course):
    ce, wrong = course["misreading"]()
    assert float(ce) == pytest.approx(1.120075538276898, rel=1e-15)
    assert mpmath.almosteq(wrong, -(mpmath.log(mpmath.mpf("0.6")) + mpmath.log(mpmath.mpf("0.1"))) / 2, 1e-45)
    assert float(wrong) == pytest.approx(1.406705358380018, rel=1e-15)


# ----- element-wise losses against torch --------------------------------------------------------------
def _text(values):
    return ",".join(repr(v) for v in values)


def _binary(values):
    """The exact values of the doubles torch will hold (a decimal like 0.9999999999999 read
    exactly differs from its double by 1e-17, which log(1 − x) amplifies a million-fold)."""
    return [Fraction(v) for v in values]


EDGE = {
    "bce": st.sampled_from([0.0, 1.0, 0.5, 1e-13, 1 - 1e-13]) | st.floats(0, 1),
    "smooth_l1": st.floats(-3, 3),
}


@FAST
@given(data=st.data())
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["mse", "l1", "smooth_l1", "huber", "bce", "bce_with_logits"])
def test_elementwise_against_torch(name, reduction, data):
    n = data.draw(st.integers(1, 5))
    if name == "bce":
        x = data.draw(st.lists(EDGE["bce"], min_size=n, max_size=n))
        y = data.draw(st.lists(st.sampled_from([0.0, 1.0]) | st.floats(0, 1), min_size=n, max_size=n))
    else:
        y = data.draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n))
        x = list(y)
        for k in range(n):
            kind = data.draw(st.sampled_from(["free", "zero", "plus", "minus"]))
            offset = {"smooth_l1": 0.5, "huber": 0.75}.get(name, 1.0)   # the option drawn below
            if kind == "free":
                x[k] = data.draw(st.floats(-30 if name == "bce_with_logits" else -3, 30 if name == "bce_with_logits" else 3))
            elif kind != "zero":      # a residual exactly ±beta / ±delta (a branch point)
                x[k] = y[k] + (offset if kind == "plus" else -offset)
    options = {"smooth_l1": {"beta": "0.5"}, "huber": {"delta": "0.75"}}.get(name, {})
    trace = loss_trace(name, _binary(x), _binary(y), reduction, **options)
    # torch's float64 BCE-with-logits, (1 − y)·x − logsigmoid(x), cancels to ~ulp(|x|) absolute
    # (at x = −22, y = 0: torch 2.7894841991837893e-10, exact 2.7894680924798682e-10)
    atol = 4e-15 * max([1.0] + [abs(v) for v in x]) if name == "bce_with_logits" else 1e-15
    _ok(check_loss(trace, atol=atol))


def test_l1_gradient_at_zero_is_zero_like_torch():
    trace = loss_trace("l1", "1,2", "1,3")
    assert [float(g) for g in trace.grad] == [0.0, -0.5]
    _ok(check_loss(trace))


def test_bce_edges_are_clamped_like_torch():
    trace = loss_trace("bce", "0,1,0,1", "0,1,1,0", "sum")
    assert float(trace.value) == 200.0                   # two logs clamped at −100
    floor = float(np.float32(1e-12))                    # torch's 1e-12 is a float32
    assert [float(g) for g in trace.grad] == [0.0, 0.0, -1 / floor, 1 / floor]
    _ok(check_loss(trace))


def test_smooth_l1_at_beta_takes_the_linear_branch_with_the_same_numbers():
    trace = loss_trace("smooth-l1", "1.5,-0.5", "1,0", "sum", beta="0.5")
    assert [e.when is None for e in trace.terms] == [True, True]   # |r| = β is not < β
    assert [float(g) for g in trace.grad] == [1.0, -1.0]
    _ok(check_loss(trace))


# ----- cross-entropy and NLL against torch ----------------------------------------------------------------
@FAST
@given(data=st.data())
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_against_torch(reduction, data):
    n, c = data.draw(st.integers(1, 4)), data.draw(st.integers(2, 5))
    scale = data.draw(st.sampled_from([1.0, 1e3]))       # very large logits: no overflow
    rows = [data.draw(st.lists(st.floats(-5, 5), min_size=c, max_size=c)) for _ in range(n)]
    pred = ";".join(_text([v * scale for v in row]) for row in rows)
    if data.draw(st.booleans()):
        target = _text(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    else:
        rows_t = []
        for _ in range(n):
            raw = data.draw(st.lists(st.integers(0, 4), min_size=c, max_size=c).filter(lambda v: sum(v)))
            rows_t.append(",".join(f"{v}/{sum(raw)}" for v in raw))
        target = ";".join(rows_t)
    options = {}
    if data.draw(st.booleans()):
        options["label_smoothing"] = data.draw(st.sampled_from(["0.1", "0.25", "1"]))
    if data.draw(st.booleans()):
        options["weight"] = data.draw(st.lists(st.sampled_from(["0.5", "1", "2", "3"]), min_size=c, max_size=c))
    trace = loss_trace("cross-entropy", pred, target, reduction, **options)
    assert all(math.isfinite(float(g)) for g in trace.grad)
    _ok(check_loss(trace))


@FAST
@given(data=st.data())
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_against_torch(reduction, data):
    n, c = data.draw(st.integers(1, 4)), data.draw(st.integers(2, 4))
    pred = ";".join(_text(data.draw(st.lists(st.floats(-6, 0), min_size=c, max_size=c))) for _ in range(n))
    target = _text(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    weight = data.draw(st.none() | st.lists(st.sampled_from(["0.5", "1", "2"]), min_size=c, max_size=c))
    _ok(check_loss(loss_trace("nll", pred, target, reduction, weight=weight)))


def test_single_row_cross_entropy_and_the_proof():
    trace = loss_trace("cross-entropy", "1000,0,-1000", "2")
    assert float(trace.value) == pytest.approx(2000.0, rel=1e-15)
    assert trace.proof.proven
    # the route's numbers equal the simplified gradient, class by class
    for step, g in zip(trace.route, trace.grad):
        assert mpmath.almosteq(step.value, g, 1e-40)
    _ok(check_loss(trace))


# ----- networks trained on each loss --------------------------------------------------------------------
NETWORK_LOSSES = [("mse", {}), ("sse", {}), ("half_sse", {}), ("l1", {}), ("smooth_l1", {"beta": "0.3"}),
                  ("huber", {"delta": "0.4"}), ("bce", {}), ("bce_with_logits", {}),
                  ("cross_entropy", {"label_smoothing": "0.2"}), ("cross_entropy", {"weight": [1, 2, "0.5"]}),
                  ("nll", {}), ("nll", {"weight": [1, 2, 3]})]


def _network(name, options, reduction, seed):
    import random
    r = random.Random(seed)
    w = lambda rows, cols: [[f"{r.uniform(-1.5, 1.5):.3f}" for _ in range(cols)] for _ in range(rows)]  # noqa: E731
    out_act = "sigmoid" if name == "bce" else r.choice(["identity", "tanh"]) if name != "nll" else "identity"
    layers = [bptrace.Layer(3, r.choice(["sigmoid", "tanh", "relu"]), w(3, 2), [f"{r.uniform(-1, 1):.2f}" for _ in range(3)]),
              bptrace.Layer(3, out_act, w(3, 3), f"{r.uniform(-1, 1):.2f}")]
    inputs = [[f"{r.uniform(-1, 1):.2f}" for _ in range(2)] for _ in range(2)]
    if name in ("cross_entropy", "nll"):
        targets = [[int(k == r.randrange(3)) for k in range(3)] for _ in range(2)]
        targets = [[1, 0, 0] if sum(t) != 1 else t for t in targets]
    else:
        targets = [[f"{r.uniform(0, 1):.2f}" for _ in range(3)] for _ in range(2)]
    return bptrace.Network(inputs, targets, layers, loss={"name": name, **options}, reduction=reduction)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name,options", NETWORK_LOSSES)
def test_network_gradients_match_autograd(name, options, reduction):
    if name == "nll" and options and reduction == "mean":
        with pytest.raises(bptrace.SpecError, match="divides by the sum of the targets' weights"):
            _network(name, options, reduction, 1)
        return
    for seed in range(3):
        net = _network(name, options, reduction, seed)
        _ok(net.check_torch())


@pytest.mark.parametrize("name,options", NETWORK_LOSSES[3:9])
def test_network_derivation_is_proven(name, options):
    net = _network(name, options, "sum", 7).sample_networks[0]
    for param in ("w1", "w10"):
        assert net.prove(param).proven
        d = net.derive(param)
        assert mpmath.almosteq(d.path_sum, d.value, 1e-40)


def test_bce_network_needs_outputs_in_the_unit_interval():
    net = bptrace.Network([1.0], [1], [bptrace.Layer(1, "identity", [[2]], 0)], loss="bce")
    with pytest.raises(bptrace.SpecError, match=r"loss: bce needs every output in \[0, 1\].*outputs\[0\] = 2"):
        net.loss_value


SPEC = """
loss = { name = "cross_entropy", label_smoothing = 0.1 }
reduction = "sum"
inputs = [0.5, -0.2]
targets = [0, 1, 0]
[[layers]]
units = 3
activation = "identity"
weights = [[0.1, 0.4], [-0.3, 0.2], [0.3, 0.3]]
bias = [0.1, -0.1, 0]
"""


def test_spec_file_loss_table(tmp_path):
    path = tmp_path / "ce.toml"
    path.write_text(SPEC)
    net = bptrace.load(path)
    assert net.loss == "cross_entropy" and float(net.loss.options["label_smoothing"]) == 0.1
    _ok(net.check_torch())
    r = CliRunner().invoke(main, ["forward", str(path)])
    assert "E_o2 = -(9/10·target_o2 + 1/30)·log(softmax_2(out_o1, out_o2, out_o3))" in r.output


@pytest.mark.parametrize("bad,message", [
    ('loss = { name = "cross_entropy", beta = 1 }', "loss.beta: cross_entropy has no option 'beta'"),
    ('loss = { name = "cross_entropy", label_smoothing = 1.5 }', "loss.label_smoothing: must be between 0 and 1"),
    ('loss = { name = "cross_entropy", weight = [1, 2] }', "loss.weight: expected 3 weights (one per class), got 2"),
    ('loss = { label_smoothing = 0.1 }', "loss.name: missing"),
])
def test_spec_file_bad_loss(tmp_path, bad, message):
    path = tmp_path / "net.toml"
    path.write_text(SPEC.replace('loss = { name = "cross_entropy", label_smoothing = 0.1 }', bad))
    r = CliRunner().invoke(main, ["forward", str(path)])
    assert r.exit_code == 2 and r.output == f"Error: {path}: {message}" + r.output.split(message, 1)[1]
    assert len(r.output.strip().splitlines()) == 1


def test_spec_targets_must_sum_to_one(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(SPEC.replace("targets = [0, 1, 0]", "targets = [0, 1, 0.5]"))
    r = CliRunner().invoke(main, ["forward", str(path)])
    assert r.output == f"Error: {path}: targets: the target probabilities sum to 1.5, not 1\n"


def test_from_torch_loss_modules():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 3)).double()
    X = torch.tensor([[0.5, -0.2], [0.1, 0.3]], dtype=torch.float64)
    T = torch.tensor([[0.1, 0.9, 2.0], [0.0, 0.3, -1]], dtype=torch.float64)
    cases = [(torch.nn.CrossEntropyLoss(label_smoothing=0.2), torch.tensor([1, 2])),
             (torch.nn.NLLLoss(weight=torch.tensor([1.0, 2.0, 3.0]), reduction="sum"), torch.tensor([0, 2])),
             (torch.nn.SmoothL1Loss(beta=0.25), T), (torch.nn.HuberLoss(delta=0.3, reduction="sum"), T),
             (torch.nn.L1Loss(), T), (torch.nn.BCEWithLogitsLoss(), T.clamp(0, 1))]
    for loss, targets in cases:
        net = bptrace.from_torch(model, X, targets, loss=loss)
        _ok(net.check_torch())        # includes the model's own loss and autograd
    with pytest.raises(bptrace.SpecError, match=r"targets\[1\]: class index 3 is out of range"):
        bptrace.from_torch(model, X, torch.tensor([1, 3]), loss="cross_entropy")
    with pytest.raises(bptrace.SpecError, match="weighted mean divides by the sum"):
        bptrace.from_torch(model, X, torch.tensor([1, 2]),
                           loss=torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 3.0])))


# ----- the command line ----------------------------------------------------------------------------
def test_cli_json_value_and_grad():
    r = CliRunner().invoke(main, ["loss", "smooth-l1", "--pred", "0.6,0.4", "--target", "0,3", "--format", "json"])
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert data["value"] == 1.14 and data["grad"] == [0.3, -0.5]
    r = CliRunner().invoke(main, ["loss", "cross-entropy", "--pred", "0.2,0.6,0.2;0.1,0.8,0.1",
                                  "--target", "1,2", "--format", "json"])
    data = json.loads(r.output)
    assert data["value"] == 1.120075538276898 and len(data["grad"]) == 2 and len(data["grad"][0]) == 3
    again = CliRunner().invoke(main, ["loss", "cross-entropy", "--pred", "0.2,0.6,0.2;0.1,0.8,0.1",
                                      "--target", "1,2", "--format", "json"])
    assert again.output == r.output


def test_cli_check_and_text():
    r = CliRunner().invoke(main, ["loss", "smooth-l1", "--pred", "0.6,0.4", "--target", "0,3", "--check"])
    assert r.exit_code == 0, r.output
    assert "  l_1 = (x_1 - y_1)²/(2·β) = (0.6 - 0)²/(2·1) = 0.18    (|0.6 - 0| < 1)\n" in r.output
    assert "  ∂L/∂x_2 = sign(x_2 - y_2)/2 = sign(0.4 - 3)/2 = -0.5\n" in r.output
    assert "all 3 agree" in r.output


@pytest.mark.parametrize("args,message", [
    (["mse", "--pred", "0.6,0.4", "--target", "1"], "--target: shape (1,) does not match --pred's (2,)"),
    (["bce", "--pred", "0.5,1.2", "--target", "0,1"], "--pred[1]: 1.2 is outside [0, 1]"),
    (["bce", "--pred", "0.5,0.2", "--target", "0,-1"], "--target[1]: -1 is outside [0, 1]"),
    (["cross-entropy", "--pred", "0.2,0.6,0.2;0.1,0.8,0.1", "--target", "1,3"],
     "--target[1]: class index 3 is out of range (classes 0 to 2)"),
    (["cross-entropy", "--pred", "0.2,0.6,0.2;0.1,0.8,0.1", "--target", "0,1,0;0,0.5,0.6"],
     "--target[1]: the class probabilities sum to 1.1, not 1"),
    (["cross-entropy", "--pred", "0.2,0.6", "--target", "0.5"], "--target[0]: a class index must be an integer"),
    (["nll", "--pred", "-0.2,-0.6;-1,-2", "--target", "0,1;1,0"], "--target: NLLLoss takes one class index"),
    (["mse", "--pred", "0.6,abc", "--target", "1,2"], "--pred[1]: 'abc' is not a number"),
    (["mse", "--pred", "0.6,__import__('os')", "--target", "1,2"], "--pred[1]: \"__import__('os')\" is not a number"),
    (["mse", "--pred", "1,2;3", "--target", "1,2;3,4"], "--pred: rows of different lengths (2, 1)"),
    (["smooth-l1", "--pred", "1", "--target", "1", "--beta", "-1"], "--beta: must be > 0"),
    (["mse", "--pred", "1", "--target", "1", "--beta", "2"], "--beta does not apply to mse"),
    (["cross-entropy", "--pred", "1,2", "--target", "1", "--weight", "1,2,3"],
     "--weight: expected 2 weights (one per class), got 3"),
])
def test_cli_bad_input(args, message):
    r = CliRunner().invoke(main, ["loss", *args])
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"Error: {message}"), r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output


# ----- the pictures ----------------------------------------------------------------------------------
def test_plot_losses_svg_is_deterministic(tmp_path):
    pytest.importorskip("matplotlib", reason="plots need matplotlib (the plot extra)")
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    for path in (a, b):
        r = CliRunner().invoke(main, ["plot", "losses", "-o", str(path), "--format", "svg"])
        assert r.exit_code == 0, r.output
    assert a.read_bytes() == b.read_bytes()
    assert b"Smooth L1" in a.read_bytes()
    png = tmp_path / "l.png"
    assert CliRunner().invoke(main, ["plot", "losses", "-o", str(png)]).exit_code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = CliRunner().invoke(main, ["plot", "losses", "-o", str(png), "--format", "pdf"])
    assert r.exit_code == 2 and r.output.startswith("Error: -o ")


def test_plotted_curves_are_the_tables_and_torchs():
    from bptrace.renderers.plots import curves
    data = curves(beta=1.0, delta=1.0, points=13)
    r = torch.tensor(data["r"], dtype=torch.float64, requires_grad=True)
    zero = torch.zeros_like(r)
    F = torch.nn.functional
    for name, fn in [("l1", F.l1_loss), ("mse", F.mse_loss), ("smooth_l1", F.smooth_l1_loss), ("huber", F.huber_loss)]:
        r.grad = None
        loss = fn(r, zero, reduction="none")
        loss.sum().backward()
        assert data[name][0] == pytest.approx(loss.tolist(), abs=1e-15)
        assert data[name][1] == pytest.approx(r.grad.tolist(), abs=1e-15)


def test_bce_with_logits_is_exact_where_torch_cancels():
    """bptrace computes log(1 + e^−|x|) at 50 digits; torch's float64 form loses digits."""
    trace = loss_trace("bce-with-logits", [Fraction(-22)], [0], "sum")
    assert mpmath.almosteq(trace.value, mpmath.log1p(mpmath.exp(-22)), 1e-45)
    report = check_loss(trace, atol=1e-13)
    _ok(report)
    assert report.rows[0].abs_diff > 1e-15              # torch's own rounding, stated in the README
