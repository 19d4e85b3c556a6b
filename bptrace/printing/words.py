"""The words of the web page, one table per language: English and Chinese.

Provides ``WORDS`` (language → key → text with ``{named}`` slots), ``LANGS`` and
``word(lang, key, **slots)``. Numbers and symbols are never translated; they are filled
into the slots already printed (and escaped) by the caller. The Chinese table uses the
course's terms: 前向传播, 反向传播, 链式法则, 损失函数, 学习率, 梯度, 权重, 偏置, 隐藏层,
输出层. Every language has every key (a test checks it).
"""
from __future__ import annotations

from .mathml import escape

WORDS = {
    "en": {
        "html_lang": "en", "colon": ": ", "list_sep": "; ",
        "title": "Backpropagation, step by step",
        "subtitle": "{name}",
        "contents": "Contents",
        "network": "The network",
        "picture_label": "The network {name}: inputs on the left, then each layer's neurons, "
                         "the error on the right; each edge carries its weight.",
        "given": "Given",
        "inputs": "inputs", "targets": "targets", "learning_rate": "learning rate",
        "weights": "weights", "biases": "biases",
        "forward": "Forward pass",
        "hidden_layer": "Hidden layer {l}", "output_layer": "Output layer",
        "error": "The error (loss function)",
        "backward": "Backward pass: the gradients",
        "chain": "{target} by the chain rule: {n} {paths} from {param} to {loss}",
        "path": "path", "paths": "paths",
        "path_n": "Path {i}",
        "sum": "Sum over the {n} paths",
        "summarised": "{n} paths are more than the display limit: not listed; "
                      "the δ form below computes the value.",
        "delta": "δ form (δ = ∂E/∂net, a neuron's error signal)",
        "agree": "The path sum and the δ form agree (difference {diff} at 50 digits).",
        "disagree": "The path sum and the δ form DISAGREE (difference {diff}).",
        "proof": "Symbolic proof",
        "proof_line": "Σ paths − sympy.diff({loss} written out, {param})",
        "proven": "proven", "not_zero": "NOT zero", "not_attempted": "not attempted: {reason}",
        "update": "One step of gradient descent",
        "descent": "Gradient descent with learning rate {eta}; every gradient at the old parameters",
        "kept_fixed": "kept fixed",
        "before_after": "{loss}: {before} before the step, {after} after.",
        "check": "Checked against torch",
        "check_head": "bptrace (50 digits) against torch.autograd (float64), tolerance {rtol} "
                      "relative, {atol} absolute near zero",
        "quantity": "quantity", "ours": "bptrace", "theirs": "torch (float64)",
        "abs_diff": "|difference|", "verdict": "verdict",
        "ok": "agrees", "differs": "DIFFERS",
        "all_agree": "All {n} quantities agree.",
        "some_differ": "{bad} of {n} quantities differ beyond the tolerance.",
        "no_torch": "torch is not installed, so the check was left out (pip install torch).",
        "training": "Training for {n} rounds",
        "curve_label": "The error {loss} over {n} rounds of training, from {first} to {last}.",
        "round": "round",
        "outputs_after": "Outputs after training",
        "biases_updated": "biases updated", "biases_fixed": "biases fixed",
        "sequential": "hidden gradients after the output update",
        "report_before": "error measured before each round's update",
        "exact": "50-digit arithmetic", "float64": "float64",
        "sample": "Sample {s} of {n}",
        "batch_error": "Batch error ({reduction} over the {n} samples)",
        "batch_gradient": "Batch gradient ({reduction} over the {n} samples)",
        "mean": "mean", "sum_reduction": "sum",
        "as_text": "This result is shown as text.",
        "next": "Next", "prev": "Back", "all": "Show all", "reset": "Start again",
        "counter": "step {k} of {n}",
        "keys": "→ or Space: next step · ←: back · Home: start · End: show all",
        "hover": "Hover over a number, or focus it with Tab, to see its 50-digit value "
                 "and torch's float64 value.",
        "tip_exact": "50 digits", "tip_f64": "torch float64", "tip_none": "no torch value for this number",
        "footer": "Made by bptrace. The page works offline; without JavaScript "
                  "it shows every step.",
        "controls": "Step-by-step controls",
    },
    "zh": {
        "html_lang": "zh-CN", "colon": "：", "list_sep": "；",
        "title": "反向传播逐步推导",
        "subtitle": "{name}",
        "contents": "目录",
        "network": "网络结构",
        "picture_label": "网络 {name} 的结构图：左边是输入，中间依次是各层神经元，右边是误差；"
                         "每条边上标有对应的权重。",
        "given": "已知条件",
        "inputs": "输入", "targets": "目标值", "learning_rate": "学习率",
        "weights": "权重", "biases": "偏置",
        "forward": "前向传播",
        "hidden_layer": "隐藏层 {l}", "output_layer": "输出层",
        "error": "误差（损失函数）",
        "backward": "反向传播：求梯度",
        "chain": "用链式法则求 {target}：从 {param} 到 {loss} 共有 {n} 条{paths}",
        "path": "路径", "paths": "路径",
        "path_n": "路径 {i}",
        "sum": "把 {n} 条路径的结果相加",
        "summarised": "路径共 {n} 条，超出显示上限，此处不逐条列出；下面的 δ 形式给出梯度的值。",
        "delta": "δ 形式（δ = ∂E/∂net，即神经元的误差项）",
        "agree": "路径求和与 δ 形式的结果一致（按 50 位有效数字计算，差为 {diff}）。",
        "disagree": "路径求和与 δ 形式的结果不一致（差为 {diff}）。",
        "proof": "符号证明",
        "proof_line": "Σ 各路径 − sympy.diff(展开的 {loss}, {param})",
        "proven": "得证", "not_zero": "不为零", "not_attempted": "未做证明：{reason}",
        "update": "梯度下降：更新一步",
        "descent": "梯度下降，学习率 {eta}；所有梯度都在更新前的参数处计算",
        "kept_fixed": "保持不变",
        "before_after": "更新前 {loss} = {before}，更新后为 {after}。",
        "check": "用 torch 验证",
        "check_head": "bptrace（50 位有效数字）与 torch.autograd（float64）逐项对照，"
                      "容差：相对误差 {rtol}，接近零时绝对误差 {atol}",
        "quantity": "量", "ours": "bptrace", "theirs": "torch（float64）",
        "abs_diff": "差的绝对值", "verdict": "结论",
        "ok": "一致", "differs": "不一致",
        "all_agree": "全部 {n} 个量都一致。",
        "some_differ": "{n} 个量中有 {bad} 个超出容差。",
        "no_torch": "未安装 torch，因此略去了验证（pip install torch）。",
        "training": "训练 {n} 轮",
        "curve_label": "训练 {n} 轮过程中误差 {loss} 的变化，从 {first} 降到 {last}。",
        "round": "轮次",
        "outputs_after": "训练后的输出",
        "biases_updated": "偏置参与更新", "biases_fixed": "偏置保持不变",
        "sequential": "先更新输出层，再计算隐藏层的梯度",
        "report_before": "误差在每轮更新之前测量",
        "exact": "50 位有效数字运算", "float64": "float64 运算",
        "sample": "第 {s} 个样本（共 {n} 个）",
        "batch_error": "批量误差（对 {n} 个样本{reduction}）",
        "batch_gradient": "批量梯度（对 {n} 个样本{reduction}）",
        "mean": "取平均", "sum_reduction": "求和",
        "as_text": "此结果以文本形式给出。",
        "next": "下一步", "prev": "上一步", "all": "全部显示", "reset": "从头开始",
        "counter": "第 {k} 步，共 {n} 步",
        "keys": "→ 或空格：下一步 · ←：上一步 · Home：从头开始 · End：全部显示",
        "hover": "把鼠标停在数字上（或用 Tab 键选中数字），可以看到它的 50 位有效数字"
                 "以及 torch 用 float64 算出的值。",
        "tip_exact": "50 位有效数字", "tip_f64": "torch float64", "tip_none": "torch 没有计算这个量",
        "footer": "由 bptrace 生成。本页可离线打开；浏览器不运行 JavaScript 时显示全部步骤。",
        "controls": "逐步显示的控制按钮",
    },
}
LANGS = tuple(WORDS)


def word(lang: str, key: str, **slots) -> str:
    """The text for ``key`` in ``lang`` as HTML: the table's text escaped, then its
    ``{slots}`` filled with markup the caller has already escaped."""
    return escape(WORDS[lang][key]).format(**slots)
