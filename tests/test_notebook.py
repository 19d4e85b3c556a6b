"""The notebook example runs headless (nbclient) and shows what a lecturer expects (issue 12).

Each output's MIME types are checked: a derivation offers one text/html bundle holding the
picture (inline SVG) and the maths; the torch check is an HTML table; a batch network,
whose _repr_svg_ offers nothing, shows its layers and samples; no cell output is an error.
"""
import importlib.util
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def outputs():
    spec = importlib.util.spec_from_file_location("make_notebook", ROOT / "examples" / "make_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    nb = module.execute(module.build())
    return {c.source: c.outputs for c in nb.cells if c.cell_type == "code"}


def data(outputs, source):
    (out,) = outputs[source]
    assert out.output_type == "execute_result"
    return out["data"]


def test_no_cell_raises(outputs):
    for source, outs in outputs.items():
        assert all(o.output_type != "error" for o in outs), source
        assert not any("Traceback" in str(o) for o in outs), source


def test_a_derivation_shows_its_picture_and_its_maths_together(outputs):
    d = data(outputs, 'net.derive("w1")')
    assert set(d) == {"text/html", "text/latex", "image/svg+xml", "text/plain"}
    html = d["text/html"]
    assert "<svg" in html and r"\begin{align*}" in html
    assert html.index("<svg") < html.index(r"\begin{align*}")


def test_a_network_shows_its_picture(outputs):
    d = data(outputs, 'import bptrace\nnet = bptrace.load("mazur")\nnet')
    assert "<svg" in d["text/html"] and "image/svg+xml" in d


def test_print_of_a_trace_is_the_text_trace(outputs):
    (out,) = outputs['print(net.derive("w5"))']
    assert out.output_type == "stream"
    assert out.text.startswith("∂E_total/∂w5 by the chain rule — 1 path from w5 to E_total\n")


def test_the_check_is_a_table(outputs):
    d = data(outputs, "net.check_torch()")
    assert set(d) == {"text/html", "text/plain"}
    assert '<table class="bptrace-check">' in d["text/html"] and "<td>∂E_total/∂w5</td>" in d["text/html"]
    assert d["text/plain"].startswith("bptrace (50 digits) against torch.autograd (float64)")


def test_a_batch_displays_its_layers_and_samples_and_never_raises(outputs):
    d = data(outputs, 'batch = bptrace.load("batch.toml")\nbatch')
    # a batch is one drawing (each node lists its samples' values): SVG and HTML
    assert set(d) == {"text/html", "image/svg+xml", "text/plain"}
    assert "<svg" in d["text/html"] and r"\text{sample 2 of 2}" in d["text/html"]
    d = data(outputs, 'batch.derive("w5")')                 # no picture: the maths alone
    assert "Sample 2 of 2" in d["text/html"] and "<svg" not in d["text/html"]


def test_check_report_str_is_the_cli_table(mazur):
    from click.testing import CliRunner
    from bptrace.cli import main
    report = mazur.check_torch()
    cli = CliRunner().invoke(main, ["check", "mazur"]).output
    assert str(report) + "\n" == cli and repr(report) == str(report)
