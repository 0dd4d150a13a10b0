"""Synthetic corpora with known answers, for tests and benchmarks.

Two kinds:

- Drawn from a known LDA model. In: the sizes of the model (topics, terms, documents,
  document length), its Dirichlet priors and a ``random_state``. Out:
  :class:`SyntheticCorpus`, a :class:`~corpus_tm.corpus.Corpus` of generated token lists
  together with the true topic-term and document-topic matrices, so that a fitted model can be
  scored against the truth (see :func:`topic_recovery`); :func:`draw_lda_documents` draws the
  same kind of documents fast, as flat arrays. Also :func:`corpus_from_tokens`, which wraps any
  list of token lists in a :class:`~corpus_tm.corpus.Corpus`.
- With planted security domains. In: a plan (the share of each domain in each sub-section; by
  default :func:`default_planted_plan`), a lexicon and a ``random_state``. Out:
  :class:`PlantedCorpus`, documents with numbered parts and ordinal sub-sections that
  :func:`corpus_tm.split_sections` splits into the planned sections, made of generic
  sentences and sentences about a domain (its seed terms, words that go with it, generic
  words), together with the planted share of every domain in every section (``truth``).
  :func:`planted_agreement` scores the section shares of any method
  (:func:`corpus_tm.section_shares`) against that truth.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from gensim.corpora import Dictionary

from corpus_tm.checks import check_int, check_positive
from corpus_tm.corpus import Corpus
from corpus_tm.errors import ConfigError, InputError
from corpus_tm.lexicon import OTHER, Lexicon, default_lexicon, word_pieces
from corpus_tm.matching import match_topics
from corpus_tm.sectioning import ORDINALS, count_words

__all__ = [
    "PLANTED_CONTEXT_FRACTION",
    "PLANTED_SEED_FRACTION",
    "PlantedAgreement",
    "PlantedCorpus",
    "SyntheticCorpus",
    "SyntheticDocuments",
    "corpus_from_tokens",
    "default_planted_plan",
    "draw_lda_documents",
    "make_lda_corpus",
    "make_planted_corpus",
    "planted_agreement",
    "pseudo_words",
    "topic_recovery",
]


@dataclass(frozen=True, eq=False)
class SyntheticCorpus:
    """A generated corpus and the model it was drawn from.

    Attributes
    ----------
    corpus : Corpus
        The generated units; the dictionary's term ids are the columns of :attr:`topic_term`
        (term ``i`` is named ``"w0000"``-style with ``i`` zero-padded).
    topic_term : numpy.ndarray
        True topic-term distributions, shape ``(n_topics, n_terms)``, rows sum to 1.
    doc_topic : numpy.ndarray
        True document-topic distributions, shape ``(n_docs, n_topics)``, rows sum to 1.
    params : dict
        The arguments the corpus was made with.
    """

    corpus: Corpus
    topic_term: np.ndarray
    doc_topic: np.ndarray
    params: dict[str, Any]


def corpus_from_tokens(
    tokens: Sequence[Sequence[str]],
    *,
    doc_id: str = "generated",
    dictionary: Dictionary | None = None,
    settings: dict[str, Any] | None = None,
) -> Corpus:
    """Wrap token lists in a :class:`~corpus_tm.corpus.Corpus`, one unit per list.

    The unit table is minimal: all units belong to one document ``doc_id`` and are its numbered
    paragraphs (part 0, section 0); ``text`` is the tokens joined by spaces. Use it for generated
    corpora and for tokenised corpora that do not come from :func:`corpus_tm.read_corpus`.

    Parameters
    ----------
    tokens : sequence of sequence of str
        The tokens of each unit.
    doc_id : str, default "generated"
        Document id of all units; unit ids are ``"{doc_id}/0001"``, ``"{doc_id}/0002"``, ...
    dictionary : gensim.corpora.Dictionary, optional
        Vocabulary to use (its term ids become the columns of the document-term matrix); tokens
        not in it are dropped. By default one is built from ``tokens`` in gensim's order.
    settings : dict, optional
        Recorded as the corpus settings.

    Returns
    -------
    Corpus
    """
    token_lists = [list(doc) for doc in tokens]
    if dictionary is None:
        dictionary = Dictionary(token_lists)
    else:
        vocab = dictionary.token2id
        token_lists = [[t for t in doc if t in vocab] for doc in token_lists]
    width = max(4, len(str(len(token_lists))))
    n = len(token_lists)
    units = pd.DataFrame(
        {
            "doc_id": [doc_id] * n,
            "unit_id": [f"{doc_id}/{i + 1:0{width}d}" for i in range(n)],
            "part": np.zeros(n, dtype=np.int64),
            "part_title": [""] * n,
            "section": np.zeros(n, dtype=np.int64),
            "section_title": [""] * n,
            "paragraph": np.arange(1, n + 1, dtype=np.int64),
            "label": ["0.0"] * n,
            "text": [" ".join(doc) for doc in token_lists],
            "n_tokens": np.array([len(doc) for doc in token_lists], dtype=np.int64),
        }
    )
    settings = dict(settings or {})
    digest = hashlib.sha256()
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    for doc in token_lists:
        digest.update("\x1f".join(doc).encode())
        digest.update(b"\x1e")
    return Corpus(
        units=units,
        tokens=token_lists,
        dictionary=dictionary,
        settings=settings,
        fingerprint=digest.hexdigest(),
    )


def _draw_lda_model(
    n_topics: int,
    n_terms: int,
    n_docs: int,
    doc_length: int,
    alpha: float,
    beta: float,
    random_state: int | None,
) -> tuple[np.random.Generator, np.ndarray, np.ndarray, np.ndarray]:
    """Check the sizes and draw topics, document shares and lengths; return the generator too."""
    for name, value in (
        ("n_topics", n_topics),
        ("n_terms", n_terms),
        ("n_docs", n_docs),
        ("doc_length", doc_length),
    ):
        check_int(name, value)
    alpha, beta = check_positive("alpha", alpha), check_positive("beta", beta)
    rng = np.random.default_rng(random_state)
    topic_term = rng.dirichlet(np.full(n_terms, beta), size=n_topics)
    doc_topic = rng.dirichlet(np.full(n_topics, alpha), size=n_docs)
    # Dirichlet draws with tiny concentrations can underflow to exact zeros; renormalise so the
    # rows are proper distributions.
    topic_term /= topic_term.sum(axis=1, keepdims=True)
    doc_topic /= doc_topic.sum(axis=1, keepdims=True)
    lengths = np.maximum(rng.poisson(doc_length, size=n_docs), 1)
    return rng, topic_term, doc_topic, lengths


def make_lda_corpus(
    *,
    n_topics: int = 20,
    n_terms: int = 5000,
    n_docs: int = 2000,
    doc_length: int = 100,
    alpha: float = 0.1,
    beta: float = 0.01,
    random_state: int | None = None,
) -> SyntheticCorpus:
    """Draw a corpus from an LDA model with known topics.

    Topics are drawn from a symmetric Dirichlet(``beta``) over ``n_terms`` terms, each document's
    topic shares from a symmetric Dirichlet(``alpha``), its length from Poisson(``doc_length``)
    (at least 1), and each token by first drawing a topic from the document's shares and then a
    term from that topic. Token order within a document is shuffled, so sliding-window coherence
    sees a mixed text, as in real prose.

    Parameters
    ----------
    n_topics, n_terms, n_docs, doc_length : int
        Sizes of the model and corpus (``doc_length`` is the mean number of tokens per document).
    alpha : float, default 0.1
        Document-topic Dirichlet concentration (small: documents about few topics).
    beta : float, default 0.01
        Topic-term Dirichlet concentration (small: topics concentrated on few terms).
    random_state : int or None
        Seed of the ``numpy.random.default_rng`` generator; the same seed gives the same corpus.

    Returns
    -------
    SyntheticCorpus
        The corpus (vocabulary ``w0000``, ``w0001``, ... in id order, all ``n_terms`` terms kept
        even when a term was never drawn) and the true matrices.

    Raises
    ------
    ConfigError
        If a size is below 1 or a concentration is not positive.
    """
    rng, topic_term, doc_topic, lengths = _draw_lda_model(
        n_topics, n_terms, n_docs, doc_length, alpha, beta, random_state
    )
    width = len(str(n_terms - 1))
    vocab = [f"w{i:0{width}d}" for i in range(n_terms)]
    vocab_arr = np.array(vocab)
    tokens: list[list[str]] = []
    for d in range(n_docs):
        per_topic = rng.multinomial(lengths[d], doc_topic[d])
        ids = np.concatenate(
            [
                np.repeat(np.arange(n_terms), rng.multinomial(count, topic_term[t]))
                for t, count in enumerate(per_topic)
                if count
            ]
        )
        tokens.append(vocab_arr[rng.permutation(ids)].tolist())
    dictionary = Dictionary()
    dictionary.token2id = {term: i for i, term in enumerate(vocab)}
    dictionary.add_documents(tokens)
    params = {
        "n_topics": n_topics,
        "n_terms": n_terms,
        "n_docs": n_docs,
        "doc_length": doc_length,
        "alpha": alpha,
        "beta": beta,
        "random_state": random_state,
    }
    corpus = corpus_from_tokens(
        tokens, doc_id="synthetic", dictionary=dictionary, settings={"synthetic": params}
    )
    return SyntheticCorpus(corpus=corpus, topic_term=topic_term, doc_topic=doc_topic, params=params)


_CONSONANTS = "bdfgklmnprtvz"
_VOWELS = "aeiou"


def pseudo_words(n: int, *, syllables: int = 3, random_state: int | None = None) -> list[str]:
    """``n`` distinct made-up words of consonant-vowel syllables (``"kavotu"``), in random order.

    They look like words to a tokeniser (letters only, longer than three letters, ending in a
    vowel, so no plural or verb ending for a lemmatiser to strip), but are no English word, stop
    word or lemma of another: check with :func:`corpus_tm.preprocess_texts` that they come out
    unchanged, as ``benchmarks/bench_scale.py`` does.

    Parameters
    ----------
    n : int
        Number of words; at most ``65 ** syllables`` (13 consonants x 5 vowels).
    syllables : int, default 3
        Syllables per word.
    random_state : int or None
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    list of str
    """
    n_syllables = len(_CONSONANTS) * len(_VOWELS)
    if not isinstance(n, int | np.integer) or not 0 <= n <= n_syllables**syllables:
        raise ConfigError(f"n must be an integer from 0 to {n_syllables**syllables}, got {n!r}.")
    rng = np.random.default_rng(random_state)
    table = [c + v for c in _CONSONANTS for v in _VOWELS]
    codes = rng.choice(n_syllables**syllables, size=int(n), replace=False)
    words = []
    for code in codes.tolist():
        parts = []
        for _ in range(syllables):
            code, digit = divmod(code, n_syllables)
            parts.append(table[digit])
        words.append("".join(parts))
    return words


@dataclass(frozen=True, eq=False)
class SyntheticDocuments:
    """Documents drawn from a known LDA model, as flat term ids (no Python lists per token).

    Attributes
    ----------
    ids : numpy.ndarray
        Term id (a column of :attr:`topic_term`) of every token, documents one after another
        (int32).
    offsets : numpy.ndarray
        Document ``d`` is ``ids[offsets[d]:offsets[d + 1]]`` (int64, ``n_docs + 1`` long).
    topic_term, doc_topic : numpy.ndarray
        The true model, as in :class:`SyntheticCorpus`.
    params : dict
        The arguments the documents were drawn with.
    """

    ids: np.ndarray
    offsets: np.ndarray
    topic_term: np.ndarray
    doc_topic: np.ndarray
    params: dict[str, Any]

    def texts(self, vocabulary: Sequence[str], start: int = 0, stop: int | None = None):
        """The documents ``start:stop`` as texts: their words joined by spaces (a generator)."""
        words = np.asarray(vocabulary, dtype=object)
        stop = len(self.offsets) - 1 if stop is None else stop
        bounds = self.offsets.tolist()
        for d in range(start, stop):
            yield " ".join(words[self.ids[bounds[d] : bounds[d + 1]]].tolist())


def draw_lda_documents(
    *,
    n_topics: int = 20,
    n_terms: int = 5000,
    n_docs: int = 2000,
    doc_length: int = 100,
    alpha: float = 0.1,
    beta: float = 0.01,
    random_state: int | None = None,
) -> SyntheticDocuments:
    """Draw documents from an LDA model with known topics, fast and compactly.

    The same generative model as :func:`make_lda_corpus` (topics from Dirichlet(``beta``),
    document shares from Dirichlet(``alpha``), lengths from Poisson(``doc_length``), at least
    1; a topic per token from the document's shares, then a term from that topic), drawn with
    vectorised inverse-CDF sampling so that ten million tokens take seconds; token order is
    random. The draws differ from :func:`make_lda_corpus`'s for the same seed.

    Parameters
    ----------
    n_topics, n_terms, n_docs, doc_length, alpha, beta, random_state
        As in :func:`make_lda_corpus`.

    Returns
    -------
    SyntheticDocuments
    """
    rng, topic_term, doc_topic, lengths = _draw_lda_model(
        n_topics, n_terms, n_docs, doc_length, alpha, beta, random_state
    )
    offsets = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    n_tokens = int(offsets[-1])
    doc_cdf = np.cumsum(doc_topic, axis=1)
    doc_cdf[:, -1] = 1.0
    term_cdf = np.cumsum(topic_term, axis=1)
    term_cdf[:, -1] = 1.0
    ids = np.empty(n_tokens, dtype=np.int32)
    step = 1_000_000
    for first in range(0, n_tokens, step):
        last = min(first + step, n_tokens)
        doc = np.searchsorted(offsets, np.arange(first, last), side="right") - 1
        u = rng.random(last - first)
        topic = (doc_cdf[doc] < u[:, None]).sum(axis=1)
        v = rng.random(last - first)
        chunk = np.empty(last - first, dtype=np.int64)
        for t in range(n_topics):
            sel = np.flatnonzero(topic == t)
            chunk[sel] = np.searchsorted(term_cdf[t], v[sel], side="right")
        ids[first:last] = np.minimum(chunk, n_terms - 1)
    params = {
        "n_topics": n_topics,
        "n_terms": n_terms,
        "n_docs": n_docs,
        "doc_length": doc_length,
        "alpha": alpha,
        "beta": beta,
        "random_state": random_state,
    }
    return SyntheticDocuments(
        ids=ids, offsets=offsets, topic_term=topic_term, doc_topic=doc_topic, params=params
    )


def topic_recovery(true_topic_term: np.ndarray, fitted_topic_term: np.ndarray) -> pd.DataFrame:
    """Match fitted topics to true topics and report the cosine of each matched pair.

    Topics are matched one to one by the Hungarian algorithm
    (:func:`scipy.optimize.linear_sum_assignment`) on the cosine similarity of their term
    vectors, maximising the total similarity.

    Parameters
    ----------
    true_topic_term, fitted_topic_term : numpy.ndarray
        Topic-term matrices over the same terms in the same column order, shapes
        ``(k_true, n_terms)`` and ``(k_fitted, n_terms)``.

    Returns
    -------
    pandas.DataFrame
        One row per matched pair: ``true_topic``, ``fitted_topic``, ``cosine``; sorted by
        ``true_topic``. With unequal numbers of topics only ``min(k_true, k_fitted)`` pairs.
    """
    true = np.asarray(true_topic_term, dtype=np.float64)
    fitted = np.asarray(fitted_topic_term, dtype=np.float64)
    if true.ndim != 2 or fitted.ndim != 2 or true.shape[1] != fitted.shape[1]:
        raise InputError(
            "true_topic_term and fitted_topic_term must be 2-D with the same number of columns "
            f"(terms); got shapes {true.shape} and {fitted.shape}."
        )
    rows, cols, cosines = match_topics(true, fitted)
    return pd.DataFrame({"true_topic": rows, "fitted_topic": cols, "cosine": cosines})


# --------------------------------------------------------------------------------------------
# Planted-domain corpora

# Policy words that are no seed term of the default lexicon nor a word of one (or of one of its
# exclusion phrases), no stop word, and their own lemma (checked in tests/test_planted.py).
# The text of a planted corpus that belongs to no domain is made of them.
_GENERIC_TEXT = """
    ability achieve achievement action active activity address adhere advance advantage agency
    analysis apply approach arrangement assess assessment attempt balance basic benefit build
    campaign capacity carry century challenge circumstance city clear collective
    common community comprehensive concept conclusion condition consistent
    consultation context cooperation council country county course create crucial current decade
    decision deepen department deployment dialogue different difficulty direction diverse duty
    effect effective efficient effort emphasize encourage enhance ensure entire era essential
    establish evaluate expand facilitate field firm focus follow forum foster framework
    friendship function fundamental future general goal government grasp great group guidance
    handle highlight historic historical impact implement importance important improve influence
    institution integrate issue journey judgment leader level long maintain major manage measure
    mechanism method ministry modern modernization moment mutual
    objective obligation official opportunity organization outcome overall oversee particular
    partnership path period phase plan policy position practice principle proactive problem
    process programme progress project promote proposal province pursue quality question range
    recognize reform relevant report requirement resolve respond responsibility result review
    role scale scope sector session significant situation solid sound specific spirit stage
    standard status steady step strategy strength strengthen stress strong study success summary
    support tackle task team term theory thought time transformation transition trend understand
    upgrade uphold village way year
"""
_GENERIC_WORDS: tuple[str, ...] = tuple(_GENERIC_TEXT.split())

# Words that go with each domain of the default lexicon but are no seed term nor a word of one
# (of any domain), no stop word and their own lemma; no word belongs to two domains. Words a
# lexicon claims are left out when a corpus is made, so a changed lexicon stays consistent.
_CONTEXT_WORDS: dict[str, tuple[str, ...]] = {
    domain: tuple(words.split())
    for domain, words in {
        "political": "loyalty discipline doctrine congress marxism faith conviction allegiance "
        "infiltration legitimacy authority propaganda opposition dissent sabotage orthodoxy "
        "rectification constitution ballot parliament cadre comrade",
        "homeland": "island strait coastline mainland boundary demarcation checkpoint patrol "
        "incursion encroachment jurisdiction archipelago reef compatriot unification intrusion "
        "sentry passport enclave perimeter",
        "military": "brigade regiment commander battalion drill exercise sergeant garrison "
        "warship platoon artillery officer veteran mobilization arsenal infantry submarine "
        "frigate headquarters bomber",
        "economic": "revenue output consumption consumer demand export import tariff price wage "
        "productivity commodity entrepreneur retail shipment procurement merchant profit "
        "workforce income",
        "cultural": "literature art museum film music tradition festival poetry theatre ballet "
        "temple folk identity ethics morality novel television artist calligraphy sculpture",
        "social": "neighbourhood resident household welfare pension housing migrant petition "
        "dispute grievance riot gang fraud orphan victim rescue relief earthquake flood prison",
        "science_technology": "laboratory scientist engineer invention patent breakthrough "
        "discovery physics chemistry experiment talent university academy quantum chip "
        "engineering prototype incubator lithography mathematics",
        "cyber": "software server firewall password malware modem website platform router "
        "encryption telecom broadband vulnerability ransomware botnet browser download computer "
        "spyware patch",
        "ecological": "forest river wetland grassland wildlife species habitat conservation "
        "reforestation recycling waste sewage smog afforestation mountain lake soil erosion "
        "landscape estuary",
        "resource": "pipeline refinery reserve kerosene hydropower electricity grid fuel copper "
        "lithium iron steel reservoir solar renewable shortage stockpile extraction tanker "
        "turbine",
        "nuclear": "reactor warhead enrichment plutonium isotope safeguard neutron centrifuge "
        "fission fusion radiation disarmament megaton verification tritium containment kiloton "
        "thorium dosimeter detonation",
        "overseas_interests": "consulate expatriate diaspora evacuation corridor port mariner "
        "piracy convoy escort contractor hostage kidnapping visa terminal railway harbour "
        "tourist consular repatriation",
        "biological": "quarantine vaccination immunization hospital clinic patient doctor nurse "
        "infection transmission mask diagnosis symptom medicine antibody contagion isolation "
        "respiratory fever mortality",
        "space": "orbit rocket astronaut lunar moon cosmonaut probe telescope payload debris "
        "spaceflight cosmos constellation navigation beidou orbital launcher capsule rover "
        "planet",
        "deep_sea": "submersible trench hydrothermal abyss sediment marine vessel sonar "
        "oceanography manganese cobalt crust vent bathymetry subsea dive hadal jiaolong depth "
        "seamount",
        "polar": "glacier iceberg icebreaker permafrost tundra expedition ice snow penguin "
        "svalbard greenland aurora passage thaw blizzard cryosphere krill whaling sledge "
        "meltwater",
        "financial": "loan credit lender deposit bond stock insurance investor leverage "
        "liquidity default bubble fintech payment renminbi yuan dollar regulator mortgage fund",
        "food": "harvest seed rice wheat corn maize farmer livestock fishery fertilizer "
        "irrigation granary pork yield orchard rural nutrition cereal soybean tractor",
        "artificial_intelligence": "robot robotics chatbot automation computing autonomous "
        "recognition computation inference smart intelligent deepfake prediction classifier "
        "supercomputer vision speech cognitive parameter perceptron",
        "data": "storage collection dossier transfer leak breach classification sensitive cloud "
        "localization consent anonymization record archive registry surveillance retention "
        "metadata portability biometric",
    }.items()
}

#: Share of a domain sentence's words that are seed terms, and that are context words.
PLANTED_SEED_FRACTION = 0.175
PLANTED_CONTEXT_FRACTION = 0.4

# Planted shares of the default plan: section i (counted over the whole corpus) gets
# levels[i % len(levels)] of each domain. The periods differ, so the domains vary
# independently of each other and of a section's place in its document.
_DEFAULT_LEVELS: dict[str, tuple[float, ...]] = {
    "biological": (0.0, 0.02, 0.05, 0.10, 0.30),
    "economic": (0.20, 0.0, 0.10, 0.05),
    "military": (0.0, 0.12, 0.0, 0.06, 0.03, 0.0),
    "cyber": (0.08, 0.0, 0.0, 0.15, 0.0, 0.03, 0.0),
    "ecological": (0.0, 0.04, 0.0, 0.0, 0.18, 0.0, 0.0, 0.09),
}
_PLAN_COLUMNS = ["doc_id", "part", "section", "domain", "share"]
_MIN_DOMAIN_SENTENCE = 3


@dataclass(frozen=True, eq=False)
class PlantedCorpus:
    """Documents with known domain shares in every section.

    Attributes
    ----------
    documents : pandas.DataFrame
        ``doc_id, text``, one row per document: the input of
        :func:`corpus_tm.split_sections` (or, saved as CSV or JSONL,
        of :func:`corpus_tm.read_corpus`).
    truth : pandas.DataFrame
        The planted shares as generated, one row per section and domain (every lexicon
        domain, then ``other``), sections in document order: ``doc_id, part, section, label,
        domain, share, n_tokens``. ``part``, ``section`` and ``label`` are those of the unit
        table of :func:`corpus_tm.read_corpus`; ``share`` is the share of the section's word
        tokens in sentences about the domain (``other``: in generic sentences), so a
        section's shares sum to 1; ``n_tokens`` is the section's number of word tokens. The
        closing paragraph of each document is a section of its own (label ``"Closing"``,
        all ``other``); being one unit, it makes the bootstrap intervals of
        :func:`corpus_tm.section_shares` warn (:class:`corpus_tm.SmallSampleWarning`).
    plan : pandas.DataFrame
        The plan the corpus was made from, completed: ``doc_id, part, section, domain,
        share`` for every planned section and every domain the plan names, then ``other``.
    words : pandas.DataFrame
        The vocabulary used: ``domain, kind, word`` with ``kind`` ``"seed"`` (lexicon terms),
        ``"context"`` (words of the domain that are no seed term) or ``"generic"`` (domain
        ``other``).
    params : dict
        The arguments the corpus was made with (the plan not included).
    """

    documents: pd.DataFrame
    truth: pd.DataFrame
    plan: pd.DataFrame
    words: pd.DataFrame
    params: dict[str, Any]


@dataclass(frozen=True, eq=False)
class PlantedAgreement:
    """How estimated section shares compare with the planted ones.

    Attributes
    ----------
    sections : pandas.DataFrame
        One row per method, section and domain: ``method, doc_id, section, label, domain,
        true_share, estimate, error, abs_error`` (``error`` is estimate minus truth;
        ``section`` is ``"<part>.<section>"`` as in :func:`corpus_tm.section_shares`).
    domains : pandas.DataFrame
        One row per method and domain: ``method, domain, n_sections, spearman, mean_true,
        mean_estimate, bias, mean_abs_error, max_abs_error``. ``spearman`` is the rank
        correlation of estimates and truth across sections (NaN when either is constant);
        ``bias`` the mean error.
    """

    sections: pd.DataFrame
    domains: pd.DataFrame


def default_planted_plan(
    n_documents: int = 10, *, n_parts: int = 3, n_sections: int = 4
) -> pd.DataFrame:
    """The default plan of :func:`make_planted_corpus`: five domains at known levels.

    Sections are numbered over the whole corpus (``i = 0, 1, ...``, document by document,
    part by part) and section ``i`` gets, of each domain, ``levels[i % len(levels)]`` of:

    ==============  ===================================================
    biological      0, 0.02, 0.05, 0.10, 0.30
    economic        0.20, 0, 0.10, 0.05
    military        0, 0.12, 0, 0.06, 0.03, 0
    cyber           0.08, 0, 0, 0.15, 0, 0.03, 0
    ecological      0, 0.04, 0, 0, 0.18, 0, 0, 0.09
    ==============  ===================================================

    The periods differ, so the domains vary independently of each other; all other domains
    are 0 and the rest of the text (at least 24 %) is generic.

    Parameters
    ----------
    n_documents : int, default 10
        Documents, named ``planted-01``, ``planted-02``, ...
    n_parts : int, default 3
        Numbered parts per document (at least 2: the sectioning needs two).
    n_sections : int, default 4
        Ordinal sub-sections per part (2 to 10).

    Returns
    -------
    pandas.DataFrame
        ``doc_id, part, section, domain, share``, one row per section and planted domain.
    """
    check_int("n_documents", n_documents, low=1)
    check_int("n_parts", n_parts, low=2, high=99)
    check_int("n_sections", n_sections, low=2, high=10)
    width = max(2, len(str(n_documents)))
    rows = []
    index = 0
    for d in range(1, n_documents + 1):
        for part in range(1, n_parts + 1):
            for section in range(1, n_sections + 1):
                for domain, levels in _DEFAULT_LEVELS.items():
                    share = levels[index % len(levels)]
                    rows.append((f"planted-{d:0{width}d}", part, section, domain, share))
                index += 1
    return pd.DataFrame(rows, columns=_PLAN_COLUMNS)


def make_planted_corpus(
    plan: pd.DataFrame | None = None,
    *,
    lexicon: Lexicon | None = None,
    n_documents: int | None = None,
    paragraphs_per_section: int = 5,
    sentences_per_paragraph: int = 5,
    words_per_sentence: int = 18,
    random_state: int | None = None,
) -> PlantedCorpus:
    """Generate documents whose sections hold known shares of security domains.

    Each document has numbered parts (a ``"1、 Title"`` line) with ordinal sub-sections (a
    ``"First, ..."`` heading line, then ``paragraphs_per_section`` paragraphs) and ends with
    one generic closing paragraph, so that :func:`corpus_tm.split_sections` splits it into
    exactly the planned sections (plus the closing). A sub-section has
    ``paragraphs_per_section * sentences_per_paragraph * words_per_sentence`` word tokens.
    Of them, ``round(share * n)`` are in sentences about each domain and the rest in generic
    sentences; the sentences are shuffled and dealt to the paragraphs.

    - A *domain sentence* draws about 17.5 % of its words from the domain's lexicon seed
      terms (:data:`PLANTED_SEED_FRACTION`; whole terms, single or multi-word, never two
      side by side nor first or last), about 40 % from about 20 context words of the
      domain that are no seed term (:data:`PLANTED_CONTEXT_FRACTION`) and the rest from
      generic words.
    - A *generic sentence* is made of about 200 generic policy words (``cooperation``,
      ``principle``, ``reform`` ...), none a seed term or a word of one (nor of an exclusion
      phrase of the lexicon). Context and generic words are no stop words and their own
      lemma, so preprocessing keeps them as they are.

    A domain's planted share in a section is thus the share of the section's word tokens
    that sit in its sentences: text about the domain, not only its seed terms. Word tokens
    are counted as in the unit table's ``n_tokens``. Context and generic words that the
    lexicon claims (a custom lexicon) are left out; a domain without built-in context words
    gets made-up ones (:func:`pseudo_words`).

    Parameters
    ----------
    plan : pandas.DataFrame, optional
        ``doc_id, part, section, domain, share``: the planned share of each domain in each
        sub-section. Parts are numbered from 1 (at least 2 a document), sub-sections from 1
        within their part (2 to 10); documents come in order of first appearance. Domains
        not named in a section have share 0 and ``other`` (optional) is what the domains
        leave, so their shares must sum to at most 1. Defaults to
        :func:`default_planted_plan`.
    lexicon : Lexicon, optional
        Where the seed terms come from; :func:`corpus_tm.default_lexicon` by default.
    n_documents : int, optional
        Documents of the default plan (10); only without ``plan``.
    paragraphs_per_section, sentences_per_paragraph, words_per_sentence : int
        Size of a sub-section: 5 paragraphs of 5 sentences of 18 words on average (the
        lengths of single sentences vary around it).
    random_state : int or None
        Seed of the ``numpy.random.default_rng`` generator; the same seed gives the same
        corpus.

    Returns
    -------
    PlantedCorpus
        The documents, the planted shares as generated (``truth``), the plan and the words.

    Raises
    ------
    ConfigError
        If the plan is malformed (missing columns, numbering that is not 1, 2, ..., an unknown
        domain, shares outside [0, 1] or summing to more than 1) or a non-zero share is less
        than three words of its section; if a size is not a positive integer.

    Examples
    --------
    >>> import corpus_tm as ctm
    >>> planted = ctm.make_planted_corpus(random_state=0)
    >>> units = ctm.split_sections(planted.documents).units
    >>> shares = ctm.section_shares(ctm.dictionary_shares(units), interval="none")
    >>> agreement = ctm.planted_agreement(shares, planted.truth)
    >>> agreement.domains.set_index("domain").loc["biological", "spearman"] > 0.9
    True
    """
    lexicon = default_lexicon() if lexicon is None else lexicon
    check_int("paragraphs_per_section", paragraphs_per_section, low=1)
    check_int("sentences_per_paragraph", sentences_per_paragraph, low=1)
    check_int("words_per_sentence", words_per_sentence, low=_MIN_DOMAIN_SENTENCE)
    if plan is None:
        plan = default_planted_plan(10 if n_documents is None else n_documents)
    elif n_documents is not None:
        raise ConfigError("n_documents applies to the default plan only; it is set by `plan`.")
    plan = _check_plan(plan, lexicon)
    rng = np.random.default_rng(random_state)
    section_words = paragraphs_per_section * sentences_per_paragraph * words_per_sentence
    active = set(plan.loc[plan["share"].gt(0) & plan["domain"].ne(OTHER), "domain"])
    vocabulary = _planted_vocabulary(lexicon, [d for d in lexicon.domain_ids if d in active], rng)
    sizes = {
        "paragraphs": paragraphs_per_section,
        "sentences": sentences_per_paragraph,
        "words": words_per_sentence,
        "section_words": section_words,
    }
    texts: list[str] = []
    truth_rows: list[tuple[str, int, int, str, dict[str, int]]] = []
    shares_of: dict[str, dict[int, dict[int, dict[str, float]]]] = {}
    for doc_id, part, section, domain, share in plan.itertuples(index=False):
        sections = shares_of.setdefault(doc_id, {}).setdefault(part, {})
        sections.setdefault(section, {})[domain] = share
    for doc_id, parts in shares_of.items():
        paragraphs: list[str] = []
        for part, sections in parts.items():
            paragraphs.append(f"{part}、 {_phrase(rng, vocabulary.generic, 3, 5)}")
            for section, shares in sections.items():
                ordinal = ORDINALS[section - 1]
                paragraphs.append(f"{ordinal}, {_phrase(rng, vocabulary.generic, 3, 6).lower()}.")
                where = f"{doc_id} part {part} section {section}"
                section_paragraphs, counts = _planted_section(shares, vocabulary, sizes, rng, where)
                paragraphs.extend(section_paragraphs)
                truth_rows.append((doc_id, part, section, f"{part}.{section} {ordinal}", counts))
        closing = [
            text
            for _, text in _generic_sentences(
                sentences_per_paragraph * words_per_sentence, vocabulary, words_per_sentence, rng
            )
        ]
        paragraphs.append(" ".join(closing))
        last_part = max(parts) + 1
        closing_words = {OTHER: count_words(paragraphs[-1])}
        truth_rows.append((doc_id, last_part, 0, "Closing", closing_words))
        texts.append("\n\n".join(paragraphs) + "\n")
    doc_ids = list(shares_of)
    domains = [*lexicon.domain_ids, OTHER]
    rows = []
    for doc_id, part, section, label, counts in truth_rows:
        total = sum(counts.values())
        for domain in domains:
            share = counts.get(domain, 0) / total
            rows.append((doc_id, part, section, label, domain, share, total))
    truth = pd.DataFrame(
        rows, columns=["doc_id", "part", "section", "label", "domain", "share", "n_tokens"]
    ).astype({"part": "int64", "section": "int64", "n_tokens": "int64"})
    params = {
        "lexicon": lexicon.name or lexicon.source,
        "n_documents": len(doc_ids),
        "paragraphs_per_section": paragraphs_per_section,
        "sentences_per_paragraph": sentences_per_paragraph,
        "words_per_sentence": words_per_sentence,
        "seed_fraction": PLANTED_SEED_FRACTION,
        "context_fraction": PLANTED_CONTEXT_FRACTION,
        "random_state": random_state,
    }
    return PlantedCorpus(
        documents=pd.DataFrame({"doc_id": doc_ids, "text": texts}),
        truth=truth,
        plan=plan,
        words=vocabulary.table(),
        params=params,
    )


def planted_agreement(estimated: pd.DataFrame, truth: pd.DataFrame) -> PlantedAgreement:
    """Compare estimated section shares with the planted truth.

    Parameters
    ----------
    estimated : pandas.DataFrame
        Section shares from :func:`corpus_tm.section_shares` with ``level="section"`` (any
        number of methods: rows are grouped by ``method``): ``doc_id, section, domain,
        share`` with ``section`` as ``"<part>.<section>"``.
    truth : pandas.DataFrame
        :attr:`PlantedCorpus.truth` (``doc_id, part, section, label, domain, share``), or a
        subset of its rows (drop the ``"Closing"`` sections to leave them out).

    Returns
    -------
    PlantedAgreement
        Per section and domain, and per domain across sections; only the sections and
        domains in both tables are compared.

    Raises
    ------
    InputError
        If a column is missing, ``estimated`` is not at the sub-section level or the two
        tables have no section in common.
    """
    for name, table, columns in (
        ("estimated", estimated, ["doc_id", "section", "domain", "share"]),
        ("truth", truth, ["doc_id", "part", "section", "domain", "share"]),
    ):
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise InputError(f"{name} lacks the column(s) {', '.join(missing)}.")
    if "level" in estimated.columns and not estimated["level"].eq("section").all():
        raise InputError(
            "estimated must hold sub-section shares: section_shares(..., level='section')."
        )
    est = estimated.assign(
        method=estimated["method"] if "method" in estimated.columns else "",
        doc_id=estimated["doc_id"].astype(str),
        section=estimated["section"].astype(str),
    )[["method", "doc_id", "section", "domain", "share"]].rename(columns={"share": "estimate"})
    true = truth.assign(
        doc_id=truth["doc_id"].astype(str),
        section=truth["part"].astype(int).astype(str)
        + "."
        + truth["section"].astype(int).astype(str),
        label=truth["label"] if "label" in truth.columns else "",
    )[["doc_id", "section", "label", "domain", "share"]].rename(columns={"share": "true_share"})
    sections = true.merge(est, on=["doc_id", "section", "domain"], how="inner", sort=False)
    if sections.empty:
        raise InputError(
            "estimated and truth have no section and domain in common; estimated should come "
            "from section_shares(level='section') on the units of the planted documents."
        )
    sections["error"] = sections["estimate"] - sections["true_share"]
    sections["abs_error"] = sections["error"].abs()
    sections = sections[
        [
            "method",
            "doc_id",
            "section",
            "label",
            "domain",
            "true_share",
            "estimate",
            "error",
            "abs_error",
        ]
    ]
    method_order = {m: i for i, m in enumerate(pd.unique(sections["method"]))}
    sections = sections.sort_values(
        "method", key=lambda s: s.map(method_order), kind="stable"
    ).reset_index(drop=True)
    rows = []
    for (method, domain), group in sections.groupby(["method", "domain"], sort=False):
        rows.append(
            {
                "method": method,
                "domain": domain,
                "n_sections": len(group),
                "spearman": _spearman(group["true_share"].to_numpy(), group["estimate"].to_numpy()),
                "mean_true": group["true_share"].mean(),
                "mean_estimate": group["estimate"].mean(),
                "bias": group["error"].mean(),
                "mean_abs_error": group["abs_error"].mean(),
                "max_abs_error": group["abs_error"].max(),
            }
        )
    return PlantedAgreement(sections=sections, domains=pd.DataFrame(rows))


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (average ranks for ties); NaN if either side is constant."""
    rx = pd.Series(x).rank().to_numpy(dtype=np.float64, copy=True)
    ry = pd.Series(y).rank().to_numpy(dtype=np.float64, copy=True)
    rx -= rx.mean()
    ry -= ry.mean()
    denominator = np.sqrt((rx**2).sum() * (ry**2).sum())
    if len(x) < 2 or denominator == 0:
        return float("nan")
    return float((rx * ry).sum() / denominator)


def _check_plan(plan: Any, lexicon: Lexicon) -> pd.DataFrame:
    """Validate a plan and complete it: every named domain in every section, then ``other``."""
    if not isinstance(plan, pd.DataFrame):
        raise ConfigError(f"plan must be a pandas DataFrame, not {type(plan).__name__}.")
    missing = [c for c in _PLAN_COLUMNS if c not in plan.columns]
    if missing:
        raise ConfigError(
            f"plan lacks the column(s) {', '.join(missing)}; it needs {', '.join(_PLAN_COLUMNS)}."
        )
    if plan.empty:
        raise ConfigError("plan has no rows.")
    plan = plan[_PLAN_COLUMNS].copy()
    plan["doc_id"] = plan["doc_id"].astype(str)
    for column in ("part", "section"):
        values = pd.to_numeric(plan[column], errors="coerce")
        if values.isna().any() or (values != values.round()).any():
            raise ConfigError(f"plan column {column!r} must hold whole numbers.")
        plan[column] = values.astype("int64")
    share = pd.to_numeric(plan["share"], errors="coerce")
    if share.isna().any() or ((share < 0) | (share > 1)).any():
        raise ConfigError("plan shares must be numbers from 0 to 1.")
    plan["share"] = share.astype(float)
    known = {*lexicon.domain_ids, OTHER}
    unknown = sorted(set(plan["domain"]) - known)
    if unknown:
        raise ConfigError(
            f"plan names domain(s) {', '.join(map(repr, unknown))} that are not in lexicon "
            f"{lexicon.name or lexicon.source!r}."
        )
    keys = ["doc_id", "part", "section"]
    if plan.duplicated([*keys, "domain"]).any():
        raise ConfigError("plan has more than one row for a section and domain.")
    doc_order = {d: i for i, d in enumerate(pd.unique(plan["doc_id"]))}
    tree = plan[keys].drop_duplicates()
    tree = tree.assign(_doc=tree["doc_id"].map(doc_order)).sort_values(["_doc", "part", "section"])
    structure: dict[str, dict[int, list[int]]] = {}
    for doc_id, part, section in tree[keys].itertuples(index=False):
        structure.setdefault(doc_id, {}).setdefault(part, []).append(section)
    for doc_id, parts in structure.items():
        if list(parts) != list(range(1, len(parts) + 1)) or len(parts) < 2:
            raise ConfigError(
                f"plan: document {doc_id!r} must have parts 1, 2, ... (at least 2), got "
                f"{list(parts)}."
            )
        for part, numbers in parts.items():
            if numbers != list(range(1, len(numbers) + 1)) or not 2 <= len(numbers) <= 10:
                raise ConfigError(
                    f"plan: part {part} of document {doc_id!r} must have sections 1, 2, ... "
                    f"(2 to 10), got {numbers}."
                )
    named = plan[plan["domain"] != OTHER]
    totals = named.groupby(keys)["share"].sum().reindex(pd.MultiIndex.from_frame(tree[keys]))
    totals = totals.fillna(0.0)
    if (totals > 1 + 1e-9).any():
        doc_id, part, section = totals[totals > 1 + 1e-9].index[0]
        raise ConfigError(
            f"plan: the domain shares of {doc_id!r} part {part} section {section} sum to "
            f"{totals.max():.3f}, more than 1."
        )
    given_other = plan[plan["domain"] == OTHER].set_index(keys)["share"]
    rest = (1.0 - totals).clip(lower=0.0)
    if len(given_other) and not np.allclose(
        given_other.to_numpy(), rest.reindex(given_other.index).to_numpy(), atol=1e-6
    ):
        raise ConfigError("plan: an 'other' share is not 1 minus the section's domain shares.")
    domains = [d for d in lexicon.domain_ids if d in set(named["domain"])]
    share_of = {
        (doc_id, part, section, domain): share
        for doc_id, part, section, domain, share in named.itertuples(index=False)
    }
    rows = []
    for (doc_id, part, section), remainder in zip(
        tree[keys].itertuples(index=False), rest.to_numpy(), strict=True
    ):
        for domain in domains:
            rows.append(
                (doc_id, part, section, domain, share_of.get((doc_id, part, section, domain), 0.0))
            )
        rows.append((doc_id, part, section, OTHER, float(remainder)))
    return pd.DataFrame(rows, columns=_PLAN_COLUMNS)


@dataclass(frozen=True)
class _Vocabulary:
    """The words of a planted corpus: generic words, and seed terms and context per domain."""

    generic: tuple[str, ...]
    seeds: dict[str, tuple[str, ...]]
    seed_lengths: dict[str, np.ndarray]
    context: dict[str, tuple[str, ...]]

    def table(self) -> pd.DataFrame:
        rows = [(OTHER, "generic", w) for w in self.generic]
        for domain in self.seeds:
            rows.extend((domain, "seed", w) for w in self.seeds[domain])
            rows.extend((domain, "context", w) for w in self.context[domain])
        return pd.DataFrame(rows, columns=["domain", "kind", "word"])


def _planted_vocabulary(
    lexicon: Lexicon, domains: Sequence[str], rng: np.random.Generator
) -> _Vocabulary:
    """Seed terms and context words of ``domains``; words the lexicon claims are left out.

    A word is claimed when it is a word of a seed term or of an exclusion phrase, as written
    or lemmatised.
    """
    phrases = [term for _, term in lexicon.terms]
    # phrases that cancel a hit of their domain (lexicon files from version 1.1 on): a generic
    # word next to a seed term must not make one
    phrases += [
        e[-1] if isinstance(e, tuple) else str(e) for e in getattr(lexicon, "exclusions", ())
    ]
    claimed: set[str] = set()
    for phrase in phrases:
        claimed.update(_PLAIN_PIECE.findall(phrase.lower()))
        claimed.update(word_pieces(phrase))

    def free(word: str) -> bool:
        pieces = {*_PLAIN_PIECE.findall(word.lower()), *word_pieces(word)}
        return not pieces & claimed

    generic = tuple(w for w in _GENERIC_WORDS if free(w))
    if len(generic) < 50:
        raise ConfigError(
            f"lexicon {lexicon.name or lexicon.source!r} claims all but {len(generic)} of the "
            "generic words of planted corpora; at least 50 are needed."
        )
    taken = set(generic)
    matched = lexicon.match_vocabulary([t for _, t in lexicon.terms])
    seeds, lengths, context = {}, {}, {}
    for domain in domains:
        terms = tuple(t for t in lexicon[domain].terms if matched.get(t, ("",))[0] == domain)
        if not terms:
            raise ConfigError(f"domain {domain!r} has no seed term that matches as its own.")
        seeds[domain] = terms
        lengths[domain] = np.array([count_words(t) for t in terms], dtype=np.int64)
        words = [w for w in _CONTEXT_WORDS.get(domain, ()) if free(w) and w not in taken]
        if len(words) < 10:
            words = [
                w
                for w in pseudo_words(40, random_state=int(rng.integers(2**32)))
                if free(w) and w not in taken
            ][:20]
        context[domain] = tuple(words)
        taken.update(words)
    return _Vocabulary(generic=generic, seeds=seeds, seed_lengths=lengths, context=context)


_PLAIN_PIECE = re.compile(r"[^\W_]+")


def _phrase(rng: np.random.Generator, words: Sequence[str], low: int, high: int) -> str:
    """A capitalised run of ``low`` to ``high`` distinct words (a heading)."""
    n = int(rng.integers(low, high + 1))
    chosen = [words[i] for i in rng.permutation(len(words))[:n]]
    return " ".join(chosen).capitalize()


def _sentence_lengths(total: int, mean: int, rng: np.random.Generator, low: int = 1) -> list[int]:
    """Split ``total`` words into sentences of about ``mean`` words (each at least ``low``)."""
    if total <= 0:
        return []
    n = max(1, round(total / mean))
    lengths = np.full(n, total // n, dtype=np.int64)
    lengths[: total % n] += 1
    floor = max(low, mean // 2)
    for i in range(n - 1):  # move a few words between neighbours, keeping both long enough
        shift = int(rng.integers(-mean // 4, mean // 4 + 1))
        shift = min(shift, int(lengths[i + 1]) - floor)
        shift = max(shift, floor - int(lengths[i]))
        lengths[i] += shift
        lengths[i + 1] -= shift
    return rng.permutation(lengths).tolist()


def _sentence(words: list[str]) -> str:
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _generic_sentences(
    total: int, vocabulary: _Vocabulary, mean: int, rng: np.random.Generator
) -> list[tuple[str, str]]:
    generic = vocabulary.generic
    return [
        (OTHER, _sentence([generic[i] for i in rng.integers(len(generic), size=length)]))
        for length in _sentence_lengths(total, mean, rng)
    ]


def _domain_sentence(
    domain: str, length: int, vocabulary: _Vocabulary, rng: np.random.Generator, where: str
) -> str:
    """A sentence of ``length`` words: seed terms (not adjacent, not at the ends), context,
    generic words."""
    terms, term_lengths = vocabulary.seeds[domain], vocabulary.seed_lengths[domain]
    target = max(1, round(PLANTED_SEED_FRACTION * length))
    chosen: list[str] = []
    used = 0
    while used < target:
        room = length - used - (len(chosen) + 2)  # non-seed words around k + 1 terms
        limit = min(room, target - used if chosen else max(target + 1, 2))
        fits = np.flatnonzero(term_lengths <= limit)
        if not len(fits):
            break
        pick = int(fits[rng.integers(len(fits))])
        chosen.append(terms[pick])
        used += int(term_lengths[pick])
    if not chosen:
        raise ConfigError(
            f"{where}: a {length}-word sentence about {domain!r} has no room for one of its "
            "seed terms; raise the share or words_per_sentence."
        )
    n_context = max(1, round(PLANTED_CONTEXT_FRACTION * length))
    n_generic = max(0, length - used - n_context)
    n_context = length - used - n_generic
    context, generic = vocabulary.context[domain], vocabulary.generic
    others = [context[i] for i in rng.integers(len(context), size=n_context)]
    others += [generic[i] for i in rng.integers(len(generic), size=n_generic)]
    others = [others[i] for i in rng.permutation(len(others))]
    # insert the terms into distinct inner gaps of the other words
    gaps = sorted((rng.permutation(len(others) - 1)[: len(chosen)] + 1).tolist())
    words: list[str] = []
    previous = 0
    for gap, term in zip(gaps, chosen, strict=True):
        words.extend(others[previous:gap])
        words.append(term)
        previous = gap
    words.extend(others[previous:])
    return _sentence(words)


def _planted_section(
    shares: dict[str, float],
    vocabulary: _Vocabulary,
    sizes: dict[str, int],
    rng: np.random.Generator,
    where: str,
) -> tuple[list[str], dict[str, int]]:
    """The paragraphs of one sub-section and the word tokens of each domain in them."""
    total = sizes["section_words"]
    targets = {d: round(s * total) for d, s in shares.items() if d != OTHER and s > 0}
    excess = sum(targets.values()) - total
    if excess > 0:  # rounding up shares that sum to 1
        largest = max(targets, key=targets.__getitem__)
        targets[largest] -= excess
    sentences: list[tuple[str, str]] = []
    for domain, words in targets.items():
        if words < _MIN_DOMAIN_SENTENCE:
            raise ConfigError(
                f"{where}: the share {shares[domain]} of {domain!r} is {words} of the section's "
                f"{total} words; a domain sentence needs {_MIN_DOMAIN_SENTENCE}. Raise the share "
                "or the section size."
            )
        for length in _sentence_lengths(words, sizes["words"], rng, low=_MIN_DOMAIN_SENTENCE):
            sentences.append((domain, _domain_sentence(domain, length, vocabulary, rng, where)))
    sentences += _generic_sentences(total - sum(targets.values()), vocabulary, sizes["words"], rng)
    if len(sentences) < sizes["paragraphs"]:
        raise ConfigError(
            f"{where}: {len(sentences)} sentences cannot fill {sizes['paragraphs']} paragraphs."
        )
    order = rng.permutation(len(sentences))
    counts: dict[str, int] = {}
    for domain, text in sentences:
        counts[domain] = counts.get(domain, 0) + count_words(text)
    paragraphs = [
        " ".join(sentences[i][1] for i in chunk)
        for chunk in np.array_split(order, sizes["paragraphs"])
    ]
    return paragraphs, counts
