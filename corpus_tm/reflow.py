"""Reflow: hard-wrapped text in, one line per paragraph out.

In: one normalised document text (see :func:`corpus_tm.normalize_text`), as a string.
Out: :class:`ReflowResult`: the text with the wrapped lines of each paragraph joined into the
paragraph's first line, whether the document was found to be hard-wrapped, the wrap width, and
counts of what was changed. A document that is not hard-wrapped comes back unchanged.

Speeches and reports exported from PDF or OCR are often broken into lines of about the same
length (60-150 characters), so that every line would become a text unit. :func:`reflow` finds
such documents from the distribution of their line lengths and joins the lines that go on.

The detector
    Let ``W`` be the 90th percentile of the lengths of the non-blank lines. A line *looks
    wrapped* when its length is within ``W - max(15, W/5)`` to ``W + max(5, W/20)``, it does not
    end a sentence (``.`` ``!`` ``?`` ``:`` ``;`` ``…``, optionally followed by closing quotes,
    brackets or Markdown ``*``/``_``) and the next line is not blank. A document is hard-wrapped
    when it has at least ``min_lines`` non-blank lines, ``min_width <= W <= max_width`` (40 and
    200 by default: shorter lines are verse or lists, longer ones paragraphs) and at least
    ``min_share`` of its non-blank lines look wrapped. In text with one paragraph a line, lines
    are long and of all lengths, so few fall in the band around ``W`` and ``W`` is hundreds of
    characters; in wrapped text most lines fall in it and break mid-sentence. The same test on
    the lines shorter than ``3/4 W`` finds a second wrap width ``W2`` where a document has
    lines wrapped at two widths (two text frames of a PDF page); lines are then full against
    the shorter width.

The joining rules (in a hard-wrapped document only)
    Page furniture lines (the default rules of :mod:`corpus_tm.furniture`) are left where they
    are and never joined. Text line ``a`` is joined with the next text line ``b`` unless ``a`` is
    a heading line or ``b`` starts a paragraph of its own. A heading line is a Markdown ``#``
    line, or a numbered line (``1. Title``, ``I. INTRODUCTION``, ``1、``, ``Part One``) in title
    case or capitals (three quarters of its words of four or more letters capitalised) that
    does not end a sentence. ``b`` starts a paragraph when it is a heading line or starts with a
    list marker (``-``, ``•``, ``o``, ``1.``, ``2)``, ``(a)``, ``IV.``). Otherwise they are
    joined when

    * ``a`` does not end a sentence and is *full*: ``len(a) + 1 + len(first word of b) >= fit
      * W``, i.e. that word would not have fitted on the line (a salutation ``Mr. President,``
      or a short title line is not full). Blank and furniture lines between ``a`` and ``b``
      (at most six: a page break) do not stop this join unless ``a`` ends with a comma, or
      ``b`` does and is not full (a salutation line either way);
    * ``a`` does not end a sentence and ``b``, the very next line, starts with a lower-case
      letter;
    * ``a`` ends a sentence, ``b`` is the very next line, the document marks paragraphs with
      blank lines (on average a blank line at least every 12 lines), ``a`` is full, and ``b``
      either ends a sentence or is full itself. In a document without blank lines a full line
      that ends a sentence may end its paragraph, so it is kept as a break.

    Blank lines otherwise separate paragraphs.

Chinese text
    Lengths are widths in columns (:func:`line_width`: a Chinese character counts two), so that a
    line of 36 characters is as full as one of 72 Latin letters; ``。！？：；`` end sentences;
    and two joined lines meet without a space when Chinese characters (or the marks next to
    them) stand on both sides (:func:`glue`).

End-of-line hyphens
    When ``a`` ends with a letter and ``-`` and is joined, no space is put in. The hyphen is
    dropped (``secu-`` + ``rity`` -> ``security``) when the part after it is lower-case
    letters, the part before it is lower-case letters (its first letter may be a capital, at the
    start of a sentence), and the joined word occurs elsewhere in the document (or in
    ``known_words``) as a word of its own; otherwise it is kept (``well-`` + ``known`` ->
    ``well-known``, ``Secretary-`` + ``General`` -> ``Secretary-General``).

Line numbers
    With ``keep_lines=True`` (the default) the result has exactly as many lines as the input: a
    joined paragraph stands on the line of its first line, and the lines joined into it become
    blank. Every line that is not blanked keeps its number, so units, headings and furniture
    still point at the lines of the original file. Indentation cannot be used as a paragraph
    signal, since :func:`corpus_tm.normalize_text` has already stripped the lines.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection
from dataclasses import dataclass

from corpus_tm.errors import ConfigError
from corpus_tm.furniture import DEFAULT_LINE_RULES, FurnitureRule, line_furniture

__all__ = [
    "ReflowResult",
    "detect_wrap",
    "ends_sentence",
    "free_words",
    "glue",
    "line_width",
    "reflow",
]

_CLOSERS = "\"'’”)]}*_」』）"
_SENTENCE_END = re.compile(rf"[.!?:;…。！？；：][{re.escape(_CLOSERS)}]*$")
# Characters two columns wide: Chinese, Japanese and Korean script and full-width forms.
_WIDE = re.compile(
    r"[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    r"\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]"
)
# Where no space goes between two joined lines: Chinese characters and marks on both sides (the
# ASCII marks NFKC leaves of "，" or "（" count when a Chinese character stands beside them).
_CJK = "\u2e80-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_END = re.compile(rf"[{_CJK}][\W_]{{0,2}}$")
_CJK_START = re.compile(rf"^[^\w\s]{{0,2}}[{_CJK}]")


def line_width(line: str) -> int:
    """The width of a line in columns: a Chinese character or full-width form counts two."""
    return len(line) + len(_WIDE.findall(line))


def glue(before: str, after: str) -> str:
    """What goes between two joined lines: nothing between Chinese text (written without
    spaces, ``网络空间主`` + ``权和国家安全``), a space otherwise."""
    return "" if _CJK_END.search(before[-3:]) and _CJK_START.match(after[:3]) else " "
_END_HYPHEN = re.compile(r"([^\W\d_]+)-$")
_START_LETTERS = re.compile(r"^[^\W\d_]+")
_FREE_WORD = re.compile(r"(?<![\w-])[^\W\d_]+(?![\w-])")
_LIST_START = re.compile(
    r"^(?:[-•▪●◦*·–−o]|\d{1,3}[.)]|\(\d{1,3}\)|\(?[a-zA-Z]\)|\(?[ivx]{1,5}\)|[IVXLC]{1,7}\.)\s"
)
_NUMBERED = re.compile(
    r"^(?:\d{1,2}\s*[.、)]|[IVXLC]{1,7}\.|[一二三四五六七八九十]{1,3}\s*[、.]|(?i:part|chapter)\s+\w+\b"
    r"[\s:.,\u2014\u2013-]*)\s*(?P<title>\S.*)$"
)
_TITLE_WORD = re.compile(r"[^\W\d_]{4,}")

#: Lines are cut into a band of this width below the wrap width (and a little above it).
_BAND = (15, 0.2)
_ABOVE = (5, 0.05)
#: A document "marks paragraphs with blank lines" with a blank line at least this often.
_LINES_PER_BLANK = 12
#: A paragraph goes on across at most this many blank or furniture lines (a page break).
_MAX_GAP = 6


@dataclass(frozen=True)
class ReflowResult:
    """The result of :func:`reflow`.

    Attributes
    ----------
    text : str
        The reflowed text (the input unchanged when ``reflowed`` is false).
    reflowed : bool
        Whether the document was found to be hard-wrapped (and its lines joined).
    line_length : int or None
        The detected wrap width ``W`` in characters; ``None`` when the document is not wrapped.
    second_line_length : int or None
        A second wrap width, for documents with lines wrapped at two widths (see
        :func:`detect_wrap`); ``None`` for most.
    wrapped_share : float
        Share of the non-blank lines that look wrapped (see the module docstring).
    n_lines_joined : int
        How many lines were joined onto the line before them.
    n_hyphens_removed : int
        End-of-line hyphens dropped when joining.
    n_hyphens_kept : int
        End-of-line hyphens kept when joining.
    reason : str
        Why the document was or was not reflowed, in words.
    """

    text: str
    reflowed: bool
    line_length: int | None
    second_line_length: int | None
    wrapped_share: float
    n_lines_joined: int
    n_hyphens_removed: int
    n_hyphens_kept: int
    reason: str


def ends_sentence(line: str) -> bool:
    """Whether ``line`` ends with ``.`` ``!`` ``?`` ``:`` ``;`` or ``…``, or their Chinese forms
    ``。！？：；`` (then closing marks)."""
    return _SENTENCE_END.search(line) is not None


def free_words(text: str) -> set[str]:
    """The words of ``text`` that stand on their own (not part of a hyphenated word), lower-cased.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    set of str
        Runs of letters with no letter, digit or hyphen right before or after them.
    """
    return {word.lower() for word in _FREE_WORD.findall(text)}


def _is_heading(line: str) -> bool:
    """A Markdown heading, or a numbered line in title case or capitals not ending a sentence."""
    if line.startswith("#"):
        return True
    matched = _NUMBERED.match(line)
    if matched is None or ends_sentence(line) or line.endswith(","):
        return False
    title = matched.group("title")
    if title.upper() == title:
        return True
    words = _TITLE_WORD.findall(title)
    return not words or sum(w[0].isupper() for w in words) >= 0.75 * len(words)


def _starts_paragraph(line: str) -> bool:
    return _is_heading(line) or _LIST_START.match(line) is not None


def _wrap_width(lengths: list[int]) -> int:
    ordered = sorted(lengths)
    return ordered[int(0.9 * (len(ordered) - 1))]


def _band(width: int) -> tuple[float, float]:
    return (
        width - max(_BAND[0], _BAND[1] * width),
        width + max(_ABOVE[0], _ABOVE[1] * width),
    )


def _n_looking_wrapped(lines: list[str], width: int, shorter_than: float | None = None) -> int:
    low, high = _band(width)
    if shorter_than is not None:
        high = min(high, shorter_than - 1)
    return sum(
        1
        for line, after in zip(lines, [*lines[1:], ""], strict=True)
        if line and after and low <= line_width(line) <= high and not ends_sentence(line)
    )


def detect_wrap(
    text: str,
    *,
    min_lines: int = 10,
    min_width: int = 40,
    max_width: int = 200,
    min_share: float = 0.2,
) -> tuple[int | None, int | None, float, str]:
    """Whether a text is hard-wrapped, and at what width.

    Parameters
    ----------
    text : str
        A normalised document text.
    min_lines, min_width, max_width, min_share
        See :func:`reflow`.

    Returns
    -------
    width : int or None
        The wrap width ``W``, or ``None`` when the text is not hard-wrapped.
    second_width : int or None
        A second wrap width among the lines shorter than ``3/4 W``, found by the same test on
        those lines (a PDF page with two text frames of different widths); usually ``None``.
    share : float
        Share of the non-blank lines that look wrapped at ``W``.
    reason : str
        The decision in words.
    """
    lines = text.split("\n")
    lengths = [line_width(line) for line in lines if line]
    if len(lengths) < min_lines:
        return (
            None,
            None,
            0.0,
            f"not wrapped: {len(lengths)} non-blank lines (fewer than {min_lines})",
        )
    width = _wrap_width(lengths)
    share = _n_looking_wrapped(lines, width) / len(lengths)
    low, high = _band(width)
    summary = (
        f"{share:.0%} of {len(lengths)} non-blank lines are {int(low)}-{int(high)} characters "
        f"long and break mid-sentence (90th percentile of line lengths: {width})"
    )
    if width > max_width:
        return (
            None,
            None,
            share,
            f"not wrapped: lines are long (90th percentile {width} > {max_width})",
        )
    if width < min_width:
        return (
            None,
            None,
            share,
            f"not wrapped: lines are short (90th percentile {width} < {min_width})",
        )
    if share < min_share:
        return None, None, share, f"not wrapped: {summary}"
    reason = f"wrapped at {width} characters: {summary}"
    shorter = [n for n in lengths if n < 0.75 * width]
    if len(shorter) >= min_lines:
        second = _wrap_width(shorter)
        second_share = _n_looking_wrapped(lines, second, 0.75 * width) / len(lengths)
        if second_share >= min_share:
            reason += f"; {second_share:.0%} look wrapped at {second} characters too"
            return width, second, share, reason
    return width, None, share, reason


def reflow(
    text: str,
    *,
    min_lines: int = 10,
    min_width: int = 40,
    max_width: int = 200,
    min_share: float = 0.2,
    fit: float = 0.8,
    known_words: Collection[str] | None = None,
    line_rules: tuple[FurnitureRule, ...] = DEFAULT_LINE_RULES,
    keep_lines: bool = True,
) -> ReflowResult:
    """Join the lines of hard-wrapped paragraphs.

    The detector and the joining rules are described in the module docstring.

    Parameters
    ----------
    text : str
        A normalised document text (:func:`corpus_tm.normalize_text`).
    min_lines : int, default 10
        Documents with fewer non-blank lines are never reflowed.
    min_width : int, default 40
        A wrap width below this is not a hard wrap (verse, lists, salutations).
    max_width : int, default 200
        A wrap width above this is not a hard wrap (one paragraph a line).
    min_share : float, default 0.2
        Share of the non-blank lines that must look wrapped.
    fit : float, default 0.8
        A line is full when it and the next line's first word reach ``fit * W`` characters; the
        slack allows for proportional fonts in PDF exports.
    known_words : collection of str, optional
        Lower-case words known to be written without a hyphen (for example the words of the
        whole corpus), used with the document's own words to undo end-of-line hyphens.
    line_rules : tuple of FurnitureRule
        Page-furniture rules; furniture lines are never joined.
    keep_lines : bool, default True
        Keep the number of lines: lines joined into the one before them become blank, so line
        numbers still point at the input's lines. With ``False`` they are removed.

    Returns
    -------
    ReflowResult
        The new text and what was done. Reflowing a reflowed text changes nothing on each of
        the 977 documents of the shared corpora (UN speeches, US strategies, the example;
        ``tests/test_reflow.py``). A short made-up text can defeat this: a joined line is
        longer than its last wrapped line was, so a second pass may count it full before a
        blank line the first pass left, and join across it. Reflow a text once.

    Raises
    ------
    ConfigError
        For parameters out of range.
    """
    if not isinstance(min_lines, int) or min_lines < 1:
        raise ConfigError(f"min_lines must be a positive integer, not {min_lines!r}.")
    if not isinstance(min_width, int) or min_width < 1:
        raise ConfigError(f"min_width must be a positive integer, not {min_width!r}.")
    if not isinstance(max_width, int) or max_width < min_width:
        raise ConfigError(f"max_width must be an integer >= min_width, not {max_width!r}.")
    if not 0 < min_share <= 1:
        raise ConfigError(f"min_share must be in (0, 1], not {min_share!r}.")
    if not 0 < fit <= 1.5:
        raise ConfigError(f"fit must be in (0, 1.5], not {fit!r}.")
    width, second, share, reason = detect_wrap(
        text, min_lines=min_lines, min_width=min_width, max_width=max_width, min_share=min_share
    )
    if width is None:
        return ReflowResult(text, False, None, None, share, 0, 0, 0, reason)
    shortest = min(width, second or width)
    lines = text.split("\n")
    furniture = line_furniture(lines, line_rules)
    n_text = sum(1 for line in lines if line)
    n_blocks = sum(1 for i, line in enumerate(lines) if line and (i == 0 or not lines[i - 1]))
    blank_paragraphs = n_blocks * _LINES_PER_BLANK >= n_text
    vocabulary: set[str] | None = None

    def full(line: str, after: str) -> bool:
        return bool(after) and line_width(line) + 1 + line_width(after.split()[0]) >= fit * shortest

    def salutation(j: int) -> bool:
        """A short line ending with a comma (``Mr. President,``): it stands on its own."""
        after = lines[j + 1] if j + 1 < len(lines) else ""
        return lines[j].endswith(",") and not full(lines[j], after)

    def joins(i: int, j: int) -> bool:
        a, b = lines[i], lines[j]
        if _is_heading(a) or _starts_paragraph(b):
            return False
        if not ends_sentence(a):
            if j > i + 1:  # across blank or furniture lines (a page break)
                return full(a, b) and not a.endswith(",") and not salutation(j)
            return full(a, b) or b[0].islower()
        if j > i + 1 or not blank_paragraphs or not full(a, b):
            return False
        after = lines[j + 1] if j + 1 < len(lines) else ""
        return ends_sentence(b) or full(b, after)

    text_lines = [i for i, line in enumerate(lines) if line and not furniture[i]]
    out = list(lines)
    dropped: list[int] = []  # lines joined onto the paragraph's first line
    removed = kept = 0
    start = text_lines[0] if text_lines else 0  # the line the current paragraph stands on
    for i, j in itertools.pairwise(text_lines):
        if j - i > _MAX_GAP or not joins(i, j):
            start = j
            continue
        a, b = lines[i], lines[j]
        hyphen = _END_HYPHEN.search(a)
        right = _START_LETTERS.match(b)
        if hyphen and right:
            left = hyphen.group(1)
            if vocabulary is None:
                vocabulary = free_words(text) | set(known_words or ())
            if (
                right.group(0).islower()
                and (left[1:] or left).islower()
                and (left + right.group(0)).lower() in vocabulary
            ):
                out[start] = out[start][:-1] + b
                removed += 1
            else:
                out[start] += b
                kept += 1
        else:
            out[start] += glue(out[start], b) + b
        out[j] = ""
        dropped.append(j)
    if not keep_lines:
        gone = set(dropped)
        out = [line for i, line in enumerate(out) if i not in gone]
    joined = len(dropped)
    return ReflowResult(
        "\n".join(out),
        True,
        width,
        second,
        share,
        joined,
        removed,
        kept,
        f"{reason}; joined {joined} lines ({removed} end-of-line hyphens removed, {kept} kept)",
    )
