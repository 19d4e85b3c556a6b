"""The LaTeX export: exact fragments, notation, escaping, determinism, and real compiles.

The exact strings below are the 2-2-2 example's forward pass, ∂E_total/∂w5 and
∂E_total/∂w1: a change of notation shows up here as a readable diff. The compile tests
run pdflatex (``-halt-on-error``) on the article and the deck and read the PDF and the
log; they skip when pdflatex is not installed (``.ci/run`` installs it).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import mpmath
import pytest
from click.testing import CliRunner

import bptrace
from bptrace.cli import main
from bptrace.model.numbers import fmt
from bptrace.printing.latex import LatexPrinter
from bptrace.printing.latex_lessons import to_latex
from bptrace.printing.latex_document import to_article, to_slides
from bptrace.printing.latex_expr import escape_text, number_latex, symbol_latex

needs_pdflatex = pytest.mark.skipif(
    shutil.which("pdflatex") is None,
    reason="pdflatex is not installed (apt-get install texlive-latex-base texlive-latex-recommended "
           "texlive-pictures texlive-fonts-recommended lmodern); .ci/run installs it")

FORWARD = r"""
Forward pass: Mazur's 2-2-2 example.
\begin{align*}
\mathrm{net}_{h1} &= w_{1} \cdot i_{1} + w_{2} \cdot i_{2} + b_{1} \\
&= 0.15 \cdot 0.05 + 0.2 \cdot 0.1 + 0.35 \\
&= 0.3775 \\
\mathrm{out}_{h1} &= \sigma(\mathrm{net}_{h1}) \\
&= \sigma(0.3775) \\
&= 0.593269992 \\
\mathrm{net}_{h2} &= w_{3} \cdot i_{1} + w_{4} \cdot i_{2} + b_{1} \\
&= 0.25 \cdot 0.05 + 0.3 \cdot 0.1 + 0.35 \\
&= 0.3925 \\
\mathrm{out}_{h2} &= \sigma(\mathrm{net}_{h2}) \\
&= \sigma(0.3925) \\
&= 0.596884378 \\
\mathrm{net}_{o1} &= w_{5} \cdot \mathrm{out}_{h1} + w_{6} \cdot \mathrm{out}_{h2} + b_{2} \\
&= 0.4 \cdot 0.593269992 + 0.45 \cdot 0.596884378 + 0.6 \\
&= 1.105905967 \\
\mathrm{out}_{o1} &= \sigma(\mathrm{net}_{o1}) \\
&= \sigma(1.105905967) \\
&= 0.75136507 \\
\mathrm{net}_{o2} &= w_{7} \cdot \mathrm{out}_{h1} + w_{8} \cdot \mathrm{out}_{h2} + b_{2} \\
&= 0.5 \cdot 0.593269992 + 0.55 \cdot 0.596884378 + 0.6 \\
&= 1.224921404 \\
\mathrm{out}_{o2} &= \sigma(\mathrm{net}_{o2}) \\
&= \sigma(1.224921404) \\
&= 0.772928465 \\
E_{o1} &= \frac{1}{2}\left(\mathrm{target}_{o1} - \mathrm{out}_{o1}\right)^{2} \\
&= \frac{1}{2}\left(0.01 - 0.75136507\right)^{2} \\
&= 0.274811083 \\
E_{o2} &= \frac{1}{2}\left(\mathrm{target}_{o2} - \mathrm{out}_{o2}\right)^{2} \\
&= \frac{1}{2}\left(0.99 - 0.772928465\right)^{2} \\
&= 0.023560026 \\
E_{\mathrm{total}} &= E_{o1} + E_{o2} \\
&= 0.274811083 + 0.023560026 \\
&= 0.298371109
\end{align*}
"""[1:]

W5 = r"""
$\frac{\partial E_{\mathrm{total}}}{\partial w_{5}}$ by the chain rule: 1 path from $w_{5}$ to $E_{\mathrm{total}}$.
\begin{align*}
\frac{\partial E_{\mathrm{total}}}{\partial w_{5}} &= \frac{\partial E_{\mathrm{total}}}{\partial \mathrm{out}_{o1}} \cdot \frac{\partial \mathrm{out}_{o1}}{\partial \mathrm{net}_{o1}} \cdot \frac{\partial \mathrm{net}_{o1}}{\partial w_{5}} \\
\frac{\partial E_{\mathrm{total}}}{\partial \mathrm{out}_{o1}} &= -\left(\mathrm{target}_{o1} - \mathrm{out}_{o1}\right) = -\left(0.01 - 0.75136507\right) = 0.74136507 \\
\frac{\partial \mathrm{out}_{o1}}{\partial \mathrm{net}_{o1}} &= \mathrm{out}_{o1} \cdot \left(1 - \mathrm{out}_{o1}\right) = 0.75136507 \cdot \left(1 - 0.75136507\right) = 0.186815602 \\
\frac{\partial \mathrm{net}_{o1}}{\partial w_{5}} &= \mathrm{out}_{h1} = 0.593269992 \\
\frac{\partial E_{\mathrm{total}}}{\partial w_{5}} &= 0.74136507 \cdot 0.186815602 \cdot 0.593269992 = 0.082167041
\end{align*}
Delta form ($\delta = \partial E_{\mathrm{total}} / \partial \mathrm{net}$):
\begin{align*}
\delta_{o1} &= -\left(\mathrm{target}_{o1} - \mathrm{out}_{o1}\right) \cdot \mathrm{out}_{o1} \cdot \left(1 - \mathrm{out}_{o1}\right) \\
&= -\left(0.01 - 0.75136507\right) \cdot 0.75136507 \cdot \left(1 - 0.75136507\right) \\
&= 0.138498562 \\
\frac{\partial E_{\mathrm{total}}}{\partial w_{5}} &= \delta_{o1} \cdot \mathrm{out}_{h1} \\
&= 0.138498562 \cdot 0.593269992 \\
&= 0.082167041
\end{align*}
The path sum and the delta form agree (difference $0$ at 50 digits).
"""[1:]

W1 = r"""
$\frac{\partial E_{\mathrm{total}}}{\partial w_{1}}$ by the chain rule: 2 paths from $w_{1}$ to $E_{\mathrm{total}}$.
Path 1: $w_{1} \to \mathrm{net}_{h1} \to \mathrm{out}_{h1} \to \mathrm{net}_{o1} \to \mathrm{out}_{o1} \to E_{\mathrm{total}}$
\begin{align*}
\left.\frac{\partial E_{\mathrm{total}}}{\partial w_{1}}\right|_{\text{path 1}} &= \frac{\partial E_{\mathrm{total}}}{\partial \mathrm{out}_{o1}} \cdot \frac{\partial \mathrm{out}_{o1}}{\partial \mathrm{net}_{o1}} \cdot \frac{\partial \mathrm{net}_{o1}}{\partial \mathrm{out}_{h1}} \cdot \frac{\partial \mathrm{out}_{h1}}{\partial \mathrm{net}_{h1}} \cdot \frac{\partial \mathrm{net}_{h1}}{\partial w_{1}} \\
\frac{\partial E_{\mathrm{total}}}{\partial \mathrm{out}_{o1}} &= -\left(\mathrm{target}_{o1} - \mathrm{out}_{o1}\right) = -\left(0.01 - 0.75136507\right) = 0.74136507 \\
\frac{\partial \mathrm{out}_{o1}}{\partial \mathrm{net}_{o1}} &= \mathrm{out}_{o1} \cdot \left(1 - \mathrm{out}_{o1}\right) = 0.75136507 \cdot \left(1 - 0.75136507\right) = 0.186815602 \\
\frac{\partial \mathrm{net}_{o1}}{\partial \mathrm{out}_{h1}} &= w_{5} = 0.4 \\
\frac{\partial \mathrm{out}_{h1}}{\partial \mathrm{net}_{h1}} &= \mathrm{out}_{h1} \cdot \left(1 - \mathrm{out}_{h1}\right) = 0.593269992 \cdot \left(1 - 0.593269992\right) = 0.241300709 \\
\frac{\partial \mathrm{net}_{h1}}{\partial w_{1}} &= i_{1} = 0.05 \\
\left.\frac{\partial E_{\mathrm{total}}}{\partial w_{1}}\right|_{\text{path 1}} &= 0.74136507 \cdot 0.186815602 \cdot 0.4 \cdot 0.241300709 \cdot 0.05 = 0.000668396021
\end{align*}
Path 2: $w_{1} \to \mathrm{net}_{h1} \to \mathrm{out}_{h1} \to \mathrm{net}_{o2} \to \mathrm{out}_{o2} \to E_{\mathrm{total}}$
\begin{align*}
\left.\frac{\partial E_{\mathrm{total}}}{\partial w_{1}}\right|_{\text{path 2}} &= \frac{\partial E_{\mathrm{total}}}{\partial \mathrm{out}_{o2}} \cdot \frac{\partial \mathrm{out}_{o2}}{\partial \mathrm{net}_{o2}} \cdot \frac{\partial \mathrm{net}_{o2}}{\partial \mathrm{out}_{h1}} \cdot \frac{\partial \mathrm{out}_{h1}}{\partial \mathrm{net}_{h1}} \cdot \frac{\partial \mathrm{net}_{h1}}{\partial w_{1}} \\
\frac{\partial E_{\mathrm{total}}}{\partial \mathrm{out}_{o2}} &= -\left(\mathrm{target}_{o2} - \mathrm{out}_{o2}\right) = -\left(0.99 - 0.772928465\right) = -0.217071535 \\
\frac{\partial \mathrm{out}_{o2}}{\partial \mathrm{net}_{o2}} &= \mathrm{out}_{o2} \cdot \left(1 - \mathrm{out}_{o2}\right) = 0.772928465 \cdot \left(1 - 0.772928465\right) = 0.175510053 \\
\frac{\partial \mathrm{net}_{o2}}{\partial \mathrm{out}_{h1}} &= w_{7} = 0.5 \\
\frac{\partial \mathrm{out}_{h1}}{\partial \mathrm{net}_{h1}} &= \mathrm{out}_{h1} \cdot \left(1 - \mathrm{out}_{h1}\right) = 0.593269992 \cdot \left(1 - 0.593269992\right) = 0.241300709 \\
\frac{\partial \mathrm{net}_{h1}}{\partial w_{1}} &= i_{1} = 0.05 \\
\left.\frac{\partial E_{\mathrm{total}}}{\partial w_{1}}\right|_{\text{path 2}} &= (-0.217071535) \cdot 0.175510053 \cdot 0.5 \cdot 0.241300709 \cdot 0.05 = -0.000229828287
\end{align*}
Sum over the 2 paths:
\begin{align*}
\frac{\partial E_{\mathrm{total}}}{\partial w_{1}} &= 0.000668396021 + (-0.000229828287) = 0.000438567734
\end{align*}
Delta form ($\delta = \partial E_{\mathrm{total}} / \partial \mathrm{net}$):
\begin{align*}
\delta_{o1} &= -\left(\mathrm{target}_{o1} - \mathrm{out}_{o1}\right) \cdot \mathrm{out}_{o1} \cdot \left(1 - \mathrm{out}_{o1}\right) \\
&= -\left(0.01 - 0.75136507\right) \cdot 0.75136507 \cdot \left(1 - 0.75136507\right) \\
&= 0.138498562 \\
\delta_{o2} &= -\left(\mathrm{target}_{o2} - \mathrm{out}_{o2}\right) \cdot \mathrm{out}_{o2} \cdot \left(1 - \mathrm{out}_{o2}\right) \\
&= -\left(0.99 - 0.772928465\right) \cdot 0.772928465 \cdot \left(1 - 0.772928465\right) \\
&= -0.0380982365 \\
\delta_{h1} &= \left(\delta_{o1} \cdot w_{5} + \delta_{o2} \cdot w_{7}\right) \cdot \mathrm{out}_{h1} \cdot \left(1 - \mathrm{out}_{h1}\right) \\
&= \left(0.138498562 \cdot 0.4 + (-0.0380982365) \cdot 0.5\right) \cdot 0.593269992 \cdot \left(1 - 0.593269992\right) \\
&= 0.00877135469 \\
\frac{\partial E_{\mathrm{total}}}{\partial w_{1}} &= \delta_{h1} \cdot i_{1} \\
&= 0.00877135469 \cdot 0.05 \\
&= 0.000438567734
\end{align*}
The path sum and the delta form agree (difference $0$ at 50 digits).
"""[1:]


# ----- exact fragments -------------------------------------------------------------------------
def test_forward_fragment_exact(mazur):
    assert to_latex(mazur.forward(), decimals=9) + "\n" == FORWARD


def test_w5_fragment_exact(mazur):
    assert to_latex(mazur.derive("w5"), decimals=9) + "\n" == W5


def test_w1_fragment_exact_every_path_and_the_sum(mazur):
    assert to_latex(mazur.derive("w1")) + "\n" == W1


def test_published_figures_in_the_fragments():
    # the classic write-up's figures, at its 9 places, as they appear in the LaTeX
    assert r"&= 0.74136507 \cdot 0.186815602 \cdot 0.593269992 = 0.082167041" in W5
    assert r"&= 0.000668396021 + (-0.000229828287) = 0.000438567734" in W1
    assert r"&= 0.593269992" in FORWARD and r"&= 0.298371109" in FORWARD


def test_numbers_in_the_update_fragment_match_torch(mazur):
    pytest.importorskip("torch", reason="torch is the oracle; install the test extras")
    from bptrace.oracle.check import torch_values
    theirs = torch_values(mazur)
    text = to_latex(mazur.step())
    rows = re.findall(r"\{(\w)_\{(\d+)\}\}\^\{\+\} &= .*? = ([-0-9.]+) - ([-0-9.]+) \\cdot \(?([-0-9.]+)\)? = ([-0-9.]+)", text)
    assert len(rows) == 8                   # w1…w8; b1, b2 are kept fixed in the example
    eta = 0.5
    for letter, k, old, lr, grad, new in rows:
        g = theirs[f"grad:{letter}{k}"]
        assert grad == fmt(mpmath.mpf(g)), (f"{letter}{k}", grad, g)
        assert lr == "0.5"
        assert new == fmt(mpmath.mpf(float(old) - eta * g)), (f"{letter}{k}", new)


def test_forward_values_match_torch(mazur):
    pytest.importorskip("torch", reason="torch is the oracle; install the test extras")
    from bptrace.oracle.check import torch_values
    theirs = torch_values(mazur)
    text = to_latex(mazur.forward())
    for name in ("net_h1", "out_h1", "net_o2", "out_o2", "E_total"):
        block = text.split(symbol_latex(name) + " &= ", 1)[1].split(r"\end{align*}")[0]
        last = block.split(" \\\\\n")[2].strip()     # lhs = formula, = numbers, = value
        assert last == f"&= {fmt(mpmath.mpf(theirs[name]))}", (name, last)


# ----- notation ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name, latex", [
    ("w5", "w_{5}"), ("b1", "b_{1}"), ("i2", "i_{2}"), ("eta", r"\eta"),
    ("net_h1", r"\mathrm{net}_{h1}"), ("out_o1", r"\mathrm{out}_{o1}"),
    ("target_o2", r"\mathrm{target}_{o2}"), ("delta_o1", r"\delta_{o1}"),
    ("E_total", r"E_{\mathrm{total}}"), ("E_o1", "E_{o1}"), ("out_h1_2", r"\mathrm{out}_{h1,2}"),
    ("w2_1_2", "w^{(2)}_{12}"), ("w3_10_2", "w^{(3)}_{10,2}"), ("b2_1", "b^{(2)}_{1}"),
    ("bias", r"\mathrm{bias}"), ("x", "x"),
    ("linear1.weight[0,1]", r"\text{linear1.weight[0,1]}"),
    ("out_lin#1", r"\mathrm{out}_{\text{lin\#1}}"),
])
def test_symbol_notation(name, latex):
    assert symbol_latex(name) == latex


def test_sigma_prime_tanh_relu_and_half_square():
    import sympy
    from bptrace.model.activations import ACTIVATIONS, sigmoid
    from bptrace.model.loss_table import LOSSES
    from bptrace.printing.latex_expr import formula_latex
    x, o, t = sympy.Symbol("net_h1"), sympy.Symbol("out_h1"), sympy.Symbol("target_o1")
    assert formula_latex(sympy.Derivative(sigmoid(x), x)) == r"\sigma'(\mathrm{net}_{h1})"
    assert formula_latex(ACTIVATIONS["relu"].derivative(x, o)) == r"\mathrm{ReLU}'(\mathrm{net}_{h1})"
    assert formula_latex(ACTIVATIONS["tanh"].derivative(x, o)) == r"1 - \mathrm{out}_{h1}^{2}"
    assert (formula_latex(LOSSES["half_sse"].term(t, o))
            == r"\frac{1}{2}\left(\mathrm{target}_{o1} - \mathrm{out}_{h1}\right)^{2}")


def test_numbers_in_scientific_notation():
    assert number_latex("8.65397947e-5") == r"8.65397947 \cdot 10^{-5}"
    assert number_latex("-1.5e+20") == r"-1.5 \cdot 10^{20}"
    assert number_latex("0.3775") == "0.3775"


def test_settings_are_declared_and_checked(mazur):
    d = mazur.derive("w1")
    with pytest.raises(TypeError, match="unknown setting"):
        to_latex(d, colour=True)
    with pytest.raises(ValueError, match="style must be one of leibniz, delta"):
        to_latex(d, style="board")
    with pytest.raises(ValueError, match="lang must be one of en, zh, got 'fr'"):
        to_latex(d, lang="fr")
    with pytest.raises(ValueError, match="digits"):
        to_latex(d, digits=0)
    compact = to_latex(d, style="delta")
    assert "Path 1" not in compact and r"\delta_{h1} &=" in compact
    assert to_latex(d, digits=3).count("0.000439") == 2   # path sum and delta form


def test_public_api_and_jupyter(mazur):
    d = mazur.derive("w5")
    assert bptrace.to_latex(d) == to_latex(d) == d._repr_latex_()
    assert mazur.forward()._repr_latex_().startswith("Forward pass:")
    assert mazur.prove("w5")._repr_latex_().endswith("$= 0$: proven.")


def test_proof_and_training_fragments(mazur):
    text = to_latex(mazur.train(100, every=50))
    assert "\\begin{array}{rl}" in text and "100 & " in text


def test_objects_without_a_latex_form_fail_clearly():
    from bptrace.printing.latex import NoLatexForm
    with pytest.raises(NoLatexForm, match="no LaTeX form for dict"):
        to_latex({})


# ----- escaping ----------------------------------------------------------------------------------
HOSTILE = r"50% of A&B #1 {x} $y$ ^z ~w \end{document} _u σ"


def test_escape_text_covers_every_special_character():
    assert escape_text(HOSTILE) == (
        r"50\% of A\&B \#1 \{x\} \$y\$ \textasciicircum{}z \textasciitilde{}w "
        r"\textbackslash{}end\{document\} \_u \ensuremath{\sigma}")


def hostile_network():
    return bptrace.Network(
        [0.05, 0.10], [0.01, 0.99],
        [bptrace.Layer(2, "sigmoid", [[0.15, 0.20], [0.25, 0.30]], 0.35),
         bptrace.Layer(2, "sigmoid", [[0.40, 0.45], [0.50, 0.55]], 0.60)],
        name=HOSTILE, input_names=["x_{0}", "in#1"],
        neuron_names=[["h%1", "h&2"], ["o\\1", "o^~$"]], update_biases=False)


def test_hostile_names_are_escaped_in_fragments():
    net = hostile_network()
    text = to_latex([net.forward(), net.derive("w1")])
    assert r"\mathrm{out}_{\text{h\%1}}" in text
    assert r"\text{x\_\{0\}}" in text and r"\text{in\#1}" in text
    assert r"\mathrm{net}_{\text{o\textbackslash{}1}}" in text
    assert r"\mathrm{out}_{\text{o\textasciicircum{}\textasciitilde{}\$}}" in text
    assert "\\end{document}" not in text


# ----- documents ---------------------------------------------------------------------------------
def test_documents_are_byte_identical_across_runs_and_hash_seeds(tmp_path):
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        for cmd in ("latex", "slides"):
            done = subprocess.run([sys.executable, "-c", "from bptrace.cli import main; main()", cmd, "mazur"],
                                  capture_output=True, env=env, check=True)
            outs.append(done.stdout)
    assert outs[0] == outs[2] and outs[1] == outs[3]
    assert outs[0].startswith(b"% !TEX program = pdflatex\n\\documentclass[11pt,a4paper]{article}")
    assert outs[1].startswith(b"% !TEX program = pdflatex\n\\documentclass[aspectratio=169]{beamer}")


def test_deck_has_one_idea_per_frame(mazur):
    deck = to_slides(mazur)
    titles = re.findall(r"\\frametitle\{(.*)\}", deck)
    w5 = r"$\partial E_{\mathrm{total}}/\partial w_{5}$"
    w1 = r"$\partial E_{\mathrm{total}}/\partial w_{1}$"
    assert titles == [
        "The network", "Notation", "Forward pass: layer 1", "Forward pass: layer 2", "The error",
        f"{w5}, factorised", f"{w5}, with the numbers", f"{w5}: delta form",
        f"{w1}: path 1 of 2, factorised", f"{w1}: path 1 of 2, with the numbers",
        f"{w1}: path 2 of 2, factorised", f"{w1}: path 2 of 2, with the numbers",
        f"{w1}: sum over the 2 paths", f"{w1}: delta form (1 of 2)", f"{w1}: delta form (2 of 2)",
        "The update"]
    assert "\\pause" not in deck
    assert deck.count("\\pause") < to_slides(mazur, pause=True).count("\\pause")


def test_picture_hook(mazur):
    deck = to_slides(mazur, picture=lambda net: "\\begin{tikzpicture}\\node{%d};\\end{tikzpicture}"
                     % len(net.layers))
    assert "\\usepackage{tikz}" in deck and "\\node{2};" in deck
    assert "\\usepackage{tikz}" not in to_slides(mazur)
    with pytest.raises(ValueError, match="picture must be None or a callable"):
        to_article(mazur, picture="net.png")


# ----- the CLI -----------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [["forward", "mazur"], ["derive", "mazur", "--wrt", "w1"],
                                  ["update", "mazur"], ["train", "mazur", "--steps", "10"]])
def test_format_latex_on_traced_commands(args):
    result = CliRunner().invoke(main, args + ["--format", "latex"])
    assert result.exit_code == 0, result.output
    assert "\\begin{align*}" in result.output or "\\begin{array}" in result.output
    assert "\x1b[" not in result.output


def test_format_latex_on_derive_matches_the_printer(mazur):
    result = CliRunner().invoke(main, ["derive", "mazur", "--wrt", "w5", "--no-prove",
                                       "--format", "latex", "--decimals", "9"])
    assert result.output == W5


def test_latex_and_slides_write_files(tmp_path):
    out = tmp_path / "notes.tex"
    result = CliRunner().invoke(main, ["latex", "mazur", "-o", str(out)])
    assert result.exit_code == 0 and result.output == f"wrote {out}\n"
    assert out.read_text().endswith("\\end{document}\n")


def test_pdf_needs_an_output_file():
    result = CliRunner().invoke(main, ["slides", "mazur", "--pdf"])
    assert result.exit_code == 2 and "--pdf needs -o FILE.tex" in result.output


def test_pdf_without_pdflatex_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    result = CliRunner().invoke(main, ["slides", "mazur", "-o", str(tmp_path / "d.tex"), "--pdf"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        f"Error: wrote {tmp_path / 'd.tex'}, but --pdf needs pdflatex, which is not installed "
        "(Debian/Ubuntu: apt-get install "
        "texlive-latex-base texlive-latex-recommended texlive-pictures texlive-fonts-recommended lmodern)")


# ----- real compiles -----------------------------------------------------------------------------
def compile_tex(tmp_path, name: str, text: str):
    """pdflatex twice in ``tmp_path``; returns (page count, log text)."""
    (tmp_path / f"{name}.tex").write_text(text, encoding="utf-8")
    for _ in range(2):
        engine = "xelatex" if text.startswith("% !TEX program = xelatex") else "pdflatex"
        done = subprocess.run([engine, "-halt-on-error", "-interaction=nonstopmode", f"{name}.tex"],
                              cwd=tmp_path, capture_output=True, timeout=120)
        log = (tmp_path / f"{name}.log").read_text(errors="replace")
        assert done.returncode == 0, log[-3000:]
    pdf = tmp_path / f"{name}.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    # pdfTeX states the page count in its log; poppler's pdfinfo reads it from the PDF
    pages = int(re.search(r"Output written on \S+ \((\d+) pages?", log).group(1))
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert f"Pages:           {pages}\n" in info
    return pages, log


def overfull(log: str, tolerance_pt: float = 1.0) -> list[str]:
    """Overfull boxes wider/taller than the tolerance, as the log states them."""
    return [m.group(0) for m in re.finditer(r"Overfull \\[hv]box \(([0-9.]+)pt too (wide|high)\).*", log)
            if float(m.group(1)) > tolerance_pt]


@needs_pdflatex
def test_article_compiles(tmp_path, mazur):
    pages, log = compile_tex(tmp_path, "notes", to_article(mazur))
    assert pages == 12
    assert overfull(log) == []
    assert "bptrace: block scaled" not in log       # every block at natural size


@needs_pdflatex
def test_deck_compiles_and_no_frame_overflows(tmp_path, mazur):
    pages, log = compile_tex(tmp_path, "deck", to_slides(mazur))
    assert pages == 17                               # the title and 16 frames
    assert overfull(log) == []                       # beamer reports a too-tall frame as \vbox
    assert "bptrace: block scaled" not in log


@needs_pdflatex
def test_deck_with_pauses_compiles(tmp_path, mazur):
    deck = to_slides(mazur, pause=True, aspect="43")
    pages, log = compile_tex(tmp_path, "paused", deck)
    assert pages > 17 * 3
    assert overfull(log) == []


@needs_pdflatex
def test_hostile_names_compile(tmp_path):
    net = hostile_network()
    pages, log = compile_tex(tmp_path, "hostile", to_article(net))
    assert pages > 1
    pages, log = compile_tex(tmp_path, "hostile_deck", to_slides(net))
    assert pages == 17
    # and a spec file's free-text name, through the CLI and --pdf
    spec = tmp_path / "net.toml"
    mazur_toml = os.path.join(os.path.dirname(bptrace.__file__), "model", "builtin", "mazur.toml")
    with open(mazur_toml, encoding="utf-8") as fh:
        text = fh.read()
    spec.write_text(text.replace("name = ", 'name = "100% {odd} #name & \\\\ ~ ^ $ _"\n# ', 1))
    out = tmp_path / "spec.tex"
    result = CliRunner().invoke(main, ["slides", str(spec), "-o", str(out), "--pdf"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "spec.pdf").exists()
    assert r"100\% \{odd\} \#name \& \textbackslash{} \textasciitilde{} \textasciicircum{} \$ \_" in out.read_text()


@needs_pdflatex
def test_network_picture_from_the_graphviz_printer_compiles(tmp_path):
    out = tmp_path / "pic.tex"
    result = CliRunner().invoke(main, ["slides", "mazur", "--picture", "-o", str(out)])
    assert result.exit_code == 0, result.output
    pages, log = compile_tex(tmp_path, "pic", out.read_text())
    assert pages == 18                                # the picture has a frame of its own
    assert overfull(log) == []
