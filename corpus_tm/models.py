"""Topic models: LDA (gensim) and NMF (scikit-learn) behind one result type.

In: a :class:`~corpus_tm.corpus.Corpus`.
Out: a :class:`TopicModel` (frozen): dense document-topic shares (every topic present, rows sum
to 1), topic-term distributions, the backend's raw weights, vocabulary, unit ids, the parameters
used and the library versions. :func:`save_model` / :func:`load_model` write and read it as one
``.npz`` file (arrays plus JSON metadata, no pickle).

Everything after the model (evaluation, domains, section shares, plots) is written once against
:class:`TopicModel`, whichever method made it. LDA can also be fit with the optional tomotopy
package (``fit_lda(..., backend="tomotopy")``), which is not a dependency of corpus_tm.
"""

from __future__ import annotations

import io
import json
import math
import os
import platform
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from corpus_tm.cache import atomic_write_bytes
from corpus_tm.checks import check_n_jobs
from corpus_tm.corpus import Corpus
from corpus_tm.errors import ConfigError, InputError
from corpus_tm.parallel import processes_for, worker_pool
from corpus_tm.reporting import progress_bar

__all__ = [
    "TopicModel",
    "check_corpus",
    "check_n_topics",
    "fit_lda",
    "fit_model",
    "fit_nmf",
    "load_model",
    "make_topic_model",
    "save_model",
]

#: Progress bars are shown by default when a corpus has at least this many units.
PROGRESS_MIN_UNITS = 5000

#: Bags of words with at most this many non-zero entries are held as lists during LDA fits.
_MATERIALISE_MAX_NNZ = 5_000_000

_FORMAT = "corpus_tm.TopicModel"
_FORMAT_VERSION = 1
_FRAMES = ("doc_topic", "doc_topic_raw", "topic_term", "topic_term_raw")


@dataclass(frozen=True, eq=False)
class TopicModel:
    """A fitted topic model, the same shape for LDA and NMF.

    Attributes
    ----------
    method : str
        The backend that made the model (``"lda"``, ``"nmf"``, ``"keyatm"`` or a registered
        one, see :mod:`corpus_tm.backends`).
    doc_topic : pandas.DataFrame
        Topic shares of each unit: index ``unit_id`` (in corpus order), columns the topic numbers
        ``0 .. n_topics - 1`` (named ``topic``); every topic is a column and every row sums to 1.
        LDA: the normalised variational Dirichlet parameters (gamma) of each unit. A unit with no
        tokens gets the prior (uniform for the default symmetric ``alpha``). NMF: the rows of
        ``W`` divided by their sum; a unit whose ``W`` row is all zero (no tokens, or none the
        model explains) gets uniform shares ``1 / n_topics``; its raw row stays zero.
    doc_topic_raw : pandas.DataFrame
        NMF: the raw weights ``W`` (same index and columns). LDA: the same as :attr:`doc_topic`.
    topic_term : pandas.DataFrame
        Topic-term distributions: index the topic numbers (``topic``), columns the vocabulary
        (``term``); rows sum to 1. LDA: the normalised variational parameters (lambda), as
        gensim's ``get_topics``. NMF: the rows of ``H`` divided by their sum.
    topic_term_raw : pandas.DataFrame
        LDA: lambda, the topic-term pseudo-counts (``eta`` plus expected counts). NMF: ``H``
        (``components_``).
    vocabulary : list of str
        Terms in column order.
    unit_ids : list of str
        Unit ids in row order.
    params : dict
        The parameters used (JSON-serialisable), including ``n_topics`` and ``random_state``.
        Array-valued priors are recorded as ``"array"`` here and kept in :attr:`state`.
    versions : dict
        Versions of Python, corpus_tm and the libraries that made the model.
    state : dict of str to numpy.ndarray
        Backend arrays needed to apply the model to data again. LDA: ``alpha`` (``k``) and
        ``eta`` (``V`` or ``k x V``) as used. NMF with TF-IDF weighting: ``idf`` (``V``).
    diagnostics : dict
        What the fit reported: NMF ``reconstruction_error`` (scikit-learn's
        ``reconstruction_err_``) and ``n_iter``; LDA ``n_updates``. No timings, so that equal
        fits give equal models.
    """

    method: str
    doc_topic: pd.DataFrame
    doc_topic_raw: pd.DataFrame
    topic_term: pd.DataFrame
    topic_term_raw: pd.DataFrame
    vocabulary: list[str]
    unit_ids: list[str]
    params: dict[str, Any]
    versions: dict[str, str]
    state: dict[str, np.ndarray] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def n_topics(self) -> int:
        """Number of topics."""
        return self.topic_term.shape[0]

    def __repr__(self) -> str:
        return (
            f"TopicModel(method={self.method!r}, n_topics={self.n_topics}, "
            f"n_units={len(self.unit_ids)}, n_terms={len(self.vocabulary)}, "
            f"random_state={self.params.get('random_state')!r})"
        )

    def top_terms(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` highest-weighted terms of each topic, as a tidy table.

        Parameters
        ----------
        n : int, default 10
            Terms per topic (at most the vocabulary size).

        Returns
        -------
        pandas.DataFrame
            Columns ``topic``, ``rank`` (1 = highest weight), ``term``, ``weight`` (the term's
            probability in :attr:`topic_term`); ``n_topics * n`` rows, topic by topic. Ties are
            broken by vocabulary order.
        """
        if not isinstance(n, int | np.integer) or n < 1:
            raise ConfigError(f"n must be a positive integer, got {n!r}.")
        n = min(int(n), len(self.vocabulary))
        weights = self.topic_term.to_numpy()
        order = np.argsort(-weights, axis=1, kind="stable")[:, :n]
        k = self.n_topics
        vocab = np.asarray(self.vocabulary, dtype=object)
        return pd.DataFrame(
            {
                "topic": np.repeat(np.arange(k), n),
                "rank": np.tile(np.arange(1, n + 1), k),
                "term": vocab[order].ravel(),
                "weight": np.take_along_axis(weights, order, axis=1).ravel(),
            }
        )

    def topic_terms(self, n: int = 10) -> list[list[str]]:
        """The ``n`` top terms of each topic as lists (what coherence measures take)."""
        table = self.top_terms(n)
        return [group["term"].tolist() for _, group in table.groupby("topic", sort=True)]


# --------------------------------------------------------------------------------------------
# validation


def check_corpus(corpus: Corpus) -> None:
    """Raise :class:`InputError` unless ``corpus`` is a non-empty :class:`Corpus`."""
    if not isinstance(corpus, Corpus):
        raise InputError(
            f"corpus must be a corpus_tm Corpus (from build_corpus), got {type(corpus).__name__}."
        )
    if len(corpus) == 0:
        raise InputError("corpus has no units: there is nothing to fit a topic model to.")
    if len(corpus.dictionary) == 0 or corpus.n_tokens == 0:
        raise InputError(
            "corpus has no tokens (empty vocabulary): loosen the preprocessing settings "
            "(stop words, minimum document frequency) or check the input texts."
        )
    ids = corpus.unit_ids
    if len(set(ids)) != len(ids):
        raise InputError("corpus.units has repeated unit_id values; unit ids must be unique.")


def check_n_topics(n_topics: Any, corpus: Corpus) -> int:
    """Return ``n_topics`` as int, or raise :class:`ConfigError` naming the limits."""
    n_units, n_terms = len(corpus), len(corpus.dictionary)
    upper = min(n_units, n_terms)
    if isinstance(n_topics, bool) or not isinstance(n_topics, int | np.integer):
        raise ConfigError(f"n_topics must be an integer between 1 and {upper}, got {n_topics!r}.")
    from corpus_tm.limits import LIMITS, size_error

    if n_topics > LIMITS["n_topics"].high:  # the memory bound, with why (corpus_tm.limits)
        raise size_error("n_topics", n_topics, LIMITS["n_topics"])
    if not 1 <= n_topics <= upper:
        raise ConfigError(
            f"n_topics must be between 1 and {upper} (the smaller of the number of units, "
            f"{n_units}, and of terms, {n_terms}), got {n_topics}."
        )
    return int(n_topics)


def _check_random_state(random_state: Any) -> int | None:
    if random_state is None:
        return None
    if isinstance(random_state, bool) or not isinstance(random_state, int | np.integer):
        raise ConfigError(
            f"random_state must be an int or None, got {type(random_state).__name__}; "
            "pass a seed so that results can be reproduced."
        )
    if random_state < 0:
        raise ConfigError(f"random_state must be a non-negative int, got {random_state}.")
    if random_state >= 2**32:
        raise ConfigError(f"random_state must be below 2**32, got {random_state}.")
    return int(random_state)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}.")
    from corpus_tm.limits import LIMITS, check_size

    if name in LIMITS:  # iterations, passes, max_iter, chunksize: bounded, with why
        check_size(name, value)
    return int(value)


def _show_progress(progress: bool | None, n_units: int) -> bool:
    return n_units >= PROGRESS_MIN_UNITS if progress is None else bool(progress)


# --------------------------------------------------------------------------------------------
# shared construction


def library_versions() -> dict[str, str]:
    """Versions of Python, corpus_tm and the libraries models depend on."""
    out = {"python": platform.python_version()}
    for name in ("corpus_tm", "gensim", "scikit-learn", "numpy", "scipy", "pandas"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out


def make_topic_model(
    method: str,
    *,
    doc_topic: np.ndarray,
    doc_topic_raw: np.ndarray,
    topic_term: np.ndarray,
    topic_term_raw: np.ndarray,
    unit_ids: list[str],
    vocabulary: list[str],
    params: dict[str, Any],
    versions: dict[str, str],
    state: dict[str, np.ndarray] | None = None,
    diagnostics: dict[str, Any] | None = None,
) -> TopicModel:
    """A :class:`TopicModel` from plain arrays (for backends outside this module).

    Parameters
    ----------
    method : str
        The backend's name (``"keyatm"``, ...).
    doc_topic, doc_topic_raw, topic_term, topic_term_raw : numpy.ndarray
        See :class:`TopicModel`; ``doc_topic`` and ``topic_term`` rows sum to 1.
    unit_ids, vocabulary : list of str
        Row and column labels.
    params, versions, state, diagnostics
        See :class:`TopicModel`.

    Returns
    -------
    TopicModel
    """
    return TopicModel(
        method=method,
        **_frames(doc_topic, doc_topic_raw, topic_term, topic_term_raw, unit_ids, vocabulary),
        vocabulary=list(vocabulary),
        unit_ids=list(unit_ids),
        params=params,
        versions=versions,
        state=dict(state or {}),
        diagnostics=dict(diagnostics or {}),
    )


def _frames(
    doc_topic: np.ndarray,
    doc_topic_raw: np.ndarray,
    topic_term: np.ndarray,
    topic_term_raw: np.ndarray,
    unit_ids: list[str],
    vocabulary: list[str],
) -> dict[str, pd.DataFrame]:
    k = topic_term.shape[0]
    units = pd.Index(unit_ids, name="unit_id", dtype=object)
    topics = pd.RangeIndex(k, name="topic")
    terms = pd.Index(vocabulary, name="term", dtype=object)
    return {
        "doc_topic": pd.DataFrame(doc_topic, index=units, columns=topics),
        "doc_topic_raw": pd.DataFrame(doc_topic_raw, index=units, columns=topics),
        "topic_term": pd.DataFrame(topic_term, index=topics, columns=terms),
        "topic_term_raw": pd.DataFrame(topic_term_raw, index=topics, columns=terms),
    }


def _row_shares(raw: np.ndarray) -> np.ndarray:
    """Rows divided by their sums; all-zero rows become uniform."""
    sums = raw.sum(axis=1, keepdims=True)
    uniform = np.full_like(raw, 1.0 / raw.shape[1])
    return np.divide(raw, sums, out=uniform, where=sums > 0)


# --------------------------------------------------------------------------------------------
# LDA


def _check_prior(name: str, value: Any, shapes: list[tuple[int, ...]], words: tuple[str, ...]):
    """Return a JSON-able description of a Dirichlet prior and the value to hand to gensim."""
    if value is None or isinstance(value, str):
        if value is not None and value not in words:
            raise ConfigError(
                f"{name} must be one of {words}, a number or an array, got {value!r}."
            )
        return value, value
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        if not np.isfinite(value) or value <= 0:
            raise ConfigError(f"{name} must be positive, got {value!r}.")
        return float(value), float(value)
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape not in shapes:
        raise ConfigError(
            f"{name} array has shape {arr.shape}; expected one of {shapes} "
            "(topics x terms in the corpus's term id order for a per-topic prior)."
        )
    if not np.isfinite(arr).all() or (arr <= 0).any():
        raise ConfigError(f"{name} array must be finite and positive everywhere.")
    return f"array{list(arr.shape)}", arr


class _PassProgress:
    """A gensim metric callback that only advances a tqdm bar at the end of each pass."""

    logger = None
    title = "progress"

    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def __str__(self) -> str:
        return self.title

    def get_value(self, **kwargs: Any) -> float:
        self.bar.update(1)
        return 0.0


def _auto_passes(n_units: int, chunksize: int) -> int:
    """Passes so that small corpora get enough updates and large ones are not overtrained.

    Online LDA makes one update per chunk, so a corpus that fits in one chunk gets one update
    per pass. Aim at 20 updates in all (on generated corpora of one chunk, 10 passes sometimes
    left topics unconverged and 20 did not), with at least 5 passes and at most 20.
    """
    chunks = max(1, -(-n_units // chunksize))
    return int(min(20, max(5, -(-20 // chunks))))


def fit_lda(
    corpus: Corpus,
    n_topics: int = 10,
    *,
    random_state: int | None = None,
    alpha: str | float | np.ndarray = "symmetric",
    eta: str | float | np.ndarray | None = None,
    passes: int | None = None,
    iterations: int | None = None,
    chunksize: int = 2000,
    decay: float = 0.5,
    offset: float = 1.0,
    gamma_threshold: float = 0.001,
    backend: Literal["gensim", "tomotopy"] = "gensim",
    dtype: Literal["float32", "float64"] = "float64",
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> TopicModel:
    """Fit LDA with gensim's ``LdaModel`` (online variational Bayes, one process).

    Optionally with tomotopy (collapsed Gibbs sampling, one thread; ``backend="tomotopy"``,
    needs ``pip install tomotopy``). Measured with ``benchmarks/bench_models.py`` (2-core
    machine): on the UN General Debate corpus (959 speeches, 10 topics) 200 Gibbs sweeps took
    8 s against 33 s for gensim with the defaults here, with more coherent topics (c_v 0.58
    against 0.48; 500 sweeps, the default: 20 s, c_v 0.60); on a generated corpus of 20 topics
    it recovered every topic (mean matched cosine 0.997) where gensim merged two (0.88).

    The document-topic matrix is dense: it is computed for every unit with the fitted model's
    ``inference`` (the variational parameters gamma, normalised), never with
    ``get_document_topics``, which drops topics below ``minimum_probability`` (clamped to at
    least 1e-8 in gensim 4). gensim's ``LdaMulticore`` is deliberately not offered: with several
    workers its results depend on thread scheduling. To use several cores, run several fits at
    once with :func:`corpus_tm.evaluation.sweep` (``n_jobs``).

    Parameters
    ----------
    corpus : Corpus
        The corpus to fit.
    n_topics : int, default 10
        Number of topics, between 1 and the smaller of the number of units and of terms.
    random_state : int or None
        Seed handed to gensim. The same corpus, parameters and seed give identical matrices.
    alpha : {"symmetric", "asymmetric", "auto"}, float or array of shape (n_topics,)
        Document-topic prior, as in gensim (``"auto"`` learns an asymmetric prior).
    eta : None, {"symmetric", "auto"}, float, or array of shape (n_terms,) or (n_topics, n_terms)
        Topic-term prior, as in gensim. A ``topics x terms`` array (columns in the corpus's term
        id order) gives each topic its own prior, e.g. to boost seed terms (seeded LDA).
    passes : int or None
        Passes over the corpus. ``None`` aims at about 20 online updates in all: 20 passes for a
        corpus that fits in one chunk (up to ``chunksize`` units), fewer for larger corpora, and
        never fewer than 5 (5 passes, 125 updates, for 50,000 units with ``chunksize=2000``).
    iterations : int or None
        gensim: maximum E-step iterations per unit (``None``: 100; gensim's default of 50
        under-fits long documents). tomotopy: Gibbs sweeps over the corpus (``None``: 500).
    chunksize : int, default 2000
        Units per online update.
    decay, offset : float
        Learning-rate schedule of online LDA (gensim's kappa and tau_0).
    gamma_threshold : float, default 0.001
        E-step convergence threshold.
    backend : {"gensim", "tomotopy"}, default "gensim"
        ``"tomotopy"`` samples with one worker thread, so a seed gives identical results run
        to run. It takes ``alpha`` ("symmetric", "auto" = optimised by tomotopy, a number or an
        array), ``eta`` (None, "symmetric", a number or an array, set with
        ``set_word_prior``) and ``iterations``; ``passes``, ``chunksize``, ``decay``,
        ``offset`` and ``gamma_threshold`` are gensim's only and must stay at their defaults.
    dtype : {"float64", "float32"}, default "float64"
        Floating-point type of gensim's variational parameters (gensim's ``dtype``; gensim's
        own default is float32). In float32, gensim's sums differ between BLAS kernels (one
        processor and another, or ``OPENBLAS_CORETYPE``) by up to about 2e-5 in the shares,
        which flipped a value rounded to three decimals in a committed figure; in float64 the
        difference is far below any rounding, so results are the same on every processor.
        float32 halves the memory of lambda and is a little faster. gensim only.
    n_jobs : int or None
        Most processes for the gensim backend's E-steps (every update's, and the one over
        every unit that makes the document-topic matrix); ``None`` or 1: one process, -1: all
        cores, -2: all but one. Used only when it pays (``corpus_tm.parallel``): when the
        E-steps are estimated to take at least 10 s on one core, and only on cores that no
        other program keeps busy. The workers run gensim's own per-document loop and this
        process adds their sufficient statistics in gensim's order, so the result is the same
        to the last bit as gensim's ``LdaModel`` in one process, whatever ``n_jobs`` is (10
        million tokens, 50 topics, one pass: 58 s with 1, 41 s with 2 on two cores). The
        workers do not re-run the caller's script, so no ``if __name__ == "__main__":`` guard
        is needed. Leave it at 1 inside :func:`sweep`, which already runs fits in parallel.
    progress : bool or None
        Show a progress bar over passes (Gibbs sweeps for tomotopy); ``None`` shows it for
        corpora of at least 5,000 units.

    Returns
    -------
    TopicModel
        ``topic_term_raw`` holds lambda (pseudo-counts; for tomotopy the topic-term counts of
        the last sample plus ``eta``), ``doc_topic_raw`` equals ``doc_topic`` (for tomotopy the
        smoothed topic counts of each unit, ``(n_dk + alpha_k) / (n_d + sum(alpha))``).
        ``params["backend"]`` says which backend made it. For gensim ``state["gamma_sum"]``
        holds the row sums of the variational gamma (``doc_topic * gamma_sum[:, None]`` is
        gamma), from which :func:`~corpus_tm.evaluation.evaluate` computes perplexity
        without a second inference.

    Raises
    ------
    InputError
        If the corpus is empty.
    ConfigError
        If ``n_topics`` is out of range or another parameter is invalid.
    """
    check_corpus(corpus)
    k = check_n_topics(n_topics, corpus)
    seed = _check_random_state(random_state)
    n_terms = len(corpus.dictionary)
    alpha_desc, alpha_val = _check_prior(
        "alpha", alpha, [(k,)], ("symmetric", "asymmetric", "auto")
    )
    eta_desc, eta_val = _check_prior("eta", eta, [(n_terms,), (k, n_terms)], ("symmetric", "auto"))
    if backend == "tomotopy":
        gensim_only = {
            "passes": (passes, None),
            "chunksize": (chunksize, 2000),
            "decay": (decay, 0.5),
            "offset": (offset, 1.0),
            "gamma_threshold": (gamma_threshold, 0.001),
            "dtype": (dtype, "float64"),
        }
        changed = [name for name, (value, default) in gensim_only.items() if value != default]
        if check_n_jobs(n_jobs) != 1:
            changed.append("n_jobs")
        if changed:
            raise ConfigError(
                f"{', '.join(changed)} are parameters of the gensim backend; "
                "with backend='tomotopy' set iterations (Gibbs sweeps) instead."
            )
        return _fit_lda_tomotopy(
            corpus,
            k,
            seed=seed,
            alpha=(alpha_desc, alpha_val),
            eta=(eta_desc, eta_val),
            iterations=500 if iterations is None else _positive_int("iterations", iterations),
            progress=progress,
        )
    if backend != "gensim":
        raise ConfigError(f"backend must be 'gensim' or 'tomotopy', got {backend!r}.")
    chunksize = _positive_int("chunksize", chunksize)
    check_n_jobs(n_jobs)  # a bad value fails before the fit, not after it
    iterations = 100 if iterations is None else _positive_int("iterations", iterations)
    passes = (
        _auto_passes(len(corpus), chunksize) if passes is None else _positive_int("passes", passes)
    )
    for name, value in (("decay", decay), ("offset", offset), ("gamma_threshold", gamma_threshold)):
        if not np.isfinite(value) or value <= 0:
            raise ConfigError(f"{name} must be a positive number, got {value!r}.")
    if decay > 1.0:
        raise ConfigError(f"decay must be in (0, 1] (gensim's kappa), got {decay}.")
    if dtype not in ("float32", "float64"):
        raise ConfigError(f"dtype must be 'float32' or 'float64', got {dtype!r}.")

    # gensim reads the corpus once per pass: a list of (id, count) lists is faster to re-read
    # than converting CSR rows each time; keep the lazy view only for very large corpora.
    bow = list(corpus.bow) if corpus.dtm.nnz <= _MATERIALISE_MAX_NNZ else corpus.bow
    show = _show_progress(progress, len(corpus))
    # one-core seconds of the E-steps of every pass and of the gamma pass
    work = estep_seconds(len(corpus), corpus.dtm.nnz, k, passes + 1)
    with (
        lda_pool(n_jobs, len(corpus), work=work) as pool,
        progress_bar(total=passes, desc=f"LDA k={k}", unit="pass", show=show) as bar,
    ):
        # Made without a corpus, then trained with update(): what LdaModel(corpus=...) does
        # (tested to give the same lambda), with the pool in place before the first E-step.
        model = _pooled_lda_class()(
            corpus=None,
            num_topics=k,
            id2word=corpus.dictionary,
            chunksize=chunksize,
            passes=passes,
            alpha=alpha_val,
            eta=eta_val,
            decay=decay,
            offset=offset,
            eval_every=None,
            iterations=iterations,
            gamma_threshold=gamma_threshold,
            random_state=seed,
            dtype=np.dtype(dtype).type,
            callbacks=[_PassProgress(bar)] if show else None,
        )
        model.pool = pool
        model.update(bow)
        model.pool = None
        lam = model.state.get_lambda().astype(np.float64)
        gamma = _gamma_by_chunks(model, bow, chunksize, pool)
    topic_term = lam / lam.sum(axis=1, keepdims=True)
    doc_topic = gamma / gamma.sum(axis=1, keepdims=True)
    params = {
        "n_topics": k,
        "random_state": seed,
        "backend": "gensim",
        "alpha": alpha_desc,
        "eta": eta_desc,
        "passes": passes,
        "iterations": iterations,
        "chunksize": chunksize,
        "decay": float(decay),
        "offset": float(offset),
        "gamma_threshold": float(gamma_threshold),
        "dtype": dtype,
    }
    state = {
        "alpha": np.asarray(model.alpha, dtype=np.float64),
        "eta": np.asarray(model.eta, dtype=np.float64),
        "gamma_sum": gamma.sum(axis=1),
    }
    return TopicModel(
        method="lda",
        **_frames(doc_topic, doc_topic, topic_term, lam, corpus.unit_ids, corpus.vocabulary),
        vocabulary=corpus.vocabulary,
        unit_ids=corpus.unit_ids,
        params=params,
        versions=library_versions(),
        state=state,
        diagnostics={"n_updates": int(model.num_updates)},
    )


def _fit_lda_tomotopy(
    corpus: Corpus,
    k: int,
    *,
    seed: int | None,
    alpha: tuple[Any, Any],
    eta: tuple[Any, Any],
    iterations: int,
    progress: bool | None,
) -> TopicModel:
    """LDA by collapsed Gibbs sampling with tomotopy (one worker: deterministic for a seed)."""
    try:
        import tomotopy as tp
    except ImportError as exc:  # optional dependency
        raise ConfigError(
            "backend='tomotopy' needs the tomotopy package: pip install tomotopy "
            "(or use the default backend='gensim')."
        ) from exc

    alpha_desc, alpha_val = alpha
    eta_desc, eta_val = eta
    n_terms = len(corpus.dictionary)
    if alpha_desc == "asymmetric":
        raise ConfigError("alpha='asymmetric' is gensim's; with tomotopy use 'auto' or numbers.")
    if eta_desc == "auto":
        raise ConfigError("eta='auto' is gensim's; with tomotopy give a number or an array.")
    optimise = alpha_desc == "auto"
    if alpha_desc in ("symmetric", "auto"):
        alpha_arr = np.full(k, 1.0 / k)
    else:
        alpha_arr = np.broadcast_to(np.asarray(alpha_val, dtype=np.float64), (k,)).copy()
    if eta_desc is None or eta_desc == "symmetric":
        eta_arr = np.full(n_terms, 1.0 / k)
    else:
        eta_arr = np.asarray(eta_val, dtype=np.float64)
        if eta_arr.ndim == 0:
            eta_arr = np.full(n_terms, float(eta_arr))
    per_term = np.broadcast_to(eta_arr, (k, n_terms)) if eta_arr.ndim == 1 else eta_arr
    base_eta = float(per_term.flat[0])

    model = tp.LDAModel(k=k, alpha=alpha_arr.tolist(), eta=base_eta, seed=seed)
    model.optim_interval = 10 if optimise else 0
    added = []
    for i, doc in enumerate(corpus.tokens):
        if doc:
            model.add_doc(doc)
            added.append(i)
    vocab = corpus.vocabulary
    if not np.all(per_term == base_eta):
        present = np.flatnonzero(np.asarray(corpus.dtm.sum(axis=0)).ravel() > 0)
        for col in present:
            model.set_word_prior(vocab[col], per_term[:, col].tolist())
    show = _show_progress(progress, len(corpus))
    with progress_bar(total=iterations, desc=f"LDA k={k}", unit="sweep", show=show) as bar:
        model.train(
            iterations,
            workers=1,
            parallel=tp.ParallelScheme.NONE,
            callback=(lambda _m, done, _total: bar.update(done - bar.n)) if show else None,
            callback_interval=10,
        )
        bar.update(iterations - bar.n)
    position = {term: j for j, term in enumerate(vocab)}
    used_cols = np.array([position[t] for t in model.used_vocabs], dtype=np.int64)
    lam = np.array(per_term, dtype=np.float64, copy=True)
    for t in range(k):
        # tomotopy's unnormalised distribution is n_kw + the base eta (word priors left out);
        # lambda is n_kw + eta_kw, as in gensim, so the prior's pseudo-counts count too
        raw = np.asarray(model.get_topic_word_dist(t, normalize=False), dtype=np.float64)
        lam[t, used_cols] += np.maximum(raw - np.float32(base_eta), 0.0)
    topic_term = lam / lam.sum(axis=1, keepdims=True)
    alpha_used = np.asarray(model.alpha, dtype=np.float64).reshape(-1)
    alpha_used = np.broadcast_to(alpha_used, (k,)).copy()
    doc_topic = np.tile(alpha_used / alpha_used.sum(), (len(corpus), 1))
    for row, doc in zip(added, model.docs, strict=True):
        doc_topic[row] = np.asarray(doc.get_topic_dist(), dtype=np.float64)
    doc_topic /= doc_topic.sum(axis=1, keepdims=True)
    params = {
        "n_topics": k,
        "random_state": seed,
        "backend": "tomotopy",
        "alpha": alpha_desc,
        "eta": eta_desc,
        "iterations": iterations,
    }
    versions = library_versions()
    versions["tomotopy"] = tp.__version__
    return TopicModel(
        method="lda",
        **_frames(doc_topic, doc_topic, topic_term, lam, corpus.unit_ids, vocab),
        vocabulary=vocab,
        unit_ids=corpus.unit_ids,
        params=params,
        versions=versions,
        state={"alpha": alpha_used, "eta": eta_arr if eta_arr.ndim == 2 else eta_arr.copy()},
        diagnostics={"ll_per_word": float(model.ll_per_word)},
    )


def lda_gamma(
    model: Any, bow: Any, *, chunksize: int = 2000, n_jobs: int | None = None
) -> np.ndarray:
    """Dense variational gamma (units x topics, float64) of a gensim LDA model for ``bow``.

    Computed with ``model.inference`` chunk by chunk, so no topic is ever dropped. Uses (and
    advances) the model's random state, so the result is reproducible for a freshly fitted or
    rebuilt model. With ``n_jobs > 1`` each chunk's documents are inferred in up to that many
    processes (:func:`pooled_inference`; when it pays, see :func:`lda_pool`), with the same
    result to the last bit.
    """
    work = math.inf
    if isinstance(bow, list):  # for a lazy corpus the work is not counted (a large one)
        work = estep_seconds(len(bow), sum(map(len, bow)), model.num_topics, 1)
    with lda_pool(n_jobs, len(bow), work=work) as pool:
        return _gamma_by_chunks(model, bow, chunksize, pool)


def _gamma_by_chunks(model: Any, bow: Any, chunksize: int, pool: Any) -> np.ndarray:
    n = len(bow)
    out = np.empty((n, model.num_topics), dtype=np.float64)
    for start in range(0, n, chunksize):
        chunk = [bow[i] for i in range(start, min(n, start + chunksize))]
        if pool is None:
            gamma, _ = model.inference(chunk)
        else:
            gamma, _ = pooled_inference(model, chunk, pool)
        out[start : start + len(chunk)] = gamma
    return out


#: Below this many units LDA stays in one process whatever ``n_jobs`` is.
_POOL_MIN_UNITS = 100

#: LDA's E-steps use several processes when they would take at least this many seconds on one
#: core: starting two workers that import corpus_tm takes about 3 s (once a session: they wait
#: for the next fit), and this process still adds the sufficient statistics (about 12 % of an
#: E-step's time).
_POOL_MIN_SECONDS = 10.0

#: One-core seconds of an E-step per document-term entry and topic, and per unit (gensim's
#: per-document loop), fitted on the UN speeches by section and by paragraph
#: (benchmarks/benchparallel.py; 4.5 s and 12 s of CPU, within 10 %).
_ESTEP_SECONDS_PER_CELL = 1e-7
_ESTEP_SECONDS_PER_UNIT = 1.2e-4


def estep_seconds(n_units: int, nnz: int, n_topics: int, passes: int) -> float:
    """Estimated one-core seconds of ``passes`` E-steps over ``n_units`` units.

    Parameters
    ----------
    n_units : int
        Units (documents) inferred per pass.
    nnz : int
        Non-zero document-term entries of those units.
    n_topics : int
        Topics.
    passes : int
        E-steps over all units (a fit's passes, plus one for the document-topic matrix).

    Returns
    -------
    float
        ``passes * (nnz * n_topics * 1e-7 + n_units * 1.2e-4)`` seconds.
    """
    per_pass = nnz * n_topics * _ESTEP_SECONDS_PER_CELL + n_units * _ESTEP_SECONDS_PER_UNIT
    return float(passes * per_pass)


def lda_fit_seconds(corpus: Corpus, n_topics: int, params: Mapping[str, Any]) -> float:
    """Estimated one-core seconds of ``fit_lda(corpus, n_topics, **params)`` (its E-steps).

    Used to decide whether a sweep's fits pay for worker processes (the ``"lda"`` backend's
    ``fit_seconds``); 0 for parameters that the fit will refuse.
    """
    passes, chunksize = params.get("passes"), params.get("chunksize", 2000)
    if not all(isinstance(v, int) and v > 0 for v in (passes or 1, chunksize)):
        return 0.0  # one process; the fit reports the bad value
    if passes is None:
        passes = _auto_passes(len(corpus), chunksize)
    return estep_seconds(len(corpus), corpus.dtm.nnz, n_topics, passes + 1)


#: One-core seconds of an NMF fit per document-term entry and topic (UN speeches by section,
#: 10 and 30 topics: 5.3e-7 and 4.3e-7; benchmarks/benchparallel.py).
_NMF_SECONDS_PER_CELL = 5e-7


def nmf_fit_seconds(corpus: Corpus, n_topics: int, params: Mapping[str, Any]) -> float:
    """Estimated one-core seconds of ``fit_nmf(corpus, n_topics, **params)`` (the ``"nmf"``
    backend's ``fit_seconds``)."""
    return float(corpus.dtm.nnz * n_topics * _NMF_SECONDS_PER_CELL)


@contextmanager
def lda_pool(n_jobs: int | None, n_units: int, *, work: float = math.inf) -> Iterator[Any]:
    """A process pool for :func:`pooled_inference`, or ``None`` where one process is enough.

    Parameters
    ----------
    n_jobs : int or None
        Most processes to use (``corpus_tm.checks.check_n_jobs``).
    n_units : int
        Units to infer; below ``_POOL_MIN_UNITS`` no pool is used.
    work : float
        Estimated one-core seconds of the call's E-steps (:func:`estep_seconds`); below
        ``_POOL_MIN_SECONDS`` no pool is used.

    Yields
    ------
    WorkerPool or None
        joblib's loky workers (``corpus_tm.parallel.WorkerPool``), as many as
        :func:`corpus_tm.parallel.processes_for` allows, or ``None`` for one process. The
        workers are not shut down afterwards: they wait for the next fit.
    """
    check_n_jobs(n_jobs)
    if n_units < _POOL_MIN_UNITS:
        yield None
        return
    n_workers = processes_for(n_jobs, work=work, min_work=_POOL_MIN_SECONDS)
    yield None if n_workers == 1 else worker_pool(n_workers)


def pooled_inference(
    model: Any, chunk: Sequence[list[tuple[int, Any]]], pool: Any, collect_sstats: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """gensim's ``LdaModel.inference`` with the documents spread over a process pool.

    Gives what ``model.inference(chunk, collect_sstats)`` gives, to the last bit. It draws
    the chunk's random starting values as gensim does (one draw, this process), lets the
    workers run gensim's own per-document loop on contiguous parts of the chunk (each
    document's gamma depends only on the document, its start and the model), then adds the
    sufficient statistics here, document by document in gensim's order, from each final gamma
    exactly as gensim's loop does after its last iteration.
    """
    from gensim.models.ldamodel import dirichlet_expectation

    chunk = list(chunk)
    starts = model.random_state.gamma(100.0, 1.0 / 100.0, (len(chunk), model.num_topics))
    state = {
        "expElogbeta": model.expElogbeta,
        "alpha": model.alpha,
        "iterations": model.iterations,
        "gamma_threshold": model.gamma_threshold,
        "dtype": model.dtype,
        "num_topics": model.num_topics,
    }
    # The documents travel as flat arrays: unpickling lists of tuples costs more than the
    # workers save.
    offsets = np.zeros(len(chunk) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, chunk), dtype=np.int64, count=len(chunk)), out=offsets[1:])
    n_cells = int(offsets[-1])
    ids = np.fromiter((i for doc in chunk for i, _ in doc), dtype=np.int64, count=n_cells)
    counts = np.fromiter((c for doc in chunk for _, c in doc), dtype=np.float64, count=n_cells)
    n_parts = max(1, min(pool.n_workers, len(chunk)))
    bounds = np.linspace(0, len(chunk), n_parts + 1).astype(int).tolist()
    parts = [
        (
            ids[offsets[a] : offsets[b]],
            counts[offsets[a] : offsets[b]],
            offsets[a : b + 1] - offsets[a],
            starts[a:b],
            state,
        )
        for a, b in pairwise(bounds)
    ]
    gamma = np.concatenate(pool.map(_gamma_of_documents, parts))
    if not collect_sstats:
        return gamma, None
    expElogbeta = model.expElogbeta
    sstats = np.zeros_like(expElogbeta, dtype=model.dtype)
    epsilon = np.finfo(model.dtype).eps
    counts = counts.astype(model.dtype)
    bounds = offsets.tolist()
    for d in range(len(chunk)):
        doc_ids = ids[bounds[d] : bounds[d + 1]]
        exp_elog_theta = np.exp(dirichlet_expectation(gamma[d, :]))
        phinorm = np.dot(exp_elog_theta, expElogbeta[:, doc_ids]) + epsilon
        sstats[:, doc_ids] += np.outer(
            exp_elog_theta.T, counts[bounds[d] : bounds[d + 1]] / phinorm
        )
    sstats *= expElogbeta
    return gamma, sstats


class _ReplayedStarts:
    """Stands in for a model's random state in a worker: hands out starts drawn beforehand."""

    def __init__(self, start: np.ndarray) -> None:
        self._start = start

    def gamma(self, shape: float, scale: float, size: tuple[int, int]) -> np.ndarray:
        if self._start.shape != tuple(size):  # pragma: no cover - an internal invariant
            raise RuntimeError("LDA inference asked for random starts of an unexpected shape.")
        return self._start


def _gamma_of_documents(
    ids: np.ndarray,
    counts: np.ndarray,
    offsets: np.ndarray,
    starts: np.ndarray,
    state: dict[str, Any],
) -> np.ndarray:
    """Worker task: gensim's inference loop for the documents in flat arrays."""
    from types import SimpleNamespace

    from gensim.models import LdaModel

    id_list, count_list, bounds = ids.tolist(), counts.tolist(), offsets.tolist()
    docs = [list(zip(id_list[a:b], count_list[a:b], strict=True)) for a, b in pairwise(bounds)]
    # LdaModel.inference reads only these attributes of the model.
    model = SimpleNamespace(**state, random_state=_ReplayedStarts(starts))
    gamma, _ = LdaModel.inference(model, docs)  # type: ignore[arg-type]
    return gamma


@cache
def _pooled_lda_class() -> type:
    """gensim's ``LdaModel`` whose E-step uses :func:`pooled_inference` when given a pool."""
    from gensim.models import LdaModel

    class PooledLdaModel(LdaModel):
        pool: Any = None

        def inference(self, chunk, collect_sstats=False):  # type: ignore[override]
            # Whether to pool at all was decided on the corpus size (lda_pool); every chunk of
            # a pooled fit is pooled, whatever chunksize is.
            if self.pool is None or len(chunk) < 2:
                return super().inference(chunk, collect_sstats=collect_sstats)
            return pooled_inference(self, chunk, self.pool, collect_sstats=collect_sstats)

    return PooledLdaModel


# --------------------------------------------------------------------------------------------
# NMF


def tfidf_weights(dtm: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray]:
    """TF-IDF of a count matrix as scikit-learn's ``TfidfTransformer`` defaults, and the idf."""
    from sklearn.feature_extraction.text import TfidfTransformer

    transformer = TfidfTransformer(norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=False)
    x = transformer.fit_transform(dtm)
    return sp.csr_matrix(x, dtype=np.float64), np.asarray(transformer.idf_, dtype=np.float64)


def apply_idf(dtm: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Weight counts by a given ``idf`` and l2-normalise rows (TF-IDF with a fixed idf)."""
    from sklearn.preprocessing import normalize

    return sp.csr_matrix(normalize(dtm @ sp.diags(idf), norm="l2"), dtype=np.float64)


def fit_nmf(
    corpus: Corpus,
    n_topics: int = 10,
    *,
    random_state: int | None = None,
    weighting: Literal["tfidf", "counts"] = "tfidf",
    init: str | None = "nndsvda",
    solver: Literal["cd", "mu"] = "cd",
    beta_loss: str | float = "frobenius",
    max_iter: int = 1000,
    tol: float = 1e-4,
    alpha_W: float = 0.0,
    alpha_H: float | Literal["same"] = "same",
    l1_ratio: float = 0.0,
    n_threads: int | None = 1,
) -> TopicModel:
    """Fit NMF with scikit-learn on TF-IDF weights (or raw counts).

    Parameters
    ----------
    corpus : Corpus
        The corpus to fit.
    n_topics : int, default 10
        Number of topics, between 1 and the smaller of the number of units and of terms.
    random_state : int or None
        Seed handed to scikit-learn (used by the initialisation). The same corpus, parameters
        and seed give identical matrices. With ``init="nndsvda"`` the seed changes little (only
        the randomised SVD of the start); pass ``init="random"`` to study stability across seeds.
    weighting : {"tfidf", "counts"}, default "tfidf"
        Factorise scikit-learn's default TF-IDF (smooth idf, l2-normalised rows) or raw counts.
    init, solver, beta_loss, max_iter, tol, alpha_W, alpha_H, l1_ratio
        Handed to :class:`sklearn.decomposition.NMF` (``max_iter`` raised from 200 to 1000).
    n_threads : int or None, default 1
        BLAS and OpenMP threads of the fit (threadpoolctl); ``None`` leaves the libraries'
        own default (one per core). One thread was never slower on the UN corpus and a second
        one doubled the CPU time (``benchmarks/benchparallel.py``); with one thread the
        matrices are also those of :func:`~corpus_tm.evaluation.sweep`, which fits with one,
        and do not depend on the machine's number of cores.

    Returns
    -------
    TopicModel
        ``doc_topic_raw`` is ``W``, ``topic_term_raw`` is ``H``; ``doc_topic`` and
        ``topic_term`` are their rows divided by the row sums. Units whose ``W`` row is all zero
        (e.g. units with no tokens) get uniform shares ``1 / n_topics`` in ``doc_topic`` and keep
        their zero row in ``doc_topic_raw`` (so they can be found); the same rule applies to an
        all-zero row of ``H``. ``diagnostics`` has scikit-learn's ``reconstruction_error`` and
        ``n_iter``.

    Raises
    ------
    InputError
        If the corpus is empty.
    ConfigError
        If ``n_topics`` is out of range or another parameter is invalid.
    """
    from sklearn.decomposition import NMF
    from threadpoolctl import threadpool_limits

    check_corpus(corpus)
    k = check_n_topics(n_topics, corpus)
    seed = _check_random_state(random_state)
    max_iter = _positive_int("max_iter", max_iter)
    if n_threads is not None:
        n_threads = _positive_int("n_threads", n_threads)
    if weighting not in ("tfidf", "counts"):
        raise ConfigError(f"weighting must be 'tfidf' or 'counts', got {weighting!r}.")
    state: dict[str, np.ndarray] = {}
    if weighting == "tfidf":
        x, idf = tfidf_weights(corpus.dtm)
        state["idf"] = idf
    else:
        x = sp.csr_matrix(corpus.dtm, dtype=np.float64)
    estimator = NMF(
        n_components=k,
        init=init,
        solver=solver,
        beta_loss=beta_loss,
        max_iter=max_iter,
        tol=tol,
        alpha_W=alpha_W,
        alpha_H=alpha_H,
        l1_ratio=l1_ratio,
        random_state=seed,
    )
    try:
        with threadpool_limits(limits=n_threads):
            w = estimator.fit_transform(x)
    except ValueError as exc:  # scikit-learn's own parameter validation
        raise ConfigError(f"invalid NMF parameter: {exc}") from exc
    w = np.asarray(w, dtype=np.float64)
    h = np.asarray(estimator.components_, dtype=np.float64)
    params = {
        "n_topics": k,
        "random_state": seed,
        "weighting": weighting,
        "init": init,
        "solver": solver,
        "beta_loss": beta_loss,
        "max_iter": max_iter,
        "tol": float(tol),
        "alpha_W": float(alpha_W),
        "alpha_H": alpha_H if isinstance(alpha_H, str) else float(alpha_H),
        "l1_ratio": float(l1_ratio),
    }
    return TopicModel(
        method="nmf",
        **_frames(_row_shares(w), w, _row_shares(h), h, corpus.unit_ids, corpus.vocabulary),
        vocabulary=corpus.vocabulary,
        unit_ids=corpus.unit_ids,
        params=params,
        versions=library_versions(),
        state=state,
        diagnostics={
            "reconstruction_error": float(estimator.reconstruction_err_),
            "n_iter": int(estimator.n_iter_),
        },
    )


def fit_model(
    corpus: Corpus,
    method: str,
    n_topics: int | None = None,
    *,
    random_state: int | None = None,
    progress: bool | None = None,
    lexicon: Any = None,
    **params: Any,
) -> TopicModel:
    """Fit the backend registered as ``method`` (:func:`corpus_tm.get_backend`).

    Parameters
    ----------
    corpus : Corpus
    method : str
        A backend name: ``"lda"`` (:func:`fit_lda`), ``"nmf"`` (:func:`fit_nmf`),
        ``"keyatm"`` (:func:`corpus_tm.keyatm.fit_keyatm_model`) or a registered one.
    n_topics : int, optional
        Number of topics (not used by backends seeded from the lexicon, such as keyATM).
    random_state : int, optional
        Seed; the same seed gives the same model.
    progress : bool, optional
        Progress bar, for the backends that have one.
    lexicon : Lexicon, optional
        For backends seeded from the lexicon.
    **params
        The backend's own parameters.

    Returns
    -------
    TopicModel
    """
    from corpus_tm.backends import get_backend

    return get_backend(method).fit_model(
        corpus, n_topics, random_state=random_state, progress=progress, lexicon=lexicon, **params
    )


# --------------------------------------------------------------------------------------------
# save / load


def save_model(model: TopicModel, path: str | os.PathLike[str]) -> Path:
    """Write ``model`` to one compressed ``.npz`` file, atomically and without pickle.

    The matrices and backend arrays are stored as float arrays; the method, parameters,
    versions, diagnostics, unit ids and vocabulary as one JSON document inside the file. The
    file is first written next to ``path`` and then moved over it with :func:`os.replace`, so a
    reader never sees a half-written model.

    Parameters
    ----------
    model : TopicModel
    path : str or path-like
        Target file (written exactly there; ``.npz`` is not appended).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    if not isinstance(model, TopicModel):
        raise InputError(f"model must be a TopicModel, got {type(model).__name__}.")
    path = Path(path)
    meta = {
        "format": _FORMAT,
        "format_version": _FORMAT_VERSION,
        "method": model.method,
        "params": model.params,
        "versions": model.versions,
        "diagnostics": model.diagnostics,
        "unit_ids": list(model.unit_ids),
        "vocabulary": list(model.vocabulary),
        "state_keys": sorted(model.state),
    }
    arrays: dict[str, np.ndarray] = {
        name: getattr(model, name).to_numpy(dtype=np.float64) for name in _FRAMES
    }
    for key, value in model.state.items():
        arrays[f"state_{key}"] = np.asarray(value, dtype=np.float64)
    arrays["meta"] = np.array(json.dumps(meta, ensure_ascii=False, default=_json_default))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]  # numpy stubs: allow_pickle
    atomic_write_bytes(path, buffer.getvalue())
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store {type(value).__name__} in a model file")


def load_model(path: str | os.PathLike[str]) -> TopicModel:
    """Read a model written by :func:`save_model` (``allow_pickle=False``).

    Raises
    ------
    InputError
        If the file does not exist or is not a corpus_tm model file.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"model file {path} does not exist.")
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"][()]))
            if not isinstance(meta, Mapping) or meta.get("format") != _FORMAT:
                raise InputError(f"{path} is not a corpus_tm model file (no TopicModel metadata).")
            if meta.get("format_version", 0) > _FORMAT_VERSION:
                raise InputError(
                    f"{path} was written by a newer corpus_tm (format version "
                    f"{meta['format_version']}); upgrade corpus_tm to read it."
                )
            matrices = {name: np.array(data[name]) for name in _FRAMES}
            state = {key: np.array(data[f"state_{key}"]) for key in meta["state_keys"]}
    except InputError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{path} is not a readable corpus_tm model file: {exc}") from exc
    unit_ids, vocabulary = list(meta["unit_ids"]), list(meta["vocabulary"])
    return TopicModel(
        method=meta["method"],
        **_frames(
            matrices["doc_topic"],
            matrices["doc_topic_raw"],
            matrices["topic_term"],
            matrices["topic_term_raw"],
            unit_ids,
            vocabulary,
        ),
        vocabulary=vocabulary,
        unit_ids=unit_ids,
        params=dict(meta["params"]),
        versions=dict(meta["versions"]),
        state=state,
        diagnostics=dict(meta["diagnostics"]),
    )
