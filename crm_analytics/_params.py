"""Parameter rules written once, beside what they constrain, and checked the same everywhere.

In the spirit of scikit-learn's ``_parameter_constraints``: a library function declares the
rules of its parameters in a :class:`Rules` table and checks its arguments with it; a scoring
step reuses the same table for the keys of the configuration that feed those arguments, so
the TOML file, the command line and the library refuse exactly the same values, with the same
sentence (the configuration's prefixed with ``[model]``).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from crm_analytics.exceptions import DataValidationError

__all__ = ["Rule", "Rules"]

_CLOSED = ("both", "left", "right", "neither")


@dataclass(frozen=True)
class Rule:
    """What one parameter may be: a kind (``int``, ``float``, ``str``, ``bool``), bounds or
    choices, whether None is allowed, and an example for the message.

    Examples
    --------
    >>> Rule(float, low=0, high=1, closed="left", example="0.01").check("discount_rate", 1.5)
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: discount_rate must be a number in [0, 1), got 1.5; e.g. discount_rate=0.01
    >>> Rule(int, low=1, example="90").check("new_days", 90.0)
    90
    """

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"
    choices: tuple[Any, ...] | None = None
    optional: bool = False
    example: str = ""
    note: str = ""

    def describe(self) -> str:
        """The rule in words: "a whole number of at least 1", "one of 'a', 'b'"..."""
        if self.choices is not None:
            return "one of " + ", ".join(map(repr, self.choices))
        noun = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}
        text = noun.get(self.kind, self.kind.__name__)
        left = self.closed in ("both", "left")
        right = self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            text += f" in {'[' if left else '('}{_plain(self.low)}, {_plain(self.high)}{']' if right else ')'}"
        elif self.low is not None:
            text += f" {'of at least' if left else 'above'} {_plain(self.low)}"
        elif self.high is not None:
            text += f" {'of at most' if right else 'below'} {_plain(self.high)}"
        return text + (" (or none)" if self.optional else "")

    def check(self, name: str, value: Any) -> Any:
        """``value`` if it follows the rule (a whole float taken as an int), else a
        :class:`DataValidationError` naming ``name``."""
        if value is None and self.optional:
            return None
        if self.choices is not None:
            if value in self.choices and not isinstance(value, bool | np.bool_):
                return value
            return self._refuse(name, value)
        if self.kind is bool:
            return value if isinstance(value, bool | np.bool_) else self._refuse(name, value)
        if self.kind is str:
            return value if isinstance(value, str) else self._refuse(name, value)
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            return self._refuse(name, value)
        number = float(value)
        if not np.isfinite(number):
            return self._refuse(name, value)
        if self.kind is int:
            if not number.is_integer():
                return self._refuse(name, value)
            value = int(number)
        left = self.closed in ("both", "left")
        right = self.closed in ("both", "right")
        if self.low is not None and (number < self.low or (number == self.low and not left)):
            return self._refuse(name, value)
        if self.high is not None and (number > self.high or (number == self.high and not right)):
            return self._refuse(name, value)
        return value

    def _refuse(self, name: str, value: Any) -> Any:
        example = f"; e.g. {name}={self.example}" if self.example else ""
        note = f" ({self.note})" if self.note else ""
        raise DataValidationError(f"{name} must be {self.describe()}, got {value!r}{note}{example}")


@dataclass(frozen=True)
class Rules:
    """The rules of a function's parameters, and the checks that tie several together.

    ``joint`` checks take the checked values (a mapping of name to value) and return an error
    sentence, or None when the values go together; one whose values are not all given is
    skipped.

    Examples
    --------
    >>> rules = Rules(
    ...     {"new_days": Rule(int, low=1), "lost_days": Rule(int, low=1)},
    ...     joint=(lambda v: None if v["new_days"] <= v["lost_days"]
    ...            else "new_days must not exceed lost_days",),
    ... )
    >>> rules.check({"new_days": 90, "lost_days": 30})
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: new_days must not exceed lost_days
    >>> rules.check({"new_days": 0, "lost_days": 30}, prefix="[model] ")
    Traceback (most recent call last):
    ...
    crm_analytics.exceptions.DataValidationError: [model] new_days must be a whole number of at least 1, got 0
    """

    rules: Mapping[str, Rule]
    joint: Sequence[Callable[[Mapping[str, Any]], str | None]] = field(default=())

    def check(self, values: Mapping[str, Any], *, prefix: str = "") -> dict[str, Any]:
        """The checked values (each rule of a name present in ``values``, then the joint
        checks whose names are all present)."""
        checked = dict(values)
        for name, value in values.items():
            if name in self.rules:
                try:
                    checked[name] = self.rules[name].check(name, value)
                except DataValidationError as error:
                    raise DataValidationError(f"{prefix}{error}") from None
        for joint in self.joint:
            try:
                problem = joint(checked)
            except KeyError:  # a value it ties to others was not given
                continue
            if problem:
                raise DataValidationError(f"{prefix}{problem}")
        return checked


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)
