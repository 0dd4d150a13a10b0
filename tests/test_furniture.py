"""Page-furniture rules remove furniture, never running prose (issue 12).

Each rule has lines it must flag (furniture seen in the example corpus or common in news pages)
and lines it must leave (prose, including wrapped prose lines that start with the rule's word).
"""

from __future__ import annotations

import pandas as pd
import pytest

import corpus_tm as ctm
from corpus_tm.furniture import (
    DEFAULT_LINE_RULES,
    FurnitureRule,
    is_caption,
    is_letter_spaced,
    line_furniture,
)


def _reason(line: str) -> str | None:
    return next((rule.reason for rule in DEFAULT_LINE_RULES if rule.matches(line)), None)


FURNITURE = [
    ("share button", 'WeChat "Scan" adds "Learning Power"'),
    ("share button", 'WeChat "Scan" added "People\'s Party Building Cloud"'),
    ("share button", "Share to WeChat"),
    ("share button", "Share: Facebook | Twitter | LinkedIn | Email"),
    ("share button", "Print this page"),
    ("share button", "Scan the QR code to follow us"),
    ("share button", "分享到：微信 微博 QQ空间"),
    ("editor line", "(Editor in charge: Chang Xuemei, Wang Keyuan)"),
    ("editor line", "Editor: Wang Wei"),
    ("editor line", "(Responsible editor: Li Hua)"),
    ("editor line", "（责任编辑：张三）"),
    (
        "author line",
        "Author: Deputy Director of the National Security Office of the Central Committee in "
        "charge of daily work, Head of the Ministry of National Security",
    ),
    ("author line", "Reporter: Zhang San"),
    ("breadcrumb", "CPC News Network >> Cadre Forum"),
    ("breadcrumb", "Home >> Politics >> Theory"),
    ("breadcrumb", "Home » News » World"),
    ("table of contents", "Introduction . . . . . . . . . . 5"),
    ("table of contents", "I. Introduction ..... 1 II. Security ..... 7 III. Prosperity ..... 15"),
]

PROSE = [
    ("share button", "share opportunities, meet challenges and contribute to"),
    ("share button", "Share the burden of collective defence with our allies and"),
    ("share button", "Email scams and ransomware cost small businesses"),
    ("share button", "Twitter has become a tool of state propaganda, and"),
    ("share button", "Print media remain the most trusted source of"),
    ("editor line", "Editor: What do you think of the new regulations?"),
    ("editor line", "editors: the government has decided to extend the"),
    ("editor line", "Editors (2019) argued that the treaty would fail"),
    ("author line", "Reporter: What measures will the ministry take next?"),
    ("author line", "reporters: the epidemic has spread to three more"),
    ("author line", "Authors: We thank the reviewers for their comments."),
    ("breadcrumb", "the so-called «peace plan» is a plan for capitulation"),
    ("breadcrumb", "peace plan» and the so-called security guarantees"),
    ("breadcrumb", "le plan de paix » et la souveraineté"),
    ("table of contents", "We waited..... 5 years, and " + "nothing changed. " * 30),
]


@pytest.mark.parametrize(("reason", "line"), FURNITURE)
def test_furniture_lines_are_flagged(reason, line):
    assert _reason(line) == reason


@pytest.mark.parametrize(("reason", "line"), PROSE)
def test_prose_lines_are_kept(reason, line):
    assert _reason(line) is None


def test_issue_12_line_is_kept_in_a_document():
    lines = [
        "We came to the United Nations to",
        "share opportunities, meet challenges and contribute to",
        "the common good of all nations.",
    ]
    assert line_furniture(lines) == [None, None, None]
    documents = pd.DataFrame({"doc_id": ["speech"], "text": ["\n".join(lines)]})
    with pytest.warns(UserWarning, match="no part or sub-section headings"):
        sections = ctm.split_sections(documents)
    assert sections.furniture.empty
    assert " ".join(lines) in " ".join(sections.units["text"])


@pytest.mark.parametrize(
    "line",
    [
        "V. I N T ER NAT I O NA L O R d ER",
        "I . I N T RO d U C T I O N",
        "I V. VA LU E S",  # no run of single letters, but no ordinary word either
        "F E B R U A R Y 2 0 1 5 NAT IONA L SECUR IT Y",
    ],
)
def test_letter_spaced_headers_are_flagged(line):
    assert is_letter_spaced(line)


@pytest.mark.parametrize(
    "line",
    [
        "2. A healthy and growing U .S. economy.",  # 1987 NSS, a numbered point
        "I am a U. S. citizen and a voter",
    ],
)
def test_prose_with_one_letter_words_is_not_letter_spaced(line):
    assert not is_letter_spaced(line)


def test_captions_start_rules_and_length_bound():
    assert is_caption("The picture shows the theme poster of National Security Education Day")
    assert is_caption("Photo by Zheng Yongbo")
    # reports refer to their figures in running text
    assert not is_caption("The figure below shows the decline in defence spending since 1990.")
    long_paragraph = "The picture shows that we must act. " + "We must act together. " * 80
    assert len(long_paragraph) > 1500
    assert not is_caption(long_paragraph)


def test_dot_leaders_need_one_leader_per_400_characters():
    rule = next(r for r in DEFAULT_LINE_RULES if r.chars_per_match is not None)
    toc = " ".join(f"Section {i} . . . . . . {i}" for i in range(1, 40))
    assert rule.matches(toc)
    assert not rule.matches("Introduction ..... 5 " + "and then the text goes on. " * 20)
    assert FurnitureRule("x", r"a", chars_per_match=2).matches("aaaa")
    assert not FurnitureRule("x", r"a", chars_per_match=2).matches("abbb")


def test_example_corpus_furniture_is_unchanged(example_corpus_path):
    furniture = ctm.split_sections(ctm.load_documents(example_corpus_path)).furniture
    counts = furniture.query("doc_id == 'qiushi-2020-08'")["reason"].value_counts().to_dict()
    assert counts == {
        "photo caption": 4,
        "share button": 4,
        "breadcrumb": 1,
        "date and source line": 1,
        "author line": 1,
        "editor line": 1,
    }
    shares = furniture.query("reason == 'share button'")["text"].tolist()
    assert shares.count('WeChat "Scan" adds "Learning Power"') == 2
    assert furniture.query("doc_id == 'news-2020-04-16'").empty


def _page(body: str, header: str = "NATIONAL SECURITY STRATEGY") -> list[str]:
    return [header, "", body, ""]


def test_repeated_lines_that_interrupt_sentences_are_running_headers():
    filler = "and the text of the page runs on in a long sentence over the page break to"
    lines = (
        _page("The strategy rests on three pillars " + filler)
        + _page("the next page, where it goes on " + filler)
        + _page("the page after that, " + filler)
        + _page("the end. Another page.")
    )
    reasons = line_furniture(lines)
    assert [r for line, r in zip(lines, reasons, strict=True) if line.startswith("NATIONAL")] == [
        "running header"
    ] * 4


def test_repeated_sub_headings_and_salutations_are_kept():
    lines = []
    for i in range(3):
        lines += ["Enhancing Security", "", f"Text {i} about security. It ends here.", ""]
        lines += ["Mr. President,", "", f"Point {i} of the speech. Done.", ""]
        lines += ["Excellencies", "", f"Remark {i} to the room. Thanks.", ""]
    reasons = line_furniture(lines)
    assert not any(reasons), [(line, r) for line, r in zip(lines, reasons, strict=True) if r]
    # once (a table of contents that lists it) is allowed; a line that interrupts sentences
    # twice is a page header
    long_line = "A remark to the room that runs over a page break, in a sentence longer than that"
    lines[10] = long_line
    assert line_furniture(lines)[12] is None
    lines[22] = long_line
    assert line_furniture(lines)[12] == "running header"
    assert line_furniture(lines)[24] == "running header"


def test_chinese_full_stop_ends_a_sentence():
    lines = ["（五）法律、行政法规规定的其他材料。", "第一条 正文。"] * 3
    assert not any(line_furniture(lines))
