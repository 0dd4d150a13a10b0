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
    chars_per_match : int or None
        If given, a line needs one match of ``pattern`` per this many characters (at least
        one): a long line with a single match is text that happens to contain the pattern.

    Notes
    -----
    Lines of running prose must never match: a wrapped line can start with any word
    ("share opportunities, meet challenges and contribute to"), so a rule describes the
    whole line (anchored at both ends, made of the furniture's own words), not how it begins.
    """

    reason: str
    pattern: str
    max_length: int = 200
    chars_per_match: int | None = None

    def matches(self, line: str) -> bool:
        """Whether ``line`` is this kind of furniture."""
        if len(line) > self.max_length:
            return False
        if self.chars_per_match is None:
            return _compiled(self.pattern).search(line) is not None
        needed = max(1, -(-len(line) // self.chars_per_match))
        found = _compiled(self.pattern).finditer(line)
        return sum(1 for _ in zip(range(needed), found, strict=False)) == needed


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}:\d{{2}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{4}}年)"
)

# Share widgets: the line is made only of widget words and quoted app or account names
# (WeChat "Scan" adds "Learning Power"), with at least one of the core words.
_SHARE_CORE = (
    r"share|wechat|weixin|weibo|scan|qr|tweet|facebook|twitter|linkedin|whatsapp|telegram"
    r"|e-?mail|print|qzone|分享|微信|微博|扫一扫|二维码|朋友圈|打印"
)
_SHARE_WORD = (
    rf"(?:(?:{_SHARE_CORE}|shared|shares|code|qq(?!空间)|moments|friends?|follow|adds?|added|copy"
    r"|link|url|to|on|via|with|this|the|page|article|story|us|and|or|more|qq空间|扫描|关注|到"
    r"|在?手机上?|打开|当前页|本页|本文|阅读|浏览|查看|好友|给|用|码|我们)"
    r"(?![a-z])"
    r"|\"[^\"]{1,40}\"|“[^”]{1,40}”|「[^」]{1,40}」|《[^》]{1,40}》)"
)
_SHARE_GLUE = r"[\s:：|/·•,，、.\-–—]*"
# Names in a byline: capitalised words (or two to four Chinese characters), comma-separated.
_NAME = r"(?-i:[A-Z][\w'’.\-]*|[\u4e00-\u9fff]{2,4})"
_NAMES = rf"{_NAME}(?:(?:[\s,，、/&;]+|\s+and\s+){_NAME}){{0,11}}"
# Breadcrumb steps: short, not starting in lower case (a closing guillemet in prose is
# followed by a lower-case word), no sentence punctuation, no opening guillemet.
_CRUMB = r"(?-i:[^\sa-z>»›«‹])[^>»›«‹!?。！？]{0,40}"
_CRUMB_SEP = r"(?:>>|\s»\s|\s›\s)"

# Chinese web pages: widgets to set the font size, print or close the page (【字号 大 中 小】
# 【打印本页】【关闭窗口】), made only of widget words, with at least one of the core ones.
_WIDGET_CORE = r"字号|字体|打印|关闭|收藏|纠错|返回顶部|放大|缩小"
_WIDGET_WORD = (
    r"(?:字号|字体|大|中|小|默认|打印本页|打印此页|打印本文|打印|关闭窗口|关闭本页|关闭|收藏本页"
    r"|加入收藏|收藏|纠错|返回顶部|返回首页|返回|放大|缩小|保存|复制链接|繁体|简体|繁體|无障碍)"
)
_WIDGET_GLUE = r"[\s:：|/·•,，、【】\[\]()（）]*"
# Chinese bylines: the role, then names (two to four characters, "记者 张三 通讯员 李四").
_ZH_AUTHOR_ROLE = (
    r"(?:本报|新华社|中新社|人民网)?(?:特约|实习)?(?:作者|撰文|撰稿|记者|通讯员|实习生|供稿|摄影|译者"
    r"|翻译|整理|口述|文)"
)
_ZH_EDITOR_ROLE = r"(?:责任编辑|责编|值班编辑|网络编辑|编辑|审核|校对|审校|监制|终审|编审)"
_ZH_END = r"(?<![。！？!?])$"

DEFAULT_LINE_RULES: tuple[FurnitureRule, ...] = (
    FurnitureRule(
        "page widget",
        rf"^(?=.*?(?:{_WIDGET_CORE})){_WIDGET_GLUE}(?:{_WIDGET_WORD}{_WIDGET_GLUE})+$",
        max_length=60,
    ),
    FurnitureRule(
        "previous/next link",
        r"^[【\[]?(?:上一篇|下一篇|上一条|下一条|上一页|下一页|上篇|下篇)[】\]]?(?:\s*[:：]|\s+|$)"
        rf".*{_ZH_END}",
        max_length=200,
    ),
    FurnitureRule(
        "share button",
        rf"^(?=.*?(?:{_SHARE_CORE}))(?:{_SHARE_GLUE}{_SHARE_WORD})+{_SHARE_GLUE}$",
        max_length=100,
    ),
    FurnitureRule(
        "editor line",
        r"^[(（]?\s*(?:(?:responsible |executive )?editors?(?: in charge| in chief|-in-chief)?"
        r"|(?:责任)?编辑)"
        rf"\s*[:：(（]\s*{_NAMES}\s*[)）]?\s*$",
        max_length=120,
    ),
    # A byline names people (reporter) or gives a title (author): never a question or a
    # sentence, so no question mark and no sentence punctuation at the end.
    FurnitureRule(
        "author line",
        r"^(?:authors?|written by|translated by)\s*[:：][^?？]*(?<![.!?。！？])$"
        rf"|^reporters?\s*[:：]\s*{_NAMES}\s*$",
        300,
    ),
    FurnitureRule(
        "breadcrumb",
        rf"^\s*{_CRUMB}(?:{_CRUMB_SEP}\s*{_CRUMB})+(?:{_CRUMB_SEP})?\s*$",
        max_length=120,
    ),
    FurnitureRule("date and source line", rf"{_DATE}.{{0,60}}\bsource\s*:|^source\s*:", 160),
    # 来源：新华社 / 发布时间：2023-05-01 10:00 来源：人民网: a line that opens with the label (a
    # sentence that mentions 来源 is text) and is not a sentence.
    FurnitureRule(
        "date and source line",
        r"^[(（【\[]?(?:来源|稿源|信息来源|文章来源|新闻来源|出处|转自|转载自)\s*[:：]\s*\S"
        rf"[^。！？]{{0,80}}{_ZH_END}"
        r"|^(?:发布时间|发布日期|发表时间|发稿时间|更新时间|时间|日期)\s*[:：]\s*"
        rf"(?:{_DATE}|\d{{4}}\s*[-/.年])[^。！？]{{0,100}}{_ZH_END}"
        rf"|^{_DATE}[^。！？,，;；]{{0,40}}(?:来源|稿源|作者|编辑)\s*[:：][^。！？]{{0,80}}{_ZH_END}",
        160,
    ),
    FurnitureRule(
        "editor line",
        rf"^[(（【\[]?\s*{_ZH_EDITOR_ROLE}\s*[:：]\s*{_NAMES}\s*[)）】\]]?\s*$",
        max_length=120,
    ),
    FurnitureRule(
        "author line",
        rf"^[(（【\[]?\s*{_ZH_AUTHOR_ROLE}\s*(?:[:：/]\s*|\s+){_NAMES}\s*[)）】\]]?\s*$",
        max_length=120,
    ),
    # Markup the conversion to text left behind: an HTML comment on a line of its own
    # (``<!-- INFO END -->`` in the Markdown laws of LawRefBook).
    FurnitureRule("markup comment", r"^<!--.*-->$", max_length=500),
    FurnitureRule("separator", r"^[-*_=~#•·.\s]{3,}$", max_length=200),
    FurnitureRule("page number", r"^(?:page\s+)?\d{1,4}$|^-\s*\d{1,4}\s*-$", max_length=12),
    FurnitureRule("table of contents", r"^(?:table of )?contents$", max_length=20),
    # Dot leaders ("Introduction ..... 5"); written to start with a literal dot, which the
    # regular-expression engine finds fast (the same lines as "(?:\.\s?){5,}\s*\d"). A
    # flattened table of contents has one leader every few dozen characters; a paragraph
    # with one stray leader is text.
    FurnitureRule(
        "table of contents",
        r"\.(?:\s?\.){4,}\s*\d",
        max_length=1_000_000,
        chars_per_match=400,
    ),
)

DEFAULT_CAPTION_RULES: tuple[str, ...] = (
    # Not "The figure below shows ...": reports refer to their figures in running text.
    r"^(?:the )?(?:picture|photo|image)s? (?:above |below )?shows?\b",
    r"^(?:photo|picture|image)\s*(?:by|credit|source)?\s*:",
    r"^pictured\b",
    r"^图为",
    # 图：新华社 / （图片来源：网络） / 新华社记者 李贺 摄
    r"^[(（]?(?:图片?|图源|摄影)(?:来源|来自)?\s*[:：]",
    r"^[^。！？\n]{0,30}\s摄[)）]?$",
)
"""Paragraphs that start like this are photo captions (up to :data:`CAPTION_MAX_LENGTH`)."""

_CAPTION_INSIDE = r"\b(?:the )?(?:picture|photo|image)s? (?:shows?|by)\b|\bphotographed by\b"
_CAPTION_WORDS = ("picture", "photo", "image")  # every match of _CAPTION_INSIDE has one
#: Longer lines are never letter-spaced running headers; longer paragraphs are never captions
#: found by their wording inside (the longest caption in the example corpus has 748 characters).
#: Both bounds spare the checks on the body text, which is most of a large corpus.
LETTER_SPACED_MAX_LENGTH = 400
CAPTION_INSIDE_MAX_LENGTH = 1500
#: Longer paragraphs are never captions, however they start: a caption is a sentence or a few,
#: and a paragraph of running text can open with "The picture shows that ...".
CAPTION_MAX_LENGTH = CAPTION_INSIDE_MAX_LENGTH
_SENTENCE_END = re.compile(r"[.!?;:,\"')\]…。！？；：]$")
_ORDINARY_WORD = re.compile(r"[A-Za-z][a-z]{2,}$")  # "healthy", "Economy"


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def is_letter_spaced(line: str) -> bool:
    """Whether a line is letter-spaced OCR (``V. I N T ER NAT I O NA L O R d ER``).

    At least half of the words are single letters or digits, and either the line has no
    ordinary word (``I V. VA LU E S``) or two of the single characters are not words of
    English prose (``a``, ``A``, ``I`` and initials such as ``U.`` are). Prose with many
    one-letter words (``2. A healthy and growing U .S. economy.``) is not letter-spaced.
    """
    if len(line) > LETTER_SPACED_MAX_LENGTH:
        return False
    words = line.split()
    if len(words) < 6:
        return False
    single = [w for w in words if len(w.strip(".,")) == 1]
    if len(single) / len(words) < 0.5:
        return False
    stray = sum(1 for w in single if w.rstrip(",") not in ("a", "A", "I") and not w.endswith("."))
    return stray >= 2 or not any(_ORDINARY_WORD.match(w.strip(".,;:")) for w in words)


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
    (under 80 characters, no sentence punctuation at its end, ``。`` included) that occurs three
    or more times, unless it heads distinct content: a lettered or numbered line
    (``B. Current Context``, ``2. Africa``) followed each time by a different line is a heading
    repeated in several chapters, and so is any other such line with a letter in it
    (``Enhancing Security``) that, besides, interrupts a sentence at most once (the text before
    it ends a sentence or is a short heading-like line; a page header interrupts sentences on
    page after page). Forms of address
    a speaker repeats (``Mr. President``, ``Excellencies``) are never running headers.
    """
    counts = Counter(line for line in lines if line)
    headings = _repeated_headings(lines, counts)
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
                and line not in headings
            ):
                reason = "running header"
        reasons.append(reason)
    return reasons


_MARKED_HEADING = re.compile(r"^(?:[A-Z]|\d{1,2}|[IVX]{1,5})\.\s+\S")


def _repeated_headings(lines: Sequence[str], counts: Counter[str]) -> set[str]:
    """Repeated short lines that head distinct content rather than repeat on every page.

    A lettered or numbered line (``B. Current Context``) qualifies when a different line
    follows it each time. Any other line (``Enhancing Security``, ``Mr. President``)
    qualifies when, besides, the text before it ends a sentence (or is a short heading-like
    line) every time but at most once (the once: a table of contents listing the sub-heading):
    a page header interrupts sentences again and again, a sub-heading never does.
    """
    repeated = {line for line, n in counts.items() if n >= 3 and len(line) < 80}
    if not repeated:
        return set()
    following: dict[str, list[str]] = {line: [] for line in repeated}
    interruptions: Counter[str] = Counter()
    previous = ""
    for i, line in enumerate(lines):
        if line in repeated:
            after = next((x for x in lines[i + 1 :] if x and x not in repeated), "")
            following[line].append(after)
            if previous and not _ends_block(previous):
                interruptions[line] += 1
        if line and line not in repeated:
            previous = line
    headings = {
        line
        for line, after in following.items()
        if len(set(after)) == len(after)
        and (_MARKED_HEADING.match(line) or (interruptions[line] <= 1 and _LETTER.search(line)))
    }
    return headings | {line for line in repeated if _SALUTATION.match(line)}


_LETTER = re.compile(r"[^\W\d_]")


def _ends_block(line: str) -> bool:
    """Whether text may stop after ``line``: it ends a sentence or is a short heading-like line."""
    line = line.rstrip("*_ ")
    return bool(_SENTENCE_END.search(line)) or (len(line) < 80 and line[:1].isupper())
#: Forms of address that speakers repeat ("Mr. President", "Excellencies"): the speaker's words.
_SALUTATION = re.compile(
    r"^(?:Mr\.?|Mrs\.?|Madam|Madame|Mister|Excellenc(?:y|ies)|Your (?:Excellenc|Majest|Highness)"
    r"|Ladies|Distinguished|Dear|Honou?rable|Fellow|Colleagues|Friends|Brothers|Sisters)\b",
    re.IGNORECASE,
)


def is_caption(paragraph: str, rules: Sequence[str] = DEFAULT_CAPTION_RULES) -> bool:
    """Whether a paragraph is a photo caption.

    A caption starts like one of ``rules`` ("The picture shows ..."), or speaks of a picture
    and ends in a credit: a last clause of at most eight words with no sentence punctuation,
    such as ``"Zheng Yongbo, China News Social Development"``.
    """
    if len(paragraph) > CAPTION_MAX_LENGTH:
        return False
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
