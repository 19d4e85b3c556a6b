"""Every answer in a key is the trace's own 50-digit value: compared here with torch.autograd
in float64 (networks, cross-entropy) and torch.optim (optimizers), and with the rules the
marking uses (to 40 digits, inside ``generate.variant``)."""
from __future__ import annotations

import mpmath
import pytest

from bptrace.exercises.generate import NETWORK_KINDS, variant

torch = pytest.importorskip("torch")

RTOL = 1e-12


def close(ours, theirs, what):
    ours = float(ours)
    assert abs(ours - theirs) <= RTOL * max(1.0, abs(theirs)), f"{what}: bptrace {ours!r}, torch {theirs!r}, rtol {RTOL}"


def torch_network(v):
    """Forward and backward of the variant's network in torch float64, by hand."""
    net = v.net
    g = {k: float(x) for k, x in v.env.items()}
    params = {p: torch.tensor(g[p], dtype=torch.float64, requires_grad=True) for p in net.parameters}
    acts = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
            "leaky_relu": lambda x: torch.nn.functional.leaky_relu(x, 0.01)}
    x = [torch.tensor(g[i], dtype=torch.float64) for i in net.names.inputs]
    seen = {}
    for l, layer in enumerate(net.layers):
        nxt = []
        for j, n in enumerate(net.names.neurons[l]):
            b = net.names.biases[l][0 if layer.shared_bias else j]
            z = sum(params[w] * xk for w, xk in zip(net.names.weights[l][j], x)) + params[b]
            z.retain_grad()
            a = acts[layer.activation](z)
            a.retain_grad()
            seen[f"net_{n}"], seen[f"out_{n}"] = z, a
            nxt.append(a)
        x = nxt
    terms = [0.5 * (g[f"target_{o}"] - a) ** 2 for o, a in zip(net.outputs, x)]
    loss = sum(terms)
    loss.backward()
    return params, seen, loss, terms


@pytest.mark.parametrize("kind", NETWORK_KINDS)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_network_keys_agree_with_torch_autograd(kind, activation):
    for number in (1, 2, 3):
        v = variant(kind, 11, number, activation=activation)
        params, seen, loss, terms = torch_network(v)
        eta = float(v.env["eta"])
        for name, value in v.key.items():
            if name in seen:
                close(value, seen[name].item(), name)
            elif name.startswith("delta_"):
                close(value, seen["net_" + name[6:]].grad.item(), name)
            elif name.startswith("dE_dout_"):
                close(value, seen["out_" + name[8:]].grad.item(), name)
            elif name.startswith("dout_"):
                o = name.split("_")[1]
                s = seen[f"out_{o}"].item()
                close(value, s * (1 - s), name)          # the output layer is sigmoid
            elif name.startswith("dE_d"):
                close(value, params[name[4:]].grad.item(), name)
            elif name == "E_total":
                close(value, loss.item(), name)
            elif name.startswith("E_o"):
                close(value, terms[v.net.outputs.index(name[2:])].item(), name)
            elif name == "E_total_new":
                new = {p: (t - eta * t.grad).detach() for p, t in params.items()
                       if v.net.update_biases or not v.net.is_bias(p)}
                close(value, float(v.net.with_parameters({p: float(x) for p, x in new.items()})
                                   .loss_value), name)
            elif name.endswith("_new"):
                p = name[:-4]
                close(value, params[p].item() - eta * params[p].grad.item(), name)
            else:
                raise AssertionError(f"untested blank {name}")


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "momentum"])
def test_optimizer_keys_agree_with_torch_optim(optimizer):
    for number in (1, 2, 3, 4):
        v = variant("optimizer", 5, number, optimizer=optimizer)
        g = {k: float(x) for k, x in v.env.items()}
        w = torch.tensor([g["w_0"]], dtype=torch.float64, requires_grad=True)
        if optimizer == "adam":
            opt = torch.optim.Adam([w], lr=g["eta"], betas=(g["beta1"], g["beta2"]), eps=g["eps"])
        elif optimizer == "rmsprop":
            opt = torch.optim.RMSprop([w], lr=g["eta"], alpha=g["alpha"], eps=g["eps"])
        else:
            opt = torch.optim.SGD([w], lr=g["eta"], momentum=g["mu"])
        for t in (1, 2):
            opt.zero_grad()
            (g["a"] * w ** 2 / 2).sum().backward()
            close(v.key[f"g_{t}"], w.grad.item(), f"g_{t}")
            opt.step()
            state = opt.state[w]
            if optimizer == "adam":
                close(v.key[f"m_{t}"], state["exp_avg"].item(), f"m_{t}")
                close(v.key[f"v_{t}"], state["exp_avg_sq"].item(), f"v_{t}")
            elif optimizer == "rmsprop":
                close(v.key[f"s_{t}"], state["square_avg"].item(), f"s_{t}")
            else:
                close(v.key[f"v_{t}"], state["momentum_buffer"].item(), f"v_{t}")
            close(v.key[f"w_{t}"], w.item(), f"w_{t}")


def test_loss_keys_agree_with_torch_cross_entropy():
    for number in range(1, 6):
        v = variant("loss", 5, number)
        x = torch.tensor([[float(v.env[f"x_{s}_{j}"]) for j in range(3)] for s in (1, 2)],
                         dtype=torch.float64, requires_grad=True)
        y = torch.tensor([int(v.givens["y_1"]), int(v.givens["y_2"])])
        loss = torch.nn.functional.cross_entropy(x, y)
        loss.backward()
        p = torch.softmax(x, dim=1)
        ls = torch.nn.functional.cross_entropy(x, y, reduction="none")
        for s in (1, 2):
            for j in range(3):
                close(v.key[f"p_{s}_{j}"], p[s - 1, j].item(), f"p_{s}_{j}")
            close(v.key[f"l_{s}"], ls[s - 1].item(), f"l_{s}")
        close(v.key["L"], loss.item(), "L")
        for j in range(3):
            close(v.key[f"dL_dx_1_{j}"], x.grad[0, j].item(), f"dL_dx_1_{j}")


def test_rules_and_trace_disagreeing_is_caught():
    from bptrace.exercises.generate import _check_key
    v = variant("forward", 1, 1)
    values = dict(v.key)
    values["out_h1"] = values["out_h1"] * (1 + mpmath.mpf("1e-30"))
    with pytest.raises(AssertionError, match="rule and trace differ for out_h1"):
        _check_key(v.quantities, values, v.key)
