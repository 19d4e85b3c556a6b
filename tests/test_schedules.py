"""Learning-rate schedules: the closed forms at known epochs, torch's lr_scheduler, bad input."""
import json

import mpmath
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from bptrace.lessons import schedules
from bptrace.oracle import lessons as oracle_lessons
from bptrace.cli import main
from bptrace.errors import SpecError
from bptrace.model.numbers import fmt


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_closed_forms_at_known_epochs():
    step = schedules.schedule("step", "0.1", gamma="0.5", step_size=50)
    assert [fmt(step.value(e)) for e in (0, 49, 50, 99, 100, 199)] == ["0.1", "0.1", "0.05", "0.05", "0.025", "0.0125"]
    multi = schedules.schedule("multistep", "0.1", gamma="0.5", milestones="50,125,160")
    assert [fmt(multi.value(e)) for e in (49, 50, 124, 125, 160)] == ["0.1", "0.05", "0.05", "0.025", "0.0125"]
    expo = schedules.schedule("exponential", "0.1", gamma="0.95")
    assert abs(expo.value(20) - mpmath.mpf("0.1") * mpmath.mpf("0.95") ** 20) < 1e-45
    cos = schedules.schedule("cosine", "0.1", t_max=100, eta_min="0.001")
    assert abs(cos.value(50) - mpmath.mpf("0.0505")) < 1e-45      # halfway: the mean of the two
    assert abs(cos.value(100) - mpmath.mpf("0.001")) < 1e-45


@settings(max_examples=25, deadline=None)
@given(kind=st.sampled_from(schedules.KINDS), lr=st.sampled_from(["0.1", "0.05", "1", "0.003"]),
       gamma=st.sampled_from(["0.5", "0.9", "0.95", "0.1"]), size=st.integers(1, 40),
       milestones=st.lists(st.integers(1, 99), min_size=1, max_size=5, unique=True),
       t_max=st.integers(1, 60), eta_min=st.sampled_from(["0", "0.001"]))
def test_matches_torch_for_100_epochs(kind, lr, gamma, size, milestones, t_max, eta_min):
    pytest.importorskip("torch", reason="torch is the oracle")
    kw = {"step": dict(gamma=gamma, step_size=size),
          "multistep": dict(gamma=gamma, milestones=sorted(milestones)),
          "exponential": dict(gamma=gamma), "cosine": dict(t_max=t_max, eta_min=eta_min)}[kind]
    t = schedules.trace(schedules.schedule(kind, lr, **kw), 100)
    c = oracle_lessons.check_schedule(t)
    assert c.ok, f"{kind} {kw}: {c.worst}: bptrace {c.ours!r} vs torch {c.theirs!r}"
    assert c.count == 100


def test_exponential_drift_is_reported():
    pytest.importorskip("torch", reason="torch is the oracle")
    c = oracle_lessons.check_schedule(schedules.trace(schedules.schedule("exponential", "0.1", gamma="0.95"), 200))
    assert c.ok and 0 < c.max_rel_diff < 1e-13       # torch multiplies step by step: rounding drift


@pytest.mark.parametrize("args,message", [
    (["multistep", "--lr", "0.1", "--milestones", "50,40"], "Error: --milestones: must increase: 40 comes after 50"),
    (["step", "--lr", "-0.1", "--step-size", "5"], "Error: --lr: the learning rate must not be negative, got -0.1"),
    (["step", "--lr", "0.1"], "Error: --step-size: the step schedule needs --step-size (epochs per decay)"),
    (["exponential", "--lr", "0.1", "--gamma", "0"], "Error: --gamma: must be positive, got 0"),
    (["exponential", "--lr", "0.1"], "Error: --gamma: the exponential schedule needs --gamma (e.g. 0.95)"),
    (["cosine", "--lr", "0.1", "--t-max", "0"], "Error: --t-max: expected a whole number ≥ 1, got 0"),
    (["cosine", "--lr", "0.1", "--t-max", "10", "--gamma", "0.5"], "Error: --gamma: not used by the cosine schedule"),
])
def test_bad_input(args, message):
    r = run("schedule", *args)
    assert r.exit_code == 2
    assert r.output.strip() == message


def test_json_has_every_value_and_plot_is_written(tmp_path):
    r = run("schedule", "step", "--lr", "0.1", "--step-size", "50", "--gamma", "0.5", "--epochs", "200",
            "--format", "json")
    data = json.loads(r.output)
    assert len(data["values"]) == 200 and data["values"][50] == 0.05
    assert [row["epoch"] for row in data["table"]] == [0, 50, 100, 150, 199]
    pytest.importorskip("matplotlib", reason="plots need matplotlib")
    f = tmp_path / "lr.png"
    r = run("schedule", "cosine", "--lr", "0.1", "--t-max", "50", "--epochs", "200", "-o", str(f))
    assert r.exit_code == 0 and f.read_bytes()[:4] == b"\x89PNG"


def test_text_worked_row():
    r = run("schedule", "multistep", "--lr", "0.1", "--milestones", "50,125,160", "--gamma", "0.5",
            "--epochs", "200", "--at", "130")
    assert r.output == """\
MultiStepLR: η(e) = η_0·γ^k   (η_0 = 0.1, γ = 0.5, milestones 50, 125, 160)
  k = the number of milestones ≤ e
  η(130) = η_0·γ^k
         = 0.1·0.5^2
         = 0.025
"""


def test_schedule_errors_are_spec_errors():
    with pytest.raises(SpecError):
        schedules.schedule("linear", "0.1")
