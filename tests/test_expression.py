"""The objective parser: the grammar, exact numbers, and every refusal with its column."""
import builtins
import math
from fractions import Fraction

import mpmath
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from bptrace.model.activations import sigmoid
from bptrace.calculus.evaluate import DomainError, evaluate
from bptrace.lessons.expression import ExpressionError, parse

w, w1, w2 = sympy.symbols("w w1 w2")


@pytest.mark.parametrize("text,expected", [
    ("w**2/2", w ** 2 / 2),
    ("(w1-1)**2 + 10*(w2+2)**2", (w1 - 1) ** 2 + 10 * (w2 + 2) ** 2),
    ("sin(w)*exp(-w)", sympy.sin(w) * sympy.exp(-w)),
    ("-w**2", -(w ** 2)),                       # unary minus binds looser than the power
    ("2**3**2", sympy.Integer(512)),            # right-associative
    ("2^-1*w", w / 2),                           # ^ is a power; a signed exponent
    ("0.1*w", sympy.Rational(1, 10) * w),        # decimals exactly
    ("1e-3 + w", sympy.Rational(1, 1000) + w),
    ("w/3/2", w / 6),                            # left-associative division
    ("w - 1 - 2", w - 3),
    ("sqrt(w) + log(w) + cos(w) + tanh(w) + sigmoid(w)",
     sympy.sqrt(w) + sympy.log(w) + sympy.cos(w) + sympy.tanh(w) + sigmoid(w)),
])
def test_grammar(text, expected):
    assert parse(text, ["w", "w1", "w2"]).expr == expected


@pytest.mark.parametrize("text,message", [
    ("__import__('os')", "column 1: forbidden name '__import__'"),
    ("w.real", "column 2: attribute access ('.') is not allowed"),
    ("(w).conjugate()", "column 4: attribute access"),
    ("foo(w)", "column 1: unknown function 'foo'"),
    ("x + 1", "column 1: unknown name 'x' (the parameters declared by --init are w)"),
    ("(w + 1", "column 1: '(' is never closed"),
    ("w + 1)", "column 6: ')' without a matching '('"),
    ("", "empty objective"),
    ("   ", "empty objective"),
    ("2w", "column 2: write the product with '*'"),
    ("w(2)", "column 2: w is a parameter, not a function"),
    ("exp w", "column 5: exp is a function"),
    ("w +* 2", "column 4: expected a number, name or '('"),
    ("[w]", "column 1: character '[' is not allowed"),
    ("lambda: 1", "column 7: character ':' is not allowed"),
    ("w if w else 1", "column 3: expected an operator or the end, found name 'if'"),
    ("max(w)", "unknown function 'max'"),
    ("max(w, 1)", "column 6: ',' is not allowed"),
    ("9**9**9**9", "a constant power too large"),
    ("1e999999999", "exponent beyond"),
    ("w/0", "division by zero"),
    ("(" * 100 + "w" + ")" * 100, "nested more than"),
])
def test_refusals_name_the_problem_and_column(text, message):
    with pytest.raises(ExpressionError) as e:
        parse(text, ["w"])
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_parameter_names_are_checked():
    with pytest.raises(ExpressionError, match="'exp' is a function"):
        parse("exp", ["exp"])
    with pytest.raises(ExpressionError, match="not a parameter name"):
        parse("w", ["_w"])


def test_never_eval_or_sympify(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("eval/sympify called on user text")
    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(sympy, "sympify", refuse)
    monkeypatch.setattr(sympy.parsing.sympy_parser, "parse_expr", refuse)
    assert parse("(w1-1)**2 + 10*(w2+2)**2", ["w1", "w2"]).expr.has(w1)


def test_evaluate_refuses_non_real_values():
    for text, at in [("log(w)", -1), ("sqrt(w)", -4), ("1/w", 0), ("w**0.5", -1)]:
        with pytest.raises(DomainError):
            evaluate(parse(text, ["w"]).expr, {"w": mpmath.mpf(at)})
    assert evaluate(parse("sigmoid(w)", ["w"]).expr, {"w": mpmath.mpf(0)}) == mpmath.mpf(1) / 2


# random text from the grammar's alphabet and some junk: a clean error or a parse, never a crash
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="w12+-*/^().e sincoxplgqrt_,[]'\"", max_size=30))
def test_fuzz_only_expression_errors(text):
    try:
        parse(text, ["w", "w1", "w2"])
    except ExpressionError as e:
        assert "\n" not in str(e)


def trees(depth):
    leaf = st.one_of(st.integers(0, 9).map(lambda n: (str(n), Fraction(n))),
                     st.just(("w", None)))
    if depth == 0:
        return leaf
    sub = trees(depth - 1)
    return st.one_of(leaf, st.tuples(sub, st.sampled_from("+-*"), sub).map(
        lambda t: (f"({t[0][0]}){t[1]}({t[2][0]})", (t[1], t[0], t[2]))))


def value(node, x):
    text, data = node
    if data is None:
        return x
    if isinstance(data, Fraction):
        return data
    op, a, b = data
    a, b = value(a, x), value(b, x)
    return a + b if op == "+" else a - b if op == "-" else a * b


@settings(max_examples=100, deadline=None)
@given(trees(4), st.fractions(min_value=-5, max_value=5, max_denominator=20))
def test_parsed_tree_evaluates_like_the_text(node, x):
    objective = parse(node[0], ["w"])
    assert objective.expr.subs(w, sympy.Rational(x.numerator, x.denominator)) == \
        sympy.Rational(value(node, x).numerator, value(node, x).denominator)
    # and the tree itself, in floats, agrees (what torch and the plots use)
    ops = {"const": float}
    assert math.isclose(objective.apply({"w": float(x)}, ops), float(value(node, x)),
                        rel_tol=1e-9, abs_tol=1e-9)
