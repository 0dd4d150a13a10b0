"""Chinese (``"zh"``): rjieba word segmentation, Han numerals, ``。！？`` sentences, stop words.

In: Chinese text, as loading leaves it (NFKC-normalised: full-width ``，！？；：（）`` are
ASCII, ``。、《》`` stay).
Out: the :class:`Chinese` language, registered as ``"zh"`` in :mod:`corpus_tm.language`
(``get_language("zh")`` imports this module on first use; the segmenter is imported and its
dictionary loaded only when the first Chinese text is cut).

The segmenter is rjieba (jieba-rs, the Rust port of jieba, with its bundled dictionary) with
the HMM for unknown words off: on the seven PRC security laws it cuts exactly where jieba
cuts (token-boundary F1 1.0 with the same HMM setting) 9 to 31 times faster, keeps no
global state and writes no cache file; the HMM mostly joins characters across word
boundaries (``日起``, ``处二``, ``对核``). See ``benchmarks/bench_segmenters.py`` and the
benchmarks README. Each :class:`Chinese` object owns its own ``rjieba.Jieba`` instance, so a
user's own jieba or rjieba use is not touched.

User dictionary: every Chinese term of the bundled lexicon (the ``terms`` and ``exclude``
lists of the ``[domains.<id>.zh]`` tables of ``corpus_tm/data/domains.toml``) and the words
given to :meth:`Chinese.with_words` (``PreprocessSettings(user_words=...)``) are added to the
segmenter with a frequency of 10**6, far above that of any dictionary word, so that each of
them comes out as one token wherever it occurs (with the segmenter's own suggested frequency
生物安全 stays whole in 141 of its 161 occurrences in the laws, cut as ``生物 / 安全法`` in
``生物安全法``; with the forced one in all 161).
"""

from __future__ import annotations

import importlib.resources
import os
import re
import tomllib
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path

from corpus_tm.errors import ConfigError
from corpus_tm.language import _EN_MATCH_PIECE, _EN_PIECE, _EN_POSSESSIVE, register_language

__all__ = ["CHINESE", "HAN_CHARACTERS", "Chinese", "lexicon_words"]

HAN_CHARACTERS = (
    "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U00030000-\U0003134f"
)
"""A regular-expression character class body of the Han characters (CJK unified ideographs,
extensions A-H, compatibility ideographs) and ``〇``."""

USER_WORD_FREQUENCY = 10**6
"""The frequency given to lexicon and user words in the segmenter's dictionary."""

_HAN = re.compile(f"[{HAN_CHARACTERS}]")
_NUMERALS = "0-9〇零一二三四五六七八九十百千万亿两"
# A number: numerals alone, or an ordinal (第十二) or a count (三年, 五万元) of them.
_ZH_NUMBER = re.compile(f"第?[{_NUMERALS}]+[条款项章节编年月日元次个名]?")
_SENTENCE_END = "。！？!?"
_CLOSING = "\"'”’」』)）】》"
_ZH_SENTENCE = re.compile(f"[^{_SENTENCE_END}]*(?:[{_SENTENCE_END}]+[{_CLOSING}]*|$)")
_NOT_HAN_WORD = f"(?:(?![{HAN_CHARACTERS}])[^\\W_])+"
_ZH_WORD = re.compile(f"[{HAN_CHARACTERS}]|{_NOT_HAN_WORD}(?:['-]{_NOT_HAN_WORD})*")
_CONNECTORS = frozenset({"的", "与", "和", "及", "之"})


def lexicon_words(path: str | os.PathLike[str] | None = None) -> tuple[str, ...]:
    """The Chinese terms of a lexicon file, sorted: by default the bundled ``domains.toml``.

    The ``terms`` and ``exclude`` lists of every ``[domains.<id>.zh]`` table; empty when the
    lexicon has no Chinese terms.

    Parameters
    ----------
    path : path-like, optional
        A lexicon TOML file in the format of ``corpus_tm/data/domains.toml``.

    Returns
    -------
    tuple of str
        Distinct terms (stripped), in sorted order.

    Raises
    ------
    ConfigError
        If the file cannot be read or is not valid TOML.
    """
    try:
        if path is None:
            resource = importlib.resources.files("corpus_tm").joinpath("data", "domains.toml")
            text = resource.read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"{path or 'domains.toml'}: cannot read its Chinese terms ({exc})."
        ) from None
    words: set[str] = set()
    for domain in data.get("domains", {}).values():
        chinese = domain.get("zh", {}) if isinstance(domain, dict) else {}
        for key in ("terms", "exclude"):
            words.update(w.strip() for w in chinese.get(key, []) if isinstance(w, str))
    return tuple(sorted(w for w in words if w))


def _dictionary_word(word: str) -> str | None:
    """A word as the segmenter's dictionary takes it: stripped, Latin lower-cased; ``None``
    for a word with white space inside (the segmenter never joins across white space)."""
    word = word.strip().lower()
    return word if word and not any(c.isspace() for c in word) else None


class Chinese:
    """Chinese (``"zh"``): rjieba segmentation with a user dictionary, the bundled stop words.

    Parameters
    ----------
    user_words : iterable of str, default ()
        Words the segmenter keeps whole, added to the Chinese terms of the lexicon
        (:func:`lexicon_words`). Words with white space inside cannot be one token and are
        left out.
    lexicon : path-like, optional
        The lexicon file whose Chinese terms the segmenter keeps whole; the bundled
        ``domains.toml`` by default.

    Notes
    -----
    The stop words are ``corpus_tm/data/stopwords_zh.txt`` (stopwords-iso's Chinese list,
    MIT; the file's header says what was changed). :meth:`count_words` counts Han characters
    plus runs of other letters and digits, so that unit sizes do not depend on the
    segmenter. ``min_length`` of preprocessing counts characters: its default of 2 drops
    one-character words (``党``, ``国``). See :class:`corpus_tm.language.Language` for what
    each member does.
    """

    code = "zh"
    name = "Chinese"
    connector_words = _CONNECTORS
    #: The default ``phrase_layers`` of preprocessing for Chinese units (see the benchmarks
    #: README, "Chinese word segmentation": on the laws, joined word pairs were mostly
    #: fragments of legal formulas, and the segmenter already keeps compounds whole).
    phrase_layers = 0
    #: Han numerals are letters (``str.isalpha``): preprocessing asks :meth:`is_number` about
    #: words of letters too.
    numbers_in_letters = True

    def __init__(
        self, user_words: Iterable[str] = (), *, lexicon: str | os.PathLike[str] | None = None
    ) -> None:
        if isinstance(user_words, str):
            raise ConfigError(f"user_words must be a list of words, not the string {user_words!r}.")
        words = (_dictionary_word(w) for w in user_words)
        self.user_words: tuple[str, ...] = tuple(sorted({w for w in words if w}))
        self.lexicon = lexicon
        self._variants: dict[tuple[str, ...], Chinese] = {}

    def __repr__(self) -> str:
        return f"Chinese(user_words={list(self.user_words)!r})" if self.user_words else "Chinese()"

    def with_words(self, user_words: Iterable[str]) -> Chinese:
        """This language with more words in its user dictionary (one object per word set).

        Parameters
        ----------
        user_words : iterable of str
            Words to keep whole besides :attr:`user_words` and the lexicon terms.

        Returns
        -------
        Chinese
            ``self`` when nothing is added; otherwise a new (cached) object.
        """
        words = tuple(sorted({*self.user_words, *filter(None, map(_dictionary_word, user_words))}))
        if words == self.user_words:
            return self
        if words not in self._variants:
            self._variants[words] = Chinese(words, lexicon=self.lexicon)
        return self._variants[words]

    @cached_property
    def dictionary_words(self) -> tuple[str, ...]:
        """The words added to the segmenter: the lexicon's Chinese terms and the user words."""
        lexicon = filter(None, map(_dictionary_word, lexicon_words(self.lexicon)))
        return tuple(sorted({*lexicon, *self.user_words}))

    @cached_property
    def _cut(self) -> Callable[[str, bool], list[str]]:
        import rjieba  # imported when the first Chinese text is cut (0.3 s with its dictionary)

        segmenter = rjieba.Jieba()
        for word in self.dictionary_words:
            segmenter.add_word(word, USER_WORD_FREQUENCY, None)
        return segmenter.cut  # type: ignore[no-any-return]

    @cached_property
    def stop_words(self) -> frozenset[str]:
        """The bundled Chinese stop words (754 function words of stopwords-iso's list)."""
        text = (
            importlib.resources.files("corpus_tm")
            .joinpath("data", "stopwords_zh.txt")
            .read_text(encoding="utf-8")
        )
        return frozenset(
            self.fold_case(line.strip())
            for line in text.splitlines()
            if line.strip() and not line.startswith("#")
        )

    def prepare(self) -> None:
        """Read the stop words and load the segmenter with its dictionary."""
        _ = self.stop_words
        _ = self._cut

    def fold_case(self, text: str) -> str:
        """Lower-case the Latin letters; Han characters have no case."""
        return text.lower()

    def split_words(self, text: str) -> list[str]:
        """Pieces between white space; those with a Han character are cut by the segmenter
        (HMM off), with punctuation as words of their own."""
        cut = self._cut
        words: list[str] = []
        for chunk in text.split():
            if _HAN.search(chunk):
                words.extend(cut(chunk, False))
            else:
                words.append(chunk)
        return words

    # Runs of letters and digits joined by inner hyphens or apostrophes; other marks alone
    # (the English rule: only words with a mark in them get here, Han words are letters).
    token_pieces = staticmethod(_EN_PIECE.findall)

    def strip_clitics(self, piece: str) -> str | None:
        """The piece itself (Chinese has no clitics)."""
        return piece

    def is_number(self, piece: str) -> bool:
        """No letter at all (``2020``), Han numerals (``三``, ``二〇二〇``, ``一百零五``), an
        ordinal (``第十二``) or a count with a unit (``第十二条``, ``三年``, ``五万元``)."""
        return not any(c.isalpha() for c in piece) or _ZH_NUMBER.fullmatch(piece) is not None

    def lemmatize(self, word: str) -> str:
        """The word unchanged: Chinese does not inflect."""
        return word

    def split_sentences(self, text: str) -> list[str]:
        """Sentences end at ``。``, ``！``, ``？`` (or ``!``, ``?``, their forms after NFKC),
        with any closing quotes or brackets after the mark; no space is needed after it. A
        semicolon (``；``) does not end a sentence: in legal texts it separates the items of
        one enumerated provision."""
        sentences = (m.group().strip() for m in _ZH_SENTENCE.finditer(text))
        return [s for s in sentences if s]

    def count_words(self, text: str) -> int:
        """Han characters, each one word, plus runs of other letters or digits (with inner
        ``'`` or ``-``): ``网络安全`` is 4, ``G20峰会`` is 3, ``2020年`` is 2."""
        return len(_ZH_WORD.findall(text))

    def match_pieces(self, text: str) -> list[str]:
        """The segmenter's words with a Han character; other words cut as English does."""
        pieces: list[str] = []
        for word in self.split_words(self.fold_case(text)):
            if _HAN.search(word):
                if any(c.isalnum() for c in word):
                    pieces.append(word)
            else:
                pieces.extend(_EN_MATCH_PIECE.findall(_EN_POSSESSIVE.sub("", word)))
        return pieces


CHINESE = register_language(Chinese())
"""The Chinese language (``get_language("zh")``), with the lexicon's terms as user words."""
