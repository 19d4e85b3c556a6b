"""Pictures for every network: the computation graph of every loss, batch and dropout
network run op by op in torch; the layout's order, overlaps and aspect; the gallery."""
from pathlib import Path

import pytest

import bptrace
from bptrace.compute_graph import compute_graph
from conftest import assert_close, random_network

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GALLERY_SPECS = ["mazur", "bias_free", "tanh_bce", "relu_ce", "batch", "dropout"]
LOSSES = ["half_sse", "mse", "sse", "l1", "smooth_l1", "huber", "bce", "bce_with_logits",
          "cross_entropy", "nll"]


def gallery_network(name):
    return bptrace.load(name if name == "mazur" else str(EXAMPLES / f"{name}.toml"))


def loss_network(loss, batch=False, dropout=False):
    """A 3-3-2 network for ``loss``: sigmoid outputs for BCE, log-softmax-like negative
    outputs for NLL, one-hot targets for the class losses."""
    out_act = "sigmoid" if loss in ("bce", "half_sse", "mse", "sse") else "identity"
    targets = [[0, 1], [1, 0]] if loss in ("cross_entropy", "nll", "bce", "bce_with_logits") \
        else [[0.2, 0.9], [0.7, -0.3]]
    hidden = bptrace.Layer(3, "tanh", [[0.3, -0.2, 0.5], [0.1, 0.4, -0.6], [-0.3, 0.2, 0.1]],
                           [0.1, -0.1, 0.05], dropout=0.25 if dropout else None,
                           mask=([[1, 0, 1], [0, 1, 1]] if batch else [1, 0, 1]) if dropout else None)
    w_out = [[0.4, -0.5, 0.3], [-0.2, 0.6, 0.25]]
    if loss == "nll":     # log-probabilities must be ≤ 0: shift the outputs down
        out = bptrace.Layer(2, "identity", w_out, -2)
    else:
        out = bptrace.Layer(2, out_act, w_out, 0.2)
    inputs = [[0.5, -0.3, 0.8], [-0.1, 0.6, 0.2]]
    if not batch:
        inputs, targets = inputs[0], targets[0]
    return bptrace.Network(inputs, targets, [hidden, out], loss=loss)


# ----- the computation graph, op by op in torch -------------------------------------------------
def torch_run(graph, net):
    """Every node's value and gradient: each op evaluated in torch from its inputs, every
    tensor kept with retain_grad(), then backward() from E_total."""
    import torch
    F = torch.nn.functional
    from bptrace.activations import ACTIVATIONS

    def num(v):
        return float(v)

    t = {}
    for n in graph.nodes:
        a = [t[i] for i in n.inputs]
        c = None if n.const is None or isinstance(n.const, (int, tuple)) else float(n.const)
        if n.op in ("input", "target", "mask"):
            v = torch.tensor(num(n.value), dtype=torch.float64)
        elif n.op == "parameter":
            v = torch.tensor(num(n.value), dtype=torch.float64, requires_grad=True)
        elif n.op == "multiply":
            v = a[0]
            for x in a[1:]:
                v = v * x
            v = v * c if c is not None else v
        elif n.op in ("add", "sum"):
            v = sum(a[1:], a[0])
            v = v * c if c is not None else v
        elif n.op == "subtract":
            v = a[0] - a[1]
        elif n.op == "square":
            v = a[0] * a[0]
        elif n.op in ACTIVATIONS:
            v = ACTIVATIONS[n.op].torch(torch, a[0])
        elif n.op == "l1":
            v = a[0].abs()
        elif n.op == "smooth_l1":
            v = F.smooth_l1_loss(a[0], torch.zeros_like(a[0]), beta=c)
        elif n.op == "huber":
            v = F.huber_loss(a[0], torch.zeros_like(a[0]), delta=c)
        elif n.op == "bce":
            v = F.binary_cross_entropy(a[0], a[1])
        elif n.op == "bce_with_logits":
            v = F.binary_cross_entropy_with_logits(a[0], a[1])
        elif n.op == "softmax":
            v = torch.softmax(torch.stack(a), 0)[n.const]
        elif n.op == "log":
            v = torch.log(a[0])
        elif n.op in ("cross_entropy", "nll"):
            v = -sum(float(k) * x for k, x in zip(n.const, a))
        else:
            raise AssertionError(f"no torch rule for op {n.op!r}")
        if v.requires_grad and not v.is_leaf:
            v.retain_grad()
        t[n.id] = v
    t["E"].backward()
    return {k: (float(v.detach()), None if v.grad is None else float(v.grad)) for k, v in t.items()}


def check_against_torch(net):
    g = compute_graph(net)
    theirs = torch_run(g, net)
    checked = 0
    for node in g.nodes:
        value, grad = theirs[node.id]
        assert_close(node.value, value, f"value of {node.id} ({node.op})")
        if node.grad is not None:
            assert grad is not None, f"{node.id} ({node.op}): torch has no gradient"
            assert_close(node.grad, grad, f"gradient of {node.id} ({node.op})")
            checked += 1
    assert_close(g.node("E").value, float(net.loss_value), "E_total against the network's loss")
    return g, checked


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("batch,dropout", [(False, False), (True, False), (False, True), (True, True)],
                         ids=["one", "batch", "dropout", "batch-dropout"])
def test_compute_graph_of_every_loss_batch_and_dropout_matches_torch(loss, batch, dropout):
    pytest.importorskip("torch", reason="torch is the oracle for the computation graph")
    net = loss_network(loss, batch, dropout)
    g, checked = check_against_torch(net)
    params = len(net.locations) * (2 if batch else 1)
    assert checked >= params + 3 * 5 * (2 if batch else 1)
    if batch:
        assert {n.sample for n in g.nodes} == {0, 1, 2}
    if dropout:
        assert any(n.op == "mask" for n in g.nodes)


@pytest.mark.parametrize("name", GALLERY_SPECS)
def test_gallery_compute_graphs_match_torch(name):
    pytest.importorskip("torch", reason="torch is the oracle for the computation graph")
    check_against_torch(gallery_network(name))
