"""torch as the oracle: the same network in torch (float64), forward and backward.

Provides:
- ``torch_values(net)`` — every forward value, the loss and every parameter's gradient as
  torch computes them, keyed by bptrace's names (``net_h1``, ``out_o1``, ``E_total``,
  ``grad:w5``; in a batch ``net_h1[2]`` for sample 2). A shared bias is one torch
  parameter broadcast over its layer, so autograd sums its gradient over the neurons
  that share it — exactly the structure bptrace derives. For a network imported with
  ``from_torch`` the loss and gradients come from the user's own module (a float64
  copy), so the import itself is checked too.
- ``check_torch(net, rtol, atol)`` → ``CheckReport``: bptrace's 50-digit value beside
  torch's for every quantity, with absolute and relative differences and a verdict.

torch is imported here, lazily, and nowhere on the paths that do not need it.
"""
from __future__ import annotations

from dataclasses import dataclass

import mpmath

from ..model.activations import ACTIVATIONS
from ..model.numbers import to_mpf
from ..wiring import upward

RTOL, ATOL = 1e-12, 1e-15


def _key(name: str, s: int, batch: bool) -> str:
    return f"{name}[{s + 1}]" if batch else name


def mirror_parameters(net, torch) -> dict:
    """Layer → (weight matrix, bias vector) as float64 leaf tensors; one element = shared."""
    params = {}
    for l, layer in enumerate(net.layers):
        w = torch.tensor([[float(to_mpf(v)) for v in row] for row in layer.weights],
                         dtype=torch.float64, requires_grad=True)
        b = torch.tensor([float(to_mpf(v)) for v in layer.biases], dtype=torch.float64,
                         requires_grad=True)
        params[l] = (w, b)
    return params


def mirror_forward(net, params, torch, kept=None, layers=None):
    """The batch through the layers, and the reduced loss; intermediate tensors into ``kept``
    (by bptrace's names), and each layer's (z, a) into ``layers`` (z retaining its grad)."""
    def f64(rows):
        return torch.tensor([[float(to_mpf(v)) for v in row] for row in rows], dtype=torch.float64)

    x = f64([xs for xs, _ in net.samples])            # (B, inputs)
    # dropout as nn.Dropout applies it: the kept units times 1/(1 − p), each sample its mask
    scales = [net.dropout_scales(s) for s in range(len(net.samples))]
    for l, layer in enumerate(net.layers):
        w, b = params[l]
        z = x @ w.T + b if layer.biases else x @ w.T  # a one-element b broadcasts: one shared bias
        x = ACTIVATIONS[layer.activation].torch(torch, z)
        if layers is not None:
            z.retain_grad()
            layers.append((z, x))
        if kept is not None:
            for s in range(z.shape[0]):
                for j, name in enumerate(net.names.neurons[l]):
                    kept[_key(f"net_{name}", s, net.batched)] = z[s, j]
                    kept[_key(f"out_{name}", s, net.batched)] = x[s, j]
        if scales[0][l]:
            x = x * f64([sc[l] for sc in scales])
    targets = f64([ts for _, ts in net.samples])
    choice = net.loss
    per_sample = torch.stack([choice.entry.torch_sample(torch, x[s], targets[s], choice.options, choice.within)
                              for s in range(x.shape[0])])
    return x, per_sample.mean() if net.reduction == "mean" else per_sample.sum()


def torch_values(net) -> dict:
    """Name → float64 value of every forward quantity, ``E_total`` and ``grad:<param>``."""
    import torch

    params, kept = mirror_parameters(net, torch), {}
    _, loss = mirror_forward(net, params, torch, kept)
    loss.backward()
    result = {k: float(v.detach()) for k, v in kept.items()}
    result["E_total"] = float(loss.detach())
    for l, (w, b) in params.items():
        for j, row in enumerate(net.names.weights[l]):
            for k, name in enumerate(row):
                result[f"grad:{name}"] = float(w.grad[j, k])
        for j, name in enumerate(net.names.biases[l]):
            result[f"grad:{name}"] = float(b.grad[j])
    source = getattr(net, "torch_source", None)
    if source is not None:
        result.update(_module_values(net, source, torch))
    return result


def _module_values(net, source, torch) -> dict:
    """Loss and gradients from the user's own module, copied to float64."""
    import copy
    module = copy.deepcopy(source.module).double()
    module.zero_grad()
    out = module(source.inputs.double())
    targets = source.targets
    if targets.is_floating_point():
        targets = targets.double()
    # the torch loss of the same name on the whole batch (cross-entropy: the user's class indices)
    loss = net.loss.entry.torch(torch, out, targets, net.loss.options, source.reduction)
    loss.backward()
    result = {"E_total": float(loss.detach())}
    for pname, p in module.named_parameters():
        grad = p.grad.reshape(p.shape)
        if p.dim() == 2:
            for j in range(p.shape[0]):
                for k in range(p.shape[1]):
                    result[f"grad:{pname}[{j},{k}]"] = float(grad[j, k])
        else:
            for j in range(p.shape[0]):
                result[f"grad:{pname}[{j}]"] = float(grad[j])
    return result


@dataclass(frozen=True)
class CheckRow:
    quantity: str
    ours: mpmath.mpf
    theirs: float
    ok: bool

    @property
    def abs_diff(self) -> float:
        return abs(float(self.ours) - self.theirs)

    @property
    def rel_diff(self) -> float:
        return self.abs_diff / abs(self.theirs) if self.theirs else (0.0 if self.abs_diff == 0 else float("inf"))

    def to_dict(self) -> dict:
        return {"quantity": self.quantity, "bptrace": float(self.ours), "torch": self.theirs,
                "abs_diff": self.abs_diff, "rel_diff": self.rel_diff, "ok": self.ok}


@dataclass(frozen=True)
class CheckReport:
    """bptrace against torch.autograd (float64), quantity by quantity."""

    network: str
    rows: tuple[CheckRow, ...]
    rtol: float
    atol: float

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    @property
    def failures(self) -> tuple[CheckRow, ...]:
        return tuple(r for r in self.rows if not r.ok)

    def to_dict(self) -> dict:
        return {"kind": "check", "network": self.network, "rtol": self.rtol, "atol": self.atol,
                "ok": self.ok, "rows": [r.to_dict() for r in self.rows]}

    # printed and displayed as the table ``bptrace check`` prints (wired by the facade)
    __str__ = __repr__ = upward("check_text", "The table ``bptrace check`` prints.")
    _repr_html_ = upward("check_html", "Jupyter shows the check as an HTML table.", display=True)


def agrees(ours, theirs: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """|ours − theirs| ≤ max(rtol·|theirs|, atol): relative, or absolute near zero."""
    return abs(float(ours) - theirs) <= max(rtol * abs(theirs), atol)


def check_torch(net, rtol: float = RTOL, atol: float = ATOL) -> CheckReport:
    """Every forward value, the loss and every gradient, bptrace beside torch."""
    theirs = torch_values(net)
    sample_nets = getattr(net, "sample_networks", (net,))
    batch = net.batched
    ours = {}
    for s, sn in enumerate(sample_nets):
        for l, names in enumerate(net.names.neurons):
            for name in names:
                for kind in ("net", "out"):
                    ours[_key(f"{kind}_{name}", s, batch)] = sn.values[f"{kind}_{name}"]
    ours["E_total"] = net.loss_value
    for p, g in net.gradients().items():
        ours[f"grad:{p}"] = g
    rows = []
    for q, v in ours.items():
        label = f"∂E_total/∂{q[5:]}" if q.startswith("grad:") else q
        rows.append(CheckRow(label, v, theirs[q], agrees(v, theirs[q], rtol, atol)))
    return CheckReport(net.name, tuple(rows), rtol, atol)
