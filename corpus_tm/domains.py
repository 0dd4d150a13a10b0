"""Security-domain shares of text units: one result shape for every method.

In: a :class:`~corpus_tm.corpus.Corpus` (or, for the dictionary, a unit table), a
:class:`~corpus_tm.lexicon.Lexicon` and, for the model-based methods, a fitted ``TopicModel``.
Out: :class:`DomainShares`: for every unit, the share of each lexicon domain plus ``other``
(rows sum to 1), with the method name, the topic-to-domain attribution and the parameters used.
Everything downstream (:mod:`corpus_tm.aggregation`, the figures) is written once against
this shape.

What a share is
---------------
Every method gives the share of a unit's *text* (its words or tokens) that is about each
domain, so the methods can be compared number for number. ``other`` is the rest: generic,
procedural and rhetorical text (greetings, "we must strengthen our work"), and whatever is
about something the lexicon has no domain for. It is not a domain and says nothing about
security; the figures leave it out or show it apart, and profiles are compared without it.

The methods
-----------
``dictionary_shares``
    No model: the share of a unit's words in sentences that name the domain's seed terms
    (``scale="sentences"``; ``scale="hits"`` gives the old share of hits). The yardstick.
``domain_shares`` on any fitted model (LDA, NMF, keyATM)
    Soft attribution by default (:func:`topic_attribution`): each topic divides over the
    domains and ``other`` by how densely its tokens carry each domain's seed terms, against
    the density of those terms in text about the domain; a unit's shares are its topic
    shares times that matrix. A domain present in the text is not lost because no topic
    "won" it. ``attribution="hard"`` gives each topic wholly to one domain by
    :func:`map_topics` (lift of the topic on each domain's seed terms), as before.
``corpus_tm.fit_keyatm`` (module :mod:`corpus_tm.keyatm`)
    The keyword-assisted topic model: one keyword topic per domain, anchored by its seed
    terms, plus topics without keywords.
``fit_seeded_lda``
    gensim LDA whose domain topics have an ``eta`` prior that favours the domain's seed
    terms, with a hard topic-to-domain mapping. Kept for comparison; superseded by keyATM,
    which the validation suite checks (``benchmarks/validation/``).

Languages
---------
Text is matched with the lexicon's terms in its own language: a unit table with a
``language`` column (``"en"``, ``"zh"``) has each unit matched with
:meth:`~corpus_tm.lexicon.Lexicon.for_language` of its language (its sentences cut and
words counted by that language's rules), and a model's terms with the terms of every
language of the corpus (:func:`corpus_tm.corpus_languages`). The domain ids are the same in
every language, so a corpus of several languages gives one table. Without the column every
unit is in the lexicon's language, as before; units in a language the lexicon has no terms
in are an error that names the language and the units.

For LDA, a unit's topic shares are the expected shares of its tokens in each topic (the
Dirichlet prior is taken out of gensim's document-topic parameters, so the shares do not
depend on ``alpha`` and the number of topics as much); for NMF they are the unit's
normalised topic weights.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from corpus_tm.checks import check_int, check_positive
from corpus_tm.errors import ConfigError, CorpusTmWarning
from corpus_tm.language import get_language
from corpus_tm.lexicon import (
    OTHER,
    Lexicon,
    corpus_languages,
    default_lexicon,
    normalize_term,
    unit_languages,
    unit_texts,
    word_pieces,
)

if TYPE_CHECKING:
    from corpus_tm.corpus import Corpus
    from corpus_tm.models import TopicModel

__all__ = [
    "OTHER",
    "DomainShares",
    "dictionary_shares",
    "domain_shares",
    "fit_seeded_lda",
    "map_topics",
    "normalize_term",
    "seed_prior",
    "sentence_domain_scores",
    "topic_attribution",
]

_ROW_TOLERANCE = 1e-6


@dataclass(frozen=True, eq=False)
class DomainShares:
    """Unit-level domain shares: the common result of all three methods.

    Attributes
    ----------
    method : str
        ``"seeded_lda"``, ``"dictionary"`` or ``"<model method>_mapped"`` (``"lda_mapped"``,
        ``"nmf_mapped"``).
    shares : pandas.DataFrame
        Index ``unit_id`` (in unit order), one column per lexicon domain in lexicon order and
        a last column ``other``; non-negative, rows sum to 1.
    units : pandas.DataFrame
        The unit table rows of the units in :attr:`shares` (same order), as made by
        :func:`corpus_tm.read_corpus`; aggregation reads ``doc_id``, ``part``, ``section``,
        ``label`` and ``n_tokens`` from it, and the evidence trail reads ``text``.
    lexicon : Lexicon
        The lexicon the shares were computed with.
    mapping : pandas.DataFrame or None
        For the model-based methods, one row per topic with the domain it was given (see
        :func:`map_topics`); ``None`` for the dictionary.
    model : TopicModel or None
        The topic model behind the shares, if any.
    params : dict
        Parameters of the method (JSON-serialisable), including any hand overrides.
    attribution : pandas.DataFrame or None
        For the topic-model methods, how each topic's tokens divide over the domains and
        ``other`` (index ``topic``, the columns of :attr:`shares`, rows sum to 1): the matrix
        that turns topic shares into domain shares (see :func:`topic_attribution`).
        ``None`` for the dictionary.
    """

    method: str
    shares: pd.DataFrame
    units: pd.DataFrame
    lexicon: Lexicon
    mapping: pd.DataFrame | None = None
    model: TopicModel | None = None
    params: dict[str, Any] = field(default_factory=dict)
    attribution: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        expected = [*self.lexicon.domain_ids, OTHER]
        if list(self.shares.columns) != expected:
            raise ConfigError(
                f"shares columns must be the lexicon domains plus 'other' ({expected}), not "
                f"{list(self.shares.columns)}."
            )
        if len(self.units) != len(self.shares) or list(self.units["unit_id"].astype(str)) != list(
            self.shares.index
        ):
            raise ConfigError("shares and units must list the same unit ids in the same order.")
        values = self.shares.to_numpy(dtype=float)
        if values.size and (
            (values < -_ROW_TOLERANCE).any()
            or not np.allclose(values.sum(axis=1), 1.0, atol=_ROW_TOLERANCE)
        ):
            raise ConfigError("shares must be non-negative and each row must sum to 1.")

    def __repr__(self) -> str:
        return (
            f"DomainShares(method={self.method!r}, n_units={len(self.shares)}, "
            f"n_domains={len(self.domains) - 1}+other)"
        )

    @property
    def domains(self) -> list[str]:
        """Column names: the lexicon domains and ``other``."""
        return list(self.shares.columns)

    def write(self, folder: str | os.PathLike[str]) -> Path:
        """Write the shares into ``folder`` (which must exist): Parquet tables, the model's
        ``.npz`` file and a JSON file of method and parameters. :meth:`read` reads it back.

        The unit table and the lexicon are not written: :meth:`read` takes them again.
        """
        from corpus_tm.models import save_model

        folder = Path(folder)
        self.shares.to_parquet(folder / "shares.parquet")
        if self.mapping is not None:
            self.mapping.to_parquet(folder / "mapping.parquet", index=False)
        if self.model is not None:
            save_model(self.model, folder / "model.npz")
        if self.attribution is not None:
            self.attribution.to_parquet(folder / "attribution.parquet")
        (folder / "result.json").write_text(
            json.dumps({"method": self.method, "params": self.params}, sort_keys=True, default=str),
            encoding="utf-8",
        )
        return folder

    @classmethod
    def read(
        cls, folder: str | os.PathLike[str], corpus: Corpus | pd.DataFrame, lexicon: Lexicon
    ) -> DomainShares:
        """Read shares written by :meth:`write`, for the units of ``corpus`` and ``lexicon``."""
        from corpus_tm.models import load_model

        folder = Path(folder)
        meta = json.loads((folder / "result.json").read_text(encoding="utf-8"))
        shares = pd.read_parquet(folder / "shares.parquet")
        mapping = None
        if (folder / "mapping.parquet").exists():
            mapping = pd.read_parquet(folder / "mapping.parquet")
            for column in mapping.columns:  # Parquet gives list cells back as numpy arrays
                mapping[column] = mapping[column].map(
                    lambda v: v.tolist() if isinstance(v, np.ndarray) else v
                )
        model = load_model(folder / "model.npz") if (folder / "model.npz").exists() else None
        attribution = (
            pd.read_parquet(folder / "attribution.parquet")
            if (folder / "attribution.parquet").exists()
            else None
        )
        return cls(
            method=meta["method"],
            shares=shares,
            units=_aligned_units(corpus, shares.index),
            lexicon=lexicon,
            mapping=mapping,
            model=model,
            params=meta["params"],
            attribution=attribution,
        )

    def tidy(self) -> pd.DataFrame:
        """Long form: one row per unit and domain, ``method, doc_id, unit_id, domain, share``."""
        long = (
            self.shares.rename_axis("unit_id")
            .reset_index()
            .melt(id_vars="unit_id", var_name="domain", value_name="share")
        )
        doc_of = dict(zip(self.units["unit_id"].astype(str), self.units["doc_id"], strict=True))
        long.insert(0, "doc_id", long["unit_id"].map(doc_of))
        long.insert(0, "method", self.method)
        return long


# --------------------------------------------------------------------------------------------
# Helpers


def _units_of(data: Corpus | pd.DataFrame) -> pd.DataFrame:
    units = data if isinstance(data, pd.DataFrame) else getattr(data, "units", None)
    if not isinstance(units, pd.DataFrame):
        raise ConfigError(
            "Expected a Corpus (from build_corpus) or a unit table (from read_corpus), not "
            f"{type(data).__name__}."
        )
    if "unit_id" not in units.columns:
        raise ConfigError("The unit table needs a 'unit_id' column; use read_corpus().")
    return units.reset_index(drop=True)


def _frame(values: np.ndarray, unit_ids: Sequence[str], lexicon: Lexicon) -> pd.DataFrame:
    index = pd.Index([str(u) for u in unit_ids], name="unit_id")
    return pd.DataFrame(values, index=index, columns=[*lexicon.domain_ids, OTHER])


def _vocabulary_domains(
    lexicon: Lexicon, vocabulary: Sequence[str], languages: Sequence[str] | None = None
) -> np.ndarray:
    """Domain index (or -1) of each vocabulary term, matched in the corpus's languages."""
    index = {d: i for i, d in enumerate(lexicon.domain_ids)}
    matched = lexicon.match_vocabulary(vocabulary, languages=languages)
    return np.array(
        [index[matched[t][0]] if t in matched else -1 for t in vocabulary], dtype=np.int64
    )


def _model_frames(model: TopicModel) -> tuple[pd.DataFrame, pd.DataFrame]:
    doc_topic, topic_term = model.doc_topic, model.topic_term
    if not isinstance(doc_topic, pd.DataFrame) or not isinstance(topic_term, pd.DataFrame):
        raise ConfigError(
            "model must be a TopicModel (from fit_lda or fit_nmf) with doc_topic and topic_term "
            "DataFrames."
        )
    return doc_topic, topic_term


def _lexicon_params(lexicon: Lexicon) -> dict[str, str]:
    return {"name": lexicon.name, "version": lexicon.version, "source": lexicon.source}


def _top_terms(topic_term: pd.DataFrame, n: int) -> list[str]:
    values = topic_term.to_numpy(dtype=float)
    columns = np.asarray(topic_term.columns, dtype=object)
    order = np.argsort(-values, axis=1, kind="stable")[:, :n]
    return [" ".join(str(t) for t in columns[row]) for row in order]


def _domain_mass(
    topic_term: pd.DataFrame, lexicon: Lexicon, languages: Sequence[str] | None = None
) -> np.ndarray:
    """Probability mass of each topic (row, normalised) on each domain's seed terms."""
    vocabulary = [str(t) for t in topic_term.columns]
    term_domain = _vocabulary_domains(lexicon, vocabulary, languages)
    values = topic_term.to_numpy(dtype=float)
    totals = values.sum(axis=1, keepdims=True)
    totals[totals == 0] = 1.0
    values = values / totals
    mass = np.zeros((values.shape[0], len(lexicon)))
    for d in range(len(lexicon)):
        columns = term_domain == d
        if columns.any():
            mass[:, d] = values[:, columns].sum(axis=1)
    return mass


def _topic_scores(
    model: TopicModel,
    lexicon: Lexicon,
    score: str,
    min_mass: float,
    languages: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mass and ranking score (topics x domains); domains below ``min_mass`` score 0."""
    doc_topic, topic_term = _model_frames(model)
    mass = _domain_mass(topic_term, lexicon, languages)
    if score == "mass":
        scores = mass.copy()
    else:
        # Lift over the average topic, weighting topics by their mean share of the units.
        weights = doc_topic.to_numpy(dtype=float).mean(axis=0)
        weights = weights / weights.sum() if weights.sum() > 0 else weights
        background = weights @ mass
        scores = np.divide(mass, background, out=np.zeros_like(mass), where=background > 0)
    scores[mass < min_mass] = 0.0
    return mass, scores


def _best_two(scores: np.ndarray, mass: np.ndarray, domain_ids: Sequence[str]) -> pd.DataFrame:
    n_domains = scores.shape[1]
    order = np.argsort(-scores, axis=1, kind="stable")
    rows = np.arange(scores.shape[0])
    best = order[:, 0]
    second = order[:, 1] if n_domains > 1 else order[:, 0]
    best_score = scores[rows, best]
    second_score = scores[rows, second] if n_domains > 1 else np.zeros(len(rows))
    return pd.DataFrame(
        {
            "best": [domain_ids[i] if s > 0 else "" for i, s in zip(best, best_score, strict=True)],
            "score": best_score,
            "mass": mass[rows, best],
            "runner_up": [
                domain_ids[i] if s > 0 and n_domains > 1 else ""
                for i, s in zip(second, second_score, strict=True)
            ],
            "runner_up_score": second_score,
            "margin": best_score - second_score,
        }
    )


# --------------------------------------------------------------------------------------------
# 1. Seeded LDA


def seed_prior(
    corpus: Corpus,
    lexicon: Lexicon | None = None,
    *,
    n_free_topics: int = 3,
    seed_weight: float = 50.0,
    min_seed_count: int = 5,
    eta: float | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Build the topics x terms ``eta`` prior of a seeded LDA.

    Each domain whose seed terms occur at least ``min_seed_count`` times in the corpus
    vocabulary gets one topic, in lexicon order; ``n_free_topics`` unseeded topics follow.
    Every cell of the prior is ``eta``; in its domain's topic, a vocabulary term that carries
    a seed term (:meth:`Lexicon.match_vocabulary`: ``biosafety``, ``biological_security``,
    ``national_biosafety``) gets ``seed_weight`` times its corpus count on top. Scaling by the
    count makes the prior as strong, relative to the data, on 50 units as on 50,000.

    Parameters
    ----------
    corpus : Corpus
        Gives the vocabulary (the columns of the prior) and the term counts.
    lexicon : Lexicon, optional
        Defaults to :func:`corpus_tm.default_lexicon`.
    n_free_topics : int, default 3
        Unseeded topics after the domain topics.
    seed_weight : float, default 50.0
        Prior pseudo-count of a seed term in its domain's topic, as a multiple of the term's
        count in the corpus. Strong on purpose: it keeps each domain topic on its seed terms
        (on the US NSS corpus their own seeds carry 0.8 to 0.99 of the domain topics).
        With weak priors (``seed_weight=1``) the topics of the smaller domains drift into
        common vocabulary (own-seed mass below 0.1) and their "domain" share is then mostly
        words like ``united_states`` and ``effort``. On the 42-unit example corpus, 20 put
        the economic peak in the section on production and supply for 7 seeds of 10, 50 for
        all 10.
    min_seed_count : int, default 5
        A domain gets a topic only if its seed terms occur at least this often in the corpus
        vocabulary. Below that, a topic would be one more free topic wearing the domain's name
        (its few seed tokens cannot hold it), so the domain is dropped with a warning and its
        share is 0. Set it to 1 to keep every domain with any seed term in the vocabulary.
    eta : float, optional
        Prior of the (topic, term) cells that are not seeds; defaults to gensim's symmetric
        ``1 / n_topics``.

    Returns
    -------
    prior : numpy.ndarray
        Topics x terms, in the corpus's term id order.
    topics : pandas.DataFrame
        One row per topic: ``topic``, ``domain`` (``other`` for free topics), ``source``
        (``"seed"`` or ``"free"``), ``n_seeds`` (vocabulary terms boosted), ``seed_count``
        (their corpus count) and ``seeds`` (the terms, ``"; "``-joined).

    Raises
    ------
    ConfigError
        When no domain has enough seed tokens, or a parameter is out of range.

    Warns
    -----
    CorpusTmWarning
        When some domains are dropped (listed with their seed-token counts).
    """
    lexicon = lexicon if lexicon is not None else default_lexicon()
    n_free_topics = check_int("n_free_topics", n_free_topics, low=0)
    seed_weight = check_positive("seed_weight", seed_weight)
    min_seed_count = check_int("min_seed_count", min_seed_count)
    vocabulary = corpus.vocabulary
    term_domain = _vocabulary_domains(lexicon, vocabulary, corpus_languages(corpus, lexicon))
    term_counts = np.asarray(corpus.dtm.sum(axis=0), dtype=float).ravel()
    seed_counts = np.array([term_counts[term_domain == d].sum() for d in range(len(lexicon))])
    present = [d for d in range(len(lexicon)) if seed_counts[d] >= min_seed_count]
    dropped = [
        f"{lexicon.domain_ids[d]} ({int(seed_counts[d])})"
        for d in range(len(lexicon))
        if d not in present
    ]
    if not present:
        raise ConfigError(
            f"No lexicon domain has seed terms occurring at least {min_seed_count} times in the "
            "corpus vocabulary, so no topic can be seeded; check the lexicon's language and "
            "lexicon_coverage(corpus, lexicon), or lower min_seed_count."
        )
    if dropped:
        warnings.warn(
            f"{len(dropped)} of {len(lexicon)} domains have fewer than {min_seed_count} seed-term "
            "tokens in the corpus vocabulary and get no topic (their share is 0); seed tokens "
            f"in brackets: {', '.join(dropped)}. See lexicon_coverage(corpus, lexicon).",
            CorpusTmWarning,
            stacklevel=2,
        )
    n_topics = len(present) + int(n_free_topics)
    base = 1.0 / n_topics if eta is None else eta
    if not isinstance(base, int | float | np.number) or not (np.isfinite(base) and base > 0):
        raise ConfigError(f"eta must be a positive number, not {eta!r}.")
    prior = np.full((n_topics, len(vocabulary)), float(base))
    vocabulary_array = np.asarray(vocabulary, dtype=object)
    rows = []
    for topic, d in enumerate(present):
        columns = term_domain == d
        prior[topic, columns] += seed_weight * term_counts[columns]
        rows.append(
            {
                "topic": topic,
                "domain": lexicon.domain_ids[d],
                "source": "seed",
                "n_seeds": int(columns.sum()),
                "seed_count": int(seed_counts[d]),
                "seeds": "; ".join(sorted(str(t) for t in vocabulary_array[columns])),
            }
        )
    for topic in range(len(present), n_topics):
        rows.append(
            {
                "topic": topic,
                "domain": OTHER,
                "source": "free",
                "n_seeds": 0,
                "seed_count": 0,
                "seeds": "",
            }
        )
    return prior, pd.DataFrame(rows)


def fit_seeded_lda(
    corpus: Corpus,
    lexicon: Lexicon | None = None,
    *,
    n_free_topics: int = 3,
    seed_weight: float = 50.0,
    min_seed_count: int = 5,
    min_topic_mass: float = 0.5,
    eta: float | None = None,
    alpha: str | float = 1.0,
    passes: int | None = None,
    iterations: int = 100,
    random_state: int | None = None,
    n_jobs: int | None = None,
    progress: bool | None = None,
    n_terms: int = 10,
) -> DomainShares:
    """Fit an LDA whose domain topics are seeded with the lexicon, and return domain shares.

    Topic ``k`` of the first ``n_domains`` belongs to the k-th domain with enough seed tokens;
    the ``n_free_topics`` topics after them take the rest of the text and go to ``other``. See
    :func:`seed_prior` for the prior and for domains without seeds. A unit's share of a
    domain is its topic share of the domain's topic: the share of its tokens the model puts
    there, so ``other`` is large when most words of a unit are not domain vocabulary.

    Parameters
    ----------
    corpus : Corpus
        As made by :func:`corpus_tm.build_corpus`. On small corpora, ``no_below=1`` keeps
        seed terms that occur in one unit only.
    lexicon : Lexicon, optional
        Defaults to :func:`corpus_tm.default_lexicon`.
    n_free_topics, seed_weight, min_seed_count, eta
        See :func:`seed_prior`.
    min_topic_mass : float, default 0.5
        After fitting, a seeded topic whose own seed terms carry less than this share of its
        probability has drifted: the few seed tokens could not hold it and it has become a
        topic of common words, which would inflate the domain's share everywhere. Such
        topics are counted as ``other`` (``source="drifted"`` in the mapping) with a
        warning.
    alpha : str, float or array, default 1.0
        Document-topic prior, passed to :func:`corpus_tm.fit_lda`. The default is a flat
        prior on each unit's topic mix: with gensim's ``1 / n_topics``, short units tend to
        fall entirely into one topic, decided by their common words rather than their seeds.
    passes, iterations, random_state, n_jobs, progress
        Passed to :func:`corpus_tm.fit_lda` (and on to gensim).
    n_terms : int, default 10
        Top terms shown per topic in the mapping table.

    Returns
    -------
    DomainShares
        ``method="seeded_lda"``. ``mapping`` has one row per topic: ``topic, domain,
        source`` (``"seed"``, ``"free"`` or ``"drifted"``), ``n_seeds, seed_count, seeds``,
        then ``score`` and ``mass`` (the lift and the probability mass of the topic on its
        own domain's seed terms, as in :func:`map_topics`), ``best``, ``runner_up``,
        ``runner_up_score`` and ``margin`` (the :func:`map_topics` ranking, to check that a
        seeded topic still leans to its domain) and ``top_terms``. ``model`` is the fitted
        LDA. A unit's shares are the expected shares of its tokens in the domain topics (the
        Dirichlet prior taken out, see :func:`domain_shares`).

    Notes
    -----
    Seeded LDA on a small corpus depends on ``random_state``: with a few dozen units, a unit
    can move between topics from one seed to the next. Fit several seeds and pass them all
    to :func:`corpus_tm.section_shares` (``interval="seeds"`` or ``"both"``) to see and
    average over that spread.
    """
    from corpus_tm.models import fit_lda

    lexicon = lexicon if lexicon is not None else default_lexicon()
    prior, topics = seed_prior(
        corpus,
        lexicon,
        n_free_topics=n_free_topics,
        seed_weight=seed_weight,
        min_seed_count=min_seed_count,
        eta=eta,
    )
    model = fit_lda(
        corpus,
        prior.shape[0],
        alpha=alpha,
        eta=prior,
        passes=passes,
        iterations=iterations,
        random_state=random_state,
        n_jobs=n_jobs,
        progress=progress,
    )
    _, topic_term = _model_frames(model)
    mass, scores = _topic_scores(model, lexicon, "lift", 0.0, corpus_languages(corpus, lexicon))
    best = _best_two(scores, mass, lexicon.domain_ids)
    own = [lexicon.domain_ids.index(d) if d != OTHER else -1 for d in topics["domain"]]
    mapping = topics.assign(
        score=[float(scores[k, d]) if d >= 0 else 0.0 for k, d in enumerate(own)],
        mass=[float(mass[k, d]) if d >= 0 else 0.0 for k, d in enumerate(own)],
        best=best["best"].to_numpy(),
        runner_up=best["runner_up"].to_numpy(),
        runner_up_score=best["runner_up_score"].to_numpy(),
        margin=best["margin"].to_numpy(),
        top_terms=_top_terms(topic_term, n_terms),
    )
    drifted = (mapping["source"] == "seed") & (mapping["mass"] < min_topic_mass)
    if drifted.any():
        names = [
            f"{d} ({m:.2f})"
            for d, m in zip(
                mapping.loc[drifted, "domain"], mapping.loc[drifted, "mass"], strict=True
            )
        ]
        warnings.warn(
            f"{len(names)} seeded topics drifted away from their domain: their own seed terms "
            f"carry less than min_topic_mass={min_topic_mass} of the topic (mass in brackets): "
            f"{', '.join(names)}. They are counted as 'other' and the domains' shares are 0. "
            "Raise min_seed_count to leave such domains out of the model, or seed_weight to "
            "hold their topics.",
            CorpusTmWarning,
            stacklevel=2,
        )
        mapping.loc[drifted, "source"] = "drifted"
        mapping.loc[drifted, "domain"] = OTHER
    shares = _shares_from_mapping(model, mapping, lexicon, corpus)
    params = {
        "n_free_topics": int(n_free_topics),
        "seed_weight": float(seed_weight),
        "min_seed_count": int(min_seed_count),
        "min_topic_mass": float(min_topic_mass),
        "eta": float(prior.min()),
        "alpha": alpha if isinstance(alpha, str) else float(alpha),
        "passes": model.params.get("passes", passes),
        "iterations": int(iterations),
        "random_state": random_state,
        "seeded_domains": mapping.loc[mapping["source"] == "seed", "domain"].tolist(),
        "lexicon": _lexicon_params(lexicon),
    }
    return DomainShares(
        method="seeded_lda",
        shares=shares,
        units=_aligned_units(corpus, shares.index),
        lexicon=lexicon,
        mapping=mapping,
        model=model,
        params=params,
    )


# --------------------------------------------------------------------------------------------
# 2. Unseeded model + mapping


def map_topics(
    model: TopicModel,
    lexicon: Lexicon | None = None,
    *,
    score: Literal["lift", "mass"] = "lift",
    min_score: float | None = None,
    min_mass: float = 0.02,
    min_margin: float = 0.0,
    overrides: Mapping[int, str] | None = None,
    n_terms: int = 10,
    languages: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Give each topic of a fitted model a security domain (or ``other``).

    A topic's *mass* on a domain is the probability its term distribution (the
    ``topic_term`` row, normalised to sum to 1) puts on the vocabulary terms that carry the
    domain's seed terms. Its *lift* is that mass over the mass of the average topic (topics
    weighted by their mean share of the units): 2 means the topic uses the domain's
    vocabulary twice as much as the model as a whole. Ranking by lift finds the domain a topic
    is *about* even when the domain's terms are rare (``supply``, ``production``) or common
    everywhere (``epidemic`` in a text on the epidemic); ranking by mass favours the domains
    with the most frequent terms.

    Domains whose mass in a topic is below ``min_mass`` are not candidates for it. The topic
    goes to its best candidate unless the best score is below ``min_score`` or its lead over
    the runner-up below ``min_margin``; then it goes to ``other``. Hand ``overrides`` are
    applied last and recorded.

    Parameters
    ----------
    model : TopicModel
        From :func:`corpus_tm.fit_lda` or :func:`corpus_tm.fit_nmf`.
    lexicon : Lexicon, optional
        Defaults to :func:`corpus_tm.default_lexicon`.
    score : {"lift", "mass"}, default "lift"
        What ranks the domains of a topic.
    min_score : float, optional
        Smallest best score for the topic to get a domain: by default 1.5 for lift, 0.02 for
        mass.
    min_mass : float, default 0.02
        Smallest mass of a domain's seed terms in a topic for the domain to be a candidate.
    min_margin : float, default 0.0
        Smallest lead of the best domain's score over the runner-up's.
    overrides : mapping of int to str, optional
        ``{topic: domain}`` set by hand (a lexicon domain or ``"other"``).
    n_terms : int, default 10
        Top terms shown per topic.
    languages : sequence of str, optional
        The languages of the corpus the model was fitted on
        (:func:`corpus_tm.corpus_languages`): the model's terms are matched with the
        lexicon's terms in each (:meth:`Lexicon.match_vocabulary`). By default the
        lexicon's own language; pass ``["zh"]`` for a Chinese corpus. :func:`domain_shares`
        passes the corpus's languages.

    Returns
    -------
    pandas.DataFrame
        One row per topic: ``topic, domain, best, score, mass, runner_up, runner_up_score,
        margin, auto_domain, overridden, top_terms``. ``best`` is the best candidate domain
        (empty when there is none), ``score`` and ``mass`` are its lift (or mass) and mass,
        ``auto_domain`` is what the rule gave (``best`` or ``other``), ``overridden`` says
        whether ``domain``, the final choice, was set by hand. The settings are in
        ``attrs``.

    Raises
    ------
    ConfigError
        For an unknown ``score``, a negative threshold, an override of a topic the model does
        not have, or an override to an unknown domain.
    """
    lexicon = lexicon if lexicon is not None else default_lexicon()
    if score not in ("lift", "mass"):
        raise ConfigError(f"score must be 'lift' or 'mass', not {score!r}.")
    if min_score is None:
        min_score = 1.5 if score == "lift" else 0.02
    for name, value in (
        ("min_score", min_score),
        ("min_mass", min_mass),
        ("min_margin", min_margin),
    ):
        if not isinstance(value, int | float | np.number) or not (
            np.isfinite(value) and value >= 0
        ):
            raise ConfigError(f"{name} must be a non-negative number, not {value!r}.")
    _, topic_term = _model_frames(model)
    mass, scores = _topic_scores(model, lexicon, score, min_mass, languages)
    best = _best_two(scores, mass, lexicon.domain_ids)
    weak = (best["score"] <= 0) | (best["score"] < min_score) | (best["margin"] < min_margin)
    auto = best["best"].where(~weak, OTHER)
    mapping = pd.DataFrame(
        {
            "topic": [int(t) for t in topic_term.index],
            "domain": auto.to_numpy(),
            "best": best["best"].to_numpy(),
            "score": best["score"].to_numpy(),
            "mass": best["mass"].to_numpy(),
            "runner_up": best["runner_up"].to_numpy(),
            "runner_up_score": best["runner_up_score"].to_numpy(),
            "margin": best["margin"].to_numpy(),
            "auto_domain": auto.to_numpy(),
            "overridden": False,
            "top_terms": _top_terms(topic_term, n_terms),
        }
    )
    if overrides:
        allowed = [*lexicon.domain_ids, OTHER]
        for topic, domain in overrides.items():
            rows = mapping.index[mapping["topic"] == topic]
            if len(rows) == 0:
                raise ConfigError(
                    f"overrides names topic {topic!r}, but the model's topics are "
                    f"{mapping['topic'].min()} to {mapping['topic'].max()}."
                )
            if domain not in allowed:
                raise ConfigError(
                    f"overrides sends topic {topic} to {domain!r}, which is not a domain of "
                    f"the lexicon; use one of {', '.join(allowed)}."
                )
            mapping.loc[rows, "domain"] = domain
            mapping.loc[rows, "overridden"] = True
    mapping.attrs.update(
        {
            "score": score,
            "min_score": float(min_score),
            "min_mass": float(min_mass),
            "min_margin": float(min_margin),
        }
    )
    return mapping


def _aligned_counts(model: TopicModel, corpus: Corpus) -> sp.csr_matrix:
    """The corpus's document-term counts in the model's unit and term order."""
    dtm = getattr(corpus, "dtm", None)
    if dtm is None:
        raise ConfigError(
            "Soft attribution needs the built Corpus the model was fitted on (from "
            "build_corpus), not a unit table."
        )
    unit_ids, vocabulary = corpus.unit_ids, corpus.vocabulary
    if list(model.unit_ids) == unit_ids and list(model.vocabulary) == vocabulary:
        return sp.csr_matrix(dtm, dtype=np.float64)
    position = {str(u): i for i, u in enumerate(unit_ids)}
    terms = {t: i for i, t in enumerate(vocabulary)}
    try:
        rows = np.array([position[str(u)] for u in model.unit_ids], dtype=np.int64)
        columns = np.array([terms[str(t)] for t in model.vocabulary], dtype=np.int64)
    except KeyError as exc:
        raise ConfigError(
            f"The model has unit or term {exc.args[0]!r} that the corpus does not have; pass "
            "the corpus the model was fitted on."
        ) from None
    return sp.csr_matrix(dtm[rows][:, columns], dtype=np.float64)


def _expected_topic_counts(theta: np.ndarray, phi: np.ndarray, counts: sp.csr_matrix) -> np.ndarray:
    """Expected number of tokens of each term in each topic (topics x terms).

    Token ``w`` of unit ``u`` belongs to topic ``k`` with probability proportional to
    ``theta[u, k] * phi[k, w]``; summed over the corpus's tokens. Computed in row chunks so
    that no units x topics x terms array is ever made.
    """
    expected = np.zeros_like(phi)
    counts = counts.tocsr()
    chunk = max(1, 2_000_000 // max(1, phi.shape[0]))
    for start in range(0, counts.shape[0], chunk):
        block = counts[start : start + chunk].tocoo()
        if block.nnz == 0:
            continue
        rows = block.row + start
        weights = np.einsum("nk,kn->n", theta[rows], phi[:, block.col])
        ratio = np.divide(block.data, weights, out=np.zeros_like(block.data), where=weights > 0)
        scaled = sp.csr_matrix(
            (ratio, (block.row, block.col)), shape=(block.shape[0], phi.shape[1])
        )
        expected += np.asarray((scaled.T @ theta[start : start + block.shape[0]]).T)
    return expected * phi


def topic_attribution(
    model: TopicModel,
    corpus: Corpus,
    lexicon: Lexicon | None = None,
    *,
    dictionary: DomainShares | None = None,
) -> pd.DataFrame:
    """How each topic's tokens divide over the domains and ``other`` (soft attribution).

    Every topic gets a distribution over the domains plus ``other``, from how densely its
    tokens carry each domain's seed terms against the density of those terms in the text
    that names the domain:

    1. The topic's keyword density for domain ``d``, ``m[k, d]``: of the corpus tokens the
       model assigns to topic ``k`` (token ``w`` of unit ``u`` goes to ``k`` with probability
       proportional to ``doc_topic[u, k] * topic_term[k, w]``), the share that are seed terms
       of ``d``. This works the same for LDA, NMF and any other model of the shared shape.
    2. The corpus baseline ``r[d]``: the density of ``d``'s seed terms in the text about ``d``,
       i.e. ``d``'s seed-term tokens in the corpus over the corpus tokens that the
       sentence-level dictionary (:func:`dictionary_shares`) gives ``d``.
    3. ``attribution[k, d] = m[k, d] / r[d]``: a topic whose tokens carry ``d``'s terms as
       densely as text about ``d`` does is all ``d``; a topic with half that density is half
       ``d``. Where the domain parts of a topic add up to more than 1 they are scaled down to
       sum to 1. ``other`` is the rest: the part of the topic's tokens that no domain's
       vocabulary accounts for (generic, procedural and rhetorical text, and domains the
       lexicon does not have).

    A unit's domain shares are then its topic shares times this matrix
    (:func:`domain_shares`). A domain whose terms occur in a unit therefore gets a share
    there through whichever topics carry them, even when no topic is *about* that domain;
    and summed over the corpus, each domain's share equals the dictionary's (unless a topic
    had to be scaled down). What the model adds is *where*: the topics spread a domain to the
    units whose words it shares.

    Parameters
    ----------
    model : TopicModel
        A fitted model (:func:`corpus_tm.fit_lda`, :func:`corpus_tm.fit_nmf`).
    corpus : Corpus
        The corpus the model was fitted on.
    lexicon : Lexicon, optional
        Defaults to :func:`corpus_tm.default_lexicon`.
    dictionary : DomainShares, optional
        The sentence-level dictionary shares of ``corpus`` (computed if not given).

    Returns
    -------
    pandas.DataFrame
        Index ``topic``; columns the lexicon domains and ``other``; rows sum to 1. ``attrs``
        holds ``density`` (topics x domains, ``m``) and ``baseline`` (``r`` by domain).
    """
    lexicon = lexicon if lexicon is not None else default_lexicon()
    _, topic_term = _model_frames(model)
    if dictionary is None:
        dictionary = dictionary_shares(corpus, lexicon)
    elif dictionary.params.get("scale") != "sentences":
        raise ConfigError(
            "dictionary must be sentence-level: dictionary_shares(corpus, scale='sentences')."
        )
    counts = _aligned_counts(model, corpus)
    theta = _unit_topic_shares(model, corpus)
    phi = topic_term.to_numpy(dtype=float)
    phi_totals = phi.sum(axis=1, keepdims=True)
    phi = np.divide(phi, phi_totals, out=np.zeros_like(phi), where=phi_totals > 0)
    expected = _expected_topic_counts(theta, phi, counts)
    term_domain = _vocabulary_domains(
        lexicon, [str(t) for t in topic_term.columns], corpus_languages(corpus, lexicon)
    )
    n_domains = len(lexicon)
    indicator = sp.csr_matrix(
        (
            np.ones(int((term_domain >= 0).sum())),
            (np.flatnonzero(term_domain >= 0), term_domain[term_domain >= 0]),
        ),
        shape=(len(term_domain), n_domains),
    )
    topic_tokens = expected.sum(axis=1)
    keyword_tokens = np.asarray(indicator.T @ expected.T).T  # topics x domains
    density = np.divide(
        keyword_tokens, topic_tokens[:, None], out=np.zeros_like(keyword_tokens),
        where=topic_tokens[:, None] > 0,
    )
    corpus_keywords = np.asarray(counts.sum(axis=0)).ravel() @ indicator
    unit_tokens = np.asarray(counts.sum(axis=1)).ravel()
    dictionary_values = dictionary.shares.reindex([str(u) for u in model.unit_ids]).to_numpy()
    domain_tokens = unit_tokens @ np.nan_to_num(dictionary_values[:, :n_domains])
    baseline = np.divide(
        corpus_keywords, domain_tokens, out=np.full(n_domains, np.inf), where=domain_tokens > 0
    )
    values = np.zeros((phi.shape[0], n_domains + 1))
    values[:, :n_domains] = np.divide(
        density, baseline, out=np.zeros_like(density), where=np.isfinite(baseline) & (baseline > 0)
    )
    values[:, -1] = np.clip(1.0 - values[:, :n_domains].sum(axis=1), 0.0, None)
    frame = pd.DataFrame(
        values,
        index=pd.Index([int(t) for t in topic_term.index], name="topic"),
        columns=[*lexicon.domain_ids, OTHER],
    )
    frame.attrs["density"] = density.tolist()
    frame.attrs["baseline"] = {
        d: (float(b) if np.isfinite(b) else None)
        for d, b in zip(lexicon.domain_ids, baseline, strict=True)
    }
    return frame


def domain_shares(
    model: TopicModel,
    mapping: pd.DataFrame | None,
    corpus: Corpus | pd.DataFrame,
    *,
    lexicon: Lexicon | None = None,
    attribution: Literal["soft", "hard"] = "soft",
    dictionary: DomainShares | None = None,
) -> DomainShares:
    """Unit-level domain shares from a topic model.

    A unit's share of a domain is its topic shares times each topic's share of that domain:

    ``attribution="soft"`` (default)
        Each topic divides over the domains and ``other`` by :func:`topic_attribution` (its
        density of each domain's seed terms against the density in text about the domain).
        A domain present in the text is not lost because no topic "won" it.
    ``attribution="hard"``
        Each topic goes wholly to the domain ``mapping`` gives it (:func:`map_topics`):
        topics mapped to ``other`` add up to the ``other`` share. Domains no topic won are 0.

    ``other`` holds the part of the units that no domain's vocabulary accounts for: generic,
    procedural and rhetorical text, and domains the lexicon does not have.

    For LDA the topic shares are the expected shares of the unit's tokens: gensim's
    document-topic parameters are ``alpha`` plus the expected topic counts, and the
    ``alpha`` part is taken out (with ``alpha=1`` and 20 topics it would otherwise spread
    half of a 20-token unit evenly over all domains). This needs the
    :class:`~corpus_tm.corpus.Corpus` (for each unit's number of tokens); with a unit table
    the normalised document-topic matrix is used as it is, and only hard attribution works.
    A unit without tokens is all ``other``.

    Parameters
    ----------
    model : TopicModel
        The fitted model.
    mapping : pandas.DataFrame or None
        From :func:`map_topics` (edit its ``domain`` column or pass ``overrides`` there to
        change it); needs ``topic`` and ``domain`` columns covering every topic. Hard
        attribution uses it; soft attribution keeps it as the topics' labels. ``None`` makes
        it with :func:`map_topics` and its defaults.
    corpus : Corpus or pandas.DataFrame
        The corpus the model was fitted on (or its unit table, see above).
    lexicon : Lexicon, optional
        The lexicon of the mapping; defaults to :func:`corpus_tm.default_lexicon`.
    attribution : {"soft", "hard"}, default "soft"
        How topics become domains (see above).
    dictionary : DomainShares, optional
        Sentence-level dictionary shares of ``corpus`` for the soft attribution's baseline
        (computed if not given).

    Returns
    -------
    DomainShares
        ``method="<model.method>_mapped"``; ``attribution`` holds the topics x domains matrix
        used; ``params`` records the model's parameters, the attribution, the mapping
        thresholds and the hand overrides (``{topic: domain}``).
    """
    lexicon = lexicon if lexicon is not None else default_lexicon()
    if attribution not in ("soft", "hard"):
        raise ConfigError(f"attribution must be 'soft' or 'hard', not {attribution!r}.")
    if mapping is None:
        mapping = map_topics(model, lexicon, languages=corpus_languages(corpus, lexicon))
    for column in ("topic", "domain"):
        if column not in mapping.columns:
            raise ConfigError(f"mapping needs a {column!r} column; make it with map_topics().")
    if attribution == "soft":
        matrix = topic_attribution(model, corpus, lexicon, dictionary=dictionary)
    else:
        matrix = _hard_attribution(model, mapping, lexicon)
    shares = _shares_from_attribution(model, matrix, lexicon, corpus)
    overrides = {}
    if "overridden" in mapping.columns:
        chosen = mapping[mapping["overridden"].astype(bool)]
        overrides = {int(t): str(d) for t, d in zip(chosen["topic"], chosen["domain"], strict=True)}
    params = {
        "model": {
            "method": getattr(model, "method", ""),
            "params": dict(getattr(model, "params", {}) or {}),
        },
        "attribution": attribution,
        "mapping": dict(mapping.attrs),
        "overrides": overrides,
        "lexicon": _lexicon_params(lexicon),
    }
    return DomainShares(
        method=f"{getattr(model, 'method', 'model')}_mapped",
        shares=shares,
        units=_aligned_units(corpus, shares.index),
        lexicon=lexicon,
        mapping=mapping.copy(),
        model=model,
        params=params,
        attribution=matrix,
    )


def _unit_topic_shares(model: TopicModel, corpus: Corpus | pd.DataFrame | None) -> np.ndarray:
    """Each unit's topic shares; for LDA, the expected share of its tokens in each topic.

    gensim's document-topic parameters are ``gamma = alpha + expected topic counts``, so the
    normalised ``doc_topic`` mixes the prior with the evidence: with ``alpha = 1`` and 20
    topics, a unit of 20 tokens gets half its mass spread evenly over all topics. The prior
    is taken out again (``counts = doc_topic * (sum(alpha) + n_tokens) - alpha``) when the
    model kept its ``alpha`` and the corpus gives each unit's number of tokens. A unit
    without tokens gets no topic (it becomes ``other``).
    """
    doc_topic, _ = _model_frames(model)
    theta = doc_topic.to_numpy(dtype=float)
    totals = theta.sum(axis=1, keepdims=True)
    totals[totals == 0] = 1.0
    theta = theta / totals
    # A model whose doc_topic includes a Dirichlet prior keeps it as state["alpha"] (LDA).
    alpha = getattr(model, "state", {}).get("alpha")
    dtm = getattr(corpus, "dtm", None)
    if alpha is None or dtm is None or corpus is None:
        return theta
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), (theta.shape[1],))
    position = {u: i for i, u in enumerate(corpus.unit_ids)}
    try:
        rows = np.array([position[str(u)] for u in doc_topic.index])
    except KeyError:
        return theta
    n_tokens = np.asarray(dtm.sum(axis=1), dtype=float).ravel()[rows]
    counts = np.clip(theta * (alpha.sum() + n_tokens)[:, None] - alpha, 0.0, None)
    sums = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, sums, out=np.zeros_like(counts), where=sums > 0)


def _hard_attribution(model: TopicModel, mapping: pd.DataFrame, lexicon: Lexicon) -> pd.DataFrame:
    """The topics x domains matrix of a hard mapping: a 1 in each topic's domain column."""
    doc_topic, _ = _model_frames(model)
    columns = [*lexicon.domain_ids, OTHER]
    domain_of = dict(zip(mapping["topic"].astype(int), mapping["domain"].astype(str), strict=True))
    topics = [int(t) for t in doc_topic.columns]
    unmapped = [t for t in topics if t not in domain_of]
    if unmapped:
        raise ConfigError(f"mapping has no row for topics {unmapped}; map every topic.")
    unknown = sorted({d for d in domain_of.values() if d not in columns})
    if unknown:
        raise ConfigError(
            f"mapping uses domains {unknown} that are not in lexicon "
            f"{lexicon.name or lexicon.source!r}; use its domains or 'other'."
        )
    assign = np.zeros((len(topics), len(columns)))
    for k, topic in enumerate(topics):
        assign[k, columns.index(domain_of[topic])] = 1.0
    return pd.DataFrame(assign, index=pd.Index(topics, name="topic"), columns=columns)


def _shares_from_attribution(
    model: TopicModel,
    matrix: pd.DataFrame,
    lexicon: Lexicon,
    corpus: Corpus | pd.DataFrame | None = None,
) -> pd.DataFrame:
    doc_topic, _ = _model_frames(model)
    theta = _unit_topic_shares(model, corpus)
    values = theta @ matrix.to_numpy(dtype=float)
    named = values[:, :-1].sum(axis=1)
    over = named > 1.0
    values[over, :-1] /= named[over, None]
    values[:, -1] = np.clip(1.0 - values[:, :-1].sum(axis=1), 0.0, None)
    empty = theta.sum(axis=1) <= 0
    values[empty] = 0.0
    values[empty, -1] = 1.0
    return _frame(values, [str(u) for u in doc_topic.index], lexicon)


def _shares_from_mapping(
    model: TopicModel,
    mapping: pd.DataFrame,
    lexicon: Lexicon,
    corpus: Corpus | pd.DataFrame | None = None,
) -> pd.DataFrame:
    return _shares_from_attribution(
        model, _hard_attribution(model, mapping, lexicon), lexicon, corpus
    )


def _aligned_units(data: Corpus | pd.DataFrame, unit_ids: pd.Index) -> pd.DataFrame:
    units = _units_of(data)
    ids = units["unit_id"].astype(str)
    if list(ids) == list(unit_ids):
        return units
    position = pd.Series(np.arange(len(units)), index=ids)
    missing = [u for u in unit_ids if u not in position.index]
    if missing:
        raise ConfigError(
            f"{len(missing)} units of the model are not in the corpus given (e.g. "
            f"{missing[0]!r}); pass the corpus the model was fitted on."
        )
    return units.iloc[position.loc[list(unit_ids)].to_numpy()].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# 3. Dictionary baseline


def _language_views(
    lexicon: Lexicon, languages: Sequence[str], unit_ids: Sequence[str]
) -> dict[str, Lexicon]:
    """The one-language lexicon of each language of the units (:meth:`Lexicon.for_language`).

    Raises a ConfigError naming the language, how many units are in it and one of them when
    the lexicon has no terms in a language of the units.
    """
    views = {}
    for code in dict.fromkeys(languages):
        try:
            views[code] = lexicon.for_language(code)
        except ConfigError as error:
            in_language = [u for u, c in zip(unit_ids, languages, strict=True) if c == code]
            raise ConfigError(
                f"{len(in_language)} of {len(unit_ids)} units (e.g. {in_language[0]!r}) are in "
                f"language {code!r}, which the lexicon cannot match: {error}"
            ) from None
    return views


def _domain_counts(
    texts: Sequence[str],
    languages: Sequence[str],
    views: Mapping[str, Lexicon],
    progress: bool | None,
) -> np.ndarray:
    """Seed-term hits of each domain in each text (texts x domains), in each text's language."""
    n_domains = len(next(iter(views.values()))) if views else 0
    counts = np.zeros((len(texts), n_domains))
    codes = np.asarray(languages, dtype=object)
    for code, view in views.items():
        rows = np.flatnonzero(codes == code)
        if len(rows) == len(texts):  # one language: no copying of the texts
            chosen: Sequence[str] = texts
        else:
            chosen = [texts[int(i)] for i in rows]
        matcher = view.matcher
        hits = matcher.hit_matrix(chosen, progress=progress)
        counts[rows] = np.asarray((hits @ matcher.domain_matrix(n_domains)).todense(), dtype=float)
    return counts


def dictionary_shares(
    data: Corpus | pd.DataFrame,
    lexicon: Lexicon | None = None,
    *,
    scale: Literal["sentences", "hits"] = "sentences",
    progress: bool | None = None,
) -> DomainShares:
    """Domain shares from seed-term hits alone (no model): the baseline.

    Seed terms are counted in each unit's text (longest term first, without overlaps, minus
    the lexicon's exclusions; see :mod:`corpus_tm.lexicon`), with the terms of the unit's
    language: a unit table with a ``language`` column (``"en"``, ``"zh"``) is matched unit by
    unit with :meth:`Lexicon.for_language` of that language, and its sentences are cut and
    its words counted by that language's rules, so a corpus of several languages gives one
    table over the same domains. Without the column every unit is in the lexicon's language.
    Two scales:

    ``scale="sentences"`` (default)
        The share of the unit's *words* that sit in sentences naming the domain. A sentence
        with hits of one domain counts for that domain with all its words; a sentence with
        hits of several domains is split in proportion to the hits; a sentence without any
        hit is ``other``. This is a share of the text, the same scale as the topic-model
        methods (the share of a unit's tokens the model gives a domain), so the methods can
        be compared number for number.
    ``scale="hits"``
        The domain's hits over all the unit's hits; a unit without any hit is all
        ``other``. A unit that names a domain once in ten sentences is then 100 % that
        domain.

    Parameters
    ----------
    data : Corpus or pandas.DataFrame
        A built corpus or a unit table with ``unit_id`` and ``text`` columns.
    lexicon : Lexicon, optional
        Defaults to :func:`corpus_tm.default_lexicon`.
    scale : {"sentences", "hits"}, default "sentences"
        What a share is a share of (see above).
    progress : bool, optional
        Show a progress bar; by default only for large corpora.

    Returns
    -------
    DomainShares
        ``method="dictionary"``; ``params["n_hits"]`` holds each unit's hit count and
        ``params["scale"]`` the scale.

    Raises
    ------
    ConfigError
        When some units are in a language the lexicon has no terms in (the message names
        the language, the number of units and one of them).
    """
    from corpus_tm.sectioning import count_words, split_sentences

    lexicon = lexicon if lexicon is not None else default_lexicon()
    if scale not in ("sentences", "hits"):
        raise ConfigError(f"scale must be 'sentences' or 'hits', not {scale!r}.")
    units = _units_of(data)
    texts, unit_ids = unit_texts(units)
    languages = unit_languages(units, lexicon)
    views = _language_views(lexicon, languages, unit_ids)
    values = np.zeros((len(units), len(lexicon) + 1))
    if scale == "hits":
        counts = _domain_counts(texts, languages, views, progress)
        totals = counts.sum(axis=1)
        has_hits = totals > 0
        values[has_hits, :-1] = counts[has_hits] / totals[has_hits, None]
        values[~has_hits, -1] = 1.0
    else:
        sentences: list[str] = []
        sentence_languages: list[str] = []
        unit_of: list[int] = []
        for i, (text, code) in enumerate(zip(texts, languages, strict=True)):
            pieces = split_sentences(text, code) or [text]
            sentences.extend(pieces)
            sentence_languages.extend([code] * len(pieces))
            unit_of.extend([i] * len(pieces))
        counts = _domain_counts(sentences, sentence_languages, views, progress)
        words = np.array(
            [
                count_words(sentence, code)
                for sentence, code in zip(sentences, sentence_languages, strict=True)
            ],
            dtype=float,
        )
        hit_totals = counts.sum(axis=1)
        per_sentence = np.zeros((len(sentences), len(lexicon) + 1))
        named = hit_totals > 0
        per_sentence[named, :-1] = counts[named] / hit_totals[named, None] * words[named, None]
        per_sentence[~named, -1] = words[~named]
        rows = np.asarray(unit_of, dtype=np.int64)
        np.add.at(values, rows, per_sentence)
        unit_hits = np.bincount(rows, weights=hit_totals, minlength=len(units))
        word_totals = values.sum(axis=1)
        filled = word_totals > 0
        values[filled] /= word_totals[filled, None]
        values[~filled, -1] = 1.0
        totals = unit_hits
    params = {
        "scale": scale,
        "counting": (
            "share of the unit's words in sentences naming the domain; no hit = other"
            if scale == "sentences"
            else "seed-term hits in the unit text; shares of the unit's hits; no hit = other"
        ),
        "n_hits": {u: int(n) for u, n in zip(unit_ids, totals, strict=True)},
        "lexicon": _lexicon_params(lexicon),
    }
    return DomainShares(
        method="dictionary",
        shares=_frame(values, unit_ids, lexicon),
        units=units,
        lexicon=lexicon,
        params=params,
    )


# --------------------------------------------------------------------------------------------
# Token-level attribution (used by the evidence trail)


def sentence_domain_scores(
    shares: DomainShares, unit_id: str, sentences: Sequence[str]
) -> tuple[np.ndarray, list[list[tuple[str, int]]]]:
    """How much of each sentence of a unit belongs to each domain.

    For the dictionary: the seed-term hits of each domain in the sentence. For a topic model:
    the expected number of the sentence's tokens assigned to each domain, where a token ``w``
    of unit ``u`` goes to topic ``k`` with probability proportional to
    ``doc_topic[u, k] * topic_term[k, w]`` (its posterior given the unit's topic mix) and
    topic ``k`` divides over the domains by the result's ``attribution`` matrix.
    Sentences are cut into corpus tokens by lower-casing, lemmatising and joining the
    vocabulary's phrases, which approximates the corpus's own preprocessing. The unit's
    language (its ``language`` column, see :func:`corpus_tm.unit_languages`) gives the rules
    and, for the dictionary, the lexicon's terms in that language.

    Parameters
    ----------
    shares : DomainShares
        The shares (and through them the lexicon, model and mapping).
    unit_id : str
        The unit the sentences come from (a topic model uses its topic mix).
    sentences : sequence of str
        The unit's sentences.

    Returns
    -------
    scores : numpy.ndarray
        Sentences x (domains + ``other``), in the column order of ``shares.shares``.
    terms : list of list of (str, int)
        Per sentence, the terms that count and the column each goes to (for a topic model,
        the column most likely for the token).
    """
    lexicon = shares.lexicon
    code = _unit_language(shares, unit_id)
    n_columns = len(lexicon) + 1
    scores = np.zeros((len(sentences), n_columns))
    terms: list[list[tuple[str, int]]] = [[] for _ in sentences]
    if shares.model is None or shares.mapping is None:
        matcher = lexicon.for_language(code).matcher
        for i, sentence in enumerate(sentences):
            for _, _, term in matcher.find(matcher.pieces(sentence)):
                column = int(matcher.domain_of_term[term])
                scores[i, column] += 1
                terms[i].append((matcher.terms[term][1], column))
        return scores, terms
    doc_topic, topic_term = _model_frames(shares.model)
    vocabulary = [str(t) for t in topic_term.columns]
    column_of = {t: i for i, t in enumerate(vocabulary)}
    phrases: dict[tuple[str, ...], str] = {}
    for token in vocabulary:
        pieces = tuple(word_pieces(token, code))
        if len(pieces) > 1:
            phrases.setdefault(pieces, token)
    max_len = max((len(p) for p in phrases), default=1)
    matrix = shares.attribution
    if matrix is None:
        matrix = _hard_attribution(shares.model, shares.mapping, lexicon)
    assign = matrix.reindex([int(t) for t in topic_term.index]).to_numpy(dtype=float)
    phi = topic_term.to_numpy(dtype=float)
    position = {str(u): i for i, u in enumerate(doc_topic.index)}
    if str(unit_id) not in position:
        raise ConfigError(f"Unit {unit_id!r} is not in the model.")
    theta = doc_topic.to_numpy(dtype=float)[position[str(unit_id)]]
    for i, sentence in enumerate(sentences):
        tokens = _sentence_tokens(sentence, column_of, phrases, max_len, code)
        if not tokens:
            continue
        ids = np.array([column_of[t] for t in tokens])
        weight = phi[:, ids] * theta[:, None]  # topics x tokens
        total = weight.sum(axis=0)
        total[total == 0] = 1.0
        per_token = (weight / total).T @ assign  # tokens x columns
        scores[i] = per_token.sum(axis=0)
        terms[i] = [(t, int(c)) for t, c in zip(tokens, per_token.argmax(axis=1), strict=True)]
    return scores, terms


def _unit_language(shares: DomainShares, unit_id: str) -> str:
    """The language of one unit of the shares (the lexicon's language without a column)."""
    units = shares.units
    if "language" not in units.columns or "unit_id" not in units.columns:
        return shares.lexicon.language
    match = units.loc[units["unit_id"].astype(str) == str(unit_id), "language"]
    if match.empty or not isinstance(match.iloc[0], str) or not match.iloc[0]:
        return shares.lexicon.language
    return str(match.iloc[0])


def _sentence_tokens(
    sentence: str,
    column_of: Mapping[str, int],
    phrases: Mapping[tuple[str, ...], str],
    max_len: int,
    language: str = "en",
) -> list[str]:
    pieces = word_pieces(sentence, language)
    raw = get_language(language).match_pieces(sentence)  # the pieces word_pieces lemmatises
    tokens = []
    i = 0
    while i < len(pieces):
        for length in range(min(max_len, len(pieces) - i), 1, -1):
            token = phrases.get(tuple(pieces[i : i + length]))
            if token is not None:
                tokens.append(token)
                i += length
                break
        else:
            for candidate in (pieces[i], raw[i] if i < len(raw) else pieces[i]):
                if candidate in column_of:
                    tokens.append(candidate)
                    break
            i += 1
    return tokens
