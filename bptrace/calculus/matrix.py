"""The matrix form of backpropagation: BP1–BP4 with the actual matrices.

Provides ``matrix_form(net, part="backward", exact=True)`` → ``MatrixTrace``, and
``float64_matrices(net)`` → the same matrices as numpy float64 arrays. In Nielsen's
notation, for layers ℓ = 1 … L with aˡ = f(zˡ):

    zˡ = Wˡ aˡ⁻¹ + bˡ                     (forward; a⁰ = x)
    BP1  δᴸ = ∇ₐE ⊙ f′(zᴸ)                 (softmax + cross-entropy: δᴸ = softmax(zᴸ) − y)
    BP2  δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ f′(zˡ)
    BP3  ∂E/∂bˡ = δˡ                       (a shared bias b·𝟙: ∂E/∂bˡ = 𝟙ᵀ δˡ)
    BP4  ∂E/∂Wˡ = δˡ (aˡ⁻¹)ᵀ

A mini-batch stacks the samples as **columns**, A = [a₁ … a_m] (n×m): the equations keep
their shape, the bias enters as b 𝟙ᵀ, and for the mean reduction the 1/m enters at BP3
and BP4 (Δ keeps each sample's own δ, so its columns are the scalar derivation's deltas).
Dropout is the diagonal matrix D = diag(m)/(1 − p) after the activation (per-sample
masks in a batch: (1/(1 − p)) M ⊙ A). The update is Wˡ⁺ = Wˡ − η ∂E/∂Wˡ.

numpy computes every product, once over arrays of mpf (the 50-digit values every trace
shows) and once over float64, by the same lines; ``matrix_check.py`` proves the entries
equal to the scalar derivation and compares them with torch.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np

from ..model.activations import ACTIVATIONS
from ..model.numbers import to_mpf
from ..model.numeric import _numeric_options
from .matrix_trace import MAX_PROOF_ENTRIES, Leaf, MatrixStep, MatrixTrace, Op, evaluate

PARTS = ("forward", "backward", "update")


class _Backend:
    """numpy arrays of mpf (``exact``) or of float64; scalars of mpmath or math."""

    def __init__(self, exact: bool):
        self.exact = exact
        self.m = mpmath if exact else math

    def num(self, x):
        return to_mpf(x) if self.exact else float(to_mpf(x))

    def array(self, rows):
        return np.array([[self.num(v) for v in row] for row in rows],
                        dtype=object if self.exact else np.float64)

    def entrywise(self, fn, *arrays):
        rows, cols = arrays[0].shape
        out = [[fn(*(self.num(A[i, j]) for A in arrays)) for j in range(cols)] for i in range(rows)]
        return np.array(out, dtype=object if self.exact else np.float64)

    def ops(self) -> dict:
        def apply(func, A):
            act = ACTIVATIONS[func]
            return self.entrywise(lambda v: act.value(v, self.m), A)
        return {"matmul": lambda A, B: A @ B, "hadamard": lambda A, B: A * B,
                "add": lambda A, B: A + B, "sub": lambda A, B: A - B,
                "scale": lambda s, A: s * A, "apply": apply}


def _freeze(value):
    """A numpy array as a tuple of rows (the trace keeps plain data), a scalar as is."""
    if isinstance(value, np.ndarray):
        return tuple(tuple(row) for row in value.tolist())
    return value


class _Builder:
    """Builds the steps of one network, keeping every matrix by (kind, layer)."""

    def __init__(self, net, exact: bool):
        self.net, self.be = net, _Backend(exact)
        self.batch = len(net.samples)
        self.arrays, self.steps = {}, []
        self._ops = self.be.ops()

    def leaf(self, kind, layer, value, transposed=False, func="") -> Leaf:
        if transposed:
            value = value.T
        return Leaf(kind, layer, _freeze(value), transposed, func)

    def resolve(self, leaf: Leaf):
        if isinstance(leaf.value, tuple):
            return np.array(leaf.value, dtype=object if self.be.exact else np.float64)
        return leaf.value

    def step(self, rule, kind, layer, rhs, func="") -> np.ndarray:
        """Evaluate ``rhs``, keep the result as (kind, layer) and record the step."""
        value = evaluate(rhs, self.resolve, self._ops)
        self.arrays[(kind, layer)] = value
        self.steps.append(MatrixStep(rule, self.leaf(kind, layer, value, func=func), rhs))
        return value

    def columns(self, per_sample) -> np.ndarray:
        """Samples as columns: one row of ``per_sample`` per sample → an n×m array."""
        return self.be.array(per_sample).T

    def ones(self, rows, cols):
        return self.be.array([[1] * cols for _ in range(rows)])

    # ----- forward ----------------------------------------------------------------------------
    def input_leaf(self, l: int) -> Leaf:
        """What feeds layer ``l`` (0-based): x, aˡ, or dˡ after dropout."""
        if l == 0:
            return self.leaf("x", 0, self.arrays[("x", 0)])
        kind = "d" if ("d", l) in self.arrays else "a"
        return self.leaf(kind, l, self.arrays[(kind, l)])

    def forward(self):
        net, be, m = self.net, self.be, self.batch
        self.arrays[("x", 0)] = self.columns([x for x, _ in net.samples])
        for l, layer in enumerate(net.layers):
            L = l + 1
            W = be.array(layer.weights)
            self.arrays[("W", L)] = W
            product = Op("matmul", (self.leaf("W", L, W), self.input_leaf(l)))
            n = layer.units
            if layer.bias is None:
                rhs = product
            elif layer.shared_bias:
                b = be.num(layer.bias)
                self.arrays[("b", L)] = b
                rhs = Op("add", (product, Op("scale", (Leaf("b", L, b), self.leaf("one", None, self.ones(n, m))))))
            else:
                b = be.array([[v] for v in layer.biases])
                self.arrays[("b", L)] = b
                bias = self.leaf("b", L, b)
                if m > 1:
                    bias = Op("matmul", (bias, self.leaf("one", None, self.ones(m, 1), transposed=True)))
                rhs = Op("add", (product, bias))
            z = self.step("forward", "z", L, rhs)
            self.step("forward", "a", L, Op("apply", (self.leaf("z", L, z),), layer.activation))
            if layer.dropout is not None and net.training:
                self.dropout(l)

    def dropout(self, l: int):
        L, be = l + 1, self.be
        scales = [self.net.dropout_scales(s)[l] for s in range(self.batch)]
        masks = [[1 if sc else 0 for sc in row] for row in scales]
        keep = be.num(1 / (1 - self.net.layers[l].dropout))
        a = self.leaf("a", L, self.arrays[("a", L)])
        if all(row == masks[0] for row in masks):       # one mask: D = diag(m)/(1 − p)
            diag = be.array([[masks[0][i] if i == j else 0 for j in range(len(masks[0]))]
                             for i in range(len(masks[0]))])
            D = self.step("dropout", "D", L, Op("scale", (Leaf("inv_keep", L, keep),
                                                         self.leaf("diag_m", L, diag))))
            self.step("dropout", "d", L, Op("matmul", (self.leaf("D", L, D), a)))
        else:                                           # a mask per sample: one column each
            M = self.columns(masks)
            self.arrays[("mask", L)] = M
            self.step("dropout", "d", L, Op("hadamard", (Op("scale", (Leaf("inv_keep", L, keep),
                                                                       self.leaf("mask", L, M))), a)))

    def loss(self):
        """E_total from the loss table, column by column; ∇ₐE as its own step when the loss
        has a matrix formula (a − y, 2(a − y), (2/n)(a − y))."""
        net, be = self.net, self.be
        L = len(net.layers)
        choice = net.loss
        opts = _numeric_options(choice.options, be.m)
        outs = self.arrays[("a", L)]
        Y = self.columns([t for _, t in net.samples])
        self.arrays[("y", L)] = Y
        n = outs.shape[0]
        per_sample, grads = [], []
        for s in range(self.batch):
            a_s = [be.num(v) for v in outs[:, s]]
            y_s = [be.num(v) for v in Y[:, s]]
            terms = choice.entry.values(y_s, a_s, be.m, opts)
            g = choice.entry.grads(y_s, a_s, be.m, opts)
            total = sum(terms[1:], terms[0])
            if choice.within == "mean":
                total, g = total / n, [v / n for v in g]
            per_sample.append(total)
            grads.append(g)
        total = sum(per_sample[1:], per_sample[0])
        self.loss_value = total / self.batch if net.reduction == "mean" and self.batch > 1 else total
        base = {"half_sse": 1, "sse": 2, "mse": 2}.get(str(choice))
        diff = Op("sub", (self.leaf("a", L, outs), self.leaf("y", L, Y)))
        if base is not None and choice.within == "mean":   # the mean over the n outputs
            coeff = Leaf("const", None, be.num(base) / n, func=f"{base}/n")
            self.step("loss", "grad", L, Op("scale", (coeff, diff)))
        elif base == 1:
            self.step("loss", "grad", L, diff)
        elif base is not None:
            self.step("loss", "grad", L, Op("scale", (Leaf("const", None, be.num(base)), diff)))
        else:
            self.arrays[("grad", L)] = self.columns(grads)

    # ----- backward ---------------------------------------------------------------------------
    def fprime(self, l: int) -> Leaf:
        act = ACTIVATIONS[self.net.layers[l].activation]
        value = self.be.entrywise(lambda z, a: act.slope(z, a, self.be.m),
                                  self.arrays[("z", l + 1)], self.arrays[("a", l + 1)])
        return self.leaf("fprime", l + 1, value, func=self.net.layers[l].activation)

    def _plain_cross_entropy(self) -> bool:
        loss = self.net.loss
        return (str(loss) == "cross_entropy" and loss.options.get("weight") is None
                and not loss.options.get("label_smoothing")
                and self.net.layers[-1].activation == "identity")

    def backward(self):
        net, L = self.net, len(self.net.layers)
        if self._plain_cross_entropy():
            Z = self.arrays[("z", L)]
            soft = self.columns([[v for v in _softmax([self.be.num(x) for x in Z[:, s]], self.be.m)]
                                 for s in range(self.batch)])
            self.arrays[("softmax", L)] = soft
            self.step("BP1", "delta", L, Op("sub", (self.leaf("softmax", L, soft),
                                                    self.leaf("y", L, self.arrays[("y", L)]))))
        else:
            grad = self.leaf("grad", L, self.arrays[("grad", L)])
            self.step("BP1", "delta", L, Op("hadamard", (grad, self.fprime(L - 1))))
        for l in range(L - 2, -1, -1):
            back = Op("matmul", (self.leaf("W", l + 2, self.arrays[("W", l + 2)], transposed=True),
                                 self.leaf("delta", l + 2, self.arrays[("delta", l + 2)])))
            if ("D", l + 1) in self.arrays:
                back = Op("matmul", (self.leaf("D", l + 1, self.arrays[("D", l + 1)]), back))
            elif ("mask", l + 1) in self.arrays:
                keep = self.be.num(1 / (1 - net.layers[l].dropout))
                back = Op("hadamard", (Op("scale", (Leaf("inv_keep", l + 1, keep),
                                                    self.leaf("mask", l + 1, self.arrays[("mask", l + 1)]))), back))
            self.step("BP2", "delta", l + 1, Op("hadamard", (back, self.fprime(l))))
        for l in range(L - 1, -1, -1):
            self.gradients(l)

    def _mean(self, expr):
        """(1/m)·expr for a batch with the mean reduction: where the 1/m enters."""
        if self.batch > 1 and self.net.reduction == "mean":
            inv = mpmath.mpf(1) / self.batch if self.be.exact else 1 / self.batch
            return Op("scale", (Leaf("inv_m", None, inv), expr))
        return expr

    def gradients(self, l: int):
        L, layer, m = l + 1, self.net.layers[l], self.batch
        delta = self.leaf("delta", L, self.arrays[("delta", L)])
        if layer.bias is not None:
            rhs = delta
            if layer.shared_bias:
                rhs = Op("matmul", (self.leaf("one", None, self.ones(layer.units, 1), transposed=True), rhs))
            if m > 1:
                rhs = Op("matmul", (rhs, self.leaf("one", None, self.ones(m, 1))))
            self.step("BP3", "db", L, self._mean(rhs))
        x = self.input_leaf(l)
        x_t = self.leaf(x.kind, x.layer, self.resolve(x), transposed=True)
        self.step("BP4", "dW", L, self._mean(Op("matmul", (delta, x_t))))

    # ----- update -----------------------------------------------------------------------------
    def update(self):
        net, be = self.net, self.be
        eta = Leaf("eta", None, be.num(net.learning_rate))
        for l, layer in enumerate(net.layers):
            L = l + 1
            W, dW = self.leaf("W", L, self.arrays[("W", L)]), self.leaf("dW", L, self.arrays[("dW", L)])
            self.step("update", "Wnew", L, Op("sub", (W, Op("scale", (eta, dW)))))
            if layer.bias is None or not net.update_biases:
                continue
            b = self.arrays[("b", L)]
            db = self.arrays[("db", L)]
            if layer.shared_bias:      # the one b and its 1×1 gradient 𝟙ᵀδ, as scalars
                bleaf, dbleaf = Leaf("b", L, b), Leaf("db", L, db[0, 0])
            else:
                bleaf, dbleaf = self.leaf("b", L, b), self.leaf("db", L, db)
            self.step("update", "bnew", L, Op("sub", (bleaf, Op("scale", (eta, dbleaf)))))


def _softmax(zs, m):
    top = max(zs)
    exps = [m.exp(z - top) for z in zs]
    total = sum(exps[1:], exps[0])
    return [e / total for e in exps]


def build(net, part: str = "backward", exact: bool = True) -> _Builder:
    """Run the matrix form of ``net`` up to ``part``; the builder keeps every array."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, got {part!r}")
    b = _Builder(net, exact)
    b.forward()
    b.loss()
    if part != "forward":
        b.backward()
    if part == "update":
        b.update()
    return b


def matrix_form(net, part: str = "backward", check: bool = True) -> MatrixTrace:
    """The matrix form of ``net`` at 50 digits: "forward", "backward" (BP1–BP4) or
    "update"; with ``check``, every entry beside the scalar derivation and the δ and
    gradient entries proven symbolically equal to it (``matrix_check.py``)."""
    b = build(net, part, exact=True)
    layout = "columns"
    shared = tuple(None if ly.bias is None else ly.shared_bias for ly in net.layers)
    trace = MatrixTrace(net.name, part, b.batch, layout, net.reduction, net.loss, shared,
                        tuple(b.steps), b.loss_value, to_mpf(net.learning_rate),
                        values=dict(b.arrays))
    if not check:
        return trace
    from .matrix_check import entry_checks, entry_proofs, proof_entries
    checks = entry_checks(net, b.arrays)
    if part == "forward":
        return MatrixTrace(**{**trace.__dict__, "checks": checks})
    wanted = proof_entries(net)
    if wanted > MAX_PROOF_ENTRIES:      # seconds per thousand entries: say so, never hang
        return MatrixTrace(**{**trace.__dict__, "checks": checks, "unproven": wanted})
    first = getattr(net, "sample_networks", (net,))[0]      # every column: the same formulas
    proofs = entry_proofs(first, b.steps if first is net else build(first, "backward").steps)
    return MatrixTrace(**{**trace.__dict__, "checks": checks, "proofs": proofs})


def float64_matrices(net, part: str = "backward") -> dict:
    """(kind, layer) → numpy float64 array: the same lines run in IEEE double."""
    return build(net, part, exact=False).arrays
