"""Arithmetic over named numbers, as written in a declared inclusion map (``lr / (1 - momentum)``).

An expression is parsed with Python's own parser and evaluated by walking its tree, allowing
only numbers, the names it is given, ``+ - * / **``, a unary minus, and the functions
:data:`FUNCTIONS`: nothing is ever passed to ``eval``, and no attribute, call or name outside
those can run.

>>> Expression.parse("lr / (1 - momentum)", ["lr", "momentum"])({"lr": 0.1, "momentum": 0.9})
1.0000000000000002
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from optbench.errors import InvalidParameterError

FUNCTIONS = {"sqrt": math.sqrt, "exp": math.exp, "log": math.log, "abs": abs, "min": min,
             "max": max}  # fmt: skip
CONSTANTS = {"inf": math.inf}
MAX_CHARACTERS = 300
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow}  # fmt: skip


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _check(node: ast.AST, allowed: set[str], parameter: str, text: str) -> None:
    """Refuse any node outside the whitelist (module docstring)."""
    called = {id(c.func) for c in ast.walk(node) if isinstance(c, ast.Call)}
    for child in ast.walk(node):
        if isinstance(child, (ast.Expression, ast.Load, ast.operator, ast.USub, ast.UAdd)):
            continue
        if isinstance(child, ast.BinOp) and type(child.op) in _BINARY:
            continue
        if isinstance(child, ast.UnaryOp) and isinstance(child.op, (ast.USub, ast.UAdd)):
            continue
        if isinstance(child, ast.Constant) and type(child.value) in (int, float):
            continue
        if isinstance(child, ast.Name) and (
            child.id in allowed or child.id in CONSTANTS
            or (child.id in FUNCTIONS and id(child) in called)
        ):  # fmt: skip
            continue
        if (isinstance(child, ast.Call) and isinstance(child.func, ast.Name)
                and child.func.id in FUNCTIONS and not child.keywords):  # fmt: skip
            continue
        names = ", ".join(sorted(allowed)) or "none"
        expected = (f"arithmetic (+ - * / **, numbers, {', '.join(FUNCTIONS)}) over the names "
                    f"{names}")  # fmt: skip
        if isinstance(child, ast.Name):
            expected = f"{expected}: {child.id!r} is not one of them"
        raise InvalidParameterError(parameter, text, expected)


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its text and the names it reads."""

    text: str
    names: frozenset[str]
    tree: ast.Expression = field(repr=False, compare=False, hash=False)

    @classmethod
    def parse(cls, text: str, allowed: Iterable[str], parameter: str = "expression") -> Expression:
        """The expression ``text`` over the names ``allowed``; anything else is an error."""
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_CHARACTERS:
            expected = f"an arithmetic expression of at most {MAX_CHARACTERS} characters"
            raise InvalidParameterError(parameter, text, expected)
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError:
            raise InvalidParameterError(parameter, text, "an arithmetic expression") from None
        _check(tree, set(allowed), parameter, text)
        names = _names(tree) - set(CONSTANTS) - set(FUNCTIONS)
        return cls(text.strip(), frozenset(names), tree)

    def __call__(self, values: Mapping[str, float]) -> float:
        """The value at ``values`` (every name it reads); NaN where the arithmetic fails
        (a division by zero, an overflow, the root of a negative number)."""
        try:
            return float(self._evaluate(self.tree.body, values))
        except (ArithmeticError, ValueError, TypeError):  # TypeError: a complex power
            return math.nan

    def _evaluate(self, node: ast.AST, values: Mapping[str, float]) -> float:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return float(CONSTANTS[node.id] if node.id in CONSTANTS else values[node.id])
        if isinstance(node, ast.UnaryOp):
            value = self._evaluate(node.operand, values)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp):
            left, right = self._evaluate(node.left, values), self._evaluate(node.right, values)
            return _BINARY[type(node.op)](left, right)
        arguments = [self._evaluate(a, values) for a in node.args]
        return FUNCTIONS[node.func.id](*arguments)

    def __str__(self) -> str:
        return self.text
