"""Training a network with an optimizer and a learning-rate schedule, against torch.optim."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import bptrace
from bptrace.calculus import optimizers
from bptrace.lessons import optim, schedules
from bptrace.oracle import lessons as oracle_lessons, optim_torch
from bptrace.oracle.training import compare_training
from bptrace.cli import main
from bptrace.calculus.train import train_with_optimizer

pytest.importorskip("torch", reason="torch is the oracle; install the test extras")
BATCH = str(Path(__file__).resolve().parent.parent / "examples" / "batch.toml")


def test_sgd_through_the_optimizer_code_is_plain_gradient_descent(mazur):
    h = optimizers.hyper_parameters("sgd", lr="0.5")
    ours = train_with_optimizer(mazur, 5, "sgd", h, update_biases=False, every=1)
    plain = mazur.train(5, exact=True, every=1)
    assert [v for _, v in ours.losses] == [v for _, v in plain.losses]


@pytest.mark.parametrize("name,options", [
    ("momentum", {"momentum": "0.9"}),
    ("momentum", {"momentum": "0.8", "nesterov": True, "weight_decay": "0.01"}),
    ("adagrad", {}),
    ("rmsprop", {"alpha": "0.9"}),
    ("rmsprop", {"momentum": "0.5"}),
    ("adam", {"betas": "0.9,0.99"}),
    ("adamw", {"weight_decay": "0.1"}),
])
@pytest.mark.parametrize("biases", [False, True])
def test_optimizers_on_a_network_match_torch(mazur, name, options, biases):
    h = optimizers.hyper_parameters(name, lr="0.05", **options)
    trace = train_with_optimizer(mazur, 30, name, h, update_biases=biases)
    c = compare_training(mazur, trace, update_biases=biases, optimizer=(name, h, "torch"))
    assert c.ok and c.max_loss_diff < 1e-14 and c.max_param_diff < 1e-13, c.to_dict()
    assert c.against == f"torch.optim.{optimizers.TORCH_CLASS[name]}"
    fixed = mazur.parameters["b1"]
    assert (trace.params["b1"] == fixed) is not biases


@pytest.mark.parametrize("kind,options", [
    ("step", {"step_size": "7", "gamma": "0.5"}),
    ("multistep", {"milestones": "5,12", "gamma": "0.3"}),
    ("exponential", {"gamma": "0.9"}),
    ("cosine", {"t_max": "10", "eta_min": "0.01"}),
])
def test_schedules_on_a_network_match_torch(mazur, kind, options):
    h = optimizers.hyper_parameters("momentum", lr="0.5", momentum="0.9")
    s = schedules.schedule(kind, "0.5", **options)
    trace = train_with_optimizer(mazur, 20, "momentum", h, schedule=s)
    c = compare_training(mazur, trace, optimizer=("momentum", h, "torch"), schedule=s)
    assert c.ok and c.max_loss_diff < 1e-14, c.to_dict()
    assert c.against.endswith(f"lr_scheduler.{schedules.TORCH_CLASS[kind]}")


def test_textbook_momentum_is_torchs_dampening(mazur):
    h = optimizers.hyper_parameters("momentum", lr="0.5", momentum="0.9", convention="textbook")
    trace = train_with_optimizer(mazur, 15, "momentum", h, "textbook")
    c = compare_training(mazur, trace, optimizer=("momentum", h, "textbook"))
    assert c.ok, c.to_dict()


def test_batch_network_with_adam():
    net = bptrace.load(BATCH)
    h = optimizers.hyper_parameters("adam", lr="0.1")
    trace = train_with_optimizer(net, 20, "adam", h)
    assert set(trace.outputs) == {"out_o1[1]", "out_o2[1]", "out_o1[2]", "out_o2[2]"}
    assert compare_training(net, trace, optimizer=("adam", h, "torch")).ok


def test_cli_train_with_optimizer_and_schedule():
    r = CliRunner().invoke(main, ["train", "mazur", "--steps", "40", "--optimizer", "adam",
                                  "--lr", "0.1", "--betas", "0.9,0.99", "--schedule", "exponential",
                                  "--gamma", "0.95", "--check", "--format", "json"])
    assert r.exit_code == 0, r.output
    trace, check = json.loads(r.output)
    assert trace["rule"]["optimizer"] == "adam" and trace["rule"]["schedule"]["gamma"] == 0.95
    assert check["ok"] and check["against"] == "torch.optim.Adam with lr_scheduler.ExponentialLR"


@pytest.mark.parametrize("args", [
    ["--optimizer", "rmsprop", "--convention", "textbook", "--check"],   # ε inside the root
    ["--optimizer", "adam", "--sequential"],
    ["--optimizer", "adam", "--betas", "0.9,1.5"],
    ["--optimizer", "sgd", "--lr", "-1"],
    ["--schedule", "multistep", "--milestones", "9,3"],
])
def test_cli_train_optimizer_bad_input(args):
    r = CliRunner().invoke(main, ["train", "mazur", "--steps", "3", *args])
    assert r.exit_code == 2, r.output
    assert len(r.output.strip().splitlines()) == 1 and r.output.startswith("Error: ")
