"""Names of a layered network's nodes and parameters.

Two schemes:
- ``mazur`` (the classic write-up): inputs i1…, hidden neurons h1… (h1_1, h2_1… when there
  are several hidden layers), outputs o1…, weights numbered w1, w2, … layer by layer in
  the order of torch's weight matrix (row = neuron, column = input), biases b1, b2, …
  (one per layer when shared, one per neuron otherwise);
- ``indexed``: the same nodes, parameters named by layer and position:
  ``w2_1_2`` is w^{(2)}_{12} (layer 2, into neuron 1, from input 2), ``b2`` a layer's shared
  bias, ``b2_1`` a neuron's own.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..errors import SpecError

SCHEMES = ("mazur", "indexed")


@dataclass(frozen=True)
class Names:
    inputs: tuple[str, ...]
    neurons: tuple[tuple[str, ...], ...]            # per layer
    weights: tuple[tuple[tuple[str, ...], ...], ...]  # per layer, [neuron][input]
    biases: tuple[tuple[str, ...], ...]             # per layer: one name if shared


def make_names(scheme: str, n_inputs: int, units: list[int], bias_counts: list[int],
               input_names=None, neuron_names=None, param_prefixes=None,
               weight_names=None) -> Names:
    """Names for a network with ``n_inputs`` inputs and layers of ``units`` neurons.

    ``bias_counts[l]`` is 1 for a shared bias, the layer's width for one bias per neuron,
    0 for none. ``input_names`` and ``neuron_names`` (per layer, None for the default)
    override the node names; ``param_prefixes`` (one per layer, e.g. the torch module
    names) name parameters as torch does: ``linear1.weight[0,1]``, ``linear1.bias[0]``.
    ``weight_names`` (per layer, None for the scheme's) names a layer's weights row by row
    (row j: into neuron j), as a textbook numbers them. A name used twice anywhere is a
    ``SpecError``.
    """
    hidden = len(units) - 1
    inputs = tuple(input_names or (f"i{k + 1}" for k in range(n_inputs)))
    neurons = []
    for l, n in enumerate(units):
        if neuron_names and neuron_names[l]:
            neurons.append(tuple(neuron_names[l]))
            continue
        if l == hidden:
            prefix = "o"
        elif hidden == 1:
            prefix = "h"
        else:
            prefix = f"h{l + 1}_"
        neurons.append(tuple(f"{prefix}{j + 1}" for j in range(n)))
    weights, biases = [], []
    w_count = b_count = 0
    fan_in = n_inputs
    for l, n in enumerate(units):
        rows = []
        for j in range(n):
            # the common case, at scale: w1, w2, … in order
            if scheme == "mazur" and not param_prefixes and not (weight_names and weight_names[l]):
                rows.append(tuple(f"w{c}" for c in range(w_count + 1, w_count + fan_in + 1)))
                w_count += fan_in
                continue
            row = []
            for k in range(fan_in):
                w_count += 1
                if weight_names and weight_names[l]:
                    row.append(weight_names[l][j][k])
                elif param_prefixes:
                    row.append(f"{param_prefixes[l]}.weight[{j},{k}]")
                elif scheme == "mazur":
                    row.append(f"w{w_count}")
                else:
                    row.append(f"w{l + 1}_{j + 1}_{k + 1}")
            rows.append(tuple(row))
        weights.append(tuple(rows))
        count = bias_counts[l]
        shared = count == 1 and n > 1
        layer_b = []
        for j in range(count):
            b_count += 1
            if param_prefixes:
                layer_b.append(f"{param_prefixes[l]}.bias[{j}]")
            elif scheme == "mazur":
                layer_b.append(f"b{b_count}")
            else:
                layer_b.append(f"b{l + 1}" if shared else f"b{l + 1}_{j + 1}")
        biases.append(tuple(layer_b))
        fan_in = n
    names = Names(inputs, tuple(neurons), tuple(weights), tuple(biases))
    _check_unique(names)
    return names


# the symbols bptrace derives from a neuron's name n: net_n, out_n, …; and the fixed ones
DERIVED_PREFIXES = ("net", "out", "delta", "target", "E", "d", "m")
FIXED_SYMBOLS = {"E_total", "p"}


def _check_unique(names: Names) -> None:
    """Every name distinct, and none equal to a symbol bptrace builds from another name
    (an input called out_h1 would be substituted by out_h1's value)."""
    derived = {f"{pre}_{n}": n for ns in names.neurons for n in ns for pre in DERIVED_PREFIXES}
    derived.update({s: None for s in FIXED_SYMBOLS})
    derived.update({f"p{l + 1}": None for l in range(len(names.neurons))})
    groups = [("input_names", names.inputs)]
    groups += [(f"layers[{l}].names", ns) for l, ns in enumerate(names.neurons)]
    groups += [("parameters", [w for rows in names.weights for row in rows for w in row])]
    groups += [("parameters", [b for bs in names.biases for b in bs])]
    every = [name for _, group in groups for name in group]
    if (len(set(every)) == len(every) and derived.keys().isdisjoint(every)
            and not any(name.startswith("E_") for name in every)):
        groups = []     # all fine: the loop below only finds the first problem and names it
    seen = {}
    for field, group in groups:
        for name in group:
            if name in seen:
                raise SpecError(field, f"duplicate name {name!r} (also used in {seen[name]})")
            if name in derived or name.startswith("E_"):
                raise SpecError(field, f"name {name!r} is reserved: bptrace uses it for "
                                + (f"a quantity of neuron {derived[name]!r}" if derived.get(name)
                                   else "the error or dropout symbols")
                                + " (net_, out_, delta_, target_, E_, d_, m_ prefixes; E_total, p)")
            seen[name] = field
    for ns in names.neurons:
        for n in ns:
            if f"E_{n}" in FIXED_SYMBOLS:
                raise SpecError("names", f"a neuron may not be called {n!r}: E_{n} is the error's symbol")


def derivative_key(of: str, wrt: str) -> str:
    """The ``values`` key under which a computed ∂of/∂wrt is kept (a batch's ∂E_1/∂w1)."""
    return f"d{of}/d{wrt}"


MAX_TITLE = 200     # characters in a network's free-text name (a title on slides and pages)


def check_title(text: str, field: str = "name") -> str:
    """A free-text name every output can carry, or a ``SpecError``.

    Refused: control characters (a newline or ESC would break the one-line outputs and
    the terminal), surrogates and Unicode noncharacters (U+FFFE, U+FFFF, …), which XML —
    hence SVG and HTML — forbids, and more than ``MAX_TITLE`` characters.
    """
    if not isinstance(text, str):
        raise SpecError(field, f"expected a string, got {type(text).__name__}")
    if len(text) > MAX_TITLE:
        raise SpecError(field, f"longer than {MAX_TITLE} characters ({len(text)})")
    for c in text:
        code = ord(c)
        if (unicodedata.category(c) in ("Cc", "Cs") or 0xFDD0 <= code <= 0xFDEF
                or code & 0xFFFE == 0xFFFE):
            raise SpecError(field, f"contains U+{code:04X}, which a document cannot show: remove it")
    return text
