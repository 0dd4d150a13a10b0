"""Preprocessing: from the unit table to a :class:`~corpus_tm.corpus.Corpus`.

In: the unit table (one row per text unit, with ``unit_id`` and ``text`` columns, as made by
:func:`corpus_tm.read_corpus`) and :class:`PreprocessSettings`.
Out: a :class:`~corpus_tm.corpus.Corpus` aligned row by row with the unit table: token lists,
a gensim ``Dictionary`` and, derived from them, the bag of words and a CSR document-term
matrix. Built corpora are cached on disk (see :mod:`corpus_tm.cache`).

What a word, a number, a stop word and a lemma are is the business of the language
(``language="en"``; see :mod:`corpus_tm.language`); the steps below describe English. A unit
table with a ``language`` column is preprocessed one language at a time (each with its own
rules, stop words and phrase statistics) into one shared vocabulary; Chinese units are cut
into words by a segmenter (:mod:`corpus_tm.chinese`) and are not lemmatised.

The steps, in order:

1. **Tokenise.** The lower-cased text is cut at white space and each piece into words (runs
   of letters and digits, joined by inner hyphens or apostrophes) and punctuation. Possessive
   ``'s`` and clitics (``'re``, ``'ll``, ...) are dropped, negated auxiliaries (``don't``)
   are stop words, and a hyphenated word is kept as one term (``non-traditional`` becomes
   ``non_traditional``; ``split_hyphens=True`` splits it instead).
2. **Mark breaks.** Stop words (the language's list plus ``extra_stopwords``; a word is
   one when it or its lemma is listed), numbers, words shorter than ``min_length`` and
   punctuation are removed, and no phrase may span the place where they stood. gensim's
   connector words (``of``, ``the``, ``and``, ...) stay for the moment. Each distinct word is
   looked at once (simplemma is slow), whatever its number of occurrences.
3. **Join phrases** with gensim's ``Phrases`` statistics, ``phrase_layers`` times: two
   words next to each other, possibly with connector words between them, become one term
   when they co-occur often enough (``national_security``, ``rule_of_law``); a second layer
   joins those into longer terms (``overall_national_security_concept``). Counting and joining
   are vectorised with numpy and the scores are gensim's own ``npmi_scorer`` /
   ``original_scorer``: the result is what gensim's ``Phrases`` and ``FrozenPhrases`` give on
   the runs of words between breaks (the tests check this).
4. **Lemmatise** the single words with the language's lemmas (English: simplemma's, checked
   against lemminflect's dictionary; ``risks`` -> ``risk``, ``growing`` -> ``grow``); phrases
   keep their words as written (``united_states``, ``human_rights``, not ``unite_state``).
   Words of three letters or fewer and hyphenated words are kept as written, as the lexicon
   matcher does (simplemma maps ``ai`` to ``be``). Connector words and stop-listed phrases
   are dropped.
5. **Filter the vocabulary** by document frequency (``no_below``, ``no_above``, ``keep_n``)
   and number the terms in sorted order, so the same input and settings always give the same
   vocabulary and matrix, whatever ``n_jobs`` and ``PYTHONHASHSEED`` are.

Steps 1-2, the slow part, run in ``n_jobs`` processes over chunks of units; the rest works
on integer arrays of the whole corpus. The output does not depend on ``n_jobs``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from itertools import chain, pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corpus_tm.cache import (
    discard_entry,
    fingerprint,
    load_entry,
    package_version,
    resolve_cache_dir,
    store_or_warn,
)
from corpus_tm.checks import check_n_jobs
from corpus_tm.corpus import Corpus, TermCounts, TokenLists
from corpus_tm.errors import ConfigError, InputError
from corpus_tm.language import Language, available_languages, get_language
from corpus_tm.parallel import forking_quietly, pool_context, processes_for
from corpus_tm.reporting import progress_bar

__all__ = [
    "CORPUS_FORMAT_VERSION",
    "PreprocessSettings",
    "build_corpus",
    "corpus_key",
    "english_stopwords",
    "load_corpus",
    "preprocess_texts",
    "save_corpus",
]

CORPUS_FORMAT_VERSION = 2
"""Version of the preprocessing output and its on-disk format; part of every cache key."""

CACHE_KIND = "corpus"

PROGRESS_MIN_UNITS = 10_000
"""With ``progress=None`` a progress bar is shown from this many units on."""

logger = logging.getLogger(__name__)

_UNIT, _BREAK = 0, 1  # role ids: start of a unit, a break (stop word, number, punctuation)
_HYPHEN = re.compile(r"[-\u2010\u2011]")  # join compound words in any language
_NO_HYPHENS = str.maketrans(dict.fromkeys("-\u2010\u2011", " "))
_SCORERS = ("npmi", "default")  # gensim's npmi_scorer and original_scorer (_scorer)
_NO_BELOW_FRACTION = 0.0005
_CHUNK_CHARS = 500_000
_PARALLEL_MIN_CHARS = 1_000_000  # below this, starting processes costs more than it saves


# --------------------------------------------------------------------------------------------
# Settings


def _normalise_term(term: str, language: Language) -> str:
    """A stop word or connector as the tokeniser writes terms: case-folded, ``_`` between words."""
    term = language.fold_case(term.strip()).replace("\u2019", "'")
    return "_".join(t for t in re.split(r"[\s\-\u2010\u2011_]+", term) if t)


def _word_tuple(value: Any, name: str, language: Language) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigError(
            f"{name} must be a list of words, such as ['xinhua', 'rule of law'], not {value!r}."
        )
    words = []
    for item in value:
        if not isinstance(item, str) or not _normalise_term(item, language):
            raise ConfigError(f"{name} must contain non-empty strings only, not {item!r}.")
        words.append(_normalise_term(item, language))
    return tuple(sorted(set(words)))


def _stop_lists() -> dict[str, Language]:
    """The standard stop-word lists by name: the lower-cased name of each registered language."""
    return {get_language(code).name.lower(): get_language(code) for code in available_languages()}


@dataclass(frozen=True)
class PreprocessSettings:
    """Every knob of preprocessing, with defaults that suit 50 units as well as 50,000.

    Pass it to :func:`build_corpus` (or pass the fields as keyword arguments there). The
    settings are validated when made; ``dataclasses.asdict(settings)`` is JSON-serialisable
    and is stored in :attr:`Corpus.settings <corpus_tm.corpus.Corpus.settings>`.

    Parameters
    ----------
    text_column : str, default "text"
        Column of the unit table that holds the text.
    lemmatize : bool, default True
        Replace single words by their lemma (``risks`` -> ``risk``; English: simplemma's,
        checked by lemminflect, :meth:`corpus_tm.language.English.lemmatize`). Words of three
        letters or fewer, hyphenated words and the words of phrases are kept as written.
    min_length : int, default 2
        Drop words (after lemmatisation) shorter than this many characters. Two keeps ``un``,
        ``eu``, ``ai`` and ``xi``; raise it to 3 to drop them.
    drop_numbers : bool, default True
        Drop numbers (``2020``, ``3,000``, ``21st``, ``1990s``). Words that mix letters and
        digits (``covid-19``, ``g20``) are kept.
    split_hyphens : bool, default False
        Split hyphenated words (``non-traditional`` -> ``non``, ``traditional``) instead of
        keeping them as one term (``non_traditional``). Split parts can still be joined back by
        the phrase step.
    stopwords : str or None, default None
        The standard list: ``None`` takes the list of ``language`` and is stored as its name
        (``"english"``); the lower-cased name of a registered language takes that language's
        list; ``"none"`` keeps only ``extra_stopwords``. ``"english"`` is
        ``corpus_tm/data/stopwords_en.txt`` (scikit-learn's list without the content words it
        contains, such as ``system`` and ``interest``; see :func:`english_stopwords`).
    extra_stopwords : sequence of str, default ()
        The user's own stop words, added to the standard list. Matched against the
        lower-cased word and its lemma; multi-word entries (``"rule of law"`` or
        ``"rule_of_law"``) remove that phrase. Stored sorted and case-folded as the language
        does (lower-cased for English).
    connector_words : sequence of str or None, default None
        Words allowed inside a phrase (``rule_of_law``). They are never terms themselves.
        ``None`` takes those of ``language`` (English: gensim's ``ENGLISH_CONNECTOR_WORDS``).
    phrase_layers : int or None, default None
        How many times the phrase step runs: 1 gives two-word terms (with connectors in
        between, ``rule_of_law``), 2 also joins those into longer terms. 0 turns phrase
        detection off. ``None`` takes the default of the language of the units, 2 for
        English and 0 for Chinese (the segmenter already keeps compounds whole; on the PRC
        security laws most joined pairs were institutions or pieces of legal formulas, see
        the benchmarks README). A built corpus stores the number for ``language``.
    phrase_min_count : int, default 5
        A phrase must occur at least this many times in the corpus (gensim ``min_count``).
    phrase_threshold : float, default 0.5
        Score a pair must exceed to be joined (gensim ``threshold``). With the default
        ``"npmi"`` scoring the score is in [-1, 1] and does not grow with corpus size; 0.5
        keeps ``national_security`` and ``rule_of_law`` on the example corpus and
        ``climate_change`` and ``security_council`` on the UN speeches.
    phrase_scoring : {"npmi", "default"}, default "npmi"
        gensim's scoring function: normalised pointwise mutual information, or the original
        word2vec score (whose scale grows with the vocabulary; use a threshold of about 10).
    no_below : int, float or None, default None
        Keep terms found in at least this many units (int) or this fraction of units (float in
        (0, 1)). ``None`` adapts to the corpus: 1 for fewer than 10 units, else
        ``max(2, ceil(0.0005 * n_units))`` -- 2 for 50 units, 25 for 50,000.
        See :meth:`resolved_no_below`.
    no_above : float, default 1.0
        Drop terms found in more than this fraction of units. The default keeps every term:
        once stop words are gone, a term found almost everywhere is what the corpus is about
        (``national_security`` is in half the units of the example corpus, so 0.5 would be on
        the edge of dropping it). Use 0.9 or so on large, mixed corpora.
    keep_n : int or None, default None
        Keep at most this many terms, those found in the most units (ties in term order).
        ``None`` keeps all terms that pass ``no_below`` and ``no_above``.
    language : str, default "en"
        Code of the language of the texts (see :func:`corpus_tm.language.get_language`):
        its rules cut words, fold case, find numbers and lemmas, and give the default stop
        words and connector words. ``dataclasses.replace(settings, language=...)`` keeps the
        ``stopwords`` and ``connector_words`` of ``settings``; add ``stopwords=None,
        connector_words=None`` to take those of the new language. A unit table with a
        ``language`` column (one code per unit, from :func:`corpus_tm.load_documents`) overrides
        it unit by unit: see :func:`build_corpus`.
    user_words : sequence of str, default ()
        Words a segmenting language (Chinese) keeps as one token, added to the Chinese terms
        of the bundled lexicon, which it always keeps whole. Stored sorted, stripped and
        lower-cased; languages that cut words at white space (English) ignore them. Part of
        the corpus settings and cache key only when given.

    Raises
    ------
    ConfigError
        If a value is of the wrong type or out of range; the message names the parameter.
    """

    text_column: str = "text"
    lemmatize: bool = True
    min_length: int = 2
    drop_numbers: bool = True
    split_hyphens: bool = False
    stopwords: str | None = None
    extra_stopwords: tuple[str, ...] = ()
    connector_words: tuple[str, ...] | None = None
    phrase_layers: int | None = None
    phrase_min_count: int = 5
    phrase_threshold: float = 0.5
    phrase_scoring: str = "npmi"
    no_below: int | float | None = None
    no_above: float = 1.0
    keep_n: int | None = None
    language: str = "en"
    user_words: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        def fail(name: str, wanted: str) -> None:
            raise ConfigError(f"{name} must be {wanted}, not {getattr(self, name)!r}.")

        def is_int(value: Any) -> bool:
            return isinstance(value, int | np.integer) and not isinstance(value, bool)

        def is_number(value: Any) -> bool:
            return isinstance(value, int | float | np.number) and not isinstance(value, bool)

        if not isinstance(self.text_column, str) or not self.text_column:
            fail("text_column", "the name of the unit table's text column")
        for name in ("lemmatize", "drop_numbers", "split_hyphens"):
            if not isinstance(getattr(self, name), bool):
                fail(name, "True or False")
        if not is_int(self.min_length) or self.min_length < 1:
            fail("min_length", "an integer >= 1")
        if not isinstance(self.language, str) or self.language not in available_languages():
            fail("language", f"a registered language ({', '.join(available_languages())})")
        language = get_language(self.language)
        if self.stopwords is None:
            object.__setattr__(self, "stopwords", language.name.lower())
        lists = [*_stop_lists(), "none"]
        if self.stopwords not in lists:
            fail(
                "stopwords",
                f"{' or '.join(map(repr, lists))} (add your own words with extra_stopwords)",
            )
        object.__setattr__(
            self,
            "extra_stopwords",
            _word_tuple(self.extra_stopwords, "extra_stopwords", language),
        )
        if self.connector_words is None:
            object.__setattr__(self, "connector_words", tuple(language.connector_words))
        connectors = _word_tuple(self.connector_words, "connector_words", language)
        if any("_" in c for c in connectors):
            fail("connector_words", "single words")
        object.__setattr__(self, "connector_words", connectors)
        if self.phrase_layers is not None and (
            not is_int(self.phrase_layers) or not 0 <= self.phrase_layers <= 5
        ):
            fail("phrase_layers", "an integer from 0 (no phrases) to 5, or None")
        if not is_int(self.phrase_min_count) or self.phrase_min_count < 1:
            fail("phrase_min_count", "an integer >= 1")
        if self.phrase_scoring not in _SCORERS:
            fail("phrase_scoring", "'npmi' or 'default'")
        if not is_number(self.phrase_threshold) or not math.isfinite(self.phrase_threshold):
            fail("phrase_threshold", "a number")
        if self.phrase_scoring == "npmi" and not -1 <= self.phrase_threshold < 1:
            fail("phrase_threshold", "in [-1, 1) with phrase_scoring='npmi' (try 0.5)")
        if self.phrase_scoring == "default" and self.phrase_threshold <= 0:
            fail("phrase_threshold", "> 0 with phrase_scoring='default' (try 10)")
        nb = self.no_below
        if not (
            nb is None
            or (is_int(nb) and nb >= 1)
            or (isinstance(nb, float | np.floating) and 0 < nb < 1)
        ):
            fail("no_below", "None (adaptive), a number of units >= 1 or a fraction in (0, 1)")
        if not is_number(self.no_above) or not 0 < self.no_above <= 1:
            fail("no_above", "a fraction of units in (0, 1]")
        if self.keep_n is not None and (not is_int(self.keep_n) or self.keep_n < 1):
            fail("keep_n", "None (no limit) or an integer >= 1")
        if isinstance(self.user_words, str) or not isinstance(self.user_words, Iterable):
            fail("user_words", "a list of words, such as ['网络安全', '关键信息基础设施']")
        user_words = set()
        for word in self.user_words:
            if not isinstance(word, str) or not word.strip():
                raise ConfigError(f"user_words must contain non-empty strings only, not {word!r}.")
            user_words.add(word.strip().lower())
        object.__setattr__(self, "user_words", tuple(sorted(user_words)))
        # Plain Python numbers, so that asdict() is JSON-serialisable.
        for name in ("min_length", "phrase_layers", "phrase_min_count", "keep_n"):  # int, None
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, int(value))
        for name in ("phrase_threshold", "no_above"):
            object.__setattr__(self, name, float(getattr(self, name)))
        if nb is not None:
            object.__setattr__(self, "no_below", int(nb) if is_int(nb) else float(nb))

    def resolved_no_below(self, n_units: int) -> int:
        """The minimum number of units a term must occur in, for a corpus of ``n_units``."""
        if isinstance(self.no_below, int):
            return self.no_below
        if isinstance(self.no_below, float):
            return max(1, math.ceil(self.no_below * n_units))
        if n_units < 10:
            return 1
        return max(2, math.ceil(_NO_BELOW_FRACTION * n_units))

    def resolved_phrase_layers(self) -> int:
        """``phrase_layers``, or when it is None the default of ``language`` (English: 2)."""
        if self.phrase_layers is not None:
            return self.phrase_layers
        return int(getattr(get_language(self.language), "phrase_layers", 2))

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain JSON data (word lists as lists)."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    def resolved_dict(self) -> dict[str, Any]:
        """:meth:`to_dict` as stored in a corpus and hashed into its cache key.

        ``phrase_layers`` is given as the number used for ``language``
        (:meth:`resolved_phrase_layers`) and ``user_words`` is left out when empty, so that
        the settings and cache keys of corpora built before these fields existed stay the
        same.
        """
        data = self.to_dict()
        data["phrase_layers"] = self.resolved_phrase_layers()
        if not data["user_words"]:
            del data["user_words"]
        return data


def _settings_from(
    settings: PreprocessSettings | Mapping[str, Any] | None, overrides: Mapping[str, Any]
) -> PreprocessSettings:
    known = {f.name for f in dataclasses.fields(PreprocessSettings)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ConfigError(
            f"Unknown preprocessing setting(s) {', '.join(unknown)}; the settings are "
            f"{', '.join(sorted(known))}."
        )
    if settings is None:
        return PreprocessSettings(**overrides)
    if isinstance(settings, Mapping):
        return _settings_from(None, {**settings, **overrides})
    if not isinstance(settings, PreprocessSettings):
        raise ConfigError(f"settings must be a PreprocessSettings, not {type(settings).__name__}.")
    return dataclasses.replace(settings, **overrides) if overrides else settings


def english_stopwords() -> frozenset[str]:
    """The bundled English stop-word list (``corpus_tm/data/stopwords_en.txt``).

    The same as ``get_language("en").stop_words`` (see :mod:`corpus_tm.language`).

    Returns
    -------
    frozenset of str
        About 300 lower-case function words: scikit-learn's list without the content words
        it contains (``system``, ``interest``, ``fire``, ``un``, ...), plus a few words from
        gensim's list. The file's header says exactly what was changed.
    """
    return get_language("en").stop_words


def _stopword_set(settings: PreprocessSettings) -> frozenset[str]:
    assert settings.stopwords is not None  # set by PreprocessSettings.__post_init__
    lists = _stop_lists()
    standard = lists[settings.stopwords].stop_words if settings.stopwords in lists else frozenset()
    return standard | frozenset(settings.extra_stopwords)


def _connectors(settings: PreprocessSettings) -> tuple[str, ...]:
    assert settings.connector_words is not None  # set by PreprocessSettings.__post_init__
    return settings.connector_words


def _unchanged(word: str) -> str:
    return word


def _language_of(settings: PreprocessSettings) -> Language:
    """The language of ``settings``, with its ``user_words`` where the language takes them."""
    language = get_language(settings.language)
    with_words = getattr(language, "with_words", None)
    if settings.user_words and with_words is not None:
        return with_words(settings.user_words)  # type: ignore[no-any-return]
    return language


def _settings_for(settings: PreprocessSettings, code: str) -> PreprocessSettings:
    """The settings for the units of language ``code`` in a corpus of several languages.

    ``settings`` itself for units of ``settings.language``; for another language the same
    settings with that language's standard stop words and connector words (and its phrase
    layers, unless ``phrase_layers`` is set).
    """
    if code == settings.language:
        return settings
    return dataclasses.replace(settings, language=code, stopwords=None, connector_words=None)


# --------------------------------------------------------------------------------------------
# Steps 1-2: texts to role ids (runs in worker processes)


class _Tokeniser:
    """Turns texts into an array of role ids, caching the role of every distinct word.

    Role ids: 0 starts a unit, 1 is a break, ``2 .. 1 + n_connectors`` are the connector words
    in sorted order, and higher ids are terms, numbered in order of first sight (the table is
    :attr:`names`). It holds caches, hence a class. What a word, a number and a lemma are is
    the language's business (:mod:`corpus_tm.language`), asked once per distinct word.
    """

    def __init__(self, settings: PreprocessSettings) -> None:
        self.settings = settings
        self.language = language = _language_of(settings)
        # Bound once: the per-word pass below calls them for every distinct word.
        self._pieces = language.token_pieces
        self._lemma = language.lemmatize if settings.lemmatize else _unchanged
        self.stop = _stopword_set(settings)
        self.names: list[str] = ["", "", *_connectors(settings)]
        self.lemmas: list[str] = list(self.names)  # the lemma of each term in names
        self.connector_id = {w: i for i, w in enumerate(self.names) if i > _BREAK}
        self.term_id: dict[str, int] = {}
        # Languages whose numbers can be written in letters (Chinese 三, 二〇二〇) are asked
        # about words of letters too; in English a word of letters is never a number.
        self.letter_numbers = settings.drop_numbers and getattr(
            language, "numbers_in_letters", False
        )
        self.piece_roles: dict[str, int] = {}
        self.word_roles: dict[str, tuple[int, ...]] = {"\x00": (_UNIT,)}

    def _term(self, term: str, lemma: str | None = None) -> int:
        role = self.term_id.get(term)
        if role is None:
            role = self.term_id[term] = len(self.names)
            self.names.append(term)
            self.lemmas.append(term if lemma is None else lemma)
        return role

    def _word_role(self, word: str) -> int:
        """Role of a lower-case word of letters only (the common case)."""
        connector = self.connector_id.get(word)
        if connector is not None:
            return connector
        if word in self.stop or (self.letter_numbers and self.language.is_number(word)):
            return _BREAK
        lemma = self._lemma(word)
        if lemma in self.stop or len(lemma) < self.settings.min_length:
            return _BREAK
        return self.connector_id.get(lemma) or self._term(word, lemma)

    def _piece_role(self, piece: str) -> int:
        """Role of one lower-case word or punctuation mark."""
        if piece.isalpha():
            return self._word_role(piece)
        s, language = self.settings, self.language
        if not any(c.isalnum() for c in piece):
            return _BREAK
        word = language.strip_clitics(piece)
        if word is None:  # a stop word whatever the list says (English "don't")
            return _BREAK
        if _HYPHEN.search(word):
            term = "_".join(_HYPHEN.split(word))
            if s.drop_numbers and language.is_number(term):
                return _BREAK
            if term in self.stop or len(term) < s.min_length:
                return _BREAK
            return self._term(term)
        if s.drop_numbers and language.is_number(word):
            return _BREAK
        return self._word_role(word)

    def _word_roles(self, word: str) -> tuple[int, ...]:
        """Role ids of a lower-case white-space-separated word (``"security,"`` gives two)."""
        pieces = (word,) if word.isalpha() else self._pieces(word)  # letters only: one piece
        cache = self.piece_roles
        roles = []
        for piece in pieces:
            role = cache.get(piece)
            if role is None:
                role = cache[piece] = self._piece_role(piece)
            roles.append(role)
        return tuple(roles)

    def tokenise(self, texts: Sequence[str]) -> np.ndarray:
        """Role ids of ``texts``, each text preceded by a unit start (0)."""
        joined = "\x00 " + " \x00 ".join(t.replace("\x00", " ") for t in texts)
        joined = self.language.fold_case(joined)
        if self.settings.split_hyphens:
            joined = joined.translate(_NO_HYPHENS)
        words = self.language.split_words(joined)
        codes, distinct = pd.factorize(np.array(words, dtype=object))
        cache = self.word_roles
        roles = []
        for word in distinct.tolist():
            role = cache.get(word)
            if role is None:
                role = cache[word] = self._word_roles(word)
            roles.append(role)
        # Expand every word into its role ids with array arithmetic.
        n_roles = np.fromiter(map(len, roles), dtype=np.int64, count=len(roles))
        role_start = np.zeros(len(roles), dtype=np.int64)
        np.cumsum(n_roles[:-1], out=role_start[1:])
        flat_roles = np.fromiter(chain.from_iterable(roles), dtype=np.int32)
        counts = n_roles[codes]
        out_start = np.cumsum(counts) - counts
        shift = np.repeat(role_start[codes] - out_start, counts)
        return flat_roles[np.arange(shift.size) + shift]


_WORKER: _Tokeniser | None = None


def _init_worker(settings: PreprocessSettings) -> None:
    global _WORKER
    _WORKER = _Tokeniser(settings)


_Chunk = tuple[int, int, list[str], list[str], np.ndarray]


def _tokenise_in_worker(texts: Sequence[str]) -> _Chunk:
    """Worker task: role ids of a chunk and the part of the role table not yet sent."""
    assert _WORKER is not None
    start = len(_WORKER.names)
    ids = _WORKER.tokenise(texts)
    return os.getpid(), start, _WORKER.names[start:], _WORKER.lemmas[start:], ids


def _chunks(texts: Sequence[str], n_chunks: int) -> list[tuple[int, int]]:
    """Split ``texts`` into at most ``n_chunks`` contiguous runs of about equal length."""
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    cumulative = np.cumsum(lengths)
    targets = cumulative[-1] * np.arange(1, n_chunks) / n_chunks
    cuts = np.unique(np.searchsorted(cumulative, targets, side="left") + 1)
    bounds = [0, *[int(c) for c in cuts if 0 < c < len(texts)], len(texts)]
    return [(a, b) for a, b in pairwise(bounds) if b > a]


def _tokenise(
    texts: Sequence[str], settings: PreprocessSettings, n_jobs: int, progress: bool
) -> tuple[np.ndarray, list[str], dict[str, int], list[str]]:
    """Steps 1-2 for all texts: one role-id array, the role table, its index and lemmas."""
    total_chars = sum(map(len, texts))
    # Up to n_jobs processes, when the texts are long enough and cores are free.
    n_jobs = processes_for(n_jobs, work=total_chars, min_work=_PARALLEL_MIN_CHARS)
    n_chunks = min(len(texts), 4 * n_jobs) if n_jobs > 1 else 1
    n_chunks = max(n_chunks, math.ceil(total_chars / _CHUNK_CHARS))
    spans = _chunks(texts, min(n_chunks, len(texts)))
    results: list[_Chunk | None] = [None] * len(spans)
    if n_jobs > 1 and len(spans) > 1:
        if settings.lemmatize or settings.language != "en":
            _language_of(settings).prepare()  # load its tables (lemmas, segmenter) before forking
        with ProcessPoolExecutor(
            max_workers=min(n_jobs, len(spans)),
            mp_context=pool_context(),
            initializer=_init_worker,
            initargs=(settings,),
        ) as pool:
            # Submit (and so fork) before the progress bar starts its thread.
            with forking_quietly():
                futures = {
                    pool.submit(_tokenise_in_worker, list(texts[a:b])): i
                    for i, (a, b) in enumerate(spans)
                }
            with progress_bar(
                total=len(texts), unit="unit", desc="tokenise", show=progress
            ) as bar:
                for future in as_completed(futures):
                    i = futures[future]
                    results[i] = future.result()
                    bar.update(spans[i][1] - spans[i][0])
    else:
        tokeniser = _Tokeniser(settings)
        with progress_bar(total=len(texts), unit="unit", desc="tokenise", show=progress) as bar:
            for i, (a, b) in enumerate(spans):
                start = len(tokeniser.names)
                ids = tokeniser.tokenise(texts[a:b])
                results[i] = (0, start, tokeniser.names[start:], tokeniser.lemmas[start:], ids)
                bar.update(b - a)

    # Put each worker's role table together and map its ids to one global table.
    done = [r for r in results if r is not None]
    fixed = ["", "", *_connectors(settings)]
    tables: dict[int, tuple[list[str], list[str]]] = {}
    for pid, start, new_names, new_lemmas, _ in sorted(done, key=lambda r: (r[0], r[1])):
        table, table_lemmas = tables.setdefault(pid, (list(fixed), list(fixed)))
        table[start:] = new_names
        table_lemmas[start:] = new_lemmas
    names, lemmas = list(fixed), list(fixed)
    index = {name: i for i, name in enumerate(names) if i >= len(fixed)}
    mappings = {}
    for pid in sorted(tables):
        table, table_lemmas = tables[pid]
        mapping = np.arange(len(table), dtype=np.int32)
        for local in range(len(fixed), len(table)):
            name = table[local]
            glob = index.get(name)
            if glob is None:
                glob = index[name] = len(names)
                names.append(name)
                lemmas.append(table_lemmas[local])
            mapping[local] = glob
        mappings[pid] = mapping
    ids = np.concatenate([mappings[chunk[0]][chunk[-1]] for chunk in done])
    return ids, names, index, lemmas


# --------------------------------------------------------------------------------------------
# Step 3: phrases


def _scorer(scoring: str) -> Any:
    """gensim's phrase scorer of that name (gensim imported only when phrases are joined)."""
    from gensim.models.phrases import npmi_scorer, original_scorer

    return {"npmi": npmi_scorer, "default": original_scorer}[scoring]


def _join_phrases(
    ids: np.ndarray,
    names: list[str],
    index: dict[str, int],
    *,
    n_connectors: int,
    min_count: int,
    threshold: float,
    scoring: str,
) -> np.ndarray:
    """One layer of gensim-style phrase detection on a role-id array.

    Counts what gensim's ``Phrases`` counts on the runs of ids between breaks (unigrams of
    terms, pairs of neighbouring terms with the connector words between them, the number of
    words), scores the pairs seen ``min_count`` times with gensim's scorer and joins accepted
    pairs greedily from left to right as ``FrozenPhrases.analyze_sentence`` does. New phrase
    terms are appended to ``names``/``index``; the new id array is returned.
    """
    # Positions and keys are int32 where they fit and intermediates are dropped as soon as
    # possible: on ten million tokens every extra array of int64 costs 80 MB.
    first_term = 2 + n_connectors
    is_term = ids >= first_term
    position_type = np.int32 if ids.size < 2**31 - 1 else np.int64
    pos = np.flatnonzero(is_term).astype(position_type)
    if pos.size < 2:
        return ids
    breaks = np.cumsum(ids <= _BREAK, dtype=position_type)
    a, b = pos[:-1], pos[1:]
    same_run = breaks[a] == breaks[b]
    del breaks
    a, b = a[same_run], b[same_run]
    del pos, same_run
    if a.size == 0:
        return ids

    # Connector words between the two terms of a pair, as one integer code per pair.
    gap = b - a - 1
    code = np.zeros(a.size, dtype=np.int64)
    base = n_connectors + 1
    max_gap = int(gap.max())
    if max_gap and base**max_gap < 2**62:
        for i in range(max_gap):
            sel = np.flatnonzero(gap > i)
            code[sel] += (ids[a[sel] + 1 + i].astype(np.int64) - 1) * base**i

        def connectors_of(c: int) -> list[str]:
            out = []
            while c:
                c, digit = divmod(c, base)
                out.append(names[digit + 1])
            return out
    else:
        sequences: dict[tuple[int, ...], int] = {}
        for k in np.flatnonzero(gap).tolist():
            seq = tuple(ids[a[k] + 1 : b[k]].tolist())
            code[k] = sequences.setdefault(seq, len(sequences) + 1)
        by_code = {c: [names[i] for i in seq] for seq, c in sequences.items()}

        def connectors_of(c: int) -> list[str]:
            return by_code.get(c, [])

    del gap
    # Distinct (first, connectors, second) keys and their counts.
    n_names = len(names)
    key_type = np.int32 if n_names < 2**31 - 1 else np.int64
    if int(code.max()) < (2**62) // (n_names * n_names):
        key = code
        key *= n_names
        key += ids[a]
        key *= n_names
        key += ids[b]
        del code
        order = np.argsort(key)
        sorted_key = key[order]
        del key
        new_key = np.ones(order.size, dtype=bool)
        new_key[1:] = sorted_key[1:] != sorted_key[:-1]
        distinct = sorted_key[new_key]
        del sorted_key
        k2 = distinct % n_names
        k1 = (distinct // n_names) % n_names
        kc = distinct // (n_names * n_names)
        del distinct
    else:
        first, second = ids[a], ids[b]
        order = np.lexsort((second, first, code))
        s1, s2, sc = first[order], second[order], code[order]
        new_key = np.ones(order.size, dtype=bool)
        new_key[1:] = (s1[1:] != s1[:-1]) | (s2[1:] != s2[:-1]) | (sc[1:] != sc[:-1])
        k1, k2, kc = s1[new_key], s2[new_key], sc[new_key]
        del first, second, code, s1, s2, sc
    key_of_sorted = np.cumsum(new_key, dtype=key_type) - 1
    del new_key
    key_of_pair = np.empty_like(key_of_sorted)
    key_of_pair[order] = key_of_sorted
    del order
    key_count = np.bincount(key_of_sorted)
    del key_of_sorted

    unigram = np.bincount(ids[is_term], minlength=len(names))
    word_count = int(np.count_nonzero(ids > _BREAK))
    len_vocab = int(np.count_nonzero(unigram)) + int(key_count.size)
    scorer = _scorer(scoring)
    phrase_of_key = np.full(key_count.size, -1, dtype=np.int32)
    for k in np.flatnonzero(key_count >= min_count).tolist():
        score = scorer(
            worda_count=int(unigram[k1[k]]),
            wordb_count=int(unigram[k2[k]]),
            bigram_count=int(key_count[k]),
            len_vocab=len_vocab,
            min_count=min_count,
            corpus_word_count=word_count,
        )
        if score > threshold:
            name = "_".join([names[k1[k]], *connectors_of(int(kc[k])), names[k2[k]]])
            term = index.get(name)
            if term is None:
                term = index[name] = len(names)
                names.append(name)
            phrase_of_key[k] = term
    phrase = phrase_of_key[key_of_pair]
    candidate = phrase >= 0
    if not candidate.any():
        return ids

    # Greedy left-to-right joining: a pair whose first term ended the previous joined pair
    # is skipped, so in a run of joinable pairs every other one is joined.
    shares = np.zeros(a.size, dtype=bool)
    shares[1:] = b[:-1] == a[1:]
    continues = candidate & shares
    continues[1:] &= candidate[:-1]
    continues[0] = False
    steps = np.arange(a.size, dtype=position_type)
    run_start = np.maximum.accumulate(np.where(candidate & ~continues, steps, 0))
    taken = candidate & ((steps - run_start) % 2 == 0)

    out = ids.copy()
    out[a[taken]] = phrase[taken]
    # Drop the connectors and second term of each joined pair. Joined pairs do not overlap,
    # so the positions a + 1 and b + 1 are all distinct.
    cover = np.zeros(ids.size + 1, dtype=np.int32)
    cover[a[taken] + 1] += 1
    cover[b[taken] + 1] -= 1
    return out[np.cumsum(cover[:-1]) == 0]


def _term_tokens(
    texts: Sequence[str],
    settings: PreprocessSettings,
    n_jobs: int,
    progress: bool,
    languages: Sequence[str | None] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Steps 1-4 for texts in one or more languages (``languages``: a code per text).

    Texts in ``settings.language`` (all of them when ``languages`` is None) are preprocessed
    with ``settings``; those of another language, as one group a language, with
    :func:`_settings_for` that language. The groups share one term table; tokens come back in
    text order. Returns what :func:`_term_tokens_of` returns.
    """
    groups = _language_groups(languages, settings.language, len(texts))
    if groups is None:
        return _term_tokens_of(texts, settings, n_jobs, progress)
    table: dict[str, int] = {}
    all_terms, all_units = [], []
    for code, rows in groups:
        terms, unit_of, names = _term_tokens_of(
            [texts[i] for i in rows.tolist()], _settings_for(settings, code), n_jobs, progress
        )
        mapping = np.fromiter(
            (table.setdefault(name, len(table)) for name in names), dtype=np.int64, count=len(names)
        )
        all_terms.append(mapping[terms])
        all_units.append(rows[unit_of])
    unit_of = np.concatenate(all_units)
    order = np.argsort(unit_of, kind="stable")  # text order; within a unit, token order
    return np.concatenate(all_terms)[order], unit_of[order], list(table)


def _language_groups(
    languages: Sequence[str | None] | None, default: str, n_texts: int
) -> list[tuple[str, np.ndarray]] | None:
    """``(code, row numbers)`` of each language, codes sorted; None if all are ``default``."""
    if languages is None:
        return None
    if len(languages) != n_texts:
        raise InputError(f"languages has {len(languages)} codes for {n_texts} texts.")
    codes = np.array([default if code is None else code for code in languages], dtype=object)
    if (codes == default).all():
        return None
    return [(str(code), np.flatnonzero(codes == code)) for code in sorted(set(codes.tolist()))]


def _term_tokens_of(
    texts: Sequence[str], settings: PreprocessSettings, n_jobs: int, progress: bool
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Steps 1-4: term ids of all kept tokens, the unit of each, and the term table.

    In the term table, ids that name the same term after lemmatisation share the id of its
    first occurrence; the returned term ids are those canonical ids.
    """
    started = time.perf_counter()
    ids, names, index, lemmas = _tokenise(texts, settings, n_jobs, progress)
    logger.debug("tokenised %d units in %.2fs", len(texts), time.perf_counter() - started)
    n_connectors = len(_connectors(settings))
    for layer in range(settings.resolved_phrase_layers()):
        started = time.perf_counter()
        before = len(names)
        ids = _join_phrases(
            ids,
            names,
            index,
            n_connectors=n_connectors,
            min_count=settings.phrase_min_count,
            threshold=settings.phrase_threshold,
            scoring=settings.phrase_scoring,
        )
        logger.debug(
            "phrase layer %d: %d new phrases in %.2fs",
            layer + 1,
            len(names) - before,
            time.perf_counter() - started,
        )
    # Single words become their lemma; phrases keep their words as written.
    terms = lemmas + names[len(lemmas) :]
    first: dict[str, int] = {}
    canonical = np.fromiter(
        (first.setdefault(term, i) for i, term in enumerate(terms)),
        dtype=np.int64,
        count=len(terms),
    )
    unit_of = np.cumsum(ids == _UNIT) - 1
    stop = _stopword_set(settings)
    keep_term = np.fromiter((t not in stop for t in terms), dtype=bool, count=len(terms))
    keep_term[: 2 + n_connectors] = False
    keep = keep_term[ids]
    return canonical[ids[keep]], unit_of[keep], terms


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (``np.unique`` by sorting, much faster here than by hashing)."""
    values = np.sort(values)
    if values.size:
        values = values[np.concatenate(([True], values[1:] != values[:-1]))]
    return values


def _split(flat: list[str], unit_of: np.ndarray, n_units: int) -> list[list[str]]:
    offsets = np.zeros(n_units + 1, dtype=np.int64)
    np.cumsum(np.bincount(unit_of, minlength=n_units), out=offsets[1:])
    bounds = offsets.tolist()
    return [flat[bounds[i] : bounds[i + 1]] for i in range(n_units)]


def _missing(code: Any) -> bool:
    """An empty cell of a language column: None, NaN, pd.NA or ``""``."""
    if isinstance(code, str):
        return not code.strip()
    return code is None or bool(pd.isna(code))


def _check_languages(codes: list[Any], what: str, names: Sequence[str] | None = None) -> list[Any]:
    """Language codes (or None/NaN: the default) that are all registered languages."""
    codes = [None if _missing(code) else code for code in codes]
    known = set(available_languages())
    bad = [i for i, code in enumerate(codes) if code is not None and code not in known]
    if bad:
        where = names if names is not None else [str(i) for i in range(len(codes))]
        shown = ", ".join(f"{where[i]} ({codes[i]!r})" for i in bad[:5])
        raise InputError(
            f"{what} must hold codes of registered languages ({', '.join(sorted(known))}); "
            f"{len(bad)} do not, e.g. {shown}. Fix the codes (load_documents(..., language=...) "
            "sets them) or register the language with corpus_tm.register_language."
        )
    return codes


def _unit_languages(units: pd.DataFrame, unit_ids: list[str]) -> list[Any] | None:
    """The ``language`` column of a unit table, checked; None without the column."""
    if "language" not in units.columns:
        return None
    codes = units["language"].tolist()
    return _check_languages(codes, "The unit table's language column", unit_ids)


def _check_texts(texts: Any, what: str) -> list[str]:
    if isinstance(texts, str):
        raise InputError(f"{what} must be a sequence of texts, not a single string.")
    texts = list(texts)
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise InputError(
            f"{what} must hold strings; item(s) {bad[:5]} are "
            f"{', '.join(sorted({type(texts[i]).__name__ for i in bad}))}. "
            "Fill missing texts with '' or drop those rows."
        )
    return texts


def preprocess_texts(
    texts: Iterable[str],
    settings: PreprocessSettings | None = None,
    *,
    n_jobs: int | None = 1,
    progress: bool | None = None,
    languages: Sequence[str | None] | None = None,
    **setting_overrides: Any,
) -> list[list[str]]:
    """Tokenise, lemmatise, remove stop words and join phrases, without a vocabulary filter.

    Parameters
    ----------
    texts : iterable of str
        The texts; phrase statistics are learnt from all of them together.
    settings : PreprocessSettings, optional
        Defaults to ``PreprocessSettings()``; ``no_below``, ``no_above`` and ``keep_n`` are
        not used here.
    n_jobs : int or None, default 1
        Most processes for tokenising and lemmatising (-1: all cores, -2: all but one), used
        from 1,000,000 characters on cores the load leaves free. The result is the same.
    progress : bool, optional
        Show a progress bar; by default only from 10,000 texts on.
    languages : sequence of str, optional
        The language code of each text (``None`` items: ``settings.language``), as the
        ``language`` column of a unit table gives it to :func:`build_corpus`; by default all
        texts are in ``settings.language``.
    **setting_overrides
        Fields of :class:`PreprocessSettings` to change, e.g. ``phrase_layers=1``.

    Returns
    -------
    list of list of str
        The tokens of each text, in text order.

    Examples
    --------
    >>> preprocess_texts(["The risks to national security.", "No risk, no fun."],
    ...                  phrase_layers=0)
    [['risk', 'national', 'security'], ['risk', 'fun']]
    """
    settings = _settings_from(settings, setting_overrides)
    texts = _check_texts(texts, "texts")
    if not texts:
        return []
    n_jobs = check_n_jobs(n_jobs)
    show = len(texts) >= PROGRESS_MIN_UNITS if progress is None else bool(progress)
    codes = None if languages is None else _check_languages(list(languages), "languages")
    terms, unit_of, names = _term_tokens(texts, settings, n_jobs, show, codes)
    flat = list(map(names.__getitem__, terms.tolist()))
    return _split(flat, unit_of, len(texts))


# --------------------------------------------------------------------------------------------
# Steps 4-5 and the corpus


def _term_counts(
    vocabulary: Sequence[str],
    dfs: Sequence[int] | np.ndarray,
    cfs: Sequence[int] | np.ndarray,
    *,
    num_docs: int,
    num_pos: int,
    num_nnz: int,
) -> TermCounts:
    return TermCounts(
        vocabulary=list(vocabulary),
        dfs=[int(n) for n in dfs],
        cfs=[int(n) for n in cfs],
        num_docs=int(num_docs),
        num_pos=int(num_pos),
        num_nnz=int(num_nnz),
    )


def _make_dictionary(
    vocabulary: Sequence[str],
    dfs: Sequence[int] | np.ndarray,
    cfs: Sequence[int] | np.ndarray,
    *,
    num_docs: int,
    num_pos: int,
    num_nnz: int,
) -> Any:
    """A gensim ``Dictionary`` with these terms (ids in order) and counts."""
    return _term_counts(
        vocabulary, dfs, cfs, num_docs=num_docs, num_pos=num_pos, num_nnz=num_nnz
    ).to_dictionary()


def _check_units(units: Any, text_column: str) -> tuple[list[str], list[str]]:
    if not isinstance(units, pd.DataFrame):
        raise InputError(
            f"units must be a pandas DataFrame (the unit table from read_corpus), not "
            f"{type(units).__name__}."
        )
    missing = [c for c in ("unit_id", text_column) if c not in units.columns]
    if missing:
        raise InputError(
            f"The unit table has no column(s) {', '.join(map(repr, missing))}; it needs "
            f"'unit_id' and the text column {text_column!r} (set text_column=... if the text "
            "is elsewhere). Make the table with corpus_tm.read_corpus."
        )
    if units.empty:
        raise InputError("The unit table is empty: there is nothing to preprocess.")
    unit_ids = [str(u) for u in units["unit_id"].tolist()]
    if len(set(unit_ids)) != len(unit_ids):
        counts = pd.Series(unit_ids).value_counts()
        dupes = sorted(counts.index[counts > 1])
        raise InputError(
            f"unit_id must be unique; repeated: {', '.join(dupes[:5])}"
            f"{' ...' if len(dupes) > 5 else ''}."
        )
    texts = units[text_column].tolist()
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise InputError(
            f"Column {text_column!r} must hold text; {len(bad)} unit(s) have none or another "
            f"type, e.g. {', '.join(unit_ids[i] for i in bad[:5])}. Fill missing texts with '' "
            "or drop those rows."
        )
    return unit_ids, texts


def corpus_key(
    unit_ids: Sequence[str],
    texts: Sequence[str],
    settings: PreprocessSettings,
    languages: Sequence[str | None] | None = None,
) -> str:
    """Cache key and fingerprint of the corpus built from these units with these settings.

    A sha256 over the unit ids, the texts, the settings, the corpus_tm version and
    :data:`CORPUS_FORMAT_VERSION`; when some unit is not in ``settings.language``
    (``languages``: a code per unit) also over the codes; and when a language used has a
    segmenter dictionary (Chinese: the lexicon's terms and ``user_words``), over its words.
    """
    parts: list[Any] = [settings.resolved_dict(), list(unit_ids), list(texts)]
    groups = _language_groups(languages, settings.language, len(texts))
    if groups is not None:
        codes = [settings.language if c is None else c for c in languages or ()]
        per_language = {code: _settings_for(settings, code).resolved_dict() for code, _ in groups}
        parts.append({"languages": codes, "settings": per_language})
    used = [code for code, _ in groups] if groups is not None else [settings.language]
    words = {
        code: list(getattr(_language_of(_settings_for(settings, code)), "dictionary_words", ()))
        for code in used
    }
    words = {code: w for code, w in words.items() if w}
    if words:
        parts.append({"dictionary_words": words})
    return fingerprint("corpus_tm.preprocessing", CORPUS_FORMAT_VERSION, package_version(), *parts)


def _empty_vocabulary_error(
    settings: PreprocessSettings, n_units: int, n_tokens: int, no_below: int
) -> InputError:
    if n_tokens == 0:
        why = "preprocessing removed every word"
        relax = (
            "extra_stopwords, stopwords, min_length, drop_numbers or lemmatize (is the text in "
            f"{get_language(settings.language).name} and in the text column?)"
        )
    else:
        why = (
            f"{n_tokens} tokens remain, but no term passes the vocabulary filter (no_below="
            f"{no_below} units, no_above={settings.no_above}, keep_n={settings.keep_n})"
        )
        relax = "no_below (e.g. no_below=1) or no_above (e.g. no_above=1.0)"
    return InputError(
        f"The vocabulary is empty: {why} in {n_units} unit(s). Relax the settings {relax}."
    )


def _build(
    units: pd.DataFrame,
    texts: list[str],
    settings: PreprocessSettings,
    key: str,
    n_jobs: int,
    progress: bool,
    languages: Sequence[str | None] | None = None,
) -> Corpus:
    n_units = len(texts)
    terms, unit_of, names = _term_tokens(texts, settings, n_jobs, progress, languages)
    n_names = len(names)
    df = np.bincount(_distinct(unit_of * n_names + terms) % n_names, minlength=n_names)
    cf = np.bincount(terms, minlength=n_names)
    no_below = settings.resolved_no_below(n_units)
    keep = (cf > 0) & (df >= no_below) & (df <= settings.no_above * n_units)
    kept = np.flatnonzero(keep).tolist()
    if settings.keep_n is not None and len(kept) > settings.keep_n:
        kept = sorted(kept, key=lambda i: (-df[i], names[i]))[: settings.keep_n]
    kept.sort(key=names.__getitem__)
    if not kept:
        raise _empty_vocabulary_error(settings, n_units, int(terms.size), no_below)
    vocabulary = [names[i] for i in kept]
    new_id = np.full(n_names, -1, dtype=np.int64)
    new_id[kept] = np.arange(len(kept))
    final = new_id[terms]
    in_vocabulary = final >= 0
    final, unit_of = final[in_vocabulary], unit_of[in_vocabulary]
    offsets = np.zeros(n_units + 1, dtype=np.int64)
    np.cumsum(np.bincount(unit_of, minlength=n_units), out=offsets[1:])
    tokens = TokenLists(final.astype(np.int32), offsets, vocabulary)
    dictionary = _term_counts(
        vocabulary,
        df[kept],
        cf[kept],
        num_docs=n_units,
        num_pos=final.size,
        num_nnz=_distinct(unit_of * len(vocabulary) + final).size,
    )
    logger.info(
        "built corpus: %d units, %d terms, %d tokens (no_below=%d)",
        n_units,
        len(vocabulary),
        final.size,
        no_below,
    )
    return Corpus(
        units=units.reset_index(drop=True),
        tokens=tokens,
        dictionary=dictionary,
        settings=settings.resolved_dict(),
        fingerprint=key,
    )


def build_corpus(
    units: pd.DataFrame,
    *,
    settings: PreprocessSettings | None = None,
    n_jobs: int | None = 1,
    cache_dir: str | os.PathLike[str] | bool | None = None,
    progress: bool | None = None,
    **setting_overrides: Any,
) -> Corpus:
    """Preprocess a unit table into a :class:`~corpus_tm.corpus.Corpus`, cached on disk.

    Parameters
    ----------
    units : pandas.DataFrame
        The unit table from :func:`corpus_tm.read_corpus`: one row per unit with a unique
        ``unit_id`` and the text in ``settings.text_column`` (``"text"``). An optional
        ``language`` column (codes such as ``"en"``, ``"zh"``; empty cells count as
        ``settings.language``) gives each unit's language: each unit is tokenised with the
        rules of its own language into one shared vocabulary. Units in
        ``settings.language`` use ``settings`` as they are; units of another language use the
        same settings with that language's standard stop words, connector words and phrase
        layers (``extra_stopwords``, ``user_words``, ``min_length`` and the vocabulary
        filter apply to all), and phrases are learnt within each language. Without the
        column every unit is in ``settings.language``.
    settings : PreprocessSettings, optional
        The preprocessing settings; ``PreprocessSettings()`` by default.
    n_jobs : int or None, default 1
        Most processes for tokenising and lemmatising (the slow part; -1: all cores, -2: all
        but one), used from 1,000,000 characters on cores the load leaves free. The corpus is
        identical whatever the value.
    cache_dir : str, path-like, bool or None, default None
        Where built corpora are cached. ``None``: the ``CORPUS_TM_CACHE_DIR`` environment
        variable, else ``.corpus_tm_cache`` in the working directory. ``False``: no cache.
        The cache key covers the unit ids, the texts, the settings (with ``user_words``),
        the unit languages, the segmenter's lexicon words and the corpus_tm version, so
        changing any of them builds a new corpus.
    progress : bool, optional
        Show a progress bar; by default only for 10,000 units or more.
    **setting_overrides
        Fields of :class:`PreprocessSettings` to change, e.g. ``no_below=3``.

    Returns
    -------
    Corpus
        Units (index reset to 0..n-1), token lists restricted to the vocabulary (units left
        without tokens keep an empty list), the gensim ``Dictionary`` with terms numbered
        in sorted order, the settings as a dict and the cache key as ``fingerprint``.

    Raises
    ------
    InputError
        If the unit table lacks ``unit_id`` or the text column, has repeated unit ids,
        missing texts or a language code that is not registered, or if nothing is left after
        preprocessing (the message names the settings to relax).
    ConfigError
        If a setting is invalid or unknown.

    Examples
    --------
    >>> import corpus_tm as ctm                                         # doctest: +SKIP
    >>> units = ctm.read_corpus("../shared/corpus")                      # doctest: +SKIP
    >>> corpus = build_corpus(units, no_below=3, extra_stopwords=["xinhua"])  # doctest: +SKIP
    >>> corpus.dtm.shape                                                 # doctest: +SKIP
    """
    settings = _settings_from(settings, setting_overrides)
    unit_ids, texts = _check_units(units, settings.text_column)
    n_jobs = check_n_jobs(n_jobs)
    show = len(texts) >= PROGRESS_MIN_UNITS if progress is None else bool(progress)
    languages = _unit_languages(units, unit_ids)
    key = corpus_key(unit_ids, texts, settings, languages)
    root = resolve_cache_dir(cache_dir)
    if root is not None:
        entry = load_entry(root, CACHE_KIND, key)
        if entry is not None:
            try:
                cached = load_corpus(entry)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                discard_entry(entry, reason=f"it cannot be read: {exc}")
            else:
                if cached.unit_ids == unit_ids and cached.fingerprint == key:
                    return cached.with_units(units.reset_index(drop=True))
                discard_entry(entry, reason="it holds another corpus")
    corpus = _build(units, texts, settings, key, n_jobs, show, languages)
    store_or_warn(
        root,
        CACHE_KIND,
        key,
        lambda folder: save_corpus(corpus, folder),
        meta={
            "n_units": len(corpus),
            "n_terms": corpus.n_terms,
            "n_tokens": corpus.n_tokens,
            "no_below": settings.resolved_no_below(len(corpus)),
            "settings": corpus.settings,
        },
    )
    return corpus


# --------------------------------------------------------------------------------------------
# Storage (no pickle: Parquet, JSON and a plain npz)


def save_corpus(corpus: Corpus, folder: str | os.PathLike[str]) -> Path:
    """Write a corpus to ``folder`` in formats that cannot run code when read.

    Files: ``units.parquet`` (the unit table), ``tokens.npz`` (``ids``: the term id of every
    token, int32; ``offsets``: where each unit's tokens start, int64), ``dictionary.json``
    (terms in id order, document and collection frequencies, gensim's counters) and
    ``corpus.json`` (settings, fingerprint, format version).

    Parameters
    ----------
    corpus : Corpus
        The corpus to write.
    folder : str or path-like
        Created if missing; existing files of the same names are overwritten.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    corpus.units.to_parquet(folder / "units.parquet", index=False)
    counts = corpus.term_counts
    vocabulary = counts.vocabulary
    ids, offsets = corpus.token_ids
    if ids.size and int(ids.min()) < 0:
        raise ValueError(
            "the corpus has tokens that are not in its dictionary; it cannot be saved."
        )
    with (folder / "tokens.npz").open("wb") as fh:
        np.savez(fh, ids=ids, offsets=offsets)
    n_terms = len(vocabulary)
    (folder / "dictionary.json").write_text(
        json.dumps(
            {
                "id2token": vocabulary,
                "dfs": counts.dfs[:n_terms],
                "cfs": counts.cfs[:n_terms],
                "num_docs": counts.num_docs,
                "num_pos": counts.num_pos,
                "num_nnz": counts.num_nnz,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    (folder / "corpus.json").write_text(
        json.dumps(
            {
                "format_version": CORPUS_FORMAT_VERSION,
                "corpus_tm_version": package_version(),
                "fingerprint": corpus.fingerprint,
                "settings": corpus.settings,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return folder


def load_corpus(folder: str | os.PathLike[str]) -> Corpus:
    """Read a corpus written by :func:`save_corpus`.

    Parameters
    ----------
    folder : str or path-like
        A folder written by :func:`save_corpus` (for example a cache entry).

    Returns
    -------
    Corpus
        Equal to the saved one: same units, tokens, vocabulary order and counts.

    Raises
    ------
    InputError
        If a file is missing or was written by another format version.
    """
    folder = Path(folder)
    try:
        meta = json.loads((folder / "corpus.json").read_text(encoding="utf-8"))
        if meta.get("format_version") != CORPUS_FORMAT_VERSION:
            raise InputError(
                f"{folder} holds a corpus in format {meta.get('format_version')!r}; this "
                f"corpus_tm reads format {CORPUS_FORMAT_VERSION}. Rebuild it with build_corpus."
            )
        stored = json.loads((folder / "dictionary.json").read_text(encoding="utf-8"))
        with np.load(folder / "tokens.npz", allow_pickle=False) as npz:
            ids, offsets = npz["ids"], npz["offsets"]
        units = pd.read_parquet(folder / "units.parquet")
    except FileNotFoundError as exc:
        raise InputError(
            f"{folder} is not a saved corpus: {Path(exc.filename).name} is missing."
        ) from exc
    vocabulary = stored["id2token"]
    if len(offsets) != len(units) + 1 or (ids.size and int(ids.max()) >= len(vocabulary)):
        raise InputError(f"{folder}: tokens.npz does not match units.parquet/dictionary.json.")
    try:
        tokens = TokenLists(ids, offsets, vocabulary)
    except ValueError as exc:
        raise InputError(f"{folder}: tokens.npz is damaged ({exc}). Rebuild the corpus.") from exc
    dictionary = _term_counts(
        vocabulary,
        stored["dfs"],
        stored["cfs"],
        num_docs=stored["num_docs"],
        num_pos=stored["num_pos"],
        num_nnz=stored["num_nnz"],
    )
    return Corpus(
        units=units,
        tokens=tokens,
        dictionary=dictionary,
        settings=meta.get("settings", {}),
        fingerprint=meta.get("fingerprint", ""),
    )
