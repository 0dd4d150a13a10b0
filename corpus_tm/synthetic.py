"""Synthetic corpora drawn from a known LDA model, for tests with known answers and benchmarks.

In: the sizes of the model (topics, terms, documents, document length), its Dirichlet priors and
a ``random_state``.
Out: :class:`SyntheticCorpus`, a :class:`~corpus_tm.corpus.Corpus` of generated token lists
together with the true topic-term and document-topic matrices, so that a fitted model can be
scored against the truth (see :func:`topic_recovery`). Also :func:`corpus_from_tokens`, which
wraps any list of token lists in a :class:`~corpus_tm.corpus.Corpus`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from gensim.corpora import Dictionary
from scipy.optimize import linear_sum_assignment

from corpus_tm.corpus import Corpus
from corpus_tm.errors import ConfigError, InputError

__all__ = [
    "SyntheticCorpus",
    "SyntheticDocuments",
    "corpus_from_tokens",
    "draw_lda_documents",
    "make_lda_corpus",
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
        if not isinstance(value, int | np.integer) or value < 1:
            raise ConfigError(f"{name} must be an integer of at least 1, got {value!r}.")
    for name, value in (("alpha", alpha), ("beta", beta)):
        if not np.isfinite(value) or value <= 0:
            raise ConfigError(f"{name} must be a positive number, got {value!r}.")
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
    sim = cosine_matrix(true, fitted)
    rows, cols = linear_sum_assignment(sim, maximize=True)
    return pd.DataFrame({"true_topic": rows, "fitted_topic": cols, "cosine": sim[rows, cols]})


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of ``a`` with every row of ``b`` (zero rows give 0)."""
    a_norm = np.linalg.norm(a, axis=1, keepdims=True)
    b_norm = np.linalg.norm(b, axis=1, keepdims=True)
    a_unit = np.divide(a, a_norm, out=np.zeros_like(a), where=a_norm > 0)
    b_unit = np.divide(b, b_norm, out=np.zeros_like(b), where=b_norm > 0)
    return a_unit @ b_unit.T
