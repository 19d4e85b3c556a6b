"""The matrix form (BP1–BP4): the classic example's matrices to the published digits,
every entry equal to the scalar derivation (numerically and symbolically), random
networks and batches against torch float64, the printers byte for byte, the CLI, and
the LaTeX compiled with pdflatex."""
from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys

import mpmath
import numpy as np
import pytest
from click.testing import CliRunner

import bptrace
from bptrace import Layer, Network
from bptrace.calculus.matrix import build, float64_matrices, matrix_form
from bptrace.calculus.matrix_trace import Leaf
from bptrace.cli import main
from bptrace.model.numbers import fmt
from bptrace.printing.latex_document import to_article, to_slides
from bptrace.printing.matrix_text import MAX_SHOWN
from conftest import assert_close, published

torch = pytest.importorskip("torch")
from bptrace.oracle.matrix_torch import check_against_torch, torch_deltas_and_gradients  # noqa: E402

needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None,
                                    reason="pdflatex is not installed (apt-get install texlive-latex-base "
                                           "texlive-latex-recommended texlive-fonts-recommended lmodern)")


def column(A):
    return [A[i, 0] for i in range(A.shape[0])]


# ----- the classic example, exactly ----------------------------------------------------------------
def test_classic_forward_is_exact(mazur):
    arrays = build(mazur, "forward").arrays
    # 0.15·0.05 + 0.2·0.1 + 0.35 is exactly 0.3775: equal to the 50 working digits
    for v, exact in zip(column(arrays[("z", 1)]), ["0.3775", "0.3925"]):
        assert fmt(v) == exact and abs(v - mpmath.mpf(exact)) < mpmath.mpf(10) ** -48
    assert [fmt(v) for v in column(arrays[("a", 1)])] == ["0.593269992", "0.596884378"]
    assert [fmt(v) for v in column(arrays[("a", 2)])] == ["0.75136507", "0.772928465"]


def test_classic_deltas_and_gradients(mazur):
    arrays = build(mazur, "update").arrays
    assert [fmt(v) for v in column(arrays[("delta", 2)])] == ["0.138498562", "-0.0380982365"]
    dW2 = arrays[("dW", 2)]
    assert [[fmt(v) for v in row] for row in dW2] == [["0.0821670406", "0.0826676278"],
                                                       ["-0.0226025405", "-0.0227402422"]]
    # the write-up's hidden-layer gradients, at its 9 places
    dW1 = arrays[("dW", 1)]
    for v, figure in zip([dW1[0, 0], dW1[0, 1], dW1[1, 0], dW1[1, 1]],
                         ["0.000438568", "0.000877135", "0.000497713", "0.000995425"]):
        assert published(v, figure)
    # and its updated weights w5⁺…w8⁺, w1⁺…w4⁺
    W2, W1 = arrays[("Wnew", 2)], arrays[("Wnew", 1)]
    for v, figure in zip([W2[0, 0], W2[0, 1], W2[1, 0], W2[1, 1]],
                         ["0.35891648", "0.408666186", "0.51130127", "0.561370121"]):
        assert published(v, figure)
    for v, figure in zip([W1[0, 0], W1[0, 1], W1[1, 0], W1[1, 1]],
                         ["0.149780716", "0.19956143", "0.24975114", "0.29950229"]):
        assert published(v, figure)
    assert ("bnew", 1) not in arrays           # update_biases = false in the classic example


def test_shared_bias_gradient_is_the_sum_of_the_deltas(mazur):
    """𝟙ᵀδ: one number, the sum over the neurons that share the bias (not δ itself)."""
    arrays = build(mazur).arrays
    db2 = arrays[("db", 2)]
    assert db2.shape == (1, 1)
    assert db2[0, 0] == arrays[("delta", 2)][0, 0] + arrays[("delta", 2)][1, 0]
    assert fmt(db2[0, 0]) == "0.100400325"
    assert abs(db2[0, 0] - mazur.gradients()["b2"]) < mpmath.mpf(10) ** -45


def test_bp2_needs_the_transpose(mazur):
    """W² is not symmetric: W² δ² instead of (W²)ᵀ δ² gives a different δ¹."""
    arrays = build(mazur).arrays
    W2, d2, d1 = arrays[("W", 2)], arrays[("delta", 2)], arrays[("delta", 1)]
    a1 = arrays[("a", 1)]
    wrong = (W2 @ d2) * a1 * (1 - a1)
    assert fmt(d1[0, 0]) == "0.00877135469"
    assert fmt(wrong[0, 0]) != fmt(d1[0, 0])


def test_every_entry_equals_the_scalar_derivation_and_is_proven(mazur):
    trace = matrix_form(mazur, "backward")
    assert len(trace.checks) == 24       # z, a, δ: 3 × 4 entries; ∇ₐE: 2; ∂E/∂W: 8; ∂E/∂b: 2
    assert trace.max_difference == 0     # the same operations, in the same order
    assert trace.proven and len(trace.proofs) == 16
    p = next(p for p in trace.proofs if p.scalar == "delta_h1")
    assert str(p.matrix_formula) == "out_h1*(1 - out_h1)*(delta_o1*w5 + delta_o2*w7)"


def test_a_wrong_rule_is_not_proven(mazur, monkeypatch):
    """The proof has teeth: BP2 with W instead of Wᵀ leaves a non-zero difference."""
    import bptrace.calculus.matrix as m
    original = m._Builder.leaf

    def no_transpose(self, kind, layer, value, transposed=False, func=""):
        return original(self, kind, layer, value, transposed and kind != "W", func)
    monkeypatch.setattr(m._Builder, "leaf", no_transpose)
    from bptrace.calculus.matrix_check import entry_proofs
    proofs = entry_proofs(mazur, m.build(mazur).steps)
    assert not all(p.proven for p in proofs if p.kind == "delta" and p.layer == 1)


# ----- batches, dropout, cross-entropy, against torch ----------------------------------------------
W1, W2 = [[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]


def batch_network(reduction="mean"):
    return Network([[0.05, 0.1], [0.3, -0.2], [1, 2]], [[0.01, 0.99], [0.5, 0.5], [1, 0]],
                   [Layer(2, "tanh", W1, [0.1, -0.2]), Layer(2, "sigmoid", W2, 0.6)],
                   loss="mse", reduction=reduction)


def test_batch_mean_puts_one_over_m_at_bp3_and_bp4():
    net = batch_network()
    trace = matrix_form(net)
    step = next(s for s in trace.steps if s.rule == "BP4" and s.lhs.layer == 2)
    assert step.rhs.op == "scale" and step.rhs.args[0] == Leaf("inv_m", None, mpmath.mpf(1) / 3)
    arrays = trace.values
    # Δ keeps each sample's own δ: column s is sample s's scalar δ
    for s, sn in enumerate(net.sample_networks):
        assert arrays[("delta", 2)][0, s] == sn.values["delta_o1"]
    # the mean, not the sum (an easy factor of 3 to lose)
    total = sum(sn.gradients()["w5"] for sn in net.sample_networks)
    assert abs(arrays[("dW", 2)][0, 0] - total / 3) < mpmath.mpf(10) ** -45
    assert trace.max_difference < mpmath.mpf(10) ** -45 and trace.proven
    # torch's ∂E/∂Z carries the 1/m: δ = m · z.grad
    theirs = torch_deltas_and_gradients(net)
    assert_close(arrays[("delta", 2)][0, 1], theirs[("delta", 2)][1][0], "δ²[1,2]")


def test_batch_sum_has_no_one_over_m():
    trace = matrix_form(batch_network("sum"))
    assert not any(leaf.kind == "inv_m" for s in trace.steps for leaf in _leaves(s.rhs))


def _leaves(expr):
    from bptrace.calculus.matrix_trace import leaves
    return leaves(expr)


def test_dropout_is_a_diagonal_matrix():
    net = Network([0.05, 0.1], [0.01, 0.99], [Layer(2, "sigmoid", W1, 0.35, dropout=0.5, mask=[1, 0]),
                                             Layer(2, "sigmoid", W2, 0.6)])
    trace = matrix_form(net)
    D = trace.values[("D", 1)]
    assert D.tolist() == [[2, 0], [0, 0]]          # diag(1, 0)/(1 − 0.5)
    assert trace.values[("delta", 1)][1, 0] == 0    # a dropped unit passes no gradient back
    assert trace.proven and trace.max_difference < mpmath.mpf(10) ** -45
    assert check_against_torch(trace.values, net)[0] <= 1e-12


def test_per_sample_masks_and_cross_entropy_against_torch():
    net = Network([[0.05, 0.1], [0.3, -0.2]], [[0.01, 0.99], [0.5, 0.5]],
                  [Layer(2, "relu", W1, 0.35, dropout=0.25, mask=[[1, 0], [1, 1]]),
                   Layer(2, "sigmoid", W2, 0.6)], loss="sse", reduction="sum")
    trace = matrix_form(net)
    assert ("mask", 1) in trace.values and trace.proven
    assert check_against_torch(trace.values, net)[0] <= 1e-12
    ce = Network([0.05, 0.1], [0, 1, 0], [Layer(2, "sigmoid", W1, None),
                                          Layer(3, "identity", [[0.4, 0.45], [0.5, 0.55], [-1, 2]], [0.1, 0.2, 0.3])],
                 loss="cross_entropy")
    trace = matrix_form(ce)
    bp1 = next(s for s in trace.steps if s.rule == "BP1")
    assert [leaf.kind for leaf in _leaves(bp1.rhs)] == ["softmax", "y"]     # δᴸ = softmax(zᴸ) − y
    assert trace.proven and check_against_torch(trace.values, ce)[0] <= 1e-12


def test_dropout_in_evaluation_is_the_identity():
    net = Network([0.05, 0.1], [0.01, 0.99], [Layer(2, "sigmoid", W1, 0.35, dropout=0.5, mask=[1, 0]),
                                             Layer(2, "sigmoid", W2, 0.6)], training=False)
    trace = matrix_form(net)
    assert not any(s.lhs.kind in ("D", "d") for s in trace.steps)
    assert trace.proven          # the scalar form's d_h1 = out_h1 in evaluation
    assert check_against_torch(trace.values, net)[0] <= 1e-12


@pytest.mark.parametrize("loss,act,target", [
    ("l1", "sigmoid", [0.01, 0.99]), ("smooth_l1", "sigmoid", [0.01, 0.99]), ("huber", "identity", [0.01, 0.99]),
    ("bce", "sigmoid", [0.01, 0.99]), ("bce_with_logits", "identity", [0, 1]),
    ({"name": "cross_entropy", "label_smoothing": 0.1}, "identity", [0, 1]), ("nll", "identity", [0, 1])])
def test_every_loss_against_torch(loss, act, target):
    """∇ₐE from the loss table (no matrix formula of its own) still proven and checked."""
    net = Network([[0.05, 0.1], [0.3, 0.2]], [target, target[::-1]],
                  [Layer(2, "tanh", [[0.15, 0.2], [0.25, -0.3]], 0.35),
                   Layer(2, act, [[0.4, 0.45], [0.5, -0.55]], [0.6, -0.1])], loss=loss)
    trace = matrix_form(net, "update")
    assert trace.proven and trace.max_difference < mpmath.mpf(10) ** -45
    assert check_against_torch(trace.values, net)[0] <= 1e-12


def test_a_large_network_is_checked_but_not_proven_and_says_so():
    trace = matrix_form(wide_network(40))
    assert trace.proofs == () and trace.unproven == 3362
    assert trace.max_difference < mpmath.mpf(10) ** -45
    assert "symbolic proof not attempted: 3362 entries (more than 2500)" in bptrace.to_text(trace)


@pytest.mark.parametrize("seed", range(12))
def test_random_networks_and_batches_against_torch(seed):
    r = random.Random(seed)
    depth = r.choice([1, 2, 3])
    sizes = [r.randint(1, 4) for _ in range(depth + 1)]
    acts = [r.choice(["sigmoid", "tanh", "relu", "leaky_relu", "identity"]) for _ in range(depth)]
    batch = r.choice([1, 2, 3, 5])
    layers = []
    for l in range(depth):
        w = [[f"{r.uniform(-1.5, 1.5):.3f}" for _ in range(sizes[l])] for _ in range(sizes[l + 1])]
        bias = r.choice([None, f"{r.uniform(-1, 1):.2f}", [f"{r.uniform(-1, 1):.2f}" for _ in range(sizes[l + 1])]])
        layers.append(Layer(sizes[l + 1], acts[l], w, bias))
    loss = r.choice(["half_sse", "mse", "sse"])
    xs = [[f"{r.uniform(-1, 1):.2f}" for _ in range(sizes[0])] for _ in range(batch)]
    ts = [[f"{r.uniform(0, 1):.2f}" for _ in range(sizes[-1])] for _ in range(batch)]
    net = Network(xs if batch > 1 else xs[0], ts if batch > 1 else ts[0], layers, loss=loss,
                  reduction=r.choice(["mean", "sum"]))
    trace = matrix_form(net, "update")
    assert trace.max_difference < mpmath.mpf(10) ** -45
    assert trace.proven
    worst, rows = check_against_torch(trace.values, net)
    assert rows and worst <= 1e-12, max(rows, key=lambda row: row[3])
    worst64, _ = check_against_torch(float64_matrices(net, "update"), net)
    assert worst64 <= 1e-12


def test_float64_matrices_are_numpy_doubles(mazur):
    arrays = float64_matrices(mazur)
    assert arrays[("dW", 2)].dtype == np.float64
    assert_close(arrays[("dW", 2)][0, 0], float(build(mazur).arrays[("dW", 2)][0, 0]), "∂E/∂w5")


# ----- printers ------------------------------------------------------------------------------------
BP2_TEXT = """\
  BP2  δ¹ = ((W²)ᵀ δ²) ⊙ σ′(z¹)
          = ⎡0.4   0.5 ⎤ ⎡ 0.138498562 ⎤ ⊙ ⎡0.241300709⎤
            ⎣0.45  0.55⎦ ⎣-0.0380982365⎦   ⎣0.240613417⎦
                2×2            2×1              2×1
          = ⎡0.00877135469⎤
            ⎣0.00995425471⎦
                  2×1"""


def test_text_bp2_step(mazur):
    text = bptrace.to_text(matrix_form(mazur))
    assert BP2_TEXT in text
    assert "24 entries (z, a, ∇ₐE, δ, ∂E/∂W, ∂E/∂b) equal the scalar form's values: largest difference 0" in text
    assert "16 of 16 ∇ₐE, δ and gradient entries" in text and "✓ proven" in text


BP2_LATEX = (r"\text{BP2}\quad \delta^{1} &= \left((W^{2})^{\mathsf{T}} \, \delta^{2}\right) \odot \sigma'(z^{1}) \\"
             "\n" r"&= \underset{2\times 2}{\begin{bmatrix}\hfill 0.4\phantom{0} & \hfill 0.5\phantom{0} \\ "
             r"\hfill 0.45 & \hfill 0.55\end{bmatrix}} \underset{2\times 1}{\begin{bmatrix}\hfill "
             r"0.138498562\phantom{0} \\ \hfill -0.0380982365\end{bmatrix}} \odot \underset{2\times 1}"
             r"{\begin{bmatrix}\hfill 0.241300709 \\ \hfill 0.240613417\end{bmatrix}} \\"
             "\n" r"&= \underset{2\times 1}{\begin{bmatrix}\hfill 0.00877135469 \\ \hfill 0.00995425471\end{bmatrix}}")


def test_latex_bp2_step(mazur):
    assert BP2_LATEX in bptrace.to_latex(matrix_form(mazur))


def test_json_has_every_matrix_with_its_shape(mazur):
    data = json.loads(bptrace.to_json(matrix_form(mazur, "update")))
    assert data["kind"] == "matrix_form" and data["layout"] == "columns"
    bp2 = next(s for s in data["steps"] if s["rule"] == "BP2")
    assert bp2["lhs"]["shape"] == [2, 1]
    assert fmt(bp2["lhs"]["value"][0][0]) == "0.00877135469"
    assert bp2["rhs"]["args"][0]["args"][0] == {"kind": "W", "layer": 2, "transposed": True, "shape": [2, 2],
                                                "value": [[0.4, 0.5], [0.45, 0.55]]}
    assert data["proofs"]["proven"] is True


def wide_network(width: int) -> Network:
    r = random.Random(width)
    rows = lambda n, k: [[f"{r.uniform(-1, 1):.3f}" for _ in range(k)] for _ in range(n)]  # noqa: E731
    return Network([f"{r.uniform(0, 1):.2f}" for _ in range(width)], [f"{r.uniform(0, 1):.2f}" for _ in range(width)],
                   [Layer(width, "sigmoid", rows(width, width), 0.1), Layer(width, "sigmoid", rows(width, width), 0.2)])


def test_wide_layers_are_elided_and_say_so():
    trace = matrix_form(wide_network(MAX_SHOWN + 1), check=False)
    text = bptrace.to_text(trace)
    assert "⋯" in text and "⋮" in text and "9×9" in text
    assert "more than 8 rows or columns show their first 3 and last 2" in text
    assert r"\cdots" in bptrace.to_latex(trace)
    assert r"BP2, $\delta^{1}$ (entries elided: $\cdots$)" in to_slides(wide_network(MAX_SHOWN + 1), matrix=True)
    assert "⋯" not in bptrace.to_text(matrix_form(wide_network(MAX_SHOWN), check=False))


# ----- CLI ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["forward", "derive", "update"])
@pytest.mark.parametrize("fmt_", ["text", "json", "latex"])
def test_cli_matrix_is_deterministic(command, fmt_):
    runs = [CliRunner().invoke(main, [command, "mazur", "--matrix", "--format", fmt_]) for _ in range(2)]
    assert runs[0].exit_code == 0, runs[0].output
    assert runs[0].output == runs[1].output


def test_cli_matrix_with_wrt_is_one_line():
    result = CliRunner().invoke(main, ["derive", "mazur", "--matrix", "--wrt", "w5"])
    assert result.exit_code == 2
    assert result.output == "Error: --matrix shows every layer's gradients at once: leave out --wrt and --all\n"


def test_cli_bad_input_is_one_line(tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text("inputs = [1]\ntargets = [1]\n[[layers]]\nunits = 1\nweights = [[1, 2]]\n")
    result = CliRunner().invoke(main, ["derive", str(spec), "--matrix"])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_help_imports_neither_numpy_nor_sympy_nor_torch():
    code = ("import sys; from bptrace.cli import main; "
            "print(sorted(m for m in ('numpy', 'sympy', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ----- LaTeX, compiled ------------------------------------------------------------------------------
def _compile(tmp_path, name, text):
    from test_latex import compile_tex, overfull
    pages, log = compile_tex(tmp_path, name, text)
    return pages, overfull(log)


@needs_pdflatex
def test_fragments_compile(tmp_path, mazur):
    body = bptrace.to_latex(matrix_form(mazur, "update"))
    doc = ("\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage[margin=2cm]{geometry}\n"
           "\\begin{document}\n" + body + "\n\\end{document}\n")
    pages, bad = _compile(tmp_path, "fragments", doc)
    assert pages >= 1 and bad == []


@needs_pdflatex
def test_documents_with_the_matrix_form_compile_without_overfull_boxes(tmp_path, mazur):
    pages, bad = _compile(tmp_path, "deck", to_slides(mazur, matrix=True))
    assert bad == []
    plain, _ = _compile(tmp_path, "plain", to_slides(mazur))
    # the conventions, one frame per step, the checks
    assert pages == plain + len(matrix_form(mazur, "update", check=False).steps) + 2
    pages, bad = _compile(tmp_path, "notes", to_article(mazur, matrix=True, prove=False))
    assert bad == []


@needs_pdflatex
@pytest.mark.parametrize("width", [8, 9])
def test_wide_matrix_frames_compile_without_overfull_boxes(tmp_path, width):
    """8 wide: every entry, shrunk to the frame; 9 wide: elided, and the titles say so."""
    deck = to_slides(wide_network(width), matrix=True)
    pages, bad = _compile(tmp_path, "deck", deck)
    assert bad == []
    assert ("(entries elided: $\\cdots$)" in deck) == (width > MAX_SHOWN)
