"""Chinese for the LaTeX printer and documents: the words, the punctuation, the preamble.

Provides ``ZH`` (every key of ``latex.WORDS["en"]``, in the course's terms: 前向传播,
反向传播, 链式法则, 损失函数, 学习率, 梯度, 权重, 偏置, 隐藏层, 输出层), ``PUNCTUATION``
(the ASCII punctuation the printers put between words → full-width forms) and
``CJK_PREAMBLE``. A Chinese document needs XeLaTeX with ctex and a CJK font (Debian:
texlive-xetex texlive-lang-chinese); ``pdflatex.compile_pdf`` says so when they are absent.
Numbers and symbols are never translated.
"""
from __future__ import annotations

ZH = {
    "forward": "前向传播",
    "chain": "链式法则",
    "chain_heading": "用链式法则求 {target}：从 {param} 到 {loss} 共有 {n} 条{paths}。",
    "path": "路径", "paths": "路径",
    "from_to": "从 {param} 到 {loss}",
    "path_n": "路径 {i}",
    "sum": "{n} 条路径求和",
    "summarised": "路径共 {n} 条，超出显示上限，此处不逐条列出；$\\delta$ 形式给出梯度的值。",
    "delta": "$\\delta$ 形式",
    "agree": "路径求和与 $\\delta$ 形式的结果一致（按 50 位有效数字计算，差为 {diff}）。",
    "disagree": "路径求和与 $\\delta$ 形式的结果不一致（差为 {diff}）。",
    "proof": "{param} 的符号证明",
    "proof_head": "{param} 的符号证明：{expr}（对展开后的 {loss} 求 \\texttt{{sympy.diff}}）",
    "proof_ok": "{head} $= 0$，得证。",
    "proof_bad": "{head} $= {diff}$，不为零。",
    "proof_skip": "{head}：{reason}。",
    "proven": "得证",
    "not_zero": "不为零",
    "written_out": "展开后",
    "descent": "梯度下降",
    "old_params": "所有梯度都在更新前的参数处计算",
    "kept_fixed": "保持不变",
    "before_after": "{loss}：更新前为 {before}，更新后为 {after}",
    "training": "训练 {n} 轮",
    "round": "轮次",
    "outputs_after": "训练后的输出",
    "biases_updated": "偏置参与更新", "biases_fixed": "偏置保持不变",
    "sequential": "先更新输出层，再计算隐藏层的梯度",
    "report_before": "误差在每轮更新之前测量",
    "exact": "50 位有效数字运算", "float64": "float64 运算",
    "sample": "第 {s} 个样本（共 {n} 个）",
    "batch_error": "批量误差（{n} 个样本，{reduction}）",
    "batch_gradient": "批量梯度（{n} 个样本，{reduction}）",
    "parameter": "参数", "old": "旧值", "gradient": "梯度", "new": "新值",
    # the documents (latex_document.py)
    "title": "反向传播逐步推导",
    "network": "网络结构", "notation": "记号",
    "inputs": "输入", "targets": "目标值", "learning_rate": "学习率",
    "layer": "第 {l} 层", "forward_layer": "前向传播：第 {l} 层",
    "error": "误差（损失函数）", "output_grads": "输出层的梯度",
    "hidden_grads": "隐藏层的梯度", "layer_grads": "第 {l} 层的梯度",
    "factorised": "分解", "with_numbers": "代入数值",
    "one_step": "梯度下降：更新一步", "update_table": "参数更新",
    "all_paths": "全部路径", "continued": "续",
    "picture": "网络结构图。",
    "net_is": "神经元的加权输入", "out_is": "神经元的激活输出",
    "delta_is": "误差对神经元加权输入的偏导数",
}

PUNCTUATION = {": ": "：", ":": "：", ".": "。", "; ": "；", ", ": "，", " (": "（", "(": "（",
               ")": "）"}

# XeLaTeX + ctex (Fandol fonts ship with texlive-lang-chinese); scheme=plain keeps the
# English layout of headings, only the text is Chinese
CJK_PREAMBLE = "\\usepackage[UTF8,scheme=plain]{ctex}\n"
