"""Exercises drawn from a seed: one ``Variant`` per student, each with its blanks and key.

Provides:
- ``KINDS`` — forward, output-weight, hidden-weight, update, train-round, loss, optimizer;
- ``Variant`` — what one sheet asks: the given numbers, the blanks in dependency order
  (``program.Quantity``), and the key (every blank's value from bptrace's own trace at 50
  digits: ``net.forward()``, ``net.derive()``, ``net.step()``, ``lessons.optim.trace``,
  ``lessons.loss_trace``);
- ``variant(kind, seed, number, …)`` and ``exercise(kind, seed, variants, …)``.

Sampling: variant ``n`` of seed ``s`` draws from ``random.Random(f"bptrace:{s}:{n}")`` —
Python documents string seeds (version 2) as hashed with SHA-512, not with ``hash()``, so
the draw is the same on every machine, Python version and ``PYTHONHASHSEED``; only
``randrange`` and ``choice`` are used, whose algorithms are fixed since Python 3.2.
Numbers are hand-friendly (weights on a 0.05 grid, inputs with one decimal, targets such as
0.01/0.99) and a draw is rejected, and the next one taken from the same generator, when a
student would struggle to no purpose: a saturated sigmoid (|net| > 3) or tanh (|net| > 2),
a ReLU net input of exactly 0, a gradient below 10^−digits, or a catalogued mistake whose
number is within 10 units of the last asked digit of the right one (marking could not tell
them apart).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath

from ..errors import SpecError
from . import lesson_rules, network_rules
from .program import run
from .rounding import close

KINDS = ("forward", "output-weight", "hidden-weight", "update", "train-round", "loss", "optimizer")
NETWORK_KINDS = KINDS[:5]
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
LOSSES = ("half_sse", "sse", "mse")
MAX_TRIES = 5000
MAX_VARIANTS = 500


@dataclass(frozen=True)
class Variant:
    kind: str
    seed: int
    number: int
    digits: int
    options: dict
    givens: dict                 # name → exact Fraction (a class index: int)
    quantities: tuple
    key: dict                    # name → mpf, from the trace
    net: object = field(default=None, repr=False, compare=False)
    tries: int = 1               # draws taken (1 + rejected)

    @property
    def env(self) -> dict:
        return {n: mpmath.mpf(v.numerator) / v.denominator if isinstance(v, Fraction) else mpmath.mpf(v)
                for n, v in self.givens.items()}

    @property
    def names(self) -> list[str]:
        return [q.name for q in self.quantities]


def _mp(q: Fraction):
    return mpmath.mpf(q.numerator) / q.denominator


# ----- drawing numbers --------------------------------------------------------------------
def _weight(rng) -> Fraction:
    k = rng.randrange(1, 17)               # 0.05 … 0.80 on a 0.05 grid, either sign
    return Fraction(k if rng.randrange(2) else -k, 20)


def _draw_network(rng, template, shape):
    from ..model.layer import Layer
    from ..model.network import Network
    n_in = shape[0]
    inputs = [Fraction(rng.randrange(1, 11), 10) for _ in range(n_in)]
    layers = []
    fan_in = n_in
    for l, units in enumerate(shape[1:]):
        t = template["layers"][l]
        weights = [[_weight(rng) for _ in range(fan_in)] for _ in range(units)]
        if t["bias"] == "shared":
            bias = Fraction(rng.randrange(1, 13), 20)
        elif t["bias"] == "each":
            bias = [Fraction(rng.randrange(1, 13), 20) for _ in range(units)]
        else:
            bias = None
        layers.append(Layer(units, t["activation"], weights, bias=bias))
        fan_in = units
    targets = [rng.choice([Fraction(1, 100), Fraction(99, 100), Fraction(5, 100), Fraction(95, 100),
                           Fraction(1, 10), Fraction(9, 10)]) for _ in range(shape[-1])]
    eta = rng.choice([Fraction(1, 10), Fraction(1, 4), Fraction(1, 2)])
    return Network(inputs, targets, layers, loss=template["loss"], learning_rate=eta,
                   naming=template["naming"], update_biases=template["update_biases"],
                   name=template["name"], input_names=template["input_names"],
                   neuron_names=template["neuron_names"])


def template_of(spec_net=None, shape=(2, 2, 2), activation="sigmoid", loss="half_sse") -> dict:
    """The structure variants are drawn on: a spec's, or ``shape`` with shared biases."""
    if spec_net is None:
        if len(shape) != 3 or not all(isinstance(u, int) and 1 <= u <= 4 for u in shape):
            raise SpecError("--shape", f"expected three layer widths from 1 to 4 such as 2-2-2, "
                                       f"got {'-'.join(map(str, shape))}")
        return {"shape": tuple(shape), "loss": loss, "naming": "mazur", "update_biases": False,
                "name": f"{'-'.join(map(str, shape))} network", "input_names": None,
                "neuron_names": None,
                "layers": [{"activation": activation, "bias": "shared"},
                           {"activation": "sigmoid", "bias": "shared"}]}
    net = spec_net
    if net.batched or len(net.layers) != 2:
        raise SpecError("SPEC", "exercises are drawn on one sample and one hidden layer "
                                f"(this spec has {len(net.layers)} layers)")
    if str(net.loss) not in LOSSES:
        raise SpecError("SPEC", f"exercises support the losses {', '.join(LOSSES)}, not {net.loss}")
    for l, ly in enumerate(net.layers):
        if ly.dropout is not None:
            raise SpecError(f"layers[{l}].dropout", "exercises do not draw dropout masks")
        if ly.activation not in ACTIVATIONS + ("identity",):
            raise SpecError(f"layers[{l}].activation", f"{ly.activation} is not drawn by exercises")
    return {"shape": (len(net.inputs),) + tuple(ly.units for ly in net.layers),
            "loss": str(net.loss), "naming": net.naming, "update_biases": net.update_biases,
            "name": net.name, "input_names": net.names.inputs, "neuron_names": net.names.neurons,
            "layers": [{"activation": ly.activation,
                        "bias": None if ly.bias is None else "shared" if ly.shared_bias else "each"}
                       for ly in net.layers]}


def _acceptable(quantities, env, values, digits) -> bool:
    """The rejection rules of the module docstring, on the unrounded correct values."""
    full = dict(env)
    for q in quantities:
        v = values[q.name]
        if not mpmath.isfinite(v):
            return False
        if q.gradient and abs(v) < mpmath.mpf(10) ** -digits:
            return False
        for _, wrong in q.candidates(full):
            if close(wrong, v, digits, units=10):
                return False
        full[q.name] = v
    return True


def _net_ok(net, values) -> bool:
    for l, ly in enumerate(net.layers):
        for n in net.names.neurons[l]:
            x = values[f"net_{n}"]
            if ly.activation == "sigmoid" and abs(x) > 3 or ly.activation == "tanh" and abs(x) > 2:
                return False
            if ly.activation in ("relu", "leaky_relu") and x == 0:
                return False
    return True


def _check_key(quantities, values, key):
    """The rules and the trace must agree to 40 digits: the key is the trace's."""
    for q in quantities:
        a, b = values[q.name], key[q.name]
        if abs(a - b) > mpmath.mpf(10) ** -40 * max(1, abs(b)):
            raise AssertionError(f"rule and trace differ for {q.name}: {a} vs {b}")


def variant(kind: str, seed: int, number: int, digits: int = 4, activation: str = "sigmoid",
            loss: str = "half_sse", shape=(2, 2, 2), optimizer: str = "adam",
            spec_net=None) -> Variant:
    """Variant ``number`` (from 1) of exercise ``kind`` drawn from ``seed``."""
    if kind not in KINDS:
        raise SpecError("--kind", f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    if not 1 <= digits <= 12:
        raise SpecError("--digits", f"expected 1 to 12 significant digits, got {digits}")
    if activation not in ACTIVATIONS:
        raise SpecError("--activation", f"unknown activation {activation!r} (one of {', '.join(ACTIVATIONS)})")
    if loss not in LOSSES:
        raise SpecError("--loss", f"unknown loss {loss!r} (one of {', '.join(LOSSES)})")
    if optimizer not in lesson_rules.OPTIMIZERS:
        raise SpecError("--optimizer", f"unknown optimizer {optimizer!r} (one of {', '.join(lesson_rules.OPTIMIZERS)})")
    rng = random.Random(f"bptrace:{seed}:{number}")
    options = {"activation": activation, "loss": loss, "shape": list(shape), "optimizer": optimizer}
    if kind in NETWORK_KINDS:
        template = template_of(spec_net, tuple(shape), activation, loss)
        options = {"activation": template["layers"][0]["activation"], "loss": template["loss"],
                   "shape": list(template["shape"]), "network": template["name"],
                   "spec": spec_net is not None}
        draw = lambda: _draw_network_variant(rng, template, kind)   # noqa: E731
    elif kind == "optimizer":
        options = {"optimizer": optimizer}
        draw = lambda: _draw_optimizer(rng, optimizer)              # noqa: E731
    else:
        options = {"loss": "cross_entropy"}
        draw = lambda: _draw_loss(rng)                               # noqa: E731
    for tries in range(1, MAX_TRIES + 1):
        givens, quantities, net, ok = draw()
        env = {n: _mp(Fraction(v)) for n, v in givens.items()}
        values = run(quantities, env)
        if ok(values) and _acceptable(quantities, env, values, digits):
            break
    else:
        raise SpecError("--digits", f"no draw in {MAX_TRIES} tries gives an exercise whose mistakes "
                                    f"can be told apart at {digits} digits: ask for more digits")
    if kind in NETWORK_KINDS:
        key = _network_key(net, [q.name for q in quantities])
    elif kind == "optimizer":
        key = lesson_rules.optimizer_key(optimizer, givens)
    else:
        rows = [[givens[f"x_{s}_{j}"] for j in range(3)] for s in (1, 2)]
        key = lesson_rules.loss_key(rows, [givens["y_1"], givens["y_2"]])
    key = {n: key[n] for n in (q.name for q in quantities)}
    _check_key(quantities, values, key)
    return Variant(kind, seed, number, digits, options, givens, tuple(quantities), key, net, tries)


def _draw_network_variant(rng, template, kind):
    net = _draw_network(rng, template, template["shape"])
    shape = template["shape"]
    choice = {"output": (rng.randrange(shape[2]), rng.randrange(shape[1])),
              "hidden": (rng.randrange(shape[1]), rng.randrange(shape[0]))}
    givens = {n: v for n, v in zip(net.names.inputs, net.inputs)}
    givens.update(net.parameters)
    givens.update({f"target_{o}": t for o, t in zip(net.outputs, net.targets)})
    givens["eta"] = net.learning_rate
    quantities = network_rules.quantities(net, kind, choice)
    return givens, quantities, net, lambda values: _net_ok(net, values)


def _network_key(net, names) -> dict:
    """Every blank's value as bptrace's traces give it (forward, derive, step)."""
    from ..calculus.derive import derive
    from ..calculus.forward import forward
    from ..calculus.train import step
    key = {s.lhs.name: s.value for s in forward(net).steps}
    W0, W1 = net.names.weights
    for k, o in enumerate(net.outputs):
        d = derive(net, W1[k][0])
        key[f"dE_dout_{o}"] = d.paths[0].factors[0].value
        key[f"dout_{o}_dnet_{o}"] = d.paths[0].factors[1].value
        key.update({s.lhs.name: s.value for s in d.deltas})
    for j, h in enumerate(net.names.neurons[0]):
        if f"delta_{h}" in names:
            key.update({s.lhs.name: s.value for s in derive(net, W0[j][0]).deltas})
    for n in names:
        if n.startswith("dE_d") and not n.startswith("dE_dout_"):
            key[n] = derive(net, n[len("dE_d"):]).value
    if any(n.endswith("_new") for n in names):
        tr = step(net)
        key.update({f"{u.param}_new": u.new for u in tr.updates})
        key[f"{net.loss_name}_new"] = tr.network.loss_value
    return key


def _draw_optimizer(rng, name):
    g = {"a": rng.choice([Fraction(1, 2), Fraction(1), Fraction(3, 2), Fraction(2)]),
         "w_0": Fraction(rng.randrange(5, 21) * (1 if rng.randrange(2) else -1), 10),
         "eta": rng.choice([Fraction(1, 10), Fraction(1, 5), Fraction(1, 2)])}
    if name == "adam":
        g.update(beta1=Fraction(9, 10), beta2=rng.choice([Fraction(99, 100), Fraction(999, 1000)]),
                 eps=rng.choice([Fraction(1, 10), Fraction(1, 20)]))
    elif name == "rmsprop":
        g.update(alpha=rng.choice([Fraction(9, 10), Fraction(99, 100)]),
                 eps=rng.choice([Fraction(1, 10), Fraction(1, 20)]))
    else:
        g.update(mu=rng.choice([Fraction(1, 2), Fraction(4, 5), Fraction(9, 10)]))
    return g, lesson_rules.optimizer_quantities(name), None, lambda values: True


def _draw_loss(rng):
    g = {}
    for s in (1, 2):
        for j in range(3):
            g[f"x_{s}_{j}"] = Fraction(rng.randrange(-10, 21), 10)
    targets = [rng.randrange(3), rng.randrange(3)]
    g["y_1"], g["y_2"] = targets
    return g, lesson_rules.loss_quantities(targets, 3), None, lambda values: True


def exercise(kind: str, seed: int, variants: int, **options) -> list[Variant]:
    """Variants 1…``variants`` of ``kind`` from ``seed`` (see ``variant``)."""
    if not 1 <= variants <= MAX_VARIANTS:
        raise SpecError("--variants", f"expected 1 to {MAX_VARIANTS}, got {variants}")
    return [variant(kind, seed, n, **options) for n in range(1, variants + 1)]
