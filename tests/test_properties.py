"""Properties of loading, sectioning and preprocessing, checked with Hypothesis.

* Any text or bytes gives either a result or a :class:`~corpus_tm.CorpusTmError`, never a crash.
* Normalisation is idempotent.
* Nothing is lost or doubled: every non-white-space character of the normalised text that is
  neither page furniture nor a heading line lands in exactly one unit, in text order. The check
  walks the lines of the text and sets aside the lines that the furniture and headings tables
  name (a photo caption or an own-line ordinal heading can span wrapped lines, joined with a
  space), then compares what is left with the units' texts.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import corpus_tm as ctm
from corpus_tm.loading import decode_bytes, normalize_text
from corpus_tm.reflow import reflow

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(SETTINGS, max_examples=200)  # for the cheap checks

# Text made of the pieces the rules look at, so that every rule gets exercised.
WORDS = st.sampled_from(
    [
        "security",
        "risk",
        "the",
        "people",
        "state",
        "development",
        "of",
        "and",
        "Party",
        "national",
        "world",
        "First",
        "Second",
        "share",
        "photo",
        "picture",
        "shows",
        "editor",
        "China",
        "2020",
        "U.S.",
        "Mr.",
        "no.",
        "risks'",
        "it's",
        "co-operation",
    ]
)
SENTENCE = st.builds(
    lambda words, end: " ".join(words).capitalize() + end,
    st.lists(WORDS, min_size=1, max_size=14),
    st.sampled_from([".", ".", "?", "!", ",", ";", ":", "", "..."]),
)
TITLE = st.lists(WORDS, min_size=1, max_size=6).map(lambda w: " ".join(w).title())
ORDINAL = st.sampled_from(["First", "Second", "Third", "Fourth", "Fifth", "Firstly", "Secondly"])
LINE = st.one_of(
    SENTENCE,
    st.lists(SENTENCE, min_size=2, max_size=6).map(" ".join),
    st.builds(lambda n, t: f"{n}、 {t}", st.integers(1, 4), TITLE),
    st.builds(lambda n, t: f"{n}、{t}", st.sampled_from(["一", "二", "三", "四"]), TITLE),
    st.builds(lambda n, t: f"{n}. {t}", st.integers(1, 4), TITLE),
    st.builds(lambda n, t: f"{n}. {t}", st.sampled_from(["I", "II", "III", "IV"]), TITLE),
    st.builds(lambda n, t: f"Part {n}: {t}", st.sampled_from(["One", "Two", "Three"]), TITLE),
    st.builds(lambda h, t: f"{h} {t}", st.sampled_from(["#", "##", "###", "####"]), TITLE),
    st.builds(lambda o, s: f"{o}, {s}", ORDINAL, SENTENCE),
    st.builds(lambda o, s: f"{o}, {s.lower()}", ORDINAL, TITLE),
    st.sampled_from(
        [
            "Share to WeChat",
            "Editor: Wang Wei",
            "(Responsible editor: Li Hua)",
            "Home >> Politics >> Theory",
            "2020-04-17 08:30 Source: Qiushi",
            "----------",
            "Page 12",
            "12",
            "Contents",
            "Security strategy .......... 4",
            "The picture shows a meeting in Beijing.",
            "Photo by Zheng Yongbo",
            "V. I N T ER NAT I O NA L O R d ER",
            "RUNNING HEADER",
            "",
            "",
            "   ",
        ]
    ),
    SENTENCE.map(str.lower),  # a wrapped line that goes on the previous one
    st.text(min_size=1, max_size=40),  # anything at all
)
DOCUMENT = st.lists(LINE, min_size=0, max_size=40).map("\n".join)
NUMBERS = {
    "1、": ["1、", "2、", "3、", "4、"],
    "一、": ["一、", "二、", "三、", "四、"],
    "1.": ["1.", "2.", "3.", "4."],
    "I.": ["I.", "II.", "III.", "IV."],
    "Part": ["Part One:", "Part Two:", "Part Three:", "Part Four:"],
    "#": ["#", "#", "#", "#"],
}
ORDINALS = ["First", "Second", "Third", "Fourth", "Fifth"]


@st.composite
def structured_document(draw) -> str:
    """A document laid out as the rules expect (parts, ordinal sub-sections), with noise."""
    style = draw(st.sampled_from([*NUMBERS, None]))
    paragraphs: list[str] = draw(st.lists(SENTENCE, max_size=3))  # the preamble
    for part in range(draw(st.integers(0, 4)) if style else 0):
        paragraphs.append(f"{NUMBERS[style][part]} {draw(TITLE)}")
        paragraphs.extend(draw(st.lists(SENTENCE, max_size=2)))  # the part's introduction
        for ordinal in ORDINALS[: draw(st.integers(0, 5))]:
            if draw(st.booleans()):  # a heading line of its own
                paragraphs.append(f"{ordinal}, {draw(TITLE).lower()}.")
            else:  # the first sentence of a paragraph
                paragraphs.append(f"{ordinal}, {draw(SENTENCE)} {draw(SENTENCE)}")
            paragraphs.extend(draw(st.lists(SENTENCE, min_size=1, max_size=3)))
    if draw(st.booleans()):
        paragraphs.append(draw(SENTENCE))  # a closing paragraph
    lines: list[str] = []
    for paragraph in paragraphs:
        if draw(st.integers(0, 5)) == 0:  # noise: furniture, odd headings, wrapped lines
            lines.append(draw(LINE))
        lines.append(paragraph)
        lines.extend([""] * draw(st.integers(0, 2)))
    return "\n".join(lines)


ANY_TEXT = st.one_of(structured_document(), DOCUMENT, st.text(max_size=400))


def _non_space(text: str) -> str:
    return "".join(c for c in text if not c.isspace())


def _span(lines: list[str], start: int, text: str) -> int:
    """How many lines from ``start`` (0-based) are joined with spaces to make ``text``."""
    joined = ""
    for count, line in enumerate(lines[start:], start=1):
        if not line:  # a paragraph goes on across a blank line when the next starts lower-case
            continue
        joined = f"{joined} {line}" if joined else line
        if joined == text or joined.rstrip(".") == text:
            return count
        if len(joined) > len(text) + 3:
            break
    raise AssertionError(f"line {start + 1}: {text!r} is not the text of the lines from there")


def _expected_unit_text(text: str, sections: ctm.Sections, doc_id: str) -> str:
    """The normalised text without furniture and heading lines (white space dropped)."""
    lines = text.split("\n")
    set_aside: set[int] = set()
    furniture = sections.furniture[sections.furniture["doc_id"] == doc_id]
    for row in furniture.itertuples():
        if row.reason == "photo caption":
            count = _span(lines, row.line - 1, row.text)
            set_aside.update(range(row.line - 1, row.line - 1 + count))
        else:
            assert lines[row.line - 1] == row.text
            set_aside.add(row.line - 1)
    headings = sections.headings[sections.headings["doc_id"] == doc_id]
    numbered = []
    for row in headings.itertuples():
        if row.style == "ordinal sentence":  # the paragraph stays a unit
            continue
        if row.style == "ordinal line":
            count = _span(lines, row.line - 1, row.title)
            set_aside.update(range(row.line - 1, row.line - 1 + count))
        elif row.style.startswith("markdown"):  # one line
            assert row.title in lines[row.line - 1]
            set_aside.add(row.line - 1)
        else:  # numbered or lettered: marker and title, which may run on or wrap to the next line
            numbered.append(row)
    text, starts = "", {}
    for i, line in enumerate(lines):
        if i not in set_aside:
            starts[i] = len(text)
            text += _non_space(line)
    spans = []
    for row in numbered:
        start, title = starts[row.line - 1], _non_space(row.title)
        found = text.find(title, start)
        assert start <= found <= start + 12, (row, text[start : start + 40])
        spans.append((start, found + len(title)))
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    return text


def _outcome(function, *args, **kwargs):
    """``(result, None)``, or ``(None, error)`` for a CorpusTmError; warnings are ignored."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            return function(*args, **kwargs), None
        except ctm.CorpusTmError as error:
            return None, error


def _split(texts: list[str], unit: str = "paragraph") -> ctm.Sections | None:
    documents = pd.DataFrame(
        {"doc_id": [f"d{i}" for i in range(len(texts))], "text": [normalize_text(t) for t in texts]}
    )
    sections, error = _outcome(ctm.split_sections, documents, unit=unit, window=2)
    assert error is None or "has any text units" in str(error)
    return sections


@MANY
@given(st.text())
def test_normalisation_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert "\r" not in once
    assert all(line == line.strip() and "  " not in line for line in once.split("\n"))


@MANY
@given(ANY_TEXT)
def test_normalisation_is_idempotent_on_document_like_text(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@MANY
@given(st.binary(max_size=3000))
def test_any_bytes_decode_or_give_an_input_error(data):
    text, error = _outcome(decode_bytes, data, source="x.txt")
    if error is None:
        assert isinstance(text, str)
    else:
        assert isinstance(error, ctm.InputError)
        assert str(error).startswith("x.txt: ")


@SETTINGS
@given(ANY_TEXT, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "gb18030"]))
def test_any_text_file_loads_as_its_normalised_text_or_gives_an_input_error(
    tmp_path_factory, text, encoding
):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # lone surrogates
        return
    folder = tmp_path_factory.mktemp("doc")
    (folder / "doc.txt").write_bytes(data)
    documents, error = _outcome(ctm.load_documents, folder, encoding=encoding)
    if error is None:
        # hard-wrapped text is reflowed after normalisation (corpus_tm.reflow)
        assert documents["text"].tolist() == [reflow(normalize_text(text)).text]
    else:
        assert isinstance(error, ctm.InputError)
        assert "doc.txt" in str(error)
        assert not normalize_text(text).strip() or "not a text file" in str(error)


@SETTINGS
@given(st.lists(ANY_TEXT, min_size=1, max_size=3), st.sampled_from(["paragraph", "section"]))
def test_every_character_lands_in_exactly_one_unit_in_order(texts, unit):
    sections = _split(texts, unit)
    if sections is None:  # no unit anywhere: then no document has one on its own either
        assert all(_split([text]) is None for text in texts)
        return
    for i, text in enumerate(texts):
        doc_id = f"d{i}"
        units = sections.units[sections.units["doc_id"] == doc_id]
        expected = _expected_unit_text(normalize_text(text), sections, doc_id)
        assert _non_space("".join(units["text"])) == expected
        assert units["line"].is_monotonic_increasing
        if unit == "paragraph":
            assert units["line"].is_unique


@SETTINGS
@given(st.lists(ANY_TEXT, min_size=1, max_size=3))
def test_sentence_windows_keep_every_character(texts):
    paragraphs = _split(texts, "paragraph")
    windows = _split(texts, "sentences")
    if paragraphs is None:
        assert windows is None
        return
    for doc_id, group in paragraphs.units.groupby("doc_id"):
        in_windows = windows.units.loc[windows.units["doc_id"] == doc_id, "text"]
        assert _non_space("".join(in_windows)) == _non_space("".join(group["text"]))


@SETTINGS
@given(st.lists(ANY_TEXT, min_size=1, max_size=4))
def test_unit_table_is_well_formed(texts):
    sections = _split(texts)
    if sections is None:
        return
    units = sections.units
    assert units["unit_id"].is_unique
    assert (units["text"].str.strip() != "").all()
    assert (units["n_tokens"] >= 0).all()
    order = {f"d{i}": i for i in range(len(texts))}
    assert units["doc_id"].map(order).is_monotonic_increasing
    for _, group in units.groupby(["doc_id", "part", "section"]):
        assert group["paragraph"].tolist() == list(range(1, len(group) + 1))


@pytest.mark.parametrize("phrase_layers", [0, 2])
@SETTINGS
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=6))
def test_build_corpus_gives_a_corpus_or_an_input_error(texts, phrase_layers):
    units = pd.DataFrame({"unit_id": [f"u{i}" for i in range(len(texts))], "text": texts})
    corpus, error = _outcome(ctm.build_corpus, units, cache_dir=False, phrase_layers=phrase_layers)
    if error is not None:
        assert isinstance(error, ctm.InputError)
        assert "The vocabulary is empty" in str(error)
        assert "Relax the settings" in str(error)
        return
    vocabulary = set(corpus.vocabulary)
    assert len(corpus.tokens) == len(texts)
    assert all(token in vocabulary for tokens in corpus.tokens for token in tokens)
    assert corpus.dtm.shape == (len(texts), len(vocabulary))
    assert corpus.dtm.sum() == corpus.n_tokens


@SETTINGS
@given(st.lists(ANY_TEXT, min_size=2, max_size=5))
def test_without_phrases_each_text_is_preprocessed_on_its_own(texts):
    together = ctm.preprocess_texts(texts, phrase_layers=0)
    alone = [ctm.preprocess_texts([text], phrase_layers=0)[0] for text in texts]
    assert together == alone


@MANY
@given(st.text(alphabet=". \t1a", max_size=40), st.sampled_from(["Photo", "PICTURE", "x"]))
def test_fast_furniture_checks_flag_the_same_lines(line, word):
    import re

    from corpus_tm.furniture import _CAPTION_INSIDE, DEFAULT_LINE_RULES, is_caption

    # the dot-leader rule is written for speed; it flags what the plain pattern flags
    (leaders,) = [r for r in DEFAULT_LINE_RULES if r.max_length > 1000]
    plain = re.compile(r"(?:\.\s?){5,}\s*\d", re.IGNORECASE)
    assert leaders.matches(line) == (plain.search(line) is not None)
    # the substring test before the caption search changes no answer
    paragraph = f"{line} {word} by {line}"
    inside = re.search(_CAPTION_INSIDE, paragraph, re.IGNORECASE) is not None
    ends_in_credit = not re.search(r"[.!?;:,\"')\]…]$", paragraph) and len(
        re.split(r"[.!?]\s+", paragraph)[-1].split()
    ) <= 8
    assert is_caption(paragraph) == (inside and ends_in_credit)
