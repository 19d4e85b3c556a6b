"""LaTeX in Chinese: the words and punctuation of the fragments, the XeLaTeX preamble, and
the Chinese deck and article compiled with XeLaTeX (skipped, saying why, without xelatex
and ctex; .ci/run installs texlive-xetex and texlive-lang-chinese)."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from click.testing import CliRunner

import bptrace
from bptrace.cli import main
from bptrace.renderers.pdflatex import xelatex_ready

MAZUR = bptrace.load("mazur")


def test_chinese_fragment_words_and_punctuation():
    d = MAZUR.derive("w1")
    text = bptrace.to_latex(d, lang="zh")
    head = text.splitlines()[0]
    assert head == (r"用链式法则求 $\frac{\partial E_{\mathrm{total}}}{\partial w_{1}}$：从 $w_{1}$ 到 "
                    r"$E_{\mathrm{total}}$ 共有 2 条路径。")
    assert r"\left.\frac{\partial E_{\mathrm{total}}}{\partial w_{1}}\right|_{\text{路径 1}}" in text
    assert r"$\delta$ 形式（$\delta = \partial E_{\mathrm{total}} / \partial \mathrm{net}$）：" in text
    # the numbers are the English fragment's, row for row
    en = bptrace.to_latex(d).splitlines()
    zh = text.splitlines()
    assert [r for r in en if r.startswith(r"\frac")] == [r for r in zh if r.startswith(r"\frac")]


def test_english_fragment_is_unchanged_by_the_word_templates():
    text = bptrace.to_latex([MAZUR.forward(), MAZUR.prove("w5")])
    assert text.startswith("Forward pass: Mazur's 2-2-2 example.\n")
    assert text.endswith(r"Symbolic proof for $w_{5}$: $\sum_{\text{paths}} - \frac{\partial "
                         r"E_{\mathrm{total}}}{\partial w_{5}}$ (\texttt{sympy.diff} of "
                         r"$E_{\mathrm{total}}$ written out) $= 0$: proven.")


def test_chinese_documents_load_ctex_not_t1_fonts():
    r = CliRunner().invoke(main, ["latex", "mazur", "--lang", "zh"])
    assert r.exit_code == 0, r.output
    assert r"\usepackage[UTF8,scheme=plain]{ctex}" in r.output and "fontenc" not in r.output
    assert r"\section{前向传播}" in r.output


def test_format_latex_lang_zh_on_a_command():
    r = CliRunner().invoke(main, ["update", "mazur", "--format", "latex", "--lang", "zh"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith(r"梯度下降，$\eta = 0.5$（所有梯度都在更新前的参数处计算；")


@pytest.mark.skipif(not xelatex_ready(), reason="xelatex with ctex is not installed "
                    "(apt-get install texlive-xetex texlive-lang-chinese)")
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("command,pages", [("slides", 18), ("latex", None)])
def test_chinese_deck_and_article_compile_with_xelatex(tmp_path, command, pages):
    tex = tmp_path / f"{command}.tex"
    r = CliRunner().invoke(main, [command, "mazur", "--lang", "zh", "-o", str(tex), "--pdf"])
    assert r.exit_code == 0, r.output
    pdf = tex.with_suffix(".pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for term in ("前向传播", "学习率", "梯度"):
        assert term in text
    if pages:
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert f"Pages:           {pages}" in info


def test_every_chinese_table_has_every_english_key_and_slot():
    import re
    from bptrace.printing.latex import WORDS
    from bptrace.printing.text_words import TEXT_WORDS
    import bptrace.printing.latex_document  # noqa: F401  (adds the documents' words)
    for table in (WORDS, TEXT_WORDS):
        assert set(table["zh"]) == set(table["en"])
        for key, text in table["en"].items():
            assert set(re.findall(r"(?<!{){(\w+)}", text)) == set(re.findall(r"(?<!{){(\w+)}", table["zh"][key])), key


def test_chinese_text_on_the_terminal():
    text = bptrace.to_text(MAZUR.derive("w5"), lang="zh")
    assert text.splitlines()[0] == "用链式法则求 ∂E_total/∂w5 — 从 w5 到 E_total 共 1 条路径"
    assert text.splitlines()[-1] == "  路径求和与 δ 形式的结果一致（按 50 位有效数字计算，差为 0）"
    # the numbers are the English printer's, line for line
    en, zh = bptrace.to_text(MAZUR.derive("w5")).splitlines(), text.splitlines()
    assert len(en) == len(zh) == 14
    assert en[1:6] == zh[1:6] and en[7:-1] == zh[7:-1]
    assert zh[6] == "δ 形式（δ = ∂E_total/∂net）"
