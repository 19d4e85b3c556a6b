"""Import a torch model as a bptrace network, with its current weights.

Provides ``from_torch(module, inputs, targets, loss="mse", reduction="mean")``. The model
is traced with ``torch.fx`` (so both ``nn.Sequential`` and plain ``nn.Module`` subclasses
whose ``forward`` chains linear layers and activations work, whether the activations are
modules — ``nn.Sigmoid()`` — or functions — ``torch.relu(x)``, ``F.leaky_relu(x)``,
``x.tanh()``). The graph must be a chain: Linear, optional activation, Linear, … Anything
else is a ``SpecError`` naming the node.

Parameters keep torch's names: ``linear1.weight[0,1]`` is ``model.linear1.weight[0, 1]``
(row = output neuron, column = input), ``linear1.bias[0]``; in an ``nn.Sequential`` they
are ``0.weight[0,1]``, as in its ``state_dict``. Values are read exactly as the binary
floats torch holds (a float32 0.15 is 0.1500000059604645…, shown as 0.150000006), so the
imported network computes what the model computes.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..errors import SpecError
from ..model.loss_table import canonical

# the loss bptrace uses for torch's MSELoss with each reduction
_MSE = {"mean": "mse", "sum": "sse"}


@dataclass(frozen=True)
class TorchSource:
    """What the network was imported from, so ``check`` can run the model itself."""

    module: object
    inputs: object
    targets: object
    reduction: str


def _activation(node, modules, torch):
    """The bptrace activation name for an fx node, None if it is not an activation."""
    F = torch.nn.functional
    if node.op == "call_module":
        mod = modules[node.target]
        table = {torch.nn.Sigmoid: "sigmoid", torch.nn.Tanh: "tanh", torch.nn.ReLU: "relu",
                 torch.nn.Identity: "identity"}
        if isinstance(mod, torch.nn.LeakyReLU):
            _check_slope(mod.negative_slope, node)
            return "leaky_relu"
        return table.get(type(mod))
    if node.op == "call_function":
        table = {torch.sigmoid: "sigmoid", torch.tanh: "tanh", torch.relu: "relu",
                 F.sigmoid: "sigmoid", F.tanh: "tanh", F.relu: "relu"}
        if node.target is F.leaky_relu:
            slope = node.args[1] if len(node.args) > 1 else node.kwargs.get("negative_slope", 0.01)
            _check_slope(slope, node)
            return "leaky_relu"
        return table.get(node.target)
    if node.op == "call_method":
        return {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}.get(node.target)
    return None


def _check_slope(slope, node):
    if slope != 0.01:
        raise SpecError(f"model.{node.name}", f"leaky_relu with negative_slope {slope}: "
                        "only torch's default 0.01 is supported")


def _describe(node, modules) -> str:
    if node.op == "call_module":
        return f"'{node.target}' ({type(modules[node.target]).__name__})"
    target = getattr(node.target, "__name__", node.target)
    return f"'{node.name}' ({target})"


def _exact(x: float) -> Fraction:
    return Fraction(float(x))


def _rows(tensor, field: str) -> list:
    t = tensor.detach().to("cpu").double()
    if t.dim() == 1:
        t = t.unsqueeze(0)
    if t.dim() != 2:
        raise SpecError(field, f"expected a vector or a (samples, features) matrix, got shape {tuple(t.shape)}")
    return [[_exact(v) for v in row] for row in t.tolist()]


# torch's loss modules → (bptrace loss name, the module's options)
_LOSS_MODULES = {"MSELoss": "mse", "L1Loss": "l1", "SmoothL1Loss": "smooth_l1", "HuberLoss": "huber",
                 "BCELoss": "bce", "BCEWithLogitsLoss": "bce_with_logits",
                 "CrossEntropyLoss": "cross_entropy", "NLLLoss": "nll"}


def _loss_from_module(loss, torch):
    """A torch loss module (``nn.SmoothL1Loss(beta=0.5)``) as (loss spec, reduction)."""
    kind = type(loss).__name__
    if kind not in _LOSS_MODULES:
        raise SpecError("loss", f"unsupported torch loss {kind} (supported: {', '.join(_LOSS_MODULES)})")
    spec = {"name": _LOSS_MODULES[kind]}
    if kind == "SmoothL1Loss":
        spec["beta"] = float(loss.beta)
    if kind == "HuberLoss":
        spec["delta"] = float(loss.delta)
    if kind == "CrossEntropyLoss":
        spec["label_smoothing"] = float(loss.label_smoothing)
    if kind in ("CrossEntropyLoss", "NLLLoss") and loss.weight is not None:
        spec["weight"] = [float(v) for v in loss.weight.detach().double().tolist()]
    if getattr(loss, "pos_weight", None) is not None or (kind in ("BCELoss", "BCEWithLogitsLoss")
                                                         and loss.weight is not None):
        raise SpecError("loss", f"{kind} with weight or pos_weight is not supported")
    return spec, loss.reduction


def _class_targets(targets, classes: int, batch: bool, reduction: str, spec, torch):
    """Class-index targets (torch's usual form for cross-entropy and NLL) as one-hot rows."""
    t = torch.as_tensor(targets)
    if t.is_floating_point():
        return targets
    if t.dim() != (1 if batch else 0):
        raise SpecError("targets", f"expected {'one class index per sample' if batch else 'one class index'}, "
                        f"got shape {tuple(t.shape)}")
    flat = t.reshape(-1).tolist()
    for k, c in enumerate(flat):
        if not 0 <= c < classes:
            raise SpecError(f"targets[{k}]", f"class index {c} is out of range (the model has {classes} outputs)")
    weight = spec.get("weight") if isinstance(spec, dict) else None
    if weight is not None and reduction == "mean":
        raise SpecError("loss.weight", "with class-index targets torch's weighted mean divides by the "
                        "sum of the targets' weights, not by the number of samples: use reduction='sum'")
    rows = torch.nn.functional.one_hot(torch.tensor(flat), classes).double()
    return rows if batch else rows[0]


def from_torch(module, inputs, targets, loss="mse", reduction: str = "mean",
               learning_rate=0.5, name: str | None = None):
    """A bptrace ``Network`` (or ``BatchNetwork``) computing what ``module`` computes.

    Args:
        module: an ``nn.Module`` chaining ``nn.Linear`` layers and activations.
        inputs, targets: tensors of one sample (vector) or a batch (samples × features).
        loss: a torch loss module (``nn.CrossEntropyLoss(label_smoothing=0.1)``: its options
            and reduction are used), a bptrace loss name ("mse" — ``nn.MSELoss`` —, "l1",
            "smooth_l1", "huber", "bce", "bce_with_logits", "cross_entropy", "nll", or
            "half_sse", ½·MSELoss with reduction "sum"), or a mapping with options
            (``{"name": "smooth_l1", "beta": 0.5}``). Cross-entropy and NLL take class-index
            targets (converted to one-hot rows) or class probabilities.
        reduction: "mean" or "sum", as in torch's losses.
    """
    import torch
    import torch.fx

    from ..model.network import Layer, Network

    if isinstance(loss, torch.nn.Module):
        loss, reduction = _loss_from_module(loss, torch)
    loss_name = canonical(loss["name"] if isinstance(loss, dict) and isinstance(loss.get("name"), str)
                          else loss if isinstance(loss, str) else "")
    if reduction not in _MSE:
        raise SpecError("reduction", f"must be 'mean' or 'sum', got {reduction!r}")
    try:
        graph = torch.fx.symbolic_trace(module).graph
    except Exception as e:  # fx raises many kinds; the message is what the user needs
        raise SpecError("model", f"cannot trace with torch.fx: {type(e).__name__}: {e}") from None
    modules = dict(module.named_modules())
    layers, prefixes, pending = [], [], None

    def close(activation):
        nonlocal pending
        lin, prefix = pending
        w = [[_exact(v) for v in row] for row in lin.weight.detach().double().tolist()]
        b = None if lin.bias is None else [_exact(v) for v in lin.bias.detach().double().tolist()]
        layers.append(Layer(lin.out_features, activation, w, b))
        prefixes.append(prefix)
        pending = None

    for node in graph.nodes:
        if node.op in ("placeholder", "output"):
            continue
        if node.op == "call_module" and isinstance(modules[node.target], torch.nn.Linear):
            if pending:
                close("identity")      # two linear layers in a row: nothing in between
            pending = (modules[node.target], node.target)
            continue
        act = _activation(node, modules, torch)
        if act is None:
            raise SpecError("model", f"unsupported layer {_describe(node, modules)}: bptrace "
                            "traces chains of nn.Linear and sigmoid, tanh, relu, leaky_relu")
        if act == "identity":
            continue
        if pending is None:
            raise SpecError("model", f"activation {_describe(node, modules)} does not follow a "
                            "linear layer: bptrace traces Linear → activation chains")
        close(act)
    if pending:
        close("identity")
    if not layers:
        raise SpecError("model", "no nn.Linear layer found")

    given_inputs, given_targets = inputs, targets
    batch = torch.as_tensor(inputs).dim() == 2
    if batch and torch.as_tensor(inputs).shape[0] == 1:   # the usual 1×N tensor: one sample
        batch, inputs = False, torch.as_tensor(inputs)[0]
        t = torch.as_tensor(targets)
        targets = t[0] if t.dim() >= 1 and t.shape[0] == 1 else targets
    if loss_name in ("cross_entropy", "nll"):
        targets = _class_targets(targets, layers[-1].units, batch, reduction, loss, torch)
    x, t = _rows(inputs, "inputs"), _rows(targets, "targets")
    if loss_name == "mse":      # MSELoss's mean over all elements; its sum is "sse"
        loss = {**loss, "name": _MSE[reduction]} if isinstance(loss, dict) else _MSE[reduction]
    if loss_name == "half_sse" and reduction == "mean":
        raise SpecError("loss", "half_sse is ½·MSELoss(reduction='sum'); use reduction='sum'")
    net = Network(x if batch else x[0], t if batch else t[0], layers, loss=loss,
                  reduction=reduction,
                  learning_rate=learning_rate, param_prefixes=prefixes,
                  name=name or type(module).__name__)
    net.torch_source = TorchSource(module, torch.as_tensor(given_inputs), torch.as_tensor(given_targets),
                                   reduction)
    return net


def load_torch_script(path: str):
    """Run a teaching script that defines ``model``, ``inputs`` and ``targets``, and import it.

    The file is executed as Python — it is the user's own script, like ``python FILE.py``
    (unlike a spec file, which is data and is never executed). Optional names: ``loss``
    ("mse" or "half_sse"), ``reduction`` ("mean" or "sum"), ``learning_rate``.
    """
    import runpy

    namespace = runpy.run_path(str(path), run_name="__bptrace__")
    missing = [k for k in ("model", "inputs", "targets") if k not in namespace]
    if missing:
        raise SpecError(", ".join(missing), "not defined by the script (it must define model, "
                        "inputs and targets)", str(path))
    try:
        return from_torch(namespace["model"], namespace["inputs"], namespace["targets"],
                          loss=namespace.get("loss", "mse"),
                          reduction=namespace.get("reduction", "mean"),
                          learning_rate=namespace.get("learning_rate", 0.5))
    except SpecError as e:
        raise e.in_file(str(path)) from None
