"""Text for ``bptrace loss``: a loss on given numbers as a worked example.

Provides ``print_loss_trace(printer, trace)`` and ``print_softmax_proof(printer, proof)``,
installed as ``TextPrinter._print_LossTrace`` and ``_print_SoftmaxProof`` (they use the
printer's settings: digits, decimals, colour). Each element's line is the formula, the
numbers substituted and the value, then the condition of the branch it went through
(``|0.6 - 0| < 1``). The prose states torch's conventions; no calculus happens here.
"""
from __future__ import annotations

from ..model.numbers import fmt
from .expr import formula

_CONVENTIONS = {
    "mse": "l = (x - y)²; mean over all elements (reduction='mean'), as torch",
    "l1": "l = |x - y|; its gradient at x = y is sign(0) = 0, as torch",
    "smooth_l1": "β = {beta} (torch's default 1); the two branches meet at |x - y| = β",
    "huber": "δ = {delta} (torch's default 1); Huber = δ·SmoothL1 with β = δ",
    "bce": "x is a probability; log is clamped at -100 and x·(1 - x) at ε_torch = 1e-12 (a float32: 9.99999996e-13) in the gradient, as torch",
    "bce_with_logits": "x is a raw score (logit); torch evaluates the stable form max(x, 0) - x·y + log(1 + exp(-|x|))",
    "cross_entropy": "x holds logits (raw scores), not probabilities: p = softmax(x), l_n = -Σ_c y_n,c·log(p_n,c)",
    "nll": "x holds log-probabilities (e.g. log_softmax): l_n = -w_(y_n)·x_n,(y_n)",
}


def _opts_text(printer, trace) -> str:
    parts = []
    for k, v in trace.options.items():
        if v is None or (k == "label_smoothing" and v == 0):
            continue
        text = "[" + ", ".join(printer._fmt(x) for x in v) + "]" if isinstance(v, tuple) else printer._fmt(v)
        parts.append(f"{k}={text}")
    parts.append(f"reduction='{trace.reduction}'")
    return ", ".join(parts)


def _line(printer, step, values, lhs_width: int = 0) -> str:
    """lhs = formula = numbers = value on one line, skipping repeats."""
    lhs = formula(step.lhs).ljust(lhs_width)
    text = formula(step.formula)
    subst = printer._numbers(step.formula, values)
    value = printer._fmt(step.value)
    line = f"{lhs} = {text}"
    if subst not in (text, value):
        line += f" = {subst}"
    if value != text:
        line += f" = {value}"
    return line


def _when(printer, element, values) -> str:
    if element.when is None:
        return ""
    return f"    ({printer._numbers(element.when, values)})"


def print_loss_trace(printer, t) -> str:
    ind = printer._settings["indent"]
    shape = " × ".join(str(s) for s in t.shape)
    if t.loss in ("cross_entropy", "nll"):
        rows = 1 if len(t.shape) == 1 else t.shape[0]
        what = (f"{rows} sample{'s' if rows > 1 else ''} × {t.shape[-1]} classes, "
                + ("class-index targets" if t.class_targets else "class-probability targets")
                + "; classes numbered from 0")
    else:
        what = f"{shape} element{'s' if t.shape != (1,) else ''}"
    out = [printer._heading(f"{t.torch_name}({_opts_text(printer, t)}) on {what}")]
    conv = _CONVENTIONS[t.loss].format(**{k: fmt(v) for k, v in t.options.items()
                                          if v is not None and not isinstance(v, tuple)})
    out.append(f"{ind}{conv}")
    if t.definition:
        first = True
        width = max(len(formula(b.formula)) for b in t.definition)
        for b in t.definition:
            lead = "l = " if first else "    "
            cond = "" if len(t.definition) == 1 else (
                f"  if {formula(b.when)}" if b.when is not None else "  otherwise")
            out.append(f"{ind}{lead}{formula(b.formula).ljust(width if cond else 0)}{cond}".rstrip())
            first = False
    if t.setup:
        out.append(printer._heading("Softmax probabilities" + (" and smoothed targets" if "q" in
                                    {s.lhs.name[0] for s in t.setup} else "")))
        width = max(len(formula(s.lhs)) for s in t.setup)
        out += [f"{ind}{_line(printer, s, t.values, width)}" for s in t.setup]
    out.append(printer._heading("Each sample's loss" if t.loss in ("cross_entropy", "nll")
                                else "Each element's loss"))
    width = max(len(formula(e.step.lhs)) for e in t.terms)
    for e in t.terms:
        out.append(f"{ind}{_line(printer, e.step, t.values, width)}{_when(printer, e, t.values)}")
    if t.total is not None:
        out.append(f"{ind}{_line(printer, t.total, t.values)}")
    head = {"mean": "Gradient of L (the mean: each ∂l/∂x divided by the denominator)",
            "sum": "Gradient of L",
            "none": "Gradient of each element's own loss (torch: loss.backward(torch.ones_like(loss)))"}
    local = _ce_local(t)
    if local:
        head = {k: f"{v}; ∂l_n/∂x_n,c = {local}" for k, v in head.items()}
    out.append(printer._heading(head[t.reduction]))
    width = max(len(formula(g.step.lhs)) for g in t.grads)
    for g in t.grads:
        out.append(f"{ind}{_line(printer, g.step, t.values, width)}{_when(printer, g, t.values)}")
    if t.route:
        out.append(printer._heading("The general route for sample 1: ∂l_1/∂x_1,j = Σ_k ∂l_1/∂p_1,k · "
                                    "∂p_1,k/∂x_1,j, with ∂p_k/∂x_j = p_k·(δ_kj - p_j)"))
        width = max(len(formula(s.lhs)) for s in t.route)
        out += [f"{ind}{_line(printer, s, t.values, width)}" for s in t.route]
        out.append(f"{ind}which simplifies to ∂l_1/∂x_1,j = {local.replace('_n,', '_1,').replace(',c', ',j')} "
                   "(the gradient above, before the reduction)")
    if t.proof is not None:
        out.append(printer.doprint(t.proof))
    return "\n".join(out)


def _ce_local(t) -> str:
    """The simplified local gradient of cross-entropy, as the options make it."""
    if t.loss != "cross_entropy":
        return ""
    q = "q" if t.options.get("label_smoothing") else "y"
    if t.options.get("weight") is None:
        return f"p_n,c - {q}_n,c"
    return f"p_n,c·Σ_k w_k·{q}_n,k - w_c·{q}_n,c"


def print_softmax_proof(printer, p) -> str:
    verdict = "✓ proven" if p.proven else "✗ NOT proven"
    return (f"Symbolic proof ({p.classes} classes): Σ_k (-y_k/p_k)·p_k·(δ_kj - p_j) equals "
            f"sympy.diff(-Σ_k y_k·log softmax_k(z), z_j), and equals p_j - y_j given "
            f"Σ_k y_k = 1  {verdict}")
