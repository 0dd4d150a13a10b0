"""Keyword-assisted topic model (keyATM base model): a corpus and a lexicon in, domain shares out.

In: a :class:`~corpus_tm.corpus.Corpus` and a :class:`~corpus_tm.lexicon.Lexicon`.
Out: :class:`~corpus_tm.domains.DomainShares` with ``method="keyatm"``; its ``model`` is a
:class:`~corpus_tm.models.TopicModel` (``method="keyatm"``) and its ``mapping`` says which
topic belongs to which domain.

The model is the base model of keyATM (Eshima, Imai and Sasaki, "Keyword-Assisted Topic
Models", *American Journal of Political Science* 68(2), 2024). There is one *keyword topic*
per domain whose seed terms occur in the corpus vocabulary, and ``n_free_topics`` topics
without keywords. Each unit has a topic mix ``theta ~ Dirichlet(alpha)``. A token of a
keyword topic ``k`` is drawn, with probability ``pi_k ~ Beta(gamma_1, gamma_2)``, from the
topic's *keyword distribution* (over the domain's seed terms only, prior ``beta_keyword``)
and otherwise from the topic's own distribution over the whole vocabulary (prior ``beta``);
a token of a free topic comes from its own distribution. So a keyword topic is anchored by
its seed terms but learns the words that go with them ("vaccine", "patients" for the
biological topic), while the free topics take the text that belongs to no domain.

Fitting is collapsed Gibbs sampling of each token's topic ``z`` and switch ``s`` (keyword
distribution or not), as in the paper's appendix, with ``alpha`` held fixed (keyATM also
samples it). Keyword tokens start in their keyword topic, the other tokens in a random
topic. A unit's share of a domain is the share of its tokens in the domain's keyword topic,
averaged over the draws after burn-in. Those topic shares become domain shares as for every
other model, by :func:`corpus_tm.topic_attribution` (``attribution="soft"``, the default), or
keyATM's own way, each keyword topic wholly its domain (``attribution="keyword"``). Both are a
share of the unit's tokens, the scale of the sentence-level dictionary.

The sampler is compiled with numba on first use (a few seconds once per process). Its random
numbers come from one NumPy generator made from ``random_state`` (one uniform a token a sweep),
so the same inputs and seed give the same numbers.
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from corpus_tm.checks import check_int, check_positive, check_random_state
from corpus_tm.domains import OTHER, DomainShares, map_topics, topic_attribution
from corpus_tm.errors import ConfigError, CorpusTmWarning
from corpus_tm.lexicon import Lexicon, corpus_languages, default_lexicon
from corpus_tm.reporting import progress_bar

if TYPE_CHECKING:
    from corpus_tm.corpus import Corpus
    from corpus_tm.models import TopicModel

__all__ = ["fit_keyatm", "fit_keyatm_model", "keyatm_domain_shares"]

#: Progress bars are shown by default from this many tokens times iterations.
_PROGRESS_MIN_WORK = 50_000_000


@cache
def _sampler() -> Any:
    """The Gibbs sweep, compiled with numba on first use."""
    import numba

    @numba.njit(cache=False, nogil=True)
    def sweep(
        words: np.ndarray,
        units: np.ndarray,
        z: np.ndarray,
        s: np.ndarray,
        unit_topic: np.ndarray,
        topic_word: np.ndarray,
        topic_total: np.ndarray,
        keyword_word: np.ndarray,
        keyword_total: np.ndarray,
        keyword_topic_of_word: np.ndarray,
        keyword_size: np.ndarray,
        alpha: np.ndarray,
        beta: float,
        beta_keyword: float,
        gamma_1: float,
        gamma_2: float,
        uniforms: np.ndarray,
    ) -> None:
        n_topics = unit_topic.shape[1]
        n_keyword_topics = keyword_word.shape[0]
        n_terms = topic_word.shape[1]
        v_beta = n_terms * beta
        weights = np.zeros(n_topics + 1)
        for i in range(words.shape[0]):
            w = words[i]
            d = units[i]
            k = z[i]
            unit_topic[d, k] -= 1
            if s[i] == 1:
                keyword_word[k, w] -= 1
                keyword_total[k] -= 1
            else:
                topic_word[k, w] -= 1
                topic_total[k] -= 1
            total = 0.0
            for t in range(n_topics):
                p = (
                    (unit_topic[d, t] + alpha[t])
                    * (topic_word[t, w] + beta)
                    / (topic_total[t] + v_beta)
                )
                if t < n_keyword_topics:
                    p *= (topic_total[t] + gamma_2) / (
                        topic_total[t] + keyword_total[t] + gamma_1 + gamma_2
                    )
                total += p
                weights[t] = total
            own = keyword_topic_of_word[w]
            if own >= 0:
                p = (
                    (unit_topic[d, own] + alpha[own])
                    * (keyword_word[own, w] + beta_keyword)
                    / (keyword_total[own] + keyword_size[own] * beta_keyword)
                    * (keyword_total[own] + gamma_1)
                    / (topic_total[own] + keyword_total[own] + gamma_1 + gamma_2)
                )
                total += p
            weights[n_topics] = total
            u = uniforms[i] * total
            chosen = n_topics if own >= 0 else n_topics - 1
            for t in range(n_topics):
                if u < weights[t]:
                    chosen = t
                    break
            if chosen == n_topics:
                z[i] = own
                s[i] = 1
                keyword_word[own, w] += 1
                keyword_total[own] += 1
                unit_topic[d, own] += 1
            else:
                z[i] = chosen
                s[i] = 0
                topic_word[chosen, w] += 1
                topic_total[chosen] += 1
                unit_topic[d, chosen] += 1

    return sweep


def _keywords(
    corpus: Corpus, lexicon: Lexicon, min_keyword_count: int
) -> tuple[list[str], np.ndarray, pd.DataFrame]:
    """Domains that get a keyword topic, each term's keyword topic (or -1), and a summary."""
    vocabulary = corpus.vocabulary
    matched = lexicon.match_vocabulary(vocabulary, languages=corpus_languages(corpus, lexicon))
    counts = np.asarray(corpus.dtm.sum(axis=0)).ravel()
    rows = []
    for domain in lexicon.domain_ids:
        terms = [t for t in vocabulary if t in matched and matched[t][0] == domain]
        count = int(sum(counts[vocabulary.index(t)] for t in terms)) if terms else 0
        rows.append(
            {"domain": domain, "n_keywords": len(terms), "keyword_count": count, "keywords": terms}
        )
    summary = pd.DataFrame(rows)
    kept = summary[summary["keyword_count"] >= min_keyword_count]["domain"].tolist()
    topic_of = {d: i for i, d in enumerate(kept)}
    position = {t: i for i, t in enumerate(vocabulary)}
    keyword_topic = np.full(len(vocabulary), -1, dtype=np.int64)
    for term, (domain, _) in matched.items():
        if domain in topic_of and term in position:
            keyword_topic[position[term]] = topic_of[domain]
    return kept, keyword_topic, summary


def _check_attribution(attribution: Any) -> None:
    if attribution not in ("soft", "keyword"):
        raise ConfigError(f"attribution must be 'soft' or 'keyword', not {attribution!r}.")


def fit_keyatm(
    corpus: Corpus,
    lexicon: Lexicon | None = None,
    *,
    n_free_topics: int = 10,
    iterations: int = 1000,
    burn_in: int | None = None,
    thin: int = 5,
    alpha: float = 0.1,
    beta: float = 0.01,
    beta_keyword: float = 0.1,
    gamma: tuple[float, float] = (1.0, 1.0),
    min_keyword_count: int = 5,
    attribution: Literal["soft", "keyword"] = "soft",
    dictionary: DomainShares | None = None,
    random_state: int | None = None,
    progress: bool | None = None,
    n_terms: int = 10,
) -> DomainShares:
    """Fit the keyATM base model with one keyword topic per domain; return domain shares.

    See the module docstring for the model. A domain whose seed terms occur fewer than
    ``min_keyword_count`` times in the corpus vocabulary gets no keyword topic (a warning
    names them): there is nothing to anchor a topic on. With soft attribution its share
    still comes from the seed terms other topics carry; with ``"keyword"`` it is 0.

    Parameters
    ----------
    corpus : Corpus
        From :func:`corpus_tm.build_corpus`.
    lexicon : Lexicon, optional
        Defaults to :func:`corpus_tm.default_lexicon`.
    n_free_topics : int, default 10
        Topics without keywords; they take the text that belongs to no domain. With too few,
        generic text is pushed into the keyword topics.
    iterations : int, default 1000
        Gibbs sweeps over all tokens.
    burn_in : int, optional
        Sweeps discarded before averaging; by default half of ``iterations``.
    thin : int, default 5
        After burn-in, every ``thin``-th sweep is averaged.
    alpha : float, default 0.1
        Symmetric Dirichlet prior of each unit's topic mix (held fixed).
    beta, beta_keyword : float, default 0.01 and 0.1
        Dirichlet priors of the topics' own and keyword distributions (keyATM's defaults).
    gamma : (float, float), default (1.0, 1.0)
        Beta prior of each keyword topic's share of tokens drawn from its keyword
        distribution.
    min_keyword_count : int, default 5
        Fewest seed-term tokens in the corpus for a domain to get a keyword topic.
    attribution : {"soft", "keyword"}, default "soft"
        How topic shares become domain shares. ``"soft"``: as for every other topic model,
        by :func:`corpus_tm.topic_attribution` (each topic's density of each domain's seed
        terms against the density in text about the domain), so a keyword topic that
        drifted into generic text on a small corpus counts mostly as ``other``, and
        keywords that landed in other topics still count. ``"keyword"``: keyATM's own
        reading, each keyword topic wholly its domain and the free topics ``other``.
    dictionary : DomainShares, optional
        Sentence-level dictionary shares of ``corpus`` for the soft attribution (computed
        if not given).
    random_state : int, optional
        Seed of the initial assignment and of the sampler. ``None`` draws a fresh seed.
    progress : bool, optional
        Show a progress bar over sweeps; by default only for long fits.
    n_terms : int, default 10
        Top terms shown per topic in the mapping table.

    Returns
    -------
    DomainShares
        ``method="keyatm"``. ``mapping`` has one row per topic: ``topic, domain, source``
        (``"keyword"`` or ``"free"``), ``n_keywords, keyword_count, keywords, pi`` (the
        share of the topic's tokens drawn from its keyword distribution), then the
        :func:`corpus_tm.map_topics` ranking (``best, score, mass, runner_up, ...``) to
        check that a keyword topic still leans to its domain, and ``top_terms``.
        ``attribution`` is the topics x domains matrix used.

    Notes
    -----
    Measured on the example corpus (42 paragraphs, about 6,000 tokens), keyATM's own
    ``"keyword"`` reading named the domain a reader names in 3-7 of 10 sub-sections over
    seeds: keyword topics of domains with a dozen keyword tokens (military, economic) drift
    into generic topics. With ``"soft"`` it named it in 8-10 of 10 (see
    ``benchmarks/validation/``).
    """
    _check_attribution(attribution)
    model = fit_keyatm_model(
        corpus,
        lexicon,
        n_free_topics=n_free_topics,
        iterations=iterations,
        burn_in=burn_in,
        thin=thin,
        alpha=alpha,
        beta=beta,
        beta_keyword=beta_keyword,
        gamma=gamma,
        min_keyword_count=min_keyword_count,
        random_state=random_state,
        progress=progress,
    )
    return keyatm_domain_shares(
        model,
        corpus,
        lexicon,
        attribution=attribution,
        dictionary=dictionary,
        n_terms=n_terms,
    )


def fit_keyatm_model(
    corpus: Corpus,
    lexicon: Lexicon | None = None,
    *,
    n_free_topics: int = 10,
    iterations: int = 1000,
    burn_in: int | None = None,
    thin: int = 5,
    alpha: float = 0.1,
    beta: float = 0.01,
    beta_keyword: float = 0.1,
    gamma: tuple[float, float] = (1.0, 1.0),
    min_keyword_count: int = 5,
    random_state: int | None = None,
    progress: bool | None = None,
) -> TopicModel:
    """Fit the keyATM base model; return the topic model (the ``"keyatm"`` backend's fit).

    The parameters are those of :func:`fit_keyatm`. The model's ``params`` record the domains
    of the keyword topics (``keyword_domains``, topics ``0 .. len - 1``; the free topics
    follow) and ``state`` the keyword topic of every vocabulary term (``keyword_topic``, -1 for
    none) and each keyword topic's share of keyword-distribution tokens (``pi``).
    :func:`keyatm_domain_shares` turns it into domain shares.

    Returns
    -------
    TopicModel
        ``method="keyatm"``; ``doc_topic_raw`` holds each unit's expected token counts per
        topic, averaged over the draws after burn-in.
    """
    from corpus_tm.models import check_corpus, library_versions, make_topic_model

    check_corpus(corpus)
    lexicon = lexicon if lexicon is not None else default_lexicon()
    n_free_topics = check_int("n_free_topics", n_free_topics, low=0)
    iterations = check_int("iterations", iterations, low=2)
    thin = check_int("thin", thin)
    min_keyword_count = check_int("min_keyword_count", min_keyword_count)
    burn_in = iterations // 2 if burn_in is None else burn_in
    burn_in = check_int("burn_in (sweeps before averaging)", burn_in, low=0, high=iterations - 1)
    alpha, beta, beta_keyword = (
        check_positive("alpha", alpha),
        check_positive("beta", beta),
        check_positive("beta_keyword", beta_keyword),
    )
    if not isinstance(gamma, tuple | list) or len(gamma) != 2:
        raise ConfigError(f"gamma must be a pair of positive numbers, not {gamma!r}.")
    gamma_1, gamma_2 = (check_positive("gamma[0]", gamma[0]), check_positive("gamma[1]", gamma[1]))
    random_state = check_random_state(random_state)

    domains, keyword_topic, _ = _keywords(corpus, lexicon, min_keyword_count)
    n_keyword_topics = len(domains)
    n_topics = n_keyword_topics + n_free_topics
    if n_topics == 0:
        raise ConfigError(
            "No domain has seed terms in the corpus vocabulary and n_free_topics is 0: "
            "there is no topic to fit. Check the lexicon's language and terms."
        )
    ids, offsets = corpus.token_ids
    keep = ids >= 0
    words = ids[keep].astype(np.int64)
    units = np.repeat(np.arange(len(corpus), dtype=np.int64), np.diff(offsets))[keep]
    n_terms_vocab = len(corpus.dictionary)

    rng = np.random.default_rng(random_state)
    own = keyword_topic[words]
    z = np.where(own >= 0, own, rng.integers(0, n_topics, size=words.size)).astype(np.int64)
    s = (own >= 0).astype(np.int64)
    unit_topic = np.zeros((len(corpus), n_topics), dtype=np.int64)
    np.add.at(unit_topic, (units, z), 1)
    topic_word = np.zeros((n_topics, n_terms_vocab), dtype=np.int64)
    keyword_word = np.zeros((n_keyword_topics, n_terms_vocab), dtype=np.int64)
    regular = s == 0
    np.add.at(topic_word, (z[regular], words[regular]), 1)
    np.add.at(keyword_word, (z[~regular], words[~regular]), 1)
    topic_total = topic_word.sum(axis=1)
    keyword_total = keyword_word.sum(axis=1)
    keyword_size = np.bincount(keyword_topic[keyword_topic >= 0], minlength=n_keyword_topics)
    alphas = np.full(n_topics, alpha)

    unit_topic_sum = np.zeros(unit_topic.shape)
    topic_word_sum = np.zeros(topic_word.shape)
    keyword_word_sum = np.zeros(keyword_word.shape)
    sweep = _sampler()
    show = progress if progress is not None else words.size * iterations >= _PROGRESS_MIN_WORK
    n_collected = 0
    for iteration in progress_bar(range(iterations), desc="keyATM", unit="sweep", show=show):
        sweep(
            words,
            units,
            z,
            s,
            unit_topic,
            topic_word,
            topic_total,
            keyword_word,
            keyword_total,
            keyword_topic,
            keyword_size,
            alphas,
            beta,
            beta_keyword,
            gamma_1,
            gamma_2,
            rng.random(words.size),
        )
        if iteration >= burn_in and (iteration - burn_in) % thin == 0:
            unit_topic_sum += unit_topic
            topic_word_sum += topic_word
            keyword_word_sum += keyword_word
            n_collected += 1

    counts = unit_topic_sum / n_collected
    regular_counts = topic_word_sum / n_collected
    keyword_counts = keyword_word_sum / n_collected
    combined = regular_counts.copy()
    combined[:n_keyword_topics] += keyword_counts
    pi = np.divide(
        keyword_counts.sum(axis=1),
        combined[:n_keyword_topics].sum(axis=1),
        out=np.zeros(n_keyword_topics),
        where=combined[:n_keyword_topics].sum(axis=1) > 0,
    )
    topic_term = combined + beta
    theta = counts + alpha
    params = {
        "n_topics": int(n_topics),
        "n_free_topics": int(n_free_topics),
        "keyword_domains": domains,
        "iterations": int(iterations),
        "burn_in": int(burn_in),
        "thin": int(thin),
        "alpha": alpha,
        "beta": beta,
        "beta_keyword": beta_keyword,
        "gamma": [gamma_1, gamma_2],
        "min_keyword_count": int(min_keyword_count),
        "random_state": None if random_state is None else int(random_state),
        "n_draws": int(n_collected),
    }
    model: TopicModel = make_topic_model(
        "keyatm",
        doc_topic=theta / theta.sum(axis=1, keepdims=True),
        doc_topic_raw=counts,
        topic_term=topic_term / topic_term.sum(axis=1, keepdims=True),
        topic_term_raw=combined,
        unit_ids=[str(u) for u in corpus.unit_ids],
        vocabulary=corpus.vocabulary,
        params=params,
        versions=library_versions(),
        state={"keyword_topic": keyword_topic.astype(np.float64), "pi": pi},
    )
    return model


def keyatm_domain_shares(
    model: TopicModel,
    corpus: Corpus,
    lexicon: Lexicon | None = None,
    *,
    attribution: Literal["soft", "keyword"] = "soft",
    dictionary: DomainShares | None = None,
    n_terms: int = 10,
) -> DomainShares:
    """Domain shares of a keyATM model from :func:`fit_keyatm_model`.

    Parameters
    ----------
    model : TopicModel
        ``method="keyatm"``, fitted on ``corpus`` with ``lexicon``.
    corpus : Corpus
    lexicon : Lexicon, optional
        Defaults to :func:`corpus_tm.default_lexicon`.
    attribution, dictionary, n_terms
        As in :func:`fit_keyatm`.

    Returns
    -------
    DomainShares
        As :func:`fit_keyatm` returns.
    """
    lexicon = lexicon if lexicon is not None else default_lexicon()
    _check_attribution(attribution)
    params = model.params
    min_keyword_count = int(params["min_keyword_count"])
    n_free_topics = int(params["n_free_topics"])
    n_topics = model.n_topics
    domains = list(params["keyword_domains"])
    n_keyword_topics = len(domains)
    _, _, summary = _keywords(corpus, lexicon, min_keyword_count)
    left_out = summary[
        (summary["keyword_count"] > 0) & (summary["keyword_count"] < min_keyword_count)
    ]["domain"].tolist()
    if left_out:
        warnings.warn(
            f"{len(left_out)} domains have fewer than min_keyword_count={min_keyword_count} "
            f"seed-term tokens in the corpus vocabulary and get no keyword topic: "
            f"{', '.join(left_out)}. "
            + (
                "Their shares come only from the seed terms that other topics carry (soft "
                "attribution). "
                if attribution == "soft"
                else "Their shares are 0. "
            )
            + "Lower min_keyword_count, or build the corpus with a smaller no_below so their "
            "terms stay in the vocabulary.",
            CorpusTmWarning,
            stacklevel=3,
        )
    counts = model.doc_topic_raw.to_numpy()
    pi = np.asarray(model.state["pi"])
    columns = [*lexicon.domain_ids, OTHER]
    if attribution == "soft":
        matrix = topic_attribution(model, corpus, lexicon, dictionary=dictionary)
    else:
        keyword = np.zeros((n_topics, len(columns)))
        for k, domain in enumerate(domains):
            keyword[k, columns.index(domain)] = 1.0
        keyword[n_keyword_topics:, -1] = 1.0
        matrix = pd.DataFrame(
            keyword, index=pd.Index(range(n_topics), name="topic"), columns=columns
        )
    unit_tokens = counts.sum(axis=1, keepdims=True)
    values = np.divide(counts, unit_tokens, out=np.zeros_like(counts), where=unit_tokens > 0)
    values = values @ matrix.to_numpy()
    named = values[:, :-1].sum(axis=1)
    over = named > 1.0
    values[over, :-1] /= named[over, None]
    values[:, -1] = np.clip(1.0 - values[:, :-1].sum(axis=1), 0.0, None)
    values[unit_tokens[:, 0] <= 0] = 0.0
    values[unit_tokens[:, 0] <= 0, -1] = 1.0
    shares = pd.DataFrame(
        values, index=pd.Index([str(u) for u in corpus.unit_ids], name="unit_id"), columns=columns
    )

    ranking = map_topics(
        model, lexicon, min_score=0.0, n_terms=n_terms, languages=corpus_languages(corpus, lexicon)
    )
    by_domain = summary.set_index("domain")
    keyword_rows = [by_domain.loc[d] for d in domains]
    mapping = pd.DataFrame(
        {
            "topic": list(range(n_topics)),
            "domain": [*domains, *([OTHER] * n_free_topics)],
            "source": ["keyword"] * n_keyword_topics + ["free"] * n_free_topics,
            "n_keywords": [int(r["n_keywords"]) for r in keyword_rows] + [0] * n_free_topics,
            "keyword_count": [int(r["keyword_count"]) for r in keyword_rows] + [0] * n_free_topics,
            "keywords": [" ".join(r["keywords"]) for r in keyword_rows] + [""] * n_free_topics,
            "pi": [*pi.tolist(), *([0.0] * n_free_topics)],
        }
    )
    for column in ("best", "score", "mass", "runner_up", "runner_up_score", "margin", "top_terms"):
        mapping[column] = ranking[column].to_numpy()
    return DomainShares(
        method="keyatm",
        shares=shares,
        units=corpus.units.reset_index(drop=True),
        lexicon=lexicon,
        mapping=mapping,
        model=model,
        params={
            **params,
            "attribution": attribution,
            "lexicon": {"name": lexicon.name, "version": lexicon.version, "source": lexicon.source},
        },
        attribution=matrix,
    )
