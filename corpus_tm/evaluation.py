"""Evaluating topic models and choosing the number of topics.

In: fitted :class:`~corpus_tm.models.TopicModel` objects and the
:class:`~corpus_tm.corpus.Corpus` they describe.
Out: tidy pandas tables: coherence (c_v, c_npmi, u_mass; per topic and overall), topic diversity,
perplexity (LDA) or reconstruction error (NMF) from :func:`evaluate`; one row per number of
topics x seed from :func:`sweep`; topics aligned across seeds with a stability score per topic
and per number of topics from :func:`stability`; and a documented choice of k from
:func:`recommend_k`.

Coherence is computed the same way for every method: gensim's ``CoherenceModel`` on the corpus
token lists with the topics given as lists of their top terms (:func:`topic_coherence`).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment
from tqdm.auto import tqdm

from corpus_tm.corpus import Corpus
from corpus_tm.errors import ConfigError, InputError
from corpus_tm.models import (
    TopicModel,
    apply_idf,
    check_corpus,
    check_n_topics,
    fit_lda,
    fit_model,
    fit_nmf,
)
from corpus_tm.synthetic import cosine_matrix

__all__ = [
    "COHERENCE_MEASURES",
    "Evaluation",
    "KRecommendation",
    "StabilityResult",
    "SweepResult",
    "evaluate",
    "recommend_k",
    "stability",
    "sweep",
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


def topic_coherence(
    topics: Sequence[Sequence[str]],
    corpus: Corpus,
    *,
    measure: str = "c_v",
    window_size: int | None = None,
) -> np.ndarray:
    """Coherence of each topic, given as a list of its top terms, on ``corpus``.

    This is the one function both LDA and NMF go through: gensim's ``CoherenceModel`` with
    ``topics=`` the term lists, ``texts=`` the corpus token lists and the corpus dictionary, in
    one process (``processes=1``), so the result does not depend on how the topics were made.

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

    Returns
    -------
    numpy.ndarray
        One value per topic.

    Raises
    ------
    InputError
        If a topic term is not in the corpus vocabulary or a topic has fewer than two terms.
    """
    from gensim.models.coherencemodel import CoherenceModel

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


def _lda_bound(model: TopicModel, corpus: Corpus) -> dict[str, float]:
    from corpus_tm.corpus import BagOfWords

    lda = _gensim_lda(model)
    bow = BagOfWords(_aligned_dtm(model, corpus))
    chunk = [bow[i] for i in range(len(bow))]
    bound = float(lda.log_perplexity(chunk, total_docs=len(chunk)))
    return {"per_word_bound": bound, "perplexity": float(np.exp(-bound))}


def _nmf_error(model: TopicModel, corpus: Corpus) -> dict[str, float]:
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


def evaluate(
    model: TopicModel,
    corpus: Corpus,
    *,
    top_n: int = 10,
    measures: Iterable[str] = _DEFAULT_MEASURES,
    window_size: int | None = None,
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

    Returns
    -------
    Evaluation
        ``overall`` (a Series of measures) and ``topics`` (a table, one row per topic).
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
    for measure in measures:
        values = topic_coherence(topics, corpus, measure=measure, window_size=window_size)
        table[measure] = values
        overall[measure] = float(np.mean(values))
    table["share"] = model.doc_topic.to_numpy().mean(axis=0)
    table["top_terms"] = [" ".join(t) for t in topics]
    overall["diversity"] = topic_diversity(topics)
    if model.method == "lda":
        overall.update(_lda_bound(model, corpus))
    else:
        overall.update(_nmf_error(model, corpus))
    return Evaluation(overall=pd.Series(overall, name="value"), topics=table, top_n=int(top_n))


# --------------------------------------------------------------------------------------------
# sweep


@dataclass(frozen=True, eq=False)
class SweepResult:
    """Models fitted over a grid of topic numbers and seeds, with their quality measures.

    Attributes
    ----------
    method : {"lda", "nmf"}
    metrics : pandas.DataFrame
        One row per ``k`` x ``seed``, sorted by both: ``method``, ``k``, ``seed``, one column per
        coherence measure (mean over topics), ``diversity``, then ``per_word_bound`` and
        ``perplexity`` (LDA) or ``reconstruction_error`` and ``relative_reconstruction_error``
        (NMF), and ``seconds`` (wall time of the fit and its evaluation; the only column that
        varies between identical runs).
    models : dict of (int, int) to TopicModel
        The fitted models keyed by ``(k, seed)``.
    params : dict
        The sweep settings and the model parameters passed through.
    """

    method: str
    metrics: pd.DataFrame
    models: dict[tuple[int, int], TopicModel] = field(repr=False)
    params: dict[str, Any]

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
    """One sweep task: fit, evaluate, with BLAS/OpenMP limited to one thread."""
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    with threadpool_limits(limits=1):
        model = fit_model(corpus, method, k, random_state=seed, progress=False, **model_params)
        ev = evaluate(model, corpus, top_n=top_n, measures=measures)
    row = {"method": method, "k": k, "seed": seed, **ev.overall.to_dict()}
    row["seconds"] = time.perf_counter() - start
    return k, seed, row, model


def sweep(
    corpus: Corpus,
    *,
    method: str,
    n_topics: Iterable[int] | int,
    seeds: Iterable[int] | int = (0, 1, 2),
    n_jobs: int = 1,
    progress: bool | None = None,
    measures: Iterable[str] = _DEFAULT_MEASURES,
    top_n: int = 10,
    **model_params: Any,
) -> SweepResult:
    """Fit and evaluate a model for every number of topics and seed.

    Each fit is independent and depends only on the corpus, ``k``, the seed and
    ``model_params``, and runs with BLAS/OpenMP limited to one thread (threadpoolctl), so the
    matrices and measures are identical whatever ``n_jobs`` is. With ``n_jobs > 1`` the fits
    run in worker processes (joblib's loky backend; the corpus, without its unit texts, is sent
    to the workers and the models back by joblib's own inter-process pickling, which is never
    written to disk).

    Parameters
    ----------
    corpus : Corpus
    method : {"lda", "nmf"}
    n_topics : int or iterable of int
        Numbers of topics to try (each checked as in :func:`~corpus_tm.models.fit_lda`).
    seeds : int or iterable of int, default (0, 1, 2)
        Random states; at least two are needed for :func:`stability`. NMF with its default
        ``init="nndsvda"`` hardly depends on the seed (stability is about 1 for every k, so it
        does not help to choose k); pass ``init="random"`` to see how stable NMF topics are.
    n_jobs : int, default 1
        Worker processes (``-1``: all cores). Results do not depend on it.
    progress : bool or None
        Show a progress bar over fits; ``None`` shows it when there are at least 10 fits.
    measures : iterable of str, default ("c_v", "c_npmi", "u_mass")
        Coherence measures to compute for every fit (the sliding-window ones cost about as much
        as an LDA fit on long documents; drop some to sweep faster).
    top_n : int, default 10
        Top terms per topic for coherence and diversity.
    **model_params
        Passed to :func:`~corpus_tm.models.fit_lda` or :func:`~corpus_tm.models.fit_nmf`
        (e.g. ``passes=10`` or ``init="random"``).

    Returns
    -------
    SweepResult
        ``metrics`` (one row per k x seed) and ``models`` keyed by ``(k, seed)``.
    """
    from joblib import Parallel, delayed

    check_corpus(corpus)
    if method not in ("lda", "nmf"):
        raise ConfigError(f"method must be 'lda' or 'nmf', got {method!r}.")
    ks = _int_list("n_topics", n_topics)
    for k in ks:
        check_n_topics(k, corpus)
    seed_list = _int_list("seeds", seeds)
    measures = _check_measures(measures)
    for reserved in ("random_state", "n_topics", "progress"):
        if reserved in model_params:
            raise ConfigError(f"{reserved} is set by sweep itself; do not pass it in model_params.")
    fit = fit_lda if method == "lda" else fit_nmf
    accepted = set(inspect.signature(fit).parameters) - {"corpus", "n_topics", "random_state"}
    unknown = sorted(set(model_params) - accepted)
    if unknown:
        raise ConfigError(
            f"{unknown} are not parameters of {fit.__name__}; it takes {sorted(accepted)}."
        )
    if (
        isinstance(n_jobs, bool)
        or not isinstance(n_jobs, int | np.integer)
        or n_jobs == 0
        or (n_jobs < -1)
    ):
        raise ConfigError(f"n_jobs must be a positive int or -1 (all cores), got {n_jobs!r}.")
    tasks = [(k, s) for k in ks for s in seed_list]
    show = len(tasks) >= 10 if progress is None else bool(progress)
    slim = _slim(corpus)
    args = (measures, int(top_n), dict(model_params))
    rows: dict[tuple[int, int], dict[str, Any]] = {}
    models: dict[tuple[int, int], TopicModel] = {}
    with tqdm(total=len(tasks), desc=f"sweep {method}", unit="fit", disable=not show) as bar:
        if n_jobs == 1:
            results: Iterable[Any] = (_fit_and_score(slim, method, k, s, *args) for k, s in tasks)
        else:
            results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
                delayed(_fit_and_score)(slim, method, k, s, *args) for k, s in tasks
            )
        for k, s, row, model in results:
            rows[(k, s)] = row
            models[(k, s)] = model
            bar.update(1)
    metrics = pd.DataFrame([rows[t] for t in tasks]).reset_index(drop=True)
    params = {
        "method": method,
        "n_topics": ks,
        "seeds": seed_list,
        "measures": list(measures),
        "top_n": int(top_n),
        "model_params": dict(model_params),
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


def _match(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sim = cosine_matrix(a, b)
    rows, cols = linear_sum_assignment(sim, maximize=True)
    return rows, cols, sim[rows, cols]


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
                pair_means.append(float(_match(mats[s1], mats[s2])[2].mean()))
                pair_rows.append({"k": k, "seed_a": s1, "seed_b": s2, "stability": pair_means[-1]})
        ref = seeds[0]
        ref_cos = np.zeros((k, len(seeds) - 1))
        for r in range(k):
            align_rows.append(
                {"k": k, "seed": ref, "topic": r, "reference_topic": r, "cosine": 1.0}
            )
        for j, s in enumerate(seeds[1:]):
            rows, cols, cos = _match(mats[ref], mats[s])
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


@dataclass(frozen=True, eq=False)
class KRecommendation:
    """The recommended number of topics and the table it was chosen from.

    Attributes
    ----------
    k : int
        The recommended number of topics.
    table : pandas.DataFrame
        One row per ``k``: the means over seeds of the coherence measure (``coherence``),
        ``diversity`` and ``stability``, the mean ``score`` over seeds and its standard error
        ``score_se``, and ``recommended`` (True in one row).
    runs : pandas.DataFrame
        One row per ``k`` x ``seed``: the three criteria of the run on their 0-1 scales
        (``coherence_scaled``, ``diversity_scaled``, ``stability_scaled``) and its ``score``.
    coherence : str
        The coherence measure used.
    weights : dict
        Weights of ``coherence``, ``diversity`` and ``stability``.
    tolerance : float
        Scores at least ``best - tolerance`` counted as tied with the best.
    """

    k: int
    table: pd.DataFrame
    runs: pd.DataFrame
    coherence: str
    weights: dict[str, float]
    tolerance: float

    def __int__(self) -> int:
        return self.k


def recommend_k(
    runs: SweepResult,
    *,
    coherence: str = "c_v",
    weights: Mapping[str, float] | None = None,
    tolerance: float | str = "se",
    stability_result: StabilityResult | None = None,
) -> KRecommendation:
    """Recommend a number of topics that balances coherence, diversity and stability.

    Not the maximum of one score. Each run (``k`` x seed) gets three criteria on a common
    0-1 scale:

    * coherence (the ``coherence`` measure, mean over topics): c_v as it is (it lies in
      [0, 1]); c_npmi and c_uci mapped from [-1, 1] by ``(x + 1) / 2``; u_mass, which has no
      fixed range, min-max scaled over all runs of the sweep;
    * diversity (share of unique top terms, already in [0, 1]);
    * stability (:meth:`StabilityResult.by_seed`: the mean matched topic cosine of this seed
      with every other seed of the same ``k``, in [0, 1]);

    and ``score`` = their weighted mean (equal weights by default). Fixed scales are used
    rather than ranks or min-max scaling so that differences that are tiny in absolute terms
    (e.g. stabilities of 0.9990 and 0.9995) cannot decide. The score of ``k`` is the mean over
    its seeds. The recommendation is the smallest ``k`` whose score is at least the best
    score minus ``tolerance``; by default ``tolerance`` is the standard error over seeds of the
    best ``k``'s score (the "one standard error" rule): among candidates that the seeds cannot
    tell apart, the simpler model.

    Parameters
    ----------
    runs : SweepResult
        A sweep. With a single seed, stability is unknown and left out (weight 0) and the
        standard error is 0.
    coherence : str, default "c_v"
        A coherence measure computed by the sweep.
    weights : dict, optional
        Weights of ``"coherence"``, ``"diversity"`` and ``"stability"`` (non-negative, not all
        zero); missing keys count 1.
    tolerance : "se" or float, default "se"
        How far below the best score a smaller ``k`` may be and still be chosen.
    stability_result : StabilityResult, optional
        A result of :func:`stability` for ``runs`` (computed if not given).

    Returns
    -------
    KRecommendation
        ``.k``, the per-``k`` ``.table`` and the per-run ``.runs`` it was chosen from.
    """
    if not isinstance(runs, SweepResult):
        raise InputError(f"runs must be a SweepResult from sweep(), got {type(runs).__name__}.")
    if coherence not in runs.metrics.columns:
        raise ConfigError(
            f"coherence={coherence!r} was not computed by this sweep; it has "
            f"{[m for m in COHERENCE_MEASURES if m in runs.metrics.columns]}."
        )
    w = {"coherence": 1.0, "diversity": 1.0, "stability": 1.0}
    for key, value in dict(weights or {}).items():
        if key not in w:
            raise ConfigError(f"weights has unknown key {key!r}; use {sorted(w)}.")
        if not np.isfinite(value) or value < 0:
            raise ConfigError(f"weights[{key!r}] must be a non-negative number, got {value!r}.")
        w[key] = float(value)
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
    names = ["coherence", "diversity", "stability"]
    used = [n for n in names if w[n] > 0]
    weight_vec = np.array([w[n] for n in used])
    parts = per_run[[f"{n}_scaled" for n in used]].to_numpy(dtype=np.float64)
    per_run["score"] = (parts * weight_vec).sum(axis=1) / weight_vec.sum()
    grouped = per_run.groupby("k", sort=True)
    table = grouped[["coherence", "diversity", "stability", "score"]].mean().reset_index()
    counts = grouped["score"].count().to_numpy()
    sd = grouped["score"].std(ddof=1).fillna(0.0).to_numpy()
    table["score_se"] = sd / np.sqrt(np.maximum(counts, 1))
    best_row = int(table["score"].to_numpy().argmax())
    tol = float(table["score_se"].iloc[best_row]) if tolerance == "se" else float(tolerance)
    best = float(table["score"].iloc[best_row])
    chosen = int(table.loc[table["score"] >= best - tol - 1e-12, "k"].min())
    table["recommended"] = table["k"] == chosen
    return KRecommendation(
        k=chosen,
        table=table,
        runs=per_run.reset_index(drop=True),
        coherence=coherence,
        weights=w,
        tolerance=tol,
    )
