"""The parse tree of a typed expression, seen as gates: helpers for ``lessons/staged.py``.

Provides ``free(tree)`` (the names it reads, in order), ``expand``, ``occurs`` and
``rename_tree`` (stages named by the user are parts of the tree), ``gate_expr(gate, xs)``
(one operation as SymPy, evaluated or as written), ``as_written(tree, symbols)`` and
``written(expr, mapping)`` (SymPy expressions in the order the user typed them: SymPy
would reorder 1 + v into v + 1), ``local_rule(gate, template, holder)`` (∂gate/∂operand)
and ``operand_tree`` (a gate's own tree over its operands' node names).
"""
from __future__ import annotations

import sympy

from .expression import FUNCTIONS, BinOp, Call, Neg, Num, Param, _to_sympy

OPS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow", "max": "max"}


def free(tree) -> list[str]:
    """The names a tree reads, in order of first appearance."""
    out = []

    def walk(t):
        if isinstance(t, Param):
            if t.name not in out:
                out.append(t.name)
        elif isinstance(t, Neg):
            walk(t.operand)
        elif isinstance(t, Call):
            walk(t.arg)
        elif isinstance(t, BinOp):
            walk(t.left)
            walk(t.right)
    walk(tree)
    return out


def expand(tree, trees):
    """``tree`` with each stage name replaced by that stage's own (expanded) tree."""
    if isinstance(tree, Param):
        return trees.get(tree.name, tree)
    if isinstance(tree, Neg):
        return Neg(expand(tree.operand, trees))
    if isinstance(tree, Call):
        return Call(tree.func, expand(tree.arg, trees))
    if isinstance(tree, BinOp):
        return BinOp(tree.op, expand(tree.left, trees), expand(tree.right, trees))
    return tree


def written(expr, mapping):
    """``expr`` with symbols replaced as ``mapping`` says, nothing re-evaluated (xreplace
    would reorder q·z + 1 into 1 + q·z; the board keeps the order the user wrote)."""
    if expr in mapping:
        return mapping[expr]
    if expr.is_Atom:
        return expr
    return expr.func(*(written(a, mapping) for a in expr.args), evaluate=False)


def as_written(tree, symbols):
    """A parse tree as an unevaluated SymPy expression, in the order it was typed."""
    if isinstance(tree, Num) or not free(tree):
        return _to_sympy(tree, {})
    if isinstance(tree, Param):
        return symbols[tree.name]
    if isinstance(tree, Neg):
        return gate_expr("neg", [as_written(tree.operand, symbols)], evaluate=False)
    if isinstance(tree, Call):
        return gate_expr(tree.func, [as_written(tree.arg, symbols)], evaluate=False)
    return gate_expr(OPS[tree.op], [as_written(tree.left, symbols), as_written(tree.right, symbols)],
               evaluate=False)


def local_rule(gate, template, holder):
    """∂gate/∂operand; σ′ kept in the board's order, σ(z)·(1 − σ(z))."""
    if gate == "max":       # H(this - other): the whole gradient to the larger input, half each at a tie
        other = next(a for a in template.args if a != holder)
        return sympy.Heaviside(sympy.Add(holder, sympy.Mul(-1, other, evaluate=False), evaluate=False))
    if gate == "sigmoid":
        s = template
        return sympy.Mul(s, sympy.Add(1, sympy.Mul(-1, s, evaluate=False), evaluate=False), evaluate=False)
    return sympy.diff(template, holder)


def gate_expr(gate, xs, evaluate):
    """The gate applied to ``xs`` (placeholders, symbols or constants)."""
    if gate == "add":
        return sympy.Add(*xs, evaluate=evaluate)
    if gate == "sub":
        minus = sympy.Mul(-1, xs[1], evaluate=evaluate)
        return sympy.Add(xs[0], minus, evaluate=evaluate)
    if gate == "mul":
        return sympy.Mul(*xs, evaluate=evaluate)
    if gate == "div":
        if xs[0] == 1:
            return sympy.Pow(xs[1], -1, evaluate=evaluate)
        return sympy.Mul(xs[0], sympy.Pow(xs[1], -1, evaluate=evaluate), evaluate=evaluate)
    if gate == "neg":
        return sympy.Mul(-1, xs[0], evaluate=evaluate)
    if gate == "pow":
        return sympy.Pow(xs[0], xs[1], evaluate=evaluate)
    if gate == "max":
        return sympy.Max(*xs, evaluate=evaluate)
    return FUNCTIONS[gate](xs[0], evaluate=evaluate)


def operand_tree(t, parts):
    """The gate's own tree: each non-constant operand replaced by its node's name."""
    def leaf(sub, part):
        return sub if isinstance(part, tuple) else Param(part)
    if isinstance(t, Neg):
        return Neg(leaf(t.operand, parts[0]))
    if isinstance(t, Call):
        return Call(t.func, leaf(t.arg, parts[0]))
    return BinOp(t.op, leaf(t.left, parts[0]), leaf(t.right, parts[1]))


def rename_tree(tree, renames):
    if tree is None or not renames:
        return tree
    if isinstance(tree, Param):
        return Param(renames.get(tree.name, tree.name))
    if isinstance(tree, Neg):
        return Neg(rename_tree(tree.operand, renames))
    if isinstance(tree, Call):
        return Call(tree.func, rename_tree(tree.arg, renames))
    if isinstance(tree, BinOp):
        return BinOp(tree.op, rename_tree(tree.left, renames), rename_tree(tree.right, renames))
    return tree


def occurs(part, tree) -> bool:
    if part == tree:
        return True
    if isinstance(tree, Neg):
        return occurs(part, tree.operand)
    if isinstance(tree, Call):
        return occurs(part, tree.arg)
    if isinstance(tree, BinOp):
        return occurs(part, tree.left) or occurs(part, tree.right)
    return False
