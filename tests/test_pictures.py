"""Pictures for every network: the computation graph of every loss, batch and dropout
network run op by op in torch; the layout's order, overlaps and aspect; the gallery."""
from pathlib import Path

import pytest

import bptrace
from bptrace.calculus.compute_graph import compute_graph
from conftest import assert_close

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GALLERY_SPECS = ["mazur", "bias_free", "tanh_bce", "relu_ce", "batch", "dropout"]
LOSSES = ["half_sse", "mse", "sse", "l1", "smooth_l1", "huber", "bce", "bce_with_logits",
          "cross_entropy", "nll"]


def gallery_network(name):
    return bptrace.load(name if name == "mazur" else str(EXAMPLES / f"{name}.toml"))


def loss_network(loss, batch=False, dropout=False):
    """A 3-3-2 network for ``loss``: sigmoid outputs for BCE, log-softmax-like negative
    outputs for NLL, one-hot targets for the class losses."""
    out_act = "sigmoid" if loss in ("bce", "half_sse", "mse", "sse") else "identity"
    targets = [[0, 1], [1, 0]] if loss in ("cross_entropy", "nll", "bce", "bce_with_logits") \
        else [[0.2, 0.9], [0.7, -0.3]]
    hidden = bptrace.Layer(3, "tanh", [[0.3, -0.2, 0.5], [0.1, 0.4, -0.6], [-0.3, 0.2, 0.1]],
                           [0.1, -0.1, 0.05], dropout=0.25 if dropout else None,
                           mask=([[1, 0, 1], [0, 1, 1]] if batch else [1, 0, 1]) if dropout else None)
    w_out = [[0.4, -0.5, 0.3], [-0.2, 0.6, 0.25]]
    if loss == "nll":     # log-probabilities must be ≤ 0: shift the outputs down
        out = bptrace.Layer(2, "identity", w_out, -2)
    else:
        out = bptrace.Layer(2, out_act, w_out, 0.2)
    inputs = [[0.5, -0.3, 0.8], [-0.1, 0.6, 0.2]]
    if not batch:
        inputs, targets = inputs[0], targets[0]
    return bptrace.Network(inputs, targets, [hidden, out], loss=loss)


# ----- the computation graph, op by op in torch -------------------------------------------------
def torch_run(graph, net):
    """Every node's value and gradient: each op evaluated in torch from its inputs, every
    tensor kept with retain_grad(), then backward() from E_total."""
    import torch
    F = torch.nn.functional
    from bptrace.model.activations import ACTIVATIONS

    def num(v):
        return float(v)

    t = {}
    for n in graph.nodes:
        a = [t[i] for i in n.inputs]
        c = None if n.const is None or isinstance(n.const, (int, tuple)) else float(n.const)
        if n.op in ("input", "target", "mask"):
            v = torch.tensor(num(n.value), dtype=torch.float64)
        elif n.op == "parameter":
            v = torch.tensor(num(n.value), dtype=torch.float64, requires_grad=True)
        elif n.op == "multiply":
            v = a[0]
            for x in a[1:]:
                v = v * x
            v = v * c if c is not None else v
        elif n.op in ("add", "sum"):
            v = sum(a[1:], a[0])
            v = v * c if c is not None else v
        elif n.op == "subtract":
            v = a[0] - a[1]
        elif n.op == "square":
            v = a[0] * a[0]
        elif n.op in ACTIVATIONS:
            v = ACTIVATIONS[n.op].torch(torch, a[0])
        elif n.op == "l1":
            v = a[0].abs()
        elif n.op == "smooth_l1":
            v = F.smooth_l1_loss(a[0], torch.zeros_like(a[0]), beta=c)
        elif n.op == "huber":
            v = F.huber_loss(a[0], torch.zeros_like(a[0]), delta=c)
        elif n.op == "bce":
            v = F.binary_cross_entropy(a[0], a[1])
        elif n.op == "bce_with_logits":
            v = F.binary_cross_entropy_with_logits(a[0], a[1])
        elif n.op == "softmax":
            v = torch.softmax(torch.stack(a), 0)[n.const]
        elif n.op == "log":
            v = torch.log(a[0])
        elif n.op in ("cross_entropy", "nll"):
            v = -sum(float(k) * x for k, x in zip(n.const, a))
        else:
            raise AssertionError(f"no torch rule for op {n.op!r}")
        if v.requires_grad and not v.is_leaf:
            v.retain_grad()
        t[n.id] = v
    t["E"].backward()
    return {k: (float(v.detach()), None if v.grad is None else float(v.grad)) for k, v in t.items()}


def check_against_torch(net):
    g = compute_graph(net)
    theirs = torch_run(g, net)
    checked = 0
    for node in g.nodes:
        value, grad = theirs[node.id]
        assert_close(node.value, value, f"value of {node.id} ({node.op})")
        if node.grad is not None:
            assert grad is not None, f"{node.id} ({node.op}): torch has no gradient"
            assert_close(node.grad, grad, f"gradient of {node.id} ({node.op})")
            checked += 1
    assert_close(g.node("E").value, float(net.loss_value), "E_total against the network's loss")
    return g, checked


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("batch,dropout", [(False, False), (True, False), (False, True), (True, True)],
                         ids=["one", "batch", "dropout", "batch-dropout"])
def test_compute_graph_of_every_loss_batch_and_dropout_matches_torch(loss, batch, dropout):
    pytest.importorskip("torch", reason="torch is the oracle for the computation graph")
    net = loss_network(loss, batch, dropout)
    g, checked = check_against_torch(net)
    params = len(net.locations) * (2 if batch else 1)
    assert checked >= params + 3 * 5 * (2 if batch else 1)
    if batch:
        assert {n.sample for n in g.nodes} == {0, 1, 2}
    if dropout:
        assert any(n.op == "mask" for n in g.nodes)


@pytest.mark.parametrize("name", GALLERY_SPECS)
def test_gallery_compute_graphs_match_torch(name):
    pytest.importorskip("torch", reason="torch is the oracle for the computation graph")
    check_against_torch(gallery_network(name))


# ----- reading pictures back ----------------------------------------------------------------
SVG = "{http://www.w3.org/2000/svg}"


def svg_nodes(svg: bytes) -> dict:
    """Node id → (x, y) centre, read from the SVG's own shapes (y grows downwards)."""
    import re
    import xml.etree.ElementTree as ET
    centres = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        shape = next((e for e in g if e.tag in (f"{SVG}path", f"{SVG}polygon", f"{SVG}ellipse")), None)
        if shape is None:
            continue
        if shape.tag == f"{SVG}ellipse":
            centres[g.find(f"{SVG}title").text] = (float(shape.get("cx")), float(shape.get("cy")))
            continue
        nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", shape.get("d") or shape.get("points"))]
        xs, ys = nums[0::2], nums[1::2]
        centres[g.find(f"{SVG}title").text] = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    return centres


def svg_text_boxes(svg: bytes) -> list:
    """Every <text> as (text, left, top, right, bottom), its width estimated at 0.5 em a
    character (narrower than any font bptrace asks for: a lower bound on the real box)."""
    import xml.etree.ElementTree as ET
    boxes = []
    for t in ET.fromstring(svg).iter(f"{SVG}text"):
        text = "".join(t.itertext())
        size = float(t.get("font-size"))
        x, y = float(t.get("x")), float(t.get("y"))
        w = 0.5 * size * len(text)
        left = {"start": x, "end": x - w}.get(t.get("text-anchor"), x - w / 2)
        boxes.append((text, left, y - 0.7 * size, left + w, y + 0.15 * size))
    return boxes


def columns(net):
    """Each layer's node ids in index order: inputs, then every layer of neurons."""
    cols = [[f"x{k + 1}" for k in range(len(net.names.inputs))]]
    cols += [[f"n{l + 1}_{j + 1}" for j in range(layer.units)] for l, layer in enumerate(net.layers)]
    return cols


def assert_in_order(centres, net, what):
    for col in columns(net):
        ys = [centres[i][1] for i in col]
        assert ys == sorted(ys) and len(set(ys)) == len(ys), f"{what}: {col} drawn at y {ys}"
    xs = [centres[col[0]][0] for col in columns(net)] + [centres["E"][0]]
    assert xs == sorted(xs) and len(set(xs)) == len(xs), f"{what}: columns at x {xs}"


GRID_KINDS = [({}, "network"), ({"backward": True}, "backward"), ({"kind": "paths", "wrt": "w1"}, "paths")]


@pytest.mark.parametrize("name", GALLERY_SPECS)
def test_units_are_drawn_in_index_order_by_every_renderer(name):
    """The embedded Graphviz's SVG, the DOT positions, TikZ and (if installed) system dot."""
    import re
    import shutil
    net = gallery_network(name)
    for settings, what in GRID_KINDS:
        dot = bptrace.to_dot(net, **settings)
        assert_in_order(svg_nodes(bptrace.render(dot)), net, f"{name} {what} (embedded)")
        # SVG's y grows downwards, DOT's and TikZ's upwards: flip them
        pos = {m[0]: (float(m[1]), -float(m[2])) for m in re.findall(r'\t(\w+) \[.*pos="([-\d.]+),([-\d.]+)!"', dot)}
        assert_in_order(pos, net, f"{name} {what} (DOT)")
        tikz = bptrace.to_tikz(net, **settings)
        at = {m[0].replace("-", "_"): (float(m[1]), -float(m[2]))
              for m in re.findall(r"\(bp-([\w-]+)\) at \(([-\d.]+),([-\d.]+)\)", tikz)}
        assert_in_order(at, net, f"{name} {what} (TikZ)")
        if shutil.which("dot"):
            assert_in_order(svg_nodes(bptrace.render(dot, engine="dot")), net, f"{name} {what} (dot)")


def overlaps(boxes):
    found = []
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            p, q = boxes[a], boxes[b]
            if p[1] < q[3] and q[1] < p[3] and p[2] < q[4] and q[2] < p[4]:
                found.append((p[0], q[0]))
    return found


@pytest.mark.parametrize("name", GALLERY_SPECS)
@pytest.mark.parametrize("settings", [{}, {"backward": True}, {"kind": "paths", "wrt": "w1"},
                                      {"kind": "compute"}], ids=["network", "backward", "paths", "compute"])
def test_no_two_texts_overlap(name, settings):
    svg = bptrace.render(bptrace.to_dot(gallery_network(name), **settings))
    boxes = svg_text_boxes(svg)
    assert len(boxes) > 10
    assert overlaps(boxes) == []


def test_the_overlap_check_can_fail():
    """The same check finds the labels Graphviz's own placement stacked in the old picture."""
    boxes = [("w₁ = 0.15", 10, 0, 60, 12), ("w₃ = 0.25", 40, 6, 90, 18), ("h₁", 200, 0, 210, 12)]
    assert overlaps(boxes) == [("w₁ = 0.15", "w₃ = 0.25")]


@pytest.mark.parametrize("name", GALLERY_SPECS)
def test_paths_picture_fits_a_16_9_slide(name):
    import re
    svg = bptrace.render(bptrace.to_dot(gallery_network(name), kind="paths", wrt="w1")).decode()
    w, h = (float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    assert 1.0 <= w / h <= 16 / 9 + 0.01, (w, h)


# ----- every loss, batch and dropout network draws every kind ---------------------------------
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("batch,dropout", [(False, False), (True, False), (False, True)],
                         ids=["one", "batch", "dropout"])
def test_every_loss_batch_and_dropout_network_draws_all_three_kinds(loss, batch, dropout):
    net = loss_network(loss, batch, dropout)
    for settings in ({}, {"backward": True}, {"kind": "paths", "wrt": "w1"}, {"kind": "compute"}):
        svg = bptrace.render(bptrace.to_dot(net, **settings)).decode()
        assert svg.rstrip().endswith("</svg>")
        assert bptrace.to_tikz(net, **settings).startswith("\\resizebox")
    network = bptrace.to_dot(net)
    per_output = loss not in ("cross_entropy", "nll")
    # a per-output error only where the loss is a sum of per-output terms
    assert ("Eₒ₁ = " in network) == per_output and ("targetₒ₁ = " in network) == (not per_output)
    if dropout:   # the dropped unit h2 (mask 0 in the single sample) greyed, h1 kept and scaled
        if not batch:
            assert 'label="h₂\\nnetₕ₂' in network and "dropped: dₕ₂ = 0" in network
            assert "dₕ₁ = outₕ₁/(1 − 0.25) = " in network
    if batch:
        assert "values sample by sample (1, 2)" in network


def test_dropout_network_greys_the_dropped_unit_and_its_edges():
    from bptrace.printing.picture import picture
    pic = picture(gallery_network("dropout"), "network")
    assert pic.node("n1_2").faded and not pic.node("n1_1").faded
    faded = sorted((e.tail, e.head) for e in pic.edges if e.faded)
    assert faded == [("n1_2", "n2_1"), ("n1_2", "n2_2")]


def test_cross_entropy_network_has_no_per_output_error():
    dot = bptrace.to_dot(gallery_network("relu_ce"))
    assert "Eₒ" not in dot and "targetₒ₂ = 1" in dot


# ----- subscripts every SVG renderer can draw ---------------------------------------------------
def test_svg_text_asks_first_for_a_font_with_every_glyph():
    """A renderer without per-glyph fallback uses the first family it has: that family
    must have every character the picture uses (checked with fontconfig when present)."""
    import re
    import shutil
    import subprocess
    svgs = [bptrace.render(bptrace.to_dot(gallery_network(n), backward=True)) for n in GALLERY_SPECS]
    families = {f for svg in svgs for f in re.findall(rb'font-family="([^"]+)"', svg)}
    assert families == {b"DejaVu Sans,Helvetica,Arial,sans-serif"}
    if not shutil.which("fc-list"):
        pytest.skip("fontconfig is not installed")
    if not subprocess.run(["fc-list", ":family=DejaVu Sans"], capture_output=True, text=True).stdout:
        pytest.skip("DejaVu Sans is not installed")
    chars = {c for svg in svgs for text, *_ in svg_text_boxes(svg) for c in text if ord(c) > 127}
    assert "₁" in chars and "ₕ" in chars
    missing = [c for c in sorted(chars) if not subprocess.run(
        ["fc-list", f":family=DejaVu Sans:charset={ord(c):x}"], capture_output=True, text=True).stdout]
    assert missing == []


# ----- the command line: -o suffixes, "wrote FILE" ------------------------------------------
@pytest.mark.parametrize("args,message", [
    (["-o", "net.jpg"], "Error: -o net.jpg: unknown suffix .jpg (known: .svg, .png, .pdf, .dot, .gv, .tex, .tikz)\n"),
    (["-o", "net.svg", "--format", "png"], "Error: -o net.svg: the suffix .svg does not match --format png\n"),
    (["-o", "net"], "Error: -o net: no suffix; give one (.svg, .png, .pdf, .dot, .gv, .tex, .tikz) or --format\n"),
])
def test_graph_refuses_unknown_or_mismatched_suffixes(tmp_path, monkeypatch, args, message):
    from click.testing import CliRunner
    from bptrace.cli import main
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["graph", "mazur"] + args)
    assert r.exit_code == 2 and r.output == message
    assert list(tmp_path.iterdir()) == []          # nothing written


def test_every_writer_says_wrote_on_stderr(tmp_path):
    from click.testing import CliRunner
    from bptrace.cli import main
    run = CliRunner().invoke
    for args, name in [(["graph", "mazur", "--kind", "compute"], "c.svg"), (["graph", "mazur"], "n.dot"),
                       (["latex", "mazur"], "notes.tex"), (["slides", "mazur"], "deck.tex")]:
        path = tmp_path / name
        r = run(main, args + ["-o", str(path)])
        assert r.exit_code == 0 and r.stdout == "" and r.stderr == f"wrote {path}\n", args
        assert path.stat().st_size > 100
    pytest.importorskip("matplotlib")
    r = run(main, ["plot", "losses", "-o", str(tmp_path / "l.jpg")])
    assert r.exit_code == 2 and "unknown suffix .jpg" in r.output
    r = run(main, ["plot", "losses", "-o", str(tmp_path / "l.svg")])
    assert r.exit_code == 0 and r.stderr == f"wrote {tmp_path / 'l.svg'}\n"


# ----- the gallery ------------------------------------------------------------------------------
def test_gallery_is_up_to_date():
    """docs/gallery/*.svg are what docs/make_gallery.py makes now, and each has its PNG
    (regenerate with: python docs/make_gallery.py)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("make_gallery", ROOT / "docs" / "make_gallery.py")
    gallery = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gallery)
    stems = []
    for stem, path, settings in gallery.pictures():
        svg = ROOT / "docs" / "gallery" / f"{stem}.svg"
        assert svg.read_bytes() == bptrace.render(bptrace.to_dot(bptrace.load(path), **settings)), \
            f"{svg.name} is stale: run python docs/make_gallery.py"
        assert (svg.with_suffix(".png")).read_bytes().startswith(b"\x89PNG")
        stems.append(stem)
    assert len(stems) == 18
    kinds = {s.rsplit("-", 1)[-1] if "paths" not in s else "paths" for s in stems}
    assert kinds == {"network", "paths", "compute"}


def test_layouts_are_byte_identical_whatever_the_hash_seed():
    import os
    import subprocess
    import sys
    code = ("import bptrace; from pathlib import Path; e = Path('examples'); "
            "n = bptrace.load(str(e / 'relu_ce.toml')); b = bptrace.load(str(e / 'batch.toml')); "
            "print(bptrace.to_dot(n) + bptrace.to_dot(n, kind='compute') + bptrace.to_dot(b, kind='paths', wrt='w1')"
            " + bptrace.to_tikz(bptrace.load(str(e / 'dropout.toml')), backward=True))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "7")}
    assert len(outs) == 1 and "digraph compute" in outs.pop()


def test_gallery_tikz_compiles(tmp_path):
    import shutil
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    from test_render import compile_tex
    body = "\n\n".join(bptrace.to_tikz(gallery_network(n), **s) for n in ("relu_ce", "batch", "dropout")
                       for s in ({"backward": True}, {"kind": "paths", "wrt": "w1"}, {"kind": "compute"}))
    r = compile_tex(tmp_path, body)
    assert r.returncode == 0, r.stdout[-2000:]


def test_a_large_network_is_drawn_without_labels_and_says_so():
    from conftest import random_network
    net = random_network([8, 16, 16, 4], ["tanh", "tanh", "sigmoid"], [True] * 3, seed=1)
    dot = bptrace.to_dot(net)
    assert "the 452 edges are not labelled: too many for one picture"  # 448 weights, 4 outputs in dot
    assert "label1 [" not in dot and "table1 [" not in dot
    assert "digraph compute" in bptrace.to_dot(net, kind="compute")
