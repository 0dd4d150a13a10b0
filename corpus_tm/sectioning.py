"""Sectioning: documents in, a section tree of text units out.

In: the documents DataFrame of :func:`corpus_tm.load_documents` (``doc_id, source, text`` +
metadata).
Out: :class:`Sections` with four tidy tables:

``units``
    one row per text unit in document order: ``doc_id, unit_id, part, part_title, part_label,
    section, section_title, label, article, article_label, paragraph, section_kind, line, text,
    n_tokens`` + metadata columns (a metadata column whose name is taken gets the prefix
    ``doc_``, e.g. ``doc_label``; a ``language`` column is carried to every unit and chooses
    its sentence and word rules). ``article`` is the number of the law article (``第二十五条``,
    its ``article_label``) or numbered item the unit belongs to, 0 outside any.
    ``section_kind`` is ``preamble``, ``intro`` (a part's text before its first sub-section),
    ``section``, ``part`` (a part without sub-sections), ``closing`` or ``body`` (a document
    without headings). ``line`` is the unit's first line in the file.
``headings``
    every heading recognised: ``doc_id, line, level, number, title, style``. ``level`` is
    ``part`` or ``section``, or for Markdown headings outside the part/sub-section levels
    ``title`` (a lone ``# Title``) or ``subheading`` (``###`` and deeper), numbered 0.
``furniture``
    every line or paragraph removed as page furniture: ``doc_id, line, text, reason``.
``numbering``
    the audit of part numbers (and of the numbers of Chinese chapters, sections, sub-sections,
    articles and items), one row per anomaly: ``doc_id, line, kind, expected, found,
    detail`` with ``kind`` ``gap``, ``repeat`` or ``out_of_order``; ``detail`` names the level
    (``article 第十条 not found: 第九条 is followed by 第十一条``).

The rules:

* Part headings are a line such as ``1、 Title``, ``一、 Title``, ``1. Title``, ``II. Title``,
  ``Part One: Title`` or a Markdown ``#`` heading. A heading has at most ``max_heading_words``
  words and does not end like a sentence (``.`` ``,`` ``;``). Part numbers must start at one and
  rise (a table of contents or index repeating ``I. ...`` later is not a heading), a heading
  must be followed by text before the next one, and a document needs ``min_parts`` of one style.
* Roman part headings as OCR leaves them: numerals misread (``111.``, ``Ill.``, ``I11.``,
  ``Iv.``; ``1.`` and ``11.`` stay arabic and ``C.``, ``L.`` are letters, not 100 and 50), a
  page number before them (``37 III. Title``), a title run on into the text (``III. Regional
  Challenges and Responses Although we ...``: the title is the run of capitalised words before
  the first sentence), wrapped onto the next line (``II. Advancing our Interests Through`` /
  ``Engagement and Enlargement The dawn ...``) or on the line after a bare ``II.``.
* Numbering continuity: a part number that jumps (``I, II, IV``) is kept and reported as a
  ``gap``; a repeated number (``repeat``) or a lower one (``out_of_order``) is not a part and is
  reported. A heading repeating the number and title of the one before (a chapter title at the
  top of its pages) is a running header. The anomalies go to ``numbering`` and one
  :class:`SectioningWarning` per call names the documents; ``SectioningRules(strict=True)``
  makes them an :class:`~corpus_tm.InputError` naming document, line and numbers.
* Lettered sub-headings ``A. Title``, ``B. Title`` ... (on their own line or run on into the
  text), in order from ``A`` within a part, at least ``min_sections`` of them, are its
  sub-sections; a part with them is not searched for ordinals.
* Otherwise sub-sections start with an ordinal, ``First,`` ... ``Tenth,`` (also ``Firstly,``),
  in order within their part, at least ``First`` and ``Second``, and balanced (see
  ``SectioningRules.balanced_sections``): an ordinal list inside prose is not a structure. If the
  ordinal paragraph is a single short sentence it is a heading line of its own; otherwise its
  first sentence is the sub-heading and the paragraph stays a unit.
* Text before the first part is the preamble (part 0); a part's text before its first ordinal
  is the part's introduction (section 0). A document with no heading at all is one section.
* Closing rule: when a document has numbered parts and its last sub-section has more than one
  paragraph, the document's last paragraph is its closing (``kind="closing"``, part number one
  after the last part), since articles of this kind end with a conclusion addressed to the
  whole text, not to the last sub-section. Turn it off with ``closing=False``.
* Page furniture is removed first (see :mod:`corpus_tm.furniture`; a repeated lettered or
  numbered line followed by different text each time is a heading, not a running header), and
  Markdown page markers (``### Page 4:``) with it.

Chinese documents (the rules look at the text, not at the ``language`` column):

* Laws: chapters ``第一章 总则`` (Markdown ``## 第一章 总 则`` or a line of their own) are the
  parts, titled ``总则`` (spaces between characters dropped), ``part_label`` ``第一章``;
  ``第一节 一般规定`` (``###`` or a line) the sub-sections of a chapter; a paragraph opening
  with ``第二十五条`` and a space starts article 25, which runs over the paragraphs after it
  (its 款 and its items ``（一）``, which are not sub-sections in a law) to the next article
  or heading. ``unit="article"`` makes each article one unit; every unit carries ``article``
  and ``article_label``. Chapter, section and article numbers are read (``一百零二``, ``两``)
  and audited: a skipped ``第十条`` is a ``gap`` in ``numbering``, a repeated or lower
  number a ``repeat`` or ``out_of_order`` (not a new article), as for English parts.
* Policy texts: ``一、`` parts (Chinese part numbers win over arabic ones, which number items
  under them), ``（一）`` sub-sections (a line of its own, or the lead sentence of its
  paragraph, which stays a unit; numbers audited), numbered items ``1.``/``1．`` opening a
  paragraph within a sub-section (the ``article`` column, numbers audited within each), and
  lead sentences ``第一，`` ``第二，`` ... or ``首先，`` ``其次，`` ``再次，`` ``最后，``, taken
  like ``First, ... Fifth,``.
* A Chinese title has at most ``max_heading_chars`` characters and no sentence mark; wrapped
  Chinese lines join without a space; a line ending in ``。`` ends its paragraph.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from corpus_tm.errors import ConfigError, CorpusTmWarning, InputError
from corpus_tm.furniture import (
    DEFAULT_CAPTION_RULES,
    DEFAULT_LINE_RULES,
    FurnitureRule,
    is_caption,
    line_furniture,
)
from corpus_tm.language import Language, get_language
from corpus_tm.loading import load_documents
from corpus_tm.reflow import glue, line_width
from corpus_tm.reporting import progress_bar, shorten_label

UnitSize = Literal["paragraph", "section", "sentences", "article"]

ORDINALS = (
    "First",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
    "Eighth",
    "Ninth",
    "Tenth",
)
_NUMBER_WORDS = {
    w.lower(): i
    for i, w in enumerate(
        (
            "One",
            "Two",
            "Three",
            "Four",
            "Five",
            "Six",
            "Seven",
            "Eight",
            "Nine",
            "Ten",
            "Eleven",
            "Twelve",
        ),
        start=1,
    )
}
_CHINESE_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}

# Chinese structure markers (the text is NFKC-normalised: "（一）" may have become "(一)", "１．"
# "1.", the ideographic space a space; both forms are accepted).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = re.compile(f"[{_HAN}]")
_ZH_NUMBER = "[零〇一二三四五六七八九十百千两]{1,8}|\\d{1,4}"
#: ``第一章 总则`` (also 编 and 部分) as a Markdown heading's text: the chapter number and title.
_ZH_CHAPTER = re.compile(f"^第(?P<number>{_ZH_NUMBER})(?:章|编|部分)\\s*(?P<title>.*)$")
#: ``第一节 一般规定``: a section of a chapter.
_ZH_SECTION = re.compile(f"^第(?P<number>{_ZH_NUMBER})节\\s*(?P<title>.*)$")
#: ``第二十五条 ...``: an article opens its paragraph, the number followed by a space.
_ZH_ARTICLE = re.compile(f"^第(?P<number>{_ZH_NUMBER})条(?:\\s+|$)")
#: ``（一）`` sub-sections of policy texts (in laws: the items of an article).
_ZH_SUBSECTION = re.compile(
    "^[(（](?P<number>[一二三四五六七八九十]{1,3})[)）]\\s*(?P<rest>\\S.*)$"
)
#: ``1.`` / ``1．`` numbered items opening a Chinese paragraph (``1.5亿`` is a number, not one).
_ZH_ITEM = re.compile(f"^(?P<number>\\d{{1,2}})\\s*[.．、](?!\\d)\\s*(?P<rest>[{_HAN}“\"《(（].*)$")
#: Lead words of Chinese sub-sections, the analogue of ``First, ... Fifth,``.
_ZH_ORDINAL = re.compile(
    "^(?:第(?P<number>[一二三四五六七八九十]{1,2})|(?P<word>首先|其次|再次|最后))\\s*[,，:：]"
)
_ZH_ORDINAL_WORDS = {"首先": 1, "其次": 2, "再次": 3}
#: A Chinese sentence or clause ends here (the full-width marks after NFKC are ASCII).
_ZH_CLAUSE_END = re.compile("[。！？；][\"'”’」』)）]*$")
_ZH_PARAGRAPH_START = re.compile(
    f"^(?:第(?:{_ZH_NUMBER})[章节条编]|[(（][一二三四五六七八九十]{{1,3}}[)）]|[一二三四五六七八九十]{{1,3}}、"
    "|(?:第[一二三四五六七八九十]{1,2}|首先|其次|再次|最后)\\s*[,，:：])"
)
#: A Markdown heading numbered like a Chinese part: ``一、总体要求``.
_ZH_LIST_PART = re.compile("^(?P<number>[一二三四五六七八九十]{1,3})\\s*、\\s*(?P<title>\\S.*)$")


@dataclass(frozen=True)
class HeadingPattern:
    """A style of numbered part heading.

    Parameters
    ----------
    name : str
        Name of the style, shown in the headings table.
    pattern : str
        Regular expression matched against a whole line, with named groups ``number`` and
        ``title``.
    numbering : {"arabic", "roman", "chinese", "word"}
        How to read the ``number`` group. Roman numerals may carry OCR errors: ``l`` and ``1``
        read as ``I`` (``Ill.``, ``111.``, ``I11.``) and a lower-case ``v`` after ``I``
        (``Iv.``); ``1.`` and ``11.`` stay arabic and are never roman.
    run_on : bool
        Also accept a heading whose line runs on into the text (``VI. Toward the 21st Century
        The 20th century has ...``) and a bare number line (``II.``) whose title opens the next
        line; the title is the run of capitalised words before the first sentence.
    """

    name: str
    pattern: str
    numbering: Literal["arabic", "roman", "chinese", "word"] = "arabic"
    run_on: bool = False

    def __post_init__(self) -> None:
        try:
            compiled = re.compile(self.pattern)
        except re.error as exc:
            raise ConfigError(f"heading pattern {self.name!r}: invalid regex ({exc}).") from None
        missing = {"number", "title"} - set(compiled.groupindex)
        if missing:
            raise ConfigError(
                f"heading pattern {self.name!r}: needs the named groups (?P<number>...) and "
                f"(?P<title>...); missing {', '.join(sorted(missing))}."
            )
        if self.numbering not in ("arabic", "roman", "chinese", "word"):
            raise ConfigError(
                f"heading pattern {self.name!r}: numbering must be 'arabic', 'roman', 'chinese' "
                f"or 'word', not {self.numbering!r}."
            )

    def match(self, line: str) -> tuple[int, str] | None:
        """The part number and title of ``line``, or ``None``."""
        found = _regex(self.pattern).match(line)
        if found is None:
            return None
        number = _read_number(found.group("number"), self.numbering)
        if number is None:
            return None
        return number, _tidy_title(found.group("title").strip())


DEFAULT_PART_PATTERNS: tuple[HeadingPattern, ...] = (
    HeadingPattern(
        "第一章",
        r"^第(?P<number>[零〇一二三四五六七八九十百两]{1,6})章\s*(?P<title>\S.*)$",
        "chinese",
    ),
    HeadingPattern("1、", r"^(?P<number>\d{1,2})\s*、\s*(?P<title>\S.*)$"),
    HeadingPattern(
        "一、", r"^(?P<number>[一二三四五六七八九十]{1,3})\s*[、.]\s*(?P<title>\S.*)$", "chinese"
    ),
    HeadingPattern("1.", r"^(?P<number>\d{1,2})\.\s+(?P<title>\S.*)$"),
    HeadingPattern(
        "I.",
        r"^(?:\d{1,3}\s+)?(?P<number>[IVXLCl1v]{1,7})\s?\.\s+(?P<title>\S.*)$",
        "roman",
        run_on=True,
    ),
    HeadingPattern(
        "Part One",
        r"^(?i:part)\s+(?P<number>\d{1,2}|[IVXLC]{1,7}|(?i:one|two|three|four|five|six|seven|"
        r"eight|nine|ten|eleven|twelve))\b[\s:.,\u2014\u2013-]*(?P<title>.*)$",
        "word",
    ),
)


@dataclass(frozen=True)
class SectioningRules:
    """How documents are split into parts, sub-sections and units.

    Parameters
    ----------
    part_patterns : tuple of HeadingPattern
        Numbered part heading styles, tried in order. Add one with :meth:`add_part_pattern`.
    ordinals : tuple of str
        Words that open ordinal sub-sections, in order (``First`` ... ``Tenth``).
    markdown : bool
        Recognise Markdown ``#`` headings as parts (and ``##`` under them as sub-sections).
    max_heading_words : int
        Longer lines are never headings.
    max_heading_chars : int
        A title with Chinese characters is a heading only with at most this many of them and
        no sentence end (``。``, ``！``, ``？``, ``；``, ``，``) in it.
    min_parts : int
        A document needs at least this many part headings of one style to be split into parts.
    min_sections : int
        A part needs at least this many ordinal sub-sections (``First`` and ``Second``) to be
        split into sub-sections; a lone "First, ..." is ordinary prose.
    closing : bool
        Apply the closing rule (see the module docstring).
    balanced_sections : bool
        Accept ordinal sub-sections only when they look like a document's structure rather
        than a list inside prose: the part's text before ``First`` is at most twice the mean
        sub-section length, the first and the last sub-section at most three times the longest
        other one (lengths in words), and no one-sentence ordinal paragraph is followed
        straight away by the next ordinal.
    line_rules : tuple of FurnitureRule
        Page-furniture line rules.
    caption_rules : tuple of str
        Regular expressions for the start of photo captions.
    strict : bool
        Make numbering anomalies (a gap, a repeat or a number out of order among a document's
        part headings, Chinese chapters, sections, articles or items) an
        :class:`~corpus_tm.InputError` instead of a :class:`SectioningWarning`.
    articles : bool
        Find law articles (paragraphs opening with ``第二十五条``) and numbered items (``1.``
        in Chinese policy texts) and number the units by them (the ``article`` column, the
        ``unit="article"`` unit size). With ``False`` the ``article`` column is 0.
    """

    part_patterns: tuple[HeadingPattern, ...] = DEFAULT_PART_PATTERNS
    ordinals: tuple[str, ...] = ORDINALS
    markdown: bool = True
    max_heading_words: int = 30
    max_heading_chars: int = 40
    min_parts: int = 2
    min_sections: int = 2
    closing: bool = True
    balanced_sections: bool = True
    line_rules: tuple[FurnitureRule, ...] = DEFAULT_LINE_RULES
    caption_rules: tuple[str, ...] = DEFAULT_CAPTION_RULES
    strict: bool = False
    articles: bool = True

    def __post_init__(self) -> None:
        for name in ("max_heading_words", "max_heading_chars", "min_parts", "min_sections"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(
                    f"SectioningRules.{name} must be a positive integer, not {value!r}."
                )
        if not self.ordinals:
            raise ConfigError("SectioningRules.ordinals must name at least one ordinal word.")
        for rule in self.caption_rules:
            try:
                re.compile(rule)
            except re.error as exc:
                raise ConfigError(f"caption rule {rule!r}: invalid regex ({exc}).") from None

    def add_part_pattern(
        self, name: str, pattern: str, numbering: str = "arabic", *, first: bool = True
    ) -> SectioningRules:
        """A copy of these rules with one more part heading style.

        Parameters
        ----------
        name, pattern, numbering
            See :class:`HeadingPattern`.
        first : bool
            Try the new style before the built-in ones.
        """
        new = HeadingPattern(name, pattern, numbering)  # type: ignore[arg-type]
        patterns = (new, *self.part_patterns) if first else (*self.part_patterns, new)
        return dataclasses.replace(self, part_patterns=patterns)

    def add_furniture_rule(
        self, reason: str, pattern: str, max_length: int = 200
    ) -> SectioningRules:
        """A copy of these rules with one more page-furniture line rule."""
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"furniture rule {reason!r}: invalid regex ({exc}).") from None
        rule = FurnitureRule(reason, pattern, max_length)
        return dataclasses.replace(self, line_rules=(*self.line_rules, rule))


class SectioningWarning(CorpusTmWarning):
    """Part numbers of a document have a gap, a repeat or a number out of order."""


NUMBERING_COLUMNS = ["doc_id", "line", "kind", "expected", "found", "detail"]


def _empty_numbering() -> pd.DataFrame:
    return pd.DataFrame(columns=NUMBERING_COLUMNS)


_DOCUMENT_AUDIT_COLUMNS = ("reflowed", "wrap_width")


@dataclass(frozen=True)
class Sections:
    """The result of sectioning: units, recognised headings and removed furniture.

    ``numbering`` is the audit of part numbers (and Chinese chapter, section, article and item
    numbers): one row per gap, repeat or number out of order (``doc_id, line, kind, expected,
    found, detail``; see :func:`split_sections`).
    ``documents`` is the audit of each document: ``doc_id, reflowed, wrap_width`` (whether
    :func:`corpus_tm.load_documents` joined hard-wrapped lines, and the width it found),
    ``n_units, n_part_headings, n_section_headings, n_articles`` (law articles or numbered
    items found), ``numbering_anomalies, furniture`` (lines removed, by reason) and
    ``n_furniture``.
    """

    units: pd.DataFrame
    headings: pd.DataFrame
    furniture: pd.DataFrame
    numbering: pd.DataFrame = field(default_factory=_empty_numbering)
    documents: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass
class _Paragraph:
    line: int
    lines: list[str]
    part: int = 0
    section: int = 0
    role: str = "text"  # text | part heading | section heading
    article: int = 0

    @property
    def text(self) -> str:
        return _join_lines(self.lines) if len(self.lines) > 1 else self.lines[0]


@dataclass
class _Document:
    doc_id: str
    paragraphs: list[_Paragraph] = field(default_factory=list)
    furniture: list[dict] = field(default_factory=list)
    headings: list[dict] = field(default_factory=list)
    part_titles: dict[int, str] = field(default_factory=dict)
    section_titles: dict[tuple[int, int], str] = field(default_factory=dict)
    section_labels: dict[tuple[int, int], str] = field(default_factory=dict)
    closing_part: int | None = None
    anomalies: list[dict] = field(default_factory=list)
    language: str = "en"
    part_labels: dict[int, str] = field(default_factory=dict)
    article_labels: dict[tuple[int, int, int], str] = field(default_factory=dict)

    def add_section(
        self, part: int, number: int, title: str, label: str, *, line: int, style: str
    ) -> None:
        """Record sub-section ``number`` of ``part``: its title, its label and its heading row."""
        self.section_titles[(part, number)] = title
        self.section_labels[(part, number)] = label
        self.headings.append(
            {
                "doc_id": self.doc_id,
                "line": line,
                "level": "section",
                "number": number,
                "title": title,
                "style": style,
            }
        )


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _join_lines(lines: list[str]) -> str:
    """Join wrapped lines (or sentences) with a space, but with none between Chinese text,
    which is written without spaces (see :func:`corpus_tm.reflow.glue`)."""
    out = lines[0]
    for line in lines[1:]:
        out += glue(out, line) + line
    return out


def _tidy_title(title: str) -> str:
    """Drop the spaces that space out Chinese titles (``总 则`` -> ``总则``)."""
    if not _HAN_CHAR.search(title):
        return title
    return re.sub(f"(?<=[{_HAN}])\\s+(?=[{_HAN}])", "", title)


def _n_han(text: str) -> int:
    return len(_HAN_CHAR.findall(text))


def _regex(pattern: str) -> re.Pattern[str]:
    if pattern not in _REGEX_CACHE:
        _REGEX_CACHE[pattern] = re.compile(pattern)
    return _REGEX_CACHE[pattern]


def _read_number(text: str, numbering: str) -> int | None:
    if numbering == "roman":
        return _read_roman(text)
    if text.isdigit():
        return int(text)
    if numbering == "chinese":
        return _read_chinese(text)
    if text.lower() in _NUMBER_WORDS:
        return _NUMBER_WORDS[text.lower()]
    if set(text) <= set(_ROMAN):
        return _roman_to_int(text)
    return None


def _read_chinese(text: str) -> int | None:
    """A Chinese numeral (``一`` ... ``十``, ``十一``, ``二十五``, ``一百零二``, ``两千``) or arabic
    digits as an integer >= 1; ``None`` when ``text`` is not a well-formed numeral."""
    if text.isdigit():
        return int(text) or None
    if not text or any(c not in _CHINESE_DIGITS and c not in _CHINESE_UNITS for c in text):
        return None
    total, digit, last_unit, after_zero = 0, None, 10_000, False
    for char in text:
        if char in _CHINESE_UNITS:
            unit = _CHINESE_UNITS[char]
            if unit >= last_unit or after_zero or (digit is None and unit != 10):
                return None
            if digit is None and total:  # "一百十" is not written; "一百一十" is
                return None
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        elif _CHINESE_DIGITS[char] == 0:
            if digit is not None or not total or after_zero:  # 零 only between a unit and a digit
                return None
            after_zero = True
        else:
            if digit is not None:  # two digits in a row
                return None
            digit, after_zero = _CHINESE_DIGITS[char], False
    if after_zero:
        return None
    if digit is not None:
        if total and last_unit > 10 and text[-2] != "零":
            return None  # "一百二" (120 or 102?) is not a legal numeral
        total += digit
    return total or None


def _to_chinese(value: int) -> str:
    """``value`` (1 to 9999) as a Chinese numeral: ``10`` -> ``十``, ``102`` -> ``一百零二``."""
    digits = "零一二三四五六七八九"
    out, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        count, value = divmod(value, unit)
        if count:
            if zero and out:
                out += "零"
            out += ("" if unit == 10 and count == 1 and not out else digits[count]) + name
            zero = False
        elif out:
            zero = True
    return out


_OCR_ROMAN = str.maketrans({"l": "I", "1": "I", "v": "V"})


def _read_roman(text: str) -> int | None:
    """A roman numeral, OCR errors allowed (``Ill``, ``111``, ``I11``, ``Iv``); else ``None``."""
    if text.isdigit() and len(text) < 3:  # "1." and "11." are arabic list numbers
        return None
    if not text.isdigit() and not any(c in "IVXLC" for c in text):  # "l.", lower-case lists
        return None
    if "v" in text and "I" not in text:
        return None
    normal = text.translate(_OCR_ROMAN)
    if set(normal) - set("IVX"):  # "C." and "L." head lettered sub-sections, not part 100
        return None
    value = _roman_to_int(normal)
    if value is None or _int_to_roman(value) != normal:  # "IIII", "VX": not a numeral
        return None
    return value


def _int_to_roman(value: int) -> str:
    out = []
    for number, letters in (
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        count, value = divmod(value, number)
        out.append(letters * count)
    return "".join(out)


def _roman_to_int(text: str) -> int | None:
    values = [_ROMAN[c] for c in text]
    total = 0
    for i, value in enumerate(values):
        total += -value if i + 1 < len(values) and value < values[i + 1] else value
    return total if total > 0 else None


_SENTENCE_END = re.compile(r"[.!?;,](?:\s?[\"')\]])*$")


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Split a paragraph into sentences, by the rules of ``language``.

    English: boundaries are ``.``, ``!`` or ``?`` followed by a space and a capital letter or
    digit, except after common abbreviations (``Mr.``, ``U.S.``, ``No.``) and single-letter
    initials.

    Parameters
    ----------
    text : str
        One paragraph.
    language : str, default "en"
        Code of a registered language (see :mod:`corpus_tm.language`).

    Returns
    -------
    list of str
        The sentences, stripped; joined with single spaces they give ``text`` back when
        ``text`` has single spaces.

    Raises
    ------
    ConfigError
        If no language is registered under ``language``.
    """
    return get_language(language).split_sentences(text)


def count_words(text: str, language: str = "en") -> int:
    """Number of words in ``text``, by the rules of ``language``.

    English: runs of letters or digits, with inner ``'`` or ``-`` (``covid-19`` is one word).

    Parameters
    ----------
    text : str
        Any text.
    language : str, default "en"
        Code of a registered language (see :mod:`corpus_tm.language`).

    Returns
    -------
    int
        The number of words.

    Raises
    ------
    ConfigError
        If no language is registered under ``language``.
    """
    return get_language(language).count_words(text)


def split_sections(
    documents: pd.DataFrame,
    *,
    unit: UnitSize = "paragraph",
    window: int = 5,
    rules: SectioningRules | None = None,
    progress: bool | None = None,
) -> Sections:
    """Split documents into a section tree and text units.

    Parameters
    ----------
    documents : pandas.DataFrame
        As made by :func:`corpus_tm.load_documents`: ``doc_id`` and ``text`` columns, and any
        metadata columns, which are copied to every unit of the document. A ``language``
        column (codes of registered languages, ``"en"``, ``"zh"``) chooses the sentence and
        word rules of each document (see :mod:`corpus_tm.language`); without it, or where it
        is empty, they are English.
    unit : {"paragraph", "section", "sentences", "article"}, default "paragraph"
        Unit size: one unit per paragraph, one per sub-section (its paragraphs joined),
        windows of ``window`` consecutive sentences within a sub-section (and within an
        article), or one per law article (``第二十五条`` with the paragraphs that follow it) or
        numbered item (``1.`` in a Chinese policy text); paragraphs outside any article stay
        units of their own. Every unit carries its article number and label (``article``,
        ``article_label``: ``25``, ``"第二十五条"``; ``0`` and ``""`` outside articles and for
        ``unit="section"``).
    window : int, default 5
        Sentences per unit when ``unit="sentences"``.
    rules : SectioningRules, optional
        Heading and furniture rules; the defaults are described in this module's docstring.
    progress : bool or None
        Show a progress bar over documents; ``None`` shows it from
        :data:`PROGRESS_MIN_DOCUMENTS` documents (about 1 s of work on one core).

    Returns
    -------
    Sections
        ``units``, ``headings`` and ``furniture`` tables.

    Raises
    ------
    ConfigError
        When ``unit`` or ``window`` is not valid, or a document's ``language`` is not a
        registered language.
    InputError
        When no document gives a text unit (every line is a heading, furniture or blank).

        With ``rules.strict``, when part numbers have a gap, a repeat or a number out of order.

    Warns
    -----
    CorpusTmWarning
        When documents have no heading at all (each becomes one section), or when some
        documents give no text unit.
    SectioningWarning
        Once per call, naming the documents, when part numbers have a gap (``I, II, IV``: the
        parts found are kept), a repeat or a number out of order (not taken as parts); the rows
        are in ``Sections.numbering``.
    """
    rules = rules or SectioningRules()
    if unit not in ("paragraph", "section", "sentences", "article"):
        raise ConfigError(
            f"unit must be 'paragraph', 'section', 'sentences' or 'article', not {unit!r}."
        )
    if not isinstance(window, int) or window < 1:
        raise ConfigError(
            f"window must be a positive integer (sentences per unit), not {window!r}."
        )
    for column in ("doc_id", "text"):
        if column not in documents.columns:
            raise ConfigError(f"documents needs a {column!r} column; use load_documents().")
    documents = documents.rename(
        columns={
            c: f"doc_{c}"
            for c in documents.columns
            if c in _UNIT_COLUMNS and c not in ("doc_id", "text")
        }
    )
    audit_columns = [c for c in _DOCUMENT_AUDIT_COLUMNS if c in documents.columns]
    metadata_columns = [
        c for c in documents.columns if c not in ("doc_id", "text", *audit_columns)
    ]
    unit_rows: list[dict] = []
    heading_rows: list[dict] = []
    furniture_rows: list[dict] = []
    numbering_rows: list[dict] = []
    n_articles: dict[str, int] = {}
    without_headings: list[str] = []
    without_units: list[str] = []
    show = len(documents) >= PROGRESS_MIN_DOCUMENTS if progress is None else bool(progress)
    records = documents.to_dict("records")
    languages = [_language_code(record) for record in records]
    for code in dict.fromkeys(languages):
        try:
            get_language(code)
        except ConfigError as exc:
            first = next(r for r, c in zip(records, languages, strict=True) if c == code)
            raise ConfigError(f"Document {first['doc_id']!r}, column 'language': {exc}") from None
    for record, code in progress_bar(
        zip(records, languages, strict=True),
        total=len(records),
        desc="sections",
        unit="doc",
        show=show,
    ):
        parsed = _parse_document(str(record["doc_id"]), record["text"], rules, code)
        rows = _units(parsed, unit=unit, window=window)
        if not rows:
            without_units.append(str(record.get("source", parsed.doc_id)))
        elif not parsed.headings:
            without_headings.append(parsed.doc_id)
        metadata = {c: record[c] for c in metadata_columns}
        unit_rows.extend({**row, **metadata} for row in rows)
        heading_rows.extend(parsed.headings)
        n_articles[parsed.doc_id] = len(parsed.article_labels)
        furniture_rows.extend(parsed.furniture)
        numbering_rows.extend(parsed.anomalies)
    if numbering_rows:
        _report_numbering(numbering_rows, strict=rules.strict)
    if without_units:
        shown = ", ".join(without_units[:5]) + (" ..." if len(without_units) > 5 else "")
        every = len(without_units) == len(documents)
        message = (
            f"{'No document' if every else f'{len(without_units)} of {len(documents)} documents'}"
            f" ({shown}) {'has' if every else 'have'} any text units: each of their lines is a "
            "heading, page furniture or blank. Check the headings and furniture tables of "
            "split_sections(); if text was taken for furniture, pass SectioningRules("
            "line_rules=...) with fewer rules."
        )
        if every:
            raise InputError(message)
        warnings.warn(message, CorpusTmWarning, stacklevel=2)
    if without_headings:
        shown = ", ".join(without_headings[:5]) + (" ..." if len(without_headings) > 5 else "")
        warnings.warn(
            f"{len(without_headings)} of {len(documents)} documents have no part or sub-section "
            f"headings; each is one section ({shown}). If they do have headings, add their "
            "style with SectioningRules.add_part_pattern().",
            CorpusTmWarning,
            stacklevel=2,
        )
    units = pd.DataFrame(unit_rows, columns=[*_UNIT_COLUMNS, *metadata_columns])
    units = units.astype(
        {
            "part": "int64",
            "section": "int64",
            "paragraph": "int64",
            "article": "int64",
            "line": "int64",
            "n_tokens": "int64",
        }
    )
    headings = pd.DataFrame(
        heading_rows, columns=["doc_id", "line", "level", "number", "title", "style"]
    )
    furniture = pd.DataFrame(furniture_rows, columns=["doc_id", "line", "text", "reason"])
    numbering = pd.DataFrame(
        [{c: row[c] for c in NUMBERING_COLUMNS} for row in numbering_rows],
        columns=NUMBERING_COLUMNS,
    )
    return Sections(
        units=units,
        headings=headings,
        furniture=furniture,
        numbering=numbering,
        documents=_document_audit(
            documents, audit_columns, units, headings, furniture, numbering, n_articles
        ),
    )


def _document_audit(
    documents: pd.DataFrame,
    audit_columns: list[str],
    units: pd.DataFrame,
    headings: pd.DataFrame,
    furniture: pd.DataFrame,
    numbering: pd.DataFrame,
    n_articles: dict[str, int],
) -> pd.DataFrame:
    """One row per document: what the sectioning found and changed."""
    table = documents[["doc_id", *audit_columns]].copy()
    table["doc_id"] = table["doc_id"].astype(str)
    for column, default in (("reflowed", False), ("wrap_width", 0)):
        if column not in table.columns:
            table[column] = default
    table["n_units"] = table["doc_id"].map(units.groupby("doc_id").size()).fillna(0).astype(int)
    for level in ("part", "section"):
        found = headings[headings["level"] == level].groupby("doc_id").size()
        table[f"n_{level}_headings"] = table["doc_id"].map(found).fillna(0).astype(int)
    table["n_articles"] = table["doc_id"].map(n_articles).fillna(0).astype(int)
    table["numbering_anomalies"] = (
        table["doc_id"].map(numbering.groupby("doc_id").size()).fillna(0).astype(int)
    )
    by_reason = furniture.groupby("doc_id")["reason"].agg(
        lambda reasons: "; ".join(
            f"{reason} {count}" for reason, count in reasons.value_counts().sort_index().items()
        )
    )
    table["furniture"] = [str(by_reason.get(doc_id, "")) for doc_id in table["doc_id"]]
    table["n_furniture"] = (
        table["doc_id"].map(furniture.groupby("doc_id").size()).fillna(0).astype(int)
    )
    return table.reset_index(drop=True)


def _report_numbering(rows: list[dict], *, strict: bool) -> None:
    """One warning (or, with ``strict``, one error) for every numbering anomaly found."""
    described = [f"{r['doc_id']} line {r['line']}: {r['kind']} ({r['detail']})" for r in rows]
    documents = list(dict.fromkeys(r["doc_id"] for r in rows))
    parts_only = all(r["level"] == "part" for r in rows)
    if strict:
        raise InputError(
            f"{'Part numbering' if parts_only else 'Numbering'} is not continuous "
            "(SectioningRules(strict=True)): "
            + "; ".join(described)
            + ". Check these headings in the files, or pass strict=False to keep the parts "
            "found and get a warning."
        )
    shown = "; ".join(described[:5]) + (" ..." if len(described) > 5 else "")
    warnings.warn(
        f"{len(rows)} {'part-' if parts_only else ''}numbering "
        f"anomal{'y' if len(rows) == 1 else 'ies'} in "
        f"{len(documents)} document{'' if len(documents) == 1 else 's'} "
        f"({', '.join(documents[:5])}{' ...' if len(documents) > 5 else ''}): {shown}. "
        "Gaps keep the parts found; repeated and out-of-order numbers are not parts. See "
        "Sections.numbering.",
        SectioningWarning,
        stacklevel=3,
    )


#: Progress bars of :func:`split_sections` are shown by default from this many documents.
PROGRESS_MIN_DOCUMENTS = 10_000

_UNIT_COLUMNS = [
    "doc_id",
    "unit_id",
    "part",
    "part_title",
    "part_label",
    "section",
    "section_title",
    "label",
    "article",
    "article_label",
    "paragraph",
    "section_kind",
    "line",
    "text",
    "n_tokens",
]


def read_corpus(
    path: str | os.PathLike[str],
    *,
    unit: UnitSize = "paragraph",
    window: int = 5,
    rules: SectioningRules | None = None,
    encoding: str | None = None,
    text_column: str = "text",
    id_column: str = "doc_id",
    reflow: bool = True,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Read a corpus and return its unit table.

    Shorthand for ``split_sections(load_documents(path, ...), ...).units``; call those two to
    get the headings and the page-furniture tables as well.

    Parameters
    ----------
    path : path-like
        A folder of ``.txt``/``.md`` files (with an optional ``metadata.csv``) or a CSV, JSONL
        or Parquet file with one document per row.
    unit, window, rules, progress
        See :func:`split_sections`.
    encoding, text_column, id_column, reflow
        See :func:`corpus_tm.load_documents`.

    Returns
    -------
    pandas.DataFrame
        One row per text unit, in document order (see :mod:`corpus_tm.sectioning`).

    Examples
    --------
    >>> units = read_corpus("../shared/corpus")  # doctest: +SKIP
    >>> units.groupby(["doc_id", "label"], sort=False).size()  # doctest: +SKIP
    """
    documents = load_documents(
        path, encoding=encoding, text_column=text_column, id_column=id_column, reflow=reflow
    )
    return split_sections(documents, unit=unit, window=window, rules=rules, progress=progress).units


def _language_code(record: dict) -> str:
    code = record.get("language")
    if code is None or (isinstance(code, float) and code != code) or code == "":
        return "en"
    return str(code)


def _parse_document(
    doc_id: str, text: str, rules: SectioningRules, language: str = "en"
) -> _Document:
    document = _Document(doc_id, language=language)
    lines = text.split("\n")
    reasons = line_furniture(lines, rules.line_rules)
    for number, (line, reason) in enumerate(zip(lines, reasons, strict=True), start=1):
        if reason is not None:
            document.furniture.append(
                {"doc_id": doc_id, "line": number, "text": line, "reason": reason}
            )
    document.paragraphs = _paragraphs(lines, reasons, rules)
    _drop_paragraphs(
        document,
        lambda p: "photo caption" if is_caption(p.text, rules.caption_rules) else None,
    )
    _drop_paragraphs(
        document,
        lambda p: "page number"
        if len(p.lines) == 1 and _PAGE_MARKER.match(p.text)
        else None,
    )
    document.furniture.sort(key=lambda row: row["line"])
    _assign_parts(document, rules)
    _assign_sections(document, rules)
    if rules.articles:
        _assign_articles(document, rules)
    if rules.closing:
        _apply_closing_rule(document)
    document.headings.sort(key=lambda h: h["line"])
    return document


_PAGE_MARKER = re.compile(r"^#{1,6}\s+page\s+\d{1,4}\b[\w\s()]{0,20}:?$", re.IGNORECASE)


def _drop_paragraphs(
    document: _Document, reason_of: Callable[[_Paragraph], str | None]
) -> None:
    """Move the paragraphs ``reason_of`` gives a reason to the furniture table.

    Used for photo captions and for Markdown page markers (``### Page 4:``).
    """
    kept = []
    for paragraph in document.paragraphs:
        reason = reason_of(paragraph)
        if reason is None:
            kept.append(paragraph)
        else:
            document.furniture.append(
                {
                    "doc_id": document.doc_id,
                    "line": paragraph.line,
                    "text": paragraph.text,
                    "reason": reason,
                }
            )
    document.paragraphs = kept


def _is_heading_like(line: str, rules: SectioningRules) -> bool:
    if rules.markdown and line.startswith("#"):
        return True
    for pattern in rules.part_patterns:
        matched = pattern.match(line)
        if matched and _heading_shape(matched[1], rules):
            return True
    return False


def _heading_shape(title: str, rules: SectioningRules) -> bool:
    if _HAN_CHAR.search(title):  # Chinese: no sentence mark, at most max_heading_chars
        return (
            _ZH_TITLE_BREAK.search(title) is None
            and _n_han(title) <= rules.max_heading_chars
            and len(title.split()) <= rules.max_heading_words
        )
    n_words = len(title.split())
    if n_words == 0 or n_words > rules.max_heading_words:
        return False
    # OCR ran the first paragraph onto the heading line; an ellipsis inside a title ("What We
    # Seek ... Our Interests") is not a sentence end
    if len(split_sentences(re.sub(r"\s*(?:\.\.\.|…)\s*", " ", title.rstrip(".…")))) > 1:
        return False
    if title.endswith("...") or title.endswith("…"):
        return True
    return _SENTENCE_END.search(title) is None and any(c.isalpha() for c in title)


_ZH_TITLE_BREAK = re.compile(r"[。！？；，!?;,]|[.:]$")


def _paragraphs(
    lines: list[str], reasons: list[str | None], rules: SectioningRules
) -> list[_Paragraph]:
    """Group lines into paragraphs: blank lines and furniture separate them; wrapped lines join."""
    paragraphs: list[_Paragraph] = []
    current: _Paragraph | None = None
    gap = False  # a blank or furniture line since the last text line
    for number, (line, reason) in enumerate(zip(lines, reasons, strict=True), start=1):
        if not line or reason is not None:
            current, gap = None, True
            continue
        previous = current or (paragraphs[-1] if paragraphs else None)
        if previous is not None and _continues(previous.lines[-1], line, gap, rules):
            previous.lines.append(line)
            current = previous
        else:
            current = _Paragraph(line=number, lines=[line])
            paragraphs.append(current)
        gap = False
    return paragraphs


def _continues(previous: str, line: str, gap: bool, rules: SectioningRules) -> bool:
    """Whether ``line`` continues the paragraph whose last line is ``previous``."""
    if _SENTENCE_END.search(previous) or previous.endswith(":"):
        return False
    if _ZH_CLAUSE_END.search(previous) or _ZH_PARAGRAPH_START.match(line):
        return False
    if _is_heading_like(previous, rules) or _is_heading_like(line, rules):
        return False
    if _ordinal_index(line, rules) is not None:
        return False
    starts_lower = line[0].islower()
    if gap:  # across a page break only when the sentence visibly goes on
        return starts_lower
    # a Chinese character is two columns wide: a line wrapped at 40 of them is full
    return starts_lower or line_width(previous) >= 80


# Words that may sit inside a title in lower case; any other lower-case word starts a sentence.
_MINOR_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "from",
        "in",
        "into",
        "nor",
        "of",
        "on",
        "or",
        "our",
        "the",
        "their",
        "its",
        "to",
        "with",
        "through",
        "against",
        "toward",
        "towards",
        "upon",
        "via",
    ]
)
# Capitalised words that open a sentence run on after a title ("... 2002 The United States
# must ..."); a continuation line that starts with one is text, not the rest of a title.
_OPENERS = frozenset({"The", "A", "An", "This", "These", "It", "Its"})
_TEXT_OPENERS = _OPENERS | {"We", "Our", "In", "As", "That", "There", "They", "Today", "But"}
_LETTER_MARKER = re.compile(r"^[A-H]\.$")
_NUMBER_LINE = re.compile(r"^(?:\d{1,3}\s+)?(?P<number>[IVXLCl1v]{1,7})\s?\.$")
_LETTER_HEADING = re.compile(r"^(?P<number>[A-H])\.\s+(?P<title>\S.*)$")


def _split_run_on(text: str, *, mixed_case: bool = False) -> tuple[str, str]:
    """Split a heading that OCR ran on into the text after it: ``(title, rest)``.

    The title is the run of capitalised (and minor lower-case) words at the start of ``text``.
    It ends before the first sentence, that is before the capitalised word that precedes the
    first other lower-case word (``Regional Challenges and Responses | Although we are``; a
    sentence opened by ``The``, ``A``, ``This`` keeps its opener: ``Strategy 2002 | The United
    States must``), before a letter marker (``Global Power | A. Summary``) or, once the title
    has lower-case letters (``mixed_case``), before a word in capitals (``Interests and Goals |
    NEW ERA``). ``("", text)`` when ``text`` does not start with a capital.
    """
    words = text.split()
    if not words or not words[0][:1].isupper():
        return "", text
    has_lower = mixed_case
    cut, sentence = len(words), False
    for i, word in enumerate(words):
        core = word.strip("\"'()[],:;")
        if i and _LETTER_MARKER.match(word) and i + 1 < len(words) and words[i + 1][:1].isupper():
            cut = i
            break
        if i and has_lower and core.isupper() and sum(c.isalpha() for c in core) >= 3:
            cut = i
            break
        if core[:1].islower() and core.lower() not in _MINOR_WORDS:
            cut, sentence = i, True
            break
        has_lower = has_lower or any(c.islower() for c in core)
    if sentence:
        end = cut
        while end > 0 and not words[end - 1][:1].isupper():  # minor words and numbers
            end -= 1
        start = end
        while start > 0 and words[start - 1][:1].isupper():
            start -= 1
        openers = [i for i in range(max(start, 1), end) if words[i] in _OPENERS]
        if end == 0:
            cut = 0
        elif end == cut and openers:
            cut = openers[-1]
        else:
            cut = end - 1
    return " ".join(words[:cut]), " ".join(words[cut:])


def _continuation(heading: str, paragraph: _Paragraph, rules: SectioningRules) -> str:
    """The rest of a heading title wrapped onto the first line of ``paragraph``, or ``""``."""
    first = paragraph.lines[0]
    if first.split()[0] in _TEXT_OPENERS:
        return ""
    title, _ = _split_run_on(first, mixed_case=any(c.islower() for c in heading))
    words = title.split()
    if not words or words[-1].lower().strip(",:;") in _MINOR_WORDS:
        return ""
    ends_open = heading.endswith((":", ",", "-", "...", "…")) or (
        heading.split()[-1].lower() in _MINOR_WORDS
    )
    if len(words) == len(first.split()) and not ends_open:  # a sub-heading line of its own
        return ""
    if not _heading_shape(f"{heading} {title}", rules):
        return ""
    return title


@dataclass
class _Candidate:
    """A part heading found in a paragraph: how, and what is left of the paragraph."""

    index: int
    number: int
    title: str
    kind: str  # line | run-on | number line
    rest: str = ""


def _part_candidates(document: _Document, rules: SectioningRules) -> list[tuple]:
    """Per style: its name, accepted candidates, numbering anomalies (see :func:`_rising`)."""
    paragraphs = document.paragraphs
    styles: list[tuple] = []
    for pattern in rules.part_patterns:
        found = [
            c
            for c in (_candidate(pattern, paragraphs, i, rules) for i in range(len(paragraphs)))
            if c is not None
        ]
        styles.append((pattern.name, *_rising(found)))
    if rules.markdown:
        styles.extend(_markdown_candidates(document))
    return styles


def _candidate(
    pattern: HeadingPattern, paragraphs: list[_Paragraph], index: int, rules: SectioningRules
) -> _Candidate | None:
    paragraph = paragraphs[index]
    first = paragraph.lines[0]
    following = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
    adjacent = following is not None and following.line == paragraph.line + len(paragraph.lines)
    if pattern.run_on and len(paragraph.lines) == 1 and adjacent:
        bare = _NUMBER_LINE.match(first)
        number = _read_number(bare.group("number"), pattern.numbering) if bare else None
        if number is not None:  # "II." alone, the title on the next line
            title, _ = _split_run_on(following.lines[0])  # type: ignore[union-attr]
            if title and _heading_shape(title, rules):
                return _Candidate(index, number, title, "number line")
            return None
    matched = pattern.match(first)
    if matched is None:
        return None
    number, title = matched
    head, rest = _split_run_on(title) if pattern.run_on else ("", "")
    if head and rest and _heading_shape(head, rules) and not head.endswith(","):
        return _Candidate(index, number, head, "run-on", rest)
    if len(paragraph.lines) == 1 and _heading_shape(title, rules):
        return _Candidate(index, number, title, "line")
    if not pattern.run_on:
        return None
    if len(paragraph.lines) == 1 and title.endswith(",") and adjacent:  # "I. For a Safer,"
        more = _continuation(title, following, rules)  # type: ignore[arg-type]
        if more and _heading_shape(f"{title} {more}", rules):
            return _Candidate(index, number, title, "line")
    return None


def _rising(found: list[_Candidate]) -> tuple[list[_Candidate], list[dict]]:
    """Keep headings that start at 1, rise, and have text before and after them.

    A run of candidates with no text between them is a table of contents and is skipped
    whole. A candidate that repeats the number and title of the heading before it is a
    running header (``kind="echo"``). Returns the accepted headings and what was met on the
    way, as dicts with ``kind`` (``gap``: a number rose by more than one, the heading is kept;
    ``repeat``: the number of the heading before; ``out_of_order``: a lower number; both are
    dropped), ``index``, ``expected`` and ``found``.
    """
    by_index = {c.index: c for c in found}
    accepted: list[_Candidate] = []
    anomalies: list[dict] = []
    for candidate in found:
        before = by_index.get(candidate.index - 1)
        if (candidate.kind != "run-on" and candidate.index + 1 in by_index) or (
            before is not None and before.kind != "run-on"
        ):  # no text between this heading and the one after or before it
            continue
        if not accepted:
            if candidate.number == 1:
                accepted.append(candidate)
            continue
        last = accepted[-1]
        kind = None
        if candidate.number > last.number:
            accepted.append(candidate)
            if candidate.number > last.number + 1:
                kind = "gap"
        elif candidate.number == last.number:
            same = _plain(candidate.title) == _plain(last.title) and candidate.kind == "line"
            kind = "echo" if same else "repeat"
        else:
            kind = "out_of_order"
        if kind:
            anomalies.append(
                {
                    "kind": kind,
                    "index": candidate.index,
                    "expected": last.number + 1,
                    "found": candidate.number,
                }
            )
    return accepted, anomalies


def _plain(title: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())


def _markdown_candidates(document: _Document) -> list[tuple]:
    """The top Markdown heading level as a part style: ``(name, headings, anomalies)``.

    Headings are ``(index, number, title)``, numbered in order; Chinese chapter headings
    (``## 第一章 总 则``) and Chinese numbered parts (``## 一、总体要求``) keep their own
    number (audited, see :func:`_sequence`), their title is the text after it (``总则``) and
    the style is named ``markdown ## 第一章`` or ``markdown ## 一、``.
    """
    by_level: dict[int, list[tuple[int, str]]] = {}
    for index, paragraph in enumerate(document.paragraphs):
        matched = re.match(r"^(#{1,6})\s+(\S.*?)\s*#*$", paragraph.text)
        if matched:
            by_level.setdefault(len(matched.group(1)), []).append((index, matched.group(2)))
    if not by_level:
        return []
    levels = sorted(by_level)
    top = levels[0]
    if len(by_level[top]) == 1 and len(levels) > 1:  # a lone "# Title" is the title block
        top = levels[1]
    for pattern, name in ((_ZH_CHAPTER, "第一章"), (_ZH_LIST_PART, "一、")):
        found = [pattern.match(title) for _, title in by_level[top]]
        numbered = [
            (index, _read_chinese(m["number"]), _tidy_title(m["title"].strip()))
            for (index, _), m in zip(by_level[top], found, strict=True)
            if m is not None
        ]
        if len(numbered) == len(found) and all(number for _, number, _ in numbered):
            accepted, anomalies = _sequence(
                [(index, number or 0) for index, number, _ in numbered]
            )
            titles = {index: title for index, _, title in numbered}
            headings = [(index, number, titles[index]) for index, number in accepted]
            return [(f"markdown {'#' * top} {name}", headings, anomalies)]
    headings = [
        (index, number, title) for number, (index, title) in enumerate(by_level[top], start=1)
    ]
    return [(f"markdown {'#' * top}", headings, [])]


def _sequence(items: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], list[dict]]:
    """Numbered headings or articles ``(index, number)`` in text order: which stand, and the
    numbering anomalies.

    The first stands whatever its number (a first number above 1 is a ``gap``); then a higher
    number stands (a ``gap`` when it skips numbers), a repeated (``repeat``) or lower one
    (``out_of_order``) does not. Anomalies are dicts with ``kind``, ``index``, ``expected`` and
    ``found``.
    """
    accepted: list[tuple[int, int]] = []
    anomalies: list[dict] = []
    for index, number in items:
        last = accepted[-1][1] if accepted else 0
        kind = None
        if number > last:
            accepted.append((index, number))
            if number > last + 1:
                kind = "gap"
        else:
            kind = "repeat" if number == last else "out_of_order"
        if kind:
            anomalies.append({"kind": kind, "index": index, "expected": last + 1, "found": number})
    return accepted, anomalies


def _assign_parts(document: _Document, rules: SectioningRules) -> None:
    styles = [s for s in _part_candidates(document, rules) if len(s[1]) >= rules.min_parts]
    if not styles:
        return
    chinese = {p.name for p in rules.part_patterns if p.numbering == "chinese"}
    chinese_styles = [s for s in styles if s[0] in chinese or s[0].endswith(("第一章", "一、"))]
    # Chinese part numbers (一、, 第一章) outrank arabic ones, which number items under them
    style, headings, anomalies = max(chinese_styles or styles, key=lambda s: len(s[1]))
    if style.startswith("markdown"):
        starts = {index: (number, title) for index, number, title in headings}
        heading_paragraphs = {id(document.paragraphs[i]): v for i, v in starts.items()}
        lines = [p.line for p in document.paragraphs]
        for anomaly in anomalies:
            anomaly["line"] = lines[anomaly.pop("index")]
        level = "chapter" if style.endswith("第一章") else "part"
        shown = "一、" if style.endswith("一、") else style
        document.anomalies.extend(_anomaly_rows(document.doc_id, anomalies, shown, level=level))
    else:
        echoes = {a["index"] for a in anomalies if a["kind"] == "echo"}
        for index in sorted(echoes):  # a chapter title repeated at the top of its pages
            paragraph = document.paragraphs[index]
            document.furniture.append(
                {
                    "doc_id": document.doc_id,
                    "line": paragraph.line,
                    "text": paragraph.text,
                    "reason": "running header",
                }
            )
        document.furniture.sort(key=lambda row: row["line"])
        lines = [p.line for p in document.paragraphs]
        for anomaly in anomalies:
            anomaly["line"] = lines[anomaly.pop("index")]
        document.anomalies.extend(
            _anomaly_rows(
                document.doc_id,
                [a for a in anomalies if a["kind"] != "echo"],
                style,
                level="chapter" if style == "第一章" else "part",
            )
        )
        document.paragraphs = [p for i, p in enumerate(document.paragraphs) if i not in echoes]
        shift = {
            old: new for new, old in enumerate(i for i in range(len(lines)) if i not in echoes)
        }
        headings = [dataclasses.replace(c, index=shift[c.index]) for c in headings]
        heading_paragraphs = _split_part_headings(document, headings, rules)
    part = 0
    for paragraph in document.paragraphs:
        if id(paragraph) in heading_paragraphs:
            part, title = heading_paragraphs[id(paragraph)]
            paragraph.role = "part heading"
            document.part_titles[part] = title
            if style == "第一章" or style.endswith("第一章"):
                document.part_labels[part] = f"第{_to_chinese(part)}章"
            elif style.endswith("一、"):
                document.part_labels[part] = f"{_to_chinese(part)}、"
            document.headings.append(
                {
                    "doc_id": document.doc_id,
                    "line": paragraph.line,
                    "level": "part",
                    "number": part,
                    "title": title,
                    "style": style,
                }
            )
        paragraph.part = part
    if style.startswith("markdown"):
        _assign_markdown_sections(document, int(style.count("#")))


def _split_part_headings(
    document: _Document, headings: list[_Candidate], rules: SectioningRules
) -> dict[int, tuple[int, str]]:
    """Give each accepted heading a paragraph of its own; return them by ``id``.

    A run-on heading is split from its text; a title wrapped onto the next line (or the title
    of a bare ``II.`` line) is taken out of the paragraph that follows.
    """
    by_index = {c.index: c for c in headings}
    paragraphs: list[_Paragraph] = []
    result: dict[int, tuple[int, str]] = {}
    skip_prefix: dict[int, str] = {}
    for index, paragraph in enumerate(document.paragraphs):
        if index in skip_prefix:
            _drop_prefix(paragraph, skip_prefix[index])
            if not paragraph.lines:
                continue
        candidate = by_index.get(index)
        if candidate is None:
            paragraphs.append(paragraph)
            continue
        title = candidate.title
        following = document.paragraphs[index + 1] if index + 1 < len(document.paragraphs) else None
        if candidate.kind == "run-on":
            marker = paragraph.lines[0][: -len(candidate.rest)].rstrip()
            heading = _Paragraph(line=paragraph.line, lines=[marker])
            paragraph.lines[0] = candidate.rest
            paragraphs.extend([heading, paragraph])
            result[id(heading)] = (candidate.number, title)
            continue
        if candidate.kind == "number line":
            skip_prefix[index + 1] = title
        elif following is not None and following.line == paragraph.line + 1:
            more = _continuation(title, following, rules)
            if more:
                title = f"{title} {more}"
                skip_prefix[index + 1] = more
        paragraphs.append(paragraph)
        result[id(paragraph)] = (candidate.number, title)
    document.paragraphs = paragraphs
    return result


def _drop_prefix(paragraph: _Paragraph, prefix: str) -> None:
    """Remove the words of ``prefix`` from the start of the paragraph's first line."""
    words = paragraph.lines[0].split()
    rest = " ".join(words[len(prefix.split()) :])
    if rest:
        paragraph.lines[0] = rest
    else:
        del paragraph.lines[0]
        if paragraph.lines:
            paragraph.line += 1


_SHOW_NUMBER: dict[str, Callable[[int], str]] = {
    "chapter": lambda n: f"第{_to_chinese(n)}章",
    "section": lambda n: f"第{_to_chinese(n)}节",
    "article": lambda n: f"第{_to_chinese(n)}条",
    "sub-section": lambda n: f"({_to_chinese(n)})",
    "item": lambda n: f"{n}.",
}


def _anomaly_rows(
    doc_id: str, anomalies: list[dict], style: str, level: str = "part", where: str = ""
) -> list[dict]:
    """Rows of the numbering audit; ``level`` names what is numbered (``part``, ``chapter``,
    ``section``, ``sub-section``, ``article``, ``item``) and ``where`` the part it is in."""
    if style == "I.":
        show: Callable[[int], str] = _int_to_roman
    elif style == "一、":
        show = _to_chinese
    else:
        show = _SHOW_NUMBER.get(level, str)
    heading = "heading" if level in ("part", "chapter", "section", "sub-section") else level
    rows = []
    for a in anomalies:
        if a["kind"] == "gap":
            missing = range(a["expected"], a["found"])
            after = (
                f"{show(a['expected'] - 1)} is followed by {show(a['found'])}"
                if a["expected"] > 1
                else f"the first is {show(a['found'])}"
            )
            detail = (
                f"{level + 's' if len(missing) > 1 else level} "
                f"{', '.join(show(n) for n in missing)} not found{where}: {after}"
            )
        elif a["kind"] == "repeat":
            detail = f"a second {heading} numbered {show(a['found'])}{where}; dropped"
        else:
            detail = (
                f"{heading} numbered {show(a['found'])} after {show(a['expected'] - 1)}{where}; "
                "dropped"
            )
        rows.append(
            {
                "doc_id": doc_id,
                "line": a["line"],
                "level": level,
                "kind": a["kind"],
                "expected": a["expected"],
                "found": a["found"],
                "detail": detail,
            }
        )
    return rows


def _assign_markdown_sections(document: _Document, part_level: int) -> None:
    """Markdown headings one level below the parts are sub-sections, numbered in order within
    their part; Chinese ones (``### 第一节 一般规定``) keep their number (audited) and their
    title is the text after it."""
    counters: dict[int, int] = {}
    section_by_part: dict[int, int] = {}
    for paragraph in document.paragraphs:
        matched = re.match(r"^(#{1,6})\s+(\S.*?)\s*#*$", paragraph.text)
        chinese = _ZH_SECTION.match(matched.group(2)) if matched else None
        number = _read_chinese(chinese["number"]) if chinese else None
        if chinese and number and paragraph.role == "text" and (
            len(matched.group(1)) == part_level + 1  # type: ignore[union-attr]
        ):
            last = section_by_part.get(paragraph.part, 0)
            if number <= last or number > last + 1:
                _add_anomaly(document, paragraph, "section", last + 1, number)
            if number > last:
                title = _tidy_title(chinese["title"].strip())
                marker = f"第{chinese['number']}节"
                paragraph.role = "section heading"
                document.add_section(
                    paragraph.part,
                    number,
                    title,
                    shorten_label(f"{marker} {title}".strip(), 24),
                    line=paragraph.line,
                    style="markdown " + "#" * (part_level + 1) + " 第一节",
                )
                section_by_part[paragraph.part] = number
        if (
            matched
            and not chinese
            and paragraph.role == "text"
            and len(matched.group(1)) == part_level + 1
        ):
            counters[paragraph.part] = counters.get(paragraph.part, 0) + 1
            number = counters[paragraph.part]
            title = matched.group(2)
            paragraph.role = "section heading"
            document.add_section(
                paragraph.part,
                number,
                title,
                shorten_label(title, 24),
                line=paragraph.line,
                style="markdown " + "#" * (part_level + 1),
            )
            section_by_part[paragraph.part] = number
        elif matched and paragraph.role == "text":
            # a title-level (lone "# Title") or deeper markdown heading: a heading, not a unit
            paragraph.role = "section heading"
            depth = len(matched.group(1))
            document.headings.append(
                {
                    "doc_id": document.doc_id,
                    "line": paragraph.line,
                    "level": "title" if depth < part_level else "subheading",
                    "number": 0,
                    "title": matched.group(2),
                    "style": "markdown " + "#" * depth,
                }
            )
        if paragraph.role != "part heading":
            paragraph.section = section_by_part.get(paragraph.part, 0)


def _add_anomaly(
    document: _Document, paragraph: _Paragraph, level: str, expected: int, found: int
) -> None:
    """Audit one numbering anomaly of the sub-sections of a part (``level``), in the part of
    ``paragraph``."""
    kind = "gap" if found > expected else "repeat" if found == expected - 1 else "out_of_order"
    where = f" in {_group_name(document, paragraph.part, 0)}"
    anomaly = {"kind": kind, "line": paragraph.line, "expected": expected, "found": found}
    document.anomalies.extend(_anomaly_rows(document.doc_id, [anomaly], "", level, where))


def _ordinal_index(text: str, rules: SectioningRules) -> int | None:
    for index, word in enumerate(rules.ordinals, start=1):
        if text.startswith(word):
            rest = text[len(word) :]
            if rest.startswith("ly"):
                rest = rest[2:]
            if rest[:1] in (",", ":") and len(rest) > 2:
                return index
    return None


def _assign_sections(document: _Document, rules: SectioningRules) -> None:
    if any(h["level"] == "section" for h in document.headings):
        return  # markdown sub-headings already did it
    by_part: dict[int, list[int]] = {}
    for index, paragraph in enumerate(document.paragraphs):
        if paragraph.role == "text":
            by_part.setdefault(paragraph.part, []).append(index)
    inserts: dict[int, _Paragraph] = {}  # run-on letter headings split from their text
    law = len(_article_markers(document)) >= rules.min_parts  # whether articles are numbered
    for part, indices in by_part.items():
        if _assign_chinese_sections(document, part, indices, rules, law=law):
            continue
        if _assign_letter_sections(document, part, indices, rules, inserts):
            continue
        starts: list[tuple[int, int]] = []
        words: dict[int, str] = {}
        for index in indices:
            text = document.paragraphs[index].text
            ordinal = _ordinal_index(text, rules)
            if ordinal is None and not law:
                ordinal, word = _chinese_ordinal(text, len(starts) + 1)
                if ordinal == len(starts) + 1:
                    words[ordinal] = word
            if ordinal == len(starts) + 1:
                starts.append((index, ordinal))
        if len(starts) < rules.min_sections:
            continue
        if rules.balanced_sections and not _balanced(document, indices, [i for i, _ in starts]):
            continue
        start_of = dict(starts)
        section = 0
        for index in indices:
            paragraph = document.paragraphs[index]
            if index in start_of:
                section = start_of[index]
                sentences = split_sentences(paragraph.text, document.language)
                title = sentences[0].rstrip(".")
                if _HAN_CHAR.search(title):
                    title = title.rstrip("。")
                    short = _n_han(title) <= rules.max_heading_chars
                else:
                    short = len(title.split()) <= rules.max_heading_words
                own_line = len(sentences) == 1 and short
                if own_line:
                    paragraph.role = "section heading"
                document.add_section(
                    part,
                    section,
                    title,
                    words.get(section) or rules.ordinals[section - 1],
                    line=paragraph.line,
                    style="ordinal line" if own_line else "ordinal sentence",
                )
            paragraph.section = section
    for index in sorted(inserts, reverse=True):
        document.paragraphs.insert(index, inserts[index])
    document.headings.sort(key=lambda h: h["line"])


def _chinese_ordinal(text: str, following: int) -> tuple[int | None, str]:
    """The number of a Chinese lead word (``第一，`` -> 1, ``其次，`` -> 2; ``最后，`` is the
    ``following`` number) and the word; ``(None, "")`` for other text."""
    matched = _ZH_ORDINAL.match(text)
    if matched is None:
        return None, ""
    if matched["number"]:
        return _read_chinese(matched["number"]), f"第{matched['number']}"
    word = matched["word"]
    if word == "最后":
        return (following if following > 2 else None), word
    return _ZH_ORDINAL_WORDS[word], word


def _assign_chinese_sections(
    document: _Document, part: int, indices: list[int], rules: SectioningRules, *, law: bool
) -> bool:
    """Chinese sub-sections of one part: ``第一节 ...`` lines, or (not in a law, where they are
    the items of an article) ``（一）`` headings, on their own line or as the lead sentence of
    their paragraph, which then stays a unit. Numbers are read and audited; ``False`` when the
    part has fewer than ``min_sections`` of them."""
    paragraphs = document.paragraphs
    found: list[tuple[int, int, str, str, bool]] = []  # index, number, title, label, own line
    level = "section"
    for index in indices:
        paragraph = paragraphs[index]
        matched = _ZH_SECTION.match(paragraph.lines[0])
        if matched is None or len(paragraph.lines) > 1:
            continue
        title = _tidy_title(matched["title"].strip())
        number = _read_chinese(matched["number"])
        if number and title and _heading_shape(title, rules):
            found.append((index, number, title, f"第{matched['number']}节 {title}", True))
    if not found and not law:
        level = "sub-section"
        for index in indices:
            paragraph = paragraphs[index]
            matched = _ZH_SUBSECTION.match(paragraph.text)
            number = _read_chinese(matched["number"]) if matched else None
            if matched is None or number is None:
                continue
            rest = matched["rest"]
            sentences = split_sentences(rest, document.language)
            title = sentences[0].rstrip("。.") if sentences else ""
            if not title or not _heading_shape(title, rules):
                continue
            own = len(sentences) == 1
            found.append((index, number, title, f"({matched['number']}){title}", own))
        # sub-sections start at (一); a one-sentence item followed straight away by the next
        # item is a list in the text ("(八)其他职权。" after "(七)..."), not a structure
        first = next((k for k, f in enumerate(found) if f[1] == 1), len(found))
        found = found[first:]
        position = {index: k for k, index in enumerate(indices)}
        for (index, _, _, _, own), (following, *_) in itertools.pairwise(found):
            if own and position[following] == position[index] + 1:
                return False
    # a 第一节 line is a heading even alone (its sibling may be missing: the audit says so)
    if len(found) < (1 if level == "section" else rules.min_sections):
        return False
    accepted, anomalies = _sequence([(index, number) for index, number, *_ in found])
    for anomaly in anomalies:
        anomaly["line"] = paragraphs[anomaly.pop("index")].line
    where = f" in {_group_name(document, part, 0)}"
    document.anomalies.extend(_anomaly_rows(document.doc_id, anomalies, "", level, where))
    start_of = {index: number for index, number in accepted}
    details = {index: (title, label, own) for index, _, title, label, own in found}
    section = 0
    for index in indices:
        paragraph = paragraphs[index]
        if index in start_of:
            section = start_of[index]
            title, label, own = details[index]
            if own:
                paragraph.role = "section heading"
            document.add_section(
                part,
                section,
                title,
                shorten_label(label, 20),
                line=paragraph.line,
                style=("第一节" if level == "section" else "(一)")
                + (" line" if own else " sentence"),
            )
        paragraph.section = section
    return True


def _article_markers(document: _Document) -> list[tuple[int, int, str]]:
    """Paragraphs that open a law article: ``(index, number, marker)`` (``第二十五条``)."""
    markers = []
    for index, paragraph in enumerate(document.paragraphs):
        if paragraph.role != "text":
            continue
        matched = _ZH_ARTICLE.match(paragraph.lines[0])
        number = _read_chinese(matched["number"]) if matched else None
        if matched and number:
            markers.append((index, number, matched.group(0).strip()))
    return markers


def _assign_articles(document: _Document, rules: SectioningRules) -> None:
    """Number the text paragraphs by the law article (``第二十五条``) they belong to, or, in a
    document without articles, by the numbered item (``1.`` opening a Chinese paragraph) of
    their sub-section. An article or item runs to the next one or the next heading; numbers
    are audited (articles through the whole document, items within each sub-section)."""
    paragraphs = document.paragraphs
    markers = _article_markers(document)
    if len(markers) >= rules.min_parts:
        groups = [(markers, "article", "")]
    else:
        by_group: dict[tuple[int, int], list[tuple[int, int, str]]] = {}
        for index, paragraph in enumerate(paragraphs):
            matched = _ZH_ITEM.match(paragraph.lines[0]) if paragraph.role == "text" else None
            if matched:
                key = (paragraph.part, paragraph.section)
                by_group.setdefault(key, []).append(
                    (index, int(matched["number"]), matched["number"] + ".")
                )
        groups = [
            (found, "item", f" in {_group_name(document, *key)}")
            for key, found in by_group.items()
            if len(found) >= rules.min_sections
        ]
    starts: dict[int, tuple[int, str]] = {}
    for found, level, where in groups:
        accepted, anomalies = _sequence([(index, number) for index, number, _ in found])
        for anomaly in anomalies:
            anomaly["line"] = paragraphs[anomaly.pop("index")].line
        document.anomalies.extend(_anomaly_rows(document.doc_id, anomalies, "", level, where))
        marker_of = {index: marker for index, _, marker in found}
        starts.update({index: (number, marker_of[index]) for index, number in accepted})
    article, group = 0, (0, 0)
    for index, paragraph in enumerate(paragraphs):
        if paragraph.role != "text" or (paragraph.part, paragraph.section) != group:
            article, group = 0, (paragraph.part, paragraph.section)
        if paragraph.role != "text":
            continue
        if index in starts:
            article, marker = starts[index]
            document.article_labels[(paragraph.part, paragraph.section, article)] = marker
        paragraph.article = article


def _group_name(document: _Document, part: int, section: int) -> str:
    name = document.part_labels.get(part, f"part {part}") if part else "the preamble"
    return f"{name}, section {section}" if section else name


def _assign_letter_sections(
    document: _Document,
    part: int,
    indices: list[int],
    rules: SectioningRules,
    inserts: dict[int, _Paragraph],
) -> bool:
    """Lettered sub-headings (``A. Summary``, ``B. Current Context``) of one part, in order."""
    starts: list[tuple[int, str, str]] = []  # paragraph index, title, text run on after it
    for index in indices:
        paragraph = document.paragraphs[index]
        matched = _LETTER_HEADING.match(paragraph.lines[0])
        if matched is None or ord(matched["number"]) - ord("A") != len(starts):
            continue
        title = matched["title"].strip()
        head, rest = _split_run_on(title)
        if head and rest and _heading_shape(head, rules):
            starts.append((index, head, rest))
        elif len(paragraph.lines) == 1 and _heading_shape(title, rules):
            starts.append((index, title, ""))
    if len(starts) < rules.min_sections:
        return False
    start_of = {
        index: (number, title, rest) for number, (index, title, rest) in enumerate(starts, start=1)
    }
    section = 0
    for index in indices:
        paragraph = document.paragraphs[index]
        if index in start_of:
            section, title, rest = start_of[index]
            letter = chr(ord("A") + section - 1)
            document.add_section(
                part,
                section,
                title,
                f"{letter}. {shorten_label(title, 20)}",
                line=paragraph.line,
                style="letter line" if not rest else "letter run-on",
            )
            if rest:  # the heading becomes a paragraph of its own, its text stays a unit
                paragraph.lines[0] = rest
                heading = _Paragraph(line=paragraph.line, lines=[f"{letter}. {title}"])
                heading.part, heading.section, heading.role = part, section, "section heading"
                inserts[index] = heading
            else:
                paragraph.role = "section heading"
        paragraph.section = section
    return True


def _balanced(document: _Document, indices: list[int], starts: list[int]) -> bool:
    """Whether ordinal paragraphs look like sub-headings rather than a list inside prose.

    A list: the text before ``First`` is more than twice the mean sub-section, the first or
    the last sub-section is more than three times the longest other one, or a one-sentence
    ordinal paragraph is followed straight away by the next ordinal (``First, to be humble.
    Second, to listen.``).
    """
    language = get_language(document.language)
    words = {i: language.count_words(document.paragraphs[i].text) for i in indices}
    position = {index: k for k, index in enumerate(indices)}
    bounds = [position[s] for s in starts] + [len(indices)]
    sizes = [sum(words[indices[k]] for k in range(a, b)) for a, b in itertools.pairwise(bounds)]
    intro = sum(words[indices[k]] for k in range(bounds[0]))
    for a, b in itertools.pairwise(bounds[:-1]):  # "Second, x." straight after "First, y."
        if b == a + 1 and len(language.split_sentences(document.paragraphs[indices[a]].text)) == 1:
            return False
    return (
        intro <= 2 * sum(sizes) / len(sizes)
        and sizes[-1] <= 3 * max(sizes[:-1])
        and sizes[0] <= 3 * max(sizes[1:])
    )


def _apply_closing_rule(document: _Document) -> None:
    if not document.part_titles:
        return
    text = [p for p in document.paragraphs if p.role == "text"]
    if len(text) < 2:
        return
    last, before = text[-1], text[-2]
    if last.section == 0 or (last.part, last.section) != (before.part, before.section):
        return
    document.closing_part = max(document.part_titles) + 1
    last.part, last.section = document.closing_part, 0


def _units(document: _Document, *, unit: UnitSize, window: int) -> list[dict]:
    language = get_language(document.language)
    has_headings = bool(document.headings)
    parts_with_sections = {p for p, _ in document.section_titles}
    rows: list[dict] = []
    for paragraph in document.paragraphs:
        if paragraph.role != "text":
            continue
        part, section = paragraph.part, paragraph.section
        if part == document.closing_part:
            kind, part_title, part_label, label = "closing", "Closing", "Closing", "Closing"
        elif part == 0:
            part_title = ""
            part_label = "Preamble" if has_headings else "Text"
            kind = "preamble" if section == 0 else "section"
            if not has_headings:
                kind = "body"
            label = part_label if section == 0 else _ordinal_label(document, part, section)
        else:
            part_title = document.part_titles[part]
            part_label = document.part_labels.get(part, f"Part {part}")
            if section:
                kind, label = (
                    "section",
                    f"{part}.{section} {_ordinal_label(document, part, section)}",
                )
            elif part in parts_with_sections:
                kind, label = "intro", f"{part}.0 Intro"
            else:
                kind, label = "part", f"{part}"
        rows.append(
            {
                "doc_id": document.doc_id,
                "part": part,
                "part_title": part_title,
                "part_label": part_label,
                "section": section,
                "section_title": document.section_titles.get((part, section), ""),
                "label": label,
                "article": paragraph.article,
                "article_label": document.article_labels.get(
                    (part, section, paragraph.article), ""
                ),
                "section_kind": kind,
                "line": paragraph.line,
                "text": paragraph.text,
            }
        )
    if unit == "section":
        rows = _merge_sections(rows)
        for row in rows:  # a section runs over several articles
            row["article"], row["article_label"] = 0, ""
    elif unit == "sentences":
        rows = _sentence_windows(rows, window, language)
    elif unit == "article":
        rows = _merge_articles(rows)
    paragraph_counter: dict[tuple[int, int], int] = {}
    width = max(4, len(str(len(rows))))
    for number, row in enumerate(rows, start=1):
        key = (row["part"], row["section"])
        paragraph_counter[key] = paragraph_counter.get(key, 0) + 1
        row["paragraph"] = paragraph_counter[key]
        row["unit_id"] = f"{document.doc_id}/{number:0{width}d}"
        row["n_tokens"] = language.count_words(row["text"])
    return rows


def _ordinal_label(document: _Document, part: int, section: int) -> str:
    return document.section_labels.get((part, section), str(section))


def _merge_sections(rows: list[dict]) -> list[dict]:
    """One row per sub-section, its paragraphs joined with a blank line."""
    return _merge_rows(rows, lambda row: (row["part"], row["section"]))


def _merge_articles(rows: list[dict]) -> list[dict]:
    """One row per article or numbered item; paragraphs outside any stay rows of their own."""
    return _merge_rows(
        rows, lambda row: (row["part"], row["section"], row["article"]) if row["article"] else None
    )


def _merge_rows(rows: list[dict], key: Callable[[dict], object]) -> list[dict]:
    """Join consecutive rows with the same ``key`` (never rows whose key is ``None``)."""
    merged: list[dict] = []
    last: object = None
    for row in rows:
        current = key(row)
        if merged and current is not None and current == last:
            merged[-1]["text"] += "\n\n" + row["text"]
        else:
            merged.append(dict(row))
        last = current
    return merged


def _sentence_windows(rows: list[dict], window: int, language: Language) -> list[dict]:
    windows: list[dict] = []
    for section in _merge_rows(rows, lambda r: (r["part"], r["section"], r["article"])):
        sentences = [
            s
            for paragraph in section["text"].split("\n\n")
            for s in language.split_sentences(paragraph)
        ]
        for start in range(0, len(sentences), window):
            windows.append({**section, "text": _join_lines(sentences[start : start + window])})
    return windows


def sections_table(units: pd.DataFrame) -> pd.DataFrame:
    """The section tree with unit and token counts, one row per section in document order.

    Parameters
    ----------
    units : pandas.DataFrame
        A unit table from :func:`read_corpus`.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, part, part_title, section, label, section_title, n_units, n_tokens``.
    """
    keys = ["doc_id", "part", "section"]
    order = units[["doc_id"]].drop_duplicates().reset_index(drop=True)
    order["_doc_order"] = range(len(order))
    table = (
        units.groupby(keys, sort=False)
        .agg(
            part_title=("part_title", "first"),
            label=("label", "first"),
            section_title=("section_title", "first"),
            n_units=("unit_id", "size"),
            n_tokens=("n_tokens", "sum"),
            _line=("line", "min"),
        )
        .reset_index()
        .merge(order, on="doc_id")
        .sort_values(["_doc_order", "_line"], kind="stable")
        .drop(columns=["_doc_order", "_line"])
        .reset_index(drop=True)
    )
    return table[
        ["doc_id", "part", "part_title", "section", "label", "section_title", "n_units", "n_tokens"]
    ]
