"""The matrix form as text: each step as its formula, the matrices substituted, the result.

Provides ``print_matrix_trace(printer, trace)`` (registered on ``TextPrinter`` as
``_print_MatrixTrace``), ``symbol(leaf, batch)`` — a leaf's name as written (δ¹, (W²)ᵀ,
σ′(z¹); capitals for a batch: Δ¹, A⁰, Z¹) — and ``formula(expr, batch)``. Matrices are
drawn with Unicode brackets, entries aligned on the decimal point, the shape (rows×cols)
centred under each. A matrix with more than ``MAX_SHOWN`` rows or columns shows its first
3 and last 2 and marks the rest with ⋮ and ⋯ (JSON keeps every entry); the trace says so.
"""
from __future__ import annotations

from fractions import Fraction

from ..calculus.matrix_trace import MAX_PROOF_ENTRIES, Leaf, Op
from ..model.activations import ACTIVATIONS
from ..model.numbers import fmt

MAX_SHOWN = 8
SUPERSCRIPT = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")

class _Display(dict):
    """An activation's name as written (σ, tanh, ReLU), from the activation table."""

    def __missing__(self, name):
        return ACTIVATIONS[name].display


_ACT = _Display()
_PREC = {"add": 1, "sub": 1, "hadamard": 2, "matmul": 3, "scale": 3, "apply": 4}


def sup(n) -> str:
    return str(n).translate(SUPERSCRIPT)


def _base(kind: str, batch: bool) -> str:
    small = {"x": "x", "a": "a", "z": "z", "d": "ã", "delta": "δ", "y": "y"}
    big = {"x": "X", "a": "A", "z": "Z", "d": "Ã", "delta": "Δ", "y": "Y"}
    return (big if batch else small).get(kind, kind)


def symbol(leaf: Leaf, batch: bool, samples: int = 1) -> str:
    """How a leaf is written in a formula."""
    k, L = leaf.kind, leaf.layer
    s = "" if L is None else sup(L)
    if k in ("x", "a", "z", "d", "delta", "y", "W", "b", "D"):
        text = (_base(k, batch) if k not in ("W", "b", "D") else k) + ("" if k in ("x", "y") else s)
    elif k == "one":
        text = "𝟙"
    elif k == "diag_m":
        text = f"diag(m{s})"
    elif k == "mask":
        text = f"M{s}"
    elif k == "grad":
        text = "∇_A E" if batch else "∇ₐE"
    elif k == "fprime":
        text = f"{_ACT[leaf.func]}′({_base('z', batch)}{s})"
    elif k == "softmax":
        text = f"softmax({_base('z', batch)}{s})"
    elif k == "dW":
        text = f"∂E/∂W{s}"
    elif k == "db":
        text = f"∂E/∂b{s}"
    elif k == "Wnew":
        text = f"W{s}⁺"
    elif k == "bnew":
        text = f"b{s}⁺"
    elif k == "eta":
        text = "η"
    elif k == "inv_m":
        text = "(1/m)"
    elif k == "inv_keep":
        text = "1/(1 − p)"
    else:   # const: a number, or mse's 2/n
        text = f"({leaf.func})" if leaf.func else _number(leaf.value)
    if leaf.transposed:
        text = f"({text})ᵀ" if (s and k not in ("x", "y")) else f"{text}ᵀ"
    return text


def _number(v) -> str:
    return fmt(v, 9)


def formula(expr, batch: bool) -> str:
    """The expression in symbols, Nielsen's parentheses around a product inside ⊙."""
    if isinstance(expr, Leaf):
        return symbol(expr, batch)
    if expr.op == "apply":
        return f"{_ACT[expr.func]}({formula(expr.args[0], batch)})"
    prec = _PREC[expr.op]
    parts = []
    for i, arg in enumerate(expr.args):
        text = formula(arg, batch)
        if isinstance(arg, Op) and arg.op != "apply":
            inner = _PREC[arg.op]
            if inner < prec or (expr.op == "hadamard" and arg.op == "matmul") or (
                    expr.op == "sub" and i == 1 and inner == prec):
                text = f"({text})"
        parts.append(text)
    sep = {"add": " + ", "sub": " − ", "hadamard": " ⊙ ", "matmul": " ", "scale": "·"}[expr.op]
    return sep.join(parts)


# ----- 2-D blocks ---------------------------------------------------------------------------------
class Block:
    """Lines of equal width; ``mid`` is the row operators sit on; ``body`` the rows a
    bracket or parenthesis spans (a shape line below is not part of it)."""

    def __init__(self, lines, mid=0, body=None):
        width = max((len(x) for x in lines), default=0)
        self.lines = [x.ljust(width) for x in lines]
        self.mid = mid
        self.body = len(lines) if body is None else body

    @property
    def width(self):
        return len(self.lines[0]) if self.lines else 0


def hcat(blocks, sep=" ") -> Block:
    """Side by side, each block's ``mid`` on one row."""
    above = max(b.mid for b in blocks)
    below = max(len(b.lines) - b.mid for b in blocks)
    rows = [""] * (above + below)
    for i, b in enumerate(blocks):
        top = above - b.mid
        for r in range(above + below):
            k = r - top
            cell = b.lines[k] if 0 <= k < len(b.lines) else " " * b.width
            rows[r] += (sep if i else "") + cell
    body = max(above - b.mid + b.body for b in blocks)
    return Block(rows, above, body)


def text_block(text: str) -> Block:
    return Block([text])


def _brackets(rows, left="⎡⎢⎣[", right="⎤⎥⎦]"):
    if len(rows) == 1:
        return [left[3] + rows[0] + right[3]]
    out = []
    for i, row in enumerate(rows):
        k = 0 if i == 0 else 2 if i == len(rows) - 1 else 1
        out.append(left[k] + row + right[k])
    return out


def parens(b: Block) -> Block:
    body = b.lines[:b.body]
    wrapped = _brackets(body, "⎛⎜⎝(", "⎞⎟⎠)")
    return Block(wrapped + [" " + x + " " for x in b.lines[b.body:]], b.mid, b.body)


def _elide(n: int) -> list:
    """Indices shown of ``n`` (None: the ⋯ gap)."""
    return list(range(n)) if n <= MAX_SHOWN else [0, 1, 2, None, n - 2, n - 1]


def matrix_block(value, number, shape=True) -> Block:
    """A bracketed matrix, entries aligned on the point, the shape centred beneath."""
    rows, cols = len(value), len(value[0])
    ri, ci = _elide(rows), _elide(cols)
    cells = [[None if (i is None or j is None) else number(value[i][j]) for j in ci] for i in ri]
    columns = []
    for c, j in enumerate(ci):
        texts = [row[c] for row in cells]
        nums = [t for t in texts if t is not None] or ["0"]      # the ⋯ column has none
        left = max(len(t.split(".")[0]) for t in nums)
        right = max(len(t.split(".")[1]) + 1 if "." in t else 0 for t in nums)
        col = []
        for t, i in zip(texts, ri):
            if j is None:
                col.append("⋯" if i is not None else "⋱")
            elif i is None:
                col.append("⋮")
            else:
                head, _, tail = t.partition(".")
                col.append(head.rjust(left) + ("." + tail if tail else "").ljust(right))
        w = max(len(x) for x in col)
        columns.append([x.center(w) if x in "⋯⋮⋱" else x.ljust(w) for x in col])
    lines = ["  ".join(col[r] for col in columns) for r in range(len(ri))]
    lines = _brackets(lines)
    body = len(lines)
    if shape:
        lines.append(f"{rows}×{cols}".center(len(lines[0])).rstrip())
    return Block(lines, (body - 1) // 2, body)


def substituted(expr, number, batch: bool) -> Block:
    """The expression with every leaf replaced by its matrix (or number)."""
    if isinstance(expr, Leaf):
        if isinstance(expr.value, tuple):
            return matrix_block(expr.value, number)
        if expr.kind == "inv_m":
            return text_block(f"(1/{int(round(1 / float(expr.value)))})")
        if expr.kind == "inv_keep":
            keep = Fraction(float(expr.value)).limit_denominator(10 ** 6)
            return text_block(f"1/(1 − {_number(1 - 1 / keep)})")
        if expr.func:       # (2/n) with n substituted
            base = int(expr.func.split("/")[0])
            return text_block(f"({base}/{int(round(base / float(expr.value)))})")
        return text_block(number(expr.value))
    if expr.op == "apply":
        return hcat([text_block(_ACT[expr.func]), parens(substituted(expr.args[0], number, batch))], sep="")
    prec = _PREC[expr.op]
    parts = []
    for i, arg in enumerate(expr.args):
        b = substituted(arg, number, batch)
        if isinstance(arg, Op) and arg.op != "apply" and (
                _PREC[arg.op] < prec or (expr.op == "sub" and i == 1 and _PREC[arg.op] == prec)):
            b = parens(b)
        parts.append(b)
    sep = {"add": "+", "sub": "−", "hadamard": "⊙", "matmul": None, "scale": "·"}[expr.op]
    if sep is None:
        return hcat(parts, sep=" ")
    if sep == "·":
        return hcat([parts[0], text_block("·"), parts[1]], sep="")
    out = [parts[0]]
    for p in parts[1:]:
        out += [text_block(sep), p]
    return hcat(out)


# ----- the trace ------------------------------------------------------------------------------------
_SECTIONS = {"forward": "Forward pass: zˡ = Wˡaˡ⁻¹ + bˡ, aˡ = f(zˡ)",
             "backward": "Backpropagation: BP1 δᴸ = ∇ₐE ⊙ f′(zᴸ), BP2 δˡ = ((Wˡ⁺¹)ᵀδˡ⁺¹) ⊙ f′(zˡ), "
                         "BP3 ∂E/∂bˡ = δˡ, BP4 ∂E/∂Wˡ = δˡ(aˡ⁻¹)ᵀ",
             "update": "Update: Wˡ⁺ = Wˡ − η·∂E/∂Wˡ, every gradient at the old weights"}
_SECTION_OF = {"forward": "forward", "dropout": "forward", "loss": "backward", "BP1": "backward",
               "BP2": "backward", "BP3": "backward", "BP4": "backward", "update": "update"}


def elided(trace) -> bool:
    """Whether some matrix is too large to show whole."""
    return any(len(v) > MAX_SHOWN or len(v[0]) > MAX_SHOWN for s in trace.steps
               for v in [s.lhs.value] if isinstance(v, tuple))


def notes(trace) -> list[str]:
    """What the reader must know to read the matrices: the conventions, in words."""
    m = trace.samples
    out = []
    if m == 1:
        out.append("one sample: every vector is a column (n×1); shapes are rows×columns")
    else:
        out.append(f"a batch of m = {m} samples as columns, A = [a₁ … a_m] (n×m); torch keeps "
                   "one row per sample (X = Aᵀ, nn.Linear computes X Wᵀ + b): the same W, "
                   "the same ∂E/∂W")
        if trace.reduction == "mean":
            out.append(f"E = (1/m) Σ_s E_s with m = {m}: Δ keeps each sample's own δ (column s is "
                       "sample s's scalar δ), and the 1/m enters at BP3 and BP4; torch's autograd "
                       "puts it into ∂E/∂Z instead (the same product)")
        else:
            out.append("E = Σ_s E_s (reduction sum): no 1/m")
    if any(trace.shared_biases):
        what = "b·𝟙 (𝟙: a column of ones)" if m == 1 else "b·𝟙 (𝟙: an n×m matrix of ones)"
        out.append(f"a shared bias is one number per layer, written {what}; its gradient is "
                   "𝟙ᵀδ, the sum of the layer's δ")
    if any(s.lhs.kind in ("D", "d") for s in trace.steps):
        out.append("dropout: D = diag(m)/(1 − p) scales the kept outputs, ã = D a feeds the next "
                   "layer, and BP2 passes back through D")
    if elided(trace):
        out.append(f"matrices with more than {MAX_SHOWN} rows or columns show their first 3 and "
                   "last 2 (⋮, ⋯ mark the rest; --format json has every entry)")
    return out


def step_lines(step, number, batch: bool, indent: str) -> list[str]:
    """lhs = formula / = matrices substituted / = result, the equals signs aligned."""
    label = step.rule if step.rule.startswith("BP") else ""
    lhs = symbol(step.lhs, batch)
    head = f"{indent}{label:<5}{lhs} = "
    pad = " " * (len(head) - 2)
    rows = [head + formula(step.rhs, batch)]
    sub = substituted(step.rhs, number, batch)
    for i, line in enumerate(sub.lines):
        rows.append((pad + "= " if i == sub.mid else pad + "  ") + line)
    if isinstance(step.rhs, Leaf):      # ∂E/∂b = δ: the substituted matrix is the result
        return [r.rstrip() for r in rows]
    if isinstance(step.lhs.value, tuple):
        res = matrix_block(step.lhs.value, number)
    else:
        res = text_block(number(step.lhs.value))
    for i, line in enumerate(res.lines):
        rows.append((pad + "= " if i == res.mid else pad + "  ") + line)
    return [r.rstrip() for r in rows]


def print_matrix_trace(printer, trace) -> str:
    ind = printer._settings["indent"]
    number = printer._fmt
    batch = trace.samples > 1
    who = "one sample" if not batch else f"a batch of {trace.samples} samples"
    out = [printer._heading(f"Matrix form — {trace.network}, {who}")]
    out += [f"{ind}note: {n}" for n in notes(trace)]
    section = None
    for step in trace.steps:
        if _SECTION_OF[step.rule] != section:
            section = _SECTION_OF[step.rule]
            if section == "backward":
                out.append(f"{ind}E = {number(trace.loss_value)}  ({trace.loss}"
                           + (f", {trace.reduction} over the {trace.samples} samples)" if batch else ")"))
            out.append(printer._heading(_SECTIONS[section]))
        out += step_lines(step, number, batch, ind)
    if trace.part == "forward":
        out.append(f"{ind}E = {number(trace.loss_value)}  ({trace.loss}"
                   + (f", {trace.reduction} over the {trace.samples} samples)" if batch else ")"))
    if trace.part == "update" and not any(s.lhs.kind == "bnew" for s in trace.steps) and any(
            b is not None for b in trace.shared_biases):
        out.append(f"{ind}biases kept fixed (update_biases = false)")
    if trace.checks:
        out.append(printer._heading("Checked against the scalar derivation"))
        out.append(f"{ind}{len(trace.checks)} entries (z, a, ∇ₐE, δ, ∂E/∂W, ∂E/∂b) equal the scalar "
                   f"form's values: largest difference {fmt(trace.max_difference, 3)} at 50 digits")
    if trace.unproven:
        out.append(f"{ind}symbolic proof not attempted: {trace.unproven} entries (more than "
                   f"{MAX_PROOF_ENTRIES}); the comparison above covers every entry")
    if trace.proofs:
        n_ok = sum(p.proven for p in trace.proofs)
        where = "" if not batch else " (sample 1's column; each column is the same formula in its own names)"
        verdict = "✓ proven" if trace.proven else "✗ NOT all proven"
        out.append(f"{ind}{n_ok} of {len(trace.proofs)} ∇ₐE, δ and gradient entries, written in the scalar "
                   f"names, minus the scalar δ form expand to 0{where}  {verdict}")
    return "\n".join(out)
