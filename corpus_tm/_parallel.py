"""Process pools shared by the stages that can use several cores.

In: an ``n_jobs`` value as users give it. Out: a number of processes, and the multiprocessing
contexts the pools use: fork on Linux for tokenising (workers start in milliseconds with the
parent's modules and data), a fork server for LDA's E-step (the parent is never forked).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from corpus_tm.errors import ConfigError


def resolve_n_jobs(n_jobs: int | None) -> int:
    """Processes to use: ``None`` is 1, -1 all cores, -2 all but one (scikit-learn's rule)."""
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs == 0:
        raise ConfigError(
            f"n_jobs must be a positive number of processes, or -1 for all cores, not {n_jobs!r}."
        )
    if n_jobs > 0:
        return int(n_jobs)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) + 1 + int(n_jobs))


def pool_context() -> Any:
    """The multiprocessing context of corpus_tm's process pools."""
    import multiprocessing

    # fork shares the imported modules with the workers, so they start in milliseconds.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def server_pool_context(preload: Sequence[str] = ()) -> Any:
    """A multiprocessing context whose workers are not forked from this process.

    ``forkserver`` where the platform has it: workers are forked from a small server process
    started once per session (with ``preload`` imported), so this process, which may hold
    BLAS threads in the middle of numeric work, is never forked. Used where the parent keeps
    computing with numpy between the workers' tasks (LDA's E-step).
    """
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return context


@contextmanager
def forking_quietly() -> Iterator[None]:
    """Silence Python 3.12's warning about forking a multi-threaded process, around submits.

    corpus_tm's workers run Python and numpy code on their own data, so a thread of the parent
    (numpy's BLAS pool, a notebook's I/O thread) does not matter to them.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*fork", category=DeprecationWarning)
        yield
