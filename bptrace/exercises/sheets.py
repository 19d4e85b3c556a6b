"""What a variant asks, as text and JSON; its key as JSON; an ANSWERS template.

Provides ``task(variant)`` (the sentence saying what to compute), ``given_groups(variant)``
(the printed numbers, grouped: (heading, [(name, label, latex, value text)])),
``rules(variant)`` (the conventions a student needs), ``sheet_text``, ``sheet_dict``,
``key_dict``, ``answers_template`` and ``final_names`` (the blanks of the one-page table).
Values on a sheet are the exact decimals drawn; values in a key are the trace's, rounded
to the asked digits (``rounded``) and as the nearest float64 (``value``).
"""
from __future__ import annotations

import json
import unicodedata
from decimal import Decimal

from .rounding import shown

LOSS_TEXT = {"half_sse": ("E_total = Σ ½(target − out)²", r"E_{\mathrm{total}} = \sum \tfrac12(\mathrm{target} - \mathrm{out})^2"),
             "sse": ("E_total = Σ (target − out)²", r"E_{\mathrm{total}} = \sum (\mathrm{target} - \mathrm{out})^2"),
             "mse": ("E_total = mean over the outputs of (target − out)²",
                     r"E_{\mathrm{total}} = \tfrac1n \sum (\mathrm{target} - \mathrm{out})^2")}
OPTIMIZER_TEXT = {
    "adam": "Adam in torch's convention: m = β₁·m + (1 − β₁)·g, v = β₂·v + (1 − β₂)·g², "
            "m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), w ← w − η·m̂/(√v̂ + ε); m₀ = v₀ = 0",
    "rmsprop": "RMSprop in torch's convention: s = α·s + (1 − α)·g², w ← w − η·g/(√s + ε); s₀ = 0",
    "momentum": "SGD with momentum in torch's convention: v₁ = g₁, then v = μ·v + g; w ← w − η·v",
}


def number(v) -> str:
    """An exact drawn value as the decimal a lecturer writes (3/20 → 0.15)."""
    if isinstance(v, int):
        return str(v)
    d = Decimal(v.numerator) / Decimal(v.denominator)
    text = format(d.normalize(), "f")
    return text


def _latex_name(n: str) -> str:
    if n == "eta":
        return r"\eta"
    for prefix, tex in (("target_", r"\mathrm{target}_{%s}"), ("x_", "x_{%s}"), ("y_", "y_{%s}")):
        if n.startswith(prefix):
            return tex % n[len(prefix):].replace("_", ",")
    greek = {"beta1": r"\beta_1", "beta2": r"\beta_2", "eps": r"\varepsilon", "alpha": r"\alpha",
             "mu": r"\mu", "w_0": "w_0", "a": "a"}
    if n in greek:
        return greek[n]
    head = n.rstrip("0123456789")
    return f"{head}_{{{n[len(head):]}}}" if head != n else n


def _label(n: str) -> str:
    if n.startswith("x_"):
        return "x_" + n[2:].replace("_", ",")
    return {"eta": "η", "beta1": "β₁", "beta2": "β₂", "eps": "ε", "alpha": "α", "mu": "μ"}.get(n, n)


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal (combining accents take none: m̂)."""
    return sum(not unicodedata.combining(ch) for ch in text)


def given_groups(v) -> list:
    def item(n):
        return (n, _label(n), _latex_name(n), number(v.givens[n]))
    if v.net is not None:
        net = v.net
        groups = [("inputs", [item(n) for n in net.names.inputs])]
        for l, units in enumerate(net.names.neurons):
            for j, u in enumerate(units):
                names = list(net.names.weights[l][j])
                groups.append((f"weights into {u}", [item(n) for n in names]))
            biases = [b for b in dict.fromkeys(net.names.biases[l])]
            if biases:
                shared = net.layers[l].shared_bias and len(units) > 1
                groups.append((f"bias{' (shared by ' + ', '.join(units) + ')' if shared else 'es'}",
                               [item(b) for b in biases]))
        groups.append(("targets", [item(f"target_{o}") for o in net.outputs]))
        groups.append(("learning rate", [item("eta")]))
        return groups
    if v.kind == "optimizer":
        hyper = [n for n in ("eta", "beta1", "beta2", "eps", "alpha", "mu") if n in v.givens]
        return [("objective f(w) = a·w²/2", [item("a")]), ("start", [item("w_0")]),
                ("hyper-parameters", [item(n) for n in hyper])]
    return [(f"logits of sample {s}", [item(f"x_{s}_{j}") for j in range(3)]) for s in (1, 2)] + \
           [("target classes", [item("y_1"), item("y_2")])]


def task(v, label=None) -> str:
    """What to compute, in a sentence; ``label(name)`` shows a blank (default: its label)."""
    labels = {q.name: q.label for q in v.quantities}
    label = label or labels.get
    grads = [label(n) for n in v.names if n.startswith("dE_d") and not n.startswith("dE_dout")]
    loss_new = f"{getattr(v.net, 'loss_name', '')}_new"
    news = [label(n) for n in v.names if n.endswith("_new") and n != loss_new]
    if v.kind == "forward":
        return "Compute the forward pass and the error."
    if v.kind == "output-weight":
        return f"Compute the forward pass, the output-layer deltas and {' and '.join(grads)}."
    if v.kind == "hidden-weight":
        return f"Compute the forward pass, the deltas and {grads[-1]} (all paths)."
    if v.kind == "update":
        return (f"One step of gradient descent, every gradient at the old weights: "
                f"compute {', '.join(news)}.")
    if v.kind == "train-round":
        return ("One full round of gradient descent (every gradient at the old weights), "
                "then the error after the round.")
    if v.kind == "optimizer":
        return f"Two steps of {v.options['optimizer']} on f(w) = a·w²/2 from w_0."
    return "Cross-entropy on softmax of the logits, mean over the 2 samples; the gradient for sample 1."


def reprint_command(v) -> str:
    """The command that prints this variant again (it is variant ``number`` of the run)."""
    parts = ["bptrace exercise new", "SPEC" if v.options.get("spec") else "", f"--kind {v.kind}",
             f"--seed {v.seed}", f"--variants {v.number}"]
    defaults = {"activation": "sigmoid", "loss": "half_sse", "optimizer": "adam"}
    drawn = v.net is not None and not v.options.get("spec")
    for k in ("activation", "loss") if drawn else ("optimizer",) if v.kind == "optimizer" else ():
        if v.options[k] != defaults[k]:
            parts.append(f"--{k} {v.options[k]}")
    if drawn and v.options["shape"] != [2, 2, 2]:
        parts.append("--shape " + "-".join(map(str, v.options["shape"])))
    if v.digits != 4:
        parts.append(f"--digits {v.digits}")
    return " ".join(p for p in parts if p)


def rules(v) -> list[str]:
    if v.net is not None:
        acts = [ly.activation for ly in v.net.layers]
        out = [f"activations: hidden {acts[0]}, outputs {acts[1]}"
               + (" (σ(x) = 1/(1 + e^−x))" if "sigmoid" in acts else ""),
               f"error: {LOSS_TEXT[str(v.net.loss)][0]}"]
        if not v.net.update_biases:
            out.append("the biases are kept fixed")
        return out
    if v.kind == "optimizer":
        return [OPTIMIZER_TEXT[v.options["optimizer"]], "g_t = ∂f/∂w at w_{t−1} = a·w_{t−1}"]
    return ["p = softmax(x) per sample; l = −log p of the target class; classes are numbered "
            "from 0, as torch's class indices; L = mean of l; ∂L/∂x_j = (p_j − y_j)/N"]


def reprint(v) -> str:
    return f"{v.kind}, seed {v.seed}, variant {v.number}"


def sheet_text(v, student: str | None = None) -> str:
    lines = [f"Exercise ({reprint(v)})" + (f" — {student}" if student else "")]
    lines.append(task(v))
    lines += [f"  {r}" for r in rules(v)]
    lines.append("Given:")
    for heading, items in given_groups(v):
        lines.append(f"  {heading}: " + ", ".join(f"{lab} = {val}" for _, lab, _, val in items))
    lines.append(f"Answer to {v.digits} significant digits (answer names in brackets):")
    wide = max(width(q.label) for q in v.quantities)
    for i, q in enumerate(v.quantities, start=1):
        lines.append(f"  {i:2}. {q.label}{' ' * (wide - width(q.label))}  [{q.name}]")
    lines.append(f"Reprint: {reprint_command(v)}")
    return "\n".join(lines)


def sheet_dict(v) -> dict:
    return {"kind": "exercise", "exercise": v.kind, "seed": v.seed, "variant": v.number,
            "digits": v.digits, "options": v.options, "task": task(v), "rules": rules(v),
            "given": {n: number(x) for n, x in v.givens.items()},
            "blanks": [{"name": q.name, "label": q.label} for q in v.quantities]}


def key_dict(v) -> dict:
    return {"kind": "answer_key", "exercise": v.kind, "seed": v.seed, "variant": v.number,
            "digits": v.digits,
            "answers": [{"name": q.name, "label": q.label, "rounded": shown(v.key[q.name], v.digits),
                         "value": float(v.key[q.name])} for q in v.quantities]}


def to_json(obj) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def answers_template(v, student: str | None = None) -> str:
    """A TOML file to fill in: one commented line per blank, in order."""
    lines = [f"# answers for {reprint(v)}: {task(v)}",
             f"# {v.digits} significant digits; remove the # of each line you answer",
             f"variant = {v.number}"]
    if student:
        lines.append(f"student = {json.dumps(student, ensure_ascii=False)}")
    lines += [f"# {q.name} = " for q in v.quantities]
    return "\n".join(lines) + "\n"


def final_names(v) -> list[str]:
    """The blanks the one-page table shows: what the exercise is finally after."""
    names = v.names
    if v.kind == "forward":
        return [names[-1]]
    if v.kind in ("output-weight", "hidden-weight"):
        return [n for n in names if n.startswith(("dE_dw", "dE_db", "delta_h"))]
    if v.kind == "update":
        return [n for n in names if n.endswith("_new")]
    if v.kind == "train-round":
        return [names[-1]]
    if v.kind == "optimizer":
        return ["w_1", "w_2"]
    return ["L"] + [n for n in names if n.startswith("dL_")]



def key_text(v) -> str:
    """Every blank's value at the asked digits (the worked solution is in key.tex)."""
    lines = [f"Answer key ({reprint(v)}), {v.digits} significant digits"]
    wide = max(width(q.label) for q in v.quantities)
    for q in v.quantities:
        lines.append(f"  {q.label}{' ' * (wide - width(q.label))}  = {shown(v.key[q.name], v.digits)}")
    return "\n".join(lines)
