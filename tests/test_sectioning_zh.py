"""Sectioning of Chinese documents: the seven PRC security laws (chapters, sections and
articles against a count made here from the raw files), Chinese policy outlines, the
numbering audit, per-document languages and Chinese page furniture (issue 15).

The laws' sentence and word rules are not under test here: the documents are given a toy
language (``hanzi``, registered for the test), so the trees do not depend on the Chinese
language module.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from pathlib import Path

import pandas as pd
import pytest

import corpus_tm as ctm
from corpus_tm import language as language_module
from corpus_tm.cli import main
from corpus_tm.errors import ConfigError
from corpus_tm.language import English, available_languages, register_language
from corpus_tm.sectioning import _read_chinese, _to_chinese, count_words

LAWS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "prc-security-laws-zh" / "texts"
LAW_IDS = [
    "national-defense-law-2020",
    "counter-terrorism-law-2018",
    "cybersecurity-law-2016",
    "nuclear-safety-law-2017",
    "biosecurity-law-2024",
    "food-security-law-2023",
    "counter-espionage-law-2023",
]


class Hanzi(English):
    """A toy language for Chinese text: sentences end at ``。！？``, a word is a Han
    character or a run of Latin letters or digits."""

    code = "hanzi"
    name = "Hanzi"

    def split_sentences(self, text: str) -> list[str]:
        return [s.strip() for s in re.findall(r"[^。！？!?]+[。！？!?]*", text) if s.strip()]

    def count_words(self, text: str) -> int:
        return len(re.findall(r"[\u4e00-\u9fff]|[A-Za-z0-9]+", text))


@pytest.fixture(scope="module")
def hanzi():
    """The toy language, registered for one module (the registry is restored afterwards)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(language_module, "_REGISTRY", dict(language_module._REGISTRY))
        register_language(Hanzi())
        yield "hanzi"


@pytest.fixture(scope="module")
def law_documents(hanzi):
    if not LAWS.exists():
        pytest.fail(f"{LAWS} is missing: the tests need ../shared beside the repository.")
    documents = ctm.load_documents(LAWS)
    assert sorted(documents["doc_id"]) == sorted(LAW_IDS)
    assert (documents["language"] == "zh").all()  # metadata.csv says so; tested here with
    return documents.assign(language=hanzi)  # the toy language


@pytest.fixture(scope="module")
def laws(law_documents):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numbering warning, no document without headings
        return ctm.split_sections(law_documents, unit="article")


def _doc(text: str, doc_id: str = "doc", language: str | None = None) -> pd.DataFrame:
    frame = pd.DataFrame({"doc_id": [doc_id], "text": [ctm.normalize_text(text)]})
    if language:
        frame["language"] = language
    return frame


# --- the expected tree, counted here from the raw Markdown file ---------------------------


def _raw_outline(doc_id: str) -> list[dict]:
    """Chapters (``## 第X章 title``), their sections (``### 第X节 title``) and the articles
    (paragraphs opening with ``第X条`` and a space) in each, with each article's first line
    number and its text (its lines up to the next article or heading, normalised)."""
    lines = (LAWS / f"{doc_id}.md").read_text(encoding="utf-8").split("\n")
    chapters: list[dict] = []
    article: dict | None = None
    for number, line in enumerate(lines, start=1):
        text = ctm.normalize_text(line)
        chapter = re.match(r"^## 第(\S+)章\s*(.*)$", line)
        section = re.match(r"^### 第(\S+)节\s*(.*)$", line)
        start = re.match(r"^(第\S+?条) ", line)
        if chapter:
            chapters.append({"title": re.sub(r"\s", "", chapter[2]), "sections": [("", [])]})
            article = None
        elif section:
            chapters[-1]["sections"].append((section[2], []))
            article = None
        elif start:
            article = {"label": start[1], "line": number, "paragraphs": [text]}
            chapters[-1]["sections"][-1][1].append(article)
        elif text and article is not None:
            article["paragraphs"].append(text)
    for chapter in chapters:  # a chapter with sections has no text before the first one
        if not chapter["sections"][0][1]:
            chapter["sections"] = chapter["sections"][1:] or [("", [])]
    return chapters


def _tree(units: pd.DataFrame, doc_id: str) -> list[tuple]:
    units = units[(units["doc_id"] == doc_id) & (units["article"] > 0)]
    tree = []
    for (part, _), chapter in units.groupby(["part", "part_title"], sort=False):
        sections = [
            (title, chapter.loc[chapter["section"] == section, "article_label"].tolist())
            for section, title in chapter[["section", "section_title"]]
            .drop_duplicates()
            .itertuples(index=False)
        ]
        tree.append((part, chapter["part_title"].iloc[0], sections))
    return tree


def _expected_tree(doc_id: str) -> list[tuple]:
    return [
        (number, chapter["title"], [(t, [a["label"] for a in arts]) for t, arts in sections])
        for number, chapter in enumerate(_raw_outline(doc_id), start=1)
        for sections in [chapter["sections"]]
    ]


@pytest.mark.parametrize("doc_id", ["national-defense-law-2020", "cybersecurity-law-2016"])
def test_chapter_section_and_article_tree_is_the_files(laws, doc_id):
    expected = _expected_tree(doc_id)
    assert len(expected) >= 7
    assert _tree(laws.units, doc_id) == expected
    articles = [a for c in _raw_outline(doc_id) for _, arts in c["sections"] for a in arts]
    units = laws.units.query("doc_id == @doc_id and article > 0")
    assert units["line"].tolist() == [a["line"] for a in articles]
    assert units["text"].tolist() == ["\n\n".join(a["paragraphs"]) for a in articles]
    assert units["article"].tolist() == list(range(1, len(articles) + 1))


def test_national_defense_law_has_twelve_chapters_and_73_articles(laws):
    """Numbers read off the law (the count above is made by the same kind of regex)."""
    units = laws.units.query("doc_id == 'national-defense-law-2020' and article > 0")
    assert units["part"].max() == 12
    assert units["article"].max() == 73
    chapters = units.drop_duplicates("part")
    assert chapters["part_label"].tolist()[:3] == ["第一章", "第二章", "第三章"]
    assert chapters["part_title"].iloc[0] == "总则"  # "## 第一章 总 则" in the file
    assert units.set_index("article").loc[25, "article_label"] == "第二十五条"


@pytest.mark.parametrize("doc_id", LAW_IDS)
def test_every_law_is_numbered_without_gaps(laws, doc_id):
    raw = (LAWS / f"{doc_id}.md").read_text(encoding="utf-8")
    n_articles = len(re.findall(r"(?m)^第\S+?条 ", raw))
    n_chapters = len(re.findall(r"(?m)^## 第\S+?章", raw))
    units = laws.units.query("doc_id == @doc_id")
    articles = units.loc[units["article"] > 0, "article"]
    assert articles.tolist() == list(range(1, n_articles + 1))  # one unit per article
    assert units.loc[units["article"] > 0, "part"].drop_duplicates().tolist() == list(
        range(1, n_chapters + 1)
    )
    # what is not an article: the adoption and amendment dates before the first chapter
    rest = units[units["article"] == 0]
    assert (rest["part"] == 0).all()
    assert rest["text"].str.contains("通过|修正|修订").all()
    audit = laws.documents.set_index("doc_id").loc[doc_id]
    assert audit["numbering_anomalies"] == 0
    assert audit["n_articles"] == n_articles
    assert audit["n_part_headings"] == n_chapters
    assert laws.furniture.query("doc_id == @doc_id")["text"].tolist() == ["<!-- INFO END -->"]
    assert laws.numbering.empty


def test_only_the_cybersecurity_law_has_sections(laws):
    headings = laws.headings.query("level == 'section'")
    assert headings["doc_id"].unique().tolist() == ["cybersecurity-law-2016"]
    raw = (LAWS / "cybersecurity-law-2016.md").read_text(encoding="utf-8")
    titles = re.findall(r"(?m)^### 第\S+节 (.*)$", raw)
    assert headings["title"].tolist() == titles == ["一般规定", "关键信息基础设施的运行安全"]
    assert headings["number"].tolist() == [1, 2]
    units = laws.units.query("doc_id == 'cybersecurity-law-2016' and section > 0")
    assert (units["part"] == 3).all()
    assert units["label"].drop_duplicates().tolist() == [
        "3.1 第一节 一般规定",
        "3.2 第二节 关键信息基础设施的运行安全",
    ]


def test_paragraph_units_keep_their_article(law_documents):
    paragraphs = ctm.split_sections(law_documents).units
    articles = ctm.split_sections(law_documents, unit="article").units
    assert len(paragraphs) > len(articles)
    inside = paragraphs[paragraphs["article"] > 0]
    joined = inside.groupby(["doc_id", "article"], sort=False)["text"].agg("\n\n".join)
    assert joined.tolist() == articles.loc[articles["article"] > 0, "text"].tolist()
    # the items of an article ((一) ...) are paragraphs of their article, not sub-sections:
    # every paragraph of an article is in the chapter and section of its first paragraph
    items = inside[inside["text"].str.match(r"^\([一二三四五六七八九十]+\)")]
    assert len(items) > 100
    places = inside.groupby(["doc_id", "article"])[["part", "section"]].nunique()
    assert (places == 1).all().all()
    assert not paragraphs.query("doc_id != 'cybersecurity-law-2016'")["section"].any()


def test_section_units_drop_the_article(law_documents):
    sections = ctm.split_sections(law_documents, unit="section").units
    assert (sections["article"] == 0).all()
    assert (sections["article_label"] == "").all()


# --- planted numbering faults -------------------------------------------------------------


def _law_text(law_documents, doc_id: str) -> str:
    return law_documents.set_index("doc_id").loc[doc_id, "text"]


def test_a_missing_article_is_reported(law_documents, hanzi):
    lines = _law_text(law_documents, "national-defense-law-2020").split("\n")
    tenth = next(i for i, line in enumerate(lines) if line.startswith("第十条 "))
    eleventh = next(i for i, line in enumerate(lines) if line.startswith("第十一条 "))
    lines[tenth] = ""  # the article's first paragraph goes; its second stays in 第九条
    documents = _doc("\n".join(lines), "defense", hanzi)
    warning = r"1 numbering anomaly in 1 document \(defense\)"
    with pytest.warns(ctm.SectioningWarning, match=warning):
        sections = ctm.split_sections(documents, unit="article")
    row = sections.numbering.iloc[0]
    assert len(sections.numbering) == 1
    found = (row["kind"], row["expected"], row["found"], row["line"])
    assert found == ("gap", 10, 11, eleventh + 1)
    assert row["detail"] == "article 第十条 not found: 第九条 is followed by 第十一条"
    assert sections.units["article"].max() == 73
    assert 10 not in set(sections.units["article"])
    with pytest.raises(ctm.InputError, match=r"defense line \d+: gap \(article 第十条 not found"):
        ctm.split_sections(documents, rules=ctm.SectioningRules(strict=True))


def test_a_repeated_or_lower_article_number_is_reported_and_not_an_article(law_documents, hanzi):
    lines = _law_text(law_documents, "counter-espionage-law-2023").split("\n")
    sixth = next(i for i, line in enumerate(lines) if line.startswith("第六条 "))
    seventh = next(i for i, line in enumerate(lines) if line.startswith("第七条 "))
    lines[seventh] = lines[seventh].replace("第七条", "第六条", 1)
    with pytest.warns(ctm.SectioningWarning):
        sections = ctm.split_sections(_doc("\n".join(lines), "espionage", hanzi), unit="article")
    numbering = sections.numbering
    assert numbering[["kind", "expected", "found", "line"]].to_numpy().tolist() == [
        ["repeat", 7, 6, seventh + 1],
        ["gap", 7, 8, next(i for i, x in enumerate(lines) if x.startswith("第八条 ")) + 1],
    ]
    sixth_unit = sections.units.set_index("article").loc[6]
    assert sixth_unit["line"] == sixth + 1
    assert lines[seventh] in sixth_unit["text"]  # the repeated one runs on in article 6


def test_a_missing_chapter_heading_is_reported(law_documents, hanzi):
    lines = _law_text(law_documents, "food-security-law-2023").split("\n")
    third = next(i for i, line in enumerate(lines) if line.startswith("## 第三章"))
    lines[third] = ""
    with pytest.warns(ctm.SectioningWarning, match="food"):
        sections = ctm.split_sections(_doc("\n".join(lines), "food", hanzi))
    row = sections.numbering.iloc[0]
    assert (row["kind"], row["expected"], row["found"]) == ("gap", 3, 4)
    assert row["detail"] == "chapter 第三章 not found: 第二章 is followed by 第四章"
    assert sections.headings.query("level == 'part'")["number"].tolist() == [
        1, 2, 4, 5, 6, 7, 8, 9, 10, 11
    ]


@pytest.mark.parametrize("markdown", [True, False], ids=["markdown", "plain"])
def test_a_missing_section_heading_is_reported(law_documents, hanzi, markdown):
    text = _law_text(law_documents, "cybersecurity-law-2016").replace("### 第一节 一般规定", "")
    if not markdown:
        text = re.sub(r"(?m)^#{2,3} ", "", text)
    with pytest.warns(ctm.SectioningWarning, match="1 numbering anomaly"):
        sections = ctm.split_sections(_doc(text, "cyber", hanzi))
    assert sections.numbering["detail"].tolist() == [
        "section 第一节 not found in 第三章: the first is 第二节"
    ]
    headings = sections.headings.query("level == 'section'")
    assert headings[["number", "title"]].to_numpy().tolist() == [[2, "关键信息基础设施的运行安全"]]


def test_articles_can_be_turned_off(law_documents):
    rules = ctm.SectioningRules(articles=False)
    units = ctm.split_sections(law_documents, unit="article", rules=rules).units
    paragraphs = ctm.split_sections(law_documents).units
    assert (units["article"] == 0).all()
    assert len(units) == len(paragraphs)  # without articles, article units are paragraphs


def test_plain_text_laws_give_the_same_tree(law_documents, hanzi):
    """Without Markdown: chapter and section headings as lines, and no blank lines at all."""
    doc_id = "cybersecurity-law-2016"
    text = _law_text(law_documents, doc_id)
    plain = re.sub(r"(?m)^#{2,3} ", "", text).replace("<!-- INFO END -->", "")
    dense = "\n".join(line for line in plain.split("\n") if line)
    for variant in (plain, dense):
        sections = ctm.split_sections(_doc(variant, doc_id, hanzi), unit="article")
        assert _tree(sections.units, doc_id) == _expected_tree(doc_id)
        assert sections.numbering.empty
        styles = sections.headings.query("level in ['part', 'section']")["style"].unique()
        assert styles.tolist() == ["第一章", "第一节 line"]


ARTICLE = (
    "第一条 为了保障网络安全，维护网络空间主权和国家安全、社会公共利益，保护公民、"
    "法人和其他组织的合法权益，促进经济社会信息化健康发展，制定本法。"
)


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i : i + width] for i in range(0, len(text), width))


def test_wrapped_chinese_lines_join_without_a_space(hanzi):
    """Lines of 45 characters (90 columns) with no blank line between paragraphs."""
    second = "第二条 在中华人民共和国境内建设、运营、维护和使用网络，适用本法。"
    last = "第三条 本法自公布之日起施行。"
    text = f"第一章 总则\n{_wrap(ARTICLE, 45)}\n{second}\n第二章 附则\n{last}"
    units = ctm.split_sections(_doc(text, language=hanzi), unit="article").units
    assert units["text"].tolist() == [
        ctm.normalize_text(ARTICLE),
        ctm.normalize_text(second),
        "第三条 本法自公布之日起施行。",
    ]
    assert units["part_title"].tolist() == ["总则", "总则", "附则"]


def test_a_hard_wrapped_chinese_file_is_reflowed(tmp_path, hanzi):
    """The first paragraphs of the cybersecurity law's first ten articles, wrapped at 30
    characters a line (60 columns), paragraphs apart by blank lines: the loader finds the
    wrap and joins the lines without spaces."""
    raw = (LAWS / "cybersecurity-law-2016.md").read_text(encoding="utf-8")
    articles = re.findall(r"(?m)^第\S+?条 .*$", raw)[:10]
    body = "\n\n".join(_wrap(a, 30) for a in articles)
    (tmp_path / "law.txt").write_text(
        f"第一章 总则\n\n{body}\n\n第二章 附则\n\n第十一条 本法自公布之日起施行。\n",
        encoding="utf-8",
    )
    documents = ctm.load_documents(tmp_path).assign(language=hanzi)
    assert documents["reflowed"].all()
    assert 55 <= documents["wrap_width"].iloc[0] <= 60  # columns: 30 characters, "," one
    units = ctm.split_sections(documents, unit="article").units
    expected = [ctm.normalize_text(a) for a in articles] + ["第十一条 本法自公布之日起施行。"]
    assert units["text"].tolist() == expected


# --- Chinese numerals ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("二十五", 25),
        ("九十九", 99),
        ("一百", 100),
        ("一百零二", 102),
        ("一百一十", 110),
        ("两", 2),
        ("两千", 2000),
        ("一千零五", 1005),
        ("25", 25),
    ],
)
def test_chinese_numerals(numeral, value):
    assert _read_chinese(numeral) == value


@pytest.mark.parametrize("numeral", ["", "零", "一一", "十十", "二十零", "百", "一百二", "第一"])
def test_malformed_numerals_are_not_numbers(numeral):
    assert _read_chinese(numeral) is None


def test_numerals_round_trip():
    assert [_to_chinese(n) for n in (1, 10, 11, 25, 102, 110, 1005)] == [
        "一", "十", "十一", "二十五", "一百零二", "一百一十", "一千零五"
    ]
    assert all(_read_chinese(_to_chinese(n)) == n for n in range(1, 10_000))


def test_articles_beyond_one_hundred(hanzi):
    text = "\n\n".join(f"第{_to_chinese(n)}条 第{n}个条文的内容。" for n in range(1, 131))
    text = f"第一章 总则\n\n{text}\n\n第二章 附则\n\n说明。"
    units = ctm.split_sections(_doc(text, language=hanzi)).units
    articles = units[units["article"] > 0]
    assert articles["article"].tolist() == list(range(1, 131))
    assert articles.set_index("article").loc[102, "article_label"] == "第一百零二条"


# --- Chinese policy outlines ----------------------------------------------------------------

POLICY = """关于加强国家安全工作的意见

为深入贯彻总体国家安全观，现提出如下意见。

一、总体要求

（一）指导思想。坚持以新时代中国特色社会主义思想为指导，统筹发展和安全。

（二）基本原则。坚持党的领导，坚持人民至上。

二、主要任务

（一）加强粮食安全

1．稳定粮食播种面积。严守耕地红线，确保粮食产量稳定。

2．加强粮食储备。完善储备体系，优化储备布局。

3．推进节粮减损。开展粮食节约行动。

（二）加强生物安全

1.健全监测预警体系。建立传染病监测网络。

2.强化实验室管理。落实生物安全责任。

三、保障措施

各地区各部门要加强组织领导，确保各项任务落到实处。
"""
POLICY_STRUCTURE = [  # label, section title, article labels of the units
    ("Preamble", "", ["", ""]),
    ("1.1 (一)指导思想", "指导思想", [""]),
    ("1.2 (二)基本原则", "基本原则", [""]),
    ("2.1 (一)加强粮食安全", "加强粮食安全", ["1.", "2.", "3."]),
    ("2.2 (二)加强生物安全", "加强生物安全", ["1.", "2."]),
    ("3", "", [""]),
]


def _outline(units: pd.DataFrame) -> list[tuple]:
    return [
        (label, group["section_title"].iloc[0], group["article_label"].tolist())
        for label, group in units.groupby("label", sort=False)
    ]


def test_policy_outline(hanzi):
    sections = ctm.split_sections(_doc(POLICY, "policy", hanzi))
    units = sections.units
    assert _outline(units) == POLICY_STRUCTURE
    parts = units.drop_duplicates("part")
    assert parts["part_label"].tolist() == ["Preamble", "一、", "二、", "三、"]
    assert parts["part_title"].tolist() == ["", "总体要求", "主要任务", "保障措施"]
    # a lead sentence heads its sub-section and stays in the unit; a heading line is no unit
    assert units["text"].str.startswith("(一)指导思想。坚持").any()
    assert not units["text"].isin(["(一)加强粮食安全", "(二)加强生物安全"]).any()
    styles = sections.headings.query("level == 'section'")["style"].tolist()
    assert styles == ["(一) sentence", "(一) sentence", "(一) line", "(一) line"]
    assert sections.numbering.empty


def test_policy_gaps_are_reported(hanzi):
    text = POLICY.replace("（二）基本原则", "（三）基本原则").replace("3．推进", "4．推进")
    with pytest.warns(ctm.SectioningWarning, match="2 numbering anomalies"):
        sections = ctm.split_sections(_doc(text, "policy", hanzi))
    assert sections.numbering["detail"].tolist() == [
        "sub-section (二) not found in 一、: (一) is followed by (三)",
        "item 3. not found in 二、, section 1: 2. is followed by 4.",
    ]
    # the parts and sub-sections found stay: nothing lands under the wrong heading
    assert _outline(sections.units)[2][0] == "1.3 (三)基本原则"


def test_markdown_policy_parts_keep_their_numbers(hanzi):
    text = re.sub(r"(?m)^([一二三]、)", r"## \1", POLICY)
    sections = ctm.split_sections(_doc(text, "policy", hanzi))
    assert _outline(sections.units) == POLICY_STRUCTURE
    assert sections.headings.query("level == 'part'")["style"].unique().tolist() == [
        "markdown ## 一、"
    ]
    with pytest.warns(ctm.SectioningWarning, match="2 part-numbering anomalies"):
        gap = ctm.split_sections(_doc(text.replace("## 二、", "## 三、", 1), "policy", hanzi))
    assert gap.numbering["detail"].tolist() == [
        "part 二 not found: 一 is followed by 三",
        "a second heading numbered 三; dropped",
    ]
    assert gap.headings.query("level == 'part'")["number"].tolist() == [1, 3]


def test_arabic_items_do_not_outrank_chinese_parts(hanzi):
    """More ``1.`` items than ``一、`` parts: the parts are still the ``一、`` headings."""
    items = "\n\n".join(f"{n}.第{n}项工作要抓好落实。" for n in range(1, 6))
    text = f"前言。\n\n一、第一部分\n\n{items}\n\n二、第二部分\n\n{items}"
    units = ctm.split_sections(_doc(text, language=hanzi)).units
    assert units.drop_duplicates("part")["part_title"].tolist() == ["", "第一部分", "第二部分"]
    assert units["article"].tolist() == [0, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5]


SPEECH = """在国家安全工作会议上的讲话

同志们：今天我们召开会议，研究部署国家安全工作。

{0}要坚持党的绝对领导。党的领导是做好国家安全工作的根本保证。各级党委要切实担负起领导责任。

{1}要坚持以人民安全为宗旨。国家安全一切为了人民，一切依靠人民。要筑牢国家安全的人民防线。

{2}要坚持统筹发展和安全。发展是安全的基础，安全是发展的条件。要实现发展和安全的动态平衡。
"""


@pytest.mark.parametrize(
    "words", [("第一，", "第二，", "第三，"), ("首先，", "其次，", "最后，")], ids=["第一", "首先"]
)
def test_lead_sentences_are_sub_sections(hanzi, words):
    sections = ctm.split_sections(_doc(SPEECH.format(*words), "speech", hanzi))
    units = sections.units
    heads = units[units["section"] > 0]
    assert heads["section"].tolist() == [1, 2, 3]
    assert heads["label"].tolist() == [w.rstrip("，") for w in words]
    assert heads["section_title"].tolist() == [
        ctm.normalize_text(words[0] + "要坚持党的绝对领导"),
        ctm.normalize_text(words[1] + "要坚持以人民安全为宗旨"),
        ctm.normalize_text(words[2] + "要坚持统筹发展和安全"),
    ]
    assert sections.headings["style"].unique().tolist() == ["ordinal sentence"]


def test_a_chinese_paragraph_is_no_heading(hanzi):
    """``一、`` before a sentence is a list item in prose, not a part heading."""
    text = (
        "前言。\n\n一、坚持党的领导，这是根本保证。\n\n二、坚持人民至上，这是根本立场。\n\n"
        "总之，要统筹发展和安全。"
    )
    with pytest.warns(ctm.CorpusTmWarning, match="no part or sub-section headings"):
        units = ctm.split_sections(_doc(text, language=hanzi)).units
    assert (units["part"] == 0).all()


# --- languages -----------------------------------------------------------------------------


def test_the_language_column_reaches_every_unit_and_its_rules(law_documents, hanzi):
    doc = law_documents[law_documents["doc_id"] == "counter-espionage-law-2023"]
    units = ctm.split_sections(doc, unit="sentences", window=2).units
    assert (units["language"] == hanzi).all()
    assert (units["n_tokens"] == units["text"].map(Hanzi().count_words)).all()
    assert (units["text"].map(lambda t: len(Hanzi().split_sentences(t))) <= 2).all()
    assert not units["text"].str.contains(r"。 ").any()  # sentences join without a space
    articles = ctm.split_sections(doc, unit="article").units.set_index("article")
    for article, windows in units[units["article"] > 0].groupby("article"):  # inside articles
        assert "".join(windows["text"]) == articles.loc[article, "text"].replace("\n\n", "")


def test_documents_of_two_languages(hanzi):
    documents = pd.concat(
        [
            _doc("第一章 总则\n\n第一条 甲。乙。\n\n第二章 附则\n\n第二条 丙。", "zh", hanzi),
            _doc("I. One\n\nAlpha beta. Gamma.\n\nII. Two\n\nDelta.", "en", "en"),
        ],
        ignore_index=True,
    )
    units = ctm.split_sections(documents, unit="sentences", window=1).units
    assert units.groupby("doc_id", sort=False)["text"].agg(list).to_dict() == {
        "zh": ["第一条 甲。", "乙。", "第二条 丙。"],
        "en": ["Alpha beta.", "Gamma.", "Delta."],
    }
    assert units["n_tokens"].tolist() == [4, 1, 4, 2, 1, 1]


def test_an_unknown_language_is_a_config_error_naming_the_document():
    assert "xx" not in available_languages()
    message = r"Document 'doc', column 'language': Unknown language 'xx'"
    with pytest.raises(ConfigError, match=message):
        ctm.split_sections(_doc("第一条 甲。", language="xx"))


def test_units_without_a_language_column_are_english(example_corpus_path):
    documents = ctm.load_documents(example_corpus_path)
    assert (documents["language"] == "en").all()  # from its metadata.csv
    with_column = ctm.split_sections(documents).units
    units = ctm.split_sections(documents.drop(columns="language")).units
    assert "language" not in units.columns
    pd.testing.assert_frame_equal(units, with_column.drop(columns="language"))
    assert (units["n_tokens"] == units["text"].map(count_words)).all()
    assert (units["article"] == 0).all()
    assert (units["article_label"] == "").all()


# --- page furniture ------------------------------------------------------------------------

FURNITURE = [
    ("page widget", "【字号 大 中 小】"),
    ("page widget", "【字号：大 中 小】【打印本页】【关闭窗口】"),
    ("page widget", "打印本页"),
    ("page widget", "关闭窗口"),
    ("share button", "分享到："),
    ("share button", "分享到：微信 微博 QQ空间"),
    ("share button", "扫一扫在手机打开当前页"),
    ("previous/next link", "上一篇：关于加强国家安全工作的意见"),
    ("previous/next link", "下一篇：国务院办公厅关于印发的通知"),
    ("editor line", "责任编辑：张三"),
    ("editor line", "（责任编辑：王五）"),
    ("editor line", "编辑：李四"),
    ("author line", "作者：王小明"),
    ("author line", "本报记者 张三 通讯员 李四"),
    ("date and source line", "来源：新华社"),
    ("date and source line", "发布时间：2023-05-01 10:00 来源：人民网"),
    ("date and source line", "2023年05月01日 10:20 来源：中国政府网"),
    ("photo caption", "图为民兵在边境巡逻。新华社记者 李贺 摄"),
]


def test_chinese_furniture_is_removed_and_audited(law_documents, hanzi):
    """A web page of a law: its text framed by furniture lines, one of each kind."""
    law = _law_text(law_documents, "cybersecurity-law-2016")
    body = law[law.index("## 第一章") :]
    head = [line for reason, line in FURNITURE[:9]]
    tail = [line for reason, line in FURNITURE[9:]]
    text = "\n\n".join([*head, "# 中华人民共和国网络安全法", body, *tail])
    sections = ctm.split_sections(_doc(text, "page", hanzi), unit="article")
    furniture = sections.furniture
    found = [ctm.normalize_text(line) for _, line in FURNITURE]
    assert furniture["text"].tolist() == found
    assert furniture["reason"].tolist() == [reason for reason, _ in FURNITURE]
    lines = ctm.normalize_text(text).split("\n")
    assert furniture["line"].tolist() == [lines.index(line) + 1 for line in found]
    units = sections.units
    assert not units["text"].isin(found).any()
    # the law itself is whole: every article, and the text that mentions 来源 in passing
    assert _tree(units, "page") == _expected_tree("cybersecurity-law-2016")
    sources = units[units["text"].str.contains("来源")]
    assert len(sources) == 2
    assert sources["text"].str.contains("来源于中华人民共和国境").all()
    audit = sections.documents.iloc[0]
    assert audit["n_furniture"] == len(FURNITURE)
    assert "page widget 4" in audit["furniture"]


@pytest.mark.parametrize(
    "line",
    [
        "来源于境外的生物安全风险应当加强防范。",
        "信息来源必须真实、准确。",
        "时间紧、任务重，必须加快推进。",
        "编辑出版物应当遵守国家规定。",
        "作者享有著作权。",
        "下一篇文章将讨论这个问题。",
        "打印机、复印机等办公设备的采购应当依法进行。",
        "关闭违法网站的决定由有关部门作出。",
        "记者张三表示，同意。",
        "2023年，国家安全工作取得新进展，来源：统计",
        "图书馆应当加强管理。",
    ],
)
def test_chinese_prose_is_not_furniture(line, hanzi):
    text = f"第一章 总则\n\n第一条 甲。\n\n{line}\n\n第二章 附则\n\n第二条 乙。"
    sections = ctm.split_sections(_doc(text, language=hanzi))
    assert sections.furniture.empty
    assert ctm.normalize_text(line) in sections.units["text"].tolist()


# --- command line --------------------------------------------------------------------------


def test_cli_prints_the_chapter_tree_of_the_laws(capsys, monkeypatch):
    """``corpus-tm sections`` on the law folder (its metadata says ``zh``: the Chinese
    language when it is registered, else a stand-in for this test)."""
    if "zh" not in available_languages():
        monkeypatch.setattr(language_module, "_REGISTRY", dict(language_module._REGISTRY))

        class StandIn(Hanzi):
            code = "zh"

        register_language(StandIn())
    assert main(["sections", str(LAWS), "--unit", "article", "--titles"]) == 0
    out = capsys.readouterr().out.splitlines()
    header = out[0].split()
    assert header == [
        "doc_id", "part", "part_title", "section", "label", "section_title", "n_units", "n_tokens"
    ]
    rows = [line.split() for line in out[1:]]
    defense = [r for r in rows if r[0] == "national-defense-law-2020"]
    assert len(defense) == 13  # the preamble and twelve chapters
    assert defense[1][:3] == ["national-defense-law-2020", "1", "总则"]
    n_units = {r[0]: 0 for r in rows}
    for r in rows:
        n_units[r[0]] += int(r[-2])
    raw = {d: (LAWS / f"{d}.md").read_text(encoding="utf-8") for d in LAW_IDS}
    preamble = {d: len(re.findall(r"(?m)^\d{4}年", raw[d])) for d in LAW_IDS}
    assert n_units == {
        d: len(re.findall(r"(?m)^第\S+?条 ", raw[d])) + preamble[d] for d in LAW_IDS
    }
    assert main(["sections", str(LAWS), "--check"]) == 0
    assert "7 documents: no gap" in capsys.readouterr().out


def test_nfkc_leaves_the_markers_readable():
    """The loader's NFKC turns full-width marks ASCII; the markers are read in both forms."""
    assert unicodedata.normalize("NFKC", "（一）１．") == "(一)1."
