"""The notation a document opens with, and the simplifications SymPy proves (issue 12).

Every activation's and loss's rows are pinned as exact LaTeX; the simplification lines are
pinned too, and each proof is checked to be a real proof: it fails for a wrong claim.
"""
import pytest
import sympy

import bptrace
from bptrace.printing.latex_lecture import DocumentPrinter
from bptrace.calculus import simplify

OUT, NET = r"\mathrm{out}", r"\mathrm{net}"
T_O, O_O = r"\mathrm{target}_{o}", r"\mathrm{out}_{o}"


def rows(net):
    return DocumentPrinter().notation_rows(net)


def network(activation="sigmoid", loss="half_sse", outputs=2, targets=None, hidden=None, **kw):
    hidden = hidden or activation
    return bptrace.Network(
        [0.05, -0.10], targets or [0.01, 0.99][:outputs] if outputs <= 2 else targets,
        [bptrace.Layer(2, hidden, [[0.15, 0.20], [-0.25, 0.30]], 0.35),
         bptrace.Layer(outputs, activation, [[0.40, 0.45], [0.50, 0.55], [0.1, 0.2]][:outputs], 0.60)],
        loss=loss, **kw)


# ----- activations ------------------------------------------------------------------------------
def test_sigmoid_rows():
    assert rows(network())[1:3] == [
        r"\mathrm{out} &= \sigma(\mathrm{net}) = \frac{1}{1 + e^{-\mathrm{net}}} && \text{its activation}",
        r"\sigma'(\mathrm{net}) &= \mathrm{out} \cdot (1 - \mathrm{out})"]


def test_tanh_is_tanh_and_its_derivative_is_one_minus_out_squared():
    r = rows(network(hidden="tanh", activation="sigmoid"))
    assert r[1:3] == [
        r"\mathrm{out} &= \tanh(\mathrm{net}) = \frac{e^{\mathrm{net}} - e^{-\mathrm{net}}}"
        r"{e^{\mathrm{net}} + e^{-\mathrm{net}}} && \text{its activation}",
        r"\tanh'(\mathrm{net}) &= 1 - \mathrm{out}^{2}"]


def test_relu_derivative_is_piecewise_with_the_value_each_neuron_uses():
    # net_h1 = 0.15·0.05 + 0.2·(−0.1) + 0.35 > 0; net_h2 = −0.25·0.05 + 0.3·(−0.1) + 0.35 > 0
    net = network(hidden="relu", activation="sigmoid")
    r = rows(net)
    assert r[1:4] == [
        r"\mathrm{out} &= \mathrm{ReLU}(\mathrm{net}) = \max(0, \mathrm{net}) && \text{its activation}",
        r"\mathrm{ReLU}'(\mathrm{net}) &= \begin{cases} 1 & \mathrm{net} > 0 \\ 0 & \mathrm{net} \le 0 \end{cases}",
        r"&\text{here: } \mathrm{ReLU}'(\mathrm{net}_{h1}) = 1,\ \mathrm{ReLU}'(\mathrm{net}_{h2}) = 1"]
    negative = bptrace.Network([1, 1], [0.5], [bptrace.Layer(2, "relu", [[1, 1], [-1, -1]], 0),
                                                bptrace.Layer(1, "sigmoid", [[1, 1]], 0)])
    assert rows(negative)[3] == (r"&\text{here: } \mathrm{ReLU}'(\mathrm{net}_{h1}) = 1,\ "
                                 r"\mathrm{ReLU}'(\mathrm{net}_{h2}) = 0")


def test_leaky_relu_and_identity_rows():
    net = network(hidden="leaky_relu", activation="identity", loss="mse")
    r = rows(net)
    assert r[1:3] == [
        r"\mathrm{out} &= \mathrm{LeakyReLU}(\mathrm{net}) = \begin{cases} \mathrm{net} & \mathrm{net} > 0 \\ "
        r"0.01 \cdot \mathrm{net} & \mathrm{net} \le 0 \end{cases} && \text{its activation}",
        r"\mathrm{LeakyReLU}'(\mathrm{net}) &= \begin{cases} 1 & \mathrm{net} > 0 \\ 0.01 & \mathrm{net} \le 0 \end{cases}"]
    assert r[4:6] == [r"\mathrm{out} &= \mathrm{net}", r"\frac{\partial \mathrm{out}}{\partial \mathrm{net}} &= 1"]


def test_a_bias_free_network_has_no_b_in_net():
    net = bptrace.load("examples/wufei.toml")
    assert rows(net)[0] == r"\mathrm{net} &= \sum_k w_k x_k && \text{the weighted sum into a neuron}"


# ----- losses -----------------------------------------------------------------------------------
def error_rows(net):
    return rows(net)[3:]


def test_half_sse_rows_and_the_sum():
    assert error_rows(network()) == [
        rf"E_{{o}} &= \frac{{1}}{{2}}({T_O} - {O_O})^{{2}}",
        rf"\frac{{\partial E_{{o}}}}{{\partial {O_O}}} &= -({T_O} - {O_O})",
        r"E_{\mathrm{total}} &= E_{o1} + E_{o2}",
        r"\delta_{j} &= \frac{\partial E_{\mathrm{total}}}{\partial \mathrm{net}_{j}} && "
        r"\text{the error's sensitivity to a neuron's net input}"]


def test_a_single_output_is_E_total_equals_E_o1_not_one_times_it():
    net = network(outputs=1, loss="mse", targets=[0.3])
    assert r"E_{\mathrm{total}} &= E_{o1}" in rows(net)
    forward = bptrace.to_text(net.forward())
    assert "E_total = E_o1\n" in forward and "1·E_o1" not in forward
    assert "= 1·" not in bptrace.to_text(net.derive("w5"))


def test_mse_is_a_mean_over_the_outputs():
    assert error_rows(network(loss="mse"))[:3] == [
        rf"E_{{o}} &= ({T_O} - {O_O})^{{2}}",
        rf"\frac{{\partial E_{{o}}}}{{\partial {O_O}}} &= -2({T_O} - {O_O})",
        r"E_{\mathrm{total}} &= \frac{1}{2}\left(E_{o1} + E_{o2}\right)"]


def test_l1_smooth_l1_huber_rows_with_their_options():
    r = f"{O_O} - {T_O}"
    a = rf"\left|{r}\right|"
    assert error_rows(network(loss="l1"))[:2] == [
        rf"E_{{o}} &= {a}", rf"\frac{{\partial E_{{o}}}}{{\partial {O_O}}} &= \operatorname{{sgn}}({r})"]
    smooth = error_rows(network(loss={"name": "smooth_l1", "beta": 0.5}))
    assert smooth[0] == (rf"E_{{o}} &= \begin{{cases}} \frac{{({r})^{{2}}}}{{2\beta}} & {a} < \beta \\ "
                         rf"{a} - \frac{{\beta}}{{2}} & \text{{otherwise}} \end{{cases}}")
    assert smooth[2] == r"\beta &= 0.5"
    huber = error_rows(network(loss={"name": "huber", "delta": 2}))
    assert huber[0] == (rf"E_{{o}} &= \begin{{cases}} \frac{{1}}{{2}}({r})^{{2}} & {a} < \Delta \\ "
                        rf"\Delta \cdot \left({a} - \frac{{\Delta}}{{2}}\right) & \text{{otherwise}} \end{{cases}}")
    assert huber[2] == r"\Delta &= 2 && \text{(torch's \texttt{delta})}"


def test_bce_and_bce_with_logits_rows():
    assert error_rows(network(loss="bce"))[:2] == [
        rf"E_{{o}} &= -\left[{T_O} \log {O_O} + (1 - {T_O}) \log(1 - {O_O})\right]",
        rf"\frac{{\partial E_{{o}}}}{{\partial {O_O}}} &= \frac{{{O_O} - {T_O}}}{{{O_O} \cdot (1 - {O_O})}}"]
    assert rows(network(loss="bce_with_logits", hidden="sigmoid", activation="identity"))[5:7] == [
        rf"E_{{o}} &= -\left[{T_O} \log \sigma({O_O}) + (1 - {T_O}) \log(1 - \sigma({O_O}))\right]",
        rf"\frac{{\partial E_{{o}}}}{{\partial {O_O}}} &= \sigma({O_O}) - {T_O}"]


def test_cross_entropy_writes_softmax_with_the_right_indices():
    net = network(activation="identity", loss="cross_entropy", outputs=3, targets=[0, 1, 0])
    r = rows(net)
    assert r[3:5] == [
        r"E_{\mathrm{total}} &= -\sum_{k=1}^{C} \mathrm{target}_{k} \log \operatorname{softmax}_{k}(\mathrm{out})",
        r"\operatorname{softmax}_{k}(\mathrm{out}) &= \frac{e^{\mathrm{out}_{k}}}{\sum_{j=1}^{C} "
        r"e^{\mathrm{out}_{j}}} && \text{over the $C = 3$ outputs}"]
    assert "softmax_1" not in "".join(r) and r"softmax}_{1}" not in "".join(r)


def test_nll_rows():
    net = network(activation="identity", loss="nll", outputs=3, targets=[0, 0, 1])
    assert rows(net)[3:5] == [
        r"E_{\mathrm{total}} &= -\sum_{k=1}^{C} \mathrm{target}_{k} \cdot \mathrm{out}_{k} && "
        r"\text{$\mathrm{out}$: log-probabilities}",
        r"\frac{\partial E_{\mathrm{total}}}{\partial \mathrm{out}_{k}} &= -\mathrm{target}_{k}"]


# ----- simplifications ----------------------------------------------------------------------
def simplification_rows(net):
    printer = DocumentPrinter()
    from bptrace.printing.latex_lecture import lecture
    return printer.simplification_rows(lecture(net, [net.names.weights[-1][0][0]], prove=False))


def test_sigmoid_bce_delta_simplifies_to_out_minus_target():
    s = simplify.sigmoid_bce()
    assert s.proven and s.after == sympy.Symbol("out_o") - sympy.Symbol("target_o")
    net = bptrace.load("examples/tanh_bce.toml")
    assert simplification_rows(net) == [
        rf"\delta_{{o}} &= \frac{{{O_O} - {T_O}}}{{{O_O} \cdot (1 - {O_O})}} \cdot {O_O} \cdot (1 - {O_O})",
        rf"&= \left({O_O} - {T_O}\right) && \text{{which simplifies (proven by SymPy)}}"]
    # and the deck's delta frame shows it with the numbers: out_o1 − target_o1
    deck = bptrace.to_latex  # noqa: F841  (the public API is loaded)
    from bptrace.printing.latex_document import to_slides
    text = to_slides(net, wrt=["w7"])
    out = net.values["out_o1"]
    assert (r"&= \mathrm{out}_{o1} - \mathrm{target}_{o1} \quad \text{(which simplifies)} \\" + "\n"
            r"&= 0.632845962 - 1 \\" + "\n" r"&= -0.367154038") in text
    assert abs(net.values["delta_o1"] - (out - 1)) < 1e-40


def test_softmax_cross_entropy_simplifies_to_softmax_minus_target():
    s = simplify.softmax_ce(3)
    assert s.proven
    net = bptrace.load("examples/relu_ce.toml")
    assert simplification_rows(net) == [
        r"\frac{\partial E_{\mathrm{total}}}{\partial \mathrm{out}_{k}} &= -\sum_{j} \mathrm{target}_{j} "
        r"\cdot \frac{\partial \log \operatorname{softmax}_{j}(\mathrm{out})}{\partial \mathrm{out}_{k}}",
        r"&= \operatorname{softmax}_{k}(\mathrm{out}) - \mathrm{target}_{k} && \text{which simplifies, "
        r"$\sum_j \mathrm{target}_{j} = 1$ (proven by SymPy)}"]


def test_mean_mse_factor_is_two_over_n():
    assert simplify.mse_mean(3).proven
    net = network(loss="mse")
    assert simplification_rows(net) == [
        r"\frac{\partial E_{\mathrm{total}}}{\partial \mathrm{out}_{k}} &= \frac{1}{2} \cdot (-2)"
        r"(\mathrm{target}_{k} - \mathrm{out}_{k})",
        r"&= -\frac{2}{n}(\mathrm{target}_{k} - \mathrm{out}_{k}),\ n = 2 && \text{which simplifies (proven by SymPy)}"]


def test_the_proofs_reject_a_wrong_claim():
    o, t, n = sympy.symbols("o t n")
    s = simplify.sigmoid(n).rewrite(sympy.exp)
    e = -(t * sympy.log(s) + (1 - t) * sympy.log(1 - s))
    assert simplify._zero(sympy.diff(e, n) - (s - t))
    assert not simplify._zero(sympy.diff(e, n) - (t - s))          # the sign a student might flip
    assert not simplify._zero(sympy.diff((t - o) ** 2 / 3, o) - (-(t - o)))   # 2/n, not 1


@pytest.mark.parametrize("loss", ["half_sse", "sse", "l1", "huber"])
def test_no_simplification_where_none_applies(loss):
    assert simplify.simplifications(network(loss=loss)) == ()


def test_cross_entropy_options_are_stated():
    net = network(activation="identity", loss={"name": "cross_entropy", "label_smoothing": 0.1,
                                               "weight": [1, 2, 0.5]}, outputs=3, targets=[0, 1, 0],
                  reduction="sum")
    r = rows(net)
    assert r[5:7] == [
        r"&\text{label smoothing: } \mathrm{target}_{k} \to (1 - \varepsilon) \cdot \mathrm{target}_{k}"
        r" + \frac{\varepsilon}{C},\ \varepsilon = 0.1",
        r"&\text{each class's term times its weight: } w = (1, 2, 0.5)"]
    assert simplify.simplifications(net) == ()      # softmax − target needs neither option
