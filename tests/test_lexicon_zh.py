"""Tests of the bilingual lexicon: the Chinese sub-tables, the language views and the
per-language dictionary shares.

The Chinese language (segmenter) is not part of this module's branch: the matching plumbing
is tested with a stand-in registered for one test, which cuts Chinese into single Han
characters, so that a term matches where its characters follow each other. The real
language drops in under the same code (``get_language("zh").match_pieces``).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import tomli_w

import corpus_tm.language as language_module
from corpus_tm import dictionary_shares
from corpus_tm.domains import map_topics, sentence_domain_scores
from corpus_tm.errors import ConfigError, CorpusTmWarning
from corpus_tm.language import register_language
from corpus_tm.lexicon import (
    corpus_languages,
    default_lexicon,
    default_lexicon_path,
    lexicon_coverage,
    lexicon_from_dict,
    load_lexicon,
    unit_languages,
)

LAWS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "prc-security-laws-zh"

# The canonical names of the 20 domains (总体国家安全观), in the default lexicon's order.
CANONICAL = {
    "political": "政治安全", "homeland": "国土安全", "military": "军事安全",
    "economic": "经济安全", "cultural": "文化安全", "social": "社会安全",
    "science_technology": "科技安全", "cyber": "网络安全", "ecological": "生态安全",
    "resource": "资源安全", "nuclear": "核安全", "overseas_interests": "海外利益安全",
    "biological": "生物安全", "space": "太空安全", "deep_sea": "深海安全", "polar": "极地安全",
    "financial": "金融安全", "food": "粮食安全", "artificial_intelligence": "人工智能安全",
    "data": "数据安全",
}

# The domain a reader expects of each law (the corpus's PROVENANCE.md).
EXPECTED = {
    "national-defense-law-2020": "military",
    "counter-terrorism-law-2018": "social",
    "cybersecurity-law-2016": "cyber",
    "nuclear-safety-law-2017": "nuclear",
    "biosecurity-law-2024": "biological",
    "food-security-law-2023": "food",
    "counter-espionage-law-2023": "political",
}

_HAN = "\u3400-\u4dbf\u4e00-\u9fff"


class HanCharacters:
    """Stand-in Chinese: every Han character is a word piece; sentences end at 。！？；."""

    code = "zh"
    name = "Chinese"
    stop_words: frozenset[str] = frozenset()
    connector_words: frozenset[str] = frozenset()

    def prepare(self) -> None:
        pass

    def fold_case(self, text: str) -> str:
        return text.lower()

    def split_words(self, text: str) -> list[str]:
        return re.findall(rf"[{_HAN}]|[^\s{_HAN}]+|\x00", text)

    def token_pieces(self, word: str) -> list[str]:
        return re.findall(r"[^\W_]+|[^\w\s]", word)

    def strip_clitics(self, piece: str) -> str | None:
        return piece

    def is_number(self, piece: str) -> bool:
        return piece.isdigit()

    def lemmatize(self, word: str) -> str:
        return word

    def split_sentences(self, text: str) -> list[str]:
        found = re.findall(r"[^。！？；]*[。！？；]|[^。！？；]+$", text)
        return [s.strip() for s in found if s.strip()]

    def count_words(self, text: str) -> int:
        return len(re.findall(rf"[{_HAN}]|[^\W_{_HAN}]+", text))

    def match_pieces(self, text: str) -> list[str]:
        return re.findall(rf"[{_HAN}]|[^\W_{_HAN}]+", text.lower())


@pytest.fixture
def zh(monkeypatch) -> HanCharacters:
    """The stand-in Chinese, registered for one test (the registry is restored afterwards)."""
    monkeypatch.setattr(language_module, "_REGISTRY", dict(language_module._REGISTRY))
    return register_language(HanCharacters(), replace=True)


def _default_data() -> dict:
    return tomllib.loads(default_lexicon_path().read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "lexicon.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def _law_units() -> pd.DataFrame:
    """One unit per article paragraph of the seven laws, language ``zh``."""
    rows = []
    for path in sorted((LAWS / "texts").glob("*.md")):
        body = path.read_text(encoding="utf-8").split("<!-- INFO END -->", 1)[-1]
        paragraphs = [p.strip() for p in body.split("\n") if p.strip() and not p.startswith("#")]
        for i, paragraph in enumerate(paragraphs):
            rows.append(
                {"unit_id": f"{path.stem}:{i}", "doc_id": path.stem, "text": paragraph}
            )
    units = pd.DataFrame(rows)
    units["language"] = "zh"
    return units


# --------------------------------------------------------------------------------------------
# The default lexicon


def test_default_lexicon_has_chinese_for_every_domain():
    lexicon = default_lexicon()
    assert lexicon.languages == ["en", "zh"]
    assert lexicon.version == "1.2.2"
    chinese = dict(lexicon.translations)["zh"]
    assert [d.id for d in chinese] == lexicon.domain_ids
    assert {d.id: d.label for d in chinese} == CANONICAL
    for domain in chinese:
        assert domain.label in domain.terms, domain.id
        assert all(re.fullmatch(rf"[{_HAN}]+", term) for term in domain.terms), domain.id
    examples = {
        "military": {"国防", "武装力量", "军队", "军事"},
        "social": {"恐怖主义", "恐怖活动", "极端主义", "社会稳定"},
        "cyber": {"网络", "网络运营者", "关键信息基础设施"},
        "nuclear": {"核设施", "核材料", "放射性"},
        "biological": {"病原微生物", "传染病", "疫情", "生物技术"},
        "food": {"粮食", "耕地", "储备"},
        "political": {"间谍", "颠覆", "政权", "国家秘密"},
    }
    by_id = {d.id: set(d.terms) for d in chinese}
    for domain_id, terms in examples.items():
        assert terms <= by_id[domain_id], domain_id


def test_english_view_is_the_lexicon_without_its_chinese():
    lexicon = default_lexicon()
    data = _default_data()
    for table in data["domains"].values():
        del table["zh"]
    english_only = lexicon_from_dict(data, source="<default>")
    view = lexicon.for_language("en")
    assert view == english_only
    assert view.languages == ["en"]
    assert view.domains == lexicon.domains
    assert lexicon.for_language("en") is view  # built once
    assert lexicon.to_frame().equals(english_only.to_frame())


def test_a_language_without_terms_is_a_clear_error():
    message = r"no terms in language 'fr'.*'en', 'zh'.*domains\.<id>\.fr"
    with pytest.raises(ConfigError, match=message):
        default_lexicon().for_language("fr")


def _without_chinese(monkeypatch) -> None:
    """No Chinese language for one test (nor one imported on first use)."""
    monkeypatch.setattr(language_module, "_REGISTRY", dict(language_module._REGISTRY))
    language_module._REGISTRY.pop("zh", None)
    monkeypatch.setattr(language_module, "_BUILT_IN", {}, raising=False)


def test_the_chinese_view_needs_the_chinese_language(monkeypatch):
    _without_chinese(monkeypatch)
    lexicon = load_lexicon(default_lexicon_path())  # loads: the terms are checked as written
    assert lexicon.languages == ["en", "zh"]
    with pytest.raises(ConfigError, match=r"language 'zh': Unknown language 'zh'"):
        lexicon.for_language("zh")


def test_chinese_view_has_the_same_ids_and_chinese_terms(zh):
    lexicon = default_lexicon()
    view = lexicon.for_language("zh")
    assert view.language == "zh"
    assert view.domain_ids == lexicon.domain_ids
    assert view.languages == ["zh"]
    assert [d.label for d in view.domains] == list(CANONICAL.values())
    assert view["food"].exclude == dict(lexicon.translations)["zh"][17].exclude


# --------------------------------------------------------------------------------------------
# Validation of the sub-tables


def test_unknown_key_in_a_chinese_table_names_file_and_domain(tmp_path):
    data = _default_data()
    data["domains"]["cyber"]["zh"]["term"] = ["网络"]
    path = _write(tmp_path, data)
    with pytest.raises(ConfigError, match=r"lexicon\.toml.*unknown key 'term'.*domains\.cyber\.zh"):
        load_lexicon(path)


def test_unknown_table_in_a_domain_is_still_an_error(tmp_path):
    data = _default_data()
    data["domains"]["cyber"]["chinese"] = {"terms": ["网络"]}
    with pytest.raises(ConfigError, match=r"unknown key 'chinese' in domain 'cyber'"):
        load_lexicon(_write(tmp_path, data))


@pytest.mark.parametrize("registered", [False, True])
def test_a_chinese_term_in_two_domains_is_an_error(tmp_path, monkeypatch, registered):
    if registered:
        monkeypatch.setattr(language_module, "_REGISTRY", dict(language_module._REGISTRY))
        register_language(HanCharacters(), replace=True)
    else:
        _without_chinese(monkeypatch)
    data = _default_data()
    data["domains"]["military"]["zh"]["terms"].append("网络")
    with pytest.raises(ConfigError, match=r"lexicon\.toml.*language 'zh'.*'网络'.*two domains"):
        load_lexicon(_write(tmp_path, data))


@pytest.mark.parametrize("registered", [False, True])
def test_a_chinese_exclusion_must_contain_a_term(tmp_path, monkeypatch, registered):
    if registered:
        monkeypatch.setattr(language_module, "_REGISTRY", dict(language_module._REGISTRY))
        register_language(HanCharacters(), replace=True)
    else:
        _without_chinese(monkeypatch)
    data = _default_data()
    data["domains"]["food"]["zh"]["exclude"].append("外汇市场")
    with pytest.raises(ConfigError, match=r"domain 'food'.*'外汇市场'.*none of the domain's terms"):
        load_lexicon(_write(tmp_path, data))


def test_a_sub_table_of_the_lexicons_own_language_is_an_error(tmp_path):
    data = _default_data()
    data["domains"]["cyber"]["en"] = {"terms": ["internet"]}
    with pytest.raises(ConfigError, match=r"\[domains\.<id>\.en\].*own language"):
        load_lexicon(_write(tmp_path, data))


def test_a_chinese_table_without_terms_is_an_error(tmp_path):
    data = _default_data()
    data["domains"]["cyber"]["zh"]["terms"] = []
    with pytest.raises(ConfigError, match=r"\[domains\.cyber\.zh\] has no terms"):
        load_lexicon(_write(tmp_path, data))


def test_domains_without_terms_in_a_language_are_named(zh):
    lexicon = lexicon_from_dict(
        {
            "military": {"terms": ["army"], "zh": {"label": "军事安全", "terms": ["军队"]}},
            "cyber": {"terms": ["internet"]},
        }
    )
    assert lexicon.languages == ["en", "zh"]
    with pytest.warns(CorpusTmWarning, match=r"domains cyber have no terms in language 'zh'"):
        view = lexicon.for_language("zh")
    assert view.domain_ids == ["military", "cyber"]
    assert view["cyber"].terms == ()
    assert view["cyber"].label == "cyber"


# --------------------------------------------------------------------------------------------
# Matching and dictionary shares


def test_laws_are_dominated_by_the_domain_a_reader_expects(zh):
    units = _law_units()
    shares = dictionary_shares(units, default_lexicon())
    named = shares.shares.drop(columns="other")
    by_law = named.groupby(units["doc_id"].to_numpy()).mean()
    top = by_law.idxmax(axis=1).to_dict()
    assert top == EXPECTED
    assert (named.sum(axis=1) > 0).mean() > 0.5  # most articles name some domain


def test_a_mixed_corpus_gives_one_table_and_english_rows_do_not_change(zh):
    english = pd.DataFrame(
        {
            "unit_id": ["en-1", "en-2"],
            "text": [
                "The pandemic and the outbreak of infectious disease. "
                "Our armed forces stand ready.",
                "Terrorism threatens social stability. We protect the internet.",
            ],
        }
    )
    chinese = pd.DataFrame(
        {
            "unit_id": ["zh-1", "zh-2"],
            "text": [
                "国家加强国防建设，武装力量随时准备。传染病疫情防控。",
                "恐怖主义和极端主义危害社会稳定。网络运营者应当保护关键信息基础设施。",
            ],
        }
    )
    lexicon = default_lexicon()
    alone = dictionary_shares(english, lexicon)
    mixed_units = pd.concat(
        [english.assign(language="en"), chinese.assign(language="zh")], ignore_index=True
    )
    mixed = dictionary_shares(mixed_units, lexicon)
    assert list(mixed.shares.columns) == [*lexicon.domain_ids, "other"]
    np.testing.assert_array_equal(
        mixed.shares.loc[["en-1", "en-2"]].to_numpy(), alone.shares.to_numpy()
    )
    zh1, zh2 = mixed.shares.loc["zh-1"], mixed.shares.loc["zh-2"]
    # sentence 1: military terms only (16 Han characters); sentence 2: biological only (7)
    assert zh1["military"] == pytest.approx(16 / 23)
    assert zh1["biological"] == pytest.approx(7 / 23)
    assert zh2["social"] > 0
    assert zh2["cyber"] > 0
    assert zh2[["social", "cyber"]].sum() == pytest.approx(1.0)
    hits = dictionary_shares(mixed_units, lexicon, scale="hits")
    # 恐怖主义 极端主义 社会稳定 网络运营者 关键信息基础设施
    assert hits.params["n_hits"]["zh-2"] == 5


def test_exclusions_apply_in_chinese(zh):
    units = pd.DataFrame(
        {
            "unit_id": ["a", "b"],
            "text": ["构成犯罪的，依法追究刑事责任。", "打击犯罪活动，维护社会秩序。"],
            "language": "zh",
        }
    )
    shares = dictionary_shares(units, default_lexicon(), scale="hits")
    assert shares.params["n_hits"] == {"a": 0, "b": 2}
    assert shares.shares.loc["a", "other"] == 1.0


def test_units_in_a_language_without_terms_are_a_clear_error(zh):
    units = pd.DataFrame(
        {"unit_id": ["u1", "u2"], "text": ["defense", "la défense"], "language": ["en", "fr"]}
    )
    with pytest.raises(ConfigError, match=r"1 of 2 units \(e\.g\. 'u2'\) are in language 'fr'"):
        dictionary_shares(units, default_lexicon())


def test_unit_languages_default_to_the_lexicons_language():
    lexicon = default_lexicon()
    plain = pd.DataFrame({"unit_id": ["a", "b"], "text": ["x", "y"]})
    assert unit_languages(plain, lexicon) == ["en", "en"]
    mixed = plain.assign(language=["zh", None])
    assert unit_languages(mixed, lexicon) == ["zh", "en"]
    assert corpus_languages(mixed.assign(language=["zh", "zh"]), lexicon) == ["zh"]
    assert corpus_languages(mixed, lexicon) == ["en", "zh"]


def test_vocabulary_is_matched_in_every_language_of_the_corpus(zh):
    lexicon = default_lexicon()
    vocabulary = ["defense", "国防", "网络运营者", "疫情", "biosafety", "会议"]
    english = lexicon.match_vocabulary(vocabulary)
    assert set(english) == {"defense", "biosafety"}
    both = lexicon.match_vocabulary(vocabulary, languages=["en", "zh"])
    assert {t: d for t, (d, _) in both.items()} == {
        "defense": "military", "biosafety": "biological", "国防": "military",
        "网络运营者": "cyber", "疫情": "biological",
    }


def test_evidence_of_a_chinese_unit_uses_the_chinese_terms(zh):
    units = pd.DataFrame(
        {"unit_id": ["zh-1"], "text": ["恐怖主义危害社会稳定。"], "language": ["zh"]}
    )
    shares = dictionary_shares(units, default_lexicon())
    scores, terms = sentence_domain_scores(shares, "zh-1", ["恐怖主义危害社会稳定。"])
    social = default_lexicon().domain_ids.index("social")
    assert scores[0, social] == 2
    assert [t for t, _ in terms[0]] == ["恐怖主义", "社会稳定"]


def test_coverage_counts_each_unit_in_its_language(zh):
    english = pd.DataFrame(
        {"unit_id": ["en-1"], "text": ["Terrorism and extremism threaten social stability."]}
    )
    chinese = pd.DataFrame(
        {"unit_id": ["zh-1", "zh-2"], "text": ["恐怖主义危害社会稳定。", "国防和军队建设。"]}
    )
    lexicon = default_lexicon()
    alone = lexicon_coverage(english, lexicon)
    mixed = pd.concat(
        [english.assign(language="en"), chinese.assign(language="zh")], ignore_index=True
    )
    terms = lexicon_coverage(mixed, lexicon)
    # the English rows first, counted as without the Chinese units; then the Chinese terms
    counts = ["domain", "term", "n_occurrences", "n_units", "in_vocabulary", "vocabulary_terms"]
    pd.testing.assert_frame_equal(terms.iloc[: len(alone)][counts], alone[counts])
    # evidence is the domain's in any language: military only has Chinese hits
    military = terms["domain"] == "military"
    assert terms.loc[military, "domain_has_evidence"].all()
    assert not alone.loc[alone["domain"] == "military", "domain_has_evidence"].any()
    chinese_rows = terms.iloc[len(alone) :].set_index("term")
    assert chinese_rows.loc["恐怖主义", "n_occurrences"] == 1
    assert chinese_rows.loc["军队", "n_units"] == 1
    domains = lexicon_coverage(mixed, lexicon, level="domain").set_index("domain")
    assert domains.loc["social", "n_occurrences"] == 3 + 2  # terrorism extremism social stability
    assert domains.loc["social", "n_units"] == 2
    assert domains.loc["military", "n_units"] == 1
    n_terms = len(lexicon["social"].terms) + len(lexicon.for_language("zh")["social"].terms)
    assert domains.loc["social", "n_terms"] == n_terms


def test_topics_of_a_chinese_model_are_matched_in_chinese(zh):
    vocabulary = ["国防", "军队", "疫情", "传染病", "会议"]
    topic_term = pd.DataFrame(
        [[0.45, 0.45, 0.0, 0.0, 0.1], [0.0, 0.0, 0.45, 0.45, 0.1]],
        index=pd.Index([0, 1], name="topic"),
        columns=pd.Index(vocabulary, name="term"),
    )
    doc_topic = pd.DataFrame(
        [[0.9, 0.1], [0.1, 0.9]],
        index=pd.Index(["a", "b"], name="unit_id"),
        columns=topic_term.index,
    )
    model = SimpleNamespace(doc_topic=doc_topic, topic_term=topic_term)
    lexicon = default_lexicon()
    english = map_topics(model, lexicon, min_score=0.0)
    assert english["domain"].tolist() == ["other", "other"]
    chinese = map_topics(model, lexicon, min_score=0.0, languages=["zh"])
    assert chinese["domain"].tolist() == ["military", "biological"]
    assert chinese["mass"].tolist() == pytest.approx([0.9, 0.9])
