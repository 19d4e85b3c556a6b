"""The matrix form as LaTeX: every matrix a ``bmatrix`` with its shape beneath.

Provides ``print_matrix_trace(printer, trace)`` (registered on ``LatexPrinter`` as
``_print_MatrixTrace``: ``align*`` fragments, one per step — the formula, the matrices
substituted, the result — with the rule written before the first row), and for the documents
``article_blocks(printer, trace)`` (a "Matrix form" section) and
``beamer_frames(printer, trace)`` (one frame per step). A matrix with more than
``MAX_SHOWN`` rows or columns shows its first 3 and last 2 with ⋯, ⋮, ⋱ and the
trace says so; the shapes are always shown.
"""
from __future__ import annotations

from fractions import Fraction

from ..calculus.matrix_trace import MAX_PROOF_ENTRIES, Leaf, Op, leaves
from .latex_expr import escape_text, number_latex
from .matrix_text import _PREC, MAX_SHOWN, _elide, elided


class _Display(dict):
    """An activation as LaTeX; one not listed here is written upright from the table."""

    def __missing__(self, name):
        from ..model.activations import ACTIVATIONS
        return r"\mathrm{%s}" % ACTIVATIONS[name].display


_ACT = _Display(sigmoid=r"\sigma", tanh=r"\tanh")
T = r"^{\mathsf{T}}"
ONE = r"\mathbf{1}"


def _base(kind: str, batch: bool) -> str:
    small = {"x": "x", "a": "a", "z": "z", "d": r"\tilde{a}", "delta": r"\delta", "y": "y"}
    big = {"x": "X", "a": "A", "z": "Z", "d": r"\tilde{A}", "delta": r"\Delta", "y": "Y"}
    return (big if batch else small)[kind]


def symbol(leaf: Leaf, batch: bool) -> str:
    k, L = leaf.kind, leaf.layer
    s = "" if L is None else f"^{{{L}}}"
    if k in ("x", "y"):
        text = _base(k, batch)
    elif k in ("a", "z", "d", "delta"):
        text = _base(k, batch) + s
    elif k in ("W", "b", "D"):
        text = k + s
    elif k == "one":
        text = ONE
    elif k == "diag_m":
        text = rf"\operatorname{{diag}}(m{s})"
    elif k == "mask":
        text = "M" + s
    elif k == "grad":
        text = r"\nabla_{A} E" if batch else r"\nabla_{a} E"
    elif k == "fprime":
        text = rf"{_ACT[leaf.func]}'({_base('z', batch)}{s})"
    elif k == "softmax":
        text = rf"\operatorname{{softmax}}({_base('z', batch)}{s})"
    elif k == "dW":
        text = rf"\frac{{\partial E}}{{\partial W{s}}}"
    elif k == "db":
        text = rf"\frac{{\partial E}}{{\partial b{s}}}"
    elif k == "Wnew":
        text = rf"W{s}_{{\mathrm{{new}}}}"
    elif k == "bnew":
        text = rf"b{s}_{{\mathrm{{new}}}}"
    elif k == "eta":
        text = r"\eta"
    elif k == "inv_m":
        text = r"\frac{1}{m}"
    elif k == "inv_keep":
        text = r"\frac{1}{1 - p}"
    else:   # const: mse's 2/n, or a number
        text = (r"\frac{%s}{n}" % leaf.func.split("/")[0]) if leaf.func else number_latex(str(leaf.value))
    if leaf.transposed:
        text = f"({text}){T}" if (s and k not in ("x", "y")) else text + T
    return text


def formula(expr, batch: bool) -> str:
    if isinstance(expr, Leaf):
        return symbol(expr, batch)
    if expr.op == "apply":
        return rf"{_ACT[expr.func]}({formula(expr.args[0], batch)})"
    prec = _PREC[expr.op]
    parts = []
    for i, arg in enumerate(expr.args):
        text = formula(arg, batch)
        if isinstance(arg, Op) and arg.op != "apply":
            inner = _PREC[arg.op]
            if inner < prec or (expr.op == "hadamard" and arg.op == "matmul") or (
                    expr.op == "sub" and i == 1 and inner == prec):
                text = rf"\left({text}\right)"
        parts.append(text)
    sep = {"add": " + ", "sub": " - ", "hadamard": r" \odot ", "matmul": " \\, ", "scale": r" \cdot "}[expr.op]
    return sep.join(parts)


def matrix(value, number) -> str:
    """A ``bmatrix`` (elided beyond ``MAX_SHOWN``) with its shape set beneath it."""
    rows, cols = len(value), len(value[0])
    ri, ci = _elide(rows), _elide(cols)
    texts = {(i, j): number(value[i][j]) for i in ri for j in ci if i is not None and j is not None}

    def places(t):      # digits after the point (an exponent form is aligned on its end)
        return len(t.split(".")[1]) if "." in t and "cdot" not in t else 0
    widest = {j: max(places(texts[(i, j)]) for i in ri if i is not None) for j in ci if j is not None}
    lines = []
    for i in ri:
        cells = []
        for j in ci:
            if i is None and j is None:
                cells.append(r"\ddots")
            elif i is None:
                cells.append(r"\vdots")
            elif j is None:
                cells.append(r"\cdots")
            else:       # right-aligned, padded so that the decimal points line up
                t = texts[(i, j)]
                ghost = ("." if widest[j] and not places(t) else "") + "0" * (widest[j] - places(t))
                cells.append(r"\hfill " + t + (rf"\phantom{{{ghost}}}" if ghost else ""))
        lines.append(" & ".join(cells))
    body = r"\begin{bmatrix}" + r" \\ ".join(lines) + r"\end{bmatrix}"
    return rf"\underset{{{rows}\times {cols}}}{{{body}}}"


def substituted(expr, number, batch: bool) -> str:
    if isinstance(expr, Leaf):
        if isinstance(expr.value, tuple):
            return matrix(expr.value, number)
        if expr.kind == "inv_m":
            return rf"\frac{{1}}{{{int(round(1 / float(expr.value)))}}}"
        if expr.kind == "inv_keep":
            keep = Fraction(float(expr.value)).limit_denominator(10 ** 6)
            return rf"\frac{{1}}{{1 - {number(1 - 1 / keep)}}}"
        if expr.func:       # 2/n with n substituted
            base = int(expr.func.split("/")[0])
            return rf"\frac{{{base}}}{{{int(round(base / float(expr.value)))}}}"
        return number(expr.value)
    if expr.op == "apply":
        return rf"{_ACT[expr.func]}\left({substituted(expr.args[0], number, batch)}\right)"
    prec = _PREC[expr.op]
    parts = []
    for i, arg in enumerate(expr.args):
        text = substituted(arg, number, batch)
        if isinstance(arg, Op) and arg.op != "apply" and (
                _PREC[arg.op] < prec or (expr.op == "sub" and i == 1 and _PREC[arg.op] == prec)):
            text = rf"\left({text}\right)"
        parts.append(text)
    sep = {"add": " + ", "sub": " - ", "hadamard": r" \odot ", "matmul": " ", "scale": r" \cdot "}[expr.op]
    return sep.join(parts)


def step_rows(printer, step, batch: bool) -> list[str]:
    """lhs &= formula, &= substituted, &= result; BP steps tagged with their rule."""
    number = printer._fmt
    lhs = symbol(step.lhs, batch)
    result = (matrix(step.lhs.value, number) if isinstance(step.lhs.value, tuple)
              else number(step.lhs.value))
    label = rf"\text{{{step.rule}}}\quad " if step.rule.startswith("BP") else ""
    rows = [f"{label}{lhs} &= {formula(step.rhs, batch)}", f"&= {substituted(step.rhs, number, batch)}"]
    # ∂E/∂b = δ: the substituted matrix is already the result
    return rows if isinstance(step.rhs, Leaf) else rows + [f"&= {result}"]


def notes(printer, trace) -> list[str]:
    """The conventions, in words with inline math (as the text printer's notes)."""
    m = trace.samples
    out = []
    if m == 1:
        out.append("One sample: every vector is a column ($n\\times 1$); shapes are rows $\\times$ columns.")
    else:
        out.append(f"A batch of $m = {m}$ samples as columns, $A = [a_1 \\cdots a_m]$ ($n\\times m$). "
                   r"torch keeps one row per sample ($X = A^{\mathsf{T}}$, \texttt{nn.Linear} computes "
                   r"$X W^{\mathsf{T}} + b$): the same $W$, the same $\partial E/\partial W$.")
        if trace.reduction == "mean":
            out.append(r"$E = \frac{1}{m}\sum_s E_s$: $\Delta$ keeps each sample's own $\delta$, and "
                       r"the $\frac{1}{m}$ enters at BP3 and BP4; torch's autograd puts it into "
                       r"$\partial E/\partial Z$ instead (the same product).")
        else:
            out.append(r"$E = \sum_s E_s$ (reduction sum): no $\frac{1}{m}$.")
    if any(trace.shared_biases):
        out.append(rf"A shared bias is one number per layer, written $b \cdot {ONE}$ "
                   rf"(${ONE}$: ones); its gradient is ${ONE}{T}\delta$, the sum of the layer's $\delta$.")
    if any(s.lhs.kind in ("D", "d") for s in trace.steps):
        out.append(r"Dropout: $D = \operatorname{diag}(m)/(1 - p)$ scales the kept outputs, "
                   r"$\tilde{a} = D a$ feeds the next layer, and BP2 passes back through $D$.")
    if elided(trace):
        out.append(f"Matrices with more than {MAX_SHOWN} rows or columns show their first 3 and last 2 "
                   r"entries ($\cdots$, $\vdots$ mark the rest; \texttt{--format json} has every entry).")
    return out


def _loss_line(printer, trace) -> str:
    over = f", {trace.reduction} over the {trace.samples} samples" if trace.samples > 1 else ""
    return f"$E = {printer._fmt(trace.loss_value)}$ ({escape_text(str(trace.loss))}{over})."


def check_lines(trace) -> list[str]:
    out = []
    if trace.checks:
        out.append(f"All {len(trace.checks)} entries equal the scalar derivation's values "
                   f"(largest difference ${number_latex(_fmt3(trace.max_difference))}$ at 50 digits).")
    if trace.unproven:
        out.append(f"Symbolic proof not attempted: {trace.unproven} entries (more than "
                   f"{MAX_PROOF_ENTRIES}); the comparison covers every entry.")
    if trace.proofs:
        n_ok = sum(p.proven for p in trace.proofs)
        out.append(f"{n_ok} of {len(trace.proofs)} $\\nabla_a E$, $\\delta$ and gradient entries proven symbolically "
                   "equal to the scalar $\\delta$ form" + (" (sample 1)" if trace.samples > 1 else "") + ".")
    return out


def _fmt3(x) -> str:
    from ..model.numbers import fmt
    return fmt(x, 3)


def print_matrix_trace(printer, trace) -> str:
    batch = trace.samples > 1
    who = "one sample" if not batch else f"a batch of {trace.samples} samples"
    # each note a paragraph of its own (in a document they would otherwise run together)
    out = [f"Matrix form: {escape_text(trace.network)}, {who}.\n\n" + "\n\n".join(notes(printer, trace))]
    for i, step in enumerate(trace.steps):
        if step.rule in ("loss", "BP1") and (i == 0 or trace.steps[i - 1].rule in ("forward", "dropout")):
            out.append(_loss_line(printer, trace))
        out.append(printer.align(step_rows(printer, step, batch)))
    if trace.part == "forward":
        out.append(_loss_line(printer, trace))
    return "\n".join(out + check_lines(trace))


def article_blocks(printer, trace) -> list[str]:
    """A "Matrix form" section for the article."""
    return ["\\section{Matrix form}", print_matrix_trace(printer, trace)]


def beamer_frames(printer, trace) -> list[str]:
    """One frame per step, the rule in the title; the conventions and checks on a frame each."""
    batch = trace.samples > 1
    frames = [printer.frame("Matrix form", "\\begin{itemize}\n"
                            + "\n".join(f"\\item {n}" for n in notes(printer, trace)) + "\n\\end{itemize}")]
    for step in trace.steps:
        rule = step.rule if step.rule.startswith("BP") else step.rule.capitalize()
        title = f"Matrix form: {rule}, ${symbol(step.lhs, batch)}$"
        rows = step_rows(printer, step, batch)
        rows[0] = rows[0].replace(rf"\text{{{step.rule}}}\quad ", "")     # the title says it
        big = [leaf for leaf in [step.lhs] + leaves(step.rhs)
               if isinstance(leaf.value, tuple) and max(leaf.shape) > MAX_SHOWN]
        if big:     # said in the title: the frame has no height to spare
            title += r" (entries elided: $\cdots$)"
        frames.append(printer.frame(title, "\\Large\n" + printer.align(rows)))
    frames.append(printer.frame("Matrix form: checked", _loss_line(printer, trace) + "\n\n"
                                + "\n\n".join(check_lines(trace))))
    return frames
