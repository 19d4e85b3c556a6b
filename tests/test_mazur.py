"""The classic 2-2-2 example against its published figures (at their printed rounding)
and against torch.autograd in float64."""
import pytest

from conftest import assert_close, at9, published

FORWARD = {
    "net_h1": "0.3775", "out_h1": "0.593269992", "out_h2": "0.596884378",
    "net_o1": "1.105905967", "out_o1": "0.75136507", "out_o2": "0.772928465",
    "E_o1": "0.274811083", "E_o2": "0.023560026", "E_total": "0.298371109",
}
GRADIENTS = {
    "w5": "0.082167041", "w6": "0.082667628", "w7": "-0.02260254", "w8": "-0.022740242",
    "w1": "0.000438568", "w2": "0.000877135", "w3": "0.000497713", "w4": "0.000995425",
}
UPDATED = {
    "w5": "0.35891648", "w6": "0.408666186", "w7": "0.51130127", "w8": "0.561370121",
    "w1": "0.149780716", "w2": "0.19956143", "w3": "0.24975114", "w4": "0.29950229",
}


@pytest.mark.parametrize("name", FORWARD)
def test_forward_values_match_the_write_up(mazur, name):
    assert at9(mazur.values[name]) == FORWARD[name]


def test_forward_trace_lists_every_node_in_order(mazur):
    names = [s.lhs.name for s in mazur.forward().steps]
    assert names == ["net_h1", "out_h1", "net_h2", "out_h2", "net_o1", "out_o1",
                     "net_o2", "out_o2", "E_o1", "E_o2", "E_total"]


@pytest.mark.parametrize("param", GRADIENTS)
def test_gradients_match_the_write_up(mazur, param):
    assert at9(mazur.gradients()[param]) == GRADIENTS[param]
    assert at9(mazur.derive(param).value) == GRADIENTS[param]


def test_shared_bias_gradient_sums_over_its_neurons(mazur):
    g = mazur.gradients()
    v = mazur.values
    assert g["b1"] == v["delta_h1"] + v["delta_h2"]
    assert g["b2"] == v["delta_o1"] + v["delta_o2"]
    d = mazur.derive("b1")
    assert d.path_count == 4            # two neurons share b1, two outputs each
    assert at9(d.value) == "0.018725609"


def test_every_number_matches_torch_autograd(mazur):
    torch = pytest.importorskip("torch", reason="torch is the oracle; install the test extras")
    from bptrace.oracle.check import torch_values
    theirs = torch_values(mazur)
    for name in FORWARD:
        if name.startswith("E_o"):
            continue   # torch has no per-output error node
        assert_close(mazur.values[name], theirs[name], name)
    for p, g in mazur.gradients().items():
        assert_close(g, theirs[f"grad:{p}"], f"∂E/∂{p}")


def test_w5_single_path_factors(mazur):
    d = mazur.derive("w5")
    (path,) = d.paths
    assert [(f.of, f.wrt) for f in path.factors] == [
        ("E_total", "out_o1"), ("out_o1", "net_o1"), ("net_o1", "w5")]
    assert [at9(f.value) for f in path.factors] == ["0.74136507", "0.186815602", "0.593269992"]


def test_w1_two_paths_and_their_sum(mazur):
    d = mazur.derive("w1")
    assert [p.nodes[3] for p in d.paths] == ["net_o1", "net_o2"]
    # w1 reaches E_o1 only through o1 and E_o2 only through o2: path k is ∂E_ok/∂w1
    torch = pytest.importorskip("torch", reason="torch is the oracle; install the test extras")
    w1 = torch.tensor(0.15, dtype=torch.float64, requires_grad=True)
    h1 = torch.sigmoid(w1 * 0.05 + 0.20 * 0.10 + 0.35)
    h2 = torch.sigmoid(torch.tensor(0.25 * 0.05 + 0.30 * 0.10 + 0.35, dtype=torch.float64))
    o1 = torch.sigmoid(0.40 * h1 + 0.45 * h2 + 0.60)
    o2 = torch.sigmoid(0.50 * h1 + 0.55 * h2 + 0.60)
    per_output = [torch.autograd.grad(0.5 * (t - o) ** 2, w1, retain_graph=True)[0].item()
                  for t, o in ((0.01, o1), (0.99, o2))]
    for path, theirs in zip(d.paths, per_output):
        assert_close(path.value, theirs, f"path via {path.nodes[3]}")
    assert d.path_sum == pytest.approx(float(d.value), rel=1e-15)
    assert abs(d.path_sum - d.value) < 1e-45


@pytest.mark.parametrize("param", ["w1", "w4", "w5", "w8", "b1", "b2"])
def test_symbolic_proof(mazur, param):
    proof = mazur.prove(param)
    assert proof.proven, proof.difference


def test_update_uses_old_weights_and_keeps_biases_fixed(mazur):
    trace = mazur.step()
    new = trace.network.parameters
    for p, expected in UPDATED.items():
        assert published(new[p], expected), (p, new[p], expected)
    assert new["b1"] == mazur.parameters["b1"] and new["b2"] == mazur.parameters["b2"]
    assert at9(trace.network.loss_value) == "0.291027774"


def test_update_biases_when_asked_matches_torch_sgd(mazur):
    torch = pytest.importorskip("torch", reason="torch is the oracle; install the test extras")
    new = mazur.step(update_biases=True).network.parameters
    W1 = torch.tensor([[0.15, 0.20], [0.25, 0.30]], dtype=torch.float64, requires_grad=True)
    W2 = torch.tensor([[0.40, 0.45], [0.50, 0.55]], dtype=torch.float64, requires_grad=True)
    b1 = torch.tensor([0.35], dtype=torch.float64, requires_grad=True)
    b2 = torch.tensor([0.60], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([W1, b1, W2, b2], lr=0.5)
    out = torch.sigmoid(W2 @ torch.sigmoid(W1 @ torch.tensor([0.05, 0.10], dtype=torch.float64) + b1) + b2)
    (0.5 * ((torch.tensor([0.01, 0.99], dtype=torch.float64) - out) ** 2).sum()).backward()
    opt.step()
    theirs = dict(zip(["w1", "w2", "w3", "w4"], W1.detach().flatten().tolist()))
    theirs |= dict(zip(["w5", "w6", "w7", "w8"], W2.detach().flatten().tolist()))
    theirs |= {"b1": b1.item(), "b2": b2.item()}
    for p, v in theirs.items():
        assert_close(new[p], v, f"{p}⁺")
    assert new["b1"] != mazur.parameters["b1"]


def test_training_figures(mazur):
    first = mazur.train(1).losses[0]
    assert first[0] == 1 and at9(first[1]) == "0.291027774"
    long = mazur.train(10000, every=10000)
    assert long.losses[-1][0] == 10000
    assert f"{long.losses[-1][1]:.5g}" == "3.5102e-05"


def test_switches_reproduce_the_write_ups_own_figures(mazur):
    # its "after one round" error: hidden gradients taken after the output update
    assert at9(mazur.train(1, sequential=True).losses[0][1]) == "0.291027924"
    # its outputs after 10,000 rounds come from the same slip
    seq = mazur.train(10000, sequential=True, every=10000)
    assert at9(seq.outputs["out_o1"]) == "0.015912196"
    assert at9(seq.outputs["out_o2"]) == "0.984065734"
    # its "0.0000351085 after 10,000 rounds" is the error measured before round 10,000's update
    before = mazur.train(10000, report="before", every=10000)
    assert f"{before.losses[-1][1]:.10f}" == "0.0000351085"


def test_exact_and_fast_training_agree(mazur):
    fast = mazur.train(30, every=10)
    exact = mazur.train(30, every=10, exact=True)
    assert [r for r, _ in fast.losses] == [r for r, _ in exact.losses]
    for (_, a), (_, b) in zip(fast.losses, exact.losses):
        assert abs(float(a) - float(b)) <= 1e-15 * float(b) * 30
    for p in fast.params:
        assert abs(fast.params[p] - float(exact.params[p])) < 1e-14


def test_exact_training_matches_repeated_steps(mazur):
    net = mazur
    for _ in range(3):
        net = net.step().network
    trained = mazur.train(3, exact=True)
    assert trained.losses[-1][1] == net.loss_value
