"""Evaluating topic models and choosing the number of topics.

In: fitted :class:`~corpus_tm.models.TopicModel` objects and the
:class:`~corpus_tm.corpus.Corpus` they describe.
Out: tidy pandas tables: coherence (c_v, c_npmi, u_mass; per topic and overall), topic diversity,
perplexity (LDA) or reconstruction error (NMF) from :func:`evaluate`; one row per number of
topics x seed from :func:`sweep`; topics aligned across seeds with a stability score per topic
and per number of topics from :func:`stability`; which of the security domains evidenced in the
corpus a model gives a topic of their own (:func:`evidenced_domains`, :func:`domain_resolution`,
:func:`sweep_resolution`); and a documented choice of k from :func:`recommend_k`.

Coherence is computed the same way for every method: gensim's ``CoherenceModel`` on the corpus
token lists with the topics given as lists of their top terms (:func:`topic_coherence`).
"""

from __future__ import annotations

import inspect
import json
import math
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from corpus_tm.backends import available_backends, get_backend
from corpus_tm.corpus import Corpus
from corpus_tm.domains import map_topics
from corpus_tm.errors import ConfigError, InputError
from corpus_tm.lexicon import Lexicon, corpus_languages, default_lexicon, lexicon_coverage
from corpus_tm.matching import match_topics
from corpus_tm.models import (
    TopicModel,
    apply_idf,
    check_corpus,
    check_n_topics,
    fit_model,
    load_model,
    save_model,
)
from corpus_tm.reporting import progress_bar

__all__ = [
    "COHERENCE_MEASURES",
    "K_RULES",
    "CoherenceCounts",
    "Evaluation",
    "KRecommendation",
    "StabilityResult",
    "SweepResult",
    "coherence_counts",
    "domain_resolution",
    "evaluate",
    "evidenced_domains",
    "recommend_k",
    "stability",
    "sweep",
    "sweep_resolution",
    "topic_coherence",
    "topic_diversity",
]

#: Coherence measures :func:`evaluate` and :func:`sweep` know (gensim's names).
COHERENCE_MEASURES = ("c_v", "c_npmi", "c_uci", "u_mass")
_DEFAULT_MEASURES = ("c_v", "c_npmi", "u_mass")


# --------------------------------------------------------------------------------------------
# coherence and diversity


def _check_measures(measures: Iterable[str]) -> tuple[str, ...]:
    if isinstance(measures, str):
        measures = (measures,)
    out = tuple(dict.fromkeys(measures))
    bad = [m for m in out if m not in COHERENCE_MEASURES]
    if bad:
        raise ConfigError(
            f"measures has unknown coherence measures {bad}; use {COHERENCE_MEASURES}."
        )
    return out


# Which counts each measure needs: boolean documents (u_mass) or boolean sliding windows with
# gensim's default window size.
_WINDOW_DEFAULTS = {"c_v": 110, "c_npmi": 10, "c_uci": 10, "u_mass": None}
_DENSE_MAX_TERMS = 4096  # up to this many terms the pair counts are a dense matrix
_PAIR_CHUNK = 4_000_000  # interval pairs counted per numpy step (bounds the memory used)


@dataclass(frozen=True, eq=False)
class CoherenceCounts:
    """Word and word-pair counts of a corpus, computed once and reused for many models.

    What gensim's ``CoherenceModel`` counts anew for every model, counted once for a set of
    terms (usually the union of the top terms of every model in a sweep): in how many
    documents (``kind="document"``, for u_mass) or sliding windows of ``window_size`` tokens
    (``kind="window"``, for c_v, c_npmi and c_uci) each term occurs, and each pair of terms
    co-occurs. The counts are exactly gensim's (``CorpusAccumulator`` and
    ``WordOccurrenceAccumulator``, including the way the latter slides its window), so the
    coherence computed from them is the same number. Make them with :func:`coherence_counts`;
    pass them to :func:`topic_coherence` or :func:`evaluate` as ``counts=``.

    Attributes
    ----------
    kind : {"document", "window"}
    window_size : int or None
        The sliding window (None for documents).
    term_ids : numpy.ndarray
        Sorted dictionary ids of the counted terms.
    occurrences : numpy.ndarray
        Documents or windows containing each term (int64, aligned with ``term_ids``).
    co_occurrences : numpy.ndarray or scipy.sparse.csr_matrix
        Symmetric pair counts (int64), diagonal = ``occurrences``; dense up to 4,096 terms.
    num_docs : int
        Number of documents or windows.
    fingerprint : str
        The fingerprint of the corpus counted.
    """

    kind: str
    window_size: int | None
    term_ids: np.ndarray
    occurrences: np.ndarray
    co_occurrences: Any = field(repr=False)
    num_docs: int
    fingerprint: str

    @property
    def measures(self) -> tuple[str, ...]:
        """The coherence measures these counts serve."""
        return ("u_mass",) if self.kind == "document" else ("c_v", "c_npmi", "c_uci")

    def covers(self, term_ids: Iterable[int]) -> bool:
        """Whether every id in ``term_ids`` was counted."""
        wanted = np.unique(np.fromiter(term_ids, dtype=np.int64))
        pos = np.searchsorted(self.term_ids, wanted)
        return bool(
            np.all(pos < self.term_ids.size)
            and np.array_equal(self.term_ids[np.minimum(pos, self.term_ids.size - 1)], wanted)
        )

    def accumulator(self) -> Any:
        """A gensim-compatible accumulator (what ``CoherenceModel`` passes to its measures)."""
        from gensim.topic_coherence.text_analysis import BaseAnalyzer

        counts = self
        # The number types of gensim's accumulators, so that even a division by zero (a term
        # that never occurs) behaves as in gensim: Python int for documents, uint32 for windows.
        as_count = int if self.kind == "document" else np.uint32

        class _Precounted(BaseAnalyzer):
            def __init__(self) -> None:
                super().__init__(set(counts.term_ids.tolist()))
                self.id2contiguous = {int(t): i for i, t in enumerate(counts.term_ids.tolist())}
                self._num_docs = counts.num_docs

            def _get_occurrences(self, word_id: int) -> Any:
                return as_count(counts.occurrences[word_id])

            def _get_co_occurrences(self, word_id1: int, word_id2: int) -> Any:
                return as_count(counts.co_occurrences[word_id1, word_id2])

        return _Precounted()


def _window_of(measure: str, window_size: int | None) -> int | None:
    if measure == "u_mass":
        return None
    if window_size is None:
        return _WINDOW_DEFAULTS[measure]
    if isinstance(window_size, bool) or not isinstance(window_size, int | np.integer):
        raise ConfigError(f"window_size must be a positive integer or None, got {window_size!r}.")
    if window_size < 1:
        raise ConfigError(f"window_size must be a positive integer or None, got {window_size!r}.")
    return int(window_size)


def _flat_terms(terms: Iterable[str] | Iterable[Sequence[str]]) -> list[str]:
    out: list[str] = []
    for item in terms:
        if isinstance(item, str):
            out.append(item)
        else:
            out.extend(item)
    return out


def _term_id_array(terms: Sequence[str], corpus: Corpus) -> np.ndarray:
    token2id = corpus.dictionary.token2id
    missing = [t for t in dict.fromkeys(terms) if t not in token2id]
    if missing:
        raise InputError(
            f"terms not in the corpus vocabulary: {missing[:5]}; count terms of models fit on "
            "this corpus, or of a corpus that contains them."
        )
    return np.unique(np.fromiter((token2id[t] for t in terms), dtype=np.int64))


def _pair_totals(
    word: np.ndarray, start: np.ndarray, end: np.ndarray, n_terms: int
) -> tuple[np.ndarray, Any]:
    """Occurrence and co-occurrence totals of terms present over intervals of a common axis.

    Term ``word[i]`` is present at positions ``start[i]..end[i]`` (inclusive); the intervals
    of one term do not overlap. Occurrences: the positions covered per term; co-occurrences:
    the positions shared by each pair of terms (symmetric, diagonal = occurrences).
    """
    length = (end - start + 1).astype(np.float64)
    occurrences = np.rint(np.bincount(word, weights=length, minlength=n_terms)).astype(np.int64)
    order = np.argsort(start, kind="stable")
    word, start, end = word[order], start[order], end[order]
    # Interval i overlaps every later-starting interval j > i with start[j] <= end[i].
    n_after = np.searchsorted(start, end, side="right") - np.arange(start.size) - 1
    cumulative = np.concatenate(([0], np.cumsum(n_after)))
    dense = n_terms <= _DENSE_MAX_TERMS
    co: Any = np.zeros(n_terms * n_terms if dense else 0, dtype=np.float64)
    sparse_parts = []
    first = 0
    while first < start.size:
        last = int(np.searchsorted(cumulative, cumulative[first] + _PAIR_CHUNK, side="right"))
        last = min(max(last - 1, first + 1), start.size)
        counts = n_after[first:last]
        total = int(counts.sum())
        if total:
            i = np.repeat(np.arange(first, last), counts)
            row_start = np.repeat(cumulative[first:last] - cumulative[first], counts)
            j = i + 1 + np.arange(total) - row_start
            shared = (np.minimum(end[i], end[j]) - start[j] + 1).astype(np.float64)
            a, b = word[i], word[j]
            if dense:
                co += np.bincount(a * n_terms + b, weights=shared, minlength=n_terms * n_terms)
            else:
                sparse_parts.append(
                    sp.csr_matrix((shared, (a, b)), shape=(n_terms, n_terms), dtype=np.float64)
                )
        first = last
    if dense:
        upper = np.rint(co).astype(np.int64).reshape(n_terms, n_terms)
        matrix: Any = upper + upper.T
        matrix[np.diag_indices(n_terms)] = occurrences
    else:
        upper = sp.csr_matrix((n_terms, n_terms), dtype=np.float64)
        for part in sparse_parts:
            upper = upper + part
        upper = sp.csr_matrix(upper, dtype=np.float64)
        upper.data = np.rint(upper.data)
        upper = upper.astype(np.int64)
        matrix = sp.csr_matrix(
            upper + upper.T + sp.diags(occurrences, format="csr", dtype=np.int64), dtype=np.int64
        )
    return occurrences, matrix


def _window_counts(
    ids: np.ndarray, offsets: np.ndarray, relevant: np.ndarray, n_vocab: int, window: int
) -> tuple[np.ndarray, Any, int]:
    """gensim's ``WordOccurrenceAccumulator`` counts, computed with array arithmetic.

    gensim slides a window of ``window`` tokens over each unit (a unit shorter than the
    window is one window) and keeps a set of the words in the current window: at each step
    it unsets the word that leaves and then sets the word that enters. A word that leaves
    while another occurrence of it is still inside the window is therefore unset until it
    enters again. That is what is counted here, exactly: per occurrence at position ``p`` an
    "enter" event at step ``max(0, p - window + 1)`` and a "leave" event at step ``p + 1``;
    a word is present from an enter event that finds it absent to the next leave event.
    """
    n_terms = relevant.size
    contiguous = np.full(n_vocab + 1, -1, dtype=np.int64)  # last slot: ids of -1 (unknown)
    contiguous[relevant] = np.arange(n_terms)
    lengths = np.diff(offsets)
    n_windows = np.maximum(lengths - window + 1, 1)
    first_window = np.zeros(lengths.size + 1, dtype=np.int64)
    np.cumsum(n_windows, out=first_window[1:])
    num_docs = int(first_window[-1])
    word_of = contiguous[ids]
    pos = np.flatnonzero(word_of >= 0)
    word = word_of[pos]
    del word_of
    doc = np.searchsorted(offsets, pos, side="right") - 1
    p = pos - offsets[doc]
    del pos
    base = first_window[doc]
    enter = base + np.maximum(p - window + 1, 0)
    leave = base + p + 1
    has_leave = (p + 1) <= (n_windows[doc] - 1)
    del p, base
    # One sortable key per event: term, global step, then leave (0) before enter (1).
    span = 2 * (num_docs + 1)
    keys = np.concatenate(
        (word * span + 2 * enter + 1, word[has_leave] * span + 2 * leave[has_leave])
    )
    del enter, leave, has_leave, doc
    keys.sort()
    ev_word = keys // span
    ev_step = (keys % span) // 2
    ev_enter = (keys % 2).astype(bool)
    del keys
    ev_doc = np.searchsorted(first_window, ev_step, side="right") - 1
    same = np.zeros(ev_word.size, dtype=bool)
    same[1:] = (ev_word[1:] == ev_word[:-1]) & (ev_doc[1:] == ev_doc[:-1])
    prev_enter = np.zeros(ev_word.size, dtype=bool)
    prev_enter[1:] = ev_enter[:-1]
    was_present = same & prev_enter  # the state before each event is the last event's kind
    starts = ev_enter & ~was_present
    stops = ~ev_enter & was_present  # a leave that ends a presence: last step is one before
    last_of_group = np.ones(ev_word.size, dtype=bool)
    last_of_group[:-1] = ~same[1:]
    runs_out = ev_enter & last_of_group  # present until the unit's last window
    ends_at = np.flatnonzero(stops | runs_out)
    end = np.where(stops[ends_at], ev_step[ends_at] - 1, first_window[ev_doc[ends_at] + 1] - 1)
    start = ev_step[starts]
    word = ev_word[starts]
    if start.size != end.size:  # pragma: no cover - an internal invariant
        raise RuntimeError("coherence window counting lost track of a word's presence.")
    occurrences, co = _pair_totals(word, start, end, n_terms)
    return occurrences, co, num_docs


def _document_counts(dtm: sp.csr_matrix, relevant: np.ndarray) -> tuple[np.ndarray, Any, int]:
    """gensim's ``CorpusAccumulator`` counts: units containing each term and each pair."""
    present = sp.csr_matrix(dtm[:, relevant] > 0, dtype=np.int64)
    co = (present.T @ present).tocsr()
    occurrences = np.asarray(co.diagonal(), dtype=np.int64)
    matrix = co.toarray() if relevant.size <= _DENSE_MAX_TERMS else co
    return occurrences, matrix, int(dtm.shape[0])


def coherence_counts(
    corpus: Corpus,
    terms: Iterable[str] | Iterable[Sequence[str]],
    *,
    measure: str = "c_v",
    window_size: int | None = None,
) -> CoherenceCounts:
    """Count the occurrences and co-occurrences coherence needs, once, for many models.

    gensim's ``CoherenceModel`` recounts the corpus for every model; these counts are made
    once per corpus and window and then serve every model whose top terms are among
    ``terms`` (pass the union of the top terms of all models of a sweep).
    :func:`sweep` and :func:`evaluate` do this themselves.

    Parameters
    ----------
    corpus : Corpus
        The reference corpus.
    terms : iterable of str, or of term lists
        The terms to count (e.g. the top terms of all topics of all models); all must be in
        the corpus vocabulary.
    measure : {"c_v", "c_npmi", "c_uci", "u_mass"}, default "c_v"
        Which counts: u_mass counts units, the others sliding windows. The counts of c_v,
        c_npmi and c_uci are the same for the same window size.
    window_size : int or None
        Sliding window (gensim's default for ``measure`` if None: 110 for c_v, 10 for c_npmi
        and c_uci); ignored for u_mass.

    Returns
    -------
    CoherenceCounts

    Raises
    ------
    InputError
        If a term is not in the corpus vocabulary.
    """
    (measure,) = _check_measures((measure,))
    check_corpus(corpus)
    window = _window_of(measure, window_size)
    relevant = _term_id_array(_flat_terms(terms), corpus)
    if window is None:
        occ, co, num_docs = _document_counts(corpus.dtm, relevant)
        kind = "document"
    else:
        ids, offsets = corpus.token_ids
        occ, co, num_docs = _window_counts(ids, offsets, relevant, len(corpus.dictionary), window)
        kind = "window"
    return CoherenceCounts(
        kind=kind,
        window_size=window,
        term_ids=relevant,
        occurrences=occ,
        co_occurrences=co,
        num_docs=num_docs,
        fingerprint=corpus.fingerprint,
    )


def _check_counts(counts: Any, measure: str, window: int | None, corpus: Corpus) -> None:
    if not isinstance(counts, CoherenceCounts):
        raise InputError(
            f"counts must be CoherenceCounts from coherence_counts(), got {type(counts).__name__}."
        )
    if measure not in counts.measures or counts.window_size != window:
        raise ConfigError(
            f"counts were made for {counts.measures} with window_size={counts.window_size}; "
            f"{measure} with window_size={window} needs its own coherence_counts(...)."
        )
    if counts.fingerprint != corpus.fingerprint:
        raise InputError(
            "counts were made from another corpus (fingerprints differ); count this corpus."
        )


def _coherence_from_counts(
    topic_ids: list[np.ndarray], counts: CoherenceCounts, measure: str
) -> np.ndarray:
    """gensim's segmentation, confirmation measure and per-topic values, on precomputed counts."""
    from gensim.models.coherencemodel import COHERENCE_MEASURES as PIPELINES

    pipeline = PIPELINES[measure]
    segmented = pipeline.seg(topic_ids)
    kwargs: dict[str, Any] = {}
    if measure == "c_v":
        kwargs.update(topics=topic_ids, measure="nlr", gamma=1)
    elif measure in ("c_npmi", "c_uci"):
        kwargs["normalize"] = measure == "c_npmi"
    values = pipeline.conf(segmented, counts.accumulator(), **kwargs)
    return np.asarray(values, dtype=np.float64)


def _gensim_coherence(
    topics: Sequence[Sequence[str]],
    corpus: Corpus,
    *,
    measure: str = "c_v",
    window_size: int | None = None,
) -> np.ndarray:
    """Coherence with gensim's ``CoherenceModel`` counting the corpus itself (the reference)."""
    from gensim.models.coherencemodel import CoherenceModel

    topic_lists = [list(topic) for topic in topics]
    kwargs: dict[str, Any] = {}
    if measure == "u_mass":
        kwargs["corpus"] = corpus.bow
    else:
        kwargs["texts"] = corpus.tokens
        if window_size is not None:
            kwargs["window_size"] = int(window_size)
    model = CoherenceModel(
        topics=topic_lists,
        dictionary=corpus.dictionary,
        coherence=measure,
        topn=max(len(t) for t in topic_lists),
        processes=1,
        **kwargs,
    )
    return np.asarray(model.get_coherence_per_topic(), dtype=np.float64)


def topic_coherence(
    topics: Sequence[Sequence[str]],
    corpus: Corpus,
    *,
    measure: str = "c_v",
    window_size: int | None = None,
    counts: CoherenceCounts | None = None,
) -> np.ndarray:
    """Coherence of each topic, given as a list of its top terms, on ``corpus``.

    This is the one function both LDA and NMF go through, so the result does not depend on
    how the topics were made. The numbers are those of gensim's ``CoherenceModel`` (with
    ``topics=`` the term lists, ``texts=`` the corpus token lists, or ``corpus=`` its bag of
    words for u_mass, and the corpus dictionary): gensim's own segmentation, confirmation
    measures and aggregation run on word and pair counts that :func:`coherence_counts`
    makes with array arithmetic, identical to the counts gensim would make. Pass ``counts``
    to reuse them across models (as :func:`sweep` does).

    Parameters
    ----------
    topics : sequence of sequence of str
        Top terms of each topic, most important first.
    corpus : Corpus
        Reference corpus for the co-occurrence statistics (usually the one the model was fit on).
    measure : {"c_v", "c_npmi", "c_uci", "u_mass"}, default "c_v"
        gensim's coherence measure. c_v lies in [0, 1], c_npmi in [-1, 1], u_mass is a negative
        log ratio (closer to 0 is more coherent).
    window_size : int or None
        Sliding window of c_v, c_npmi and c_uci (gensim's defaults 110, 10 and 10 if None).
    counts : CoherenceCounts, optional
        Counts from :func:`coherence_counts` for this corpus, measure family and window that
        cover the topics' terms; counted here if not given.

    Returns
    -------
    numpy.ndarray
        One value per topic.

    Raises
    ------
    InputError
        If a topic term is not in the corpus vocabulary or a topic has fewer than two terms,
        or ``counts`` belong to another corpus or lack a topic term.
    ConfigError
        If the measure is unknown or ``counts`` were made for another measure or window.
    """
    (measure,) = _check_measures((measure,))
    check_corpus(corpus)
    token2id = corpus.dictionary.token2id
    topic_lists = [list(topic) for topic in topics]
    for i, topic in enumerate(topic_lists):
        if len(topic) < 2:
            raise InputError(f"topic {i} has {len(topic)} terms; coherence needs at least two.")
        missing = [t for t in topic if t not in token2id]
        if missing:
            raise InputError(
                f"topic {i} has terms that are not in the corpus vocabulary: {missing[:5]}; "
                "evaluate a model on the corpus it was fit on, or one that contains its terms."
            )
    window = _window_of(measure, window_size)
    if counts is None:
        counts = coherence_counts(corpus, topic_lists, measure=measure, window_size=window)
    else:
        _check_counts(counts, measure, window, corpus)
    # As CoherenceModel: each topic as an array of its term ids.
    topic_ids = [np.array([token2id[t] for t in topic]) for topic in topic_lists]
    if not counts.covers(np.concatenate(topic_ids)):
        raise InputError(
            "counts do not cover every topic term; make them with coherence_counts() over "
            "the top terms of all the models to score."
        )
    return _coherence_from_counts(topic_ids, counts, measure)


def topic_diversity(model: TopicModel | Sequence[Sequence[str]], top_n: int = 10) -> float:
    """Share of unique terms among the top-``top_n`` terms of all topics.

    1 means no two topics share a top term; ``1 / n_topics`` means all topics have the same
    top terms (Dieng, Ruiz and Blei 2020).

    Parameters
    ----------
    model : TopicModel or sequence of term lists
        A fitted model, or the top terms of each topic.
    top_n : int, default 10
        Terms per topic (ignored for term lists, which are used as they are).

    Returns
    -------
    float
    """
    topics = model.topic_terms(top_n) if isinstance(model, TopicModel) else model
    terms = [t for topic in topics for t in topic]
    if not terms:
        raise InputError("topic_diversity needs at least one topic with terms.")
    return len(set(terms)) / len(terms)


# --------------------------------------------------------------------------------------------
# perplexity and reconstruction error


def _aligned_dtm(model: TopicModel, corpus: Corpus) -> sp.csr_matrix:
    """The corpus counts with columns in the model's vocabulary order (unknown terms dropped)."""
    if corpus.vocabulary == list(model.vocabulary):
        return corpus.dtm
    position = {term: i for i, term in enumerate(model.vocabulary)}
    corpus_vocab = corpus.vocabulary
    rows = [i for i, t in enumerate(corpus_vocab) if t in position]
    cols = [position[corpus_vocab[i]] for i in rows]
    select = sp.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(corpus_vocab), len(model.vocabulary))
    )
    return sp.csr_matrix(corpus.dtm @ select)


def _gensim_lda(model: TopicModel) -> Any:
    """Rebuild a gensim ``LdaModel`` from a TopicModel's lambda and priors."""
    from gensim.models import LdaModel

    k = model.n_topics
    lam = model.topic_term_raw.to_numpy()
    eta = model.state["eta"]
    lda = LdaModel(
        num_topics=k,
        id2word=dict(enumerate(model.vocabulary)),
        alpha=model.state["alpha"],
        eta=eta,
        # E-step iterations of the bound (tomotopy's "iterations" are Gibbs sweeps)
        iterations=model.params.get("iterations", 100)
        if model.params.get("backend", "gensim") == "gensim"
        else 100,
        gamma_threshold=model.params.get("gamma_threshold", 0.001),
        random_state=model.params.get("random_state"),
        dtype=np.float64,
    )
    lda.state.sstats[...] = lam - (eta if eta.ndim == 2 else eta[None, :])
    lda.sync_state()
    return lda


def lda_fit_measures(model: TopicModel, corpus: Corpus) -> dict[str, float]:
    """LDA's fit measures (the ``"lda"`` backend's score): ``per_word_bound`` and
    ``perplexity``, gensim's ``log_perplexity`` at the model's own gamma where it has one.

    For a gensim model evaluated on the units it was fit on (same unit ids and vocabulary, as
    for NMF's ``W``), gamma is the one :func:`~corpus_tm.models.fit_lda` computed
    (``doc_topic * state["gamma_sum"]``), so no second inference is run. Otherwise (another
    corpus, a tomotopy model, a model saved before ``gamma_sum`` was kept) gamma is inferred
    as gensim's ``log_perplexity`` does, from the same random starts (the model's seed).
    Either way the bound is gensim's ``bound`` formula, summed with numpy instead of one
    Python loop per term.
    """
    from corpus_tm.corpus import BagOfWords
    from corpus_tm.models import lda_gamma

    lda = _gensim_lda(model)
    counts = _aligned_dtm(model, corpus)
    if (
        model.params.get("backend", "gensim") == "gensim"
        and "gamma_sum" in model.state
        and corpus.unit_ids == list(model.unit_ids)
        and corpus.vocabulary == list(model.vocabulary)
    ):
        gamma = model.doc_topic.to_numpy() * model.state["gamma_sum"][:, None]
    else:
        bow = BagOfWords(counts)
        gamma = lda_gamma(lda, [bow[i] for i in range(len(bow))])
    words = float(counts.sum())
    bound = _variational_bound(lda, gamma, counts) / words if words > 0 else float("nan")
    return {"per_word_bound": bound, "perplexity": float(np.exp(-bound))}


#: Document-term entries x topics handled per numpy step of :func:`_variational_bound`.
_BOUND_CELLS = 2_000_000


def _variational_bound(lda: Any, gamma: np.ndarray, counts: sp.csr_matrix) -> float:
    """gensim's ``LdaModel.bound(corpus, gamma)`` for a count matrix, vectorised.

    The same terms as gensim 4.4 (including its ``sum_eta`` for a topics x terms ``eta``):
    the expected log-likelihood of the counts, the Dirichlet terms of theta and of beta.
    """
    from scipy.special import gammaln, psi

    lam = lda.state.get_lambda()
    elog_beta = psi(lam) - psi(lam.sum(axis=1))[:, None]
    alpha = np.asarray(lda.alpha, dtype=np.float64)
    eta = lda.eta
    gamma = np.asarray(gamma, dtype=np.float64)
    gamma_sum = gamma.sum(axis=1)
    elog_theta = psi(gamma) - psi(gamma_sum)[:, None]
    counts = sp.csr_matrix(counts)
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    score = 0.0
    step = max(1, _BOUND_CELLS // lda.num_topics)
    for a in range(0, counts.nnz, step):
        # E[log p(w | theta, beta)] = log sum_k exp(Elog theta_dk + Elog beta_kw), per entry
        x = elog_theta[rows[a : a + step]] + elog_beta[:, counts.indices[a : a + step]].T
        top = x.max(axis=1)
        log_sum = top + np.log(np.exp(x - top[:, None]).sum(axis=1))
        score += float(np.dot(counts.data[a : a + step], log_sum))
    # E[log p(theta | alpha) - log q(theta | gamma)]
    score += float(np.sum((alpha - gamma) * elog_theta))
    score += float(np.sum(gammaln(gamma) - gammaln(alpha)))
    score += float(len(gamma) * gammaln(alpha.sum()) - np.sum(gammaln(gamma_sum)))
    # E[log p(beta | eta) - log q(beta | lambda)]
    score += float(np.sum((eta - lam) * elog_beta))
    score += float(np.sum(gammaln(lam) - gammaln(eta)))
    sum_eta = eta * lda.num_terms if np.ndim(eta) == 0 else np.sum(eta)
    score += float(np.sum(gammaln(sum_eta) - gammaln(lam.sum(axis=1))))
    return score


def nmf_fit_measures(model: TopicModel, corpus: Corpus) -> dict[str, float]:
    """NMF's own fit measures (the ``"nmf"`` backend's score): the reconstruction errors."""
    from sklearn.decomposition import non_negative_factorization

    counts = _aligned_dtm(model, corpus)
    if model.params.get("weighting", "tfidf") == "tfidf":
        x = apply_idf(counts, model.state["idf"])
    else:
        x = sp.csr_matrix(counts, dtype=np.float64)
    h = model.topic_term_raw.to_numpy()
    if corpus.unit_ids == list(model.unit_ids) and corpus.vocabulary == list(model.vocabulary):
        w = model.doc_topic_raw.to_numpy()
    else:
        p = model.params
        w, _, _ = non_negative_factorization(
            x,
            H=h,
            n_components=model.n_topics,
            init="custom",
            update_H=False,
            solver=p.get("solver", "cd"),
            beta_loss=p.get("beta_loss", "frobenius"),
            tol=p.get("tol", 1e-4),
            max_iter=p.get("max_iter", 1000),
            alpha_W=p.get("alpha_W", 0.0),
            alpha_H=p.get("alpha_H", "same"),
            l1_ratio=p.get("l1_ratio", 0.0),
            random_state=p.get("random_state"),
        )
    # ||X - WH||_F^2 = ||X||^2 - 2 <XH^T, W> + <W^T W, H H^T>, without a dense X.
    x_sq = float(x.multiply(x).sum())
    cross = float(np.sum(np.asarray(x @ h.T) * w))
    gram = float(np.sum((w.T @ w) * (h @ h.T)))
    err = float(np.sqrt(max(x_sq - 2.0 * cross + gram, 0.0)))
    return {
        "reconstruction_error": err,
        "relative_reconstruction_error": err / np.sqrt(x_sq) if x_sq > 0 else float("nan"),
    }


# --------------------------------------------------------------------------------------------
# evaluate


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Quality measures of one fitted model.

    Attributes
    ----------
    overall : pandas.Series
        One value per measure (index = measure name): each coherence measure as the mean over
        topics, ``diversity``, and for LDA ``per_word_bound`` (gensim's ``log_perplexity``, a
        lower bound on the log-likelihood per word in nats) and ``perplexity``
        (``exp(-per_word_bound)``: the bound is in nats, while gensim's log message uses
        ``2 ** -bound``, see gensim issue #2623), for NMF
        ``reconstruction_error`` (Frobenius norm of ``X - WH``, as scikit-learn's
        ``reconstruction_err_``) and ``relative_reconstruction_error`` (divided by ``||X||``).
    topics : pandas.DataFrame
        One row per topic: ``topic``, one column per coherence measure, ``share`` (the topic's
        mean share over units) and ``top_terms`` (the top terms joined by spaces).
    top_n : int
        Top terms per topic used for coherence and diversity.
    """

    overall: pd.Series
    topics: pd.DataFrame
    top_n: int


def _counts_by_measure(
    topics: Sequence[Sequence[str]],
    corpus: Corpus,
    measures: tuple[str, ...],
    window_size: int | None,
    given: CoherenceCounts | Iterable[CoherenceCounts] | None,
) -> dict[str, CoherenceCounts]:
    """The counts of each measure: a matching one of ``given``, else counted once per window."""
    if given is None:
        pool: list[CoherenceCounts] = []
    elif isinstance(given, CoherenceCounts):
        pool = [given]
    else:
        pool = list(given)
    out: dict[str, CoherenceCounts] = {}
    get = corpus.dictionary.token2id.get
    term_ids = [get(t, -1) for topic in topics for t in topic]
    for measure in measures:
        window = _window_of(measure, window_size)
        match = next(
            (
                c
                for c in pool
                if isinstance(c, CoherenceCounts)
                and measure in c.measures
                and c.window_size == window
                and c.fingerprint == corpus.fingerprint
            ),
            None,
        )
        if match is not None and not match.covers(term_ids):
            match = None
        if match is None:
            match = coherence_counts(corpus, topics, measure=measure, window_size=window)
            pool.append(match)
        out[measure] = match
    return out


def evaluate(
    model: TopicModel,
    corpus: Corpus,
    *,
    top_n: int = 10,
    measures: Iterable[str] = _DEFAULT_MEASURES,
    window_size: int | None = None,
    counts: CoherenceCounts | Iterable[CoherenceCounts] | None = None,
) -> Evaluation:
    """Coherence, diversity and perplexity or reconstruction error of a fitted model.

    Parameters
    ----------
    model : TopicModel
        A model from :func:`~corpus_tm.models.fit_lda` or :func:`~corpus_tm.models.fit_nmf`.
    corpus : Corpus
        The reference corpus: usually the one the model was fit on; another corpus (e.g.
        held-out units) works if it contains the topics' top terms. For perplexity and
        reconstruction error its terms are mapped onto the model's vocabulary (unknown terms
        are dropped).
    top_n : int, default 10
        Top terms per topic used by coherence and diversity.
    measures : iterable of str, default ("c_v", "c_npmi", "u_mass")
        Coherence measures (see :func:`topic_coherence`); may be empty.
    window_size : int or None
        Sliding-window size for c_v, c_npmi and c_uci (gensim's defaults if None).
    counts : CoherenceCounts or iterable of them, optional
        Precomputed counts (:func:`coherence_counts`) to reuse; a measure without matching
        counts is counted here (once per window size: c_npmi and c_uci share theirs).

    Returns
    -------
    Evaluation
        ``overall`` (a Series of measures) and ``topics`` (a table, one row per topic).

    Notes
    -----
    Perplexity is gensim's ``log_perplexity`` formula. On the units a gensim model was fit on
    it is evaluated at the document topics :func:`~corpus_tm.models.fit_lda` already computed
    (gamma, from the fit's float32 E-step), not after a second inference (float64, from fresh
    random starts), which took up to 40 % of an LDA sweep. The two differ within the
    precision of the E-step itself: on the 959 UN speeches (10 topics) 2482.46 against
    2481.98 (a fresh float32 inference gives 2482.46, one converged to 1e-7 gives 2481.40);
    on 100 speeches by 4e-6, on the example corpus by 5e-10 (relative).
    """
    if not isinstance(model, TopicModel):
        raise InputError(f"model must be a TopicModel, got {type(model).__name__}.")
    check_corpus(corpus)
    measures = _check_measures(measures)
    if isinstance(top_n, bool) or not isinstance(top_n, int | np.integer) or top_n < 2:
        raise ConfigError(f"top_n must be an integer of at least 2, got {top_n!r}.")
    topics = model.topic_terms(int(top_n))
    table = pd.DataFrame({"topic": np.arange(model.n_topics)})
    overall: dict[str, float] = {}
    shared = _counts_by_measure(topics, corpus, measures, window_size, counts)
    for measure in measures:
        values = topic_coherence(
            topics, corpus, measure=measure, window_size=window_size, counts=shared[measure]
        )
        table[measure] = values
        overall[measure] = float(np.mean(values))
    table["share"] = model.doc_topic.to_numpy().mean(axis=0)
    table["top_terms"] = [" ".join(t) for t in topics]
    overall["diversity"] = topic_diversity(topics)
    overall.update(get_backend(model.method).fit_measures(model, corpus))
    return Evaluation(overall=pd.Series(overall, name="value"), topics=table, top_n=int(top_n))


# --------------------------------------------------------------------------------------------
# domain resolution

#: Smallest lift for a topic to single out a domain: :func:`~corpus_tm.map_topics`'s default.
RESOLUTION_MIN_LIFT = 1.5
_RESOLUTION_COLUMNS = (
    "resolution",
    "n_resolved",
    "n_evidenced",
    "resolved_domains",
    "unresolved_domains",
)


def _check_positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def _check_share(name: str, value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.number)
        or not (np.isfinite(value) and 0 <= value <= 1)
    ):
        raise ConfigError(f"{name} must be a number from 0 to 1, got {value!r}.")
    return float(value)


def evidenced_domains(
    data: Corpus | pd.DataFrame,
    lexicon: Lexicon | None = None,
    *,
    min_hits: int = 5,
    min_units: int = 3,
    min_unit_share: float = 0.005,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Which lexicon domains clearly occur in a corpus: the domains a model is asked to resolve.

    The seed terms are counted in the unit texts by :func:`corpus_tm.lexicon_coverage`. A
    domain is *evidenced* when all three hold:

    * its seed terms occur at least ``min_hits`` times in all;
    * in at least ``min_units`` distinct units, and in at least ``min_unit_share`` of all the
      units (whichever is more: five mentions are clear evidence in 42 paragraphs, not in
      40,000);
    * for a :class:`~corpus_tm.corpus.Corpus`, at least one vocabulary term carries one of its
      seed terms (``n_terms_in_vocabulary > 0``). A domain whose terms were all filtered out
      of the vocabulary can get no topic whatever the number of topics, so it is not held
      against any model.

    A domain mentioned once or twice is left out because no topic model is expected to give
    it a topic of its own; counting it would make :func:`domain_resolution` measure the
    breadth of the lexicon rather than the model.

    Parameters
    ----------
    data : Corpus or pandas.DataFrame
        A built corpus, or a unit table with ``unit_id`` and ``text`` columns (then the
        vocabulary condition is not checked).
    lexicon : Lexicon, optional
        Defaults to :func:`corpus_tm.default_lexicon`.
    min_hits : int, default 5
        Smallest number of seed-term occurrences.
    min_units : int, default 3
        Smallest number of units with a seed-term occurrence.
    min_unit_share : float, default 0.005
        Smallest share of all units with a seed-term occurrence.
    progress : bool, optional
        Progress bar of the term matching (by default only for large corpora).

    Returns
    -------
    pandas.DataFrame
        One row per lexicon domain, in lexicon order: ``domain``, ``label``, ``n_hits``
        (seed-term occurrences), ``n_units`` (units with one), ``n_terms_in_vocabulary``
        (``<NA>`` for a unit table) and ``evidenced`` (bool). The rule's settings, and
        ``units_needed`` (the larger of the two unit floors), are in ``attrs``.
    """
    lexicon = lexicon if lexicon is not None else default_lexicon()
    min_hits = _check_positive_int("min_hits", min_hits)
    min_units = _check_positive_int("min_units", min_units)
    min_unit_share = _check_share("min_unit_share", min_unit_share)
    coverage = lexicon_coverage(data, lexicon, level="domain", progress=progress)
    units = data if isinstance(data, pd.DataFrame) else data.units
    n_total = len(units)
    units_needed = max(min_units, math.ceil(min_unit_share * n_total))
    visible = coverage["n_terms_in_vocabulary"].fillna(1).astype(np.int64) > 0
    table = pd.DataFrame(
        {
            "domain": coverage["domain"],
            "label": coverage["label"],
            "n_hits": coverage["n_occurrences"].astype(np.int64),
            "n_units": coverage["n_units"].astype(np.int64),
            "n_terms_in_vocabulary": coverage["n_terms_in_vocabulary"],
        }
    )
    table["evidenced"] = (
        (table["n_hits"] >= min_hits) & (table["n_units"] >= units_needed) & visible
    ).astype(bool)
    table.attrs.update(
        {
            "min_hits": min_hits,
            "min_units": min_units,
            "min_unit_share": min_unit_share,
            "units_needed": int(units_needed),
            "n_units_total": int(n_total),
            "lexicon": lexicon.name,
            "lexicon_version": lexicon.version,
            "languages": corpus_languages(data, lexicon),
        }
    )
    return table


def _evidence_of(
    lexicon: Lexicon, corpus: Corpus | pd.DataFrame | None, evidence: pd.DataFrame | None
) -> pd.DataFrame:
    """The evidence table to use: ``evidence`` checked against the lexicon, or computed."""
    if evidence is None:
        if corpus is None:
            raise ConfigError(
                "domain resolution needs the corpus (corpus=...) or its evidence table "
                "(evidence=evidenced_domains(corpus)) to know which domains the corpus evidences."
            )
        return evidenced_domains(corpus, lexicon)
    if not isinstance(evidence, pd.DataFrame) or not {"domain", "evidenced"} <= set(
        evidence.columns
    ):
        raise InputError(
            "evidence must be the table of evidenced_domains() (columns 'domain' and "
            "'evidenced' at least)."
        )
    unknown = sorted(set(evidence["domain"].astype(str)) - set(lexicon.domain_ids))
    if unknown:
        raise ConfigError(
            f"evidence names domains that are not in the lexicon {lexicon.name!r}: {unknown}; "
            "make the evidence table with the same lexicon."
        )
    return evidence


def _resolution_table(
    model: TopicModel,
    lexicon: Lexicon,
    evidence: pd.DataFrame,
    min_lift: float,
    min_mass: float,
) -> pd.DataFrame:
    # the model's terms are matched in the languages of the corpus the evidence came from
    languages = evidence.attrs.get("languages")
    mapping = map_topics(
        model, lexicon, score="lift", min_score=min_lift, min_mass=min_mass, languages=languages
    )
    rows = []
    shown = evidence[evidence["evidenced"].astype(bool)]
    for record in shown.to_dict("records"):
        domain = str(record["domain"])
        candidates = mapping[mapping["best"] == domain]
        n_topics = int((mapping["auto_domain"] == domain).sum())
        if len(candidates):
            top = candidates.loc[candidates["score"].idxmax()]
            best_topic, lift, mass = int(top["topic"]), float(top["score"]), float(top["mass"])
            terms = str(top["top_terms"])
        else:
            best_topic, lift, mass, terms = None, np.nan, np.nan, ""
        rows.append(
            {
                "domain": domain,
                "n_hits": record.get("n_hits", pd.NA),
                "n_units": record.get("n_units", pd.NA),
                "resolved": n_topics > 0,
                "n_topics": n_topics,
                "best_topic": best_topic,
                "lift": lift,
                "mass": mass,
                "top_terms": terms,
            }
        )
    columns = [
        "domain",
        "n_hits",
        "n_units",
        "resolved",
        "n_topics",
        "best_topic",
        "lift",
        "mass",
        "top_terms",
    ]
    table = pd.DataFrame(rows, columns=columns)
    table["resolved"] = table["resolved"].astype(bool)
    table["n_topics"] = table["n_topics"].astype(np.int64)
    table["best_topic"] = pd.array(table["best_topic"].tolist(), dtype="Int64")
    table["lift"] = table["lift"].astype(np.float64)
    table["mass"] = table["mass"].astype(np.float64)
    n_evidenced = len(table)
    n_resolved = int(table["resolved"].sum())
    table.attrs.update(
        {
            "resolution": n_resolved / n_evidenced if n_evidenced else float("nan"),
            "n_resolved": n_resolved,
            "n_evidenced": n_evidenced,
            "min_lift": float(min_lift),
            "min_mass": float(min_mass),
        }
    )
    return table


def _check_thresholds(min_lift: Any, min_mass: Any) -> tuple[float, float]:
    for name, value in (("min_lift", min_lift), ("min_mass", min_mass)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float | np.number)
            or not (np.isfinite(value) and value >= 0)
        ):
            raise ConfigError(f"{name} must be a non-negative number, got {value!r}.")
    return float(min_lift), float(min_mass)


def domain_resolution(
    model: TopicModel,
    lexicon: Lexicon | None = None,
    *,
    corpus: Corpus | pd.DataFrame | None = None,
    evidence: pd.DataFrame | None = None,
    min_lift: float = RESOLUTION_MIN_LIFT,
    min_mass: float = 0.02,
) -> pd.DataFrame:
    """Which of the domains the corpus evidences a model gives a topic of their own.

    A domain is *resolved* when at least one topic singles it out: the domain is the topic's
    best domain by lift in :func:`corpus_tm.map_topics` (the topic's share of the domain's seed
    terms over the share of the average topic), with a lift of at least ``min_lift`` and a
    mass of at least ``min_mass`` on the domain's seed terms; that is, when ``map_topics``
    with these thresholds maps some topic to the domain. Only the domains of
    :func:`evidenced_domains` are asked for. The *resolution* of the model, in
    ``attrs["resolution"]``, is the share of them that are resolved (NaN when the corpus
    evidences no domain).

    A topic has one best domain, so a model with k topics resolves at most k domains: a
    model with too few topics merges the smaller domains into generic topics and resolves
    fewer of them, which coherence and diversity do not see.

    Parameters
    ----------
    model : TopicModel
        From :func:`corpus_tm.fit_lda` or :func:`corpus_tm.fit_nmf`.
    lexicon : Lexicon, optional
        Defaults to :func:`corpus_tm.default_lexicon`.
    corpus : Corpus or pandas.DataFrame, optional
        The corpus the model was fit on, to find the evidenced domains; not needed when
        ``evidence`` is given.
    evidence : pandas.DataFrame, optional
        A table from :func:`evidenced_domains` (made once and reused for many models).
    min_lift : float, default 1.5
        Smallest lift of a topic on a domain to single it out (``map_topics``'s
        ``min_score``).
    min_mass : float, default 0.02
        Smallest mass of the domain's seed terms in the topic (``map_topics``'s ``min_mass``).

    Returns
    -------
    pandas.DataFrame
        One row per evidenced domain, in lexicon order: ``domain``, ``n_hits``, ``n_units``
        (its evidence), ``resolved`` (bool), ``n_topics`` (topics that single it out),
        ``best_topic`` (the topic with the highest lift among those whose best domain it is,
        ``<NA>`` when there is none), ``lift`` and ``mass`` of that topic on the domain (NaN
        when none), and its ``top_terms``. ``attrs`` holds ``resolution``, ``n_resolved``,
        ``n_evidenced``, ``min_lift`` and ``min_mass``.

    Raises
    ------
    ConfigError
        If neither ``corpus`` nor ``evidence`` is given, or ``evidence`` names domains the
        lexicon does not have, or a threshold is negative.
    """
    if not isinstance(model, TopicModel):
        raise InputError(f"model must be a TopicModel, got {type(model).__name__}.")
    lexicon = lexicon if lexicon is not None else default_lexicon()
    min_lift, min_mass = _check_thresholds(min_lift, min_mass)
    table = _evidence_of(lexicon, corpus, evidence)
    return _resolution_table(model, lexicon, table, min_lift, min_mass)


def _resolution_row(table: pd.DataFrame) -> dict[str, Any]:
    return {
        "resolution": table.attrs["resolution"],
        "n_resolved": table.attrs["n_resolved"],
        "n_evidenced": table.attrs["n_evidenced"],
        "resolved_domains": "; ".join(table.loc[table["resolved"], "domain"]),
        "unresolved_domains": "; ".join(table.loc[~table["resolved"], "domain"]),
    }


def sweep_resolution(
    runs: SweepResult | Mapping[tuple[int, int], TopicModel],
    corpus: Corpus | pd.DataFrame | None = None,
    lexicon: Lexicon | None = None,
    *,
    evidence: pd.DataFrame | None = None,
    min_lift: float = RESOLUTION_MIN_LIFT,
    min_mass: float = 0.02,
) -> pd.DataFrame:
    """The domain resolution (:func:`domain_resolution`) of every run of a sweep.

    :func:`sweep` adds these columns to its metrics itself when given a lexicon; this
    function scores a sweep made without one (e.g. read back from a cache), for
    :func:`recommend_k`'s ``resolution=``.

    Parameters
    ----------
    runs : SweepResult or dict of (k, seed) to TopicModel
    corpus : Corpus or pandas.DataFrame, optional
        The corpus of the sweep (to find the evidenced domains, once); not needed when
        ``evidence`` is given.
    lexicon : Lexicon, optional
        Defaults to :func:`corpus_tm.default_lexicon`.
    evidence, min_lift, min_mass
        As in :func:`domain_resolution`.

    Returns
    -------
    pandas.DataFrame
        One row per run, sorted by ``k`` and ``seed``: ``k``, ``seed``, ``resolution``,
        ``n_resolved``, ``n_evidenced``, ``resolved_domains`` and ``unresolved_domains``
        (``"; "``-joined, lexicon order).
    """
    models = runs.models if isinstance(runs, SweepResult) else dict(runs)
    lexicon = lexicon if lexicon is not None else default_lexicon()
    min_lift, min_mass = _check_thresholds(min_lift, min_mass)
    table = _evidence_of(lexicon, corpus, evidence)
    rows = [
        {
            "k": int(k),
            "seed": int(seed),
            **_resolution_row(_resolution_table(model, lexicon, table, min_lift, min_mass)),
        }
        for (k, seed), model in sorted(models.items())
    ]
    return pd.DataFrame(rows, columns=["k", "seed", *_RESOLUTION_COLUMNS])


# --------------------------------------------------------------------------------------------
# sweep


@dataclass(frozen=True, eq=False)
class SweepResult:
    """Models fitted over a grid of topic numbers and seeds, with their quality measures.

    Attributes
    ----------
    method : str
        The backend swept.
    metrics : pandas.DataFrame
        One row per ``k`` x ``seed``, sorted by both: ``method``, ``k``, ``seed``, one column per
        coherence measure (mean over topics), ``diversity``, with a lexicon the domain
        resolution columns of :func:`sweep_resolution` (``resolution``, ``n_resolved``,
        ``n_evidenced``, ``resolved_domains``, ``unresolved_domains``), then
        ``per_word_bound`` and ``perplexity`` (LDA) or ``reconstruction_error`` and
        ``relative_reconstruction_error`` (NMF), and ``seconds`` (wall time of the fit and its
        evaluation; the only column that varies between identical runs).
    models : dict of (int, int) to TopicModel
        The fitted models keyed by ``(k, seed)``.
    params : dict
        The sweep settings and the model parameters passed through.
    """

    method: str
    metrics: pd.DataFrame
    models: dict[tuple[int, int], TopicModel] = field(repr=False)
    params: dict[str, Any]

    def write(self, folder: str | os.PathLike[str]) -> Path:
        """Write the sweep into ``folder`` (which must exist); :meth:`read` reads it back."""
        folder = Path(folder)
        self.metrics.to_parquet(folder / "metrics.parquet", index=False)
        for (k, seed), model in self.models.items():
            save_model(model, folder / f"model-k{k}-seed{seed}.npz")
        meta = {
            "method": self.method,
            "params": self.params,
            "runs": [[int(k), int(seed)] for k, seed in self.models],
        }
        (folder / "sweep.json").write_text(
            json.dumps(meta, sort_keys=True, default=str), encoding="utf-8"
        )
        return folder

    @classmethod
    def read(cls, folder: str | os.PathLike[str]) -> SweepResult:
        """Read a sweep written by :meth:`write`."""
        folder = Path(folder)
        meta = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
        return cls(
            method=meta["method"],
            metrics=pd.read_parquet(folder / "metrics.parquet"),
            models={
                (k, seed): load_model(folder / f"model-k{k}-seed{seed}.npz")
                for k, seed in meta["runs"]
            },
            params=meta["params"],
        )

    @property
    def ks(self) -> list[int]:
        """The numbers of topics, ascending."""
        return sorted({k for k, _ in self.models})

    @property
    def seeds(self) -> list[int]:
        """The seeds, ascending."""
        return sorted({s for _, s in self.models})


def _int_list(name: str, values: Any) -> list[int]:
    if isinstance(values, int | np.integer) and not isinstance(values, bool):
        values = [values]
    try:
        out = list(values)
    except TypeError:
        raise ConfigError(
            f"{name} must be an int or an iterable of ints, got {values!r}."
        ) from None
    if not out:
        raise ConfigError(f"{name} is empty: give at least one value.")
    for v in out:
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise ConfigError(f"{name} must contain ints, got {v!r}.")
    return sorted({int(v) for v in out})


def _slim(corpus: Corpus) -> Corpus:
    """The corpus without the unit texts and metadata (what sweep workers need)."""
    slim = Corpus(
        units=corpus.units[["unit_id"]].reset_index(drop=True),
        tokens=corpus.tokens,
        dictionary=corpus.dictionary,
        settings=corpus.settings,
        fingerprint=corpus.fingerprint,
    )
    slim.__dict__["dtm"] = corpus.dtm  # share the cached matrix
    return slim


def _fit_and_score(
    corpus: Corpus,
    method: str,
    k: int,
    seed: int,
    measures: tuple[str, ...],
    top_n: int,
    model_params: dict[str, Any],
) -> tuple[int, int, dict[str, Any], TopicModel]:
    """One sweep task: fit, evaluate, with BLAS/OpenMP limited to one thread.

    Coherence is left to the caller when ``measures`` is empty (:func:`sweep` scores all
    models on counts made once).
    """
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    with threadpool_limits(limits=1):
        model = fit_model(corpus, method, k, random_state=seed, progress=False, **model_params)
        ev = evaluate(model, corpus, top_n=top_n, measures=measures)
    row = {"method": method, "k": k, "seed": seed, **ev.overall.to_dict()}
    row["seconds"] = time.perf_counter() - start
    return k, seed, row, model


def _sweep_coherence(
    models: Mapping[tuple[int, int], TopicModel],
    corpus: Corpus,
    measures: tuple[str, ...],
    top_n: int,
) -> tuple[dict[tuple[int, int], dict[str, float]], dict[tuple[int, int], float]]:
    """Coherence of every model of a sweep, on counts made once per measure family.

    The counts cover the union of the top terms of all models; each model's values are those
    :func:`evaluate` gives it alone. Returns the mean per measure and the seconds per model.
    """
    topics = {key: model.topic_terms(top_n) for key, model in models.items()}
    union = sorted({t for terms in topics.values() for topic in terms for t in topic})
    shared = _counts_by_measure([union], corpus, measures, None, None)
    values: dict[tuple[int, int], dict[str, float]] = {}
    seconds: dict[tuple[int, int], float] = {}
    for key, terms in topics.items():
        start = time.perf_counter()
        values[key] = {
            m: float(np.mean(topic_coherence(terms, corpus, measure=m, counts=shared[m])))
            for m in measures
        }
        seconds[key] = time.perf_counter() - start
    return values, seconds


#: A sweep fits in several processes when its fits would take at least this many seconds on
#: one core (starting two workers that import corpus_tm takes about 3 s).
_SWEEP_MIN_SECONDS = 10.0

def sweep(
    corpus: Corpus,
    *,
    method: str,
    n_topics: Iterable[int] | int,
    seeds: Iterable[int] | int = (0, 1, 2),
    n_jobs: int | None = 1,
    progress: bool | None = None,
    measures: Iterable[str] = _DEFAULT_MEASURES,
    top_n: int = 10,
    lexicon: Lexicon | None = None,
    evidence: pd.DataFrame | None = None,
    **model_params: Any,
) -> SweepResult:
    """Fit and evaluate a model for every number of topics and seed.

    Each fit is independent and depends only on the corpus, ``k``, the seed and
    ``model_params``, and runs with BLAS/OpenMP limited to one thread (threadpoolctl), so the
    matrices and measures are identical whatever ``n_jobs`` is. Coherence is computed after
    the fits from word and pair counts made once per measure family over the union of all
    models' top terms (:func:`coherence_counts`), not recounted for every model; the values
    are those :func:`evaluate` gives each model. With ``n_jobs > 1`` the fits
    run in worker processes when it pays (joblib's loky backend, which does not re-run the
    caller's script; the corpus, without its unit texts, is sent to the workers and the models
    back by joblib's own inter-process pickling, which is never written to disk).

    Parameters
    ----------
    corpus : Corpus
    method : str
        A backend whose topics are chosen by k (``"lda"``, ``"nmf"`` or a registered one;
        :func:`corpus_tm.available_backends` with ``sweepable=True``).
    n_topics : int or iterable of int
        Numbers of topics to try (each checked as in :func:`~corpus_tm.models.fit_lda`).
    seeds : int or iterable of int, default (0, 1, 2)
        Random states; at least two are needed for :func:`stability`. NMF with its default
        ``init="nndsvda"`` hardly depends on the seed (stability is about 1 for every k, so it
        does not help to choose k); pass ``init="random"`` to see how stable NMF topics are.
    n_jobs : int or None, default 1
        Most worker processes (``None`` or 1: none, ``-1``: all cores, ``-2``: all but one).
        Used only when it pays (``corpus_tm.parallel``): for at least 2 fits estimated to
        take 10 s or more on one core, and only on cores that no other program keeps busy.
        Results do not depend on it.
    progress : bool or None
        Show a progress bar over fits; ``None`` shows it when there are at least 10 fits.
    measures : iterable of str, default ("c_v", "c_npmi", "u_mass")
        Coherence measures to compute for every fit (the corpus is counted once per measure
        family for the whole sweep).
    top_n : int, default 10
        Top terms per topic for coherence and diversity.
    lexicon : Lexicon, optional
        With a lexicon (or ``evidence``), every run is also scored on domain resolution
        (:func:`domain_resolution`, default thresholds): the metrics get the columns of
        :func:`sweep_resolution`, which :func:`recommend_k` weighs. The evidenced domains are
        found once, on ``corpus``, by :func:`evidenced_domains` with its default rule.
    evidence : pandas.DataFrame, optional
        A table from :func:`evidenced_domains` to use instead (another evidence rule); the
        lexicon defaults to :func:`corpus_tm.default_lexicon` when only this is given.
    **model_params
        Passed to the backend's fit function, e.g. :func:`~corpus_tm.models.fit_lda` or
        :func:`~corpus_tm.models.fit_nmf` (``passes=10`` or ``init="random"``).

    Returns
    -------
    SweepResult
        ``metrics`` (one row per k x seed) and ``models`` keyed by ``(k, seed)``.
    """
    from joblib import Parallel, delayed

    from corpus_tm.parallel import processes_for

    check_corpus(corpus)
    try:
        backend = get_backend(method)
    except ConfigError as exc:
        raise ConfigError(f"method: {exc}") from None
    if backend.uses_lexicon:
        raise ConfigError(
            f"{method!r} takes its topics from the lexicon, so there is no k to sweep; sweep "
            f"one of {', '.join(map(repr, available_backends(sweepable=True)))}."
        )
    ks = _int_list("n_topics", n_topics)
    for k in ks:
        check_n_topics(k, corpus)
    seed_list = _int_list("seeds", seeds)
    measures = _check_measures(measures)
    for reserved in ("random_state", "n_topics", "progress"):
        if reserved in model_params:
            raise ConfigError(f"{reserved} is set by sweep itself; do not pass it in model_params.")
    fit = backend.fit_function
    accepted = set(inspect.signature(fit).parameters) - {"corpus", "n_topics", "random_state"}
    unknown = sorted(set(model_params) - accepted)
    if unknown:
        raise ConfigError(
            f"{unknown} are not parameters of {fit.__name__}; it takes {sorted(accepted)}."
        )
    tasks = [(k, s) for k in ks for s in seed_list]
    work = (
        len(seed_list) * sum(backend.fit_seconds(corpus, k, model_params) for k in ks)
        if tasks[1:]
        else 0
    )
    n_workers = min(len(tasks), processes_for(n_jobs, work=work, min_work=_SWEEP_MIN_SECONDS))
    scoring: tuple[Lexicon, pd.DataFrame] | None = None
    if lexicon is not None or evidence is not None:
        lexicon = lexicon if lexicon is not None else default_lexicon()
        if not isinstance(lexicon, Lexicon):
            raise ConfigError(
                f"lexicon must be a Lexicon (e.g. default_lexicon()), got {type(lexicon).__name__}."
            )
        scoring = (lexicon, _evidence_of(lexicon, corpus, evidence))
    show = len(tasks) >= 10 if progress is None else bool(progress)
    slim = _slim(corpus)
    # Coherence is scored after the fits, on counts made once for all models (see below).
    args = ((), int(top_n), dict(model_params))
    rows: dict[tuple[int, int], dict[str, Any]] = {}
    models: dict[tuple[int, int], TopicModel] = {}
    with progress_bar(total=len(tasks), desc=f"sweep {method}", unit="fit", show=show) as bar:
        if n_workers == 1:
            results: Iterable[Any] = (_fit_and_score(slim, method, k, s, *args) for k, s in tasks)
        else:
            results = Parallel(n_jobs=n_workers, return_as="generator_unordered")(
                delayed(_fit_and_score)(slim, method, k, s, *args) for k, s in tasks
            )
        for k, s, row, model in results:
            rows[(k, s)] = row
            models[(k, s)] = model
            bar.update(1)
    coherence, coherence_seconds = _sweep_coherence(models, slim, measures, int(top_n))
    resolution: dict[tuple[int, int], dict[str, Any]] = {}
    for t in tasks:
        if scoring is not None:
            start = time.perf_counter()
            table = _resolution_table(models[t], *scoring, RESOLUTION_MIN_LIFT, 0.02)
            resolution[t] = _resolution_row(table)
            coherence_seconds[t] += time.perf_counter() - start
        else:
            resolution[t] = {}
    ordered = []
    for t in tasks:
        row = rows[t]
        rest = {c: v for c, v in row.items() if c not in ("method", "k", "seed", "seconds")}
        diversity = {"diversity": rest.pop("diversity")}
        ordered.append(
            {
                "method": row["method"],
                "k": row["k"],
                "seed": row["seed"],
                **coherence[t],
                **diversity,
                **resolution[t],
                **rest,
                "seconds": row["seconds"] + coherence_seconds[t],
            }
        )
    metrics = pd.DataFrame(ordered).reset_index(drop=True)
    params = {
        "method": method,
        "n_topics": ks,
        "seeds": seed_list,
        "measures": list(measures),
        "top_n": int(top_n),
        "model_params": dict(model_params),
    }
    if scoring is not None:
        lexicon, evidence = scoring
        params["resolution"] = {
            "lexicon": lexicon.name,
            "lexicon_version": lexicon.version,
            "evidenced": [
                str(d) for d in evidence.loc[evidence["evidenced"].astype(bool), "domain"]
            ],
            "evidence_rule": {
                key: evidence.attrs[key]
                for key in ("min_hits", "min_units", "min_unit_share", "units_needed")
                if key in evidence.attrs
            },
            "min_lift": RESOLUTION_MIN_LIFT,
            "min_mass": 0.02,
        }
    return SweepResult(
        method=method, metrics=metrics, models={t: models[t] for t in tasks}, params=params
    )


# --------------------------------------------------------------------------------------------
# stability


@dataclass(frozen=True, eq=False)
class StabilityResult:
    """Topics aligned across seeds.

    Attributes
    ----------
    by_k : pandas.DataFrame
        One row per ``k``: ``k``, ``stability`` (mean over all pairs of seeds of the mean
        cosine of Hungarian-matched topics), ``stability_sd`` (its standard deviation over
        pairs), ``min_pair`` (the worst pair), ``n_seeds``.
    topics : pandas.DataFrame
        One row per topic of the reference (smallest) seed for each ``k``: ``k``,
        ``reference_seed``, ``topic``, ``stability`` (mean cosine of its matched topic in the
        other seeds), ``min_cosine`` (its worst match), ``top_terms``. Robust topics have
        values near 1; a topic with a low value belongs to this seed only.
    alignment : pandas.DataFrame
        How every seed's topics map onto the reference topics: ``k``, ``seed``, ``topic`` (in
        that seed), ``reference_topic``, ``cosine``.
    pairs : pandas.DataFrame
        One row per ``k`` and pair of seeds: ``k``, ``seed_a``, ``seed_b``, ``stability`` (mean
        matched cosine of the pair).
    """

    by_k: pd.DataFrame
    topics: pd.DataFrame
    alignment: pd.DataFrame
    pairs: pd.DataFrame

    def by_seed(self) -> pd.DataFrame:
        """Stability of each run: the mean over the pairs that include its seed.

        Returns
        -------
        pandas.DataFrame
            Columns ``k``, ``seed``, ``stability``.
        """
        a = self.pairs.rename(columns={"seed_a": "seed"}).drop(columns="seed_b")
        b = self.pairs.rename(columns={"seed_b": "seed"}).drop(columns="seed_a")
        both = pd.concat([a, b], ignore_index=True)
        return both.groupby(["k", "seed"], as_index=False)["stability"].mean()


def stability(runs: SweepResult | Mapping[tuple[int, int], TopicModel], *, top_n: int = 5):
    """Align topics across seeds and score how well each topic and each k reproduces.

    For every ``k``, the topics of every pair of seeds are matched one to one with the Hungarian
    algorithm (:func:`scipy.optimize.linear_sum_assignment`) on the cosine similarity of their
    topic-term distributions. The score of ``k`` is the mean matched cosine over all pairs (it
    does not depend on the order of seeds). Per topic, the smallest seed is the reference: each
    of its topics gets the mean (and minimum) cosine of its matches in the other seeds.

    Parameters
    ----------
    runs : SweepResult or dict of (k, seed) to TopicModel
        Models with at least two seeds for some ``k``.
    top_n : int, default 5
        Top terms shown for each reference topic.

    Returns
    -------
    StabilityResult
        ``by_k``, ``topics`` and ``alignment`` tables. A ``k`` with a single seed is left out.

    Raises
    ------
    InputError
        If no ``k`` has at least two seeds.
    """
    models = runs.models if isinstance(runs, SweepResult) else dict(runs)
    by_k_seed: dict[int, dict[int, TopicModel]] = {}
    for (k, seed), model in models.items():
        by_k_seed.setdefault(int(k), {})[int(seed)] = model
    by_k_rows, topic_rows, align_rows, pair_rows = [], [], [], []
    for k in sorted(by_k_seed):
        fits = by_k_seed[k]
        seeds = sorted(fits)
        if len(seeds) < 2:
            continue
        mats = {s: fits[s].topic_term.to_numpy() for s in seeds}
        pair_means = []
        for i, s1 in enumerate(seeds):
            for s2 in seeds[i + 1 :]:
                pair_means.append(float(match_topics(mats[s1], mats[s2])[2].mean()))
                pair_rows.append({"k": k, "seed_a": s1, "seed_b": s2, "stability": pair_means[-1]})
        ref = seeds[0]
        ref_cos = np.zeros((k, len(seeds) - 1))
        for r in range(k):
            align_rows.append(
                {"k": k, "seed": ref, "topic": r, "reference_topic": r, "cosine": 1.0}
            )
        for j, s in enumerate(seeds[1:]):
            rows, cols, cos = match_topics(mats[ref], mats[s])
            ref_cos[rows, j] = cos
            for r, c, v in zip(rows, cols, cos, strict=True):
                align_rows.append(
                    {"k": k, "seed": s, "topic": int(c), "reference_topic": int(r), "cosine": v}
                )
        by_k_rows.append(
            {
                "k": k,
                "stability": float(np.mean(pair_means)),
                "stability_sd": float(np.std(pair_means)),
                "min_pair": float(np.min(pair_means)),
                "n_seeds": len(seeds),
            }
        )
        terms = fits[ref].topic_terms(top_n)
        for r in range(k):
            topic_rows.append(
                {
                    "k": k,
                    "reference_seed": ref,
                    "topic": r,
                    "stability": float(ref_cos[r].mean()),
                    "min_cosine": float(ref_cos[r].min()),
                    "top_terms": " ".join(terms[r]),
                }
            )
    if not by_k_rows:
        raise InputError(
            "stability needs at least two seeds for some number of topics; "
            "run sweep with seeds=range(3) or more."
        )
    alignment = pd.DataFrame(align_rows).sort_values(["k", "seed", "reference_topic"])
    return StabilityResult(
        by_k=pd.DataFrame(by_k_rows),
        topics=pd.DataFrame(topic_rows),
        alignment=alignment.reset_index(drop=True),
        pairs=pd.DataFrame(pair_rows),
    )


# --------------------------------------------------------------------------------------------
# choice of k

#: The rules :func:`recommend_k` knows.
K_RULES = ("resolution", "one_se")


@dataclass(frozen=True, eq=False)
class KRecommendation:
    """The recommended number of topics, why, and the table it was chosen from.

    Attributes
    ----------
    k : int
        The recommended number of topics.
    table : pandas.DataFrame
        One row per ``k``: the means over seeds of the coherence measure (``coherence``),
        ``diversity`` and ``stability``; ``resolution`` (share of the evidenced domains that
        more than half of the seeds resolve) and ``resolution_mean`` (mean of the runs' own
        resolution), NaN when not known; the mean ``score`` over seeds and its standard error
        ``score_se``; ``tie_se``, how far below the best score this ``k`` may be and still be
        tied with it (with ``tolerance="se"`` the standard error of the difference of the two
        scores over the seeds they share; else the tolerance given); ``tied`` and
        ``recommended`` (True in one row).
    runs : pandas.DataFrame
        One row per ``k`` x ``seed``: the criteria of the run on their 0-1 scales
        (``coherence_scaled``, ``diversity_scaled``, ``stability_scaled``,
        ``resolution_scaled``) and its ``score``.
    coherence : str
        The coherence measure used.
    weights : dict
        Weights of ``coherence``, ``diversity``, ``stability`` and ``resolution`` (0 for a
        criterion that is not known).
    tolerance : float
        The tolerance given, or with ``"se"`` the largest ``tie_se`` of the table.
    rule : str
        How the tie was broken (see :func:`recommend_k`).
    reason : str
        The choice in words, for a command line or a log: the recommended k, the domains it
        resolves, its criteria, its neighbours and the rule.
    """

    k: int
    table: pd.DataFrame
    runs: pd.DataFrame
    coherence: str
    weights: dict[str, float]
    tolerance: float
    rule: str = "one_se"
    reason: str = ""

    def __int__(self) -> int:
        return self.k

    def __str__(self) -> str:
        return self.reason or f"k={self.k}"


def _resolution_of_runs(runs: SweepResult, resolution: pd.DataFrame | None) -> pd.DataFrame | None:
    """Per-run resolution columns: from ``resolution`` if given, else the sweep's metrics."""
    if resolution is None:
        if "resolution" not in runs.metrics.columns:
            return None
        source = runs.metrics
    else:
        if not isinstance(resolution, pd.DataFrame) or not {"k", "seed", "resolution"} <= set(
            resolution.columns
        ):
            raise InputError(
                "resolution must be a table with columns 'k', 'seed' and 'resolution', as "
                "sweep_resolution() makes."
            )
        source = resolution
    columns = ["k", "seed", *[c for c in _RESOLUTION_COLUMNS if c in source.columns]]
    out = source[columns].copy()
    out["resolution"] = out["resolution"].astype(np.float64)
    if out["resolution"].isna().all():
        return None
    return out


def _split(value: Any) -> list[str]:
    if not isinstance(value, str) or not value:
        return []
    return [v for v in value.split("; ") if v]


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _resolution_by_k(per_run: pd.DataFrame) -> pd.DataFrame:
    """Per ``k``: the evidenced domains resolved by more than half of its seeds.

    Columns ``k``, ``resolution`` (their share of the evidenced domains), ``n_resolved``,
    ``n_evidenced``, ``resolution_mean`` (the mean of the runs' own resolution),
    ``majority``, ``minority`` and ``never`` (lists of domains: resolved by more than half of
    the seeds, by some but not more than half, by none). Without the per-run domain lists
    (a ``resolution`` table with the shares only) the mean of the runs is used instead.
    """
    rows = []
    has_names = {"resolved_domains", "n_evidenced"} <= set(per_run.columns)
    for k, group in per_run.groupby("k", sort=True):
        n_seeds = len(group)
        row: dict[str, Any] = {
            "k": int(k),
            "resolution_mean": float(group["resolution"].mean()),
            "majority": [],
            "minority": [],
            "never": [],
        }
        if has_names:
            resolved = [_split(v) for v in group["resolved_domains"]]
            unresolved = [
                _split(v)
                for v in group.get("unresolved_domains", pd.Series([""] * n_seeds)).tolist()
            ]
            order = list(
                dict.fromkeys([d for r in resolved for d in r] + [d for u in unresolved for d in u])
            )
            counts = {d: sum(d in r for r in resolved) for d in order}
            row["majority"] = [d for d in order if counts[d] > n_seeds / 2]
            row["minority"] = [d for d in order if 0 < counts[d] <= n_seeds / 2]
            row["never"] = [d for d in order if counts[d] == 0]
            n_evidenced = int(group["n_evidenced"].max())
            row["n_evidenced"] = n_evidenced
            row["n_resolved"] = len(row["majority"])
            row["resolution"] = len(row["majority"]) / n_evidenced if n_evidenced else float("nan")
        else:
            row["n_evidenced"] = pd.NA
            row["n_resolved"] = pd.NA
            row["resolution"] = row["resolution_mean"]
        rows.append(row)
    return pd.DataFrame(rows)


def _resolves(by_k: pd.DataFrame, k: int, *, names: bool) -> str:
    """'resolves 3 of 5 evidenced domains (...)' for ``k`` (a row of ``_resolution_by_k``)."""
    row = by_k.set_index("k").loc[k]
    if pd.isna(row["n_evidenced"]):
        return f"resolves {row['resolution']:.0%} of the evidenced domains"
    text = f"resolves {int(row['n_resolved'])} of {int(row['n_evidenced'])} evidenced domains"
    if not names:
        return text
    parts = []
    if row["majority"]:
        parts.append(", ".join(row["majority"]))
    if row["minority"]:
        parts.append("in a minority of seeds only: " + ", ".join(row["minority"]))
    if row["never"]:
        parts.append("not: " + ", ".join(row["never"]))
    return f"{text} ({'; '.join(parts)})" if parts else text


def _difference_se(per_run: pd.DataFrame, table: pd.DataFrame, best_k: int) -> np.ndarray:
    """Per ``k``, the standard error of the difference between the best ``k``'s score and its
    own: over the seeds both were fitted with (paired, as a sweep fits every ``k`` with the
    same seeds), or from the two standard errors when fewer than two seeds are shared."""
    scores = per_run.pivot_table(index="seed", columns="k", values="score", aggfunc="mean")
    se_of = dict(zip(table["k"], table["score_se"], strict=True))
    out = []
    for k in table["k"]:
        if k == best_k:
            out.append(0.0)
            continue
        difference = (scores[best_k] - scores[k]).dropna()
        if len(difference) >= 2:
            out.append(float(difference.std(ddof=1) / np.sqrt(len(difference))))
        else:
            out.append(float(np.hypot(se_of[best_k], se_of[k])))
    return np.asarray(out, dtype=np.float64)


def _reason(
    table: pd.DataFrame,
    by_k: pd.DataFrame | None,
    chosen: int,
    *,
    coherence: str,
    weights: dict[str, float],
    tol: float | str,
    rule: str,
) -> str:
    row = table.set_index("k").loc[chosen]
    has_resolution = weights["resolution"] > 0 and by_k is not None
    criteria = [
        f"{coherence} coherence {row['coherence']:.2f}",
        f"diversity {row['diversity']:.2f}",
    ]
    if weights["stability"] > 0:
        criteria.append(f"stability {row['stability']:.2f}")
    if has_resolution:
        criteria.append(f"resolution {row['resolution']:.2f}")
    head = f"k={chosen}: "
    if has_resolution:
        head += _resolves(by_k, chosen, names=True) + "; "
    text = head + ", ".join(criteria) + f"; score {row['score']:.3f} (SE {row['score_se']:.3f})."
    ks = table["k"].tolist()
    position = ks.index(chosen)
    neighbours = [ks[i] for i in (position - 1, position + 1) if 0 <= i < len(ks)]
    if neighbours:
        words = []
        for k in neighbours:
            score = float(table.loc[table["k"] == k, "score"].iloc[0])
            prefix = f"k={k} " + (_resolves(by_k, k, names=False) + ", " if has_resolution else "")
            words.append(f"{prefix}score {score:.3f}")
        text += " " + "; ".join(words) + "."
    best_row = int(table["score"].to_numpy().argmax())
    best_k, best = int(table["k"].iloc[best_row]), float(table["score"].iloc[best_row])
    tied = ", ".join(str(k) for k in table.loc[table["tied"], "k"])
    if tol == "se":
        text += (
            f" Best score {best:.3f} at k={best_k}; within one standard error of the "
            f"difference from it: k = {tied}"
        )
    else:
        text += f" Best score {best:.3f} at k={best_k}; within {float(tol):.3f} of it: k = {tied}"
    if rule == "one_se":
        text += "; rule 'one_se' takes the smallest of them."
    elif has_resolution:
        text += "; rule 'resolution' takes the one with the highest resolution, then the smallest."
    else:
        text += (
            "; no domain resolution is known (sweep without a lexicon), so the smallest of them "
            "is taken."
        )
    return text


def recommend_k(
    runs: SweepResult,
    *,
    coherence: str = "c_v",
    weights: Mapping[str, float] | None = None,
    tolerance: float | str = "se",
    stability_result: StabilityResult | None = None,
    resolution: pd.DataFrame | None = None,
    rule: str = "resolution",
) -> KRecommendation:
    """Recommend a number of topics that balances topic quality and domain resolution.

    Not the maximum of one score. Each run (``k`` x seed) gets up to four criteria on a
    common 0-1 scale:

    * coherence (the ``coherence`` measure, mean over topics): c_v as it is (it lies in
      [0, 1]); c_npmi and c_uci mapped from [-1, 1] by ``(x + 1) / 2``; u_mass, which has no
      fixed range, min-max scaled over all runs of the sweep;
    * diversity (share of unique top terms, already in [0, 1]);
    * stability (:meth:`StabilityResult.by_seed`: the mean matched topic cosine of this seed
      with every other seed of the same ``k``, in [0, 1]);
    * resolution (:func:`domain_resolution`), when the sweep was run with a lexicon or
      ``resolution`` is given: the share of the domains the corpus evidences that *more than
      half of the seeds* of ``k`` resolve, in [0, 1], the same for every seed of ``k``. A
      domain that one seed in five gives a topic is a chance split of that seed, as a topic
      only one seed finds is; counted per run, every larger ``k`` that resolves one more
      domain by chance would win (on the example corpus the plain mean over seeds recommends
      k=21, where one seed of five gives social security a topic; the majority rule gives 15,
      where three seeds of five and both seeds of a two-seed sweep resolve economic security).
      The mean of the runs' own resolution is shown as ``resolution_mean``;

    and ``score`` = their weighted mean (equal weights by default). Fixed scales are used
    rather than ranks or min-max scaling so that differences that are tiny in absolute terms
    (e.g. stabilities of 0.9990 and 0.9995) cannot decide. The score of ``k`` is the mean over
    its seeds; ``k`` values whose score is at least the best score minus ``tolerance`` are
    *tied*: the seeds cannot tell them apart. By default the tolerance of each ``k`` is the
    standard error of the difference between the best score and its own, paired over the seeds
    (a sweep fits every ``k`` with the same seeds). The standard error of the best score alone,
    the rule before, is 0 when its seeds happen to agree, and then nothing is tied with it
    however much the other ``k``'s seeds disagree. (It does not rescue every close call: on the
    Chinese laws swept from k=6, k=6 scores 0.763 with identical seeds and k=10 0.756, 0.0064
    below with a paired standard error of 0.0056, so k=6 is still taken; the study sweeps from
    8.) Among the tied ``k``:

    * ``rule="resolution"`` (default) takes the one with the highest resolution, then the
      smallest;
    * ``rule="one_se"`` takes the smallest (the "one standard error" rule, the behaviour
      before domain resolution was weighed).

    Why: coherence, diversity and stability measure generic topic quality, and on short
    policy texts all three favour few topics: a handful of broad topics are coherent, share
    no top terms and come out the same from every seed (on the example corpus, k=4 has
    stability 1.0). None of them sees that those broad topics merge the smaller security
    domains (economic, military) into generic ones, which is what the study needs the topics
    for; and the one-SE rule then adds a second pull toward the smallest k. Resolution is the
    criterion that rises with k while domains are being separated and stops rising once every
    evidenced domain has a topic, after which coherence and diversity pull k back down; a
    tie-break toward higher resolution keeps the rule from preferring the smallest k when the
    domains say otherwise, and still prefers the simpler model when resolution is equal (and
    without a lexicon the two rules agree).

    Parameters
    ----------
    runs : SweepResult
        A sweep. With a single seed, stability is unknown and left out (weight 0) and the
        standard error is 0. Its metrics carry the resolution when :func:`sweep` was given a
        lexicon.
    coherence : str, default "c_v"
        A coherence measure computed by the sweep.
    weights : dict, optional
        Weights of ``"coherence"``, ``"diversity"``, ``"stability"`` and ``"resolution"``
        (non-negative, not all zero); missing keys count 1 (resolution: 1 when it is known,
        else 0).
    tolerance : "se" or float, default "se"
        How far below the best score a ``k`` may be and still count as tied with it: one
        standard error of the difference of the two scores (paired over seeds), or a number.
    stability_result : StabilityResult, optional
        A result of :func:`stability` for ``runs`` (computed if not given).
    resolution : pandas.DataFrame, optional
        Per-run resolution from :func:`sweep_resolution`, for a sweep run without a lexicon;
        by default the sweep's own ``resolution`` column, if it has one.
    rule : {"resolution", "one_se"}, default "resolution"
        How ties are broken (see above).

    Returns
    -------
    KRecommendation
        ``.k``, the ``.reason`` in words, the per-``k`` ``.table`` and the per-run ``.runs``
        it was chosen from.
    """
    if not isinstance(runs, SweepResult):
        raise InputError(f"runs must be a SweepResult from sweep(), got {type(runs).__name__}.")
    if coherence not in runs.metrics.columns:
        raise ConfigError(
            f"coherence={coherence!r} was not computed by this sweep; it has "
            f"{[m for m in COHERENCE_MEASURES if m in runs.metrics.columns]}."
        )
    if rule not in K_RULES:
        raise ConfigError(f"rule must be one of {K_RULES}, got {rule!r}.")
    resolved = _resolution_of_runs(runs, resolution)
    w = {"coherence": 1.0, "diversity": 1.0, "stability": 1.0, "resolution": 1.0}
    for key, value in dict(weights or {}).items():
        if key not in w:
            raise ConfigError(f"weights has unknown key {key!r}; use {sorted(w)}.")
        if not np.isfinite(value) or value < 0:
            raise ConfigError(f"weights[{key!r}] must be a non-negative number, got {value!r}.")
        w[key] = float(value)
    if resolved is None:
        if dict(weights or {}).get("resolution", 0) > 0:
            raise ConfigError(
                "weights['resolution'] needs the domain resolution of the runs: run "
                "sweep(..., lexicon=default_lexicon()) or pass resolution=sweep_resolution(...)."
            )
        w["resolution"] = 0.0
    if tolerance != "se" and (
        isinstance(tolerance, str) or not np.isfinite(tolerance) or tolerance < 0
    ):
        raise ConfigError(f"tolerance must be 'se' or a non-negative number, got {tolerance!r}.")
    per_run = runs.metrics[["k", "seed", coherence, "diversity"]].rename(
        columns={coherence: "coherence"}
    )
    if stability_result is not None or runs.metrics["seed"].nunique() >= 2:
        stab = stability_result if stability_result is not None else stability(runs)
        per_run = per_run.merge(stab.by_seed(), on=["k", "seed"], how="left")
    else:
        per_run = per_run.assign(stability=np.nan)
        w["stability"] = 0.0
    by_k = None
    if resolved is not None:
        per_run = per_run.merge(resolved, on=["k", "seed"], how="left")
        by_k = _resolution_by_k(per_run)
    else:
        per_run = per_run.assign(resolution=np.nan)
    if sum(w.values()) <= 0:
        raise ConfigError("weights must not all be zero.")
    coh = per_run["coherence"].to_numpy(dtype=np.float64)
    if coherence == "c_v":
        coh_scaled = coh
    elif coherence in ("c_npmi", "c_uci"):
        coh_scaled = (coh + 1.0) / 2.0
    else:
        span = np.nanmax(coh) - np.nanmin(coh)
        coh_scaled = (coh - np.nanmin(coh)) / span if span > 0 else np.full_like(coh, 0.5)
    per_run["coherence_scaled"] = coh_scaled
    per_run["diversity_scaled"] = per_run["diversity"]
    per_run["stability_scaled"] = per_run["stability"]
    per_run["resolution_scaled"] = (
        per_run["k"].map(by_k.set_index("k")["resolution"]).astype(np.float64)
        if by_k is not None
        else np.nan
    )
    names = ["coherence", "diversity", "stability", "resolution"]
    used = [n for n in names if w[n] > 0]
    weight_vec = np.array([w[n] for n in used])
    parts = per_run[[f"{n}_scaled" for n in used]].to_numpy(dtype=np.float64)
    per_run["score"] = (parts * weight_vec).sum(axis=1) / weight_vec.sum()
    grouped = per_run.groupby("k", sort=True)
    table = grouped[["coherence", "diversity", "stability", "resolution_scaled", "score"]].mean()
    table = table.reset_index().rename(columns={"resolution_scaled": "resolution"})
    table.insert(
        table.columns.get_loc("resolution") + 1,
        "resolution_mean",
        grouped["resolution"].mean().to_numpy(dtype=np.float64),
    )
    counts = grouped["score"].count().to_numpy()
    sd = grouped["score"].std(ddof=1).fillna(0.0).to_numpy()
    table["score_se"] = sd / np.sqrt(np.maximum(counts, 1))
    best_row = int(table["score"].to_numpy().argmax())
    best = float(table["score"].iloc[best_row])
    if tolerance == "se":
        table["tie_se"] = _difference_se(per_run, table, int(table["k"].iloc[best_row]))
    else:
        table["tie_se"] = float(tolerance)
    tol = float(table["tie_se"].max())
    table["tied"] = table["score"] >= best - table["tie_se"] - 1e-12
    tied = table[table["tied"]]
    if rule == "resolution" and w["resolution"] > 0:
        top = float(tied["resolution"].max())
        tied = tied[tied["resolution"] >= top - 1e-9]
    chosen = int(tied["k"].min())
    table["recommended"] = table["k"] == chosen
    reason = _reason(
        table, by_k, chosen, coherence=coherence, weights=w, tol=tolerance, rule=rule
    )
    return KRecommendation(
        k=chosen,
        table=table,
        runs=per_run.reset_index(drop=True),
        coherence=coherence,
        weights=w,
        tolerance=tol,
        rule=rule,
        reason=reason,
    )
