"""The symbolic network: layers, names, SymPy symbols and formulas, exact values.

Provides ``Layer`` and ``Network``. A ``Network`` is immutable: ``step()`` returns a new
one. Values given in Python are read exactly (a float by its shortest repr, so 0.1 is
1/10); values from a spec file arrive as exact fractions from ``spec.py``. The network
knows its own numbers (``numbers``, ``values``, ``gradients``: ``numeric.py``); the traces
that explain them (``forward``, ``derive``, ``prove``, ``step``, ``train``) live in
``calculus/``, the torch check in ``oracle/`` and the picture in ``renderers/``: those methods
are declared here and wired to their layer by the package facade (``bptrace/wiring.py``).
"""
from __future__ import annotations

from functools import cached_property

import mpmath
import sympy

from ..errors import SpecError
from ..wiring import upward
from . import fastmp, numeric
from .activations import ACTIVATIONS
from .layer import REDUCTIONS, Layer, check_dropout, is_batch
from .loss_choice import choose
from .naming import SCHEMES, check_title, make_names
from .numbers import exact, exact_many, to_mpf, without_gc
from .unevaluated import add, mul


class Network:
    """A layered network with one sample, its targets, a loss and a learning rate.

    Given several samples (``inputs`` and ``targets`` as lists of lists), the constructor
    returns a ``BatchNetwork`` (``batch.py``): the same API, the loss reduced over the
    batch by ``reduction`` ("mean" or "sum"), as torch's losses do.
    """

    loss_name = "E_total"     # the error's symbol; a batch's samples have E_1, E_2, …
    batched = False           # True for a BatchNetwork

    _batch_class = None       # BatchNetwork, which registers itself (model/batch.py)

    def __init_subclass__(cls, batch: bool = False, **kwargs):
        super().__init_subclass__(**kwargs)
        if batch:
            Network._batch_class = cls

    def __new__(cls, inputs=(), *args, **kwargs):
        if cls is Network and is_batch(inputs):
            return super().__new__(Network._batch_class)
        return super().__new__(cls)

    @without_gc
    def __init__(self, inputs, targets, layers, *, loss="half_sse", learning_rate=0.5,
                 naming="mazur", update_biases=True, name="network",
                 input_names=None, neuron_names=None, param_prefixes=None,
                 reduction="mean", loss_name=None, training=True, weight_names=None):
        self.training = bool(training)
        if loss_name:
            self.loss_name = loss_name
        if reduction not in REDUCTIONS:
            raise SpecError("reduction", f"must be 'mean' or 'sum', got {reduction!r}")
        self.reduction = reduction
        self.param_prefixes = param_prefixes
        self.weight_names = weight_names
        if not layers:
            raise SpecError("layers", "a network needs at least one layer")
        if naming not in SCHEMES:
            raise SpecError("naming", f"unknown naming {naming!r} (known: {', '.join(SCHEMES)})")
        self.name, self.naming = check_title(name), naming
        # a name checked now (as before any other field); its options once the outputs are known
        self.loss = choose(loss, reduction)
        self.update_biases = bool(update_biases)
        self.learning_rate = exact(learning_rate, "learning_rate")
        self.inputs = exact_many(inputs, lambda k: f"inputs[{k}]")
        if not self.inputs:
            raise SpecError("inputs", "at least one input is needed")
        fan_in = len(self.inputs)
        checked = []
        for l, layer in enumerate(layers):
            where = f"layers[{l}]"
            if not isinstance(layer.units, int) or isinstance(layer.units, bool) or layer.units < 1:
                raise SpecError(f"{where}.units", f"must be a positive integer, got {layer.units!r}")
            if layer.activation not in ACTIVATIONS:
                raise SpecError(f"{where}.activation", f"unknown activation {layer.activation!r} "
                                f"(known: {', '.join(ACTIVATIONS)})")
            rows = list(layer.weights)
            if len(rows) != layer.units:
                raise SpecError(f"{where}.weights", f"expected {layer.units} rows (one per neuron) "
                                f"of {fan_in} weights, got {len(rows)} rows")
            weights = []
            for j, row in enumerate(rows):
                if not isinstance(row, (list, tuple)) or len(row) != fan_in:
                    got = len(row) if isinstance(row, (list, tuple)) else type(row).__name__
                    raise SpecError(f"{where}.weights[{j}]", f"expected {fan_in} weights "
                                    f"(one per input to the layer), got {got}")
                weights.append(exact_many(row, lambda k: f"{where}.weights[{j}][{k}]"))
            if layer.bias is None:
                bias = None
            elif layer.shared_bias:
                bias = exact(layer.bias, f"{where}.bias")
            else:
                if len(layer.bias) != layer.units:
                    raise SpecError(f"{where}.bias", f"expected one number (shared) or {layer.units} "
                                    f"(one per neuron), got {len(layer.bias)}")
                bias = exact_many(layer.bias, lambda j: f"{where}.bias[{j}]")
            p, mask = check_dropout(layer, where, last=l == len(layers) - 1, training=self.training)
            checked.append(Layer(layer.units, layer.activation, tuple(weights), bias, p, mask))
            fan_in = layer.units
        self.layers = tuple(checked)
        self.targets = exact_many(targets, lambda k: f"targets[{k}]")
        if len(self.targets) != fan_in:
            raise SpecError("targets", f"expected {fan_in} targets (one per output), got {len(self.targets)}")
        self.loss = choose(self.loss, reduction, classes=fan_in)
        problem = self.loss.entry.targets_problem(self.targets)
        if problem:
            raise SpecError("targets", problem)
        if self.loss == "nll" and self.loss.options.get("weight") and reduction == "mean":
            raise SpecError("loss.weight", "torch's NLLLoss with weights and reduction 'mean' divides "
                            "by the sum of the targets' weights, not by the number of samples: "
                            "use reduction = \"sum\"")
        self.names = make_names(naming, len(self.inputs), [ly.units for ly in self.layers],
                                [len(ly.biases) for ly in self.layers], input_names, neuron_names,
                                param_prefixes, weight_names)

    # ----- parameters -------------------------------------------------------------------
    @cached_property
    def parameters(self) -> dict:
        """Every parameter's name → value, layer by layer (weights, then biases)."""
        params = {}
        for l, layer in enumerate(self.layers):
            for j, row in enumerate(layer.weights):
                for k, v in enumerate(row):
                    params[self.names.weights[l][j][k]] = v
            for name, v in zip(self.names.biases[l], layer.biases):
                params[name] = v
        return params

    @cached_property
    def locations(self) -> dict:
        """Parameter name → ("w", layer, neuron, input) or ("b", layer, neuron or None)."""
        where = {}
        for l, layer in enumerate(self.layers):
            for j in range(layer.units):
                for k in range(len(layer.weights[j])):
                    where[self.names.weights[l][j][k]] = ("w", l, j, k)
            for j, name in enumerate(self.names.biases[l]):
                where[name] = ("b", l, None if layer.shared_bias else j)
        return where

    def is_bias(self, param: str) -> bool:
        return self.locations[param][0] == "b"

    def check_param(self, param: str) -> str:
        """``param`` if the network has it; otherwise a SpecError listing the names."""
        if param not in self.locations:
            names = list(self.locations)
            shown = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
            raise SpecError("--wrt", f"unknown parameter {param!r} (this network has {shown})")
        return param

    def with_parameters(self, values: dict) -> "Network":
        """A copy of this network with some parameters replaced (name → value)."""
        layers = []
        for l, layer in enumerate(self.layers):
            w = tuple(tuple(values.get(self.names.weights[l][j][k], v) for k, v in enumerate(row))
                      for j, row in enumerate(layer.weights))
            b = tuple(values.get(n, v) for n, v in zip(self.names.biases[l], layer.biases))
            layers.append(Layer(layer.units, layer.activation, w,
                                None if layer.bias is None else b[0] if layer.shared_bias else b,
                                layer.dropout, layer.mask))
        return self.with_layers(layers)

    def settings(self) -> dict:
        """The constructor's keyword arguments that rebuild this network's structure."""
        return dict(loss=self.loss, learning_rate=self.learning_rate, naming=self.naming,
                    update_biases=self.update_biases, name=self.name,
                    input_names=self.names.inputs, neuron_names=self.names.neurons,
                    param_prefixes=self.param_prefixes, reduction=self.reduction,
                    loss_name=self.loss_name, training=self.training,
                    weight_names=self.weight_names)

    def with_layers(self, layers) -> "Network":
        return Network(self.inputs, self.targets, layers, **self.settings())

    @property
    def samples(self) -> tuple:
        """``(inputs, targets)`` of each sample: just one here."""
        return ((self.inputs, self.targets),)

    # ----- symbols and formulas ------------------------------------------------------------
    def layer_inputs(self, l: int) -> tuple[str, ...]:
        """Names of the values feeding layer ``l``: the inputs, the previous layer's outs,
        or — after dropout — their dropped-and-scaled versions d_h1, …"""
        if l == 0:
            return self.names.inputs
        prefix = "d" if self.has_dropout(l - 1) else "out"
        return tuple(f"{prefix}_{n}" for n in self.names.neurons[l - 1])

    def has_dropout(self, l: int) -> bool:
        """Whether layer ``l``'s outputs pass through dropout (the identity in evaluation)."""
        return self.layers[l].dropout is not None

    def dropout_symbol(self, l: int) -> sympy.Symbol:
        """p, or p1, p2, … when several layers have dropout."""
        several = sum(ly.dropout is not None for ly in self.layers) > 1
        return sympy.Symbol(f"p{l + 1}" if several else "p")

    def dropout_factor(self, l: int, j: int) -> sympy.Expr:
        """∂d_j/∂out_j = m_j/(1 − p) while training, 1 in evaluation."""
        if not self.training:
            return sympy.Integer(1)
        n = self.names.neurons[l][j]
        p = self.dropout_symbol(l)
        return mul(sympy.Symbol(f"m_{n}"), sympy.Pow(add(1, mul(-1, p)), -1, evaluate=False))

    def dropout_formula(self, l: int, j: int) -> sympy.Expr:
        """d_j = m_j·out_j/(1 − p) while training; d_j = out_j in evaluation."""
        n = self.names.neurons[l][j]
        if not self.training:
            return sympy.Symbol(f"out_{n}")
        p = self.dropout_symbol(l)
        return mul(sympy.Symbol(f"m_{n}"), sympy.Symbol(f"out_{n}"),
                    sympy.Pow(add(1, mul(-1, p)), -1, evaluate=False))

    def net_formula(self, l: int, j: int) -> sympy.Expr:
        """net_j = Σ_k w_jk·x_k + b, in the order it is written on the board."""
        S = sympy.Symbol
        terms = [mul(S(w), S(x)) for w, x in zip(self.names.weights[l][j], self.layer_inputs(l))]
        if self.layers[l].bias is not None:
            terms.append(S(self.names.biases[l][0 if self.layers[l].shared_bias else j]))
        return add(*terms) if len(terms) > 1 else terms[0]

    def out_formula(self, l: int, j: int) -> sympy.Expr:
        return ACTIVATIONS[self.layers[l].activation].formula(sympy.Symbol(f"net_{self.names.neurons[l][j]}"))

    @property
    def outputs(self) -> tuple[str, ...]:
        return self.names.neurons[-1]

    def _loss_symbols(self):
        S = sympy.Symbol
        return [S(f"target_{o}") for o in self.outputs], [S(f"out_{o}") for o in self.outputs]

    def loss_terms(self) -> list[sympy.Expr]:
        """E_o for each output, in target_o and out_o (cross-entropy: in every out)."""
        return self.loss.entry.terms(*self._loss_symbols(), self.loss.options)

    def loss_total(self) -> sympy.Expr:
        if len(self.outputs) == 1 and self.loss.entry.kind == "elementwise":   # E_total = E_o1
            return sympy.Symbol(f"E_{self.outputs[0]}")
        return self.loss.entry.total([sympy.Symbol(f"E_{o}") for o in self.outputs], self.loss.within)

    def loss_derivative(self, j: int) -> sympy.Expr:
        """∂E_total/∂out_oj as the lecturer writes it."""
        d = self.loss.entry.derivative(*self._loss_symbols(), j, self.loss.options)
        if self.loss.within != "mean" or len(self.outputs) == 1:
            return d
        q = sympy.Rational(1, len(self.outputs))
        if d.is_Mul and d.args[0].is_Number:      # −2·(t − o) → −2/n·(t − o)
            return mul(d.args[0] * q, *d.args[1:])
        return mul(q, d)

    def target_constraints(self) -> dict:
        """Facts about the targets a derivation uses: cross-entropy's targets sum to 1.

        The lecturer's ∂E/∂z_j = softmax_j(z) − y_j holds because Σ_k y_k = 1; the proof
        substitutes y_C = 1 − Σ_{k<C} y_k before comparing with ``sympy.diff``.
        """
        if self.loss != "cross_entropy":
            return {}
        ts = self._loss_symbols()[0]
        return {ts[-1]: 1 - sympy.Add(*ts[:-1])}

    # ----- numbers ---------------------------------------------------------------------------
    def _numeric_layers(self, m, convert, sample: int = 0, parameters=None):
        """(activation, weights, biases, dropout factors) per layer, as numbers of ``m``.

        ``sample`` picks whose dropout mask is used (a batch's samples may differ);
        ``parameters(weights, biases)`` converts a layer's weights and biases instead of
        ``convert`` (at 50 digits: ``fastmp.working``, the numbers its kernels compute with)."""
        scales = self.dropout_scales(sample)
        if parameters is None:
            return [(ly.activation, [[convert(v) for v in row] for row in ly.weights],
                     [convert(v) for v in ly.biases], [convert(s) for s in scale])
                    for ly, scale in zip(self.layers, scales)]
        return [(ly.activation, *parameters(ly.weights, ly.biases), [convert(s) for s in scale])
                for ly, scale in zip(self.layers, scales)]

    def dropout_scales(self, sample: int = 0) -> list:
        """Per layer, the exact dropout factors m_j/(1 − p) of ``sample`` (empty: none)."""
        return [ly.scale(self.training) for ly in self.layers]

    @cached_property
    @without_gc
    def numbers(self) -> numeric.Numbers:
        """Every forward value, delta and gradient at working precision (mpmath)."""
        nums = numeric.run([to_mpf(v) for v in self.inputs], [to_mpf(v) for v in self.targets],
                           self._numeric_layers(mpmath, to_mpf, parameters=fastmp.working),
                           self.loss, mpmath)
        problem = self.loss.entry.outputs_problem(nums.out[-1])
        if problem:
            raise SpecError("loss", f"{self.loss} needs every output in [0, 1] (a sigmoid output "
                            f"layer; or bce_with_logits on raw outputs): {problem}")
        return nums

    @cached_property
    def values(self) -> dict:
        """Every named quantity → mpf: inputs, targets, parameters, net_, out_, E_, delta_."""
        nums = self.numbers
        vals = {n: to_mpf(v) for n, v in zip(self.names.inputs, self.inputs)}
        vals.update({f"target_{o}": to_mpf(v) for o, v in zip(self.outputs, self.targets)})
        vals.update({n: to_mpf(v) for n, v in self.parameters.items()})
        for l, names in enumerate(self.names.neurons):
            for j, n in enumerate(names):
                vals[f"net_{n}"] = nums.net[l][j]
                vals[f"out_{n}"] = nums.out[l][j]
                vals[f"delta_{n}"] = nums.delta[l][j]
                if self.has_dropout(l):
                    vals[f"d_{n}"] = nums.fed[l][j]
                if self.has_dropout(l) and self.training:
                    vals[f"m_{n}"] = to_mpf(self.layers[l].mask[j])
                    vals[self.dropout_symbol(l).name] = to_mpf(self.layers[l].dropout)
        for o, t in zip(self.outputs, nums.terms):
            vals[f"E_{o}"] = t
        vals[self.loss_name] = nums.loss
        return vals

    @without_gc
    def gradients(self) -> dict:
        """∂E_total/∂p for every parameter p (name → mpf), by the delta recursion."""
        nums = self.numbers
        grads = {}
        for l in range(len(self.layers)):
            for j, row in enumerate(self.names.weights[l]):
                for k, name in enumerate(row):
                    grads[name] = nums.weight_grads[l][j][k]
            for name, g in zip(self.names.biases[l], nums.bias_grads[l]):
                grads[name] = g
        return grads

    @property
    def loss_value(self) -> mpmath.mpf:
        return self.numbers.loss

    # ----- methods whose work lives in a higher layer (wired by bptrace/__init__.py) -------
    forward = upward("forward", "The forward pass, neuron by neuron, then each output's error and E_total.")
    derive = upward("derive", "∂E_total/∂param: every chain-rule path (up to ``max_paths``), and the delta form.")
    prove = upward("prove", "Symbolic proof that the chain-rule sum equals sympy.diff of the written-out error.")
    check_torch = upward("check_torch", "Every forward value, the loss and every gradient against torch.autograd (float64).")
    step = upward("step", "One round of gradient descent; the trace's ``network`` is the updated network.")
    train = upward("train", "Train for ``rounds`` rounds; see ``bptrace.calculus.train.train`` for the rule settings.")
    _repr_svg_ = upward("_repr_svg_", "Jupyter shows the network picture (the embedded Graphviz, no system dot).",
                        display=True)
    _repr_html_ = upward("_repr_html_", "Jupyter shows the network picture and its numbers, in one output.",
                         display=True)

    def __repr__(self) -> str:
        widths = [len(self.inputs)] + [ly.units for ly in self.layers]
        return f"<Network {self.name!r} {'-'.join(map(str, widths))} loss={self.loss}>"
