"""The settings' environment variables: each declared once, every value checked at start-up.

`checked_env(NAME=(type, default), NAME=(type, default, allowed), ...)` declares the
variables and returns a django-environ `Env` for them. Before anything is read, every
declared variable that is set is checked against its type:

- a boolean must be one of true/false, yes/no, on/off, 1/0 (django-environ alone reads any
  other word, such as "ture", as false);
- an integer must be a whole number inside its declared range (`between(low, high)`); every
  integer must declare one;
- a value with a declared set of allowed values (`LOG_LEVEL`) must be one of them.

A bad value stops the start-up with `ImproperlyConfigured` naming every bad variable and what
it allows. An empty value (`NAME=` in a `.env` file) means the default, for every type.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")


@dataclass(frozen=True)
class between:  # noqa: N801  (reads as a phrase in the declarations: `between(0, 23)`)
    """An inclusive range of whole numbers."""

    low: int
    high: int

    def __contains__(self, value) -> bool:
        return self.low <= value <= self.high

    def __str__(self) -> str:
        return f"a whole number from {self.low} to {self.high}"


def _problem(name: str, kind, raw: str, allowed) -> str | None:
    """What is wrong with the value `raw` of `name` (naming what is allowed), or None."""
    value = raw.strip()
    if kind is bool:
        if value.lower() in TRUE_WORDS + FALSE_WORDS:
            return None
        return f"{name}={raw!r} is not a boolean: use true or false."
    if kind is int:
        try:
            number = int(value)
        except ValueError:
            return f"{name}={raw!r} is not a whole number: use {allowed}."
        if number in allowed:
            return None
        return f"{name}={raw!r} is out of range: use {allowed}."
    if allowed is None or value in allowed:
        return None
    return f"{name}={raw!r} is not allowed: use one of {', '.join(allowed)}."


def _check_declaration(name: str, kind, default, allowed) -> None:
    """Mistakes in the declarations themselves (found by any start-up, so by every test)."""
    if kind is int and not isinstance(allowed, between):
        raise ImproperlyConfigured(f"{name}: an integer setting needs a range, between(low, high).")
    if allowed is not None and kind not in (int, str):
        raise ImproperlyConfigured(f"{name}: allowed values are only checked for int and str.")
    if allowed is not None and default is not None and default not in allowed:
        raise ImproperlyConfigured(f"{name}: the default {default!r} is not allowed.")


def checked_env(environment: Mapping[str, str] | None = None, **declared) -> environ.Env:
    """Checks every declared variable in `environment` (default: os.environ); returns the Env.

    Raises ImproperlyConfigured listing every variable with a bad value.
    """
    environment = os.environ if environment is None else environment
    scheme, problems = {}, []
    for name, spec in declared.items():
        kind, default, *rest = spec
        allowed: Collection | None = rest[0] if rest else None
        _check_declaration(name, kind, default, allowed)
        scheme[name] = (kind, default)
        raw = environment.get(name)
        if raw is not None and raw.strip():
            problem = _problem(name, kind, raw, allowed)
            if problem:
                problems.append(problem)
    if problems:
        raise ImproperlyConfigured(" ".join(problems))
    env = environ.Env(**scheme)
    # An empty value is the default: `TWO_FACTOR_REQUIRED=` must not read as false.
    env.ENVIRON = {
        name: value for name, value in environment.items() if name not in declared or value.strip()
    }
    return env
