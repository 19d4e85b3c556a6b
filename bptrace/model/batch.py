"""Mini-batches: one network, several samples, the loss reduced over the batch.

Provides ``BatchNetwork`` — what ``Network(...)`` returns when the inputs are a list of
samples. Each sample is an ordinary single-sample ``Network`` sharing the parameters,
whose error is named E_1, E_2, …; the batch's error is their mean (torch's default
reduction) or sum:

    E_total = (1/B) Σ_s E_s        ∂E_total/∂w = (1/B) Σ_s ∂E_s/∂w

so every per-sample derivation is the single-sample one, and the batch adds one line:
the reduction. With loss "mse" and reduction "mean" this is ``nn.MSELoss()`` on a
(B, outputs) tensor; with loss "sse" and "sum", ``nn.MSELoss(reduction="sum")``.
"""
from __future__ import annotations

from dataclasses import replace
from functools import cached_property

import mpmath
import sympy

from ..errors import SpecError
from .naming import derivative_key
from .network import Network, is_batch
from .unevaluated import add, mul

S = sympy.Symbol


def _sample_layers(layers, s: int, batch: int):
    """The layers as sample ``s`` sees them: a dropout mask given per sample is its row."""
    out = []
    for l, layer in enumerate(layers):
        mask = layer.mask
        if isinstance(mask, (list, tuple)) and mask and isinstance(mask[0], (list, tuple)):
            if len(mask) != batch:
                raise SpecError(f"layers[{l}].mask", f"expected one row per sample ({batch}), got {len(mask)}")
            layer = replace(layer, mask=mask[s])
        out.append(layer)
    return out


class BatchNetwork(Network, batch=True):
    """A network evaluated on several samples; the same API as ``Network``."""

    batched = True

    def __init__(self, inputs, targets, layers, **settings):
        if not is_batch(targets) or len(targets) != len(inputs):
            raise SpecError("targets", f"expected {len(inputs)} rows of targets (one per sample), "
                            f"got {len(targets) if isinstance(targets, (list, tuple)) else targets!r}")
        settings.pop("loss_name", None)
        for key, rows in (("inputs", inputs), ("targets", targets)):
            for s, row in enumerate(rows):
                if not isinstance(row, (list, tuple)) or len(row) != len(rows[0]):
                    got = len(row) if isinstance(row, (list, tuple)) else type(row).__name__
                    raise SpecError(f"{key}[{s}]", f"expected {len(rows[0])} {key} per sample, got {got}")
                for k, v in enumerate(row):
                    if isinstance(v, (list, tuple)):
                        raise SpecError(f"{key}[{s}][{k}]", "expected a number, got a list "
                                        "(a batch is one flat row per sample)")
        nets = []
        for s, (x, t) in enumerate(zip(inputs, targets)):
            try:
                nets.append(Network(list(x), list(t) if isinstance(t, (list, tuple)) else t,
                                    _sample_layers(layers, s, len(inputs)),
                                    loss_name=f"E_{s + 1}", **settings))
            except SpecError as e:
                field = e.field
                for key in ("inputs", "targets"):
                    if field.startswith(key):
                        field = f"{key}[{s}]{field[len(key):]}"
                raise SpecError(field, e.problem) from None
        first = nets[0]
        self.sample_networks = tuple(nets)
        self.__dict__.update({k: v for k, v in first.__dict__.items()
                              if k in ("name", "loss", "naming", "update_biases", "learning_rate",
                                       "layers", "names", "reduction", "param_prefixes", "weight_names",
                                       "training")})
        # keep each layer's dropout mask as given (one row per sample, or one for all)
        self.layers = tuple(replace(checked, mask=given.mask if checked.dropout is not None else None)
                            for checked, given in zip(first.layers, layers))
        self.inputs = tuple(n.inputs for n in nets)
        self.targets = tuple(n.targets for n in nets)

    @property
    def samples(self) -> tuple:
        return tuple((n.inputs, n.targets) for n in self.sample_networks)

    def dropout_scales(self, sample: int = 0) -> list:
        return self.sample_networks[sample].dropout_scales()

    @property
    def batch_size(self) -> int:
        return len(self.sample_networks)

    def with_layers(self, layers) -> "Network":
        settings = self.settings()
        settings.pop("loss_name")
        return Network([list(x) for x in self.inputs], [list(t) for t in self.targets], layers,
                       **settings)

    # ----- the reduction -------------------------------------------------------------------
    def reduce(self, values):
        total = mpmath.fsum(values)
        return total / len(values) if self.reduction == "mean" else total

    def reduction_formula(self, terms) -> sympy.Expr:
        total = add(*terms)
        return mul(sympy.Rational(1, len(terms)), total) if self.reduction == "mean" else total

    @cached_property
    def values(self) -> dict:
        """The parameters, each sample's error E_s, E_total, and each ∂E_s/∂p."""
        vals = {n: self.sample_networks[0].values[n] for n in self.parameters}
        for net in self.sample_networks:
            vals[net.loss_name] = net.loss_value
            for p, g in net.gradients().items():
                vals[derivative_key(net.loss_name, p)] = g
        vals[self.loss_name] = self.loss_value
        return vals

    @property
    def loss_value(self):
        return self.reduce([n.loss_value for n in self.sample_networks])

    def gradients(self) -> dict:
        per_sample = [n.gradients() for n in self.sample_networks]
        return {p: self.reduce([g[p] for g in per_sample]) for p in self.parameters}

    def __repr__(self) -> str:
        first = self.sample_networks[0]
        return f"<BatchNetwork {self.name!r} {self.batch_size} samples, {first!r}>"
