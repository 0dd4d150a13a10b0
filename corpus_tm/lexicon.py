"""Security-domain lexicons: load, validate, match and report coverage.

In: a TOML lexicon file (or the default one shipped in ``corpus_tm/data/domains.toml``) and,
for the coverage report, a :class:`~corpus_tm.corpus.Corpus` or a unit table.
Out: a :class:`Lexicon` (frozen: domains with a label, the year each entered the official
list, seed terms and exclusion phrases in the lexicon's language, and the same domains' labels,
terms and exclusions in other languages) and tidy coverage tables.

A lexicon file looks like this::

    [lexicon]                      # optional
    name = "my-lexicon"
    version = "1.0"
    description = "..."
    language = "en"

    [domains.biological]
    label = "Biological security"  # optional, defaults to the id
    year = 2020                    # optional
    description = "..."            # optional
    terms = ["biosafety", "biosecurity", "biological security", "infectious disease",
             "outbreak"]
    exclude = ["outbreak of war", "outbreak of violence"]   # optional

Domain ids are lower-case identifiers (``science_technology``); ``other`` is reserved for
what no domain claims. Every domain needs at least one term and no term may belong to two
domains; unknown keys are errors, so a typo cannot silently drop a setting.

Terms in other languages
------------------------
A domain may give its label, terms and exclusions in another language in a sub-table named
by the language code (the default lexicon has Chinese for every domain)::

    [domains.biological.zh]
    label = "生物安全"            # optional, defaults to the domain's own label
    terms = ["生物安全", "传染病", "疫情", "病原微生物"]
    exclude = []                  # optional, same meaning as the domain's own

The sub-table has only these three keys (others are errors naming the file, the domain and
the language); a sub-table needs terms; no term of a language may belong to two domains and
every exclusion must contain a term of its domain and be longer, as for the lexicon's own
language. Terms and exclusions are compared as written (an exclusion contains the term's
characters); terms are also compared by the language's pieces when the language is
registered (:mod:`corpus_tm.language`), else by :meth:`Lexicon.for_language` once it is.
:attr:`Lexicon.languages` lists the languages with terms and :meth:`Lexicon.for_language`
gives the lexicon in one of them: the same domain ids (so
domain-share tables of all languages have the same columns), that language's labels, terms
and exclusions. The view in the lexicon's own language is the lexicon as it was without the
sub-tables, so adding a language changes no result in the others. Text is matched with the
terms of its own language: :func:`corpus_tm.dictionary_shares` and the topic-to-domain
attribution read each unit's language from the unit table's ``language`` column
(:func:`unit_languages`; without it every unit is in the lexicon's language), and a
corpus vocabulary is matched with the terms of every language of the corpus
(:func:`corpus_languages`, :meth:`Lexicon.match_vocabulary`).

How terms are matched
---------------------
The rules are those of the lexicon's ``language`` (:mod:`corpus_tm.language`; for Chinese
the segmenter of ``get_language("zh").match_pieces`` cuts terms and text alike, and a term
matches where its words follow each other); for English:
text is lower-cased, possessive ``'s`` is dropped and the text is cut into word pieces (runs
of letters or digits: ``covid-19`` gives ``covid 19``); each piece is lemmatised with
simplemma (pieces of three letters or fewer are kept as they are, because simplemma maps
``ai`` to ``be`` and ``us`` to ``we``). A seed term is the same kind of piece sequence and
matches where the sequence occurs, longest term first, without overlaps. Separators do not
matter, so ``non-proliferation``, ``non_proliferation`` and ``non proliferation`` are one
term. A corpus vocabulary term (``national_biosafety``) carries a seed when the seed's
pieces occur in it; when the corpus dropped connector words (``science_technology``), the
seed matches without them too.

Exclusion phrases
-----------------
A domain's optional ``exclude`` list names phrases in which a hit of one of *its* terms does
not count: with ``exclude = ["outbreak of war"]`` the ``outbreak`` of "the outbreak of war"
is no biological hit, while "the outbreak of the epidemic" still is one. An exclusion phrase
is cut into pieces and lemmatised like a term, and every place where it occurs is found;
unlike a term it is not also matched without its connector words (``climate of peace``
without ``of`` would match "climate, peace"), so list the variants you need ("outbreak of
war", "outbreak of the war"). A hit of the domain's terms that lies wholly inside such a
place is dropped and the matcher tries the shorter terms starting at the same piece, so a
term of another domain there still counts. Hits of other domains are never dropped by this
domain's exclusions, and a hit that reaches beyond the phrase is kept. Every exclusion must
contain one of the domain's terms and be longer than it (otherwise it could never apply, or
would remove the term altogether); loading fails naming the file, the domain and the key.
Exclusions apply wherever the matcher is used: coverage, the dictionary baseline, the
evidence trail and the matching of corpus vocabulary terms (``state_party`` carries no
``party`` once ``state party`` is excluded).
"""

from __future__ import annotations

import importlib.resources
import os
import re
import tomllib
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from corpus_tm.errors import ConfigError, CorpusTmWarning
from corpus_tm.language import Language, available_languages, get_language
from corpus_tm.reporting import progress_bar

if TYPE_CHECKING:
    from corpus_tm.corpus import Corpus

__all__ = [
    "OTHER",
    "Domain",
    "Lexicon",
    "corpus_languages",
    "default_lexicon",
    "default_lexicon_path",
    "lexicon_coverage",
    "lexicon_from_dict",
    "load_lexicon",
    "normalize_term",
    "unit_languages",
    "word_pieces",
]

OTHER = "other"
"""Name of the residual domain: what no lexicon domain claims."""

_TOP_KEYS = ("lexicon", "domains")
_META_KEYS = ("name", "version", "description", "language")
_DOMAIN_KEYS = ("label", "year", "description", "terms", "exclude")
_TRANSLATION_KEYS = ("label", "terms", "exclude")
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
_DOMAIN_ID = re.compile(r"[a-z][a-z0-9_]*")
_PROGRESS_UNITS = 20_000


# --------------------------------------------------------------------------------------------
# Word pieces and lemmas


class _LemmaCache(dict):
    """Lemmas of one language's word pieces, looked up with ``[]`` (made on a miss, then kept).

    A plain dict lookup from C (``map(cache.__getitem__, pieces)``) is several times faster
    per token than a call through ``functools.lru_cache``; the cache is emptied when it holds
    ``max_size`` pieces so that memory stays bounded on any corpus.
    """

    max_size = 200_000

    def __init__(self, language: Language) -> None:
        super().__init__()
        self.language = language
        self.lemmatize = language.lemmatize

    def __missing__(self, piece: str) -> str:
        if len(self) >= self.max_size:
            self.clear()
        lemma = self[piece] = self.lemmatize(piece)
        return lemma


_LEMMA_CACHES: dict[str, _LemmaCache] = {}


def _lemmas(language: Language) -> _LemmaCache:
    """The lemma cache of ``language`` (a new one if the code was registered again)."""
    cache = _LEMMA_CACHES.get(language.code)
    if cache is None or cache.language is not language:
        cache = _LEMMA_CACHES[language.code] = _LemmaCache(language)
    return cache


def _lemma(piece: str) -> str:
    """The English lemma of a lower-case word piece, as the matcher uses it."""
    return _lemmas(get_language("en"))[piece]


def _raw_pieces(text: str, language: str = "en") -> list[str]:
    """Case-folded word pieces of ``text``, not lemmatised."""
    return get_language(language).match_pieces(text)


def word_pieces(text: str, language: str = "en") -> list[str]:
    """Case-folded, lemmatised word pieces of ``text``, as the lexicon matcher sees them.

    Parameters
    ----------
    text : str
        Any text: a paragraph, a seed term or a corpus token such as ``national_security``.
    language : str, default "en"
        Code of the language whose rules cut and lemmatise the text (a lexicon's
        :attr:`Lexicon.language`; see :mod:`corpus_tm.language`).

    Returns
    -------
    list of str
        ``word_pieces("The Party's biosafety laws")`` is ``["the", "party", "biosafety",
        "law"]``.

    Raises
    ------
    ConfigError
        If no language is registered under ``language``.
    """
    lang = get_language(language)
    return list(map(_lemmas(lang).__getitem__, lang.match_pieces(text)))


def normalize_term(term: str, language: str = "en") -> str:
    """Put a seed term in the token form of a lemmatised, phrase-joined corpus.

    Case-folds and lemmatises each word (as :func:`word_pieces` does, with the rules of
    ``language``) and joins the words with ``_``: ``"biological security"`` becomes
    ``"biological_security"``.
    """
    return "_".join(word_pieces(term, language))


def _term_keys(term: str, language: str = "en") -> set[tuple[str, ...]]:
    """The piece sequences a seed term matches: lemmatised, as written, without connectors."""
    lang = get_language(language)
    lemma = _lemmas(lang).__getitem__
    raw = tuple(lang.match_pieces(term))
    lemmas = tuple(map(lemma, raw))
    keys = {raw, lemmas}
    connectors = lang.connector_words
    for key in list(keys):
        content = tuple(p for p in key if p not in connectors)
        if content and len(content) < len(key):
            keys.add(content)
    return {k for k in keys if k}


def _exclusion_keys(phrase: str, language: str = "en") -> set[tuple[str, ...]]:
    """The piece sequences an exclusion phrase matches: lemmatised and as written.

    Unlike a term (:func:`_term_keys`) it has no form without connector words: that would
    turn ``climate of peace`` into ``climate peace``, which also matches "climate, peace".
    """
    lang = get_language(language)
    raw = tuple(lang.match_pieces(phrase))
    return {raw, tuple(map(_lemmas(lang).__getitem__, raw))}


# --------------------------------------------------------------------------------------------
# The lexicon


@dataclass(frozen=True)
class Domain:
    """One security domain of a lexicon.

    Attributes
    ----------
    id : str
        Identifier, e.g. ``"biological"``; the column name in domain-share tables.
    label : str
        Readable name, e.g. ``"Biological security"``.
    year : int or None
        Year the domain entered the official list, if known.
    terms : tuple of str
        Seed terms as written in the lexicon file.
    description : str
        What the domain covers.
    exclude : tuple of str
        Phrases in which a hit of one of the domain's terms does not count (see "Exclusion
        phrases" in :mod:`corpus_tm.lexicon`).
    """

    id: str
    label: str
    year: int | None
    terms: tuple[str, ...]
    description: str = ""
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lexicon:
    """A validated set of security domains with seed terms.

    Make one with :func:`load_lexicon`, :func:`default_lexicon` or :func:`lexicon_from_dict`.

    Attributes
    ----------
    domains : tuple of Domain
        In file order; this is the column order of domain-share tables.
    name, version, description : str
        From the ``[lexicon]`` table of the file.
    language : str
        Code of the language of the seed terms (``"en"``), from the ``[lexicon]`` table; its
        rules (:mod:`corpus_tm.language`) cut and lemmatise terms and texts when matching.
    source : str
        The file the lexicon was read from (``"<default>"`` for the shipped lexicon,
        ``"<dict>"`` for one built in Python).
    translations : tuple of (str, tuple of Domain)
        The domains in other languages, from the ``[domains.<id>.<code>]`` sub-tables: one
        ``(code, domains)`` pair per language, the domains in the same order and with the
        same ids as :attr:`domains` (a domain without terms in that language has none).
        Use :meth:`for_language` rather than this field.
    """

    domains: tuple[Domain, ...]
    name: str = ""
    version: str = ""
    description: str = ""
    language: str = "en"
    source: str = "<dict>"
    translations: tuple[tuple[str, tuple[Domain, ...]], ...] = ()

    def __len__(self) -> int:
        return len(self.domains)

    def __iter__(self) -> Iterator[Domain]:
        return iter(self.domains)

    def __contains__(self, domain_id: object) -> bool:
        return any(domain.id == domain_id for domain in self.domains)

    def __getitem__(self, domain_id: str) -> Domain:
        for domain in self.domains:
            if domain.id == domain_id:
                return domain
        raise ConfigError(
            f"Domain {domain_id!r} is not in lexicon {self.name or self.source!r}; its domains "
            f"are {', '.join(self.domain_ids)}."
        )

    @property
    def domain_ids(self) -> list[str]:
        """Domain ids in lexicon order."""
        return [d.id for d in self.domains]

    @property
    def languages(self) -> list[str]:
        """Codes of the languages the lexicon has terms in: its own :attr:`language` first,
        then those of its ``[domains.<id>.<code>]`` sub-tables in file order."""
        return [self.language] + [
            code for code, domains in self.translations if any(d.terms for d in domains)
        ]

    @cached_property
    def _views(self) -> dict[str, Lexicon]:
        return {}

    def for_language(self, code: str) -> Lexicon:
        """The lexicon in one language: the same domain ids, that language's labels and terms.

        Parameters
        ----------
        code : str
            A language code (``"en"``, ``"zh"``). For the lexicon's own :attr:`language` the
            view is this lexicon without its other languages: the same domains, labels and
            terms, so results in that language are the same as with a one-language file.

        Returns
        -------
        Lexicon
            A one-language lexicon (``language=code``, no :attr:`translations`), built once
            and kept. A domain without terms in ``code`` keeps its id and has no terms, so
            that domain-share tables of all languages have the same columns; its label is
            the lexicon's own when the sub-table gives none.

        Raises
        ------
        ConfigError
            If the lexicon has no terms in ``code`` (the message lists the languages it has
            and how to add one), if no language is registered under ``code`` (see
            :mod:`corpus_tm.language`), or if the terms of ``code`` fail the checks made with
            that language's pieces (a term without a word, or terms of two domains that are
            the same words).

        Warns
        -----
        CorpusTmWarning
            When some domains (not all) have no terms in ``code``; the warning names them.
        """
        views = self._views
        if code in views:
            return views[code]
        if code == self.language:
            view = Lexicon(
                domains=self.domains,
                name=self.name,
                version=self.version,
                description=self.description,
                language=self.language,
                source=self.source,
            )
            if "_tokens" in self.__dict__:  # the same terms: their token forms are known
                view.__dict__["_tokens"] = self._tokens
        else:
            found = dict(self.translations).get(code)
            if found is None or not any(d.terms for d in found):
                raise ConfigError(
                    f"Lexicon {self.name or self.source!r} has no terms in language {code!r}; "
                    f"it has terms in {', '.join(map(repr, self.languages))}. Add a "
                    f"[domains.<id>.{code}] table with a 'terms' list to the domains of the "
                    "lexicon file (see corpus_tm.lexicon), or give the units another language."
                )
            where = f"Lexicon {self.source!r}"
            try:
                get_language(code)
            except ConfigError as error:
                raise ConfigError(f"{where}, language {code!r}: {error}") from None
            _check_translation(found, where, code, full=True)
            missing = [d.id for d in found if not d.terms]
            if missing:
                warnings.warn(
                    f"{where}: domains {', '.join(missing)} have no terms in language "
                    f"{code!r}; they get no share in text of that language.",
                    CorpusTmWarning,
                    stacklevel=2,
                )
            view = Lexicon(
                domains=found,
                name=self.name,
                version=self.version,
                description=self.description,
                language=code,
                source=self.source,
            )
        views[code] = view
        return view

    @property
    def terms(self) -> list[tuple[str, str]]:
        """All ``(domain_id, term)`` pairs, in lexicon order."""
        return [(d.id, t) for d in self.domains for t in d.terms]

    @property
    def exclusions(self) -> list[tuple[str, str]]:
        """All ``(domain_id, exclusion_phrase)`` pairs, in lexicon order."""
        return [(d.id, p) for d in self.domains for p in d.exclude]

    def to_frame(self) -> pd.DataFrame:
        """One row per seed term: ``domain, label, year, term, token``.

        ``token`` is the term in corpus token form (:func:`normalize_term`).
        """
        return self._frame.copy()

    @cached_property
    def _tokens(self) -> list[str]:
        """The corpus token form of every seed term (:attr:`terms` order), made once."""
        return [normalize_term(t, self.language) for d in self.domains for t in d.terms]

    @cached_property
    def _frame(self) -> pd.DataFrame:
        pairs = [(d, t) for d in self.domains for t in d.terms]
        rows = [
            {"domain": d.id, "label": d.label, "year": d.year, "term": t, "token": token}
            for (d, t), token in zip(pairs, self._tokens, strict=True)
        ]
        frame = pd.DataFrame(rows, columns=["domain", "label", "year", "term", "token"])
        return frame.astype({"year": "Int64"})

    @cached_property
    def matcher(self) -> _Matcher:
        """The compiled term matcher (built on first use)."""
        return _Matcher(self)

    def match_vocabulary(
        self, vocabulary: Iterable[str], *, languages: Sequence[str] | None = None
    ) -> dict[str, tuple[str, str]]:
        """Which corpus vocabulary terms carry a seed term, and of which domain.

        Parameters
        ----------
        vocabulary : iterable of str
            Corpus terms, e.g. ``corpus.vocabulary`` (``biosafety``, ``national_security``).
        languages : sequence of str, optional
            The languages of the corpus (:func:`data_languages`): each term is matched with
            the terms of each of these languages (:meth:`for_language`), and the first
            language that matches it wins. By default the lexicon's own :attr:`language`.

        Returns
        -------
        dict
            ``{vocabulary_term: (domain_id, seed_term)}`` for every term that contains a seed
            term. A term containing seeds of several domains goes to the domain of its longest
            seed; when that is a tie it is left out (it is ambiguous).
        """
        codes = [self.language] if languages is None else list(dict.fromkeys(languages))
        matchers = [self.for_language(code).matcher for code in codes]
        if codes == [self.language]:
            matchers = [self.matcher]
        matched = {}
        for token in vocabulary:
            for matcher in matchers:
                hit = matcher.match_token(token)
                if hit is not None:
                    matched[token] = hit
                    break
        return matched


def _first_lengths(keys: Iterable[tuple[str, ...]]) -> dict[str, list[int]]:
    """Key lengths by first piece, longest first."""
    lengths: dict[str, set[int]] = {}
    for key in keys:
        lengths.setdefault(key[0], set()).add(len(key))
    return {first: sorted(ls, reverse=True) for first, ls in lengths.items()}


class _Matcher:
    """Longest-first, non-overlapping matching of seed terms in word-piece sequences.

    A term hit of a domain that lies wholly inside an occurrence of one of that domain's
    exclusion phrases is skipped, and shorter terms starting at the same piece are tried.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self.language = get_language(lexicon.language)
        code = self.language.code
        self.terms: list[tuple[str, str]] = lexicon.terms
        domain_ids = lexicon.domain_ids
        self.domain_of_term = np.array([domain_ids.index(d) for d, _ in self.terms], dtype=np.int64)
        self.key_to_term: dict[tuple[str, ...], int] = {}
        for index, (_domain, term) in enumerate(self.terms):
            for key in sorted(_term_keys(term, code)):
                self.key_to_term.setdefault(key, index)
        self.lengths = _first_lengths(self.key_to_term)
        # exclusion phrase key -> the domains (indices) it excludes hits of
        self.exclusion_domains: dict[tuple[str, ...], frozenset[int]] = {}
        for domain, phrase in lexicon.exclusions:
            for key in _exclusion_keys(phrase, code):
                old = self.exclusion_domains.get(key, frozenset())
                self.exclusion_domains[key] = old | {domain_ids.index(domain)}
        self.exclusion_lengths = _first_lengths(self.exclusion_domains)

    def pieces(self, text: str) -> list[str]:
        """Lemmatised word pieces of ``text`` in the lexicon's language (:func:`word_pieces`)."""
        return list(map(_lemmas(self.language).__getitem__, self.language.match_pieces(text)))

    def _excluded_spans(self, pieces: Sequence[str]) -> dict[int, list[tuple[int, int]]]:
        """Every occurrence of an exclusion phrase, as ``{domain: [(start, stop), ...]}``."""
        spans: dict[int, list[tuple[int, int]]] = {}
        lengths, phrase_domains = self.exclusion_lengths, self.exclusion_domains
        n = len(pieces)
        for i in [i for i, piece in enumerate(pieces) if piece in lengths]:
            for length in lengths[pieces[i]]:
                if i + length <= n:
                    domains = phrase_domains.get(tuple(pieces[i : i + length]))
                    for domain in domains or ():
                        spans.setdefault(domain, []).append((i, i + length))
        return spans

    def find(self, pieces: Sequence[str]) -> list[tuple[int, int, int]]:
        """Matches as ``(start, stop, term_index)``, left to right, longest first.

        A match of a domain's term wholly inside one of that domain's exclusion phrases is
        not returned (the next shorter term starting there is tried instead).
        """
        found = []
        n = len(pieces)
        lengths, key_to_term = self.lengths, self.key_to_term
        spans = self._excluded_spans(pieces) if self.exclusion_lengths else {}
        domain_of_term = self.domain_of_term
        free = 0  # the first piece not inside an earlier match
        for i in [i for i, piece in enumerate(pieces) if piece in lengths]:
            if i < free:
                continue
            for length in lengths[pieces[i]]:
                if i + length <= n:
                    term = key_to_term.get(tuple(pieces[i : i + length]))
                    if term is None:
                        continue
                    if spans and any(
                        start <= i and i + length <= stop
                        for start, stop in spans.get(int(domain_of_term[term]), ())
                    ):
                        continue  # inside an exclusion phrase of the term's domain
                    found.append((i, i + length, term))
                    free = i + length
                    break
        return found

    def match_token(self, token: str) -> tuple[str, str] | None:
        raw = self.language.match_pieces(token)
        best: dict[int, int] = {}  # domain -> longest match length
        term_of: dict[int, int] = {}
        for pieces in (raw, list(map(_lemmas(self.language).__getitem__, raw))):
            for start, stop, term in self.find(pieces):
                domain = int(self.domain_of_term[term])
                if stop - start > best.get(domain, 0):
                    best[domain] = stop - start
                    term_of[domain] = term
        if not best:
            return None
        longest = max(best.values())
        winners = [d for d, length in best.items() if length == longest]
        if len(winners) > 1:
            return None
        domain_term = self.terms[term_of[winners[0]]]
        return domain_term

    def hit_matrix(self, texts: Sequence[str], *, progress: bool | None = None) -> sp.csr_matrix:
        """Counts of each seed term in each text (texts x terms, CSR int64)."""
        show = len(texts) >= _PROGRESS_UNITS if progress is None else progress
        indptr = [0]
        indices: list[int] = []
        for text in progress_bar(texts, desc="matching seed terms", unit="unit", show=show):
            indices.extend(term for _, _, term in self.find(self.pieces(text)))
            indptr.append(len(indices))
        data = np.ones(len(indices), dtype=np.int64)
        matrix = sp.csr_matrix(
            (data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
            shape=(len(texts), len(self.terms)),
        )
        matrix.sum_duplicates()
        return matrix

    def domain_matrix(self, n_domains: int) -> sp.csr_matrix:
        """Indicator matrix terms x domains."""
        n_terms = len(self.terms)
        return sp.csr_matrix(
            (np.ones(n_terms), (np.arange(n_terms), self.domain_of_term)),
            shape=(n_terms, n_domains),
        )


# --------------------------------------------------------------------------------------------
# A validated lexicon as JSON (the pipeline's cache: no validation, no lemmatiser on reading)


def lexicon_code_files() -> list[Path]:
    """The modules whose code shapes a built lexicon (part of its cache key)."""
    here = Path(__file__).parent
    return [here / name for name in ("lexicon.py", "language.py", "chinese.py")]


def _domain_state(domain: Domain) -> dict[str, Any]:
    return {
        "id": domain.id,
        "label": domain.label,
        "year": domain.year,
        "terms": list(domain.terms),
        "description": domain.description,
        "exclude": list(domain.exclude),
    }


def _domain_from_state(state: Mapping[str, Any]) -> Domain:
    return Domain(
        id=state["id"],
        label=state["label"],
        year=state["year"],
        terms=tuple(state["terms"]),
        description=state["description"],
        exclude=tuple(state["exclude"]),
    )


def lexicon_state(lexicon: Lexicon) -> dict[str, Any]:
    """A validated lexicon as JSON-serialisable data, with its terms' token forms.

    :func:`lexicon_from_state` makes the same lexicon back without validating it again and
    without the lemmatiser (the token forms of :meth:`Lexicon.to_frame` are stored).
    """
    return {
        "domains": [_domain_state(d) for d in lexicon.domains],
        "name": lexicon.name,
        "version": lexicon.version,
        "description": lexicon.description,
        "language": lexicon.language,
        "source": lexicon.source,
        "translations": [
            [code, [_domain_state(d) for d in domains]] for code, domains in lexicon.translations
        ],
        "tokens": lexicon._tokens,
    }


def lexicon_from_state(state: Mapping[str, Any]) -> Lexicon:
    """The lexicon of :func:`lexicon_state` (trusted: it was validated when it was stored)."""
    lexicon = Lexicon(
        domains=tuple(_domain_from_state(d) for d in state["domains"]),
        name=state["name"],
        version=state["version"],
        description=state["description"],
        language=state["language"],
        source=state["source"],
        translations=tuple(
            (code, tuple(_domain_from_state(d) for d in domains))
            for code, domains in state["translations"]
        ),
    )
    tokens = [str(t) for t in state["tokens"]]
    if len(tokens) != len(lexicon.terms):
        raise ValueError("the stored lexicon has a token for each term")
    lexicon.__dict__["_tokens"] = tokens  # the cached_property, as computed when stored
    return lexicon


# --------------------------------------------------------------------------------------------
# Loading and validation


def default_lexicon_path() -> Path:
    """Path of the default lexicon file shipped with corpus_tm (copy it to make your own)."""
    return Path(str(importlib.resources.files("corpus_tm").joinpath("data", "domains.toml")))


def default_lexicon() -> Lexicon:
    """The default lexicon: the 20 domains of China's overall national security concept.

    Domains, in order: political, homeland, military, economic, cultural, social,
    science_technology, cyber, ecological, resource, nuclear, overseas_interests, biological,
    space, deep_sea, polar, financial, food, artificial_intelligence, data. The file
    (:func:`default_lexicon_path`) documents the sources, the year each domain entered the
    official list and the words left out on purpose.
    """
    resource = importlib.resources.files("corpus_tm").joinpath("data", "domains.toml")
    data = _parse_toml(resource.read_bytes(), "<default>")
    return _build(data, "<default>")


def load_lexicon(path: str | os.PathLike[str]) -> Lexicon:
    """Read and validate a lexicon TOML file.

    Parameters
    ----------
    path : path-like
        A TOML file laid out as described in :mod:`corpus_tm.lexicon`.

    Returns
    -------
    Lexicon

    Raises
    ------
    ConfigError
        When the file is missing or not TOML, has an unknown key, a domain without terms, a
        badly formed domain id or value, or a term in two domains. The message names the
        file, the domain and the key.

    Warns
    -----
    CorpusTmWarning
        When a domain lists the same term twice.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"Lexicon file {str(path)!r} does not exist.") from None
    except OSError as error:
        raise ConfigError(f"Lexicon file {str(path)!r} cannot be read: {error}.") from None
    data = _parse_toml(raw, str(path))
    lexicon = _build(data, str(path))
    return lexicon


def lexicon_from_dict(data: Mapping[str, Any], *, source: str = "<dict>") -> Lexicon:
    """Build and validate a lexicon from a mapping laid out like the TOML file.

    Parameters
    ----------
    data : mapping
        ``{"lexicon": {...}, "domains": {"id": {"label": ..., "terms": [...]}, ...}}``;
        a mapping with only domain tables (``{"id": {"terms": [...]}}``) is accepted too.
    source : str, default "<dict>"
        Name used for the lexicon in error messages.

    Returns
    -------
    Lexicon
    """
    if isinstance(data, Mapping) and "domains" not in data and "lexicon" not in data:
        data = {"domains": data}
    return _build(data, source)


def _parse_toml(raw: bytes, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"Lexicon file {source!r} is not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"Lexicon file {source!r} is not valid TOML: {error}.") from None


def _build(data: Mapping[str, Any], source: str) -> Lexicon:
    where = f"Lexicon {source!r}"
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a table with 'lexicon' and 'domains'.")
    for key in data:
        if key not in _TOP_KEYS:
            raise ConfigError(
                f"{where}: unknown top-level key {key!r}; allowed keys are [lexicon] and "
                "[domains.<id>] tables."
            )
    meta = data.get("lexicon", {})
    if not isinstance(meta, Mapping):
        raise ConfigError(f"{where}: 'lexicon' must be a table ([lexicon]).")
    for key, value in meta.items():
        if key not in _META_KEYS:
            raise ConfigError(
                f"{where}: unknown key {key!r} in [lexicon]; allowed keys are "
                f"{', '.join(_META_KEYS)}."
            )
        if not isinstance(value, str):
            raise ConfigError(f"{where}: [lexicon] {key} must be a string, not {value!r}.")
    language = meta.get("language", "en")
    try:
        get_language(language)
    except ConfigError as error:
        raise ConfigError(f"{where}: [lexicon] language: {error}") from None
    tables = data.get("domains")
    if not isinstance(tables, Mapping) or not tables:
        raise ConfigError(f"{where}: no domains; add at least one [domains.<id>] table.")
    domains = [
        _build_domain(domain_id, table, where, language) for domain_id, table in tables.items()
    ]
    _check_overlaps(domains, where, language)
    translations = _build_translations(tables, domains, where, language)
    return Lexicon(
        domains=tuple(domains),
        name=meta.get("name", "" if source.startswith("<") else Path(source).stem),
        version=meta.get("version", ""),
        description=meta.get("description", ""),
        language=language,
        source=source,
        translations=translations,
    )


def _is_translation(key: Any, value: Any) -> bool:
    """Whether a key of a domain table is a language sub-table (``[domains.<id>.zh]``)."""
    return isinstance(key, str) and bool(_LANGUAGE_CODE.fullmatch(key)) and isinstance(
        value, Mapping
    )


def _build_translations(
    tables: Mapping[str, Any], domains: Sequence[Domain], where: str, language: str
) -> tuple[tuple[str, tuple[Domain, ...]], ...]:
    """The ``[domains.<id>.<code>]`` sub-tables as one tuple of domains per language.

    Checked here: the keys and values of each sub-table, no term in two domains and every
    exclusion around a term of its domain (:func:`_check_translation`), by the language's
    pieces as well when the language is registered (else :meth:`Lexicon.for_language` does
    that part once it is).
    """
    codes: list[str] = []
    for table in tables.values():
        for key, value in table.items():
            if _is_translation(key, value) and key not in codes:
                codes.append(key)
    registered = set(available_languages())
    result = []
    for code in codes:
        if code == language:
            raise ConfigError(
                f"{where}: [domains.<id>.{code}] tables give terms in {code!r}, the lexicon's "
                "own language; put those terms in the domain's own 'terms' list."
            )
        translated = tuple(
            _build_translation(domain, tables[domain.id].get(code), where, code)
            for domain in domains
        )
        _check_translation(translated, where, code, full=code in registered)
        result.append((code, translated))
    return tuple(result)


def _build_translation(domain: Domain, table: Any, where: str, code: str) -> Domain:
    """One domain in another language, from its ``[domains.<id>.<code>]`` table (or none)."""
    if table is None:
        return Domain(
            id=domain.id, label=domain.label, year=domain.year, terms=(),
            description=domain.description,
        )
    name = f"[domains.{domain.id}.{code}]"
    for key in table:
        if key not in _TRANSLATION_KEYS:
            raise ConfigError(
                f"{where}: unknown key {key!r} in {name} (domain {domain.id!r}, language "
                f"{code!r}); allowed keys are {', '.join(_TRANSLATION_KEYS)}."
            )
    label = table.get("label", domain.label)
    if not isinstance(label, str) or not label.strip():
        raise ConfigError(f"{where}: {name} key 'label' must be a non-empty string.")
    lists = {}
    for key in ("terms", "exclude"):
        values = table.get(key, [])
        if not isinstance(values, list | tuple):
            raise ConfigError(
                f"{where}: {name} key {key!r} must be a list of strings, not "
                f"{type(values).__name__}."
            )
        clean: list[str] = []
        for value in values:
            if not isinstance(value, str) or not any(c.isalnum() for c in value):
                raise ConfigError(
                    f"{where}: {name} key {key!r} has {value!r}, which is not a "
                    f"{'term' if key == 'terms' else 'phrase'} (strings with at least one "
                    "letter or digit)."
                )
            written = " ".join(value.split())
            if written.lower() in {c.lower() for c in clean}:
                warnings.warn(
                    f"{where}: {name} lists {written!r} twice in {key!r}; the second is "
                    "ignored.",
                    CorpusTmWarning,
                    stacklevel=6,
                )
                continue
            clean.append(written)
        lists[key] = tuple(clean)
    if not lists["terms"]:
        raise ConfigError(
            f"{where}: {name} has no terms; give it a non-empty 'terms' list or remove the "
            "table."
        )
    return Domain(
        id=domain.id,
        label=label.strip(),
        year=domain.year,
        terms=lists["terms"],
        description=domain.description,
        exclude=lists["exclude"],
    )


def _check_translation(
    domains: Sequence[Domain], where: str, code: str, *, full: bool
) -> None:
    """Check the terms of one language: no term in two domains, exclusions around a term.

    Terms and exclusion phrases are compared as written (case-folded): no term in two
    domains, and every exclusion contains one of its domain's terms (for Chinese, as a run of
    characters) and is longer. With ``full`` (the language is registered) the terms are also
    cut into the language's pieces: each must have one, and no two domains may have terms
    with the same pieces. Exclusions are not checked by pieces: a segmenter may cut a phrase
    on its own differently from the same words in a sentence (``外汇储备`` alone may be one
    word), and such a phrase is then only never needed, not wrong.
    """
    where = f"{where}, language {code!r}"
    owner: dict[str, str] = {}
    for domain in domains:
        for term in domain.terms:
            key = term.lower()
            if key in owner and owner[key] != domain.id:
                raise ConfigError(
                    f"{where}: the term {term!r} in two domains, {owner[key]!r} and "
                    f"{domain.id!r}; a term may belong to one domain only."
                )
            owner.setdefault(key, domain.id)
        for phrase in domain.exclude:
            lowered = phrase.lower()
            terms = [t for t in domain.terms if t.lower() in lowered]
            if not terms:
                raise ConfigError(
                    f"{where}: domain {domain.id!r} key 'exclude' has {phrase!r}, which "
                    "contains none of the domain's terms, so it would never apply; an "
                    "exclusion is a longer phrase around one of the domain's terms."
                )
            if any(t.lower() == lowered for t in terms):
                raise ConfigError(
                    f"{where}: domain {domain.id!r} key 'exclude' has {phrase!r}, which is the "
                    "domain's term; remove the term instead of excluding it."
                )
    if not full:
        return
    for domain in domains:
        for term in domain.terms:
            if not _raw_pieces(term, code):
                raise ConfigError(
                    f"{where}: domain {domain.id!r} has the term {term!r}, in which the "
                    "language finds no word."
                )
    _check_overlaps(domains, where, code)


def _build_domain(domain_id: Any, table: Any, where: str, language: str) -> Domain:
    if not isinstance(domain_id, str) or not _DOMAIN_ID.fullmatch(domain_id):
        raise ConfigError(
            f"{where}: domain id {domain_id!r} must be a lower-case identifier (letters, digits "
            "and _, starting with a letter), e.g. 'science_technology'."
        )
    if domain_id == OTHER:
        raise ConfigError(
            f"{where}: domain id 'other' is reserved for what no domain claims; rename it."
        )
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: domain {domain_id!r} must be a table with a terms list.")
    for key, value in table.items():
        if key not in _DOMAIN_KEYS and not _is_translation(key, value):
            raise ConfigError(
                f"{where}: unknown key {key!r} in domain {domain_id!r}; allowed keys are "
                f"{', '.join(_DOMAIN_KEYS)} and [domains.{domain_id}.<language code>] tables "
                "of terms in another language."
            )
    label = table.get("label", domain_id)
    if not isinstance(label, str) or not label.strip():
        raise ConfigError(f"{where}: domain {domain_id!r} key 'label' must be a non-empty string.")
    year = table.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise ConfigError(
            f"{where}: domain {domain_id!r} key 'year' must be an integer year, not {year!r}."
        )
    description = table.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(f"{where}: domain {domain_id!r} key 'description' must be a string.")
    terms = table.get("terms")
    if terms is None or (isinstance(terms, list | tuple) and len(terms) == 0):
        raise ConfigError(
            f"{where}: domain {domain_id!r} has no terms; give it a non-empty 'terms' list or "
            "remove the domain."
        )
    if not isinstance(terms, list | tuple):
        raise ConfigError(
            f"{where}: domain {domain_id!r} key 'terms' must be a list of strings, not "
            f"{type(terms).__name__}."
        )
    clean: list[str] = []
    seen: set[str] = set()
    for term in terms:
        if not isinstance(term, str) or not _raw_pieces(term, language):
            raise ConfigError(
                f"{where}: domain {domain_id!r} key 'terms' has {term!r}, which is not a term "
                "(terms are strings with at least one letter or digit)."
            )
        written = " ".join(term.split())
        if written.lower() in seen:
            warnings.warn(
                f"{where}: domain {domain_id!r} lists the term {written!r} twice; the second "
                "is ignored.",
                CorpusTmWarning,
                stacklevel=4,
            )
            continue
        seen.add(written.lower())
        clean.append(written)
    exclude = _build_exclusions(domain_id, table.get("exclude", []), clean, where, language)
    return Domain(
        id=domain_id,
        label=label.strip(),
        year=year,
        terms=tuple(clean),
        description=" ".join(description.split()),
        exclude=exclude,
    )


def _contains(key: tuple[str, ...], part: tuple[str, ...]) -> bool:
    """Whether ``part`` occurs as a contiguous run of pieces in ``key``."""
    k = len(part)
    return any(key[i : i + k] == part for i in range(len(key) - k + 1))


def _build_exclusions(
    domain_id: str, phrases: Any, terms: Sequence[str], where: str, language: str
) -> tuple[str, ...]:
    if not isinstance(phrases, list | tuple):
        raise ConfigError(
            f"{where}: domain {domain_id!r} key 'exclude' must be a list of phrases, not "
            f"{type(phrases).__name__}."
        )
    term_keys = {key: term for term in terms for key in _term_keys(term, language)}
    clean: list[str] = []
    seen: set[str] = set()
    for phrase in phrases:
        if not isinstance(phrase, str) or not _raw_pieces(phrase, language):
            raise ConfigError(
                f"{where}: domain {domain_id!r} key 'exclude' has {phrase!r}, which is not a "
                "phrase (phrases are strings with at least one letter or digit)."
            )
        written = " ".join(phrase.split())
        keys = _exclusion_keys(written, language)
        same = [term_keys[key] for key in keys if key in term_keys]
        if same:
            raise ConfigError(
                f"{where}: domain {domain_id!r} key 'exclude' has {written!r}, which is the "
                f"domain's term {same[0]!r}; remove the term instead of excluding it."
            )
        if not any(_contains(key, part) for key in keys for part in term_keys):
            raise ConfigError(
                f"{where}: domain {domain_id!r} key 'exclude' has {written!r}, which contains "
                "none of the domain's terms, so it would never apply; an exclusion is a longer "
                "phrase around one of the domain's terms (e.g. 'outbreak of war' for "
                "'outbreak')."
            )
        if written.lower() in seen:
            warnings.warn(
                f"{where}: domain {domain_id!r} lists the exclusion {written!r} twice; the "
                "second is ignored.",
                CorpusTmWarning,
                stacklevel=5,
            )
            continue
        seen.add(written.lower())
        clean.append(written)
    return tuple(clean)


def _check_overlaps(domains: Sequence[Domain], where: str, language: str) -> None:
    owner: dict[tuple[str, ...], tuple[str, str]] = {}
    for domain in domains:
        for term in domain.terms:
            for key in _term_keys(term, language):
                if key in owner and owner[key][0] != domain.id:
                    other_domain, other_term = owner[key]
                    same = other_term.lower() == term.lower()
                    what = (
                        f"the term {term!r}"
                        if same
                        else f"the terms {other_term!r} and {term!r} (the same after lemmatising)"
                    )
                    raise ConfigError(
                        f"{where}: {what} in two domains, {other_domain!r} and {domain.id!r}; "
                        "a term may belong to one domain only."
                    )
                owner.setdefault(key, (domain.id, term))


# --------------------------------------------------------------------------------------------
# Coverage


def unit_texts(data: Corpus | pd.DataFrame) -> tuple[list[str], list[str]]:
    """The texts and unit ids of a corpus or unit table, in unit order."""
    units = data if isinstance(data, pd.DataFrame) else getattr(data, "units", None)
    if not isinstance(units, pd.DataFrame):
        raise ConfigError(
            "Expected a Corpus (from build_corpus) or a unit table (from read_corpus), not "
            f"{type(data).__name__}."
        )
    for column in ("unit_id", "text"):
        if column not in units.columns:
            raise ConfigError(f"The unit table needs a {column!r} column; use read_corpus().")
    return units["text"].astype(str).tolist(), units["unit_id"].astype(str).tolist()


def unit_languages(data: Corpus | pd.DataFrame, lexicon: Lexicon) -> list[str]:
    """The language code of each unit, in unit order.

    Parameters
    ----------
    data : Corpus or pandas.DataFrame
        A built corpus or a unit table.
    lexicon : Lexicon
        Its :attr:`Lexicon.language` is the language of units without one.

    Returns
    -------
    list of str
        The unit table's ``language`` column where it has one (a missing value is the
        lexicon's language); without the column every unit is in the lexicon's language
        (English for the default lexicon), as before units had a language.
    """
    units = data if isinstance(data, pd.DataFrame) else getattr(data, "units", None)
    if not isinstance(units, pd.DataFrame):
        raise ConfigError(
            "Expected a Corpus (from build_corpus) or a unit table (from read_corpus), not "
            f"{type(data).__name__}."
        )
    if "language" not in units.columns:
        return [lexicon.language] * len(units)
    return [
        str(code) if isinstance(code, str) and code else lexicon.language
        for code in units["language"].tolist()
    ]


def corpus_languages(data: Corpus | pd.DataFrame, lexicon: Lexicon) -> list[str]:
    """The distinct languages of a corpus's units: the lexicon's language first, then sorted.

    This is the order in which :meth:`Lexicon.match_vocabulary` tries the languages on a
    corpus vocabulary (:func:`unit_languages` gives the language of each unit).
    """
    codes = set(unit_languages(data, lexicon))
    return [c for c in [lexicon.language] if c in codes] + sorted(codes - {lexicon.language})


def _term_coverage(
    lexicon: Lexicon,
    texts: Sequence[str],
    vocabulary: Sequence[str] | None,
    progress: bool | None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Per-term occurrences in ``texts`` (one language) and each domain's number of units."""
    matcher = lexicon.matcher
    hits = matcher.hit_matrix(texts, progress=progress)
    n_occurrences = np.asarray(hits.sum(axis=0)).ravel()
    n_units = np.asarray((hits > 0).sum(axis=0)).ravel()
    vocabulary_terms: list[list[str]] = [[] for _ in matcher.terms]
    if vocabulary is not None:
        index_of = {pair: i for i, pair in enumerate(matcher.terms)}
        for token, pair in lexicon.match_vocabulary(vocabulary).items():
            vocabulary_terms[index_of[pair]].append(token)
    terms = pd.DataFrame(
        {
            "domain": [d for d, _ in matcher.terms],
            "term": [t for _, t in matcher.terms],
            "n_occurrences": n_occurrences.astype(np.int64),
            "n_units": n_units.astype(np.int64),
            "in_vocabulary": pd.array(
                [bool(v) if vocabulary is not None else pd.NA for v in vocabulary_terms],
                dtype="boolean",
            ),
            "vocabulary_terms": ["; ".join(sorted(v)) for v in vocabulary_terms],
        }
    )
    domain_hits = hits @ matcher.domain_matrix(len(lexicon))
    return terms, np.asarray((domain_hits > 0).sum(axis=0)).ravel().astype(np.int64)


def lexicon_coverage(
    data: Corpus | pd.DataFrame,
    lexicon: Lexicon | None = None,
    *,
    level: Literal["term", "domain"] = "term",
    progress: bool | None = None,
) -> pd.DataFrame:
    """Which seed terms occur in a corpus, how often, and which domains have no evidence.

    Occurrences are counted in the unit texts (see "How terms are matched" in
    :mod:`corpus_tm.lexicon`), so they do not depend on the corpus vocabulary. For a
    :class:`~corpus_tm.corpus.Corpus` the table also says whether a topic model can see the
    term: whether some vocabulary term carries it.

    Units are matched with the terms of their language (the unit table's ``language``
    column, :func:`unit_languages`; :meth:`Lexicon.for_language`): the term rows are those of
    the corpus's languages, language after language (:func:`corpus_languages`), and a
    domain's counts add up its terms in all of them. Without the column (or with units in
    the lexicon's own language only) the table is that of the lexicon's own terms.

    Parameters
    ----------
    data : Corpus or pandas.DataFrame
        A built corpus or a unit table with ``unit_id`` and ``text`` columns.
    lexicon : Lexicon, optional
        Defaults to :func:`default_lexicon`.
    level : {"term", "domain"}, default "term"
        One row per seed term, or one row per domain.
    progress : bool, optional
        Show a progress bar; by default only for large corpora.

    Returns
    -------
    pandas.DataFrame
        For ``level="term"``: ``domain, term, n_occurrences, n_units, in_vocabulary,
        vocabulary_terms, domain_has_evidence``. For ``level="domain"``: ``domain, label,
        year, n_terms, n_terms_found, n_occurrences, n_units, n_terms_in_vocabulary,
        has_evidence``. ``in_vocabulary`` and ``n_terms_in_vocabulary`` are missing (``<NA>``)
        for a unit table. Rows are in lexicon order.

    Raises
    ------
    ConfigError
        When some units are in a language the lexicon has no terms in.
    """
    if level not in ("term", "domain"):
        raise ConfigError(f"level must be 'term' or 'domain', not {level!r}.")
    lexicon = lexicon if lexicon is not None else default_lexicon()
    texts, ids = unit_texts(data)
    languages = unit_languages(data, lexicon)
    codes = corpus_languages(data, lexicon) or [lexicon.language]
    has_vocabulary = not isinstance(data, pd.DataFrame)
    vocabulary = data.vocabulary if not isinstance(data, pd.DataFrame) else None
    frames = []
    domain_units = np.zeros(len(lexicon), dtype=np.int64)
    for code in codes:
        if codes == [lexicon.language]:  # one language, the lexicon's own: as it always was
            view, chosen = lexicon, texts
        else:
            chosen = [t for t, c in zip(texts, languages, strict=True) if c == code]
            try:
                view = lexicon.for_language(code)
            except ConfigError as error:
                example = next(u for u, c in zip(ids, languages, strict=True) if c == code)
                raise ConfigError(
                    f"{len(chosen)} of {len(texts)} units (e.g. {example!r}) are in language "
                    f"{code!r}, which the lexicon cannot match: {error}"
                ) from None
        frame, units_of_domain = _term_coverage(view, chosen, vocabulary, progress)
        frames.append(frame)
        domain_units += units_of_domain
    terms = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    domain_ids = lexicon.domain_ids
    evidence = terms.groupby("domain", sort=False)["n_occurrences"].sum() > 0
    terms["domain_has_evidence"] = terms["domain"].map(evidence).astype(bool)
    if level == "term":
        return terms
    grouped = terms.groupby("domain", sort=False)
    summary = pd.DataFrame(
        {
            "domain": domain_ids,
            "label": [d.label for d in lexicon.domains],
            "year": pd.array([d.year for d in lexicon.domains], dtype="Int64"),
            "n_terms": grouped.size().reindex(domain_ids, fill_value=0).to_numpy(),
            "n_terms_found": grouped["n_occurrences"]
            .apply(lambda s: int((s > 0).sum()))
            .reindex(domain_ids, fill_value=0)
            .to_numpy(),
            "n_occurrences": grouped["n_occurrences"]
            .sum()
            .reindex(domain_ids, fill_value=0)
            .to_numpy(),
            "n_units": domain_units,
            "n_terms_in_vocabulary": pd.array(
                grouped["in_vocabulary"].sum().reindex(domain_ids, fill_value=0).tolist()
                if has_vocabulary
                else [pd.NA] * len(domain_ids),
                dtype="Int64",
            ),
        }
    )
    summary["has_evidence"] = summary["n_occurrences"] > 0
    return summary
