"""Languages: the word, sentence, stop-word and lemma rules of one language, behind one interface.

In: a language code (``"en"``), as given by ``PreprocessSettings(language=...)``, the
``language`` key of a lexicon file or the ``language=`` argument of
:func:`corpus_tm.sectioning.split_sentences` and :func:`~corpus_tm.sectioning.count_words`.
Out: a :class:`Language` object, from :func:`get_language`, whose methods and tables the
stages call: they hold no rule of their own about what a word, a sentence, a stop word or a
lemma is.

Who calls what:

* preprocessing (:class:`corpus_tm.PreprocessSettings`): :meth:`~Language.fold_case` and
  :meth:`~Language.split_words` once per chunk of texts; :meth:`~Language.token_pieces`
  once per distinct white-space word; :meth:`~Language.strip_clitics`,
  :meth:`~Language.is_number` and :meth:`~Language.lemmatize` once per distinct piece;
  :attr:`~Language.stop_words` and :attr:`~Language.connector_words` (the defaults of
  ``stopwords`` and ``connector_words``); :meth:`~Language.prepare` before worker processes are
  forked.
* sectioning and domain shares: :meth:`~Language.split_sentences`,
  :meth:`~Language.count_words`.
* the lexicon matcher (``Lexicon.language``): :meth:`~Language.match_pieces`,
  :meth:`~Language.lemmatize`, :attr:`~Language.connector_words`.

Two languages are built in: English (``"en"``, :class:`English`) and Chinese (``"zh"``,
:class:`corpus_tm.chinese.Chinese`, whose module is imported by :func:`get_language` on first
use). Adding another is one module with a class that has the members of :class:`Language` and
one line ``register_language(Klingon())``; every stage then takes ``language="tlh"``. Layout
rules that are not about a language stay in their stage: hyphens joining compound words
(preprocessing), headings and page furniture (sectioning, furniture) and the re-flowing of
wrapped lines (reflow).
"""

from __future__ import annotations

import importlib
import importlib.resources
import re
from collections.abc import Callable
from functools import cached_property
from typing import Protocol

from corpus_tm.errors import ConfigError

__all__ = [
    "English",
    "Language",
    "available_languages",
    "get_language",
    "register_language",
]


class Language(Protocol):
    """What a language provides: the interface every stage calls.

    An implementation is any object with these members (a class with a few methods and
    lazily loaded tables; no base class is needed). Each method gets text that the stages
    have not changed unless said otherwise, and must be deterministic: the same input gives
    the same output in every process, whatever ``PYTHONHASHSEED`` is. Methods are called
    once per chunk, distinct word or text, never once per token, so they may be slow-ish
    (a dictionary look-up, a segmenter); the callers cache their results.

    Notes for a language written without spaces (Chinese, ``"zh"``):

    * :meth:`split_words` is the segmenter (e.g. jieba) run on the whole chunk; it returns
      full-width punctuation (``，。、``) as words of their own, which become breaks. Han
      characters are letters for ``str.isalpha``, so segmented words are single pieces
      without a call to :meth:`token_pieces`.
    * :meth:`match_pieces` segments too, the same way, so that a lexicon term such as
      ``生物安全`` and the text around it are cut alike (the matcher compares piece
      sequences, so ``["生物", "安全"]`` matches wherever the text has those two pieces).
    * :meth:`fold_case` lower-cases the Latin letters of mixed text and leaves Han alone;
      :meth:`strip_clitics` returns the piece; :meth:`is_number` also knows Han numerals
      (``三``, ``二〇二〇``) if they are to be dropped; :meth:`lemmatize` returns the word
      unchanged (no inflection, and simplemma has no Chinese).
    * :meth:`split_sentences` ends sentences at ``。！？`` (and full-width closing quotes
      after them), with no space needed after the mark; ``.`` ``!`` ``?`` of embedded Latin
      text may keep the English rule.
    * :meth:`count_words` counts segmented words, or Han characters plus Latin words; say
      which in its docstring, since unit sizes (``n_tokens``) and the sentence weights of
      domain shares come from it, and keep to one rule for the whole corpus.
    * :attr:`stop_words` is a bundled list (``corpus_tm/data/stopwords_zh.txt``) and
      :attr:`connector_words` the function words that may sit inside a phrase (``的``,
      ``与``, ``和``).
    * ``min_length`` of the preprocessing settings counts characters: its default of 2
      drops one-character words such as ``党``, which a Chinese study may want to keep.

    Optional members, read with ``getattr`` and a default (:class:`corpus_tm.chinese.Chinese`
    has them): ``phrase_layers`` (int, the default ``phrase_layers`` of preprocessing for
    the language; 2 without it), ``numbers_in_letters`` (bool: preprocessing asks
    :meth:`is_number` about words of letters too; False without it), ``with_words(words)``
    (the language with ``PreprocessSettings.user_words`` in its segmenter's dictionary) and
    ``dictionary_words`` (the words of that dictionary, part of the corpus cache key).
    """

    @property
    def code(self) -> str:
        """The code the language is registered under (ISO 639-1: ``"en"``, ``"zh"``)."""
        ...

    @property
    def name(self) -> str:
        """Its name in English (``"English"``); lower-cased, it names the language's stop-word
        list in ``PreprocessSettings(stopwords=...)``."""
        ...

    @property
    def stop_words(self) -> frozenset[str]:
        """The standard stop words, in the form :meth:`fold_case` gives them.

        A word is dropped when it or its lemma is listed. Load the list lazily (on first
        access) and keep it.
        """
        ...

    @property
    def connector_words(self) -> frozenset[str]:
        """Function words allowed inside a phrase (English ``of`` in ``rule_of_law``).

        The default ``connector_words`` of preprocessing, and the words a lexicon term also
        matches without. They are never terms of their own.
        """
        ...

    def prepare(self) -> None:
        """Load every lazily loaded table now (lemma dictionary, segmenter model).

        Preprocessing calls it before it forks worker processes, so that they share the
        tables instead of each loading its own copy.
        """
        ...

    def fold_case(self, text: str) -> str:
        """The text in the case that tokens are written in (English: lower case).

        Called once on each chunk of joined texts; it must leave white space and the unit
        separator ``"\\x00"`` as they are.
        """
        ...

    def split_words(self, text: str) -> list[str]:
        """Cut case-folded text into words (English: at white space).

        Called once on each chunk of joined texts (about 500,000 characters), in which units
        are separated by ``" \\x00 "``. White space is always a boundary: the result must
        never join across it, so each ``"\\x00"`` comes back as a word of its own. A
        segmenter goes here.
        """
        ...

    def token_pieces(self, word: str) -> list[str]:
        """Cut one word of :meth:`split_words` into word pieces and punctuation marks.

        English: ``"security,"`` gives ``["security", ","]``; ``"non-traditional"`` and
        ``"party's"`` stay one piece (hyphens and apostrophes inside a word join it). Called
        once per distinct word that has a character other than a letter (``str.isalpha``):
        a word of letters only is always one piece. Pieces without a letter or digit are
        breaks (no phrase spans them); a piece containing ``-``, ``‐`` or ``‑`` becomes one
        term joined with ``_``.
        """
        ...

    def strip_clitics(self, piece: str) -> str | None:
        """The word a piece with letters or digits stands for, once clitics are removed.

        English: ``"party's"`` -> ``"party"``, ``"we're"`` -> ``"we"``, ``"o'brien"`` ->
        ``"obrien"``; ``None`` for a piece that is a stop word whatever the list says
        (``"don't"``, a negated auxiliary). Pieces without clitics are returned as they are.
        """
        ...

    def is_number(self, piece: str) -> bool:
        """Whether a piece is a number (dropped with ``drop_numbers=True``).

        English: no letter at all (``2020``, ``3,000``, ``1990_2000``) or an ordinal or a
        decade (``21st``, ``1990s``). Words mixing letters and digits (``covid_19``,
        ``g20``) are not numbers.
        """
        ...

    def lemmatize(self, word: str) -> str:
        """The lemma of a case-folded word (``risks`` -> ``risk``), in the same case.

        Return the word unchanged where a lemma would do harm: English keeps words of three
        letters or fewer (simplemma maps ``ai`` to ``be`` and ``us`` to ``we``) and words
        with other characters than letters. Callers cache the result per distinct word.
        """
        ...

    def split_sentences(self, text: str) -> list[str]:
        """Split one paragraph into sentences, each stripped.

        Joined with single spaces (no space for a language written without them) the
        sentences give ``text`` back when ``text`` has single spaces.
        """
        ...

    def count_words(self, text: str) -> int:
        """The number of words of a text (the ``n_tokens`` of units, the sentence weights of
        domain shares)."""
        ...

    def match_pieces(self, text: str) -> list[str]:
        """Case-folded word pieces of any text, as the lexicon matcher compares them.

        Finer than :meth:`token_pieces`: English cuts at hyphens, apostrophes and ``_`` too
        and drops the possessive ``'s``, so ``non-proliferation``, ``non_proliferation``
        and ``non proliferation`` all give ``["non", "proliferation"]``. The matcher
        lemmatises the pieces with :meth:`lemmatize`.
        """
        ...


# --------------------------------------------------------------------------------------------
# English

_EN_PIECE = re.compile(r"[^\W_]+(?:[-\u2010\u2011'\u2019][^\W_]+)*|[^\s]")
_EN_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th|s)?")
_EN_CLITICS = frozenset({"s", "re", "ve", "ll", "d", "m"})
_EN_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")
_EN_MATCH_PIECE = re.compile(r"[^\W_]+")
_EN_POSSESSIVE = re.compile(r"\s?['\u2019]s\b")
_EN_SENTENCE_BOUNDARY = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9\u4e00-\u9fff])")
# A full stop after one of these (lower-cased, without the stop) ends no sentence.
_EN_ABBREVIATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "no",
        "nos",
        "gen",
        "sen",
        "rep",
        "gov",
        "col",
        "lt",
        "sgt",
        "capt",
        "jr",
        "sr",
        "inc",
        "co",
        "corp",
        "ltd",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "u.s",
        "u.n",
        "u.k",
        "e.u",
        "fig",
        "art",
        "vol",
        "pp",
        "p",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mt",
        "h.e",
        "amb",
    }
)
# gensim's ENGLISH_CONNECTOR_WORDS (the tests check that they are the same).
_EN_CONNECTORS = frozenset(
    [
        "a",
        "an",
        "and",
        "at",
        "by",
        "for",
        "from",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "without",
    ]
)


#: Parts of speech (lemminflect's names) tried in this order for the lemma of a word whose
#: simplemma lemma is no word: verbs first, as simplemma's invented stems come from verb forms.
_EN_BASE_FORM_ORDER = ("VERB", "NOUN", "ADJ", "ADV")


class English:
    """English (``"en"``): white-space words, simplemma lemmas checked by lemminflect, the
    bundled stop-word list.

    The stop words are ``corpus_tm/data/stopwords_en.txt``: scikit-learn's list without the
    content words it contains (``system``, ``interest``, ``fire``, ``un``, ...), plus a few
    words from gensim's list (the file's header says exactly what was changed). The
    connector words are gensim's ``ENGLISH_CONNECTOR_WORDS``. simplemma and lemminflect are
    imported and their dictionaries loaded on the first lemma (about 0.5 s). See
    :class:`Language` for what each member does.
    """

    code = "en"
    name = "English"
    connector_words = _EN_CONNECTORS

    def __repr__(self) -> str:
        return "English()"

    @cached_property
    def stop_words(self) -> frozenset[str]:
        """The bundled English stop words (about 300 lower-case function words)."""
        text = (
            importlib.resources.files("corpus_tm")
            .joinpath("data", "stopwords_en.txt")
            .read_text(encoding="utf-8")
        )
        return frozenset(
            line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
        )

    def prepare(self) -> None:
        """Read the stop words and load simplemma's English dictionary."""
        _ = self.stop_words
        self.lemmatize("loads")

    def fold_case(self, text: str) -> str:
        """Lower case (``str.lower``)."""
        return text.lower()

    def split_words(self, text: str) -> list[str]:
        """Words between white space (``str.split``)."""
        return text.split()

    # Runs of letters and digits joined by inner hyphens or apostrophes; other marks alone. The
    # pattern's own findall, called without a Python frame: preprocessing calls it for every
    # distinct word with a mark in it.
    token_pieces = staticmethod(_EN_PIECE.findall)

    def strip_clitics(self, piece: str) -> str | None:
        """Drop ``'s``, ``'re``, ``'ve``, ``'ll``, ``'d``, ``'m``; ``None`` for ``n't`` words."""
        if "'" not in piece and "\u2019" not in piece:
            return piece
        base, _, suffix = piece.replace("\u2019", "'").rpartition("'")
        if suffix == "t" and base.endswith("n"):  # don't, can't, won't: negated auxiliaries
            return None
        return (base if suffix in _EN_CLITICS else f"{base}{suffix}").replace("'", "")

    def is_number(self, piece: str) -> bool:
        """No letter at all, or digits with an ordinal or plural ending (``21st``, ``1990s``)."""
        return not any(c.isalpha() for c in piece) or _EN_ORDINAL.fullmatch(piece) is not None

    @cached_property
    def _simplemma(self) -> Callable[..., str]:
        import simplemma  # slow to import and load: only when the first lemma is needed

        return simplemma.lemmatize

    @cached_property
    def _readings(self) -> Callable[[str], dict[str, tuple[str, ...]]]:
        import lemminflect  # loads its tables (about 0.2 s): only when the first lemma is needed

        return lemminflect.getAllLemmas

    def lemmatize(self, word: str) -> str:
        """simplemma's English lemma, lower-cased, checked against lemminflect's dictionary;
        short or non-alphabetic words unchanged.

        simplemma's English data holds stems that are no word (``growing`` -> ``growe``,
        ``thinking`` -> ``thinke``, ``gone`` -> ``gan``, ``developed`` -> ``develope``, an
        obsolete spelling). Its lemma is kept where lemminflect does not know the word, or
        gives the same lemma first for one of the word's parts of speech, or knows the lemma
        as a word of its own (``defence`` -> ``defense``, simplemma's spelling). Otherwise the
        lemma is lemminflect's: the first lemma of the part of speech that lists simplemma's
        (``developed`` -> ``develop``), or of the first part of speech, verbs first, whose
        lemma is not the word itself (``growing`` -> ``grow``), or the word unchanged
        (``landlocked``, ``greed``).
        """
        if len(word) <= 3 or not word.isalpha():
            return word
        lemma = self._simplemma(word, lang=self.code).lower()
        if lemma == word:
            return lemma
        readings = self._readings(word)  # part of speech -> its lemmas, the likeliest first
        if not readings or any(lemmas[0] == lemma for lemmas in readings.values()):
            return lemma
        for lemmas in readings.values():
            if lemma in lemmas:
                return lemma if lemmas[0] == word else lemmas[0]
        if any(lemma in lemmas for lemmas in self._readings(lemma).values()):
            return lemma
        for part in (*_EN_BASE_FORM_ORDER, *readings):
            if part in readings and readings[part][0] != word:
                return readings[part][0]
        return word

    def split_sentences(self, text: str) -> list[str]:
        """Sentences end at ``.``, ``!`` or ``?`` followed by a space and a capital letter or
        digit, except after common abbreviations (``Mr.``, ``U.S.``, ``No.``) and
        single-letter initials."""
        sentences: list[str] = []
        start = 0
        for boundary in _EN_SENTENCE_BOUNDARY.finditer(text):
            end = boundary.start() + 1
            before = text[start:end].rstrip(".!?").split()
            last_word = before[-1].lower().strip("\"'(") if before else ""
            if text[boundary.start()] == "." and (
                last_word in _EN_ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha())
            ):
                continue
            sentences.append(text[start : boundary.end()].strip())
            start = boundary.end()
        rest = text[start:].strip()
        if rest:
            sentences.append(rest)
        return sentences

    def count_words(self, text: str) -> int:
        """Runs of letters or digits, with inner ``'`` or ``-`` (``don't`` and ``covid-19``
        are one word each)."""
        return len(_EN_WORD.findall(text))

    def match_pieces(self, text: str) -> list[str]:
        """Lower-cased runs of letters or digits, after dropping the possessive ``'s``."""
        return _EN_MATCH_PIECE.findall(_EN_POSSESSIVE.sub("", text.lower()))


# --------------------------------------------------------------------------------------------
# Registry

_MEMBERS = (
    "code",
    "name",
    "stop_words",
    "connector_words",
    "prepare",
    "fold_case",
    "split_words",
    "token_pieces",
    "strip_clitics",
    "is_number",
    "lemmatize",
    "split_sentences",
    "count_words",
    "match_pieces",
)
_REGISTRY: dict[str, Language] = {}
# Built-in languages whose module is imported (and registers them) on first use, so that
# ``import corpus_tm`` stays light: code -> module.
_BUILT_IN: dict[str, str] = {"zh": "corpus_tm.chinese"}


def register_language(language: Language, *, replace: bool = False) -> Language:
    """Make a language available to every stage under its ``code``.

    Parameters
    ----------
    language : Language
        An object with every member of :class:`Language`. Its lazily loaded members
        (``stop_words``) are not touched here.
    replace : bool, default False
        Replace a language already registered under the same code.

    Returns
    -------
    Language
        ``language``, so that a module can write ``CHINESE = register_language(Chinese())``.

    Raises
    ------
    ConfigError
        If a member is missing, the code is not a non-empty lower-case string, or the code
        is taken and ``replace`` is False.

    Notes
    -----
    Worker processes of preprocessing are forked on Linux and so see languages registered
    before :func:`corpus_tm.build_corpus` is called; where they are spawned (macOS, Windows)
    the language's module must register it when imported.
    """
    # Look on the class first, so that a lazily loaded table is not loaded here.
    missing = [m for m in _MEMBERS if not hasattr(type(language), m) and not hasattr(language, m)]
    if missing:
        raise ConfigError(
            f"{language!r} is not a language: it lacks {', '.join(missing)} (see "
            "corpus_tm.language.Language for what a language provides)."
        )
    code = language.code
    if not isinstance(code, str) or not code or code != code.strip().lower():
        raise ConfigError(f"A language code must be a non-empty lower-case string, not {code!r}.")
    if code in _REGISTRY and not replace and _REGISTRY[code] is not language:
        raise ConfigError(
            f"Language {code!r} is already registered ({_REGISTRY[code]!r}); pass "
            "replace=True to replace it."
        )
    _REGISTRY[code] = language
    return language


def get_language(code: str) -> Language:
    """The language registered under ``code``.

    Parameters
    ----------
    code : str
        A language code such as ``"en"``.

    Returns
    -------
    Language

    Raises
    ------
    ConfigError
        If no language is registered under ``code``; the message lists the codes that are.
    """
    if isinstance(code, str) and code not in _REGISTRY and code in _BUILT_IN:
        importlib.import_module(_BUILT_IN[code])  # registers the language when imported
    try:
        return _REGISTRY[code]
    except (KeyError, TypeError):
        raise ConfigError(
            f"Unknown language {code!r}; the available languages are "
            f"{', '.join(map(repr, available_languages()))} (add one with "
            "corpus_tm.register_language)."
        ) from None


def available_languages() -> list[str]:
    """The codes of the registered languages, sorted (``["en", "zh"]`` unless more are added).

    Built-in languages count as registered before their module is imported.
    """
    return sorted(set(_REGISTRY) | set(_BUILT_IN))


ENGLISH = register_language(English())
"""The built-in English language (``get_language("en")``)."""
