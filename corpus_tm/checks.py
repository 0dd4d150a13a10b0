"""Checks of the numbers users pass: a parameter's value in, the value as a plain Python number
out, or a :class:`~corpus_tm.errors.ConfigError` that names the parameter, what it must be and
what was given.

One rule each for integers, positive numbers, seeds (``random_state``) and ``n_jobs``, used by
every stage so that the same mistake gets the same message everywhere.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from corpus_tm.errors import ConfigError

__all__ = ["SEED_LIMIT", "check_int", "check_n_jobs", "check_positive", "check_random_state"]

#: numpy and scikit-learn take seeds below 2**32.
SEED_LIMIT = 2**32


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _wanted(low: int | None, high: int | None) -> str:
    if high is not None:
        return f"an integer from {low} to {high}" if low is not None else f"an integer <= {high}"
    if low == 1:
        return "a positive integer"
    if low == 0:
        return "a non-negative integer"
    return f"an integer >= {low}" if low is not None else "an integer"


def check_int(name: str, value: Any, *, low: int | None = 1, high: int | None = None) -> int:
    """``value`` as an ``int`` if it is an integer (not a bool) from ``low`` to ``high``.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value
        What was given.
    low, high : int or None
        Inclusive bounds (``None``: unbounded); by default positive.

    Returns
    -------
    int

    Raises
    ------
    ConfigError
        ``"<name> must be a positive integer, not 0."`` and the like.
    """
    if (
        not _is_int(value)
        or (low is not None and value < low)
        or (high is not None and value > high)
    ):
        raise ConfigError(f"{name} must be {_wanted(low, high)}, not {value!r}.")
    return int(value)


def check_positive(name: str, value: Any) -> float:
    """``value`` as a ``float`` if it is a finite number above 0 (not a bool)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.number)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ConfigError(f"{name} must be a positive number, not {value!r}.")
    return float(value)


def check_random_state(value: Any, name: str = "random_state") -> int | None:
    """A seed: ``None`` (a fresh one is drawn) or an integer from 0 to 2**32 - 1.

    Raises
    ------
    ConfigError
        For anything else, asking for a seed so that results can be reproduced.
    """
    if value is None:
        return None
    if not _is_int(value) or not 0 <= value < SEED_LIMIT:
        raise ConfigError(
            f"{name} must be an integer from 0 to 2**32 - 1 (or None), not {value!r}; pass a "
            "seed so that results can be reproduced."
        )
    return int(value)


def check_n_jobs(n_jobs: Any) -> int:
    """Check ``n_jobs`` and return the number of processes it asks for.

    Parameters
    ----------
    n_jobs : int or None
        ``None`` or 1: one process; a positive integer: that many; -1: all cores; -2: all but
        one; ``-n``: all but ``n - 1`` (at least 1).

    Returns
    -------
    int
        Processes asked for (at least 1). Whether they are all used is decided by
        :func:`corpus_tm.parallel.processes_for`.

    Raises
    ------
    ConfigError
        If ``n_jobs`` is 0, a bool or not an integer.
    """
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs == 0:
        raise ConfigError(
            "n_jobs must be a positive number of processes, -1 for all cores or -2 for all "
            f"but one (scikit-learn's rule), not {n_jobs!r}."
        )
    if n_jobs > 0:
        return int(n_jobs)
    from corpus_tm import parallel

    return max(1, parallel.available_cores() + 1 + int(n_jobs))
