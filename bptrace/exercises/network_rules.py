"""The blanks of the network exercises (forward, output-weight, hidden-weight, update,
train-round) for a network with one hidden layer, with the mistakes students make.

Provides ``quantities(net, kind, choice)`` → the ``Quantity`` list in dependency order, and
``givens(net)`` → the numbers printed on the sheet (inputs, weights, biases, targets, η).
``choice`` picks the weights asked about: ``output`` (output neuron index, hidden index),
``hidden`` (hidden neuron index, input index).

Answer names (documented in the README): ``net_h1``, ``out_h1``, ``E_o1``, ``E_total``,
``dE_dout_o1`` (∂E_total/∂out_o1), ``dout_o1_dnet_o1`` (∂out_o1/∂net_o1), ``delta_o1``,
``delta_h1``, ``dE_dw5`` (∂E_total/∂w5), ``dE_db2``, ``w5_new`` (w5⁺), ``E_total_new`` (the
error after the round). The rules are the chain rule as on the board; every perturbed rule
names its misconception (``misconceptions.py``).
"""
from __future__ import annotations

import mpmath

from .program import Quantity

MP = mpmath.mpf


def _f(act, x):
    if act == "sigmoid":
        return 1 / (1 + mpmath.exp(-x))
    if act == "tanh":
        return mpmath.tanh(x)
    if act == "relu":
        return x if x > 0 else MP(0)
    if act == "leaky_relu":
        return x if x > 0 else x / 100
    return x


def _fprime(act, out, net):
    if act == "sigmoid":
        return out * (1 - out)
    if act == "tanh":
        return 1 - out ** 2
    if act in ("relu", "leaky_relu"):
        return MP(1) if net > 0 else MP(0) if act == "relu" else MP(1) / 100
    return MP(1)


def _fprime_at_net(act, net):
    """The two ways σ′ goes wrong: σ′ formula fed net, or σ(net) taken for σ′."""
    if act == "sigmoid":
        return [lambda env: env[net] * (1 - env[net]), lambda env: _f(act, env[net])]
    if act == "tanh":
        return [lambda env: 1 - env[net] ** 2]
    return []


def _loss_shape(net):
    """(c, mean): E_o = c·(target − out)², E_total = Σ E_o or their mean."""
    name = str(net.loss)
    if name == "half_sse":
        return MP(1) / 2, False
    if name == "sse":
        return MP(1), False
    if name == "mse":
        return MP(1), True
    raise ValueError(name)


def givens(net) -> dict:
    g = {n: mpmath.mpf(v.numerator) / v.denominator for n, v in zip(net.names.inputs, net.inputs)}
    for o, t in zip(net.outputs, net.targets):
        g[f"target_{o}"] = mpmath.mpf(t.numerator) / t.denominator
    for p, v in net.parameters.items():
        g[p] = mpmath.mpf(v.numerator) / v.denominator
    g["eta"] = mpmath.mpf(net.learning_rate.numerator) / net.learning_rate.denominator
    return g


class _Builder:
    def __init__(self, net):
        self.net = net
        self.X = list(net.names.inputs)
        self.H, self.O = (list(n) for n in net.names.neurons)
        self.W0, self.W1 = net.names.weights
        self.act_h, self.act_o = (ly.activation for ly in net.layers)
        self.E = net.loss_name
        self.c, self.mean = _loss_shape(net)

    def bias(self, l, j):
        layer = self.net.layers[l]
        if layer.bias is None:
            return None
        return self.net.names.biases[l][0 if layer.shared_bias else j]

    # ----- forward ---------------------------------------------------------------------
    def net_q(self, l, j):
        name = (self.H if l == 0 else self.O)[j]
        xs = self.X if l == 0 else [f"out_{h}" for h in self.H]
        W = self.W0 if l == 0 else self.W1
        b = self.bias(l, j)

        def total(weights):
            return lambda env: mpmath.fsum(env[w] * env[x] for w, x in zip(weights, xs)) + (env[b] if b else 0)
        mistakes = []
        if len(W) == len(xs) and len(W) > 1:     # square: the transposed matrix fits too
            mistakes.append(("transposed-weights", total([W[k][j] for k in range(len(xs))])))
        return Quantity(f"net_{name}", f"net_{name}", rf"\mathrm{{net}}_{{{name}}}",
                        total(W[j]), tuple(mistakes))

    def out_q(self, l, j):
        name = (self.H if l == 0 else self.O)[j]
        act = self.act_h if l == 0 else self.act_o
        return Quantity(f"out_{name}", f"out_{name}", rf"\mathrm{{out}}_{{{name}}}",
                        lambda env: _f(act, env[f"net_{name}"]))

    def error_q(self, k):
        o = self.O[k]
        t, out = f"target_{o}", f"out_{o}"
        c = self.c
        other = 1 if c != 1 else MP(1) / 2
        return Quantity(f"E_{o}", f"E_{o}", rf"E_{{{o}}}", lambda env: c * (env[t] - env[out]) ** 2,
                        (("half-or-two", lambda env: other * (env[t] - env[out]) ** 2),))

    def total_q(self, new=False):
        names = [f"E_{o}" for o in self.O]
        n = len(names)
        mean = self.mean

        def reduce(as_mean):
            return lambda env: mpmath.fsum(env[e] for e in names) / (n if as_mean else 1)
        return Quantity(self.E, self.E, r"E_{\mathrm{total}}", reduce(mean),
                        (("mean-sum", reduce(not mean) if n > 1 else lambda env: None),))

    def forward(self):
        qs = []
        for j in range(len(self.H)):
            qs += [self.net_q(0, j), self.out_q(0, j)]
        for k in range(len(self.O)):
            qs += [self.net_q(1, k), self.out_q(1, k)]
        qs += [self.error_q(k) for k in range(len(self.O))]
        return qs + [self.total_q()]

    # ----- output layer ----------------------------------------------------------------
    def output_local(self, k):
        o = self.O[k]
        t, out, netn = f"target_{o}", f"out_{o}", f"net_{o}"
        n = len(self.O)
        two_c = 2 * self.c
        div = n if self.mean else 1

        def dE(factor, d):
            return lambda env: -factor * (env[t] - env[out]) / d
        mistakes = [("sign-flip", dE(-two_c, div))]
        if self.c == MP(1) / 2:
            mistakes += [("half-or-two", dE(MP(2), div)), ("half-or-two", dE(MP(1) / 2, div))]
        else:
            mistakes += [("half-or-two", dE(self.c, div))]
        if n > 1:
            mistakes.append(("mean-sum", dE(two_c, 1 if self.mean else n)))
        dq = Quantity(f"dE_dout_{o}", f"∂{self.E}/∂out_{o}",
                      rf"\frac{{\partial E_{{\mathrm{{total}}}}}}{{\partial \mathrm{{out}}_{{{o}}}}}",
                      dE(two_c, div), tuple(mistakes))
        act = self.act_o
        sq = Quantity(f"dout_{o}_dnet_{o}", f"∂out_{o}/∂net_{o}",
                      rf"\frac{{\partial \mathrm{{out}}_{{{o}}}}}{{\partial \mathrm{{net}}_{{{o}}}}}",
                      lambda env: _fprime(act, env[out], env[netn]),
                      tuple(("act-derivative-at-net", r) for r in _fprime_at_net(act, netn)))
        d_o, s_o = dq.name, sq.name
        skip = act not in ("sigmoid", "tanh")
        delta = Quantity(f"delta_{o}", f"δ_{o}", rf"\delta_{{{o}}}",
                         lambda env: env[d_o] * env[s_o],
                         (("no-act-derivative", lambda env: None if skip else env[d_o]),))
        return [dq, sq, delta]

    def weight_grad(self, l, j, k):
        """∂E/∂w for the weight into neuron j of layer l from its k-th input."""
        w = (self.W0 if l == 0 else self.W1)[j][k]
        neuron = (self.H if l == 0 else self.O)[j]
        xs = self.X if l == 0 else [f"out_{h}" for h in self.H]
        d = f"delta_{neuron}"
        mistakes = [("wrong-input", (lambda x: lambda env: env[d] * env[x])(x))
                    for i, x in enumerate(xs) if i != k]
        if l == 1 and self.act_o in ("sigmoid", "tanh"):    # δ right, σ′ dropped in the product
            mistakes.append(("no-act-derivative",
                             lambda env: env[f"dE_dout_{neuron}"] * env[xs[k]]))
        return Quantity(f"dE_d{w}", f"∂{self.E}/∂{w}",
                        rf"\frac{{\partial E_{{\mathrm{{total}}}}}}{{\partial {_latex_param(w)}}}",
                        lambda env: env[d] * env[xs[k]], tuple(mistakes), gradient=True)

    def bias_grads(self, l):
        layer = self.net.layers[l]
        units = self.H if l == 0 else self.O
        xs = self.X if l == 0 else [f"out_{h}" for h in self.H]
        out = []
        groups = ([(self.net.names.biases[l][0], list(units))] if layer.shared_bias else
                  [(b, [u]) for b, u in zip(self.net.names.biases[l], units)]) if layer.bias is not None else []
        for b, members in groups:
            ds = [f"delta_{u}" for u in members]
            mistakes = [("bias-as-input", (lambda x: lambda env: mpmath.fsum(env[d] for d in ds) * env[x])(x))
                        for x in xs]
            if len(ds) > 1:
                mistakes += [("shared-bias-one", (lambda d: lambda env: env[d])(d)) for d in ds]
            out.append(Quantity(f"dE_d{b}", f"∂{self.E}/∂{b}",
                                rf"\frac{{\partial E_{{\mathrm{{total}}}}}}{{\partial {_latex_param(b)}}}",
                                (lambda ds: lambda env: mpmath.fsum(env[d] for d in ds))(ds),
                                tuple(mistakes), gradient=True))
        return out

    def new_value(self, p):
        g = f"dE_d{p}"
        return Quantity(f"{p}_new", f"{p}⁺", _latex_param(p) + "^{+}",
                        lambda env: env[p] - env["eta"] * env[g],
                        (("learning-rate", lambda env: env[p] + env["eta"] * env[g]),
                         ("learning-rate", lambda env: env[p] - env[g])))

    # ----- hidden layer ----------------------------------------------------------------
    def hidden_delta(self, j):
        h = self.H[j]
        act = self.act_h
        outs = [(f"delta_{o}", self.W1[k][j]) for k, o in enumerate(self.O)]

        def delta(pairs, fp):
            return lambda env: mpmath.fsum(env[d] * env[w] for d, w in pairs) * fp(env)
        fp = lambda env: _fprime(act, env[f"out_{h}"], env[f"net_{h}"])   # noqa: E731
        mistakes = []
        if act in ("sigmoid", "tanh"):
            mistakes.append(("no-act-derivative", delta(outs, lambda env: 1)))
        mistakes += [("act-derivative-at-net", delta(outs, r)) for r in _fprime_at_net(act, f"net_{h}")]
        if len(outs) > 1:
            mistakes += [("one-path", delta([pair], fp)) for pair in outs]
        new = [(d, f"{w}_new") for d, w in outs]
        mistakes.append(("updated-weights", lambda env: delta(new, fp)(env)
                         if all(w in env for _, w in new) else None))
        if len(self.H) == len(self.O) > 1:
            mistakes.append(("transposed-weights",
                             delta([(f"delta_{o}", self.W1[j][k]) for k, o in enumerate(self.O)], fp)))
        return Quantity(f"delta_{h}", f"δ_{h}", rf"\delta_{{{h}}}", delta(outs, fp), tuple(mistakes))

    def after_round(self, updated):
        """E_total after the round: the forward pass again at the new parameters."""
        net = self.net

        def rule(env):
            at = dict(env)
            at.update({p: env[f"{p}_new"] for p in updated})
            x = [at[i] for i in self.X]
            for l, layer in enumerate(net.layers):
                W = self.W0 if l == 0 else self.W1
                x = [_f(layer.activation, mpmath.fsum(at[w] * v for w, v in zip(W[j], x))
                        + (at[self.bias(l, j)] if self.bias(l, j) else 0)) for j in range(layer.units)]
            terms = [self.c * (at[f"target_{o}"] - v) ** 2 for o, v in zip(self.O, x)]
            return mpmath.fsum(terms) / (len(terms) if self.mean else 1)
        return Quantity(f"{self.E}_new", f"{self.E} after the round",
                        r"E_{\mathrm{total}}^{+}", rule)


def _latex_param(p: str) -> str:
    head = p.rstrip("0123456789")
    return f"{head}_{{{p[len(head):]}}}" if head != p else p


def quantities(net, kind: str, choice: dict) -> list[Quantity]:
    b = _Builder(net)
    if kind == "forward":
        return b.forward()
    qs = b.forward()
    for k in range(len(b.O)):
        qs += b.output_local(k)
    if kind == "output-weight":
        k, j = choice["output"]
        return qs + [b.weight_grad(1, k, j)] + b.bias_grads(1)
    if kind == "hidden-weight":
        j, i = choice["hidden"]
        return qs + [b.hidden_delta(j), b.weight_grad(0, j, i)]
    if kind == "update":
        j, i = choice["hidden"]
        for k in range(len(b.O)):
            g = b.weight_grad(1, k, j)
            qs += [g, b.new_value(b.W1[k][j])]
        g = b.weight_grad(0, j, i)
        return qs + [b.hidden_delta(j), g, b.new_value(b.W0[j][i])]
    if kind == "train-round":
        updated = []
        for l in (1, 0):
            if l == 0:
                qs += [b.hidden_delta(j) for j in range(len(b.H))]
            units = b.O if l == 1 else b.H
            grads = [b.weight_grad(l, j, k) for j in range(len(units))
                     for k in range(len(b.X if l == 0 else b.H))]
            if net.update_biases:
                grads += b.bias_grads(l)
            qs += grads
            for g in grads:
                p = g.name[len("dE_d"):]
                qs.append(b.new_value(p))
                updated.append(p)
        return qs + [b.after_round(updated)]
    raise ValueError(kind)
