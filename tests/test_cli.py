"""The command line: text and JSON output, exit codes, one-line errors for bad input."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bptrace.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_derive_w5_text_reads_like_the_board():
    r = run("derive", "mazur", "--wrt", "w5", "--decimals", "9")
    assert r.exit_code == 0, r.output
    assert r.output == """\
∂E_total/∂w5 by the chain rule — 1 path from w5 to E_total
  ∂E_total/∂w5 = ∂E_total/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂w5
    ∂E_total/∂out_o1 = -(target_o1 - out_o1) = -(0.01 - 0.75136507) = 0.74136507
    ∂out_o1/∂net_o1  = out_o1·(1 - out_o1) = 0.75136507·(1 - 0.75136507) = 0.186815602
    ∂net_o1/∂w5      = out_h1 = 0.593269992
  ∂E_total/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041
Delta form (δ = ∂E_total/∂net)
  δ_o1 = -(target_o1 - out_o1)·out_o1·(1 - out_o1)
       = -(0.01 - 0.75136507)·0.75136507·(1 - 0.75136507)
       = 0.138498562
  ∂E_total/∂w5 = δ_o1·out_h1
               = 0.138498562·0.593269992
               = 0.082167041
  the path sum and the delta form agree (difference 0 at 50 digits)

Symbolic proof for w5: Σ paths − sympy.diff(E_total written out, w5) = 0  ✓ proven
"""


def test_forward_text_default_digits():
    r = run("forward", "mazur")
    lines = r.output.splitlines()
    assert lines[:4] == ["Forward pass — Mazur's 2-2-2 example",
                         "  net_h1 = w1·i1 + w2·i2 + b1",
                         "         = 0.15·0.05 + 0.2·0.1 + 0.35",
                         "         = 0.3775"]
    assert lines[-3:] == ["  E_total = E_o1 + E_o2",
                          "          = 0.274811083 + 0.0235600256",
                          "          = 0.298371109"]


def test_forward_json_values():
    data = json.loads(run("forward", "mazur", "--format", "json").output)
    assert set(data["values"]) == {"net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1",
                                   "net_o2", "out_o2", "E_o1", "E_o2", "E_total"}
    assert round(data["values"]["E_total"], 9) == 0.298371109


def test_derive_json_has_paths_factors_delta_and_proof():
    data = json.loads(run("derive", "mazur", "--wrt", "w1", "--wrt", "b2", "--format", "json").output)
    assert [d["param"] for d in data] == ["w1", "b2"]
    w1 = data[0]
    assert round(w1["value"], 9) == 0.000438568
    assert len(w1["paths"]) == 2 and len(w1["paths"][0]["factors"]) == 5
    assert w1["paths"][0]["factors"][0] == {
        "of": "E_total", "wrt": "out_o1", "formula": "-(target_o1 - out_o1)",
        "value": pytest.approx(0.74136507, abs=5e-9)}
    assert round(sum(p["product"] for p in w1["paths"]), 12) == round(w1["value"], 12)
    assert w1["delta"]["gradient"]["formula"] == "delta_h1*i1"
    assert w1["proof"]["proven"] is True


def test_derive_all_lists_every_parameter():
    data = json.loads(run("derive", "mazur", "--all", "--no-prove", "--format", "json").output)
    assert [d["param"] for d in data] == ["w1", "w2", "w3", "w4", "b1", "w5", "w6", "w7", "w8", "b2"]
    assert all("proof" not in d for d in data)


def test_update_json_params():
    data = json.loads(run("update", "mazur", "--format", "json").output)
    assert round(data["params"]["w5"], 8) == 0.35891648
    assert round(data["params"]["w1"], 9) == 0.149780716
    assert data["params"]["b1"] == 0.35


def test_update_text_shows_the_rule():
    out = run("update", "mazur", "--decimals", "9").output
    assert "  w5⁺ = w5 - η·∂E_total/∂w5 = 0.4 - 0.5·0.082167041 = 0.35891648\n" in out
    assert "b1, b2 kept fixed" in out
    assert "0.298371109 before, 0.291027774 after" in out


def test_train_text_and_json():
    r = run("train", "mazur", "--steps", "10000")
    assert r.exit_code == 0
    assert "      1  0.291027774\n" in r.output and "  10000  3.51018778e-5\n" in r.output
    data = json.loads(run("train", "mazur", "--steps", "1", "--sequential", "--format", "json").output)
    assert round(data["losses"][0]["E_total"], 9) == 0.291027924
    assert data["rule"] == {"update_biases": False, "sequential": True, "report": "after"}


def test_train_report_before():
    out = run("train", "mazur", "--steps", "10000", "--report", "before", "--decimals", "10").output
    assert "  10000  0.0000351085\n" in out


def test_json_is_byte_identical_across_runs():
    a = run("derive", "mazur", "--all", "--format", "json").output
    b = run("derive", "mazur", "--all", "--format", "json").output
    assert a == b


def test_example_file_is_the_builtin():
    import bptrace.model.builtin
    builtin = Path(bptrace.model.builtin.__file__).with_name("mazur.toml")
    assert (EXAMPLES / "mazur.toml").read_text() == builtin.read_text()
    assert run("forward", str(EXAMPLES / "mazur.toml")).output.replace(
        str(EXAMPLES / "mazur.toml"), "mazur") == run("forward", "mazur").output


def test_heavy_imports_stay_lazy():
    import subprocess
    import sys
    code = ("import sys, bptrace.cli; assert 'sympy' not in sys.modules and 'torch' not in sys.modules;"
            "import bptrace; bptrace.load('mazur').derive('w1'); assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
