"""float64 training at plain-Python speed: ``numeric.run`` recorded once, run as straight code.

The training loop's float64 path calls ``numeric.run`` every round: lists, comprehensions,
table look-ups and ``sum`` around a few dozen float operations. Here that same call runs
once on stand-in numbers (``_Var``) that write down each operation they take part in —
``t7 = t3 * t5``, ``t8 = _exp(-t7)`` — with a stand-in for the ``math`` module. The
recorded lines, in their order, are compiled into one function that trains: each round the
update ``w − η·g`` of ``train._apply``, then the recorded forward and backward pass. The
operations are the very ones ``numeric.run`` takes on floats (same operands, same order,
same constants), so the results are the same bits (``tests/test_speed_paths.py``).

Anything the stand-ins cannot follow — a branch on a value (``if x > 0``), a conversion
(``float(x)``), a function the ``math`` module lacks — stops the recording, and the caller
takes the plain path. The code grows with the number of edges, so only networks up to
``MAX_OPERATIONS`` recorded operations are compiled; wider ones use ``wide_loop.py``
(numpy) or the plain path.
"""
from __future__ import annotations

import math

from ..model import numeric

MAX_OPERATIONS = 20_000     # straight code beyond this compiles slowly and runs no faster


class Unsupported(Exception):
    """The recording met something it cannot write down; use the plain path."""


class _Tape:
    def __init__(self):
        self.lines = []          # (target _Var, template, operands)
        self.functions = {}      # name in the generated code → function
        self.count = 0

    def new(self, template: str, *operands) -> "_Var":
        if len(self.lines) >= MAX_OPERATIONS:
            raise Unsupported("too many operations")
        v = _Var(self, f"t{self.count}")
        self.count += 1
        self.lines.append((v, template, operands))
        return v


def _operand(x):
    """A stand-in or a constant the generated code can spell exactly."""
    if isinstance(x, _Var):
        return x
    if type(x) in (int, bool):
        return x
    if type(x) is float and math.isfinite(x):
        return x
    raise Unsupported(f"a constant of type {type(x).__name__}")


def _binary(symbol):
    def op(self, other):
        return self.tape.new(f"{{}} {symbol} {{}}", self, _operand(other))

    def rop(self, other):
        return self.tape.new(f"{{}} {symbol} {{}}", _operand(other), self)
    return op, rop


class _Var:
    """A float the generated code will hold in a local variable."""

    __slots__ = ("tape", "name")

    def __init__(self, tape, name):
        self.tape, self.name = tape, name

    __add__, __radd__ = _binary("+")
    __sub__, __rsub__ = _binary("-")
    __mul__, __rmul__ = _binary("*")
    __truediv__, __rtruediv__ = _binary("/")
    __pow__, __rpow__ = _binary("**")
    __gt__, _ = _binary(">")
    __lt__, _ = _binary("<")
    __ge__, _ = _binary(">=")
    __le__, _ = _binary("<=")

    def __neg__(self):
        return self.tape.new("-{}", self)

    def __pos__(self):
        return self.tape.new("+{}", self)

    def __abs__(self):
        return self.tape.new("abs({})", self)

    def __bool__(self):
        raise Unsupported("a branch on a value")

    def __float__(self):
        raise Unsupported("a conversion")

    __int__ = __index__ = __float__
    __eq__ = __ne__ = __hash__ = None


class _Math:
    """The ``math`` module as the recording sees it: each function call is written down."""

    arrays = False      # numbers one at a time (numeric.py asks; fastnp.Arrays says True)

    def __init__(self, tape):
        self._tape = tape

    def __getattr__(self, name):
        value = getattr(math, name, None)
        if value is None:
            raise Unsupported(f"math has no {name}")
        if not callable(value):
            return value
        alias = f"_{name}"
        self._tape.functions[alias] = value

        def call(*args):
            return self._tape.new(f"{alias}({', '.join('{}' for _ in args)})",
                                  *[_operand(a) for a in args])
        return call


def _spell(x) -> str:
    if isinstance(x, _Var):
        return x.name
    return f"({x!r})"


def compile_training(layers, samples, scales, loss, reduction, biases: bool):
    """A function ``train(params, eta, rounds, every, before, progress, diverged)`` → (params,
    losses, outputs) doing what ``calculus.train.train`` does on floats, or None.

    ``layers`` gives the structure (activation, weights, biases, dropout factors); the
    compiled function takes the parameters as one flat list (weights row by row, then
    biases, layer by layer) and the samples and dropout factors are read from the
    recording's inputs (``samples``, ``scales``: floats, as ``train`` builds them).
    """
    tape = _Tape()
    m = _Math(tape)
    names = []

    def var(name):
        v = _Var(tape, name)
        names.append(name)
        return v

    params, structure = [], []
    for l, (act, w, b, _) in enumerate(layers):
        wv = [[var(f"w{l}_{j}_{k}") for k in range(len(row))] for j, row in enumerate(w)]
        bv = [var(f"b{l}_{j}") for j in range(len(b))]
        params += [v for row in wv for v in row] + bv
        structure.append((act, wv, bv))
    n_params = len(params)
    xs = [([var(f"x{s}_{k}") for k in range(len(x))], [var(f"y{s}_{k}") for k in range(len(t))])
          for s, (x, t) in enumerate(samples)]
    sv = [[[var(f"s{s}_{l}_{j}") for j in range(len(sc))] for l, sc in enumerate(per)]
          for s, per in enumerate(scales)]
    flat = [v for x, t in samples for v in (*x, *t)] + [v for per in scales for sc in per for v in sc]
    try:
        nums = numeric.reduce([numeric.run(x, t, [(a, w, b, sv[s][l]) for l, (a, w, b) in
                                                   enumerate(structure)], loss, m)
                               for s, (x, t) in enumerate(xs)], reduction)
    except Unsupported:
        return None
    except (TypeError, AttributeError, ValueError, ArithmeticError):
        return None     # something the stand-ins cannot take part in
    # the same order as ``params``: per layer, weights row by row, then its biases
    grads = []
    for l in range(len(layers)):
        grads += [g for row in nums.weight_grads[l] for g in row]
        grads += list(nums.bias_grads[l])
    outputs = [o for n in nums.samples for o in n.out[-1]]
    moving = [i for i in range(n_params)
              if biases or not params[i].name.startswith("b")]
    return _generate(tape, params, names, grads, nums.loss, outputs, moving, flat)


def _generate(tape, params, names, grads, loss, outputs, moving, flat):
    body = []
    for target, template, operands in tape.lines:
        body.append(f"{target.name} = {template.format(*map(_spell, operands))}")
    # the round's results under fixed names, read by the next round's update
    tail = [f"g{i} = {_spell(g)}" for i, g in enumerate(grads)]
    tail += [f"L = {_spell(loss)}"]
    run = body + tail
    p = [v.name for v in params]
    update = [f"{p[i]} = {p[i]} - eta * g{i}" for i in moving]
    inputs = [n for n in names if n not in set(p)]
    ind = "        "
    src = [
        "def _train(P, I, eta, rounds, every, before, progress, diverged):",
        f"    {', '.join(p)}, = P" if p else "    pass",
        f"    {', '.join(inputs)}, = I" if inputs else "    pass",
        "    r = 0",
        "    losses = []",
        "    try:",
        *(ind + line for line in run),
        "        for r in range(1, rounds + 1):",
        "            record = r == 1 or r % every == 0 or r == rounds",
        "            if before and record:",
        "                losses.append((r, L))",
        *("    " + ind + line for line in update + run),
        "            if record and not before:",
        "                losses.append((r, L))",
        "            if progress is not None and (r % 100 == 0 or r == rounds):",
        "                progress(r)",
        "    except (OverflowError, ZeroDivisionError) as e:",
        "        raise diverged(r, e) from None",
        f"    return [{', '.join(p)}], losses, [{', '.join(map(_spell, outputs))}]",
    ]
    namespace = dict(tape.functions)
    exec(compile("\n".join(src), "<bptrace float64 training>", "exec"), namespace)  # noqa: S102
    fn = namespace["_train"]

    def train(param_values, eta, rounds, every, before, progress, diverged):
        return fn(param_values, flat, eta, rounds, every, before, progress, diverged)
    return train
