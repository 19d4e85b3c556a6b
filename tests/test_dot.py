"""Pictures as DOT: exact source for the classic example, escaping, the paths and the
computation graph, whose every value and gradient is checked against torch.autograd."""
import os
import subprocess
import sys

import pytest

import bptrace
from bptrace.calculus.compute_graph import compute_graph
from bptrace.errors import SpecError
from bptrace.printing.dot import dot_escape, to_dot, unicode_name
from bptrace.printing.picture import PATH_COLOURS, picture
from conftest import assert_close, random_network

MAZUR_NETWORK_DOT = """\
digraph network {
\tgraph [fontname="DejaVu Sans,Helvetica,Arial,sans-serif" fontsize=11 inputscale=72 layout=neato outputorder=edgesfirst overlap=true splines=line]
\tnode [fillcolor=white fixedsize=true fontname="DejaVu Sans,Helvetica,Arial,sans-serif" fontsize=11 margin=0 style=filled]
\tedge [arrowsize=0.7 fontname="DejaVu Sans,Helvetica,Arial,sans-serif" fontsize=10]
\tx1 [label="i₁ = 0.05" fillcolor="#E8F0FE" height=0.33 pos="39.98,424.68!" shape=box style="rounded,filled" width=0.89]
\tx2 [label="i₂ = 0.1" fillcolor="#E8F0FE" height=0.33 pos="39.98,85.38!" shape=box style="rounded,filled" width=0.76]
\tb1 [label="b₁ = 0.35" fillcolor="#FFF4D6" height=0.33 pos="85.05,19.88!" shape=box style="rounded,filled" width=0.93]
\tn1_1 [label="h₁\\nnetₕ₁ = 0.3775\\noutₕ₁ = 0.5933" fillcolor="#E6F4EA" height=0.72 pos="257.07,424.68!" shape=box style="rounded,filled" width=1.35]
\tn1_2 [label="h₂\\nnetₕ₂ = 0.3925\\noutₕ₂ = 0.5969" fillcolor="#E6F4EA" height=0.72 pos="257.07,85.38!" shape=box style="rounded,filled" width=1.35]
\tb2 [label="b₂ = 0.6" fillcolor="#FFF4D6" height=0.33 pos="320.51,19.88!" shape=box style="rounded,filled" width=0.84]
\tn2_1 [label="o₁\\nnetₒ₁ = 1.106\\noutₒ₁ = 0.7514" fillcolor="#E6F4EA" height=0.72 pos="489.23,424.68!" shape=box style="rounded,filled" width=1.31]
\tn2_2 [label="o₂\\nnetₒ₂ = 1.225\\noutₒ₂ = 0.7729" fillcolor="#E6F4EA" height=0.72 pos="489.23,85.38!" shape=box style="rounded,filled" width=1.35]
\tE [label="Eₜₒₜₐₗ = 0.2984\\nhalf sum of squared errors" fillcolor="#FDE7E7" height=0.53 pos="761.21,255.03!" shape=box style="rounded,filled" width=2.46]
\ttitle [label="Mazur's 2-2-2 example" fillcolor="#FFFFFF" fontsize=14 height=0.3 pos="428.75,469.05!" shape=plaintext style=filled width=2.32]
\tcorner1 [label="" height=0.01 pos="0,0!" shape=point style=invis width=0.01]
\tcorner2 [label="" height=0.01 pos="857.51,487.8!" shape=point style=invis width=0.01]
\tx1 -> n1_1
\tx2 -> n1_1
\tb1 -> n1_1 [style=dashed]
\tx1 -> n1_2
\tx2 -> n1_2
\tb1 -> n1_2 [style=dashed]
\tn1_1 -> n2_1
\tn1_2 -> n2_1
\tb2 -> n2_1 [style=dashed]
\tn1_1 -> n2_2
\tn1_2 -> n2_2
\tb2 -> n2_2 [style=dashed]
\tn2_1 -> E
\tn2_2 -> E
\tlabel1 [label="w₁ = 0.15" fillcolor="#FFFFFFD9" fontsize=10 height=0.21 pos="118.56,424.68!" shape=plaintext style=filled width=0.71]
\tlabel2 [label="w₂ = 0.2" fillcolor="#FFFFFFD9" fontsize=10 height=0.21 pos="113.35,200.05!" shape=plaintext style=filled width=0.66]
\tlabel4 [label="w₃ = 0.25" fillcolor="#FFFFFFD9" fontsize=10 height=0.21 pos="119.47,300.43!" shape=plaintext style=filled width=0.74]
\tlabel5 [label="w₄ = 0.3" fillcolor="#FFFFFFD9" fontsize=10 height=0.21 pos="113.35,85.38!" shape=plaintext style=filled width=0.66]
\tlabel7 [label="w₅ = 0.4" fillcolor="#FFFFFFD9" fontsize=10 height=0.21 pos="350.96,424.68!" shape=plaintext style=filled width=0.66]
\tlabel8 [label="w₆ = 0.45" fillcolor="#FFFFFFD9" fontsize=10 height=0.21 pos="353.06,225.67!" shape=plaintext style=filled width=0.74]
\tlabel10 [label="w₇ = 0.5" fillcolor="#FFFFFFD9" fontsize=10 height=0.21 pos="350.75,287.76!" shape=plaintext style=filled width=0.66]
\tlabel11 [label="w₈ = 0.55" fillcolor="#FFFFFFD9" fontsize=10 height=0.21 pos="352.85,85.38!" shape=plaintext style=filled width=0.74]
\tlabel13 [label="Eₒ₁ = 0.2748" fillcolor="#FFFFFFD9" fontsize=10 height=0.21 pos="589.39,362.2!" shape=plaintext style=filled width=0.97]
\tlabel14 [label="Eₒ₂ = 0.02356" fillcolor="#FFFFFFD9" fontsize=10 height=0.21 pos="592.71,149.92!" shape=plaintext style=filled width=1.05]
}
"""

MAZUR_PATHS_W5_DOT = """\
digraph paths {
\tgraph [fontname="DejaVu Sans,Helvetica,Arial,sans-serif" fontsize=11 inputscale=72 layout=neato outputorder=edgesfirst overlap=true splines=line]
\tnode [fillcolor=white fixedsize=true fontname="DejaVu Sans,Helvetica,Arial,sans-serif" fontsize=11 margin=0 style=filled]
\tedge [arrowsize=0.7 fontname="DejaVu Sans,Helvetica,Arial,sans-serif" fontsize=10]
\tn1_1 [label="h₁\\nnetₕ₁ = 0.3775\\noutₕ₁ = 0.5933" fillcolor="#E6F4EA" height=0.72 pos="56.48,275.65!" shape=box style="rounded,filled" width=1.35]
\tn2_1 [label="o₁\\nnetₒ₁ = 1.106\\noutₒ₁ = 0.7514" fillcolor="#E6F4EA" height=0.72 pos="246.61,275.65!" shape=box style="rounded,filled" width=1.31]
\tE [label="Eₜₒₜₐₗ = 0.2984\\nhalf sum of squared errors" fillcolor="#FDE7E7" height=0.53 pos="476.56,106!" shape=box style="rounded,filled" width=2.46]
\tpath1 [label="path 1: ∂Eₜₒₜₐₗ/∂outₒ₁ · ∂outₒ₁/∂netₒ₁ · ∂netₒ₁/∂w₅\\l= 0.7414 · 0.1868 · 0.5933 = 0.08217\\l" color="#D55E00" fontcolor="#D55E00" height=0.5 margin="0.14,0.04" penwidth=2 pos="174.66,53.5!" shape=box style=rounded width=4.63]
\tsum [label="∂Eₜₒₜₐₗ/∂w₅ = sum over the paths = 0.08217\\l" color="#FFFFFF" height=0.31 margin="0.14,0.04" penwidth=2.5 pos="148.59,18.88!" shape=box style=rounded width=3.91]
\ttitle [label="Mazur's 2-2-2 example: ∂Eₜₒₜₐₗ/∂w₅" fillcolor="#FFFFFF" fontsize=14 height=0.3 pos="286.43,320.02!" shape=plaintext style=filled width=3.88]
\tcorner1 [label="" height=0.01 pos="0,0!" shape=point style=invis width=0.01]
\tcorner2 [label="" height=0.01 pos="572.86,338.76!" shape=point style=invis width=0.01]
\tn1_1 -> n2_1 [color="#D55E00" penwidth=3.5]
\tn2_1 -> E [color="#D55E00" penwidth=2]
\tlabel1 [label="w₅ = 0.4" fillcolor="#FFFFFFD9" fontcolor="#D55E00" fontsize=10 height=0.21 pos="144.07,275.65!" shape=plaintext style=filled width=0.66]
\tlabel2 [label="Eₒ₁ = 0.2748" fillcolor="#FFFFFFD9" fontcolor="#D55E00" fontsize=10 height=0.21 pos="340.47,206.4!" shape=plaintext style=filled width=0.97]
}
"""


def test_network_dot_is_exactly_the_classic_figure(mazur):
    assert to_dot(mazur) == MAZUR_NETWORK_DOT


def test_paths_dot_for_an_output_weight(mazur):
    assert to_dot(mazur, kind="paths", wrt="w5", only_paths=True) == MAZUR_PATHS_W5_DOT


def test_backward_adds_deltas_and_gradients(mazur):
    dot = to_dot(mazur, backward=True)
    assert 'n1_1 [label="h₁\\nnetₕ₁ = 0.3775\\noutₕ₁ = 0.5933\\nδₕ₁ = 0.008771"' in dot
    # a shared bias is one node, and its gradient is the sum over the neurons sharing it
    assert dot.count("\tb1 [") == 1 and "∂Eₜₒₜₐₗ/∂b₁ = 0.01873" in dot
    # each edge label is a node of its own, pinned on its edge: the weight and its gradient
    # when they fit, the names on the edges and the numbers in a table when they do not
    assert "w₁ = 0.15" in dot and "∂Eₜₒₜₐₗ/∂w₁ = 0.0004386" in dot
    assert "Eₒ₂ = 0.02356" in dot and "∂Eₜₒₜₐₗ/∂outₒ₂ = -0.2171" in dot


def test_no_values_hides_every_number(mazur):
    dot = to_dot(mazur, backward=True, values=False)
    assert "0.15" not in dot and "0.3775" not in dot and 'label="w₁"' in dot


def test_dot_is_byte_identical_across_processes():
    code = ("import bptrace; n = bptrace.load('mazur'); "
            "print(bptrace.to_dot(n, kind='paths', wrt='b1') + bptrace.to_dot(n, kind='compute') "
            "+ bptrace.to_dot(n, backward=True))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(outs) == 1 and "digraph compute" in outs.pop()


@pytest.mark.parametrize("name,shown", [
    ("w5", "w₅"), ("out_h1", "outₕ₁"), ("net_o2", "netₒ₂"), ("delta_o1", "δₒ₁"),
    ("E_total", "Eₜₒₜₐₗ"), ("E_o1", "Eₒ₁"), ("target_o1", "targetₒ₁"), ("h1_2", "h₁,₂"),
    ("w2_1_2", "w₂,₁,₂"), ("out_hidden", "out_hidden"), ("bias", "bias"), ("x", "x")])
def test_unicode_subscripts(name, shown):
    assert unicode_name(name) == shown


def test_escape_special_characters():
    assert dot_escape('a"b\\c{d}<e>|f') == 'a\\"b\\\\c\\{d\\}\\<e\\>\\|f'
    assert dot_escape("two\nlines\r\t") == "two lines  "


HOSTILE_INPUTS = ['a"b', 'c\\']
HOSTILE_NEURONS = [['}{<b>|', 'x\\N\\G'], ['"];\ninjected [', '<<html>>']]


def hostile_network():
    return bptrace.Network([0.05, 0.1], [0.01, 0.99],
                           [bptrace.Layer(2, "sigmoid", [[0.15, 0.2], [0.25, 0.3]], 0.35),
                            bptrace.Layer(2, "sigmoid", [[0.4, 0.45], [0.5, 0.55]], 0.6)],
                           name='evil" ]; x -> y [label="pwn \\', input_names=HOSTILE_INPUTS,
                           neuron_names=HOSTILE_NEURONS)


@pytest.mark.parametrize("kind,wrt", [("network", None), ("paths", "w1"), ("compute", None)])
def test_hostile_names_stay_inside_their_labels(kind, wrt):
    """Parsed back by Graphviz itself: the same nodes and edges as a tame network, and
    every name shown literally."""
    import json
    from bptrace.renderers.graphviz import render
    tame = bptrace.load("mazur")
    evil = hostile_network()
    layouts = [json.loads(render(to_dot(n, kind=kind, wrt=wrt, backward=True), format="json"))
               for n in (tame, evil)]
    names = [sorted(o["name"] for o in lay["objects"] if "pos" in o) for lay in layouts]
    edges = [len(lay["edges"]) for lay in layouts]
    assert names[0] == names[1] and edges[0] == edges[1]
    labels = " ".join(o["label"] for o in layouts[1]["objects"] if "label" in o)
    # Graphviz's json writes the label as it holds it (escaped); compare unescaped text
    shown = labels.replace("\\\\", "\x00").replace("\\", "").replace("\x00", "\\")
    for name in HOSTILE_INPUTS + ([] if kind == "paths" else HOSTILE_NEURONS[0]):
        assert name.replace("\n", " ") in shown


def test_unknown_settings_and_kinds(mazur):
    with pytest.raises(TypeError):
        to_dot(mazur, colour=True)
    with pytest.raises(ValueError):
        to_dot(mazur, kind="tree")
    with pytest.raises(SpecError, match="needs a parameter"):
        to_dot(mazur, kind="paths")
    with pytest.raises(SpecError, match="only used by --kind paths"):
        to_dot(mazur, kind="network", wrt="w1")
    with pytest.raises(SpecError, match="unknown parameter 'w9'"):
        to_dot(mazur, kind="paths", wrt="w9")


def test_traces_draw_their_network(mazur):
    assert to_dot(mazur.forward()) == to_dot(mazur)
    assert to_dot(mazur.derive("w5"), only_paths=True) == MAZUR_PATHS_W5_DOT


# ----- the paths picture -------------------------------------------------------------------
def test_paths_of_a_hidden_weight_each_in_its_colour(mazur):
    pic = picture(mazur, "paths", wrt="w1")
    coloured = {(e.tail, e.head): e for e in pic.edges if e.colours}
    # the shared start x1 → h1 carries both colours (and is the parameter: bold); the
    # branches one each; the outputs' edges into E one each
    assert coloured[("x1", "n1_1")].colours == PATH_COLOURS[:2] and coloured[("x1", "n1_1")].bold
    assert coloured[("n1_1", "n2_1")].colours == (PATH_COLOURS[0],)
    assert coloured[("n1_1", "n2_2")].colours == (PATH_COLOURS[1],)
    assert coloured[("n2_1", "E")].colours == (PATH_COLOURS[0],)
    assert len(coloured) == 5
    faded = [n.id for n in pic.nodes if n.faded]
    assert sorted(faded) == ["b1", "b2", "n1_2", "x2"]
    # the legend: each path's factors, as the derivation has them, and their product
    d = mazur.derive("w1")
    for path, node in zip(d.paths, pic.legend):
        partials = [p for p in node.lines[0] if hasattr(p, "of")]
        assert [(p.of, p.wrt) for p in partials] == [(f.of, f.wrt) for f in path.factors]
        assert node.lines[1][-1].value == path.value
    dot = to_dot(mazur, kind="paths", wrt="w1")
    assert "∂Eₜₒₜₐₗ/∂w₁ = sum over the paths = 0.0006684 + (-0.0002298) = 0.0004386" in dot
    assert "= 0.7414 · 0.1868 · 0.4 · 0.2413 · 0.05 = 0.0006684" in dot
    assert 'color="#D55E00:#0072B2"' in dot


def test_a_shared_bias_has_a_path_through_each_neuron(mazur):
    pic = picture(mazur, "paths", wrt="b1")
    assert [n.id for n in pic.legend] == ["path1", "path2", "path3", "path4", "sum"]
    assert pic.node("b1").bold and not pic.node("b1").faded
    starts = sorted(e.head for e in pic.edges if e.tail == "b1" and e.colours)
    assert starts == ["n1_1", "n1_2"]


def test_too_many_paths_are_summarised():
    net = random_network([2, 4, 4, 4, 2], ["sigmoid"] * 4, [True] * 4, seed=3)
    pic = picture(net, "paths", wrt="w1", max_paths=8)
    assert not any(e.colours for e in pic.edges)
    dot = to_dot(net, kind="paths", wrt="w1", max_paths=8)
    assert "32 paths, more than 8: not drawn" in dot and "δ form" in dot


# ----- the computation graph against torch ---------------------------------------------------
def torch_compute_values(net):
    """Every compute-graph node's value and gradient, by torch.autograd with retain_grad."""
    import torch
    from bptrace.model.activations import ACTIVATIONS
    from bptrace.model.numbers import to_mpf

    def t(v, grad=False):
        return torch.tensor(float(to_mpf(v)), dtype=torch.float64, requires_grad=grad)

    kept, leaves = {}, {}
    xs = [t(v) for v in net.inputs]
    ids = [f"x{k + 1}" for k in range(len(xs))]
    for k, x in enumerate(xs):
        kept[ids[k]] = x
    for l, layer in enumerate(net.layers):
        tag = l + 1
        biases = {}
        for j, b in enumerate(layer.biases):
            bid = f"b{tag}" if layer.shared_bias else f"b{tag}_{j + 1}"
            biases[bid] = leaves[bid] = t(b, True)
        new_xs, new_ids = [], []
        for j, row in enumerate(layer.weights):
            terms = []
            for k, w in enumerate(row):
                wid = f"w{tag}_{j + 1}_{k + 1}"
                leaves[wid] = t(w, True)
                m = leaves[wid] * xs[k]
                m.retain_grad()
                kept[f"mul{tag}_{j + 1}_{k + 1}"] = m
                terms.append(m)
            bid = f"b{tag}" if layer.shared_bias else f"b{tag}_{j + 1}"
            net_ = sum(terms[1:], terms[0]) + biases[bid]
            net_.retain_grad()
            out = ACTIVATIONS[layer.activation].torch(torch, net_)
            out.retain_grad()
            kept[f"net{tag}_{j + 1}"], kept[f"out{tag}_{j + 1}"] = net_, out
            new_xs.append(out)
        xs = new_xs
    es = []
    for j, (o, target) in enumerate(zip(xs, net.targets)):
        d = t(target) - o
        d.retain_grad()
        kept[f"sub{j + 1}"] = d
        sq = d * d
        sq.retain_grad()
        if net.loss == "half_sse":
            kept[f"sq{j + 1}"] = sq
            e = 0.5 * sq
            e.retain_grad()
        else:
            e = sq
        kept[f"E{j + 1}"] = e
        es.append(e)
    total = sum(es[1:], es[0])
    if net.loss == "mse":
        total.retain_grad()
        kept["sum"] = total
        total = total / len(es)
    total.retain_grad()
    kept["E"] = total
    total.backward()
    result = {k: (float(v.detach()), None if v.grad is None else float(v.grad)) for k, v in kept.items()}
    result.update({k: (float(v.detach()), float(v.grad)) for k, v in leaves.items()})
    return result


@pytest.mark.parametrize("make", [
    lambda: bptrace.load("mazur"),
    lambda: random_network([3, 4, 2], ["tanh", "sigmoid"], [False, True], loss="mse", seed=5),
    lambda: random_network([2, 3, 3, 2], ["relu", "leaky_relu", "identity"], [True, False, True], seed=7),
], ids=["mazur", "tanh-mse-own-biases", "relu-3-layers"])
def test_compute_graph_values_and_gradients_match_torch(make):
    pytest.importorskip("torch", reason="torch is the oracle for the computation graph")
    net = make()
    g = compute_graph(net)
    theirs = torch_compute_values(net)
    checked = 0
    for node in g.nodes:
        if node.op == "target":
            continue
        value, grad = theirs[node.id]
        assert_close(node.value, value, f"value of {node.id} ({node.op})")
        if node.grad is not None:
            assert_close(node.grad, grad, f"gradient of {node.id} ({node.op})")
            checked += 1
    assert checked >= len(net.locations) + 3 * sum(ly.units for ly in net.layers)


def test_compute_graph_names_match_the_derivation(mazur):
    dot = to_dot(mazur, kind="compute")
    for text in ["multiply\\nw₁·i₁ = 0.0075\\ngrad = 0.008771", "add\\nnetₕ₁ = 0.3775",
                 "sigmoid\\noutₒ₁ = 0.7514\\ngrad = 0.7414", "subtract\\ntargetₒ₁ - outₒ₁ = -0.7414",
                 "square\\n(targetₒ₁ - outₒ₁)² = 0.5496\\ngrad = 0.5",
                 "multiply by ½\\nEₒ₁ = 0.2748\\ngrad = 1", "sum\\nEₜₒₜₐₗ = 0.2984\\ngrad = 1",
                 "b₁ = 0.35\\ngrad = 0.01873", "targetₒ₂ = 0.99"]:
        assert text in dot, text
    # one node per shared bias, feeding both neurons' sums
    assert dot.count("b1 -> net1_") == 2
