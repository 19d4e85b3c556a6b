"""Question sheets and answer keys as LaTeX articles.

Provides ``sheets_latex(variants, students=None, lang="en")`` — one page per variant (or per
student: name and ID in the header), the given numbers, the conventions, and the blanks
with their answer names and room to write; and ``key_latex(variants)`` — a one-page table
of final answers per variant, then per variant every blank's value at the asked digits and
the full worked solution, which is bptrace's own trace printed by ``to_latex`` (forward
pass, each asked derivative path by path, the update; the optimizer and loss lessons'
traces). ``lang="zh"`` sets the words in Chinese, for ``xelatex`` with ``ctex``
(``engine(lang)`` says which); the worked solution is the LaTeX printer's own Chinese. Every user string (student names and
IDs, a spec's network name) passes through ``text()``: the ten LaTeX specials escaped,
control characters dropped; under pdflatex, characters it cannot set are shown as their
code point (``printing.latex_expr.escape_text``). Output is deterministic.
"""
from __future__ import annotations

import re

from ..printing.latex_expr import escape_text
from .rounding import shown
from .sheets import (
    LOSS_TEXT,
    final_names,
    given_groups,
    reprint,
    reprint_command,
    rules,
    task,
)

WORDS = {
    "en": {"exercise": "Exercise", "variant": "variant", "seed": "seed", "name": "Name",
           "id": "ID", "given": "Given", "conventions": "Conventions",
           "answer": "Answer to {d} significant digits. Hand in the answers file with the "
                     "names in typewriter type (e.g.\\ \\texttt{{out\\_h1 = 0.5933}}).",
           "quantity": "quantity", "file_name": "name in the answers file",
           "your_answer": "your answer", "reprint": "Reprint: {r}."},
    "zh": {"exercise": "练习", "variant": "变体", "seed": "种子", "name": "姓名", "id": "学号",
           "given": "已知", "conventions": "约定",
           "answer": "答案保留 {d} 位有效数字。请提交答案文件，量的名称见等宽字体"
                     "（例如 \\texttt{{out\\_h1 = 0.5933}}）。",
           "quantity": "量", "file_name": "答案文件中的名称", "your_answer": "你的答案",
           "reprint": "重印：{r}。"},
}
TASKS_ZH = {"forward": "计算前向传播和误差。",
            "output-weight": "计算前向传播、输出层的 δ 以及所列的梯度。",
            "hidden-weight": "计算前向传播、各 δ 以及隐藏层权重的梯度（所有路径）。",
            "update": "梯度下降一步（所有梯度都在旧权重处计算）：求所列的新权重。",
            "train-round": "完整的一轮梯度下降（所有梯度都在旧权重处计算），然后求这一轮之后的误差。",
            "optimizer": "在 f(w) = a·w²/2 上从 w_0 出发做两步优化器更新。",
            "loss": "对 logits 做 softmax 后的交叉熵，对 2 个样本取平均；并求样本 1 的梯度。"}


# the sheet's English phrases (sheets.rules, given_groups) in Chinese, longest first
ZH_PHRASES = [
    ("p = softmax(x) per sample; l = −log p of the target class; classes are numbered from 0, "
     "as torch's class indices; L = mean of l; ∂L/∂x_j = (p_j − y_j)/N",
     "每个样本 p = softmax(x)；l = −log p（目标类别的 p）；类别从 0 编号，与 torch 的类别索引相同；"
     "L 为 l 的平均；∂L/∂x_j = (p_j − y_j)/N"),
    ("g_t = ∂f/∂w at w_{t−1} = a·w_{t−1}", "g_t = ∂f/∂w 在 w_{t−1} 处的值 = a·w_{t−1}"),
    ("activations: hidden ", "激活函数：隐藏层 "), (", outputs ", "，输出层 "), ("error: ", "误差："),
    ("the biases are kept fixed", "偏置保持不变"), (" in torch's convention:", "（torch 的约定）："),
    ("weights into ", "进入 "), ("inputs", "输入"),
    ("biases", "偏置"), ("targets", "目标值"), ("learning rate", "学习率"),
    ("objective f(w) = a·w²/2", "目标函数 f(w) = a·w²/2"), ("start", "初始值"),
    ("hyper-parameters", "超参数"), ("logits of sample ", "logits：样本 "),
    ("target classes", "目标类别"),
]


def engine(lang: str = "en", students=None) -> str:
    """xelatex (with ctex) for Chinese sheets or names pdflatex cannot set; else pdflatex."""
    wide = any(ord(ch) > 0xFF for st in (students or ()) if st for part in st for ch in part)
    return "xelatex" if lang == "zh" or wide else "pdflatex"


def text(s: str, lang: str = "en") -> str:
    """A user string safe in LaTeX text mode (see the module docstring)."""
    s = "".join(" " if ch < " " or "\x7f" <= ch <= "\x9f" else ch for ch in str(s))
    if lang == "zh":   # xelatex sets any Unicode: only the ASCII specials need escaping
        return "".join(escape_text(ch) if ord(ch) < 0x80 else ch for ch in s)
    return escape_text(s)


def _preamble(lang: str, tex: str = "pdflatex") -> list[str]:
    head = [r"\documentclass[11pt,a4paper]{article}"]
    if tex == "xelatex":
        head.append(r"\usepackage[UTF8,linespread=1.0]{ctex}")
    else:
        head += [r"\usepackage[T1]{fontenc}", r"\usepackage{lmodern}"]
    head += [r"\usepackage{amsmath,amssymb}", r"\usepackage{array,longtable,multicol}",
             r"\usepackage[margin=1.7cm]{geometry}", r"\allowdisplaybreaks",
             r"\ifdefined\pdftrailerid \pdftrailerid{}\pdfinfoomitdate=1 \fi",
             r"\pagestyle{empty}", r"\setlength{\parindent}{0pt}", r"\begin{document}"]
    return head


# the Unicode of the conventions (sheets.rules) as LaTeX; longer sequences first
_MATH = {"e^−x": r"$e^{-x}$", "m̂": r"$\hat m$", "v̂": r"$\hat v$", "β₁ᵗ": r"$\beta_1^t$",
         "β₂ᵗ": r"$\beta_2^t$", "β₁": r"$\beta_1$", "β₂": r"$\beta_2$", "m₀": "$m_0$",
         "v₀": "$v_0$", "s₀": "$s_0$", "v₁": "$v_1$", "g₁": "$g_1$", "w_{t−1}": "$w_{t-1}$",
         "g_t": "$g_t$", "w_0": "$w_0$", "x_j": "$x_j$", "p_j": "$p_j$", "y_j": "$y_j$",
         "σ": r"$\sigma$", "Σ": r"$\Sigma$", "½": r"$\frac12$", "²": "$^2$", "−": "$-$",
         "·": r"$\cdot$", "√": r"$\surd$", "ε": r"$\varepsilon$", "α": r"$\alpha$",
         "μ": r"$\mu$", "η": r"$\eta$", "←": r"$\leftarrow$", "∂": r"$\partial$",
         "E_total": r"$E_{\mathrm{total}}$", "f(w) = a·w²/2": r"$f(w) = a w^2/2$"}
_MATH.update({text: f"${tex}$" for text, tex in LOSS_TEXT.values()})
_MATH_RE = re.compile("|".join(re.escape(k) for k in sorted(_MATH, key=len, reverse=True)))


def _conventions(s: str, lang: str = "en") -> str:
    """Prose with Unicode math (the conventions, the task) as LaTeX; Chinese kept under zh."""
    if lang == "zh":
        for en, zh in ZH_PHRASES:
            s = s.replace(en, zh)
    out, at = [], 0
    for m in _MATH_RE.finditer(s):
        out += [text(s[at:m.start()], lang), _MATH[m.group()]]
        at = m.end()
    return "".join(out) + text(s[at:], lang)


def slash(latex: str) -> str:
    r"""``\frac{\partial a}{\partial b}`` → ``\partial a/\partial b``: compact, for tables and prose."""
    out, i = [], 0
    while True:
        j = latex.find(r"\frac{", i)
        if j < 0:
            return "".join(out) + latex[i:]
        num, k = _group(latex, j + 5)
        den, k = _group(latex, k)
        out += [latex[i:j], f"{num}/{den}"]
        i = k


def _group(s: str, at: int) -> tuple[str, int]:
    """The brace group starting at ``s[at] == "{"``: its contents and the index after it."""
    depth = 0
    for k in range(at, len(s)):
        depth += {"{": 1, "}": -1}.get(s[k], 0)
        if depth == 0:
            return s[at + 1:k], k + 1
    raise ValueError(f"unbalanced braces in {s!r}")


def _task(v) -> str:
    """``sheets.task`` with each blank set as math (placeholders survive the escaping)."""
    latex = {q.name: slash(q.latex) for q in v.quantities}
    names = list(latex)
    out = _conventions(task(v, lambda n: f"QQ{names.index(n)}QQ"))
    return re.sub(r"QQ(\d+)QQ", lambda m: f"${latex[names[int(m.group(1))]]}$", out)


def heading_zh(heading: str) -> str:
    """A heading of ``sheets.given_groups`` in Chinese."""
    if heading.startswith("bias (shared by "):
        return "偏置（" + heading[len("bias (shared by "):-1].replace(", ", "、") + " 共用）"
    for en, zh in ZH_PHRASES:
        heading = heading.replace(en, zh)
    return heading + (" 的权重" if heading.startswith("进入 ") else "")


def _givens(v, lang: str = "en") -> str:
    rows = []
    for heading, items in given_groups(v):
        cells = ", ".join(f"${tex} = {val}$" for _, _, tex, val in items)
        heading = heading_zh(heading) if lang == "zh" else heading
        rows.append(f"{_conventions(heading)} & {cells} \\\\" if lang == "en" else
                    f"{text(heading, 'zh')} & {cells} \\\\")
    return "\\begin{tabular}{@{}l l@{}}\n" + "\n".join(rows) + "\n\\end{tabular}"


def _sheet_page(v, student, lang: str, tex: str) -> list[str]:
    w = WORDS[lang]
    title = f"{w['exercise']}: {escape_text(v.kind)} \\hfill {w['seed']} {v.seed}, {w['variant']} {v.number}"
    out = [r"{\Large\bfseries " + title + r"}\par\medskip"]
    if student:
        name, sid = student
        mode = "zh" if tex == "xelatex" else "en"
        out.append(f"{w['name']}: \\textbf{{{text(name, mode)}}} \\hfill {w['id']}: "
                   f"\\texttt{{{text(sid, mode)}}}\\par\\medskip")
    out.append((_conventions(TASKS_ZH[v.kind], lang) if lang == "zh" else _task(v)) + r"\par\smallskip")
    out.append(f"\\textbf{{{w['conventions']}.}} " + "; ".join(_conventions(r, lang) for r in rules(v)) + r".\par\medskip")
    out.append(f"\\textbf{{{w['given']}.}}\\par\\smallskip")
    out.append(_givens(v, lang) + r"\par\medskip")
    out.append(w["answer"].format(d=v.digits) + r"\par\smallskip")
    out.append(r"{\renewcommand{\arraystretch}{1.4}\setlength{\LTleft}{0pt}")
    out.append(f"\\begin{{longtable}}{{@{{}}p{{0.6cm}} >{{$}}p{{3.6cm}}<{{$}} p{{4.6cm}} p{{6cm}}@{{}}}}\n & \\text{{{w['quantity']}}} & "
               f"{w['file_name']} & {w['your_answer']} \\\\ \\hline \\endhead")
    for i, q in enumerate(v.quantities, start=1):
        out.append(f"\\hfill {i}. & {slash(q.latex)} & \\texttt{{{escape_text(q.name)}}} & \\hrulefill \\\\")
    out.append(r"\end{longtable}}\vfill")
    out.append(r"{\footnotesize " + WORDS[lang]["reprint"].format(
        r=r"\texttt{" + escape_text(reprint_command(v)).replace("--", "-{}-") + "}") + "}")
    return out


def sheets_latex(variants, students=None, lang: str = "en") -> str:
    """One page per variant; ``students``: (name, id) per page, paired with ``variants``."""
    if lang not in WORDS:
        raise ValueError(f"lang must be one of {', '.join(WORDS)}, got {lang!r}")
    tex = engine(lang, students)
    out = _preamble(lang, tex)
    for i, v in enumerate(variants):
        if i:
            out.append(r"\newpage")
        out += _sheet_page(v, students[i] if students else None, lang, tex)
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


# ----- the answer key ------------------------------------------------------------------------
def worked_traces(v) -> list:
    """The traces a variant's worked solution prints: bptrace's own, for every format."""
    if v.net is not None:
        from ..calculus.derive import derive
        from ..calculus.forward import forward
        from ..calculus.train import step
        net = v.net
        traces = [forward(net)]
        grads = [n[len("dE_d"):] for n in v.names if n.startswith("dE_d") and not n.startswith("dE_dout")]
        if v.kind == "train-round":
            # one weight per neuron shows its δ; ∂E/∂w_jk = δ_j·x_k for the others is in the
            # table of every blank and in the update
            firsts = [row[0] for layer in reversed(net.names.weights) for row in layer]
            grads = [p for p in grads if p in firsts]
        traces += [derive(net, p) for p in grads]
        if v.kind in ("update", "train-round"):
            traces.append(step(net))
        return traces
    if v.kind == "optimizer":
        from ..lessons.expression import parse
        from ..lessons.optim import trace
        g = v.givens
        a = g["a"]
        hyper = {"lr": g["eta"]}
        name = v.options["optimizer"]
        if name == "adam":
            hyper.update(betas=(g["beta1"], g["beta2"]), eps=g["eps"])
        elif name == "rmsprop":
            hyper.update(alpha=g["alpha"], eps=g["eps"])
        else:
            hyper.update(momentum=g["mu"])
        objective = parse(f"{a.numerator}/{a.denominator}*w**2/2", ["w"])
        return [trace(name, objective, {"w": g["w_0"]}, 2, **hyper)]
    from dataclasses import replace

    from ..lessons.loss_trace import loss_trace
    rows = [[v.givens[f"x_{s}_{j}"] for j in range(3)] for s in (1, 2)]
    t = loss_trace("cross_entropy", rows, [v.givens["y_1"], v.givens["y_2"]], "mean")
    # the blanks use ∂l/∂x = p − y; the general Jacobian route (a row wider than the page in
    # the LaTeX printer) and its proof belong to the lesson, not to this key
    return [replace(t, route=(), proof=None)]


def _worked(v, lang: str = "en") -> list[str]:
    """The worked solution as LaTeX: the traces printed as the lecture shows them."""
    from ..printing.latex_lessons import to_latex
    style = "delta" if v.kind == "train-round" else "leibniz"
    parts = [to_latex(t, style=style, lang=lang) for t in worked_traces(v)]
    narrow = v.net is not None and max(len(v.net.inputs), v.net.layers[0].units) <= 2
    if narrow:      # the forward pass of a 2-2-n network is long and narrow: two columns, smaller
        parts[0] = ("\\begin{multicols}{2}\\footnotesize\n" + parts[0] + "\n\\end{multicols}")
    return parts


def _values_table(v, names) -> str:
    label = {q.name: slash(q.latex) for q in v.quantities}
    cells = [f"${label[n]} = {shown(v.key[n], v.digits)}$" for n in names]
    rows = [" & ".join(cells[i:i + 3] + [""] * (3 - len(cells[i:i + 3]))) + r" \\"
            for i in range(0, len(cells), 3)]
    return ("{\\renewcommand{\\arraystretch}{1.3}\\begin{tabular}{@{}lll@{}}\n" + "\n".join(rows)
            + "\n\\end{tabular}}")


KEY_WORDS = {
    "en": {"title": "Answer key: {kind} (seed {seed})",
           "intro": "Final answers per variant, {d} significant digits.",
           "variant": "variant", "final": "final answers", "heading": "Variant {n}",
           "given": "Given", "every": "Every blank",
           "worked": r"\textbf{Worked solution} (bptrace's trace, 9 significant digits)."},
    "zh": {"title": "答案：{kind}（种子 {seed}）", "intro": "各变体的最终答案，保留 {d} 位有效数字。",
           "variant": "变体", "final": "最终答案", "heading": "变体 {n}", "given": "已知",
           "every": "所有空格", "worked": r"\textbf{完整解答}（bptrace 的推导，9 位有效数字）。"},
}


def key_latex(variants, lang: str = "en") -> str:
    """The answer key (see the module docstring); ``lang="zh"``: Chinese words, xelatex."""
    w = KEY_WORDS[lang]
    out = _preamble(lang, engine(lang))
    first = variants[0]
    out.append(r"{\Large\bfseries " + text(w["title"].format(kind=first.kind, seed=first.seed), lang)
               + r"}\par\medskip")
    out.append(text(w["intro"].format(d=first.digits), lang) + r"\par\medskip")
    out.append(r"{\renewcommand{\arraystretch}{1.3}\setlength{\LTleft}{0pt}")
    out.append(r"\begin{longtable}{@{}r l@{}}" + "\n" + f"{w['variant']} & {w['final']}"
               + r" \\ \hline \endhead")
    for v in variants:
        label = {q.name: slash(q.latex) for q in v.quantities}
        cells = r", \quad ".join(f"${label[n]} = {shown(v.key[n], v.digits)}$" for n in final_names(v))
        out.append(f"{v.number} & {cells} \\\\")
    out.append(r"\end{longtable}}")
    for v in variants:
        out.append(r"\newpage")
        out.append(r"{\large\bfseries " + text(w["heading"].format(n=v.number), lang) + r"} \hfill "
                   + escape_text(reprint(v)) + r"\par\medskip")
        out.append(f"\\textbf{{{w['given']}.}}\\par\\smallskip\n" + _givens(v, lang) + r"\par\medskip")
        out.append(f"\\textbf{{{w['every']}.}}\\par\\smallskip\n" + _values_table(v, v.names)
                   + r"\par\medskip")
        out.append(w["worked"] + r"\par")
        out.append("{\\small\n" + "\n\n".join(_worked(v, lang)) + "\n}")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"
