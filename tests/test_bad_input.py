"""Bad input: one line naming the file, the field and the problem; exit status 2; no traceback."""
import pytest
from click.testing import CliRunner

import bptrace
from bptrace.cli import main

GOOD = """\
inputs = [0.05, 0.10]
targets = [0.01, 0.99]
[[layers]]
units = 2
weights = [[0.15, 0.20], [0.25, 0.30]]
bias = 0.35
[[layers]]
units = 2
weights = [[0.40, 0.45], [0.50, 0.55]]
bias = 0.60
"""

CASES = {
    "missing weight": (GOOD.replace("[0.15, 0.20]", "[0.15]"),
                       "layers[0].weights[0]: expected 2 weights (one per input to the layer), got 1"),
    "wrong shape": (GOOD.replace("[[0.40, 0.45], [0.50, 0.55]]", "[[0.40, 0.45]]"),
                    "layers[1].weights: expected 2 rows (one per neuron) of 2 weights, got 1 rows"),
    "unknown activation": (GOOD.replace("units = 2\nweights = [[0.40", 'units = 2\nactivation = "softplus"\nweights = [[0.40'),
                           "layers[1].activation: unknown activation 'softplus' (known: sigmoid, tanh, relu, leaky_relu, identity)"),
    "non-numeric": (GOOD.replace("0.35", '"abc"'),
                    "layers[0].bias: 'abc' is not a number (write e.g. 0.15, -2, 1e-3 or 1/3)"),
    "boolean": (GOOD.replace("0.35", "true"), "layers[0].bias: expected a number, a list, or false (no bias), got true"),
    "infinite": (GOOD.replace("0.05", "inf"), "inputs[0]: Infinity is not a finite number"),
    "nan": (GOOD.replace("0.30]", "nan]"), "layers[0].weights[1][1]: NaN is not a finite number"),
    "duplicate name": (GOOD.replace("bias = 0.60", 'bias = 0.60\nnames = ["o1", "h1"]').replace(
        "bias = 0.35\n", 'bias = 0.35\nnames = ["h1", "h2"]\n'),
        "layers[1].names: duplicate name 'h1' (also used in layers[0].names)"),
    "malformed TOML": (GOOD.replace("units = 2", "units = = 2", 1),
                       "TOML: malformed: Invalid value (at line 4, column 9)"),
    "missing targets": (GOOD.replace("targets = [0.01, 0.99]\n", ""), "targets: missing"),
    "target count": (GOOD.replace("[0.01, 0.99]", "[0.01]"),
                     "targets: expected 2 targets (one per output), got 1"),
    "unknown field": ("lerning_rate = 0.1\n" + GOOD, "lerning_rate: unknown field"),
    "bad name": (GOOD.replace("bias = 0.35\n", 'bias = 0.35\nnames = ["h1", "__import__(\'os\')"]\n'),
                 "layers[0].names[1]: \"__import__('os')\" is not a name"),
    "code as a number": (GOOD.replace("0.35", '"__import__(\'os\').system(\'true\')"'),
                         "layers[0].bias: \"__import__('os').system('true')\" is not a number"),
    "zero units": (GOOD.replace("units = 2", "units = 0", 1), "layers[0].units: must be a positive integer, got 0"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_spec(tmp_path, case):
    text, message = CASES[case]
    path = tmp_path / "net.toml"
    path.write_text(text)
    r = CliRunner().invoke(main, ["forward", str(path)])
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    assert lines[0].startswith(f"Error: {path}: {message}"), lines[0]
    assert "Traceback" not in r.output
    with pytest.raises(bptrace.SpecError) as e:
        bptrace.load(path)
    assert str(e.value).startswith(f"{path}: {message}")


def test_good_spec_loads(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(GOOD)
    assert bptrace.load(path).parameters == bptrace.load("mazur").parameters


def test_unknown_wrt():
    r = CliRunner().invoke(main, ["derive", "mazur", "--wrt", "w9"])
    assert r.exit_code == 2
    assert r.output == ("Error: mazur: --wrt: unknown parameter 'w9' "
                        "(this network has w1, w2, w3, w4, b1, w5, w6, w7, w8, b2)\n")


def test_missing_file():
    r = CliRunner().invoke(main, ["forward", "no/such.toml"])
    assert r.exit_code == 2
    assert r.output == "Error: no/such.toml: no such file (built-in names: mazur)\n"


def test_python_api_errors_name_the_field():
    with pytest.raises(bptrace.SpecError, match=r"^layers\[0\]\.weights\[0\]\[1\]: 'x' is not a number"):
        bptrace.Network([1, 2], [0], [bptrace.Layer(1, "sigmoid", [[1, "x"]], 0)])
    with pytest.raises(bptrace.SpecError, match=r"^loss: unknown loss 'hinge'"):
        bptrace.Network([1], [0], [bptrace.Layer(1, "sigmoid", [[1]], 0)], loss="hinge")


# ----- found in review: inputs that used to mislead, hang or raise ---------------------------
MORE = {
    "input named like a node": (GOOD.replace("targets", 'input_names = ["out_h1", "i2"]\ntargets'),
                                "input_names: name 'out_h1' is reserved: bptrace uses it for a quantity of neuron 'h1'"),
    "neuron named total": (GOOD.replace("bias = 0.60", 'bias = 0.60\nnames = ["total", "o2"]'),
                           "names: a neuron may not be called 'total'"),
    "huge literal": (GOOD.replace("0.05", "1e999999"), "inputs[0]: '1E+999999' is out of range"),
    "long literal": (GOOD.replace("0.05", '"' + "1" * 500 + '/3"'), "inputs[0]: "),
    "nested batch": (GOOD.replace("inputs = [0.05, 0.10]", "inputs = [[[0.05, 0.10]]]").replace(
        "targets = [0.01, 0.99]", "targets = [[[0.01, 0.99]]]"),
        "inputs[0][0]: expected a number, got a list (a batch is one flat row per sample)"),
    "deep nesting": ("inputs = " + "[" * 3000 + "]" * 3000 + "\n", "TOML: nested too deeply"),
}


@pytest.mark.parametrize("case", MORE)
def test_more_bad_specs(tmp_path, case):
    text, message = MORE[case]
    path = tmp_path / "net.toml"
    path.write_text(text)
    r = CliRunner().invoke(main, ["derive", str(path), "--wrt", "w1"])
    assert r.exit_code == 2, r.output
    assert len(r.output.strip().splitlines()) == 1 and len(r.output) < 400, r.output
    assert r.output.startswith(f"Error: {path}: {message}"), r.output


def test_diverging_training_is_one_line(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('inputs = [1]\ntargets = [1]\n[[layers]]\nunits = 1\nactivation = "identity"\n'
                    'weights = [[1e200]]\n')
    r = CliRunner().invoke(main, ["train", str(path), "--steps", "3"])
    assert r.exit_code == 2 and r.output.startswith("Error: training: float64 overflow after 0 rounds")
    assert len(r.output.splitlines()) == 1


def test_limits_on_work():
    r = CliRunner().invoke(main, ["derive", "mazur", "--wrt", "w1", "--max-paths", "1000000000"])
    assert r.exit_code == 2 and "--max-paths" in r.output
    r = CliRunner().invoke(main, ["train", "mazur", "--steps", "200000", "--exact"])
    assert r.exit_code == 2 and "at most 100,000 rounds at 50 digits" in r.output
    deep = bptrace.Network([0.5], [0.2], [bptrace.Layer(1, "sigmoid", [[0.3]], 0.1) for _ in range(6)])
    proof = deep.prove("w1")
    assert not proof.proven and "6 layers" in proof.reason


def test_documents_of_a_batch_bad_wrt_names_the_file():
    # documents of a batch are made now (tests/test_documents.py); a bad --wrt is one line
    from pathlib import Path
    batch = Path(__file__).resolve().parent.parent / "examples" / "batch.toml"
    r = CliRunner().invoke(main, ["latex", str(batch), "--wrt", "w0"])
    assert r.exit_code == 2 and r.output.startswith(f"Error: {batch}: --wrt: unknown parameter 'w0'")


# ----- found in the second review ------------------------------------------------------------
def test_weighted_mean_over_a_batch_is_torchs_for_probability_targets(tmp_path):
    # a network's cross-entropy targets are probability rows (one-hot for a class): torch's
    # weighted mean then divides by the batch size; with class indices it would divide by
    # Σ w_target instead (from_torch refuses that case), so the two numbers differ
    torch = pytest.importorskip("torch", reason="torch is the oracle; install the test extras")
    path = tmp_path / "ce.toml"
    path.write_text('loss = { name = "cross_entropy", weight = [3, 1] }\nreduction = "mean"\n'
                    'inputs = [[0.1, 0.2], [0.3, 0.4]]\ntargets = [[1, 0], [1, 0]]\n'
                    '[[layers]]\nunits = 2\nactivation = "identity"\nweights = [[1, 0], [0, 1]]\nbias = 0\n')
    net = bptrace.load(path)
    logits = torch.tensor([[0.1, 0.2], [0.3, 0.4]], dtype=torch.float64)
    w = torch.tensor([3.0, 1.0], dtype=torch.float64)
    probs = torch.nn.functional.cross_entropy(logits, torch.tensor([[1.0, 0], [1.0, 0]], dtype=torch.float64), weight=w)
    indices = torch.nn.functional.cross_entropy(logits, torch.tensor([0, 0]), weight=w)
    assert abs(float(net.loss_value) - probs.item()) < 1e-15
    assert abs(probs.item() - indices.item()) > 0.5
    assert net.check_torch().ok


@pytest.mark.parametrize("args,message", [
    (["loss", "cross-entropy", "--pred", "1,2;3,4", "--target", "0,0", "--weight", "0,1"],
     "Error: --weight: the target classes' weights sum to 0"),
    (["dropout", "--p", "0", "--input", "1,2,3", "--mask", "1,0,1"],
     "Error: --mask[2]: with p = 0 no unit is ever dropped"),
])
def test_undefined_inputs_are_one_line(args, message):
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2 and r.output.startswith(message) and len(r.output.splitlines()) == 1


def test_recursive_schedules_drift_within_their_tolerance():
    r = CliRunner().invoke(main, ["schedule", "cosine", "--lr", "0.1", "--t-max", "3",
                                  "--epochs", "5000", "--check"])
    assert r.exit_code == 0 and "tolerance 5e-12 relative" in r.output
    r = CliRunner().invoke(main, ["schedule", "exponential", "--lr", "1", "--gamma", "1.5",
                                  "--epochs", "5000", "--check"])
    assert r.exit_code == 0     # both overflow to inf at the same epochs: equal infinities agree
