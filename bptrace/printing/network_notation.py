r"""The notation a document opens with: the activations and the loss, as a lecturer writes them.

Provides ``ACTIVATION_ROWS`` and ``LOSS_ROWS`` (name → the ``aligned`` rows of its
notation, one table entry each, like the activation and loss tables themselves),
``notation_rows(net, word, fmt)`` — every row a network's notation frame shows — and
``simplification_rows(simplification, net, word)`` — a simplification proven by SymPy
(``calculus/simplify.py``), as the written form and the line "which simplifies to …".

The rows are fixed LaTeX because they are definitions, not computed results: σ with
1/(1 + e^{−net}) and σ′ = out(1 − out); tanh with tanh′ = 1 − out²; ReLU and LeakyReLU
with their piecewise derivatives and the value each neuron uses; cross-entropy with
softmax over the outputs k = 1, …, C; BCE, NLL, L1, Smooth L1 and Huber with their
options' values. ``tests/test_notation.py`` pins every row.
"""
from __future__ import annotations

from ..model.activations import LEAKY_SLOPE
from .latex_expr import symbol_latex

NET, OUT, TGT = r"\mathrm{net}", r"\mathrm{out}", r"\mathrm{target}"
E_TOTAL = r"E_{\mathrm{total}}"
OUT_O, TGT_O = r"\mathrm{out}_{o}", r"\mathrm{target}_{o}"
OUT_K, TGT_K = r"\mathrm{out}_{k}", r"\mathrm{target}_{k}"
R_O = rf"{OUT_O} - {TGT_O}"          # the residual out − target


def _cases(*rows) -> str:
    return r"\begin{cases} " + r" \\ ".join(f"{a} & {b}" for a, b in rows) + r" \end{cases}"


def _leak() -> str:
    return f"{float(LEAKY_SLOPE):g}"


# name → (out = … row, derivative row); "{is}" is where "its activation" goes
ACTIVATION_ROWS = {
    "sigmoid": (rf"{OUT} &= \sigma({NET}) = \frac{{1}}{{1 + e^{{-{NET}}}}}",
                rf"\sigma'({NET}) &= {OUT} \cdot (1 - {OUT})"),
    "tanh": (rf"{OUT} &= \tanh({NET}) = \frac{{e^{{{NET}}} - e^{{-{NET}}}}}{{e^{{{NET}}} + e^{{-{NET}}}}}",
             rf"\tanh'({NET}) &= 1 - {OUT}^{{2}}"),
    "relu": (rf"{OUT} &= \mathrm{{ReLU}}({NET}) = \max(0, {NET})",
             rf"\mathrm{{ReLU}}'({NET}) &= " + _cases(("1", rf"{NET} > 0"), ("0", rf"{NET} \le 0"))),
    "leaky_relu": (rf"{OUT} &= \mathrm{{LeakyReLU}}({NET}) = "
                   + _cases((NET, rf"{NET} > 0"), (rf"{_leak()} \cdot {NET}", rf"{NET} \le 0")),
                   rf"\mathrm{{LeakyReLU}}'({NET}) &= "
                   + _cases(("1", rf"{NET} > 0"), (_leak(), rf"{NET} \le 0"))),
    "identity": (rf"{OUT} &= {NET}",
                 rf"\frac{{\partial {OUT}}}{{\partial {NET}}} &= 1"),
}

_PIECEWISE = {"relu": (r"\mathrm{ReLU}'", "0"), "leaky_relu": (r"\mathrm{LeakyReLU}'", _leak())}

_ABS = rf"\left|{R_O}\right|"
_SGN = rf"\operatorname{{sgn}}({R_O})"
_D_O = rf"\frac{{\partial E_{{o}}}}{{\partial {OUT_O}}}"

# name → rows for one output's error E_o and its derivative (@beta@, @delta@, @C@: values)
LOSS_ROWS = {
    "half_sse": [rf"E_{{o}} &= \frac{{1}}{{2}}({TGT_O} - {OUT_O})^{{2}}",
                 rf"{_D_O} &= -({TGT_O} - {OUT_O})"],
    "mse": [rf"E_{{o}} &= ({TGT_O} - {OUT_O})^{{2}}",
            rf"{_D_O} &= -2({TGT_O} - {OUT_O})"],
    "sse": [rf"E_{{o}} &= ({TGT_O} - {OUT_O})^{{2}}",
            rf"{_D_O} &= -2({TGT_O} - {OUT_O})"],
    "l1": [rf"E_{{o}} &= {_ABS}", rf"{_D_O} &= {_SGN}"],
    "smooth_l1": [r"E_{o} &= " + _cases((rf"\frac{{({R_O})^{{2}}}}{{2\beta}}", rf"{_ABS} < \beta"),
                                          (rf"{_ABS} - \frac{{\beta}}{{2}}", r"\text{otherwise}")),
                  rf"{_D_O} &= " + _cases((rf"\frac{{{R_O}}}{{\beta}}", rf"{_ABS} < \beta"),
                                          (_SGN, r"\text{otherwise}")),
                  r"\beta &= @beta@"],
    "huber": [r"E_{o} &= " + _cases((rf"\frac{{1}}{{2}}({R_O})^{{2}}", rf"{_ABS} < \Delta"),
                                      (rf"\Delta \cdot \left({_ABS} - \frac{{\Delta}}{{2}}\right)",
                                       r"\text{otherwise}")),
              rf"{_D_O} &= " + _cases((R_O, rf"{_ABS} < \Delta"),
                                      (rf"\Delta \cdot {_SGN}", r"\text{otherwise}")),
              r"\Delta &= @delta@ && \text{(torch's \texttt{delta})}"],
    "bce": [rf"E_{{o}} &= -\left[{TGT_O} \log {OUT_O} + (1 - {TGT_O}) \log(1 - {OUT_O})\right]",
            rf"{_D_O} &= \frac{{{R_O}}}{{{OUT_O} \cdot (1 - {OUT_O})}}"],
    "bce_with_logits": [rf"E_{{o}} &= -\left[{TGT_O} \log \sigma({OUT_O}) "
                        rf"+ (1 - {TGT_O}) \log(1 - \sigma({OUT_O}))\right]",
                        rf"{_D_O} &= \sigma({OUT_O}) - {TGT_O}"],
    "cross_entropy": [rf"{E_TOTAL} &= -\sum_{{k=1}}^{{C}} {TGT_K} \log \operatorname{{softmax}}_{{k}}({OUT})",
                      rf"\operatorname{{softmax}}_{{k}}({OUT}) &= "
                      rf"\frac{{e^{{{OUT_K}}}}}{{\sum_{{j=1}}^{{C}} e^{{\mathrm{{out}}_{{j}}}}}}"
                      r" && \text{over the $C = @C@$ outputs}"],
    "nll": [rf"{E_TOTAL} &= -\sum_{{k=1}}^{{C}} {TGT_K} \cdot {OUT_K}"
            r" && \text{$\mathrm{out}$: log-probabilities}",
            rf"\frac{{\partial {E_TOTAL}}}{{\partial {OUT_K}}} &= -{TGT_K}"],
}
_CLASS_LOSSES = ("cross_entropy", "nll")


def _total_row(net) -> str:
    """E_total from the E_o: E_o1 alone, their sum, or their mean."""
    names = [symbol_latex(f"E_{o}") for o in net.outputs]
    if len(names) == 1:
        return f"{E_TOTAL} &= {names[0]}"
    body = " + ".join(names) if len(names) <= 4 else r"\sum_{o} E_{o}"
    if net.loss.within == "mean":
        return rf"{E_TOTAL} &= \frac{{1}}{{{len(names)}}}\left({body}\right)"
    return f"{E_TOTAL} &= {body}"


def _used_here(net, name: str, word, fmt) -> list[str]:
    """ReLU′/LeakyReLU′ of each neuron with that activation, at its net input."""
    symbol, low = _PIECEWISE[name]
    items = []
    for l, layer in enumerate(net.layers):
        if layer.activation != name:
            continue
        for n in net.names.neurons[l]:
            v = net.values[f"net_{n}"]
            items.append(f"{symbol}({symbol_latex('net_' + n)}) = {'1' if v > 0 else low}")
    shown = items[:6] + ([r"\dots"] if len(items) > 6 else [])
    rows = [r",\ ".join(shown[i:i + 2]) for i in range(0, len(shown), 2)]
    return [rf"&\text{{{word('used_here')}: }} {rows[0]}"] + [rf"&\phantom{{\text{{{word('used_here')}: }}}} {r}"
                                                             for r in rows[1:]]


def notation_rows(net, word, fmt, batch: int = 0, reduction: str = "mean") -> list[str]:
    """The rows of the notation block for ``net`` (one sample): ``neuron_rows`` then
    ``error_rows``. ``word(key)`` gives the document's words, ``fmt(x)`` a number as LaTeX.
    For a sample of a batch of ``batch``, its error is E_s and a last row reduces them."""
    return neuron_rows(net, word, fmt) + error_rows(net, word, fmt, batch, reduction)


def neuron_rows(net, word, fmt) -> list[str]:
    """net, each activation and its derivative (the value ReLU′ takes here), dropout."""
    biased = any(layer.bias is not None for layer in net.layers)
    rows = [rf"{NET} &= \sum_k w_k x_k{' + b' if biased else ''} && \text{{{word('net_is')}}}"]
    seen = []
    for layer in net.layers:
        name = layer.activation
        if name in seen:
            continue
        seen.append(name)
        out_row, slope_row = ACTIVATION_ROWS[name]
        rows += [out_row + (rf" && \text{{{word('out_is')}}}" if len(seen) == 1 else ""), slope_row]
        if name in _PIECEWISE:
            rows += _used_here(net, name, word, fmt)
    for l, layer in enumerate(net.layers):
        if layer.dropout is not None:
            rows.append(rf"\mathrm{{d}} &= \frac{{m \cdot {OUT}}}{{1 - p}},\ p = {fmt(layer.dropout)}"
                        rf" && \text{{{word('dropout_is')}}}")
            break
    return rows


def error_rows(net, word, fmt, batch: int = 0, reduction: str = "mean") -> list[str]:
    """The loss's rows: E_o (or E_total) and its derivative, E_total, the batch's reduction, δ."""
    rows = []
    loss = str(net.loss)
    opts = {k: fmt(v) for k, v in net.loss.options.items() if k in ("beta", "delta")}
    for row in LOSS_ROWS[loss]:
        for key, value in {"C": str(len(net.outputs)), **opts}.items():
            row = row.replace(f"@{key}@", value)
        rows.append(row)
    if loss not in _CLASS_LOSSES:
        rows.append(_total_row(net))
    eps = net.loss.options.get("label_smoothing")
    if eps:         # torch's label smoothing: the targets the loss uses
        rows.append(rf"&\text{{{word('smoothing')}: }} {TGT_K} \to (1 - \varepsilon) \cdot {TGT_K}"
                    rf" + \frac{{\varepsilon}}{{C}},\ \varepsilon = {fmt(eps)}")
    weights = net.loss.options.get("weight")
    if weights:     # class weights: each class's term scaled
        rows.append(rf"&\text{{{word('class_weights')}: }} w = ("
                    + ", ".join(fmt(w) for w in weights) + ")")
    if batch:       # the sample's error is E_s; the batch's, their mean or sum
        rows = [r.replace(E_TOTAL + " &=", "E_{s} &=") for r in rows]
        scale = rf"\frac{{1}}{{{batch}}}" if reduction == "mean" else ""
        rows.append(rf"{E_TOTAL} &= {scale}\sum_{{s=1}}^{{{batch}}} E_{{s}}"
                    rf" && \text{{{word('batch_is', n=batch, reduction=word('mean' if reduction == 'mean' else 'sum_word'))}}}")
    rows.append(rf"\delta_{{j}} &= \frac{{\partial {E_TOTAL}}}{{\partial {NET}_{{j}}}}"
                rf" && \text{{{word('delta_is')}}}")
    return rows


def simplification_rows(s, net, word) -> list[str]:
    """A proven simplification: the written form, then "which simplifies to" the short one."""
    mark = word("proven_by_sympy") if s.proven else word("not_proven")
    if s.kind == "sigmoid_bce":
        n = len(net.outputs)
        scale = rf"\frac{{1}}{{{n}}} \cdot " if net.loss.within == "mean" and n > 1 else ""
        return [rf"\delta_{{o}} &= {scale}\frac{{{R_O}}}{{{OUT_O} \cdot (1 - {OUT_O})}} \cdot {OUT_O} \cdot (1 - {OUT_O})",
                rf"&= {scale}\left({R_O}\right) && \text{{{word('simplifies')} ({mark})}}"]
    if s.kind == "softmax_ce":
        return [rf"\frac{{\partial {E_TOTAL}}}{{\partial {OUT_K}}} &= "
                rf"-\sum_{{j}} \mathrm{{target}}_{{j}} \cdot \frac{{\partial \log \operatorname{{softmax}}_{{j}}({OUT})}}{{\partial {OUT_K}}}",
                rf"&= \operatorname{{softmax}}_{{k}}({OUT}) - {TGT_K}"
                rf" && \text{{{word('simplifies')}, $\sum_j \mathrm{{target}}_{{j}} = 1$ ({mark})}}"]
    if s.kind == "mse_mean":
        n = len(net.outputs)
        return [rf"\frac{{\partial {E_TOTAL}}}{{\partial {OUT_K}}} &= \frac{{1}}{{{n}}} \cdot (-2)({TGT_K} - {OUT_K})",
                rf"&= -\frac{{2}}{{n}}({TGT_K} - {OUT_K}),\ n = {n}"
                rf" && \text{{{word('simplifies')} ({mark})}}"]
    raise ValueError(f"unknown simplification {s.kind!r}")
