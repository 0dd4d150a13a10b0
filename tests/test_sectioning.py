"""Sectioning: the example corpus (exact structure), the NSS and UN corpora, generated text."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

import corpus_tm as ctm

QIUSHI = "qiushi-2020-08"
NEWS = "news-2020-04-16"

# Paragraph counts read off the article by hand: preamble = title line, sub-title line,
# "Original title" line and the two-sentence introduction; each part has one introductory
# paragraph; captions are not paragraphs; the last paragraph is the closing.
QIUSHI_STRUCTURE = [
    ("Preamble", 4),
    ("1.0 Intro", 1),
    ("1.1 First", 4),
    ("1.2 Second", 3),
    ("1.3 Third", 3),
    ("2.0 Intro", 1),
    ("2.1 First", 3),
    ("2.2 Second", 2),
    ("2.3 Third", 3),
    ("3.0 Intro", 1),
    ("3.1 First", 2),
    ("3.2 Second", 1),
    ("3.3 Third", 1),
    ("3.4 Fourth", 1),
    ("3.5 Fifth", 1),
    ("Closing", 1),
]
# The news report: headline and three lead paragraphs, then five own-line sub-headings.
NEWS_STRUCTURE = [
    ("Preamble", 4),
    ("First", 2),
    ("Second", 1),
    ("Third", 1),
    ("Fourth", 1),
    ("Fifth", 1),
]


@pytest.fixture(scope="module")
def example_sections(example_corpus_path):
    return ctm.split_sections(ctm.load_documents(example_corpus_path))


def _raw_lines(folder, doc_id):
    documents = ctm.load_documents(folder)
    return documents.set_index("doc_id").loc[doc_id, "text"].split("\n")


def _structure(units, doc_id):
    table = ctm.sections_table(units[units["doc_id"] == doc_id])
    return list(zip(table["label"], table["n_units"], strict=True))


def test_qiushi_parts_sections_and_paragraph_counts(example_sections):
    assert _structure(example_sections.units, QIUSHI) == QIUSHI_STRUCTURE


def test_qiushi_part_titles_are_the_heading_lines(example_sections, example_corpus_path):
    lines = _raw_lines(example_corpus_path, QIUSHI)
    expected = {int(line[0]): line[2:].strip() for line in lines if re.match(r"^\d、", line)}
    assert sorted(expected) == [1, 2, 3]
    units = example_sections.units[example_sections.units["doc_id"] == QIUSHI]
    titles = (
        units[units["section_kind"].isin(["intro", "section"])]
        .groupby("part")["part_title"]
        .unique()
    )
    assert {part: list(t) for part, t in titles.items()} == {
        part: [title] for part, title in expected.items()
    }


def test_qiushi_sub_section_titles_are_opening_sentences(example_sections):
    units = example_sections.units
    openers = units[
        (units["doc_id"] == QIUSHI) & (units["section"] > 0) & (units["paragraph"] == 1)
    ]
    assert len(openers) == 11
    for _, unit in openers.iterrows():
        ordinal = unit["label"].split()[-1]
        assert unit["text"].startswith(ordinal + ",")
        assert unit["section_title"] == ctm.split_sentences(unit["text"])[0].rstrip(".")
        assert unit["text"].startswith(unit["section_title"])  # the paragraph stays a unit


def test_news_own_line_headings_are_titles_not_units(example_sections, example_corpus_path):
    assert _structure(example_sections.units, NEWS) == NEWS_STRUCTURE
    lines = _raw_lines(example_corpus_path, NEWS)
    heading_lines = [
        line.rstrip(".") for line in lines if re.match(r"^(First|Second|Third|Fourth|Fifth),", line)
    ]
    units = example_sections.units[example_sections.units["doc_id"] == NEWS]
    titles = units[units["section"] > 0].drop_duplicates("section")["section_title"].tolist()
    assert titles == heading_lines
    assert not units["text"].isin([line + "." for line in heading_lines]).any()
    styles = example_sections.headings.query("doc_id == @NEWS")["style"].unique().tolist()
    assert styles == ["ordinal line"]


def test_furniture_is_removed_and_audited(example_sections):
    units, furniture = example_sections.units, example_sections.furniture
    text = " ".join(units["text"])
    for fragment in (
        "The picture shows",
        "WeChat",
        "Editor in charge",
        "Author:",
        ">>",
        "Source:",
        "Zheng Yongbo",
    ):
        assert fragment not in text, fragment
    counts = furniture.query("doc_id == @QIUSHI")["reason"].value_counts().to_dict()
    assert counts == {
        "photo caption": 4,
        "share button": 4,
        "breadcrumb": 1,
        "date and source line": 1,
        "author line": 1,
        "editor line": 1,
    }
    assert (furniture.query("doc_id == @NEWS")).empty
    assert list(furniture.columns) == ["doc_id", "line", "text", "reason"]


def test_unit_table_columns_order_and_ids(example_units):
    required = [
        "doc_id",
        "unit_id",
        "part",
        "part_title",
        "section",
        "section_title",
        "paragraph",
        "text",
        "n_tokens",
        "label",
        "title",
        "author",
    ]
    assert set(required) <= set(example_units.columns)
    assert example_units["unit_id"].is_unique
    for _, doc in example_units.groupby("doc_id", sort=False):
        assert doc["line"].is_monotonic_increasing
        assert doc[["part", "section"]].apply(tuple, axis=1).is_monotonic_increasing
        assert doc.groupby(["part", "section"])["label"].nunique().eq(1).all()
        assert doc.drop_duplicates(["part", "section"])["label"].is_unique
    assert (example_units["n_tokens"] > 0).all()
    assert example_units["doc_id"].drop_duplicates().tolist() == [QIUSHI, NEWS]


def test_closing_rule_can_be_turned_off(example_corpus_path):
    rules = ctm.SectioningRules(closing=False)
    units = ctm.read_corpus(example_corpus_path, rules=rules)
    structure = dict(_structure(units, QIUSHI))
    assert "Closing" not in structure
    assert structure["3.5 Fifth"] == 2


def test_section_units_join_paragraphs(example_corpus_path, example_units):
    sections = ctm.read_corpus(example_corpus_path, unit="section")
    assert len(sections) == len(QIUSHI_STRUCTURE) + len(NEWS_STRUCTURE)
    joined = example_units.groupby(["doc_id", "part", "section"], sort=False)["text"].agg(
        "\n\n".join
    )
    assert sections["text"].tolist() == joined.tolist()
    assert (sections["paragraph"] == 1).all()


def test_sentence_windows_stay_inside_sections(example_corpus_path, example_units):
    windows = ctm.read_corpus(example_corpus_path, unit="sentences", window=3)
    assert (windows["text"].map(lambda t: len(ctm.split_sentences(t))) <= 3).all()
    assert len(windows) > len(example_units)
    for key, group in windows.groupby(["doc_id", "part", "section"], sort=False):
        source = example_units.set_index(["doc_id", "part", "section"]).loc[[key], "text"]
        assert " ".join(group["text"]).split() == " ".join(source).split()


def test_split_sentences_keeps_abbreviations():
    text = "The U.S. and Mr. Smith met at 5 p.m. in No. 10. Then they left! Did they? Yes."
    assert ctm.split_sentences(text) == [
        "The U.S. and Mr. Smith met at 5 p.m. in No. 10.",
        "Then they left!",
        "Did they?",
        "Yes.",
    ]


def _write(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("headings", "style"),
    [
        (["I. Security", "II. Prosperity", "III. Values"], "I."),
        (["一、 安全", "二、 发展", "三、 价值"], "一、"),
        (["1. Security", "2. Prosperity", "3. Values"], "1."),
        (["Part One: Security", "Part Two: Prosperity", "Part Three: Values"], "Part One"),
        (["# Security", "# Prosperity", "# Values"], "markdown #"),
    ],
)
def test_part_heading_styles(tmp_path, headings, style):
    body = "\n\n".join(
        f"{h}\n\nText of part {i} goes here. It has two sentences."
        for i, h in enumerate(headings, start=1)
    )
    _write(tmp_path, "doc.md", "A title\n\nAn introduction.\n\n" + body + "\n")
    sections = ctm.split_sections(ctm.load_documents(tmp_path))
    parts = sections.headings.query("level == 'part'")
    assert parts["number"].tolist() == [1, 2, 3]
    assert parts["style"].unique().tolist() == [style]
    assert sections.units["part"].tolist() == [0, 0, 1, 2, 3]


def test_user_pattern_is_recognised(tmp_path):
    text = "Chapter 1 - Land\n\nLand text here.\n\nChapter 2 - Sea\n\nSea text here.\n"
    _write(tmp_path, "doc.txt", text)
    with pytest.warns(UserWarning, match="no part or sub-section headings"):
        plain = ctm.read_corpus(tmp_path)
    assert (plain["part"] == 0).all()
    rules = ctm.SectioningRules().add_part_pattern(
        "Chapter", r"^Chapter (?P<number>\d+) - (?P<title>.+)$"
    )
    units = ctm.read_corpus(tmp_path, rules=rules)
    assert units["part_title"].tolist() == ["Land", "Sea"]


def test_invalid_pattern_is_a_config_error():
    with pytest.raises(ctm.ConfigError, match="named groups"):
        ctm.SectioningRules().add_part_pattern("bad", r"^Chapter (\d+)$")
    with pytest.raises(ctm.ConfigError, match="invalid regex"):
        ctm.HeadingPattern("bad", r"^(?P<number>\d+(?P<title>")
    with pytest.raises(ctm.ConfigError, match="unit"):
        ctm.split_sections(pd.DataFrame({"doc_id": ["a"], "text": ["x"]}), unit="page")


def test_ordinal_list_inside_prose_is_not_a_sub_section(tmp_path):
    prose = " ".join(f"Sentence {i} of a long introduction." for i in range(60))
    text = (
        f"1、 Part one\n\n{prose}\n\nFirst, a short point.\n\nSecond, another short point.\n\n"
        f"2、 Part two\n\nMore text in part two.\n"
    )
    _write(tmp_path, "doc.txt", text)
    units = ctm.read_corpus(tmp_path)
    assert (units["section"] == 0).all()
    assert units["part"].tolist() == [1, 1, 1, 2]


# --- the US National Security Strategy corpus: OCR noise --------------------------------------


@pytest.fixture(scope="module")
def nss_sections(nss_corpus_path):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*no part or sub-section headings")
        return ctm.split_sections(ctm.load_documents(nss_corpus_path))


def test_nss_2015_parts(nss_sections):
    parts = nss_sections.headings.query(
        "doc_id == '2015_national_security_strategy' and level == 'part'"
    )
    assert parts["title"].tolist() == [
        "Introduction",
        "Security",
        "Prosperity",
        "Values",
        "International Order",
        "Conclusion",
    ]
    assert parts["number"].tolist() == [1, 2, 3, 4, 5, 6]


def test_nss_table_of_contents_and_running_headers_are_not_headings(nss_sections, nss_corpus_path):
    headings = nss_sections.headings
    assert not headings["title"].str.contains(r"(?:\.\s?){4,}").any()
    assert not headings["title"].map(ctm.furniture.is_letter_spaced).any()
    for _, doc in headings.query("level == 'part'").groupby("doc_id"):
        assert doc["number"].is_monotonic_increasing
        assert doc["number"].is_unique
    furniture = nss_sections.furniture.query("doc_id == '2015_national_security_strategy'")
    toc_line = furniture.query("reason == 'table of contents'")["line"].tolist()
    header_lines = furniture.query("reason == 'running header'")["text"].tolist()
    lines = (nss_corpus_path / "2015_national_security_strategy.txt").read_text().split("\n")
    assert any(lines[n - 1].startswith("I. Introduction . . .") for n in toc_line)
    assert sum(h.startswith("V. I N T") for h in header_lines) == 2
    units = nss_sections.units
    assert not units["text"].str.contains(r"(?:\. ){6,}").any()


def test_nss_every_document_has_units(nss_sections):
    counts = nss_sections.units.groupby("doc_id").size()
    assert len(counts) == 16
    assert (counts > 100).all()


# --- the UN General Debate corpus: no headings, BOM and CR line ends --------------------------


def test_un_speech_with_bom_and_cr_line_ends(un_corpus_path, tmp_path):
    original = (un_corpus_path / "AFG_75_2020.txt").read_text(encoding="utf-8")
    (tmp_path / "lf.txt").write_text(original, encoding="utf-8", newline="\n")
    (tmp_path / "bom_cr.txt").write_bytes(
        b"\xef\xbb\xbf" + original.replace("\n", "\r").encode("utf-8")
    )
    (tmp_path / "crlf.txt").write_bytes(original.replace("\n", "\r\n").encode("utf-8"))
    with pytest.warns(UserWarning, match="3 of 3 documents have no part"):
        units = ctm.read_corpus(tmp_path)
    by_doc = {doc: group["text"].tolist() for doc, group in units.groupby("doc_id")}
    assert by_doc["bom_cr"] == by_doc["lf"] == by_doc["crlf"]
    assert not units["text"].str.contains("\r|\ufeff").any()
    assert (units["section_kind"] == "body").all()
    assert (units["label"] == "Text").all()
    assert len(by_doc["lf"]) > 20  # one unit per paragraph line


@pytest.mark.slow
def test_un_corpus_loads_whole(un_corpus_path):
    with pytest.warns(UserWarning, match="documents have no part or sub-section headings"):
        sections = ctm.split_sections(ctm.load_documents(un_corpus_path))
    units = sections.units
    assert units["doc_id"].nunique() == 959
    assert units["n_tokens"].sum() > 1_500_000
    headless = units.groupby("doc_id")["section_kind"].agg(lambda k: set(k) == {"body"})
    assert headless.mean() > 0.9
    markdown = sections.headings.query("doc_id == 'HTI_79_2024'")
    assert (markdown["style"].str.startswith("markdown")).all()
    assert len(markdown) >= 3


def test_progress_bar_over_documents(example_corpus_path, example_units, capsys):
    shown = ctm.read_corpus(example_corpus_path, progress=True)
    assert "sections: 100%" in capsys.readouterr().err
    pd.testing.assert_frame_equal(shown, example_units)
    ctm.read_corpus(example_corpus_path)  # two documents: no bar by default
    assert capsys.readouterr().err == ""
