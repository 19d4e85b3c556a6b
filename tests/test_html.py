"""The HTML printer and the web page, without a browser: structure, escaping, numbers, words.

The page must parse as HTML5 without errors, each MathML fragment must be well-formed
XML, the numbers in it must be the trace's (and torch's), no user text may become markup,
and the bytes must not depend on PYTHONHASHSEED. The browser tests are in
test_html_browser.py.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import html5lib
import mpmath
import pytest
from click.testing import CliRunner

import bptrace
from bptrace.cli import main
from bptrace.model.numbers import fmt

MAZUR = bptrace.load("mazur")
HOSTILE_NAMES = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>",
                 "Tom & Jerry's \"net\" <b>"]


def hostile_spec(name: str) -> str:
    from importlib import resources
    spec = resources.files("bptrace.model.builtin").joinpath("mazur.toml").read_text()
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return re.sub(r'^name = ".*"$', f'name = "{escaped}"', spec, count=1, flags=re.M)


@pytest.fixture(scope="module")
def page_en():
    return bptrace.web_page(MAZUR, wrt=["w5", "w1"])


@pytest.fixture(scope="module")
def page_zh():
    return bptrace.web_page(MAZUR, lang="zh", wrt=["w5", "w1"], check=False)


def parse(text):
    """html5lib in strict mode: any parse error raises."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)


MATH = re.compile(r"<math\b.*?</math>", re.S)


# ----- MathML: the notation, exactly ---------------------------------------------------------
def test_mathml_notation_exact():
    from bptrace.printing.mathml import formula_mathml
    import sympy
    S = sympy.Symbol
    assert formula_mathml(S("w5")) == "<msub><mi>w</mi><mn>5</mn></msub>"
    assert formula_mathml(S("net_h1")) == "<msub><mi>net</mi><mrow><mi>h</mi><mn>1</mn></mrow></msub>"
    assert formula_mathml(S("E_total")) == '<msub><mi>E</mi><mi mathvariant="normal">total</mi></msub>'
    assert formula_mathml(S("delta_o1")) == "<msub><mi>&#948;</mi><mrow><mi>o</mi><mn>1</mn></mrow></msub>"
    half = MAZUR.forward().steps[8].formula           # E_o1 = ½(target_o1 − out_o1)²
    assert formula_mathml(half) == (
        "<mrow><mfrac><mn>1</mn><mn>2</mn></mfrac><msup><mrow><mo stretchy=\"false\">(</mo><mrow>"
        "<msub><mi>target</mi><mrow><mi>o</mi><mn>1</mn></mrow></msub><mo>&#8722;</mo>"
        "<msub><mi>out</mi><mrow><mi>o</mi><mn>1</mn></mrow></msub></mrow><mo stretchy=\"false\">)</mo></mrow>"
        "<mn>2</mn></msup></mrow>")


def test_mathml_escapes_names_it_does_not_know():
    from bptrace.printing.mathml import formula_mathml
    import sympy
    out = formula_mathml(sympy.Symbol("a<b&c\"d"))
    assert out == "<mtext>a&lt;b&amp;c&quot;d</mtext>"
    ET.fromstring(f"<math>{out}</math>")


def test_printer_settings_are_checked():
    with pytest.raises(TypeError, match="unknown setting"):
        bptrace.to_html(MAZUR.forward(), colour=True)
    with pytest.raises(ValueError, match="lang must be one of en, zh"):
        bptrace.to_html(MAZUR.forward(), lang="fr")
    with pytest.raises(ValueError, match="digits"):
        bptrace.to_html(MAZUR.forward(), digits=0)


def test_every_language_has_every_word():
    from bptrace.printing.words import WORDS
    assert set(WORDS["zh"]) == set(WORDS["en"])
    for key, text in WORDS["zh"].items():
        slots = set(re.findall(r"{(\w+)}", text))
        assert slots == set(re.findall(r"{(\w+)}", WORDS["en"][key])), key


# ----- the page is well formed -------------------------------------------------------------
@pytest.mark.parametrize("which", ["page_en", "page_zh"])
def test_page_parses_and_every_math_fragment_is_xml(which, request):
    text = request.getfixturevalue(which)
    parse(text)
    fragments = MATH.findall(text)
    assert len(fragments) > 50
    for m in fragments:
        ET.fromstring(m)          # raises on a fragment that is not well-formed


def test_page_fetches_nothing_and_allows_only_its_own_script(page_en):
    from bptrace.printing.html_assets import CSS, JS, csp_hash
    doc = parse(page_en)
    assert len(doc.findall(".//script")) == 1
    assert doc.find(".//script").text == JS
    csp = doc.find(".//meta[@http-equiv='Content-Security-Policy']").get("content")
    assert f"script-src {csp_hash(JS)}" in csp and f"style-src {csp_hash(CSS)}" in csp
    assert csp.startswith("default-src 'none'")
    for el in doc.iter():
        for attr in ("src", "href", "{http://www.w3.org/1999/xlink}href"):
            assert el.get(attr) is None, (el.tag, attr, el.get(attr))
    assert "http://" not in re.sub(r'xmlns(:xlink)?="http://www\.w3\.org/[^"]*"', "", page_en)
    assert "https://" not in page_en


def test_page_has_the_article_s_parts_in_order(page_en):
    doc = parse(page_en)
    h2 = ["".join(h.itertext()) for h in doc.iter("h2")]
    assert h2 == ["The network", "Forward pass", "Backward pass: the gradients",
                  "One step of gradient descent", "Checked against torch"]
    svg = doc.find(".//aside//{http://www.w3.org/2000/svg}svg")
    assert svg.get("role") == "img" and "Mazur" in svg.get("aria-label")
    steps = doc.findall(".//li[@class]")
    assert sum("step" in li.get("class").split() for li in steps) == page_en.count('<li class="step')


def test_step_counts(page_en):
    # forward 11; w5: 1 path (factorisation, 3 factors, product) + δ (1 + gradient + agreement)
    # + proof = 9; w1: 2 paths × 7 + sum + δ (3 + gradient + agreement) + proof = 21;
    # update 10 + before/after; check 1
    assert page_en.count('<li class="step') == 11 + 9 + 21 + 11 + 1


# ----- the numbers are the trace's ----------------------------------------------------------
def _numbers(text):
    """(shown text, data-exact, data-f64) of every number in the page, in order."""
    doc = parse(text)
    out = []
    for el in doc.iter():
        if el.get("data-exact") is not None:
            out.append(("".join(el.itertext()), el.get("data-exact"), el.get("data-f64")))
    return out


def test_numbers_in_the_page_are_the_trace_s_and_torch_s(page_en):
    pytest.importorskip("torch", reason="the page's float64 values come from torch")
    theirs = {row.quantity: row.theirs for row in bptrace.check_torch(MAZUR).rows}
    nums = _numbers(page_en)
    grads = MAZUR.gradients()
    for name, key in [("out_o1", "out_o1"), ("E_total", "E_total")]:
        v = MAZUR.values[name]
        hits = [n for n in nums if n[1] == mpmath.nstr(v, 50, min_fixed=-6, max_fixed=50)]
        assert hits, name
        assert all(n[0] == fmt(v, 9) for n in hits)
        assert any(n[2] is not None and float(n[2]) == theirs[key] for n in hits)
    # the classic write-up's ∂E_total/∂w5 and ∂E_total/∂w1, with torch's value on hover
    for p, shown in [("w5", "0.0821670406"), ("w1", "0.000438567734")]:
        exact = mpmath.nstr(grads[p], 50, min_fixed=-6, max_fixed=50)
        hits = [n for n in nums if n[1] == exact and n[2] is not None]
        assert hits and hits[0][0] == shown
        assert float(hits[0][2]) == theirs[f"∂E_total/∂{p}"]
        assert abs(float(hits[0][2]) - float(grads[p])) <= 1e-15


def test_digits_setting_rounds_what_is_shown():
    text = bptrace.web_page(MAZUR, digits=4, wrt=["w5"], check=False, prove=False)
    nums = _numbers(text)
    assert ("0.7514", mpmath.nstr(MAZUR.values["out_o1"], 50, min_fixed=-6, max_fixed=50), None) in nums


# ----- hostile names -------------------------------------------------------------------------
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_network_name_is_text(name):
    net = bptrace.loads(hostile_spec(name))
    assert net.name == name
    text = bptrace.web_page(net, wrt=["w5"], check=False, prove=False)
    doc = parse(text)
    assert len(doc.findall(".//script")) == 1
    assert not doc.findall(".//img") and not doc.findall(".//b")
    assert doc.find(".//title").text.endswith(name)
    assert "".join(doc.find(".//p[@class='subtitle']").itertext()) == name
    for m in MATH.findall(text):
        ET.fromstring(m)


# ----- Chinese -------------------------------------------------------------------------------
def test_chinese_page_uses_the_course_s_terms(page_zh):
    doc = parse(page_zh)
    assert doc.get("lang") == "zh-CN"
    h2 = ["".join(h.itertext()) for h in doc.iter("h2")]
    assert h2 == ["网络结构", "前向传播", "反向传播：求梯度", "梯度下降：更新一步", "用 torch 验证"]
    for term in ("链式法则", "学习率", "权重", "偏置", "隐藏层", "输出层", "损失函数"):
        assert term in page_zh, term
    assert "Forward pass" not in page_zh and "chain rule" not in page_zh


# ----- determinism and the command line -----------------------------------------------------
def test_page_bytes_do_not_depend_on_the_hash_seed(tmp_path):
    outs = []
    for seed in ("1", "2"):
        path = tmp_path / f"p{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", "from bptrace.cli import main; main()", "html", "mazur", "--lang", "zh",
                        "--train", "20", "-o", str(path)], check=True, env=env, capture_output=True)
        outs.append(path.read_bytes())
    assert outs[0] == outs[1]


def test_cli_html_writes_a_page(tmp_path):
    out = tmp_path / "page.html"
    r = CliRunner().invoke(main, ["html", "mazur", "--wrt", "w5", "--no-check", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>\n<html lang=\"en\">")


def test_cli_html_unknown_parameter_is_one_line():
    r = CliRunner().invoke(main, ["html", "mazur", "--wrt", "w99"])
    assert r.exit_code == 2
    assert "no parameter 'w99'" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("args", [["forward", "mazur"], ["derive", "mazur", "--wrt", "w5"],
                                  ["update", "mazur"], ["train", "mazur", "--steps", "30", "--every", "10"],
                                  ["ema", "1", "2", "4", "--beta", "0.5"]])
def test_format_html_on_traced_commands(args):
    r = CliRunner().invoke(main, args + ["--format", "html", "--lang", "zh"])
    assert r.exit_code == 0, r.output
    parse(r.output)
    assert '<html lang="zh-CN">' in r.output
    for m in MATH.findall(r.output):
        ET.fromstring(m)


def test_lang_zh_is_refused_for_json_only():
    r = CliRunner().invoke(main, ["forward", "mazur", "--lang", "zh", "--format", "json"])
    assert r.exit_code == 2
    assert r.output == "Error: --lang zh: JSON has no words to translate; use --format text, html or latex\n"
    r = CliRunner().invoke(main, ["update", "mazur", "--lang", "zh"])
    assert r.exit_code == 0
    assert r.output.splitlines()[0] == "梯度下降，学习率 η = 0.5（所有梯度都在更新前的参数处计算；b1, b2 保持不变）"
    assert r.output.splitlines()[-1] == "  E_total：更新前 0.298371109，更新后 0.291027774"


def test_train_curve_is_inline_svg():
    t = MAZUR.train(100, every=10)
    text = bptrace.to_html(t)
    svg = re.search(r"<svg class=\"curve\".*?</svg>", text, re.S)[0]
    root = ET.fromstring(svg)
    assert root.find("{http://www.w3.org/2000/svg}title").text.startswith("The error E_total over 100 rounds")
    points = root.find("{http://www.w3.org/2000/svg}polyline").get("points").split()
    assert len(points) == len(t.losses)


# ----- Jupyter ---------------------------------------------------------------------------
def test_a_trace_and_its_torch_comparison_make_one_page():
    pytest.importorskip("torch")
    r = CliRunner().invoke(main, ["schedule", "step", "--lr", "0.1", "--gamma", "0.5", "--step-size", "10",
                                  "--epochs", "30", "--check", "--format", "html", "--lang", "zh"])
    assert r.exit_code == 0, r.output
    assert r.output.count("<!DOCTYPE html>") == 1
    parse(r.output)
    assert r.output.count('<section class="trace as-text">') == 2     # the schedule, then the check
