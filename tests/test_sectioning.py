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


def test_progress_bar_over_documents(
    example_corpus_path, example_units, capsys, no_progress_delay
):
    shown = ctm.read_corpus(example_corpus_path, progress=True)
    assert "sections: 100%" in capsys.readouterr().err
    pd.testing.assert_frame_equal(shown, example_units)
    ctm.read_corpus(example_corpus_path)  # two documents: no bar by default
    assert capsys.readouterr().err == ""


# --- numbering continuity, OCR headings, lettered sub-sections (issue 12) ----------------------

NSS_2006 = "2006_national_security_strategy"


def _doc(text, doc_id="doc"):
    return pd.DataFrame({"doc_id": [doc_id], "text": [text]})


def _numbered(numbers):
    return "\n\n".join(
        f"{n}. Heading {i}\n\nText of the part, two sentences here. Yes."
        for i, n in enumerate(numbers)
    )


def test_gap_is_kept_warned_and_audited():
    text = "Preface text.\n\n" + _numbered(["I", "II", "IV", "V"])
    with pytest.warns(
        ctm.SectioningWarning, match=r"1 part-numbering anomaly in 1 document \(doc\)"
    ):
        sections = ctm.split_sections(_doc(text))
    assert sections.headings.query("level == 'part'")["number"].tolist() == [1, 2, 4, 5]
    row = sections.numbering.iloc[0]
    assert (row["doc_id"], row["kind"], row["expected"], row["found"]) == ("doc", "gap", 3, 4)
    assert row["detail"] == "part III not found: II is followed by IV"
    assert row["line"] == text.split("\n").index("IV. Heading 2") + 1


def test_repeat_and_out_of_order_numbers_are_dropped_and_audited():
    text = "Preface text.\n\n" + _numbered(["I", "II", "II", "III", "I", "IV"])
    with pytest.warns(ctm.SectioningWarning, match="2 part-numbering anomalies"):
        sections = ctm.split_sections(_doc(text))
    assert sections.headings.query("level == 'part'")["number"].tolist() == [1, 2, 3, 4]
    assert sections.numbering["kind"].tolist() == ["repeat", "out_of_order"]
    assert sections.numbering[["expected", "found"]].to_numpy().tolist() == [[3, 2], [4, 1]]


def test_strict_rules_make_numbering_anomalies_an_error():
    text = "Preface text.\n\n" + _numbered(["I", "II", "IV"])
    with pytest.raises(ctm.InputError, match=r"doc line \d+: gap \(part III not found"):
        ctm.split_sections(_doc(text), rules=ctm.SectioningRules(strict=True))
    clean = "Preface text.\n\n" + _numbered(["I", "II", "III"])
    sections = ctm.split_sections(_doc(clean), rules=ctm.SectioningRules(strict=True))
    assert sections.numbering.empty


def test_nss_2006_without_heading_3_reports_the_gap(nss_corpus_path):
    text = ctm.load_documents(nss_corpus_path).set_index("doc_id").loc[NSS_2006, "text"]
    lines = text.split("\n")
    assert lines[292].startswith("III. Strengthen Alliances")
    lines[292] = "Strengthen Alliances to Defeat Global Terrorism and Work to Prevent Attacks"
    with pytest.warns(ctm.SectioningWarning, match=NSS_2006):
        sections = ctm.split_sections(_doc("\n".join(lines), NSS_2006))
    assert sections.numbering[["line", "kind", "expected", "found"]].to_numpy().tolist() == [
        [506, "gap", 3, 4]
    ]
    with pytest.raises(ctm.InputError, match=f"{NSS_2006} line 506: gap"):
        ctm.split_sections(_doc("\n".join(lines), NSS_2006), rules=ctm.SectioningRules(strict=True))


@pytest.mark.parametrize(
    ("heading", "number"),
    [("III.", 3), ("111.", 3), ("Ill.", 3), ("I11.", 3), ("lII.", 3), ("Iv.", 4), ("IV .", 4)],
)
def test_ocr_roman_numerals(heading, number):
    text = _numbered(["I", "II"]) + f"\n\n{heading} Third heading\n\nMore text here. Fine."
    if number == 4:
        text = text.replace(
            f"{heading} Third", f"III. Third heading\n\nText. Yes.\n\n{heading} Four"
        )
    sections = ctm.split_sections(_doc(text))
    assert sections.headings.query("level == 'part'")["number"].tolist()[-1] == number


def test_arabic_list_numbers_are_not_roman_parts():
    text = "Opening words of the speech.\n\n1. We call for peace.\n\n11. We call for more."
    with pytest.warns(UserWarning, match="no part or sub-section headings"):
        sections = ctm.split_sections(_doc(text))
    assert sections.headings.empty


def test_run_on_wrapped_and_bare_number_headings():
    text = (
        "Preface text.\n\n"
        "I. Regional Challenges and Responses Although we are a global power, we act.\n\n"
        "II. Advancing our Interests Through\n"
        "Engagement and Enlargement The dawn of the era is here.\n\n"
        "III.\n"
        "What We Seek ... Our Interests And Objectives The vision is one of freedom.\n"
    )
    sections = ctm.split_sections(_doc(text))
    parts = sections.headings.query("level == 'part'")
    assert parts["title"].tolist() == [
        "Regional Challenges and Responses",
        "Advancing our Interests Through Engagement and Enlargement",
        "What We Seek ... Our Interests And Objectives",
    ]
    assert sections.units["text"].tolist() == [
        "Preface text.",
        "Although we are a global power, we act.",
        "The dawn of the era is here.",
        "The vision is one of freedom.",
    ]
    assert sections.units["part"].tolist() == [0, 1, 2, 3]


def test_nss_2006_lettered_sub_sections(nss_sections):
    sections = nss_sections.headings.query(
        "doc_id == @NSS_2006 and level == 'section' and line > 293 and line < 506"
    )
    assert sections["title"].tolist() == [
        "Summary of National Security Strategy 2002",
        "Current Context: Successes and Challenges",
        "The Way Ahead",
    ]
    units = nss_sections.units.query("doc_id == @NSS_2006 and part == 3")
    assert units["section"].drop_duplicates().tolist() == [1, 2, 3]
    assert units["label"].drop_duplicates().tolist() == [
        "3.1 A. Summary of National…",
        "3.2 B. Current Context…",
        "3.3 C. The Way Ahead",
    ]
    assert units["text"].iloc[0].startswith("Defeating terrorism requires")


def test_repeated_lettered_headings_are_not_running_headers(nss_sections):
    furniture = nss_sections.furniture.query("doc_id == @NSS_2006")
    assert not furniture["text"].str.match(r"[A-C]\. ").any()
    lines = ctm.furniture.line_furniture(
        [
            "B. Context",
            "one",
            "B. Context",
            "two",
            "B. Context",
            "three",
            "Header",
            "a",
            "Header",
            "b",
            "Header",
            "c",
        ]
    )
    assert lines == [None] * 6 + ["running header", None] * 3
    same = ctm.furniture.line_furniture(["B. Context", "The same text."] * 3)
    assert same == ["running header", None] * 3


# --- UN speeches that get headings (issue 12): each checked by reading it ----------------------

UN_WITH_PARTS = {  # numbered or Markdown headings printed in the speech
    "HTI_79_2024": 9,
    "JPN_79_2024": 3,
    "NRU_79_2024": 7,
    "PRY_79_2024": 13,
    "SLV_79_2024": 4,
}
UN_WITHOUT_HEADINGS = {  # ordinal lists inside prose, page markers: no structure
    "BFA_78_2023",
    "CHL_75_2020",
    "ERI_77_2022",
    "FIN_79_2024",
    "RUS_79_2024",
}


@pytest.fixture(scope="module")
def un_checked(un_corpus_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("un")
    for doc_id in [*UN_WITH_PARTS, *UN_WITHOUT_HEADINGS]:
        (folder / f"{doc_id}.txt").write_bytes((un_corpus_path / f"{doc_id}.txt").read_bytes())
    with pytest.warns(UserWarning, match="5 of 10 documents have no part"):
        return ctm.split_sections(ctm.load_documents(folder))


def test_un_speeches_with_printed_headings(un_checked):
    parts = un_checked.headings.query("level == 'part'").groupby("doc_id").size()
    assert parts.to_dict() == UN_WITH_PARTS
    assert un_checked.numbering.empty


def test_un_lists_and_page_markers_are_not_structure(un_checked):
    assert not un_checked.headings["doc_id"].isin(UN_WITHOUT_HEADINGS).any()
    markers = un_checked.furniture.query("doc_id == 'RUS_79_2024' and reason == 'page number'")
    assert markers["text"].str.startswith("### Page").sum() == 7


def test_sections_check_reports_each_document_and_fails_on_gaps(tmp_path, capsys):
    from corpus_tm.cli import main

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text(
        "Preface text.\n\n" + _numbered(["I", "II", "III"]), encoding="utf-8"
    )
    assert main(["sections", str(folder), "--check"]) == 0
    out = capsys.readouterr().out
    assert "1 documents: no gap" in out
    assert "good" in out
    (folder / "gap.txt").write_text(
        "Preface text.\n\n" + _numbered(["I", "II", "IV", "V"]), encoding="utf-8"
    )
    assert main(["sections", str(folder), "--check"]) == 1
    out = capsys.readouterr().out
    assert "1 part-numbering anomalies" in out
    assert "part III not found: II is followed by IV" in out


def test_document_audit_lists_headings_furniture_and_reflow(example_corpus_path):
    sections = ctm.split_sections(ctm.load_documents(example_corpus_path))
    audit = sections.documents.set_index("doc_id")
    assert audit.loc["qiushi-2020-08", "n_part_headings"] == 3
    assert audit.loc["qiushi-2020-08", "n_section_headings"] == 11
    assert audit.loc["qiushi-2020-08", "n_furniture"] == 12
    assert "photo caption 4" in audit.loc["qiushi-2020-08", "furniture"]
    assert not audit["reflowed"].any()
    assert "reflowed" not in sections.units.columns
