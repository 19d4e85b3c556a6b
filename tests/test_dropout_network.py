"""Dropout inside a network: dropped units, the 1/(1 − p) scaling, gradients only through
kept units — against torch's own nn.Dropout with the same seed."""
import mpmath
import pytest
from click.testing import CliRunner

import bptrace
from bptrace.cli import main
from conftest import assert_close

SPEC = """\
update_biases = false
inputs = [0.05, 0.10]
targets = [0.01, 0.99]
[[layers]]
units = 2
weights = [[0.15, 0.20], [0.25, 0.30]]
bias = 0.35
dropout = 0.4
{mask}
[[layers]]
units = 2
weights = [[0.40, 0.45], [0.50, 0.55]]
bias = 0.60
"""


def load(text, tmp_path, name="net.toml"):
    path = tmp_path / name
    path.write_text(text)
    return bptrace.load(path)


def test_dropped_unit_passes_no_gradient(tmp_path):
    net = load(SPEC.format(mask="mask = [1, 0]"), tmp_path)
    g = net.gradients()
    assert g["w3"] == 0 and g["w4"] == 0            # h2 was dropped
    assert net.values["d_h2"] == 0
    assert abs(net.values["d_h1"] - net.values["out_h1"] / mpmath.mpf("0.6")) < 1e-45
    d = net.derive("w1")
    assert [p.nodes for p in d.paths][0] == ("w1", "net_h1", "out_h1", "d_h1", "net_o1", "out_o1", "E_total")
    scale = [f for f in d.paths[0].factors if f.of == "d_h1"][0]
    assert abs(scale.value - 1 / mpmath.mpf("0.6")) < 1e-45
    assert all(p.value == 0 for p in net.derive("w3").paths)
    assert net.prove("w1").proven and net.prove("b1").proven
    text = bptrace.to_text(net.forward())
    assert "  d_h2 = m_h2·out_h2/(1 - p)\n       = 0·0.596884378/(1 - 0.4)\n       = 0\n" in text


def test_matches_nn_dropout_with_the_same_seed(tmp_path):
    torch = pytest.importorskip("torch", reason="torch is the oracle; install the test extras")
    seed = 7
    net = load(SPEC.format(mask=f"seed = {seed}"), tmp_path)
    f64 = torch.float64
    w1 = torch.tensor([[0.15, 0.20], [0.25, 0.30]], dtype=f64, requires_grad=True)
    w2 = torch.tensor([[0.40, 0.45], [0.50, 0.55]], dtype=f64, requires_grad=True)
    torch.manual_seed(seed)
    h = torch.nn.Dropout(0.4)(torch.sigmoid(w1 @ torch.tensor([0.05, 0.10], dtype=f64) + 0.35))
    out = torch.sigmoid(w2 @ h + 0.60)
    loss = 0.5 * ((torch.tensor([0.01, 0.99], dtype=f64) - out) ** 2).sum()
    loss.backward()
    assert_close(net.loss_value, loss.item(), "E_total")
    theirs = dict(zip(["w1", "w2", "w3", "w4"], w1.grad.flatten().tolist()))
    theirs |= dict(zip(["w5", "w6", "w7", "w8"], w2.grad.flatten().tolist()))
    for p, v in theirs.items():
        assert_close(net.gradients()[p], v, p)
    assert net.check_torch().ok


def test_evaluation_mode_is_the_identity(tmp_path):
    net = load("training = false\n" + SPEC.format(mask="mask = [1, 0]"), tmp_path)
    plain = bptrace.load("mazur")
    assert net.gradients() == {**plain.gradients()}
    assert "  d_h1 = out_h1\n       = 0.593269992\n" in bptrace.to_text(net.forward())


def test_batch_masks_and_training_against_torch_sgd(tmp_path):
    text = SPEC.format(mask="mask = [[1, 0], [0, 1]]").replace(
        "inputs = [0.05, 0.10]\ntargets = [0.01, 0.99]",
        "inputs = [[0.05, 0.10], [0.3, -0.2]]\ntargets = [[0.01, 0.99], [0.5, 0.5]]")
    path = tmp_path / "batch.toml"
    path.write_text(text)
    net = bptrace.load(path)
    assert [sn.layers[0].mask for sn in net.sample_networks] == [(1, 0), (0, 1)]
    assert net.check_torch().ok
    r = CliRunner().invoke(main, ["train", str(path), "--steps", "30", "--check"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["train", str(path), "--steps", "10", "--optimizer", "adam", "--check"])
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("mask,message", [
    ("mask = [1, 0, 1]", "layers[0].mask: expected 2 entries of 0 or 1 (one per unit)"),
    ("mask = [1, 2]", "layers[0].mask: entries must be 0 (dropped) or 1 (kept)"),
    ("", "layers[0].mask: dropout needs the mask of kept (1) and dropped (0) units"),
    ("mask = [1, 0]\nseed = 3", "layers[0].seed: give either mask or seed, not both"),
    ("seed = -1", "layers[0].seed: expected a whole number ≥ 0, got -1"),
])
def test_bad_dropout(tmp_path, mask, message):
    path = tmp_path / "net.toml"
    path.write_text(SPEC.format(mask=mask))
    r = CliRunner().invoke(main, ["forward", str(path)])
    assert r.exit_code == 2 and r.output.startswith(f"Error: {path}: {message}"), r.output
    assert len(r.output.splitlines()) == 1


def test_bad_p_and_placement(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(SPEC.format(mask="mask = [1, 0]").replace("dropout = 0.4", "dropout = 1"))
    r = CliRunner().invoke(main, ["forward", str(path)])
    assert r.exit_code == 2 and "layers[0].dropout: p must be in [0, 1), got 1" in r.output
    path.write_text(SPEC.format(mask="mask = [1, 0]") + "dropout = 0.5\nmask = [1, 1]\n")
    r = CliRunner().invoke(main, ["forward", str(path)])
    assert r.exit_code == 2 and "layers[1].dropout: dropout after the output layer is not supported" in r.output
