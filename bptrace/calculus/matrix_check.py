"""The matrix form checked entry by entry against the scalar derivation.

Provides:
- ``entry_checks(net, arrays)`` → ``EntryCheck`` per entry of every z, a, δ, ∂E/∂W and
  ∂E/∂b: the matrix value (50 digits) beside the scalar derivation's (``net.values``,
  ``net.gradients()``; a batch's column s beside sample s's network);
- ``entry_proofs(net)`` → ``EntryProof`` per entry of ∇ₐE, every δ and gradient: the matrix
  rule evaluated on SymPy matrices of the scalar names (W² = [[w5, w6], [w7, w8]],
  δ² = [δ_o1, δ_o2]ᵀ, f′(z¹) = [out_h1(1 − out_h1), …]ᵀ, …) minus the scalar δ form's
  formula for that entry, expanded: 0 proves the entry equal for every value;

The comparison with torch is in ``oracle/matrix_torch.py``.
"""
from __future__ import annotations

import sympy

from ..model.activations import ACTIVATIONS
from .derive import _delta_formula, _gradient_step, _rebuild
from .matrix_trace import EntryCheck, EntryProof, evaluate

S = sympy.Symbol


def proof_entries(net) -> int:
    """How many entries the proof would expand: ∇ₐE, every δ, ∂E/∂W and ∂E/∂b."""
    return sum(ly.units * (2 + len(ly.weights[0])) + len(ly.biases) for ly in net.layers)


def _sample_nets(net):
    return getattr(net, "sample_networks", (net,))


def entry_checks(net, arrays) -> tuple:
    """Every forward, δ and gradient entry beside the scalar derivation's value."""
    rows = []
    samples = _sample_nets(net)
    for l, names in enumerate(net.names.neurons):
        L = l + 1
        for kind, prefix in (("z", "net"), ("a", "out"), ("d", "d"), ("delta", "delta")):
            if (kind, L) not in arrays:
                continue
            A = arrays[(kind, L)]
            for j, n in enumerate(names):
                for s, sn in enumerate(samples):
                    rows.append(EntryCheck(kind, L, j + 1, s + 1, f"{prefix}_{n}", A[j, s],
                                           sn.values[f"{prefix}_{n}"]))
    L = len(net.layers)
    if ("grad", L) in arrays:        # ∇ₐE, column s beside sample s's ∂E/∂out
        for j, n in enumerate(net.outputs):
            for s, sn in enumerate(samples):
                rows.append(EntryCheck("grad", L, j + 1, s + 1, f"dE/dout_{n}", arrays[("grad", L)][j, s],
                                       sn.numbers.dout[j]))
    grads = net.gradients()
    for l, layer in enumerate(net.layers):
        L = l + 1
        if ("dW", L) in arrays:
            for j, row in enumerate(net.names.weights[l]):
                for k, name in enumerate(row):
                    rows.append(EntryCheck("dW", L, j + 1, k + 1, f"grad:{name}",
                                           arrays[("dW", L)][j, k], grads[name]))
        if ("db", L) in arrays:
            for j, name in enumerate(net.names.biases[l]):
                rows.append(EntryCheck("db", L, j + 1, 1, f"grad:{name}",
                                       arrays[("db", L)][j, 0], grads[name]))
    return tuple(rows)


# ----- the symbolic proof ---------------------------------------------------------------------
def _column(names):
    return sympy.Matrix([[S(n)] for n in names])


def _symbolic(net, leaf):
    """A leaf as a SymPy matrix of the scalar derivation's names (one sample)."""
    kind, L = leaf.kind, leaf.layer
    l = None if L is None else L - 1
    neurons = net.names.neurons[l] if l is not None and l >= 0 else ()
    if kind == "W":
        M = sympy.Matrix([[S(w) for w in row] for row in net.names.weights[l]])
    elif kind == "delta":
        M = _column([f"delta_{n}" for n in neurons])
    elif kind in ("a", "d"):
        M = _column([f"{'out' if kind == 'a' else 'd'}_{n}" for n in neurons])
    elif kind == "x":
        M = _column(net.names.inputs)
    elif kind == "fprime":
        act = ACTIVATIONS[net.layers[l].activation]
        M = sympy.Matrix([[act.derivative(S(f"net_{n}"), S(f"out_{n}"))] for n in neurons])
    elif kind == "grad":
        M = sympy.Matrix([[net.loss_derivative(j)] for j in range(len(neurons))])
    elif kind == "softmax":      # the loss's own ∂E/∂z_j = softmax_j − y_j, plus y_j back
        M = sympy.Matrix([[net.loss_derivative(j) + S(f"target_{n}")] for j, n in enumerate(neurons)])
    elif kind == "y":
        M = _column([f"target_{n}" for n in neurons])
    elif kind == "D":
        M = sympy.diag(*[net.dropout_factor(l, j) for j in range(len(neurons))])
    elif kind == "const":        # 2, or 2/n with n the outputs
        if leaf.func:
            return sympy.Rational(int(leaf.func.split("/")[0]), len(net.outputs))
        return sympy.Rational(str(leaf.value))
    elif kind == "one":
        M = sympy.ones(*(len(leaf.value), len(leaf.value[0])))
        return M      # value is already the shape written (𝟙 or 𝟙ᵀ)
    else:
        raise ValueError(f"no symbolic form for a {kind} leaf")
    return M.T if leaf.transposed else M


_SYMBOLIC_OPS = {"matmul": lambda A, B: A * B, "hadamard": lambda A, B: A.multiply_elementwise(B),
                 "add": lambda A, B: A + B, "sub": lambda A, B: A - B,
                 "scale": lambda s, A: s * A}


def entry_proofs(net, steps) -> tuple:
    """Each ∇ₐE, δ, ∂E/∂W and ∂E/∂b entry of one sample's matrix form (``steps``, from
    ``matrix.build(net)``) minus the scalar form.

    A batch is proven on its first sample: every column is the same formula in its own
    sample's names, and the reduction is checked by ``entry_checks``."""
    net = _sample_nets(net)[0]
    constraints = dict(net.target_constraints())
    # d = m·out/(1 − p) (training) or out (evaluation): the scalar form names d_h1, the
    # matrix form in evaluation has no D at all
    for l in range(len(net.layers)):
        if net.has_dropout(l):
            for j, n in enumerate(net.names.neurons[l]):
                constraints[S(f"d_{n}")] = _rebuild(net.dropout_formula(l, j))
    proofs = []
    for step in steps:
        if step.rule not in ("loss", "BP1", "BP2", "BP3", "BP4"):
            continue
        M = evaluate(step.rhs, lambda leaf: _symbolic(net, leaf), _SYMBOLIC_OPS)
        L, l = step.lhs.layer, step.lhs.layer - 1
        for r in range(M.rows):
            for c in range(M.cols):
                if step.lhs.kind == "grad":      # ∇ₐE: the loss's own ∂E/∂out_j
                    name = f"dE/dout_{net.names.neurons[l][r]}"
                    scalar = net.loss_derivative(r)
                elif step.lhs.kind == "delta":
                    name = f"delta_{net.names.neurons[l][r]}"
                    scalar = _delta_formula(net, l, r)
                elif step.lhs.kind == "dW":
                    name = f"grad:{net.names.weights[l][r][c]}"
                    scalar = _gradient_step(net, name[5:]).formula
                else:
                    name = f"grad:{net.names.biases[l][r]}"
                    scalar = _gradient_step(net, name[5:]).formula
                diff = sympy.expand((_rebuild(M[r, c]) - _rebuild(scalar)).subs(constraints))
                if diff != 0:
                    diff = sympy.simplify(diff)
                proofs.append(EntryProof(step.rule, step.lhs.kind, L, r + 1, c + 1, name,
                                         M[r, c], scalar, diff))
    return tuple(proofs)
