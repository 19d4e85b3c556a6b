"""The matrix form's trace: named matrices, expressions over them, steps — data only.

Provides frozen dataclasses:
- ``Leaf`` — one named matrix (or scalar) with its value: W², δ¹, σ′(z¹), 𝟙, η, 1/m, …;
- ``Op`` — an expression over leaves: a matrix product, ⊙, +, −, a scalar times a
  matrix, an activation applied entrywise;
- ``MatrixStep`` — one line of working, ``lhs = rhs``, labelled by its rule (BP1…BP4,
  forward, dropout, loss, update);
- ``EntryCheck`` — one matrix entry beside the scalar derivation's value (and torch's);
- ``EntryProof`` — one entry's formula from the matrix form minus the scalar δ form,
  expanded by SymPy;
- ``MatrixTrace`` — the steps, the layout and reduction they assume, and the checks.

Also ``evaluate(expr, resolve, ops)``: the value of an ``Op`` tree for a backend — numpy
arrays of mpf (50 digits) or of float64, or SymPy matrices for the proof — so the three
are computed by one walk. A leaf's symbol is (``kind``, ``layer``); the printers decide
how it is written (``δ¹``, ``\\delta^{1}``, capitals for a batch). Nothing here formats.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

# what each leaf kind stands for; the printers have one glyph per kind
KINDS = ("x", "a", "z", "d", "delta", "W", "b", "y", "one", "D", "diag_m", "mask", "grad",
         "fprime", "softmax", "dW", "db", "Wnew", "bnew", "eta", "inv_m", "inv_keep", "const")
OPS = ("matmul", "hadamard", "add", "sub", "scale", "apply")
MAX_PROOF_ENTRIES = 2500     # about a second of sympy.expand; beyond it the trace says so
RULES = ("forward", "dropout", "loss", "BP1", "BP2", "BP3", "BP4", "update")


def _floats(value):
    if isinstance(value, tuple):
        return [[float(v) for v in row] for row in value]
    return float(value)


@dataclass(frozen=True)
class Leaf:
    """A named matrix (``value`` a tuple of rows) or scalar (``value`` a number).

    ``transposed``: written (·)ᵀ; ``value`` is then already the transposed matrix.
    ``func``: the activation's name for ``fprime`` (σ′, tanh′, …); for ``const``, "2/n"
    when the number is written as a fraction of the n outputs (mse's ∇ₐE).
    """

    kind: str
    layer: Optional[int]
    value: object
    transposed: bool = False
    func: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown leaf kind {self.kind!r}")

    @property
    def shape(self) -> Optional[tuple[int, int]]:
        if not isinstance(self.value, tuple):
            return None
        return (len(self.value), len(self.value[0]))

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "layer": self.layer}
        if self.transposed:
            out["transposed"] = True
        if self.func:
            out["func"] = self.func
        if self.shape:
            out["shape"] = list(self.shape)
        out["value"] = _floats(self.value)
        return out


@dataclass(frozen=True)
class Op:
    """``op`` applied to ``args`` (leaves or ops); ``apply`` uses ``func`` (an activation)."""

    op: str
    args: tuple
    func: str = ""

    def __post_init__(self):
        if self.op not in OPS:
            raise ValueError(f"unknown op {self.op!r}")

    def to_dict(self) -> dict:
        out = {"op": self.op, "args": [a.to_dict() for a in self.args]}
        if self.func:
            out["func"] = self.func
        return out


Expr = Union[Leaf, Op]


def leaves(expr: Expr) -> list[Leaf]:
    """Every leaf of ``expr``, left to right (the order they are substituted)."""
    if isinstance(expr, Leaf):
        return [expr]
    return [leaf for a in expr.args for leaf in leaves(a)]


def evaluate(expr: Expr, resolve, ops: dict):
    """The value of ``expr``: ``resolve(leaf)`` gives each leaf's backend value, ``ops``
    maps each op name to a function of the evaluated arguments."""
    if isinstance(expr, Leaf):
        return resolve(expr)
    args = [evaluate(a, resolve, ops) for a in expr.args]
    if expr.op == "apply":
        return ops["apply"](expr.func, *args)
    return ops[expr.op](*args)


@dataclass(frozen=True)
class MatrixStep:
    """``lhs = rhs``: the formula, the matrices substituted, the result (``lhs.value``)."""

    rule: str
    lhs: Leaf
    rhs: Expr

    def to_dict(self) -> dict:
        return {"rule": self.rule, "lhs": self.lhs.to_dict(), "rhs": self.rhs.to_dict()}


@dataclass(frozen=True)
class EntryCheck:
    """Entry (row, col) of a matrix (kind, layer), 1-based, beside the scalar value of
    ``scalar`` (a name such as delta_h1, or ∂E_total/∂w5 as ``grad:w5``); for z, a, δ the
    column ``col`` is the sample."""

    kind: str
    layer: Optional[int]
    row: int
    col: int
    scalar: str
    matrix_value: object
    scalar_value: object

    @property
    def difference(self):
        return abs(self.matrix_value - self.scalar_value)

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "layer": self.layer, "entry": [self.row, self.col],
               "scalar": self.scalar, "matrix": float(self.matrix_value),
               "scalar_value": float(self.scalar_value), "difference": float(self.difference)}
        return out


@dataclass(frozen=True)
class EntryProof:
    """Entry (row, col) of (kind, layer) from the matrix rule, written in the scalar
    names, minus the scalar derivation's formula for ``scalar``; ``difference`` after
    ``sympy.expand`` (0: proven)."""

    rule: str
    kind: str
    layer: int
    row: int
    col: int
    scalar: str
    matrix_formula: object
    scalar_formula: object
    difference: object

    @property
    def proven(self) -> bool:
        return self.difference == 0

    def to_dict(self) -> dict:
        import sympy
        return {"rule": self.rule, "kind": self.kind, "layer": self.layer,
                "entry": [self.row, self.col], "scalar": self.scalar,
                "matrix_formula": sympy.sstr(self.matrix_formula),
                "scalar_formula": sympy.sstr(self.scalar_formula, order="none"),
                "proven": self.proven}


@dataclass(frozen=True)
class MatrixTrace:
    """The matrix form of one network's forward pass, backpropagation or update.

    ``part``: "forward", "backward" (forward + BP1–BP4) or "update" (+ the update).
    ``samples``: m, the columns of A = [a₁ … a_m] (1 for one sample); ``layout`` is
    "columns" (one column per sample, as in BP1–BP4; torch keeps one row per sample).
    ``reduction``: the batch's "mean" (the 1/m enters at BP3/BP4) or "sum".
    ``checks``: every δ, gradient (and forward) entry beside the scalar derivation's;
    ``proofs``: the ∇ₐE, δ and gradient entries proven symbolically equal to the scalar
    form; ``unproven``: how many were not attempted (a network beyond the proof's limit).
    """

    network: str
    part: str
    samples: int
    layout: str
    reduction: str
    loss: str
    shared_biases: tuple           # per layer: True (one b), False (one per neuron), None
    steps: tuple
    loss_value: object
    learning_rate: object
    checks: tuple = ()
    proofs: tuple = ()
    unproven: int = 0              # entries left out of the symbolic proof (too many)
    values: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def max_difference(self):
        return max((c.difference for c in self.checks), default=0)

    @property
    def proven(self) -> bool:
        return bool(self.proofs) and all(p.proven for p in self.proofs)

    def to_dict(self) -> dict:
        out = {"kind": "matrix_form", "network": self.network, "part": self.part,
               "samples": self.samples, "layout": self.layout, "reduction": self.reduction,
               "loss": str(self.loss), "E_total": float(self.loss_value),
               "steps": [s.to_dict() for s in self.steps]}
        if self.part == "update":
            out["learning_rate"] = float(self.learning_rate)
        if self.checks:
            out["checks"] = {"max_difference": float(self.max_difference),
                             "entries": [c.to_dict() for c in self.checks]}
        if self.proofs or self.unproven:
            out["proofs"] = {"proven": self.proven, "not_attempted": self.unproven,
                             "entries": [p.to_dict() for p in self.proofs]}
        return out
