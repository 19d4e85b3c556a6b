"""A layer of a network, and the dropout that may follow it.

Provides ``Layer`` (units, activation, weights, bias, dropout p and mask), ``is_batch``
(inputs given as several samples), ``check_dropout`` (a layer's p and mask validated) and
``torch_mask`` (the mask ``nn.Dropout`` draws from a seed, for spec files that give one).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from ..errors import SpecError
from .numbers import exact


@dataclass(frozen=True)
class Layer:
    """A fully connected layer: ``weights[j][k]`` feeds input k into neuron j.

    ``bias`` is one number (shared by every neuron of the layer, as in the classic
    example), one per neuron, or None for a layer without bias (``nn.Linear(bias=False)``).
    ``dropout`` is p, the probability of dropping each of the layer's outputs while
    training, and ``mask`` says which units are kept (1) or dropped (0); the kept outputs
    are scaled by 1/(1 − p), as ``nn.Dropout`` does. In a batch, ``mask`` may hold one row
    per sample.
    """

    units: int
    activation: str = "sigmoid"
    weights: Sequence[Sequence] = ()
    bias: object = 0
    dropout: object = None
    mask: object = None

    def scale(self, training: bool = True) -> tuple:
        """Each output's dropout factor: m_j/(1 − p) while training, 1 in evaluation (the
        identity); () for a layer without dropout."""
        if self.dropout is None:
            return ()
        if not training:
            return (Fraction(1),) * self.units
        return tuple(Fraction(m) / (1 - self.dropout) for m in self.mask)

    @property
    def shared_bias(self) -> bool:
        return self.bias is not None and not isinstance(self.bias, (list, tuple))

    @property
    def biases(self) -> tuple:
        if self.bias is None:
            return ()
        return (self.bias,) if self.shared_bias else tuple(self.bias)


def is_batch(inputs) -> bool:
    """Inputs given as a list of samples (a list of lists) rather than one sample."""
    return isinstance(inputs, (list, tuple)) and bool(inputs) and isinstance(inputs[0], (list, tuple))


REDUCTIONS = ("mean", "sum")


def check_dropout(layer, where: str, last: bool, training: bool):
    """A layer's dropout p (exact, in [0, 1)) and mask (a tuple of 0/1), or (None, None)."""
    if layer.dropout is None:
        if layer.mask is not None:
            raise SpecError(f"{where}.mask", "a mask needs dropout = p")
        return None, None
    if last:
        raise SpecError(f"{where}.dropout", "dropout after the output layer is not supported "
                        "(put it after a hidden layer)")
    p = exact(layer.dropout, f"{where}.dropout")
    if not 0 <= p < 1:
        raise SpecError(f"{where}.dropout", f"p must be in [0, 1), got {float(p):g}")
    if layer.mask is None and not training:
        return p, None          # evaluation: dropout is the identity, no mask needed
    if layer.mask is None:
        raise SpecError(f"{where}.mask", "dropout needs the mask of kept (1) and dropped (0) "
                        "units (or, in a spec file, a seed)")
    mask = layer.mask
    if not isinstance(mask, (list, tuple)) or len(mask) != layer.units:
        raise SpecError(f"{where}.mask", f"expected {layer.units} entries of 0 or 1 (one per unit)")
    if any(m not in (0, 1) or isinstance(m, float) for m in mask):
        raise SpecError(f"{where}.mask", "entries must be 0 (dropped) or 1 (kept)")
    if p == 0 and 0 in mask:
        raise SpecError(f"{where}.mask", "with p = 0 no unit is ever dropped: the mask must be all 1")
    return p, tuple(int(m) for m in mask)


def torch_mask(seed: int, n: int, p: Fraction) -> tuple[int, ...]:
    """The units ``nn.Dropout(p)`` keeps after ``torch.manual_seed(seed)``, for n units."""
    try:
        import torch
    except ImportError:
        raise SpecError("--seed", "drawing a mask from a seed needs torch "
                                  "(pip install torch==2.13.0), or give it with --mask") from None
    torch.manual_seed(seed)
    out = torch.nn.Dropout(float(p))(torch.ones(n, dtype=torch.float64))
    return tuple(int(v != 0) for v in out.tolist())
