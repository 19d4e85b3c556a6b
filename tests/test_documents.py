"""Decks, articles and fragments for any network (issue 12): layout, batches, spec fidelity,
non-ASCII names, the gallery, pdflatex's log.

Documents are checked by compiling them (pdflatex; xelatex + ctex for Chinese) and reading
the log: no overfull box over 1 pt, the picture's scale keeps labels at 8 pt or more.
"""
import hashlib
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import mpmath
import pytest
from click.testing import CliRunner

import bptrace
from bptrace.cli import main
from bptrace.printing.latex_document import default_wrt, network_picture, to_article, to_slides

ROOT = Path(__file__).resolve().parent.parent
needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
needs_xelatex = pytest.mark.skipif(shutil.which("xelatex") is None,
                                   reason="xelatex is not installed (texlive-xetex texlive-lang-chinese)")


def _gallery():
    spec = importlib.util.spec_from_file_location("make_documents", ROOT / "docs" / "make_documents.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def compile_log(tmp_path, name: str, text: str) -> str:
    from bptrace.renderers.pdflatex import compile_pdf
    from bptrace.printing.latex_document import engine_of
    tex = tmp_path / f"{name}.tex"
    tex.write_text(text, encoding="utf-8")
    compile_pdf(tex, engine=engine_of(text))
    return tex.with_suffix(".log").read_text(errors="replace")


def overfull(log: str) -> list[float]:
    """Every overfull box's excess, in points."""
    return [float(x) for x in re.findall(r"Overfull \\[hv]box \(([\d.]+)pt too (?:wide|high)\)", log)]


def titles(deck: str) -> list[str]:
    return re.findall(r"\\frametitle\{(.*)\}", deck)


# ----- the deck's layout ---------------------------------------------------------------------
def test_update_frame_is_rule_then_table_then_error(mazur):
    deck = to_slides(mazur)
    frame = deck[deck.index("\\frametitle{The update}"):]
    frame = frame[:frame.index("\\end{frame}")]
    rule = frame.index(r"\[w^{+} = w - \eta \cdot \frac{\partial E_{\mathrm{total}}}{\partial w},\qquad \eta = 0.5\]")
    table = frame.index("\\begin{center}\\small\n\\begin{tabular}")
    error = frame.index("$E_{\\mathrm{total}}$: $0.298371109$ before the step, $0.291027774$ after.")
    assert rule < table < error


def test_a_long_update_table_is_split_over_titled_frames_never_a_subtitle():
    net = bptrace.load(str(ROOT / "examples" / "relu_ce.toml"))     # 35 parameters
    deck = to_slides(net)
    assert [t for t in titles(deck) if t.startswith("The update")] == [
        "The update (1 of 4)", "The update (2 of 4)", "The update (3 of 4)", "The update (4 of 4)"]
    assert not re.search(r"\\begin\{frame\}\{[^}]*\}\{", deck)        # no frame subtitle anywhere
    assert deck.count("\\begin{tabular}") == 4


def test_frame_titles_read_as_sentences_and_one_path_says_no_path_1(mazur):
    deck = to_slides(mazur)
    w1 = r"$\partial E_{\mathrm{total}}/\partial w_{1}$"
    assert f"{w1}: path 1 of 2, with the numbers" in titles(deck)
    assert r"$\partial E_{\mathrm{total}}/\partial w_{5}$, factorised" in titles(deck)
    assert "Path 1" not in deck and "path 1 of 1" not in deck


def test_wrt_chooses_the_derivation_frames(mazur):
    assert default_wrt(mazur) == ["w5", "w1"]
    deck = to_slides(mazur, wrt=["w6"])
    assert r"$\partial E_{\mathrm{total}}/\partial w_{6}$, factorised" in titles(deck)
    assert not any("w_{1}$" in t or "w_{5}$" in t for t in titles(deck))


def test_cli_slides_options(tmp_path):
    out = tmp_path / "d.tex"
    result = CliRunner().invoke(main, ["slides", "mazur", "-o", str(out), "--wrt", "w8", "--no-picture",
                                       "--author", "A. Lecturer & co", "--date", "1 May 2026"])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "\\author{A. Lecturer \\& co}" in text and "\\date{1 May 2026}" in text
    assert "tikzpicture" not in text and "w_{8}$, factorised" in text
    with_picture = CliRunner().invoke(main, ["slides", "mazur"])
    assert "\\begin{tikzpicture}" in with_picture.output


def test_cli_bad_wrt_names_the_file(tmp_path):
    result = CliRunner().invoke(main, ["slides", "examples/batch.toml", "--wrt", "w99"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: examples/batch.toml: --wrt: unknown parameter 'w99'")


# ----- the article ---------------------------------------------------------------------------
def test_article_has_real_headings_deltas_once_and_no_run_on_path(mazur):
    text = to_article(mazur)
    assert "\\subsection{$\\partial E_{\\mathrm{total}}/\\partial w_{5}$}" in text
    assert "\\subsection*{$\\frac" not in text
    assert "\\section{The deltas}\\label{sec:deltas}" in text
    # δ_o1 is derived (with its numbers) once, in the deltas section, and referred to after
    assert text.count(r"\delta_{o1} &= -\left(\mathrm{target}_{o1} - \mathrm{out}_{o1}\right)") == 1
    assert "with $\\delta_{o1}$ from Section~\\ref{sec:deltas}" in text
    assert "\\paragraph{Path 1 of 2} $w_{1} \\to" in text and "Path 1:" not in text


# ----- batches ----------------------------------------------------------------------------------
def test_batch_documents_show_each_sample_then_the_reduction():
    net = bptrace.load(str(ROOT / "examples" / "batch.toml"))
    deck = to_slides(net)
    t = titles(deck)
    assert "Forward pass: layer 1, sample 1 of 2" in t and "The error, sample 2 of 2" in t
    assert "The error: the batch" in t
    assert r"$\partial E_{1}/\partial w_{5}$, sample 1 of 2" in t
    assert r"$\partial E_{\mathrm{total}}/\partial w_{5}$: the batch" in t
    assert (r"\frac{\partial E_{\mathrm{total}}}{\partial w_{5}} &= \frac{1}{2}\left(\frac{\partial E_{1}}"
            r"{\partial w_{5}} + \frac{\partial E_{2}}{\partial w_{5}}\right)") in deck
    article = to_article(net, wrt=["w5"])
    assert "\\subsection{Sample 1 of 2}" in article and "\\paragraph{The batch}" in article
    # fragments and text work for batches too
    assert "Sample 2 of 2" in bptrace.to_latex(net.forward())
    assert "Batch gradient (mean over the 2 samples)" in bptrace.to_text(net.derive("w5"))


def test_batch_derive_names_each_sample_in_its_proof():
    result = CliRunner().invoke(main, ["derive", "examples/batch.toml", "--wrt", "w1"])
    lines = [l for l in result.output.splitlines() if l.startswith("Symbolic proof")]
    assert lines == [
        "Symbolic proof for w1, sample 1 of 2: Σ paths − sympy.diff(E_1 written out, w1) = 0  ✓ proven",
        "Symbolic proof for w1, sample 2 of 2: Σ paths − sympy.diff(E_2 written out, w1) = 0  ✓ proven"]


def test_from_torch_with_a_1xN_tensor_is_one_sample():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sigmoid(),
                                torch.nn.Linear(2, 1, bias=False), torch.nn.Sigmoid())
    net = bptrace.from_torch(model, torch.tensor([[0.5, 0.3]]), torch.tensor([[0.2]]))
    assert not net.batched and net.loss_name == "E_total"
    assert not any(".bias" in p for p in net.locations if p.startswith("2."))   # bias=False: none
    assert net.check_torch().ok
    assert "\\begin{document}" in to_slides(net) and "\\begin{document}" in to_article(net)


# ----- spec fidelity ----------------------------------------------------------------------------
def wufei():
    return bptrace.load(str(ROOT / "examples" / "wufei.toml"))


def test_wufei_error_and_every_gradient_against_an_independent_computation():
    net = wufei()
    assert list(net.locations) == ["w1", "w3", "w2", "w4", "w5", "w7", "w6", "w8"]   # no b1, b2
    assert f"{float(net.loss_value):.5f}" == "0.20971"
    mpmath.mp.dps = 50
    s = lambda x: 1 / (1 + mpmath.exp(-x))                     # noqa: E731
    m = mpmath.mpf
    x1, x2, y1, y2 = m("0.5"), m("0.3"), m("0.23"), m("-0.07")
    w = {k: m(v) for k, v in dict(w1="0.2", w2="-0.4", w3="0.5", w4="0.6",
                                  w5="0.1", w6="-0.5", w7="-0.3", w8="0.8").items()}
    # column-wise: w1 x1→h1, w2 x1→h2, w3 x2→h1, w4 x2→h2; w5 h1→o1, w6 h1→o2, w7 h2→o1, w8 h2→o2
    h1, h2 = s(w["w1"] * x1 + w["w3"] * x2), s(w["w2"] * x1 + w["w4"] * x2)
    o1, o2 = s(w["w5"] * h1 + w["w7"] * h2), s(w["w6"] * h1 + w["w8"] * h2)
    d1, d2 = (o1 - y1) * o1 * (1 - o1), (o2 - y2) * o2 * (1 - o2)
    e1 = (d1 * w["w5"] + d2 * w["w6"]) * h1 * (1 - h1)
    e2 = (d1 * w["w7"] + d2 * w["w8"]) * h2 * (1 - h2)
    exact = dict(w1=e1 * x1, w2=e2 * x1, w3=e1 * x2, w4=e2 * x2, w5=d1 * h1, w6=d2 * h1, w7=d1 * h2, w8=d2 * h2)
    grads = net.gradients()
    for name, value in exact.items():
        assert abs(grads[name] - value) < mpmath.mpf(10) ** -45, name
    assert abs(net.loss_value - ((y1 - o1) ** 2 + (y2 - o2) ** 2) / 2) < mpmath.mpf(10) ** -45
    assert mpmath.nstr(grads["w1"], 9) == "-0.00842148046"


def spec_error(tmp_path, text: str) -> str:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["forward", str(path)])
    assert result.exit_code == 2
    return result.output.strip().replace(str(path), "s.toml")


BASE = """inputs = [0.5, 0.3]
targets = [0.2]
[[layers]]
units = 2
weights = [[0.1, 0.2], [0.3, 0.4]]
bias = false
{extra}
[[layers]]
units = 1
weights = [[0.5, 0.6]]
"""


def test_weight_names_are_checked(tmp_path):
    assert spec_error(tmp_path, BASE.format(extra='weight_names = [["a", "b"], ["c", "a"]]')) == (
        "Error: s.toml: parameters: duplicate name 'a' (also used in parameters)")
    assert spec_error(tmp_path, BASE.format(extra='weight_names = [["a", "b"], ["c", "out_h1"]]')).startswith(
        "Error: s.toml: parameters: name 'out_h1' is reserved")
    assert spec_error(tmp_path, BASE.format(extra='weight_names = [["a", "b"]]')) == (
        "Error: s.toml: layers[0].weight_names: expected 2 rows (one per neuron), laid out like weights")
    assert spec_error(tmp_path, BASE.format(extra='weight_names = [["a", "b"], ["c", "d e"]]')).startswith(
        "Error: s.toml: layers[0].weight_names[1][1]: 'd e' is not a name")
    assert spec_error(tmp_path, BASE.format(extra='weight_names = [["a", "b"], ["c", "w5"]]')) == (
        "Error: s.toml: parameters: duplicate name 'w5' (also used in parameters)")


def test_bias_false_means_no_bias_parameter(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(BASE.format(extra=""), encoding="utf-8")
    net = bptrace.load(str(path))
    assert list(net.locations) == ["w1", "w2", "w3", "w4", "w5", "w6", "b1"]
    assert "b" not in "".join(n for n in net.names.biases[0])


# ----- non-ASCII names ---------------------------------------------------------------------
ZH = """name = "反向传播示例"
input_names = ["输入1", "输入2"]
inputs = [0.05, 0.10]
targets = [0.01, 0.99]
[[layers]]
units = 2
weights = [[0.15, 0.20], [0.25, 0.30]]
bias = 0.35
names = ["隐1", "隐2"]
[[layers]]
units = 2
weights = [[0.40, 0.45], [0.50, 0.55]]
bias = 0.60
"""


def test_chinese_names_in_text_json_and_latex(tmp_path):
    path = tmp_path / "zh.toml"
    path.write_text(ZH, encoding="utf-8")
    net = bptrace.load(str(path))
    assert "net_隐1 = w1·输入1 + w2·输入2 + b1" in bptrace.to_text(net.forward())
    assert '"network": "反向传播示例"' in bptrace.to_json(net.forward())
    deck = to_slides(net)
    assert deck.startswith("% !TEX program = xelatex\n") and "\\usepackage[UTF8,scheme=plain]{ctex}" in deck
    assert "\\subtitle{反向传播示例}" in deck and "U+" not in deck.replace(network_picture(net) or "", "")
    assert r"\mathrm{net}_{\text{隐1}}" in deck


@needs_xelatex
def test_chinese_deck_compiles_with_xelatex(tmp_path):
    path = tmp_path / "zh.toml"
    path.write_text(ZH, encoding="utf-8")
    result = CliRunner().invoke(main, ["slides", str(path), "-o", str(tmp_path / "zh.tex"), "--pdf"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "zh.pdf").exists() and (tmp_path / "zh.log").exists()


# ----- pdflatex --------------------------------------------------------------------------------
@needs_pdflatex
def test_a_failed_compile_keeps_the_log_and_says_where_the_tex_is(tmp_path):
    from bptrace.renderers.pdflatex import LatexFailed, compile_pdf
    tex = tmp_path / "broken.tex"
    tex.write_text("\\documentclass{article}\\begin{document}\\undefinedmacro\\end{document}\n")
    with pytest.raises(LatexFailed) as e:
        compile_pdf(tex)
    assert str(e.value) == (f"pdflatex failed on broken.tex: Undefined control sequence. l.1 "
                            f"(the .tex is at {tex}; the log at {tmp_path / 'broken.log'})")
    assert "Undefined control sequence" in (tmp_path / "broken.log").read_text()


# ----- the gallery ----------------------------------------------------------------------------
def test_gallery_is_current():
    gallery = _gallery()
    recorded = {}
    for line in (ROOT / "docs" / "gallery" / "documents.sha256").read_text().splitlines():
        digest, name = line.split()
        recorded[name] = digest
    assert gallery.digests() == recorded, "run python docs/make_documents.py"
    for name in gallery.NETWORKS:
        for png in [f"{name}-slide-{k}.png" for k in (1, 2, 3)] + [f"{name}-article.png"]:
            assert (ROOT / "docs" / "gallery" / png).read_bytes().startswith(b"\x89PNG"), png


@needs_pdflatex
def test_no_gallery_document_has_an_overfull_box_over_one_point(tmp_path):
    gallery = _gallery()
    scales = {}
    for name, spec in gallery.NETWORKS.items():
        for kind, text in gallery.documents(spec).items():
            log = compile_log(tmp_path, f"{name}-{kind}", text)
            assert [x for x in overfull(log) if x > 1] == [], f"{name} {kind}"
            found = re.findall(r"bptrace: picture scale ([\d.]+)\n(bptrace: picture left out)?", log)
            if kind == "slides" and found:
                scales[name] = (float(found[0][0]), not found[0][1])
    # edge labels are \footnotesize (9 pt in an 11 pt beamer): a picture shown keeps them at
    # 8 pt or more; a larger one is left out (the 4-4-3 picture). A plain frame lends the
    # picture the whole page, bar 3 mm a side: the classic picture is shown at 0.899
    assert all(scale * 9 >= 8 for scale, shown in scales.values() if shown), scales
    assert scales["classic"] == (0.89873, True)
    assert scales["tanh-bce"][1] and not scales["relu-ce"][1]


# ----- documents in Chinese ----------------------------------------------------------------------
def test_chinese_documents_words_and_engine(mazur):
    deck = to_slides(mazur, lang="zh")
    assert deck.startswith("% !TEX program = xelatex\n")
    t = titles(deck)
    assert t[:3] == ["网络", "记号", "前向传播：第 1 层"]
    assert r"$\partial E_{\mathrm{total}}/\partial w_{1}$: 路径 1/2, 代入数值" in t
    assert t[-1] == "参数更新"
    assert r"\right|_{\text{路径 1}}" in deck
    article = to_article(mazur, lang="zh")
    assert "\\section{各神经元的 $\\delta$}\\label{sec:deltas}" in article
    assert "（50 位精度下相差" in bptrace.to_latex(mazur.derive("w1"), lang="zh")
    # English is unchanged: its words come from the same table
    assert r"\right|_{\text{path 1}}" in to_slides(mazur)


@needs_xelatex
def test_chinese_deck_and_article_compile_without_overfull_boxes(tmp_path, mazur):
    for kind, text in (("deck", to_slides(mazur, lang="zh")), ("article", to_article(mazur, lang="zh"))):
        log = compile_log(tmp_path, kind, text)
        assert [x for x in overfull(log) if x > 1] == [], kind
        assert "Missing character" not in log, kind


def test_a_textbook_numbering_is_kept_in_the_update_table():
    deck = to_slides(wufei())
    table = deck[deck.index("\\begin{tabular}"):]
    assert re.findall(r"\$(w_\{\d\})\$ &", table) == [f"w_{{{k}}}" for k in range(1, 9)]
