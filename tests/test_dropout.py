"""Dropout on one layer: the mask, the 1/(1 − p) scaling, gradients through kept units, torch."""
import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from bptrace.cli import main
from bptrace.lessons.dropout import dropout
from bptrace.model.layer import torch_mask
from bptrace.oracle.lessons import check_dropout as check_torch
from bptrace.errors import SpecError
from bptrace.model.numbers import fmt


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_mask_scaling_and_gradient():
    t = dropout("1,2,3,4", "0.4", mask="1,0,1,1", upstream="0.5,1,-1,2")
    assert [fmt(y) for y in t.outputs] == ["1.66666667", "0", "5", "6.66666667"]
    # the gradient flows only through kept units, scaled by 1/(1 − p)
    assert [fmt(g) for g in t.grads] == ["0.833333333", "0", "-1.66666667", "3.33333333"]


def test_eval_mode_is_the_identity():
    t = dropout("1,-2,3", "0.4", training=False, upstream="1,2,3")
    assert [fmt(y) for y in t.outputs] == ["1", "-2", "3"]
    assert [fmt(g) for g in t.grads] == ["1", "2", "3"]


def test_seed_draws_torch_mask():
    torch = pytest.importorskip("torch", reason="the seed uses torch's generator")
    torch.manual_seed(3)
    expected = (torch.nn.Dropout(0.4)(torch.ones(6)) != 0).int().tolist()   # float32, as in the course
    assert list(torch_mask(3, 6, "0.4")) == expected
    t = dropout("1,2,3,4,5,6", "0.4", seed=3)
    assert list(t.mask) == expected
    c, how = check_torch(t)
    assert c.ok and how == {"mode": "seed", "seed": 3, "given": True}


@settings(max_examples=20, deadline=None)
@given(xs=st.lists(st.sampled_from(["-1.5", "0", "0.25", "2", "3.7"]), min_size=1, max_size=6),
       p=st.sampled_from(["0", "0.2", "0.4", "0.5", "0.9"]), data=st.data())
def test_gradients_match_torch_with_the_same_mask(xs, p, data):
    pytest.importorskip("torch", reason="torch is the oracle")
    mask = data.draw(st.lists(st.sampled_from([0, 1]), min_size=len(xs), max_size=len(xs)))
    if p == "0":
        mask = [1] * len(xs)
    up = data.draw(st.lists(st.sampled_from(["1", "-0.5", "2"]), min_size=len(xs), max_size=len(xs)))
    t = dropout(xs, p, mask=mask, upstream=up)
    c, how = check_torch(t)
    assert c.ok, (c.worst, c.ours, c.theirs)
    assert how["mode"] in ("seed", "formula")


@pytest.mark.parametrize("args,message", [
    (["--p", "1", "--input", "1,2", "--mask", "1,1"], "Error: --p: 1 is outside [0, 1)"),
    (["--p", "-0.1", "--input", "1,2", "--mask", "1,1"], "Error: --p: -0.1 is outside [0, 1)"),
    (["--p", "0.4", "--input", "1,2", "--mask", "1"], "Error: --mask: expected 2 values (one per input), got 1"),
    (["--p", "0.4", "--input", "1,2", "--mask", "1,2"], "Error: --mask[2]: expected 0 (dropped) or 1 (kept), got 2"),
    (["--p", "0.4", "--input", "1,x"], "Error: --input[2]: 'x' is not a number (write e.g. 0.15, -2, 1e-3 or 1/3)"),
    (["--p", "0.4", "--input", "1,2"], "Error: --mask: training mode needs a mask: --mask 1,0,1,1 or --seed N"),
    (["--p", "0.4", "--input", "1,2", "--mask", "1,1", "--seed", "1"], "Error: --mask: give --mask or --seed, not both"),
])
def test_bad_input(args, message):
    r = run("dropout", *args)
    assert r.exit_code == 2
    assert r.output.strip() == message


def test_cli_json():
    r = run("dropout", "--p", "0.4", "--input", "1,2,3,4", "--mask", "1,0,1,1", "--format", "json")
    data = json.loads(r.output)
    assert [u["mask"] for u in data["units"]] == [1, 0, 1, 1]
    assert data["units"][1]["grad"] == 0.0 and data["units"][0]["grad"] == pytest.approx(1 / 0.6, rel=1e-15)


def test_dropout_errors_are_spec_errors():
    with pytest.raises(SpecError):
        dropout("", "0.4", mask="")
