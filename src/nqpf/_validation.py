"""Declared parameter constraints (scikit-learn style, much smaller).

A public function declares its constraints with :func:`validate_params`; the
decorator checks every call and raises one standard message::

    The 'method' parameter of normalise must be one of 'minmax', 'zscore'; got 'max'. ...

Constraints stay attached to the function (``func._nqpf_constraints``) so that
tests can introspect them and generate invalid values.
"""
from __future__ import annotations

import functools
import inspect
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Literal, get_args

from ._errors import NqpfError

__all__ = ["Interval", "Options", "validate_params", "check_option", "options_of"]


@dataclass(frozen=True)
class Interval:
    """A real (or integer) interval constraint."""

    kind: type  # numbers.Real or numbers.Integral
    left: float | None
    right: float | None
    closed: Literal["both", "left", "right", "neither"] = "both"

    def is_satisfied_by(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        if isinstance(value, float) and math.isnan(value):
            return False
        lo_ok = self.left is None or (value >= self.left if self.closed in ("both", "left") else value > self.left)
        hi_ok = self.right is None or (value <= self.right if self.closed in ("both", "right") else value < self.right)
        return lo_ok and hi_ok

    def __str__(self) -> str:
        kind = "an int" if self.kind is numbers.Integral else "a float"
        lb = "[" if self.closed in ("both", "left") and self.left is not None else "("
        rb = "]" if self.closed in ("both", "right") and self.right is not None else ")"
        lo = "-inf" if self.left is None else f"{self.left:g}"
        hi = "inf" if self.right is None else f"{self.right:g}"
        return f"{kind} in the range {lb}{lo}, {hi}{rb}"


@dataclass(frozen=True)
class Options:
    """A finite set of allowed values (usually the args of a ``Literal`` alias)."""

    values: tuple

    @classmethod
    def of(cls, literal: Any) -> "Options":
        return cls(tuple(get_args(literal)))

    def is_satisfied_by(self, value: Any) -> bool:
        return value in self.values

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


_TYPE_NAMES = {bool: "a bool", str: "a str", dict: "a dict", list: "a list", tuple: "a tuple", type(None): "None"}


def _satisfied(constraint: Any, value: Any) -> bool:
    if constraint is None:
        return value is None
    if isinstance(constraint, (Interval, Options)):
        return constraint.is_satisfied_by(value)
    if isinstance(constraint, type):
        if constraint is bool:
            return isinstance(value, bool)
        return isinstance(value, constraint)
    if callable(constraint):
        return bool(constraint(value))
    raise TypeError(f"unknown constraint {constraint!r}")


def _describe(constraint: Any) -> str:
    if isinstance(constraint, type):
        return _TYPE_NAMES.get(constraint, f"an instance of {constraint.__name__}")
    if constraint is None:
        return "None"
    return getattr(constraint, "description", None) or str(constraint)


def _message(param: str, caller: str, constraints: list, value: Any) -> str:
    descs = [_describe(c) for c in constraints]
    allowed = descs[0] if len(descs) == 1 else ", ".join(descs[:-1]) + " or " + descs[-1]
    return f"The {param!r} parameter of {caller} must be {allowed}; got {value!r}."


def validate_params(constraints: dict[str, list]) -> Callable:
    """Decorator: check declared constraints on every call.

    ``constraints`` maps parameter names to a list of acceptable constraints
    (types, :class:`Interval`, :class:`Options`, ``None`` or predicates with a
    ``description`` attribute). A parameter passes if any constraint matches.
    """

    def decorator(func: Callable) -> Callable:
        sig = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            for name, allowed in constraints.items():
                if name not in bound.arguments:
                    continue
                value = bound.arguments[name]
                if not any(_satisfied(c, value) for c in allowed):
                    raise NqpfError(_message(name, func.__name__, allowed, value))
            return func(*args, **kwargs)

        wrapper._nqpf_constraints = constraints  # type: ignore[attr-defined]
        return wrapper

    return decorator


def options_of(literal: Any) -> tuple:
    """The allowed strings of a ``Literal`` alias."""
    return tuple(get_args(literal))


def check_option(value: Any, literal: Any, *, param: str, caller: str) -> Any:
    """Check ``value`` against a ``Literal`` alias; raise the standard message if not allowed."""
    allowed = options_of(literal)
    if value not in allowed:
        raise NqpfError(_message(param, caller, [Options(allowed)], value))
    return value
