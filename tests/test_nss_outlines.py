"""The NSS corpus against outlines read off the texts by hand (tests/data/nss_outlines.toml).

Each sectionable document must give exactly the parts of its outline, numbered as printed, with
the printed titles (OCR may cut a wrapped title short, so one title must start the other), and
every paragraph must sit in the part it is printed under. Documents judged unsectionable stay
one section.
"""

from __future__ import annotations

import re
import tomllib
import warnings
from pathlib import Path

import pytest

import corpus_tm as ctm

OUTLINES = tomllib.loads(
    (Path(__file__).parent / "data" / "nss_outlines.toml").read_text(encoding="utf-8")
)
SECTIONABLE = sorted(d for d, o in OUTLINES.items() if "unsectionable" not in o)
UNSECTIONABLE = sorted(d for d, o in OUTLINES.items() if "unsectionable" in o)


@pytest.fixture(scope="module")
def nss(nss_corpus_path):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*no part or sub-section headings")
        return ctm.split_sections(ctm.load_documents(nss_corpus_path))


def _plain(title: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", title.casefold()).split())


def test_every_document_has_an_outline(nss_corpus_path):
    assert sorted(OUTLINES) == sorted(p.stem for p in nss_corpus_path.glob("*.txt"))
    assert len(SECTIONABLE) == 13


@pytest.mark.parametrize("doc_id", SECTIONABLE)
def test_parts_match_the_outline(nss, doc_id):
    outline = OUTLINES[doc_id]["parts"]
    parts = nss.headings.query("doc_id == @doc_id and level == 'part'")
    assert parts["number"].tolist() == [p["number"] for p in outline]
    assert parts["line"].tolist() == [p["line"] for p in outline]
    for found, expected in zip(parts["title"], outline, strict=True):
        found, printed = _plain(found), _plain(expected["title"])
        assert found.startswith(printed) or printed.startswith(found), (found, printed)
        assert len(found) >= min(len(printed), 15), (found, printed)


@pytest.mark.parametrize("doc_id", SECTIONABLE)
def test_every_paragraph_is_in_the_part_it_is_printed_under(nss, doc_id):
    starts = [(p["line"], p["number"]) for p in OUTLINES[doc_id]["parts"]]
    units = nss.units.query("doc_id == @doc_id")
    assert (units["section_kind"] != "closing").all()
    printed = units["line"].map(lambda line: max((n for s, n in starts if s <= line), default=0))
    wrong = units.loc[units["part"] != printed, ["line", "part", "text"]]
    assert wrong.empty, wrong.head().to_string()


def test_2006_terrorism_chapter_is_part_3(nss):
    """The issue's example: everything printed between headings III and IV is in part 3."""
    units = nss.units.query("doc_id == '2006_national_security_strategy'")
    between = units[(units["line"] > 293) & (units["line"] < 506)]
    assert len(between) > 50
    assert (between["part"] == 3).all()
    assert between["part_title"].str.startswith("Strengthen Alliances").all()


@pytest.mark.parametrize("doc_id", UNSECTIONABLE)
def test_unsectionable_documents_stay_one_section(nss, doc_id):
    units = nss.units.query("doc_id == @doc_id")
    assert (units["part"] == 0).all()
    assert nss.headings.query("doc_id == @doc_id and level == 'part'").empty


def test_numbering_of_the_corpus_is_continuous(nss):
    """Once the headings are read, no NSS document has a gap, repeat or number out of order."""
    assert nss.numbering.empty
    assert list(nss.numbering.columns) == [
        "doc_id",
        "line",
        "kind",
        "expected",
        "found",
        "detail",
    ]
