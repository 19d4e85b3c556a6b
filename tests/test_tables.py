"""Each table entry's written derivative is sympy.diff of its formula, and its numbers
agree with its formula and with torch."""
import mpmath
import pytest
import sympy

from bptrace.model.activations import ACTIVATIONS
from bptrace.calculus.derive import _rebuild
from bptrace.model.loss_table import LOSSES
from bptrace.model.numeric import evaluate

net, out, t, o = sympy.symbols("net out t o")
POINTS = ["-2.5", "-0.3", "0.4", "1.7"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_derivative_is_the_derivative(name):
    act = ACTIVATIONS[name]
    f = act.formula(net)
    written = _rebuild(act.derivative(net, out)).subs(out, f)
    assert sympy.simplify(written - sympy.diff(f, net)) == 0


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("x", POINTS)
def test_activation_numbers_follow_the_formulas(name, x):
    act = ACTIVATIONS[name]
    x = mpmath.mpf(x)
    y = act.value(x, mpmath)
    assert abs(evaluate(act.formula(net), {"net": x}) - y) < mpmath.mpf(10) ** -45
    written = evaluate(act.derivative(net, out), {"net": x, "out": y})
    assert abs(act.slope(x, y, mpmath) - written) < mpmath.mpf(10) ** -45
    assert abs(mpmath.diff(lambda v: act.value(v, mpmath), x) - written) < mpmath.mpf(10) ** -20


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_kink_derivative_at_zero_is_torchs(name):
    torch = pytest.importorskip("torch", reason="torch is the oracle; install the test extras")
    act = ACTIVATIONS[name]
    z = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    act.torch(torch, z).sum().backward()
    assert float(act.slope(mpmath.mpf(0), act.value(mpmath.mpf(0), mpmath), mpmath)) == z.grad.item()


def _loss_setup(name):
    """A 3-output sample of the loss in symbols, with options that are not the defaults."""
    loss = LOSSES[name]
    opts = {"smooth_l1": {"beta": sympy.Rational(1, 2)}, "huber": {"delta": sympy.Rational(3, 2)},
            "cross_entropy": {"label_smoothing": sympy.Rational(1, 10), "weight": None},
            "nll": {"weight": None}}.get(name, {})
    return loss, {**loss.defaults, **opts}


@pytest.mark.parametrize("name,weighted", [(n, False) for n in LOSSES]
                         + [(n, True) for n in LOSSES if "weight" in LOSSES[n].defaults])
def test_loss_derivative_is_the_derivative(name, weighted):
    """Each written ∂(Σ E_o)/∂out_j is sympy.diff of the written terms (cross-entropy: given Σ t = 1)."""
    loss, opts = _loss_setup(name)
    if weighted:
        opts["weight"] = (1, sympy.Rational(1, 2), 3)
    ts, os_ = sympy.symbols("t1 t2 t3"), sympy.symbols("o1 o2 o3")
    total = _rebuild(sympy.Add(*loss.terms(ts, os_, opts)))
    given = {ts[2]: 1 - ts[0] - ts[1]} if name == "cross_entropy" else {}
    for j, b in enumerate(os_):
        written = _rebuild(loss.derivative(ts, os_, j, opts))
        direct = sympy.diff(total, b)
        if name in ("smooth_l1", "huber"):
            # one function for the whole piecewise loss: its fdiff is the clip written
            assert written == _rebuild(direct)
            continue
        assert sympy.simplify(sympy.expand((written - direct).subs(given))) == 0


@pytest.mark.parametrize("name", [n for n in LOSSES if LOSSES[n].element])
def test_element_branches_differentiate(name):
    """Each gradient branch ``bptrace loss`` shows is sympy.diff of its term branch (and of the
    course's definition); torch's floors (BCE's ε, the stable logits form) are checked in numbers."""
    el = LOSSES[name].element
    pairs = list(zip(el.terms, el.grads)) + [(el.definition[0], el.grads[0])]
    checked = 0
    for term, grad in pairs:
        if {"ε_torch"} & {s.name for s in grad.formula.free_symbols} or term.formula.has(sympy.Max):
            continue
        t, g = _rebuild(term.formula), _rebuild(grad.formula)
        assert sympy.simplify(g - sympy.diff(t, sympy.Symbol("x"))) == 0, (term.formula, grad.formula)
        checked += 1
    assert checked >= 1


@pytest.mark.parametrize("name", [n for n in LOSSES if LOSSES[n].element])
@pytest.mark.parametrize("xy", [("0.7", "0.2"), ("-1.3", "0.4"), ("2.5", "1"), ("0.3", "0.9"), ("0.5", "0.5")])
def test_element_numbers_follow_the_formulas(name, xy):
    """The number a trace shows for a branch is its formula evaluated, and the table's value."""
    el = LOSSES[name].element
    x, y = (mpmath.mpf(v) for v in xy)
    if name == "bce" and not 0 <= x <= 1:
        x = x % 1
    opts = {"beta": mpmath.mpf("0.5"), "delta": mpmath.mpf("1.5")}
    vals = {"x": x, "y": y, "β": opts["beta"], "δ": opts["delta"], "ε_torch": mpmath.mpf(10) ** -12}
    term = next(b for b in el.terms if b.applies(x, y, opts))
    grad = next(b for b in el.grads if b.applies(x, y, opts))
    assert abs(evaluate(term.formula, vals) - el.value(x, y, mpmath, opts)) < mpmath.mpf(10) ** -45
    assert abs(evaluate(grad.formula, vals) - el.grad(x, y, mpmath, opts)) < mpmath.mpf(10) ** -45
    # the course's definition gives the same number where it is finite
    assert abs(evaluate(el.definition[0].formula, vals) - el.value(x, y, mpmath, opts)) < mpmath.mpf(10) ** -40 \
        or el.definition[0].when is not None


@pytest.mark.parametrize("name", LOSSES)
def test_network_numbers_follow_the_formulas(name):
    """E_o and ∂(Σ E_o)/∂out_j as numbers equal the network formulas evaluated."""
    loss, opts = _loss_setup(name)
    ts = [mpmath.mpf(v) for v in ("0.2", "0.5", "0.3")] if name != "nll" else [mpmath.mpf(v) for v in (0, 1, 0)]
    os_ = [mpmath.mpf(v) for v in ("0.35", "0.9", "0.05")]
    T, O = sympy.symbols("t1 t2 t3"), sympy.symbols("o1 o2 o3")
    vals = {**{s.name: v for s, v in zip(T, ts)}, **{s.name: v for s, v in zip(O, os_)}}
    nopts = {k: None if v is None else mpmath.mpf(int(sympy.Rational(v).p)) / int(sympy.Rational(v).q)
             for k, v in opts.items()}
    for j, (formula_, value) in enumerate(zip(loss.terms(T, O, opts), loss.values(ts, os_, mpmath, nopts))):
        assert abs(evaluate(formula_, vals) - value) < mpmath.mpf(10) ** -45
    for j, value in enumerate(loss.grads(ts, os_, mpmath, nopts)):
        assert abs(evaluate(loss.derivative(T, O, j, opts), vals) - value) < mpmath.mpf(10) ** -45
