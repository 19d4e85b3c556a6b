"""Backpropagation through any expression a user types, stage by stage (a computation graph).

Provides:
- ``parse_at("x=-2,y=5,z=-4")`` → the point, read exactly;
- ``parse_stages("q=x+y,f=q*z")`` → [(name, sub-expression)], for naming or grouping stages;
- ``trace(text, at, stages=(), prove=True)`` → ``StagedTrace``: every operation a named
  stage (q = x + y, f = q·z) with its value; backward, each gate's local gradients, the
  upstream × local product for every edge, each fan-out's branches and their sum; the final
  ∂f/∂input; and a SymPy proof that the staged result equals ``sympy.diff`` of the whole;
- ``expr(text, stages=None, prove=True, **at)`` — the Python API, ``bptrace.expr``.

The expression is read by ``lessons/expression.py`` (never eval/sympify), with its one
two-argument function, ``max(a, b)``, allowed. Each gate's local
rule is SymPy's derivative of the gate with one placeholder per operand, so x·x has two
edges from x (y and x swapped), each with its own branch. A stage named with ``--stages``
is one gate over the names it uses (inputs or earlier stages); an identical part used twice
is then one node whose gradient sums both branches. Values are 50-digit mpmath numbers
(``calculus.evaluate``); any value beyond float64's range is refused, so torch can check it.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy

from ..calculus.evaluate import DomainError, evaluate
from ..calculus.trace import Step
from ..errors import SpecError
from ..model.numbers import exact, to_mpf
from .expression import (
    FUNCTIONS,
    Call,
    ExpressionError,
    Neg,
    Param,
    _to_sympy,
    check_name,
    parse,
    tokenize,
)
from .staged_trace import Edge, FanOut, Node, StagedProof, StagedTrace
from .staged_tree import (
    OPS,
    as_written,
    expand,
    free,
    gate_expr,
    local_rule,
    occurs,
    operand_tree,
    rename_tree,
    written,
)

FLOAT64_MAX = mpmath.mpf("1.7976931348623157e308")
MAX_PROOF_GATES = 30     # the symbolic proof is attempted up to this many gates
MAX_STAGES = 200         # operations in one expression: a board holds far fewer
_NAMES = "q r s t u v a b c d g h k m n p".split()   # intermediate stages, as textbooks name them


def parse_at(text: str) -> dict[str, Fraction]:
    """``"x=-2,y=5"`` → {"x": -2, "y": 5}, exact; names checked, no repeats."""
    out = {}
    for part in text.split(","):
        name, eq, value = part.partition("=")
        name = name.strip()
        if not eq:
            raise SpecError("--at", f"expected name=value, got {part.strip()!r}")
        _name(name, "--at")
        if name in out:
            raise SpecError("--at", f"{name} is given twice")
        out[name] = exact(value.strip(), f"--at: {name}")
    return out


def parse_stages(text: str) -> list[tuple[str, str]]:
    """``"q=x+y,f=q*z"`` → [("q", "x+y"), ("f", "q*z")] (the grammar has no commas)."""
    out = []
    for part in text.split(","):
        name, eq, sub = part.partition("=")
        if not eq or not sub.strip():
            raise SpecError("--stages", f"expected name=sub-expression, got {part.strip()!r}")
        out.append((name.strip(), sub.strip()))
    return out


def _name(name: str, field: str) -> str:
    try:
        return check_name(name, field)
    except ExpressionError as e:
        raise SpecError(field, e.problem.removeprefix(f"{field}: ")) from None


def _used_names(text: str) -> list[str]:
    """The variable names in ``text`` (not functions), in order, before parsing it; an
    expression with more than ``MAX_STAGES`` operations is refused here, before the parser
    builds (and recursively converts) a tree that long."""
    tokens = tokenize(text, commas=True)
    operations = sum(t.kind == "op" and t.text not in "()," or t.text in FUNCTIONS for t in tokens)
    if operations > MAX_STAGES:
        raise SpecError("EXPR", f"{operations} operations: at most {MAX_STAGES} can be staged")
    out = []
    for t, nxt in zip(tokens, tokens[1:]):
        if t.kind == "name" and t.text not in FUNCTIONS and nxt.text != "(" and t.text not in out:
            out.append(t.text)
    return out


class _Builder:
    """Walks the parse tree once, making a node per operation (or per named stage)."""

    def __init__(self, at, stages):
        self.at = at
        self.stages = stages              # name → (own tree, expanded tree)
        self.nodes: list[dict] = [dict(name=x, gate="input", args=(), formula=None, tree=None,
                                       template=None) for x in at]
        self.stage_nodes: dict[str, str] = {}

    def build(self, t):
        """The node name for tree ``t``, or ("const", sympy value) for a constant part."""
        if not free(t):
            return ("const", _to_sympy(t, {}))
        if isinstance(t, Param):
            return t.name
        for name, (_, expanded) in reversed(list(self.stages.items())):
            if t == expanded:
                return self.stage(name)
        if isinstance(t, Neg):
            parts, gate = [self.build(t.operand)], "neg"
        elif isinstance(t, Call):
            parts, gate = [self.build(t.arg)], t.func
        else:
            parts, gate = [self.build(t.left), self.build(t.right)], OPS[t.op]
        return self.gate(gate, parts, t)

    def gate(self, gate, parts, t):
        holders = [sympy.Dummy(f"a{i}") for i in range(len(parts))]
        args, shown, used = [], [], []
        for p, h in zip(parts, holders):
            if isinstance(p, tuple):
                shown.append(p[1])
            else:
                args.append(p)
                shown.append(sympy.Symbol(p))
                used.append(h)
        live = [h if not isinstance(p, tuple) else p[1] for p, h in zip(parts, holders)]
        template = gate_expr(gate, live, evaluate=True)
        formula = gate_expr(gate, shown, evaluate=False)
        tree = operand_tree(t, parts)
        name = f"#{len(self.nodes)}"
        self.nodes.append(dict(name=name, gate=gate, args=tuple(args), formula=formula, tree=tree,
                               template=(template, used)))
        return name

    def stage(self, name):
        if name in self.stage_nodes:
            return name
        own, _ = self.stages[name]
        for used in free(own):
            if used in self.stages:
                self.stage(used)
        args = tuple(free(own))
        symbols = {a: sympy.Symbol(a) for a in args}
        formula = as_written(own, symbols)
        holders = [sympy.Dummy(a) for a in args]
        template = _to_sympy(own, dict(zip(args, holders)))
        self.nodes.append(dict(name=name, gate="stage", args=args, formula=formula, tree=own,
                               template=(template, holders)))
        self.stage_nodes[name] = name
        return name


def _rename(nodes, taken):
    """Intermediate stages get q, r, s, …; the output f (names already taken are skipped)."""
    pool = [n for n in _NAMES if n not in taken] + [f"q{i}" for i in range(1, len(nodes) + 1)]
    pool = [n for n in pool if n not in taken]
    out_name = next(n for n in ("f", "out", "f_out") if n not in taken)
    renames, k = {}, 0
    for i, n in enumerate(nodes):
        if n["name"].startswith("#"):
            if i == len(nodes) - 1:
                renames[n["name"]] = out_name
            else:
                renames[n["name"]] = pool[k]
                k += 1
    return renames


def _check_range(what: str, x) -> None:
    if abs(x) > FLOAT64_MAX:
        raise SpecError(what, f"the value {mpmath.nstr(x, 6)} overflows float64 at this point")


def trace(text: str, at, stages=(), prove: bool = True, explain: bool = False) -> StagedTrace:
    """Stage ``text`` at the point ``at`` (name → exact value); see the module docstring."""
    at = {_name(k, "--at"): exact(v, f"--at: {k}") for k, v in at.items()}
    field = "EXPR"
    try:
        missing = [n for n in _used_names(text) if n not in at]
    except ExpressionError as e:
        raise SpecError(field, str(e)) from None
    if missing:
        raise SpecError("--at", f"no value for {', '.join(missing)} (the expression uses "
                                f"{', '.join(_used_names(text))})")
    try:
        tree = parse(text, list(at), binary=True).tree
    except ExpressionError as e:
        raise SpecError(field, str(e)) from None
    unused = [x for x in at if x not in free(tree)]
    if unused:
        raise SpecError("--at", f"{', '.join(unused)} not in the expression")
    if not free(tree) or isinstance(tree, Param):
        raise SpecError(field, "nothing to stage: the expression has no operation on an input")
    declared = _declare_stages(stages, at, tree)
    b = _Builder(at, declared)
    root = b.build(tree)
    taken = set(at) | set(declared)
    renames = _rename(b.nodes, taken)
    symbols = {sympy.Symbol(old): sympy.Symbol(new) for old, new in renames.items()}
    raw = [dict(n, name=renames.get(n["name"], n["name"]),
                args=tuple(renames.get(a, a) for a in n["args"]),
                formula=None if n["formula"] is None else written(n["formula"], symbols),
                tree=rename_tree(n["tree"], renames)) for n in b.nodes]
    output = renames.get(root, root)
    return _evaluate(text, at, raw, output, tree, prove, explain)


def _declare_stages(stages, at, tree):
    """name → (its own tree over inputs and earlier stages, the tree with those expanded)."""
    declared: dict = {}
    for name, sub in stages:
        field = f"--stages: {name}"
        _name(name, "--stages")
        if name in at:
            raise SpecError("--stages", f"{name} is an input (given by --at), not a stage name")
        if name in declared:
            raise SpecError("--stages", f"{name} is named twice")
        try:
            own = parse(sub, list(at) + list(declared), binary=True).tree
        except ExpressionError as e:
            raise SpecError(field, str(e)) from None
        if not free(own):
            raise SpecError(field, f"{sub!r} reads no input: a stage must compute from the inputs")
        expanded = expand(own, {k: v[1] for k, v in declared.items()})
        twin = next((k for k, v in declared.items() if v[1] == expanded), None)
        if twin:
            raise SpecError(field, f"the same part of the expression as stage {twin}")
        if not occurs(expanded, tree):
            raise SpecError(field, f"{sub!r} is not a part of the expression as it is grouped "
                                   "(a + b + c is (a + b) + c; write the parts in that order)")
        declared[name] = (own, expanded)
    return declared


def _evaluate(text, at, raw, output, tree, prove, explain) -> StagedTrace:
    """Forward values, then the backward pass edge by edge, then the proof."""
    values = {x: to_mpf(v) for x, v in at.items()}
    forward = []
    for n in raw:
        if n["gate"] == "input":
            continue
        try:
            v = evaluate(n["formula"], values)
        except DomainError as e:
            problem = f"{e} at this point"
            if n["gate"] == "pow" and isinstance(n["tree"].right, Param):
                problem = (f"a negative base to a variable power ({n['formula']}) has no real "
                           "value or gradient at this point")
            raise SpecError(f"stage {n['name']}", problem) from None
        _check_range(f"stage {n['name']}", v)
        values[n["name"]] = v
        forward.append(Step(sympy.Symbol(n["name"]), n["formula"], v))
    uses = {n["name"]: 0 for n in raw}
    for n in raw:
        for a in n["args"]:
            uses[a] += 1
    grads = {n["name"]: mpmath.mpf(0) for n in raw}
    grads[output] = mpmath.mpf(1)
    symbolic = {output: sympy.Integer(1)}
    terms: dict[str, list] = {}
    edges = []
    for n in reversed(raw):
        if n["gate"] == "input":
            continue
        template, holders = n["template"]
        subst = {h: sympy.Symbol(a) for h, a in zip(holders, n["args"])}
        for h, child in zip(holders, n["args"]):
            local = written(local_rule(n["gate"], template, h), subst)
            try:
                local_value = evaluate(local, values)
            except DomainError as e:
                raise SpecError(f"stage {n['name']}", f"the local gradient ∂{n['name']}/∂{child}: {e}") from None
            product = grads[n["name"]] * local_value
            _check_range(f"∂f/∂{child}", product)
            grads[child] += product
            terms.setdefault(child, []).append(product)
            symbolic[child] = symbolic.get(child, 0) + symbolic.get(n["name"], 0) * local
            edges.append(Edge(n["name"], child, local, local_value, grads[n["name"]], product,
                              len(terms[child]), uses[child]))
    fanouts = tuple(FanOut(x, tuple(ts), grads[x]) for x, ts in terms.items() if len(ts) > 1)
    nodes = tuple(Node(n["name"], n["gate"], n["args"], n["formula"], n["tree"], values[n["name"]],
                       grads[n["name"]]) for n in raw)
    whole = _to_sympy(tree, {x: sympy.Symbol(x) for x in at})
    derivatives = {x: sympy.diff(whole, sympy.Symbol(x)) for x in at}
    proof = _prove(raw, symbolic, derivatives) if prove else None
    return StagedTrace(text, output, dict(at), nodes, tuple(forward), tuple(edges), fanouts,
                       values, whole, derivatives, proof, explain)


def _prove(raw, symbolic, derivatives) -> StagedProof:
    gates = [n for n in raw if n["gate"] != "input"]
    if len(gates) > MAX_PROOF_GATES:
        return StagedProof(False, {}, f"not attempted: more than {MAX_PROOF_GATES} stages")
    inputs = {}
    for n in raw:      # each stage written out in the inputs
        if n["gate"] != "input":
            inputs[sympy.Symbol(n["name"])] = n["formula"].doit().xreplace(inputs)
    differences, proven = {}, True
    for x, reference in derivatives.items():
        staged = sympy.Integer(0) if x not in symbolic else symbolic[x]
        diff = (staged.xreplace(inputs).doit() - reference)
        if diff != 0:
            diff = sympy.simplify(diff)
        differences[x] = diff
        proven = proven and diff == 0
    reason = "" if proven else "SymPy did not simplify every difference to 0"
    return StagedProof(proven, differences, reason)


def expr(text: str, stages=None, prove: bool = True, explain: bool = False, **at) -> StagedTrace:
    """``bptrace.expr("(x+y)*z", x=-2, y=5, z=-4)`` → the staged trace.

    ``stages``: a list of (name, sub-expression) pairs or the ``--stages`` text
    ("q=x+y"); values may be ints, floats (read by their shortest repr), strings or Fractions.
    """
    if isinstance(stages, str):
        stages = parse_stages(stages)
    return trace(text, at, stages or (), prove=prove, explain=explain)
