"""torch as the oracle: the same network in torch (float64), forward and backward.

Provides ``torch_values(net)`` → every forward value, the loss and every parameter's
gradient as torch computes them, keyed by bptrace's names (net_h1, out_o1, E_total, w5,
…). A shared bias is one torch parameter broadcast over its layer, so autograd sums its
gradient over the neurons that share it — exactly the structure bptrace derives.
torch is imported here, lazily, and nowhere on the paths that do not need it.
"""
from __future__ import annotations

from .activations import ACTIVATIONS
from .losses import LOSSES
from .numbers import to_mpf


def torch_values(net) -> dict:
    """Name → float64 value: net_/out_ of every neuron, E_total, and the gradient of every
    parameter under the key ``grad:<name>``."""
    import torch

    def tensor(values, grad=False):
        return torch.tensor([float(to_mpf(v)) for v in values], dtype=torch.float64,
                            requires_grad=grad)

    x = tensor(net.inputs)
    params, kept = {}, {}
    for l, layer in enumerate(net.layers):
        w = torch.tensor([[float(to_mpf(v)) for v in row] for row in layer.weights],
                         dtype=torch.float64, requires_grad=True)
        b = tensor(layer.biases, grad=True)
        params[l] = (w, b)
        z = w @ x + b          # a one-element b broadcasts: one shared bias
        x = ACTIVATIONS[layer.activation].torch(torch, z)
        for j, name in enumerate(net.names.neurons[l]):
            kept[f"net_{name}"], kept[f"out_{name}"] = z[j], x[j]
    loss = LOSSES[net.loss].torch(torch, x, tensor(net.targets))
    loss.backward()
    result = {k: float(v.detach()) for k, v in kept.items()}
    result["E_total"] = float(loss.detach())
    for l, (w, b) in params.items():
        for j, row in enumerate(net.names.weights[l]):
            for k, name in enumerate(row):
                result[f"grad:{name}"] = float(w.grad[j, k])
        for j, name in enumerate(net.names.biases[l]):
            result[f"grad:{name}"] = float(b.grad[j])
    return result
