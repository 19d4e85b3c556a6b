"""torch as the oracle and the bridge: from_torch, check, mini-batches, training with SGD."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bptrace
from bptrace.model.activations import ACTIVATIONS
from bptrace.cli import main
from conftest import assert_close, published, random_network

torch = pytest.importorskip("torch", reason="torch is the oracle; install the test extras")
nn = torch.nn
F = torch.nn.functional
ROOT = Path(__file__).resolve().parent.parent
F64 = torch.float64


def mazur_model(hidden):
    """The classic weights in a float64 torch model; ``hidden`` is applied after linear1."""
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear1 = nn.Linear(2, 2)
            self.linear2 = nn.Linear(2, 2)

        def forward(self, x):
            return torch.sigmoid(self.linear2(hidden(self.linear1(x))))

    m = Model().double()
    with torch.no_grad():
        m.linear1.weight.copy_(torch.tensor([[0.15, 0.20], [0.25, 0.30]], dtype=F64))
        m.linear1.bias.fill_(0.35)
        m.linear2.weight.copy_(torch.tensor([[0.40, 0.45], [0.50, 0.55]], dtype=F64))
        m.linear2.bias.fill_(0.60)
    return m


X = torch.tensor([0.05, 0.10], dtype=F64)
T = torch.tensor([0.01, 0.99], dtype=F64)


def test_course_model_relu_loss_is_torchs():
    net = bptrace.from_torch(mazur_model(torch.relu), X, T)
    assert [ly.activation for ly in net.layers] == ["relu", "sigmoid"]
    assert_close(net.loss_value, 0.2829275069009325, "loss")
    report = net.check_torch()
    assert report.ok, [r.to_dict() for r in report.failures]
    assert len(report.rows) == 8 + 1 + 12


def test_sigmoid_import_reproduces_the_classic_gradients():
    # MSELoss's mean over two outputs is exactly the half sum of squares; the imported
    # weights are the doubles nearest 0.15, …, so agreement is to float64's 1e-16, not 50 digits
    net = bptrace.from_torch(mazur_model(torch.sigmoid), X, T)
    g = net.gradients()
    classic = bptrace.load("mazur").gradients()
    for torch_name, name in [("linear1.weight[0,0]", "w1"), ("linear1.weight[0,1]", "w2"),
                             ("linear1.weight[1,0]", "w3"), ("linear1.weight[1,1]", "w4"),
                             ("linear2.weight[0,0]", "w5"), ("linear2.weight[1,1]", "w8")]:
        assert abs(g[torch_name] - classic[name]) < 1e-15 * abs(classic[name]), torch_name
    assert published(g["linear2.weight[0,0]"], "0.082167041")
    assert published(g["linear1.weight[0,0]"], "0.000438568")
    # torch's per-neuron biases: their gradients sum to the shared bias's
    assert abs(g["linear1.bias[0]"] + g["linear1.bias[1]"] - classic["b1"]) < 1e-15 * classic["b1"]


def test_sequential_and_functional_forms_and_names():
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 2), nn.Linear(2, 1, bias=False),
                          nn.LeakyReLU(), nn.Identity()).double()
    x = torch.tensor([0.3, -0.2, 0.9], dtype=F64)
    net = bptrace.from_torch(model, x, torch.tensor([0.5], dtype=F64))
    assert [ly.activation for ly in net.layers] == ["tanh", "identity", "leaky_relu"]
    assert list(net.locations)[:2] == ["0.weight[0,0]", "0.weight[0,1]"]
    assert "3.bias[0]" not in net.locations and "3.weight[0,1]" in net.locations
    assert net.check_torch().ok

    class Functional(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 3), nn.Linear(3, 2)

        def forward(self, x):
            return F.leaky_relu(self.b(self.a(x).tanh()))

    net = bptrace.from_torch(Functional().double(), X, T, loss="half_sse", reduction="sum")
    assert [ly.activation for ly in net.layers] == ["tanh", "leaky_relu"]
    assert net.check_torch().ok


@pytest.mark.parametrize("model,message", [
    (nn.Sequential(nn.Linear(2, 2), nn.Softmax(dim=-1)), "unsupported layer '1' (Softmax)"),
    (nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5)), "unsupported layer '1' (Dropout)"),
    (nn.Sequential(nn.Sigmoid(), nn.Linear(2, 2)), "activation '0' (Sigmoid) does not follow a linear layer"),
    (nn.Sequential(nn.Linear(2, 2), nn.LeakyReLU(0.2)), "negative_slope 0.2"),
])
def test_unsupported_models_are_named(model, message):
    with pytest.raises(bptrace.SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        bptrace.from_torch(model.double(), X, T)


def test_batches_reduce_like_mseloss():
    model = mazur_model(torch.relu)
    xb = torch.tensor([[0.05, 0.10], [0.9, -0.4], [0.3, 0.3]], dtype=F64)
    tb = torch.tensor([[0.01, 0.99], [0.5, 0.2], [1.0, 0.0]], dtype=F64)
    for reduction in ("mean", "sum"):
        net = bptrace.from_torch(model, xb, tb, reduction=reduction)
        assert net.batch_size == 3
        theirs = nn.MSELoss(reduction=reduction)(model(xb), tb).item()
        assert_close(net.loss_value, theirs, f"loss ({reduction})")
        assert net.check_torch().ok
        d = net.derive("linear1.weight[0,1]")
        assert len(d.samples) == 3 and d.value == net.gradients()["linear1.weight[0,1]"]
        scale = 3 if reduction == "mean" else 1
        assert abs(sum(s.value for s in d.samples) / scale - d.value) < 1e-45


BATCH_SPEC = """\
inputs = [[0.05, 0.10], [0.20, -0.30]]
targets = [[0.01, 0.99], [0.50, 0.50]]
reduction = "mean"
loss = "mse"
[[layers]]
units = 2
weights = [[0.15, 0.20], [0.25, 0.30]]
bias = 0.35
[[layers]]
units = 2
weights = [[0.40, 0.45], [0.50, 0.55]]
bias = 0.60
"""


def test_batch_spec_traces_each_sample_and_the_reduction(tmp_path):
    path = tmp_path / "batch.toml"
    path.write_text(BATCH_SPEC)
    net = bptrace.load(path)
    assert net.check_torch().ok
    text = bptrace.to_text(net.derive("w5"))
    assert "Sample 2 of 2" in text and "∂E_total/∂w5 = ½(∂E_1/∂w5 + ∂E_2/∂w5)" in text
    fwd = bptrace.to_text(net.forward())
    assert "E_total = ½(E_1 + E_2)" in fwd
    assert all(p.proven for p in net.prove("w1"))
    r = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    assert r.exit_code == 0 and json.loads(r.output)["ok"] is True
    bad = BATCH_SPEC.replace("[0.20, -0.30]", "[0.20]")
    path.write_text(bad)
    r = CliRunner().invoke(main, ["forward", str(path)])
    assert r.exit_code == 2
    assert r.output == (f"Error: {path}: inputs[1]: expected 2 inputs per sample, got 1\n")


def test_batch_training_matches_torch_sgd(tmp_path):
    path = tmp_path / "batch.toml"
    path.write_text(BATCH_SPEC)
    r = CliRunner().invoke(main, ["train", str(path), "--steps", "50", "--check"])
    assert r.exit_code == 0, r.output
    assert "bptrace and torch agree" in r.output


def test_check_cli_table_and_failure(monkeypatch):
    r = CliRunner().invoke(main, ["check", "mazur"])
    assert r.exit_code == 0
    assert "  ∂E_total/∂w5    0.082167040564230779     0.08216704056423077" in r.output
    assert r.output.rstrip().endswith("all 19 agree")
    import bptrace.oracle.check as check
    real = check.torch_values

    def off(net):
        values = real(net)
        values["grad:w5"] *= 1 + 1e-9
        return values
    monkeypatch.setattr(check, "torch_values", off)
    r = CliRunner().invoke(main, ["check", "mazur"])
    assert r.exit_code == 1
    assert "DIFFERS" in r.output and "1 of 19 differ" in r.output


def test_torch_script(tmp_path):
    r = CliRunner().invoke(main, ["check", "--torch-script", str(ROOT / "examples" / "course_model.py")])
    assert r.exit_code == 0, r.output
    assert "∂E_total/∂linear1.weight[0,0]" in r.output and "all 21 agree" in r.output
    script = tmp_path / "bad.py"
    script.write_text("model = None\n")
    r = CliRunner().invoke(main, ["check", "--torch-script", str(script)])
    assert r.exit_code == 2
    assert r.output == f"Error: {script}: inputs, targets: not defined by the script (it must define model, inputs and targets)\n"


def test_course_example_runs_end_to_end():
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "course_model.py")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "largest difference from torch.optim.SGD" in r.stdout


@pytest.mark.parametrize("args,per_epoch,total", [
    (["--samples", "50000", "--batch-size", "256", "--epochs", "10"], 196, 1960),
    (["--samples", "50000", "--batch-size", "256", "--epochs", "10", "--drop-last"], 195, 1950),
    (["--samples", "512", "--batch-size", "256", "--epochs", "3"], 2, 6),
])
def test_batches_command_agrees_with_dataloader(args, per_epoch, total):
    r = CliRunner().invoke(main, ["batches", *args, "--check", "--format", "json"])
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert data["iterations_per_epoch"] == per_epoch == data["torch_iterations_per_epoch"]
    assert data["iterations"] == total


def test_batches_bad_input():
    r = CliRunner().invoke(main, ["batches", "--samples", "10", "--batch-size", "0"])
    assert r.exit_code == 2 and r.output == "Error: --batch-size: must be an integer ≥ 1, got 0\n"


def test_train_check_refuses_sequential():
    r = CliRunner().invoke(main, ["train", "mazur", "--steps", "2", "--check", "--sequential"])
    assert r.exit_code == 2


# ----- property tests: random models through every route -------------------------------------
ACTS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU,
        "identity": nn.Identity}


@st.composite
def torch_models(draw):
    depth = draw(st.integers(1, 4))
    widths = [draw(st.integers(1, 5)) for _ in range(depth + 1)]
    modules = []
    for a, b in zip(widths, widths[1:]):
        modules.append(nn.Linear(a, b, bias=draw(st.booleans())))
        modules.append(ACTS[draw(st.sampled_from(sorted(ACTS)))]())
    torch.manual_seed(draw(st.integers(0, 2**16)))
    model = nn.Sequential(*modules).double()
    batch = draw(st.integers(1, 4))
    shape = (batch, widths[0]) if batch > 1 else (widths[0],)
    out_shape = (batch, widths[-1]) if batch > 1 else (widths[-1],)
    x = torch.rand(shape, dtype=F64) * 2 - 1
    t = torch.rand(out_shape, dtype=F64)
    return model, x, t, draw(st.sampled_from(["mean", "sum"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(torch_models())
def test_random_torch_models_match_autograd(case):
    model, x, t, reduction = case
    net = bptrace.from_torch(model, x, t, reduction=reduction)
    report = net.check_torch()
    assert report.ok, [r.to_dict() for r in report.failures]


def to_toml(net, samples, reduction) -> str:
    """A spec file for a random network (decimal strings, as a user writes them)."""
    def num(v):
        return f'"{v}"'
    lines = [f'loss = "{net.loss}"', f'reduction = "{reduction}"']
    xs = [[num(v) for v in x] for x, _ in samples]
    ts = [[num(v) for v in t] for _, t in samples]
    if len(samples) == 1:
        lines += [f"inputs = [{', '.join(xs[0])}]", f"targets = [{', '.join(ts[0])}]"]
    else:
        lines += [f"inputs = [{', '.join('[' + ', '.join(r) + ']' for r in xs)}]",
                  f"targets = [{', '.join('[' + ', '.join(r) + ']' for r in ts)}]"]
    for ly in net.layers:
        rows = ", ".join("[" + ", ".join(num(v) for v in row) + "]" for row in ly.weights)
        bias = num(ly.bias) if ly.shared_bias else "[" + ", ".join(num(v) for v in ly.bias) + "]"
        lines += ["[[layers]]", f"units = {ly.units}", f'activation = "{ly.activation}"',
                  f"weights = [{rows}]", f"bias = {bias}"]
    return "\n".join(lines) + "\n"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(depth=st.integers(1, 4), data=st.data())
def test_random_spec_files_with_batches_match_autograd(depth, data):
    sizes = [data.draw(st.integers(1, 5)) for _ in range(depth + 1)]
    acts = [data.draw(st.sampled_from(sorted(ACTIVATIONS))) for _ in range(depth)]
    shared = [data.draw(st.booleans()) for _ in range(depth)]
    loss = data.draw(st.sampled_from(["half_sse", "mse", "sse"]))
    seed = data.draw(st.integers(0, 10**6))
    batch = data.draw(st.integers(1, 4))
    nets = [random_network(sizes, acts, shared, loss, seed=seed + s) for s in range(batch)]
    samples = [(n.inputs, n.targets) for n in nets]
    reduction = data.draw(st.sampled_from(["mean", "sum"]))
    net = bptrace.loads(to_toml(nets[0], samples, reduction), "random.toml")
    assert len(net.samples) == batch
    report = net.check_torch()
    assert report.ok, [r.to_dict() for r in report.failures]
