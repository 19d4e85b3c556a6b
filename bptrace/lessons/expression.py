"""A whitelisting parser for objective functions typed by a user: ``"(w1-1)**2 + 10*(w2+2)**2"``.

Provides:
- ``parse(text, params)`` → ``Objective``: the parse tree, the SymPy expression built from
  it, and the parameter names; anything outside the grammar is an ``ExpressionError``
  naming the column and the problem;
- ``Objective.apply(values, ops)`` — the same tree evaluated with another number system
  (torch tensors for the oracle, floats for plots), so torch never sees SymPy's output
  (the 50-digit value of the SymPy expression is ``calculus.evaluate``);
- ``FUNCTIONS`` — the whitelisted functions; ``BINARY`` — ``max(a, b)``, the one function of
  two arguments, allowed only when the caller asks for it (``parse(…, binary=True)``:
  ``bptrace expr``'s max gate; the optimizer lessons' objectives keep the grammar below).

The grammar (Python's precedence; ``^`` is a synonym for ``**``)::

    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | power
    power   := atom (("**" | "^") unary)?          # right-associative: 2**3**2 = 2**9
    atom    := NUMBER | PARAM | FUNCTION "(" sum ")" | "(" sum ")"
             | "max" "(" sum "," sum ")"               # with binary=True only

Numbers are read exactly (0.1 is 1/10) by ``bptrace.model.numbers.parse_number``; names are the
declared parameters or the functions below. Nothing is passed to ``eval``, ``sympify`` or
``parse_expr``: the SymPy expression is assembled node by node from the tree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Mapping

import sympy

from ..model.activations import sigmoid
from ..model.numbers import NumberError, parse_number

MAX_LENGTH = 2000       # characters in an objective
MAX_DEPTH = 60          # nesting of parentheses / unary operators
MAX_LITERAL_EXPONENT = 400   # 1e400 is allowed, 1e999999999 (a huge exact integer) is not
MAX_CONSTANT_DIGITS = 2000   # a constant power such as 9**9**9 would have more digits

FUNCTIONS: dict[str, Callable] = {
    "exp": sympy.exp, "log": sympy.log, "sqrt": sympy.sqrt, "sin": sympy.sin,
    "cos": sympy.cos, "tanh": sympy.tanh, "sigmoid": sigmoid,
}

BINARY = ("max",)

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/^()])
""", re.X)


class ExpressionError(ValueError):
    """A problem with an objective: ``column N: problem``."""

    def __init__(self, column: int | None, problem: str):
        self.column, self.problem = column, problem
        super().__init__(f"column {column}: {problem}" if column else problem)


# ----- the parse tree ---------------------------------------------------------------------
@dataclass(frozen=True)
class Num:
    value: Fraction


@dataclass(frozen=True)
class Param:
    name: str


@dataclass(frozen=True)
class Neg:
    operand: object


@dataclass(frozen=True)
class BinOp:
    op: str            # + - * / **
    left: object
    right: object


@dataclass(frozen=True)
class Call:
    func: str
    arg: object


@dataclass(frozen=True)
class Token:
    kind: str          # number, name, op, end
    text: str
    column: int        # 1-based


def tokenize(text: str, commas: bool = False) -> list[Token]:
    """The tokens of ``text``; characters outside the grammar are refused where they stand
    (``commas``: ',' is a token, for ``max(a, b)``)."""
    tokens, i = [], 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        ch = text[i]
        if m is None:
            if ch == "," and commas:
                tokens.append(Token("op", ",", i + 1))
                i += 1
                continue
            if ch == ".":
                raise ExpressionError(i + 1, "attribute access ('.') is not allowed")
            if ch == ",":
                raise ExpressionError(i + 1, "',' is not allowed: every function takes one argument")
            raise ExpressionError(i + 1, f"character {ch!r} is not allowed")
        kind = m.lastgroup
        if kind == "number" and m.end() < len(text) and (text[m.end()].isalpha() or text[m.end()] in "._"):
            nxt = text[m.end()]
            if nxt == ".":
                raise ExpressionError(m.end() + 1, "attribute access ('.') is not allowed")
            raise ExpressionError(m.end() + 1, f"write the product with '*': {m.group()}*{nxt}…")
        if kind == "name" and m.group().startswith("_"):
            raise ExpressionError(i + 1, f"forbidden name {m.group()!r} (names may not start with '_')")
        if kind == "name" and m.end() < len(text) and text[m.end()] == ".":
            raise ExpressionError(m.end() + 1, "attribute access ('.') is not allowed")
        if kind != "space":
            tokens.append(Token(kind, m.group(), i + 1))
        i = m.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    """Recursive descent over the token list; builds the tree, checks every name."""

    def __init__(self, tokens: list[Token], params: tuple[str, ...], binary: bool = False):
        self.tokens, self.params, self.i, self.depth = tokens, params, 0, 0
        self.binary = BINARY if binary else ()

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def nest(self, column):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(column, f"nested more than {MAX_DEPTH} levels deep")

    def whole(self):
        if self.tok.kind == "end":
            raise ExpressionError(None, "empty objective")
        tree = self.sum()
        t = self.tok
        if t.kind != "end":
            if t.text == ")":
                raise ExpressionError(t.column, "')' without a matching '('")
            raise ExpressionError(t.column, f"expected an operator or the end, found {self.describe(t)}")
        return tree

    def sum(self):
        left = self.product()
        while self.tok.text in ("+", "-") and self.tok.kind == "op":
            op = self.take().text
            left = BinOp(op, left, self.product())
        return left

    def product(self):
        left = self.unary()
        while self.tok.text in ("*", "/") and self.tok.kind == "op":
            op = self.take().text
            left = BinOp(op, left, self.unary())
        return left

    def unary(self):
        t = self.tok
        if t.kind == "op" and t.text in ("-", "+"):
            self.take()
            self.nest(t.column)
            operand = self.unary()
            self.depth -= 1
            return Neg(operand) if t.text == "-" else operand
        return self.power()

    def power(self):
        base = self.atom()
        if self.tok.kind == "op" and self.tok.text in ("**", "^"):
            t = self.take()
            self.nest(t.column)
            exponent = self.unary()
            self.depth -= 1
            return BinOp("**", base, exponent)
        return base

    def atom(self):
        t = self.take()
        if t.kind == "number":
            return Num(_literal(t))
        if t.kind == "name":
            if t.text in self.binary and self.tok.text == "(":     # max(a, b)
                open_ = self.take()
                self.nest(open_.column)
                left = self.sum()
                if self.tok.text != ",":
                    raise ExpressionError(self.tok.column, f"{t.text} takes two arguments: "
                                                           f"write {t.text}(a, b)")
                self.take()
                right = self.sum()
                self.close(open_)
                self.depth -= 1
                return BinOp(t.text, left, right)
            if t.text in FUNCTIONS:
                if self.tok.text != "(":
                    raise ExpressionError(self.tok.column, f"{t.text} is a function: write {t.text}(…)")
                open_ = self.take()
                self.nest(open_.column)
                arg = self.sum()
                self.close(open_)
                self.depth -= 1
                return Call(t.text, arg)
            if t.text in self.params:
                if self.tok.text == "(":
                    raise ExpressionError(self.tok.column, f"{t.text} is a parameter, not a function")
                return Param(t.text)
            if self.tok.text == "(":
                raise ExpressionError(t.column, f"unknown function {t.text!r} "
                                                f"(functions: {', '.join(FUNCTIONS)})")
            raise ExpressionError(t.column, f"unknown name {t.text!r} ({self.known()})")
        if t.text == "(":
            self.nest(t.column)
            inner = self.sum()
            self.close(t)
            self.depth -= 1
            return inner
        if t.kind == "end":
            raise ExpressionError(t.column, "the objective ends where a number, name or '(' is expected")
        raise ExpressionError(t.column, f"expected a number, name or '(', found {self.describe(t)}")

    def close(self, open_: Token):
        if self.tok.text != ")":
            if self.tok.kind == "end":
                raise ExpressionError(open_.column, "'(' is never closed")
            raise ExpressionError(self.tok.column, f"expected ')' to close the '(' at column "
                                                   f"{open_.column}, found {self.describe(self.tok)}")
        self.take()

    def known(self) -> str:
        names = ", ".join(self.params) if self.params else "none"
        return f"the parameters declared by --init are {names}"

    @staticmethod
    def describe(t: Token) -> str:
        return "the end" if t.kind == "end" else f"{t.kind} {t.text!r}"


def _literal(t: Token) -> Fraction:
    m = re.search(r"[eE]([+-]?\d+)$", t.text)
    if m and abs(int(m.group(1))) > MAX_LITERAL_EXPONENT:
        raise ExpressionError(t.column, f"{t.text}: exponent beyond ±{MAX_LITERAL_EXPONENT}")
    if len(t.text) > 100:
        raise ExpressionError(t.column, "a number literal longer than 100 characters")
    try:
        return parse_number(t.text)
    except NumberError as e:
        raise ExpressionError(t.column, str(e)) from None


# ----- the tree as SymPy, or in any other number system ------------------------------------
def _digits(q: sympy.Rational) -> int:
    return max(len(str(abs(q.p))), len(str(q.q)))


def _to_sympy(node, symbols):
    if isinstance(node, Num):
        return sympy.Rational(node.value.numerator, node.value.denominator)
    if isinstance(node, Param):
        return symbols[node.name]
    if isinstance(node, Neg):
        return -_to_sympy(node.operand, symbols)
    if isinstance(node, Call):
        return FUNCTIONS[node.func](_to_sympy(node.arg, symbols))
    left, right = _to_sympy(node.left, symbols), _to_sympy(node.right, symbols)
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    if node.op == "max":
        return sympy.Max(left, right)
    if node.op == "/":
        if right == 0:
            raise ExpressionError(None, "division by zero")
        return left / right
    if left.is_Rational and right.is_Rational:
        # SymPy would compute a constant power exactly: refuse one with thousands of digits
        if left == 0 and right < 0:
            raise ExpressionError(None, "division by zero (0 to a negative power)")
        if abs(right) * max(_digits(left), 1) > MAX_CONSTANT_DIGITS:
            raise ExpressionError(None, "a constant power too large to compute exactly")
    return left ** right


@dataclass(frozen=True)
class Objective:
    """A parsed objective: ``text`` as typed, ``params`` in --init order, ``tree``, ``expr``."""

    text: str
    params: tuple[str, ...]
    tree: object
    expr: sympy.Expr

    @property
    def symbols(self) -> dict[str, sympy.Symbol]:
        return {p: sympy.Symbol(p) for p in self.params}

    def apply(self, values: Mapping[str, object], ops: Mapping[str, Callable]):
        """The tree evaluated with ``ops`` (``const`` for a Fraction, and each function)."""
        def walk(node):
            if isinstance(node, Num):
                return ops["const"](node.value)
            if isinstance(node, Param):
                return values[node.name]
            if isinstance(node, Neg):
                return -walk(node.operand)
            if isinstance(node, Call):
                return ops[node.func](walk(node.arg))
            a, b = walk(node.left), walk(node.right)
            return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
                    "/": lambda: a / b, "**": lambda: a ** b,
                    "max": lambda: ops["max"](a, b)}[node.op]()
        return walk(self.tree)


def check_name(name: str, field: str = "--init") -> str:
    """A parameter name: an identifier, not a function, not starting with '_'."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
        raise ExpressionError(None, f"{field}: {name!r} is not a parameter name "
                                    "(a letter, then letters, digits or '_')")
    if name in FUNCTIONS or name in BINARY:
        raise ExpressionError(None, f"{field}: {name!r} is a function, not a parameter name")
    return name


def parse(text: str, params, binary: bool = False) -> Objective:
    """Parse ``text`` over the parameter names ``params``; raise ``ExpressionError`` if bad.
    ``binary``: allow ``max(a, b)`` too."""
    params = tuple(check_name(p) for p in params)
    if len(text) > MAX_LENGTH:
        raise ExpressionError(None, f"longer than {MAX_LENGTH} characters")
    tree = _Parser(tokenize(text, commas=binary), params, binary).whole()
    symbols = {p: sympy.Symbol(p) for p in params}
    return Objective(text, params, tree, _to_sympy(tree, symbols))
