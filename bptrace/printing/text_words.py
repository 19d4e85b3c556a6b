"""The words of the terminal printer, in English and Chinese.

Provides ``TEXT_WORDS`` (language → key → template) for ``text.py``'s network traces
(forward pass, derivation, proof, update, training, batches, the torch check). The English
templates are the printer's lines exactly as they were written before there was a table;
the Chinese ones use the course's terms (前向传播, 链式法则, 学习率, 梯度, 偏置, …).
Numbers, symbols and formulas are never translated. The lessons' traces (optimizers,
schedules, EMA, dropout, losses) are printed in English only.
"""
from __future__ import annotations

TEXT_WORDS = {
    "en": {
        "forward_head": "Forward pass — {name}",
        "chain_head": "{target} by the chain rule — {n} {paths} from {param} to {loss}",
        "path": "path", "paths": "paths",
        "summarised": "{n} paths are more than the display limit: not listed; "
                      "the delta form below computes the value.",
        "path_line": "path {i}: {route}",
        "sum_line": "sum over the {n} paths",
        "delta_head": "Delta form (δ = ∂{loss}/∂net)",
        "agree_line": "the path sum and the delta form {verdict} (difference {diff} at 50 digits)",
        "agree": "agree", "disagree": "DISAGREE",
        "proof_head": "Symbolic proof for {param}{sample}: Σ paths − sympy.diff({loss} written out, {param})",
        "proof_reason": "{head}: {reason}",
        "proven": "= 0  ✓ proven", "not_zero": "= {diff}  ✗ NOT zero",
        "descent_head": "Gradient descent, η = {eta} ({note})",
        "old_params": "every gradient at the old parameters",
        "fixed_note": "; {names} kept fixed",
        "kept_fixed_line": "(kept fixed; ∂E_total/∂{param} = {grad})",
        "before_after": "E_total: {before} before, {after} after",
        "training_head": "Training for {n} rounds ({parts})",
        "biases_updated": "biases updated", "biases_fixed": "biases fixed",
        "convention": "{optimizer}, {convention} convention",
        "schedule": "{kind} schedule ({options})",
        "sequential": "hidden gradients after the output update (--sequential)",
        "report_before": "error measured before each round's update (--report before)",
        "exact": "50-digit arithmetic", "float64": "float64",
        "round": "round",
        "outputs_after": "outputs after training: {outputs}",
        "sample_forward": "Forward pass — {name}, sample {s} of {n}",
        "batch_error": "Batch error ({reduction} over the {n} samples)",
        "sample": "Sample {s} of {n}",
        "batch_gradient": "Batch gradient ({reduction} over the {n} samples)",
        "check_head": "bptrace (50 digits) against torch.autograd (float64) — {name}: "
                      "tolerance {rtol} relative, {atol} absolute near zero",
        "quantity": "quantity", "ok": "ok", "differs": "DIFFERS",
        "all_agree": "all {n} agree", "some_differ": "{bad} of {n} differ beyond the tolerance",
        "sep": "; ",
    },
    "zh": {
        "forward_head": "前向传播 — {name}",
        "chain_head": "用链式法则求 {target} — 从 {param} 到 {loss} 共 {n} 条{paths}",
        "path": "路径", "paths": "路径",
        "summarised": "路径共 {n} 条，超出显示上限，不逐条列出；下面的 δ 形式给出梯度的值。",
        "path_line": "路径 {i}：{route}",
        "sum_line": "{n} 条路径求和",
        "delta_head": "δ 形式（δ = ∂{loss}/∂net）",
        "agree_line": "路径求和与 δ 形式的结果{verdict}（按 50 位有效数字计算，差为 {diff}）",
        "agree": "一致", "disagree": "不一致",
        "proof_head": "{param}{sample} 的符号证明：Σ 各路径 − sympy.diff(展开的 {loss}, {param})",
        "proof_reason": "{head}：{reason}",
        "proven": "= 0  ✓ 得证", "not_zero": "= {diff}  ✗ 不为零",
        "descent_head": "梯度下降，学习率 η = {eta}（{note}）",
        "old_params": "所有梯度都在更新前的参数处计算",
        "fixed_note": "；{names} 保持不变",
        "kept_fixed_line": "（保持不变；∂E_total/∂{param} = {grad}）",
        "before_after": "E_total：更新前 {before}，更新后 {after}",
        "training_head": "训练 {n} 轮（{parts}）",
        "biases_updated": "偏置参与更新", "biases_fixed": "偏置保持不变",
        "convention": "{optimizer}，{convention} 约定",
        "schedule": "{kind} 学习率调度（{options}）",
        "sequential": "先更新输出层，再计算隐藏层的梯度（--sequential）",
        "report_before": "误差在每轮更新之前测量（--report before）",
        "exact": "50 位有效数字运算", "float64": "float64 运算",
        "round": "轮次",
        "outputs_after": "训练后的输出：{outputs}",
        "sample_forward": "前向传播 — {name}，第 {s} 个样本（共 {n} 个）",
        "batch_error": "批量误差（{n} 个样本，{reduction}）",
        "sample": "第 {s} 个样本（共 {n} 个）",
        "batch_gradient": "批量梯度（{n} 个样本，{reduction}）",
        "check_head": "bptrace（50 位有效数字）与 torch.autograd（float64）对照 — {name}："
                      "容差为相对误差 {rtol}，接近零时绝对误差 {atol}",
        "quantity": "量", "ok": "一致", "differs": "不一致",
        "all_agree": "全部 {n} 个量一致", "some_differ": "{n} 个量中有 {bad} 个超出容差",
        "sep": "；",
    },
}
LANGS = tuple(TEXT_WORDS)
