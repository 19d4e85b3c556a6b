"""Each table entry's written derivative is sympy.diff of its formula, and its numbers
agree with its formula and with torch."""
import mpmath
import pytest
import sympy

from bptrace.activations import ACTIVATIONS
from bptrace.derive import _rebuild
from bptrace.losses import LOSSES
from bptrace.numeric import evaluate

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


@pytest.mark.parametrize("name", LOSSES)
def test_loss_derivative_is_the_derivative(name):
    loss = LOSSES[name]
    ts, os_ = sympy.symbols("t1 t2 t3"), sympy.symbols("o1 o2 o3")
    total = _rebuild(loss.total([loss.term(a, b) for a, b in zip(ts, os_)]))
    for a, b in zip(ts, os_):
        assert sympy.expand(_rebuild(loss.derivative(a, b, 3)) - sympy.diff(total, b)) == 0


@pytest.mark.parametrize("name", LOSSES)
def test_loss_numbers_match_torch(name):
    torch = pytest.importorskip("torch", reason="torch is the oracle; install the test extras")
    loss = LOSSES[name]
    ts, os_ = [0.2, 0.9, -0.4], [0.35, 0.1, 0.05]
    o = torch.tensor(os_, dtype=torch.float64, requires_grad=True)
    value = loss.torch(torch, o, torch.tensor(ts, dtype=torch.float64))
    value.backward()
    mts, mos = [mpmath.mpf(str(v)) for v in ts], [mpmath.mpf(str(v)) for v in os_]
    assert abs(float(loss.value(mts, mos)) - value.item()) < 1e-15
    for k in range(3):
        assert abs(float(loss.grad(mts[k], mos[k], 3)) - o.grad[k].item()) < 1e-15
