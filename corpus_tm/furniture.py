"""Page furniture: lines and paragraphs that are not the author's text.

In: the lines (and later the paragraphs) of one normalised document.
Out: for each line or paragraph, the reason it is furniture (``"share button"``,
``"photo caption"``, ...) or ``None``. The sectioning stage removes what is flagged here and keeps
it in an audit table.

Rules are plain regular expressions in :data:`DEFAULT_LINE_RULES` and
:data:`DEFAULT_CAPTION_RULES`; users can add their own through
:class:`corpus_tm.SectioningRules`.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FurnitureRule:
    """A named pattern for one kind of furniture line.

    Parameters
    ----------
    reason : str
        What the line is ("share button", "editor line", ...); shown in the audit table.
    pattern : str
        A regular expression searched (``re.search``, case-insensitive) in the line.
    max_length : int
        Lines longer than this are never this kind of furniture.
    """

    reason: str
    pattern: str
    max_length: int = 200

    def matches(self, line: str) -> bool:
        """Whether ``line`` is this kind of furniture."""
        return len(line) <= self.max_length and _compiled(self.pattern).search(line) is not None


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}:\d{{2}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{4}}年)"
)

DEFAULT_LINE_RULES: tuple[FurnitureRule, ...] = (
    FurnitureRule(
        "share button",
        r"^(?:share(?: to| this| on)?|wechat|weibo|scan(?: the)? qr|qr code|print(?: this)?"
        r"|e-?mail(?: this)?|tweet|facebook|twitter|linkedin|whatsapp)\b",
        max_length=100,
    ),
    FurnitureRule(
        "editor line",
        r"^\(?\s*(?:responsible |executive )?editors?(?: in charge| in chief|-in-chief)?\s*[:(]",
    ),
    FurnitureRule("author line", r"^(?:authors?|written by|reporters?|translated by)\s*:", 300),
    FurnitureRule("breadcrumb", r"\S\s*(?:>>|»|›)\s*\S", max_length=120),
    FurnitureRule("date and source line", rf"{_DATE}.{{0,60}}\bsource\s*:|^source\s*:", 160),
    FurnitureRule("separator", r"^[-*_=~#•·.\s]{3,}$", max_length=200),
    FurnitureRule("page number", r"^(?:page\s+)?\d{1,4}$|^-\s*\d{1,4}\s*-$", max_length=12),
    FurnitureRule("table of contents", r"^(?:table of )?contents$", max_length=20),
    # Dot leaders ("Introduction ..... 5"); written to start with a literal dot, which the
    # regular-expression engine finds fast (the same lines as "(?:\.\s?){5,}\s*\d").
    FurnitureRule("table of contents", r"\.(?:\s?\.){4,}\s*\d", max_length=1_000_000),
)

DEFAULT_CAPTION_RULES: tuple[str, ...] = (
    r"^(?:the )?(?:picture|photo|image|figure)s? (?:above |below )?shows?\b",
    r"^(?:photo|picture|image)\s*(?:by|credit|source)?\s*:",
    r"^pictured\b",
    r"^图为",
)
"""Paragraphs that start like this are photo captions."""

_CAPTION_INSIDE = r"\b(?:the )?(?:picture|photo|image)s? (?:shows?|by)\b|\bphotographed by\b"
_CAPTION_WORDS = ("picture", "photo", "image")  # every match of _CAPTION_INSIDE has one
#: Longer lines are never letter-spaced running headers; longer paragraphs are never captions
#: found by their wording inside (the longest caption in the example corpus has 748 characters).
#: Both bounds spare the checks on the body text, which is most of a large corpus.
LETTER_SPACED_MAX_LENGTH = 400
CAPTION_INSIDE_MAX_LENGTH = 1500
_SENTENCE_END = re.compile(r"[.!?;:,\"')\]…]$")


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def is_letter_spaced(line: str) -> bool:
    """Whether a line is letter-spaced OCR (``V. I N T ER NAT I O NA L O R d ER``)."""
    if len(line) > LETTER_SPACED_MAX_LENGTH:
        return False
    words = line.split()
    if len(words) < 6:
        return False
    single_letters = sum(1 for w in words if len(w.strip(".,")) == 1)
    return single_letters / len(words) >= 0.5


def line_furniture(
    lines: Sequence[str], rules: Sequence[FurnitureRule] = DEFAULT_LINE_RULES
) -> list[str | None]:
    """Flag furniture lines.

    Parameters
    ----------
    lines : sequence of str
        The normalised lines of one document.
    rules : sequence of FurnitureRule
        Line rules, tried in order; the first that matches gives the reason.

    Returns
    -------
    list of str or None
        The reason for each line, ``None`` for text and blank lines.

    Notes
    -----
    Besides the rules: letter-spaced lines are ``"running header"``, and so is a short line
    (under 80 characters, no sentence punctuation at its end) that occurs three or more times.
    """
    counts = Counter(line for line in lines if line)
    reasons: list[str | None] = []
    for line in lines:
        reason = None
        if line:
            reason = next((rule.reason for rule in rules if rule.matches(line)), None)
            if reason is None and is_letter_spaced(line):
                reason = "running header"
            if (
                reason is None
                and counts[line] >= 3
                and len(line) < 80
                and not _SENTENCE_END.search(line.rstrip("*_ "))
            ):
                reason = "running header"
        reasons.append(reason)
    return reasons


def is_caption(paragraph: str, rules: Sequence[str] = DEFAULT_CAPTION_RULES) -> bool:
    """Whether a paragraph is a photo caption.

    A caption starts like one of ``rules`` ("The picture shows ..."), or speaks of a picture
    and ends in a credit: a last clause of at most eight words with no sentence punctuation,
    such as ``"Zheng Yongbo, China News Social Development"``.
    """
    if any(_compiled(rule).search(paragraph) for rule in rules):
        return True
    if len(paragraph) > CAPTION_INSIDE_MAX_LENGTH:
        return False
    lowered = paragraph.lower()  # a plain substring test first spares most paragraphs the search
    if not any(word in lowered for word in _CAPTION_WORDS):
        return False
    if not _compiled(_CAPTION_INSIDE).search(paragraph):
        return False
    if _SENTENCE_END.search(paragraph):
        return False
    last_sentence = re.split(r"[.!?]\s+", paragraph)[-1]
    return len(last_sentence.split()) <= 8
