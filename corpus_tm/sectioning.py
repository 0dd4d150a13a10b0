"""Sectioning: documents in, a section tree of text units out.

In: the documents DataFrame of :func:`corpus_tm.load_documents` (``doc_id, source, text`` +
metadata).
Out: :class:`Sections` with three tidy tables:

``units``
    one row per text unit in document order: ``doc_id, unit_id, part, part_title, part_label,
    section, section_title, label, paragraph, section_kind, line, text, n_tokens`` + metadata
    columns (a metadata column whose name is taken gets the prefix ``doc_``, e.g. ``doc_label``).
    ``section_kind`` is ``preamble``, ``intro`` (a part's text before its first sub-section),
    ``section``, ``part`` (a part without sub-sections), ``closing`` or ``body`` (a document
    without headings). ``line`` is the unit's first line in the file.
``headings``
    every heading recognised: ``doc_id, line, level, number, title, style``. ``level`` is
    ``part`` or ``section``, or for Markdown headings outside the part/sub-section levels
    ``title`` (a lone ``# Title``) or ``subheading`` (``###`` and deeper), numbered 0.
``furniture``
    every line or paragraph removed as page furniture: ``doc_id, line, text, reason``.

The rules:

* Part headings are a line such as ``1、 Title``, ``一、 Title``, ``1. Title``, ``II. Title``,
  ``Part One: Title`` or a Markdown ``#`` heading. A heading has at most ``max_heading_words``
  words and does not end like a sentence (``.`` ``,`` ``;``). Part numbers must start at one and
  rise (a table of contents or index repeating ``I. ...`` later is not a heading), a heading
  must be followed by text before the next one, and a document needs ``min_parts`` of one style.
* Sub-sections start with an ordinal, ``First,`` ... ``Tenth,`` (also ``Firstly,``), in order
  within their part, at least ``First`` and ``Second``. If the ordinal paragraph is a single
  short sentence it is a heading line of its own; otherwise its first sentence is the
  sub-heading and the paragraph stays a unit.
* Text before the first part is the preamble (part 0); a part's text before its first ordinal
  is the part's introduction (section 0). A document with no heading at all is one section.
* Closing rule: when a document has numbered parts and its last sub-section has more than one
  paragraph, the document's last paragraph is its closing (``kind="closing"``, part number one
  after the last part), since articles of this kind end with a conclusion addressed to the
  whole text, not to the last sub-section. Turn it off with ``closing=False``.
* Page furniture is removed first (see :mod:`corpus_tm.furniture`).
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
import warnings
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
from tqdm.auto import tqdm

from corpus_tm.errors import ConfigError, InputError
from corpus_tm.furniture import (
    DEFAULT_CAPTION_RULES,
    DEFAULT_LINE_RULES,
    FurnitureRule,
    is_caption,
    line_furniture,
)
from corpus_tm.loading import load_documents

UnitSize = Literal["paragraph", "section", "sentences"]

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
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


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
        How to read the ``number`` group.
    """

    name: str
    pattern: str
    numbering: Literal["arabic", "roman", "chinese", "word"] = "arabic"

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
        return number, found.group("title").strip()


DEFAULT_PART_PATTERNS: tuple[HeadingPattern, ...] = (
    HeadingPattern("1、", r"^(?P<number>\d{1,2})\s*、\s*(?P<title>\S.*)$"),
    HeadingPattern(
        "一、", r"^(?P<number>[一二三四五六七八九十]{1,3})\s*[、.]\s*(?P<title>\S.*)$", "chinese"
    ),
    HeadingPattern("1.", r"^(?P<number>\d{1,2})\.\s+(?P<title>\S.*)$"),
    HeadingPattern("I.", r"^(?P<number>[IVXLC]{1,7})\.\s+(?P<title>\S.*)$", "roman"),
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
        sub-section length, and the last sub-section at most three times the longest other one
        (lengths in words).
    line_rules : tuple of FurnitureRule
        Page-furniture line rules.
    caption_rules : tuple of str
        Regular expressions for the start of photo captions.
    """

    part_patterns: tuple[HeadingPattern, ...] = DEFAULT_PART_PATTERNS
    ordinals: tuple[str, ...] = ORDINALS
    markdown: bool = True
    max_heading_words: int = 30
    min_parts: int = 2
    min_sections: int = 2
    closing: bool = True
    balanced_sections: bool = True
    line_rules: tuple[FurnitureRule, ...] = DEFAULT_LINE_RULES
    caption_rules: tuple[str, ...] = DEFAULT_CAPTION_RULES

    def __post_init__(self) -> None:
        for name in ("max_heading_words", "min_parts", "min_sections"):
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


@dataclass(frozen=True)
class Sections:
    """The result of sectioning: units, recognised headings and removed furniture."""

    units: pd.DataFrame
    headings: pd.DataFrame
    furniture: pd.DataFrame


@dataclass
class _Paragraph:
    line: int
    lines: list[str]
    part: int = 0
    section: int = 0
    role: str = "text"  # text | part heading | section heading

    @property
    def text(self) -> str:
        return " ".join(self.lines)


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


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _regex(pattern: str) -> re.Pattern[str]:
    if pattern not in _REGEX_CACHE:
        _REGEX_CACHE[pattern] = re.compile(pattern)
    return _REGEX_CACHE[pattern]


def _read_number(text: str, numbering: str) -> int | None:
    if text.isdigit():
        return int(text)
    if numbering == "chinese":
        if text == "十":
            return 10
        if text.startswith("十"):
            return 10 + _CHINESE_DIGITS.get(text[1:], 0)
        if len(text) == 2 and text.endswith("十"):
            return _CHINESE_DIGITS.get(text[0], 0) * 10
        if len(text) == 3 and text[1] == "十":
            return _CHINESE_DIGITS.get(text[0], 0) * 10 + _CHINESE_DIGITS.get(text[2], 0)
        return _CHINESE_DIGITS.get(text)
    if text.lower() in _NUMBER_WORDS:
        return _NUMBER_WORDS[text.lower()]
    if set(text) <= set(_ROMAN):
        return _roman_to_int(text)
    return None


def _roman_to_int(text: str) -> int | None:
    values = [_ROMAN[c] for c in text]
    total = 0
    for i, value in enumerate(values):
        total += -value if i + 1 < len(values) and value < values[i + 1] else value
    return total if total > 0 else None


_ABBREVIATIONS = {
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
_SENTENCE_BOUNDARY = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9\u4e00-\u9fff])")
_SENTENCE_END = re.compile(r"[.!?;,](?:\s?[\"')\]])*$")
_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences.

    Boundaries are ``.``, ``!`` or ``?`` followed by a space and a capital letter or digit,
    except after common abbreviations (``Mr.``, ``U.S.``, ``No.``) and single-letter initials.

    Parameters
    ----------
    text : str
        One paragraph.

    Returns
    -------
    list of str
        The sentences, stripped; joined with single spaces they give ``text`` back when
        ``text`` has single spaces.
    """
    sentences: list[str] = []
    start = 0
    for boundary in _SENTENCE_BOUNDARY.finditer(text):
        end = boundary.start() + 1
        before = text[start:end].rstrip(".!?").split()
        last_word = before[-1].lower().strip("\"'(") if before else ""
        if text[boundary.start()] == "." and (
            last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha())
        ):
            continue
        sentences.append(text[start : boundary.end()].strip())
        start = boundary.end()
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def count_words(text: str) -> int:
    """Number of word tokens in ``text`` (runs of letters or digits, with inner ' or -)."""
    return len(_WORD.findall(text))


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
        metadata columns, which are copied to every unit of the document.
    unit : {"paragraph", "section", "sentences"}, default "paragraph"
        Unit size: one unit per paragraph, one per sub-section (its paragraphs joined), or
        windows of ``window`` consecutive sentences within a sub-section.
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
    InputError
        When no document gives a text unit (every line is a heading, furniture or blank).

    Warns
    -----
    UserWarning
        When documents have no heading at all (each becomes one section), or when some
        documents give no text unit.
    """
    rules = rules or SectioningRules()
    if unit not in ("paragraph", "section", "sentences"):
        raise ConfigError(f"unit must be 'paragraph', 'section' or 'sentences', not {unit!r}.")
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
    metadata_columns = [c for c in documents.columns if c not in ("doc_id", "text")]
    unit_rows: list[dict] = []
    heading_rows: list[dict] = []
    furniture_rows: list[dict] = []
    without_headings: list[str] = []
    without_units: list[str] = []
    show = len(documents) >= PROGRESS_MIN_DOCUMENTS if progress is None else bool(progress)
    records = documents.to_dict("records")
    for record in tqdm(records, desc="sections", unit="doc", disable=not show):
        parsed = _parse_document(str(record["doc_id"]), record["text"], rules)
        rows = _units(parsed, unit=unit, window=window)
        if not rows:
            without_units.append(str(record.get("source", parsed.doc_id)))
        elif not parsed.headings:
            without_headings.append(parsed.doc_id)
        metadata = {c: record[c] for c in metadata_columns}
        unit_rows.extend({**row, **metadata} for row in rows)
        heading_rows.extend(parsed.headings)
        furniture_rows.extend(parsed.furniture)
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
        warnings.warn(message, UserWarning, stacklevel=2)
    if without_headings:
        shown = ", ".join(without_headings[:5]) + (" ..." if len(without_headings) > 5 else "")
        warnings.warn(
            f"{len(without_headings)} of {len(documents)} documents have no part or sub-section "
            f"headings; each is one section ({shown}). If they do have headings, add their "
            "style with SectioningRules.add_part_pattern().",
            UserWarning,
            stacklevel=2,
        )
    units = pd.DataFrame(unit_rows, columns=[*_UNIT_COLUMNS, *metadata_columns])
    units = units.astype(
        {
            "part": "int64",
            "section": "int64",
            "paragraph": "int64",
            "line": "int64",
            "n_tokens": "int64",
        }
    )
    headings = pd.DataFrame(
        heading_rows, columns=["doc_id", "line", "level", "number", "title", "style"]
    )
    furniture = pd.DataFrame(furniture_rows, columns=["doc_id", "line", "text", "reason"])
    return Sections(units=units, headings=headings, furniture=furniture)


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
    encoding, text_column, id_column
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
        path, encoding=encoding, text_column=text_column, id_column=id_column
    )
    return split_sections(documents, unit=unit, window=window, rules=rules, progress=progress).units


def _parse_document(doc_id: str, text: str, rules: SectioningRules) -> _Document:
    document = _Document(doc_id)
    lines = text.split("\n")
    reasons = line_furniture(lines, rules.line_rules)
    for number, (line, reason) in enumerate(zip(lines, reasons, strict=True), start=1):
        if reason is not None:
            document.furniture.append(
                {"doc_id": doc_id, "line": number, "text": line, "reason": reason}
            )
    document.paragraphs = _paragraphs(lines, reasons, rules)
    kept = []
    for paragraph in document.paragraphs:
        if is_caption(paragraph.text, rules.caption_rules):
            document.furniture.append(
                {
                    "doc_id": doc_id,
                    "line": paragraph.line,
                    "text": paragraph.text,
                    "reason": "photo caption",
                }
            )
        else:
            kept.append(paragraph)
    document.paragraphs = kept
    document.furniture.sort(key=lambda row: row["line"])
    _assign_parts(document, rules)
    _assign_sections(document, rules)
    if rules.closing:
        _apply_closing_rule(document)
    document.headings.sort(key=lambda h: h["line"])
    return document


def _is_heading_like(line: str, rules: SectioningRules) -> bool:
    if rules.markdown and line.startswith("#"):
        return True
    return any(p.match(line) for p in rules.part_patterns) and _heading_shape(line, rules)


def _heading_shape(title: str, rules: SectioningRules) -> bool:
    n_words = len(title.split())
    if n_words == 0 or n_words > rules.max_heading_words:
        return False
    if len(split_sentences(title)) > 1:  # OCR ran the first paragraph onto the heading line
        return False
    if title.endswith("...") or title.endswith("…"):
        return True
    return _SENTENCE_END.search(title) is None and any(c.isalpha() for c in title)


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
    if _is_heading_like(previous, rules) or _is_heading_like(line, rules):
        return False
    if _ordinal_index(line, rules) is not None:
        return False
    starts_lower = line[0].islower()
    if gap:  # across a page break only when the sentence visibly goes on
        return starts_lower
    return starts_lower or len(previous) >= 80


def _part_candidates(
    document: _Document, rules: SectioningRules
) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """Per style, the accepted (paragraph index, number, title) headings."""
    styles: list[tuple[str, list[tuple[int, int, str]]]] = []
    for pattern in rules.part_patterns:
        found = []
        for index, paragraph in enumerate(document.paragraphs):
            if len(paragraph.lines) > 1:
                continue
            matched = pattern.match(paragraph.text)
            if matched and _heading_shape(matched[1], rules):
                found.append((index, matched[0], matched[1]))
        styles.append((pattern.name, _rising(found)))
    if rules.markdown:
        styles.extend(_markdown_candidates(document))
    return styles


def _rising(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep headings that start at 1, rise, and have text before the next candidate."""
    indices = {index for index, _, _ in found}
    accepted: list[tuple[int, int, str]] = []
    for index, number, title in found:
        if index + 1 in indices:  # a run of headings with no text between: a table of contents
            continue
        last = accepted[-1][1] if accepted else 0
        if number > last and (accepted or number == 1):
            accepted.append((index, number, title))
    return accepted


def _markdown_candidates(document: _Document) -> list[tuple[str, list[tuple[int, int, str]]]]:
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
    headings = [
        (index, number, title) for number, (index, title) in enumerate(by_level[top], start=1)
    ]
    return [(f"markdown {'#' * top}", headings)]


def _assign_parts(document: _Document, rules: SectioningRules) -> None:
    styles = [s for s in _part_candidates(document, rules) if len(s[1]) >= rules.min_parts]
    if not styles:
        return
    style, headings = max(styles, key=lambda s: len(s[1]))  # max keeps the first of ties
    starts = {index: (number, title) for index, number, title in headings}
    part = 0
    for index, paragraph in enumerate(document.paragraphs):
        if index in starts:
            part, title = starts[index]
            paragraph.role = "part heading"
            document.part_titles[part] = title
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


def _assign_markdown_sections(document: _Document, part_level: int) -> None:
    counters: dict[int, int] = {}
    section_by_part: dict[int, int] = {}
    for paragraph in document.paragraphs:
        matched = re.match(r"^(#{1,6})\s+(\S.*?)\s*#*$", paragraph.text)
        if matched and paragraph.role == "text" and len(matched.group(1)) == part_level + 1:
            counters[paragraph.part] = counters.get(paragraph.part, 0) + 1
            number = counters[paragraph.part]
            title = matched.group(2)
            paragraph.role = "section heading"
            document.section_titles[(paragraph.part, number)] = title
            document.section_labels[(paragraph.part, number)] = _shorten(title, 24)
            document.headings.append(
                {
                    "doc_id": document.doc_id,
                    "line": paragraph.line,
                    "level": "section",
                    "number": number,
                    "title": title,
                    "style": "markdown " + "#" * (part_level + 1),
                }
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
    for part, indices in by_part.items():
        starts: list[tuple[int, int]] = []
        for index in indices:
            ordinal = _ordinal_index(document.paragraphs[index].text, rules)
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
                sentences = split_sentences(paragraph.text)
                title = sentences[0].rstrip(".")
                own_line = len(sentences) == 1 and len(title.split()) <= rules.max_heading_words
                if own_line:
                    paragraph.role = "section heading"
                document.section_titles[(part, section)] = title
                document.section_labels[(part, section)] = rules.ordinals[section - 1]
                document.headings.append(
                    {
                        "doc_id": document.doc_id,
                        "line": paragraph.line,
                        "level": "section",
                        "number": section,
                        "title": title,
                        "style": "ordinal line" if own_line else "ordinal sentence",
                    }
                )
            paragraph.section = section
    document.headings.sort(key=lambda h: h["line"])


def _balanced(document: _Document, indices: list[int], starts: list[int]) -> bool:
    """Whether ordinal paragraphs look like sub-headings rather than a list inside prose."""
    words = {i: count_words(document.paragraphs[i].text) for i in indices}
    position = {index: k for k, index in enumerate(indices)}
    bounds = [position[s] for s in starts] + [len(indices)]
    sizes = [sum(words[indices[k]] for k in range(a, b)) for a, b in itertools.pairwise(bounds)]
    intro = sum(words[indices[k]] for k in range(bounds[0]))
    return intro <= 2 * sum(sizes) / len(sizes) and sizes[-1] <= 3 * max(sizes[:-1])


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
            part_label = f"Part {part}"
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
                "section_kind": kind,
                "line": paragraph.line,
                "text": paragraph.text,
            }
        )
    if unit == "section":
        rows = _merge_sections(rows)
    elif unit == "sentences":
        rows = _sentence_windows(rows, window)
    paragraph_counter: dict[tuple[int, int], int] = {}
    width = max(4, len(str(len(rows))))
    for number, row in enumerate(rows, start=1):
        key = (row["part"], row["section"])
        paragraph_counter[key] = paragraph_counter.get(key, 0) + 1
        row["paragraph"] = paragraph_counter[key]
        row["unit_id"] = f"{document.doc_id}/{number:0{width}d}"
        row["n_tokens"] = count_words(row["text"])
    return rows


def _ordinal_label(document: _Document, part: int, section: int) -> str:
    return document.section_labels.get((part, section), str(section))


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


def _merge_sections(rows: list[dict]) -> list[dict]:
    merged: list[dict] = []
    for row in rows:
        if merged and (merged[-1]["part"], merged[-1]["section"]) == (row["part"], row["section"]):
            merged[-1]["text"] += "\n\n" + row["text"]
        else:
            merged.append(dict(row))
    return merged


def _sentence_windows(rows: list[dict], window: int) -> list[dict]:
    windows: list[dict] = []
    for section in _merge_sections(rows):
        sentences = [
            s for paragraph in section["text"].split("\n\n") for s in split_sentences(paragraph)
        ]
        for start in range(0, len(sentences), window):
            windows.append({**section, "text": " ".join(sentences[start : start + window])})
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
