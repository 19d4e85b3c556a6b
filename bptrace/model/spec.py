"""Spec files: a network described once, in TOML, read safely.

Provides ``load(path_or_name)``, ``loads(text, file)`` and ``BUILTINS``. A spec is
untrusted (students share them): numbers are parsed by ``numbers.parse_number`` from the
literal text TOML holds (``parse_float=Decimal`` keeps 0.1 exact), names are checked
against a pattern, and nothing is passed to ``eval`` or ``sympify``. Every problem is a
``SpecError`` naming the file, the field and what is wrong.

The format (``examples/mazur.toml`` is the classic 2-2-2 example)::

    name = "…"                 # optional
    loss = "half_sse"          # or "mse", "sse", "l1", "smooth_l1", "huber", "bce",
                               # "bce_with_logits", "cross_entropy", "nll"; with options:
                               # loss = { name = "smooth_l1", beta = 0.5 }
    learning_rate = 0.5
    naming = "mazur"           # or "indexed"
    update_biases = false      # default true (torch's behaviour)
    inputs = [0.05, 0.10]
    targets = [0.01, 0.99]
    input_names = ["i1", "i2"] # optional
    # a mini-batch: one row per sample, reduced by "mean" (torch's default) or "sum"
    # inputs = [[0.05, 0.10], [0.20, 0.30]]
    # targets = [[0.01, 0.99], [0.50, 0.50]]
    # reduction = "mean"

    [[layers]]                 # one table per layer, input side first
    units = 2
    activation = "sigmoid"     # sigmoid, tanh, relu, leaky_relu, identity
    weights = [[0.15, 0.20], [0.25, 0.30]]   # row j: the weights into neuron j
    bias = 0.35                # one number: shared by the layer; a list: one per neuron;
                               # false: no bias at all (nn.Linear(bias=False))
    names = ["h1", "h2"]       # optional neuron names (any script: names = ["隐1", "隐2"])
    weight_names = [["w1", "w3"], ["w2", "w4"]]   # optional, laid out like weights (row j:
                               # into neuron j): a textbook's own numbering
"""
from __future__ import annotations

import re
import stat
import tomllib
from decimal import Decimal
from importlib import resources
from pathlib import Path

from ..errors import SpecError
from .layer import Layer, torch_mask
from .network import Network
from .numbers import exact

BUILTINS = ("mazur",)
MAX_SPEC_BYTES = 2_000_000     # a spec file larger than this is a mistake (or /dev/zero)
_TOP = {"name", "loss", "learning_rate", "naming", "update_biases", "inputs", "targets",
        "input_names", "layers", "reduction", "training"}
_LAYER = {"units", "activation", "weights", "bias", "names", "dropout", "mask", "seed",
          "weight_names"}
# a name: a letter of any script, then letters, digits or _ (Unicode \w: no LaTeX or DOT
# special character can pass), at most 31 characters
_NAME = re.compile(r"[^\W\d_]\w{0,30}")


def load(source) -> Network:
    """A network from a spec file path, or from a built-in name such as ``"mazur"``."""
    source = str(source)
    if source in BUILTINS:
        text = resources.files("bptrace.model.builtin").joinpath(f"{source}.toml").read_text("utf-8")
        return loads(text, source)
    path = Path(source)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SpecError("", f"no such file (built-in names: {', '.join(BUILTINS)})", source) from None
    except OSError as e:
        raise SpecError("", f"cannot read: {e.strerror or e}", source) from None
    # a FIFO would block, /dev/zero never ends, a directory is not a spec: regular files only
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise SpecError("", f"{kind}: a spec is a TOML file", source)
    if info.st_size > MAX_SPEC_BYTES:
        raise SpecError("", f"larger than {MAX_SPEC_BYTES // 1_000_000} MB: not a lecture-sized network", source)
    try:
        with path.open("rb") as fh:
            text = fh.read(MAX_SPEC_BYTES + 1).decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError("", "cannot read: not UTF-8 text", source) from None
    except OSError as e:
        raise SpecError("", f"cannot read: {e.strerror or e}", source) from None
    if len(text) > MAX_SPEC_BYTES:
        raise SpecError("", f"larger than {MAX_SPEC_BYTES // 1_000_000} MB: not a lecture-sized network", source)
    return loads(text, source)


def read_toml(text: str, file: str) -> dict:
    """Untrusted TOML (a spec, a student's answers): decimals kept exact, and every problem
    one ``SpecError`` naming the file — malformed, nested too deeply, or an integer beyond
    Python's 4,300-digit conversion limit."""
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as e:
        raise SpecError("TOML", f"malformed: {e}", file) from None
    except RecursionError:
        raise SpecError("TOML", "nested too deeply", file) from None
    except ValueError as e:
        raise SpecError("TOML", f"a number is too long ({str(e).split(':')[0]})", file) from None


def loads(text: str, file: str = "<spec>") -> Network:
    """A network from spec text; ``file`` is used in error messages."""
    data = read_toml(text, file)
    try:
        return _build(data)
    except SpecError as e:
        raise e.in_file(file) from None


def _unknown(keys, allowed, where):
    extra = sorted(set(keys) - allowed)
    if extra:
        raise SpecError(f"{where}{extra[0]}", f"unknown field (known: {', '.join(sorted(allowed))})")


def _list(data, key, where=""):
    if key not in data:
        raise SpecError(f"{where}{key}", "missing")
    value = data[key]
    if not isinstance(value, list):
        raise SpecError(f"{where}{key}", f"expected a list, got {_kind(value)}")
    return value


def _kind(value) -> str:
    return {bool: "a boolean", str: "a string", dict: "a table", list: "a list"}.get(type(value), "a number")


def _string(data, key, default):
    value = data.get(key, default)
    if not isinstance(value, str):
        raise SpecError(key, f"expected a string, got {_kind(value)}")
    return value


def _loss(data):
    """``loss = "bce"``, or a table with options: ``loss = { name = "smooth_l1", beta = 0.5 }``."""
    value = data.get("loss", "half_sse")
    if not isinstance(value, (str, dict)):
        raise SpecError("loss", f"expected a name or a table, got {_kind(value)}")
    return value


def _names(value, count, field):
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != count:
        raise SpecError(field, f"expected a list of {count} names")
    for k, name in enumerate(value):
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise SpecError(f"{field}[{k}]", f"{name!r} is not a name (letters of any script, "
                            "digits and _, starting with a letter, at most 31 characters)")
    return tuple(value)


def _build(data: dict) -> Network:
    _unknown(data, _TOP, "")
    inputs = _list(data, "inputs")
    targets = _list(data, "targets")
    layers_data = _list(data, "layers")
    layers, names, weight_names = [], [], []
    for l, ld in enumerate(layers_data):
        where = f"layers[{l}]"
        if not isinstance(ld, dict):
            raise SpecError(where, f"expected a table ([[layers]]), got {_kind(ld)}")
        _unknown(ld, _LAYER, f"{where}.")
        if "units" not in ld:
            raise SpecError(f"{where}.units", "missing")
        if "weights" not in ld:
            raise SpecError(f"{where}.weights", "missing")
        activation = ld.get("activation", "sigmoid")
        if not isinstance(activation, str):
            raise SpecError(f"{where}.activation", f"expected a string, got {_kind(activation)}")
        weights = ld["weights"]
        if not isinstance(weights, list):
            raise SpecError(f"{where}.weights", f"expected a list of rows, got {_kind(weights)}")
        units = ld["units"]
        mask = _mask(ld, where, units, inputs) if "dropout" in ld else ld.get("mask")
        bias = ld.get("bias", 0)
        if isinstance(bias, bool):      # bias = false: a layer without bias (nn.Linear(bias=False))
            if bias:
                raise SpecError(f"{where}.bias", "expected a number, a list, or false (no bias), got true")
            bias = None
        layers.append(Layer(units, activation, weights, bias, ld.get("dropout"), mask))
        if isinstance(units, int) and not isinstance(units, bool):
            names.append(_names(ld.get("names"), units, f"{where}.names"))
            weight_names.append(_weight_names(ld, where, units, weights))
    update_biases = data.get("update_biases", True)
    if not isinstance(update_biases, bool):
        raise SpecError("update_biases", f"expected true or false, got {_kind(update_biases)}")
    return Network(
        inputs, targets, layers,
        loss=_loss(data),
        learning_rate=data.get("learning_rate", Decimal("0.5")),
        naming=_string(data, "naming", "mazur"),
        update_biases=update_biases,
        name=_string(data, "name", "network"),
        input_names=_names(data.get("input_names"),
                           len(inputs[0]) if inputs and isinstance(inputs[0], list) else len(inputs),
                           "input_names"),
        reduction=_string(data, "reduction", "mean"),
        neuron_names=names if any(n is not None for n in names) else None,
        weight_names=weight_names if any(n is not None for n in weight_names) else None,
        training=_boolean(data, "training", True),
    )


def _weight_names(ld: dict, where: str, units: int, weights):
    """``weight_names``: rows laid out like ``weights`` (row j: the weights into neuron j)."""
    given = ld.get("weight_names")
    if given is None:
        return None
    field = f"{where}.weight_names"
    fan_in = len(weights[0]) if weights and isinstance(weights[0], list) else None
    if not isinstance(given, list) or len(given) != units:
        raise SpecError(field, f"expected {units} rows (one per neuron), laid out like weights")
    rows = []
    for j, row in enumerate(given):
        if not isinstance(row, list) or (fan_in is not None and len(row) != fan_in):
            raise SpecError(f"{field}[{j}]", f"expected {fan_in} names (one per weight into the neuron)")
        rows.append(_names(row, len(row), f"{field}[{j}]"))
    return tuple(rows)


def _boolean(data, key, default):
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise SpecError(key, f"expected true or false, got {_kind(value)}")
    return value


def _mask(ld: dict, where: str, units, inputs):
    """A dropout layer's mask: given (``mask``), or drawn by torch from ``seed`` as
    ``torch.manual_seed(seed)`` then ``nn.Dropout(p)`` on the layer's (samples × units)
    outputs would draw it."""
    if "mask" in ld and "seed" in ld:
        raise SpecError(f"{where}.seed", "give either mask or seed, not both")
    if "seed" not in ld:
        return ld.get("mask")
    seed = ld["seed"]
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2 ** 63:
        raise SpecError(f"{where}.seed", f"expected a whole number ≥ 0, got {seed!r}")
    if not isinstance(units, int) or isinstance(units, bool) or units < 1:
        return None   # the units error is reported by the network
    p = exact(ld["dropout"], f"{where}.dropout")
    if not 0 <= p < 1:
        raise SpecError(f"{where}.dropout", f"p must be in [0, 1), got {float(p):g}")
    batch = len(inputs) if inputs and isinstance(inputs[0], list) else 0
    try:
        flat = torch_mask(seed, units * max(batch, 1), p)
    except SpecError as e:
        raise SpecError(f"{where}.seed", e.problem) from None
    if not batch:
        return list(flat)
    return [list(flat[s * units:(s + 1) * units]) for s in range(batch)]
