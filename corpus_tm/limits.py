"""Upper bounds of every size parameter: a value in, the value or a clear error out.

In: the name of a size parameter (``n_boot``, ``n_topics``, ``dpi``, ...) and the value a
user gave, in a study file or to a public function.
Out: the value as an ``int``, or a :class:`~corpus_tm.errors.ConfigError` that names the
parameter, the limit, why there is one (what grows with the value, with an estimate of the
memory or time) and what to do instead.

Without a bound a typo such as ``n_boot = 100000000`` ran until the machine ran out of
memory and ended in a raw ``MemoryError`` traceback. The limits are far above what any
analysis needs (the defaults are 10 to 1,000 times smaller), so they only stop mistakes.
:data:`LIMITS` holds them; :func:`check_size` applies one; the study validator
(:mod:`corpus_tm.study`) checks the settings of a study file against the same table
(:data:`corpus_tm.study.SIZE_SETTINGS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from corpus_tm.errors import ConfigError

__all__ = ["LIMITS", "Limit", "check_size", "size_error"]


@dataclass(frozen=True)
class Limit:
    """The upper bound of one size parameter.

    Attributes
    ----------
    high : int
        The largest value accepted.
    why : str
        What grows with the value (memory or time), with an estimate.
    instead : str
        What to do when a larger value seemed needed.
    """

    high: int
    why: str
    instead: str


LIMITS: dict[str, Limit] = {
    "n_boot": Limit(
        100_000,
        "the bootstrap's work grows with n_boot times the units of every section, and it keeps "
        "n_boot x domains estimates per section (100,000 replicates of a 10,000-unit section "
        "are 10^9 draws)",
        "1,000 replicates (the default) give a stable 90% interval; use 10,000 for a 99% one",
    ),
    "n_perm": Limit(
        1_000_000,
        "each permutation re-weights every unit of the two sections (10^6 permutations of "
        "10,000 units are 10^10 operations)",
        "999 or 9,999 permutations resolve p-values to 0.001 or 0.0001",
    ),
    "n_topics": Limit(
        1_000,
        "a model keeps a units x topics and a topics x terms matrix of 8-byte numbers (1,000 "
        "topics of 100,000 units and 20,000 terms: about 1.6 GB per model)",
        "the lexicon has 20 domains; 10 to 100 topics resolve them",
    ),
    "free_topics": Limit(
        1_000,
        "keyATM's topics are its keyword topics plus these, each a topics x terms row and a "
        "units x topics column",
        "10 to 50 topics without keywords take up the text the domains do not",
    ),
    "n_fits": Limit(
        100,
        "every fit is a whole model fit, and the unit shares of all fits are kept to be "
        "averaged (units x domains x 8 bytes each)",
        "25 to 100 fits make the averaged shares stable (benchmarks/validation/REPORT.md)",
    ),
    "passes": Limit(
        1_000,
        "every pass is a sweep over the whole corpus: the fit's time grows with it",
        "1 to 20 passes; more help only a tiny corpus",
    ),
    "iterations": Limit(
        10_000,
        "the E-step of every document runs up to this many iterations: the fit's time grows "
        "with it",
        "gensim's default is 50 and corpus_tm's 100",
    ),
    "max_iter": Limit(
        100_000,
        "every NMF iteration multiplies the whole document-term matrix: the fit's time grows "
        "with it",
        "NMF converges in 200 to 1,000 iterations",
    ),
    "chunksize": Limit(
        10_000_000,
        "gensim holds a chunk of documents and its document-topic statistics in memory",
        "2,000 (the default) to 100,000 documents a chunk",
    ),
    "keyatm_iterations": Limit(
        100_000,
        "every keyATM sweep resamples the topic of every token: the fit's time grows with it",
        "1,000 to 5,000 sweeps (the example study uses 5,000)",
    ),
    "spark_max_iter": Limit(
        10_000,
        "every iteration is a Spark job over the whole corpus",
        "20 to 100 iterations",
    ),
    "sweep_k": Limit(
        1_000,
        "a sweep keeps every fitted model for the stability measure, each a units x k and a "
        "k x terms matrix",
        "sweep k over 3 to 100 topics",
    ),
    "sweep_fits": Limit(
        500,
        "a sweep fits (and keeps) one model per k and seed: len(n_topics) x len(seeds) models",
        "5 to 10 values of k and 3 to 5 seeds",
    ),
    "window": Limit(
        1_000,
        "a unit of that many sentences is a whole document",
        'use unit = "section" for whole sub-sections',
    ),
    "keep_n": Limit(
        10_000_000,
        "the vocabulary becomes the columns of the document-term and topic-term matrices",
        "100,000 terms hold every word a topic model can use",
    ),
    "min_length": Limit(
        100,
        "no word of any language is longer, so a larger minimum leaves an empty vocabulary",
        "2 or 3 characters",
    ),
    "phrase_layers": Limit(
        5,
        "every layer is another pass over the corpus and another phrase model in memory",
        "2 layers (the English default) join phrases of up to four words",
    ),
    "count": Limit(
        2**31 - 1,
        "a word count above 2**31 - 1 is not one of any corpus",
        "give a count of occurrences",
    ),
    "dpi": Limit(
        600,
        "a 7 x 9 inch figure is drawn as an RGBA image of dpi^2 x 63 pixels x 4 bytes (91 MB at "
        "600 dpi, 1.5 GB at 2,400)",
        "300 dpi is print quality, 600 dpi is for line art; SVG or PDF scale without limit",
    ),
    "n_jobs": Limit(
        256,
        "every process holds its own copy of the corpus",
        "-1 uses every core",
    ),
    "partitions": Limit(
        100_000,
        "every partition is a Spark task with its own start-up cost and memory",
        "2 to 4 partitions per core of the cluster",
    ),
    "max_groups": Limit(
        50,
        "every group is a row of the figure; more than 50 cannot be read at 7 inches",
        "group by a coarser column, or draw a subset with the Python API",
    ),
    "max_documents": Limit(
        60,
        "every document is a row of the figure; more than 60 cannot be read at 7 inches",
        "use group_by with a metadata column to summarise many documents",
    ),
}


def size_error(name: str, value: Any, limit: Limit, *, low: int = 1) -> ConfigError:
    """The error for a size parameter out of its bounds (used by :func:`check_size` and the
    study validator)."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool) and value > limit.high:
        return ConfigError(
            f"{name} = {value:,} is too large: at most {limit.high:,}, because {limit.why}. "
            f"{limit.instead[0].upper()}{limit.instead[1:]}."
        )
    return ConfigError(f"{name} must be an integer from {low} to {limit.high:,}, not {value!r}.")


def check_size(name: str, value: Any, *, low: int = 1, limit: str | None = None) -> int:
    """``value`` as an ``int`` if it is an integer from ``low`` to its limit.

    Parameters
    ----------
    name : str
        The parameter's name, for the message (``"n_boot"``, ``"aggregation.n_boot"``).
    value
        What was given.
    low : int, default 1
        The smallest value accepted.
    limit : str, optional
        The key of :data:`LIMITS` (default: ``name`` after its last dot).

    Returns
    -------
    int

    Raises
    ------
    ConfigError
        Naming the parameter, the limit, why, and what to do, e.g. ``"n_boot = 100,000,000
        is too large: at most 100,000, because ..."``.
    """
    bound = LIMITS[limit if limit is not None else name.rsplit(".", 1)[-1]]
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or not low <= value <= bound.high
    ):
        raise size_error(name, value, bound, low=low)
    return int(value)
