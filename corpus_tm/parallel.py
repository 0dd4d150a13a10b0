"""Processes for the stages that can use several cores: how many, and the pools that run them.

In: an ``n_jobs`` value as users give it, and the size of a stage's work. Out: a number of
processes, and the pools that run corpus_tm's own worker functions.

**One rule for ``n_jobs``** (scikit-learn's and joblib's), checked by
:func:`corpus_tm.checks.check_n_jobs` everywhere corpus_tm takes it: ``None`` is 1, a positive
integer that many processes, ``-1`` all cores, ``-2`` all but one (``-n``: all but ``n - 1``,
at least 1); 0 and anything that is not an integer are errors. "Cores" are those this process
may run on (CPU affinity and container quota, as joblib counts them).

**Parallel only when it pays** (:func:`processes_for`): ``n_jobs`` is an upper bound, not an
order. A stage uses more than one process only when

* its work is large enough to repay starting the workers (each stage's threshold is next to
  its code: tokenising from 1,000,000 characters; LDA's E-steps and a sweep's fits when they
  are estimated to take at least 10 s on one core), and
* cores are free: at most ``floor(cores - others + 0.25)`` processes (at least 1), where
  ``others`` is the number of processes other than this one running now
  (:func:`system_load`). A core counts as free when at least three quarters of it is idle. On
  two cores: 2 processes while other programs keep less than a quarter of a core busy, 1
  otherwise.

``others`` is read when the stage starts, from Linux's count of runnable tasks
(``/proc/loadavg``, averaged over 50 ms, this process's own thread not counted), not from the
1-minute load average: that average counts this process's own recent work, and that of its
workers of the previous stage for a minute or two after they finish, so a script running
two parallel stages one after the other would find no core free for the second. Where there
is no ``/proc/loadavg`` the 1-minute load average less this process's one core is used
(macOS), or no load at all (Windows).

The decision is taken once per call, before its workers start, so the result never depends
on it (every parallel path gives the same numbers as one process).

**Workers that work from plain scripts and notebooks.** The workers run only corpus_tm's own
functions, so they never import the caller's main module: LDA's E-step and sweeps run in
joblib's loky processes (started fresh, without re-importing ``__main__``, kept for a few
minutes for the next call, BLAS threads shared out among them); tokenising forks on Linux (the
workers start in milliseconds with the parent's modules) and uses loky processes elsewhere. A
script without ``if __name__ == "__main__":`` therefore runs its top-level code once.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from corpus_tm.checks import check_n_jobs

#: A core counts as free when other programs leave at least this much of it idle.
_FREE_SHARE = 0.75


def available_cores() -> int:
    """Cores this process may use: CPU affinity and container quota, as joblib counts them."""
    from joblib.externals.loky import cpu_count

    return max(1, int(cpu_count()))


def system_load(samples: int = 10, interval: float = 0.005) -> float:
    """Processes running now besides this one, on average over ``samples`` looks.

    Parameters
    ----------
    samples : int, default 10
        Readings of the number of runnable tasks (``/proc/loadavg``, 4th field).
    interval : float, default 0.005
        Seconds between readings.

    Returns
    -------
    float
        The mean number of runnable tasks less the thread reading them (at least 0). Without
        ``/proc/loadavg``: the 1-minute load average less 1, or 0.0 where there is none.
    """
    counts = []
    for i in range(samples):
        try:
            with open("/proc/loadavg", encoding="ascii") as handle:
                counts.append(int(handle.read().split()[3].split("/")[0]))
        except (OSError, IndexError, ValueError):
            break
        if i + 1 < samples:
            time.sleep(interval)
    if counts:
        return max(0.0, sum(counts) / len(counts) - 1.0)
    try:
        return max(0.0, float(os.getloadavg()[0]) - 1.0)
    except (AttributeError, OSError):  # pragma: no cover - Windows
        return 0.0


def free_processes() -> int:
    """Processes worth running now: ``floor(cores - others + 0.25)``, from 1 to ``cores``."""
    cores = available_cores()
    free = math.floor(cores - system_load() + (1.0 - _FREE_SHARE))
    return max(1, min(cores, free))


def processes_for(n_jobs: Any, *, work: float, min_work: float) -> int:
    """Processes a stage uses: 1 unless its work pays for more and cores are free.

    Parameters
    ----------
    n_jobs : int or None
        As given by the user (:func:`corpus_tm.checks.check_n_jobs`): an upper bound.
    work : float
        The stage's amount of work, in the stage's own unit (characters, token-topics ...).
    min_work : float
        The least work for which starting workers pays off.

    Returns
    -------
    int
        ``min(check_n_jobs(n_jobs), free_processes())`` when ``work >= min_work``, else 1.
    """
    wanted = check_n_jobs(n_jobs)
    if wanted == 1 or work < min_work:
        return 1
    return max(1, min(wanted, free_processes()))


class WorkerPool:
    """Up to ``n_workers`` processes of joblib's loky backend, for corpus_tm's own functions.

    The workers are joblib's reusable ones (shared with :func:`~corpus_tm.evaluation.sweep`):
    they do not import the caller's ``__main__`` (so plain scripts and notebooks work), run
    with ``cores // n_workers`` BLAS/OpenMP threads each, and wait 300 s after their last
    task, so the next call does not start them again. Arguments and results travel through
    pipes (no memory-mapped files).

    Parameters
    ----------
    n_workers : int
        Processes to use (at least 2; one process needs no pool).
    """

    def __init__(self, n_workers: int) -> None:
        self.n_workers = int(n_workers)

    def map(self, function: Callable[..., Any], arguments: Sequence[tuple[Any, ...]]) -> list[Any]:
        """``[function(*a) for a in arguments]``, the calls spread over the workers."""
        from joblib import Parallel, delayed

        run = Parallel(n_jobs=self.n_workers, backend="loky", max_nbytes=None)
        return list(run(delayed(function)(*a) for a in arguments))


def worker_pool(n_workers: int) -> WorkerPool:
    """A :class:`WorkerPool` of ``n_workers`` processes."""
    return WorkerPool(n_workers)


def pool_context() -> Any:
    """The multiprocessing context of the tokenising pool: fork on Linux, loky elsewhere.

    fork shares the imported modules and data with the workers, so they start in milliseconds
    and the caller's main module is never run again. Where fork is not safe (macOS, Windows)
    loky's context starts fresh processes that do not import ``__main__`` either.
    """
    import multiprocessing

    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    from joblib.externals.loky.backend.context import get_context

    return get_context("loky")


@contextmanager
def forking_quietly() -> Iterator[None]:
    """Silence Python 3.12's warning about forking a multi-threaded process, around submits.

    corpus_tm's workers run Python and numpy code on their own data, so a thread of the parent
    (numpy's BLAS pool, a notebook's I/O thread) does not matter to them.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*fork", category=DeprecationWarning)
        yield
