"""Tests of the planted-domain corpus (corpus_tm.synthetic.make_planted_corpus) and of
planted_agreement, the yardstick that domain-share methods are validated against."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import corpus_tm as ctm
from corpus_tm.errors import ConfigError, InputError
from corpus_tm.lexicon import word_pieces
from corpus_tm.preprocessing import english_stopwords
from corpus_tm.synthetic import (
    PLANTED_CONTEXT_FRACTION,
    PLANTED_SEED_FRACTION,
    default_planted_plan,
    make_planted_corpus,
    planted_agreement,
)

ORDINAL_LINE = re.compile(r"^(First|Second|Third|Fourth|Fifth|Sixth|Seventh|Eighth|Ninth|Tenth), ")
PART_LINE = re.compile(r"^(\d+)、 ")
WORD = re.compile(r"[A-Za-z0-9]+(?:['-][A-Za-z0-9]+)*")


@pytest.fixture(scope="module")
def planted():
    return make_planted_corpus(random_state=0)


@pytest.fixture(scope="module")
def units(planted):
    return ctm.split_sections(planted.documents).units


def _tree(table: pd.DataFrame) -> pd.DataFrame:
    columns = ["doc_id", "part", "section", "label", "n_tokens"]
    return table[columns].drop_duplicates().reset_index(drop=True)


# --- the generator ---------------------------------------------------------------------------


def test_same_seed_same_corpus_other_seed_other_text(planted):
    again = make_planted_corpus(random_state=0)
    pd.testing.assert_frame_equal(again.documents, planted.documents)
    pd.testing.assert_frame_equal(again.truth, planted.truth)
    pd.testing.assert_frame_equal(again.words, planted.words)
    other = make_planted_corpus(random_state=1)
    assert other.documents["text"].tolist() != planted.documents["text"].tolist()
    pd.testing.assert_frame_equal(other.plan, planted.plan)


def test_default_plan_levels_and_size(planted):
    plan = planted.plan
    assert plan.groupby("doc_id").ngroups == 10
    bio = plan.loc[plan["domain"] == "biological", "share"]
    assert sorted(bio.unique()) == [0.0, 0.02, 0.05, 0.10, 0.30]
    assert (bio.value_counts() == 24).all()
    active = plan.loc[(plan["share"] > 0) & (plan["domain"] != "other"), "domain"].unique()
    assert set(active) == {"biological", "economic", "military", "cyber", "ecological"}
    sections = plan.groupby(["doc_id", "part", "section"])
    assert sections.ngroups == 10 * 3 * 4
    # several domains at once in most sections, and always some generic text
    n_domains = (
        plan[(plan["share"] > 0) & (plan["domain"] != "other")]
        .groupby(["doc_id", "part", "section"])["domain"]
        .size()
    )
    assert (n_domains >= 2).mean() > 0.5
    assert plan.loc[plan["domain"] == "other", "share"].min() > 0.2
    n_words = sum(ctm.sectioning.count_words(text) for text in planted.documents["text"])
    assert 40_000 <= n_words <= 80_000


def test_truth_shares_sum_to_one_and_follow_the_plan(planted):
    truth = planted.truth
    keys = ["doc_id", "part", "section"]
    assert list(truth.columns) == [*keys, "label", "domain", "share", "n_tokens"]
    sums = truth.groupby(keys)["share"].sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-12)
    assert list(truth["domain"].unique()) == [*ctm.default_lexicon().domain_ids, "other"]
    merged = truth.merge(planted.plan, on=[*keys, "domain"], suffixes=("", "_plan"))
    assert len(merged) == len(planted.plan)
    # rounded to whole words of a 450-word section
    assert (merged["share"] - merged["share_plan"]).abs().max() <= 1.5 / 450 + 1e-12
    closing = truth[truth["label"] == "Closing"]
    assert closing.groupby("doc_id").ngroups == 10
    assert (closing.loc[closing["domain"] == "other", "share"] == 1).all()


def test_sectioning_recovers_the_planted_tree(planted, units, tmp_path):
    tree = _tree(planted.truth)
    assert len(tree) == 10 * (3 * 4 + 1)
    pd.testing.assert_frame_equal(_tree(ctm.sections_table(units)), tree)
    assert set(units["section_kind"]) == {"section", "closing"}
    assert (
        units[units["section_kind"] == "section"].groupby(["doc_id", "part", "section"]).size() == 5
    ).all()
    # through the files a user would write: JSONL read by read_corpus
    path = tmp_path / "planted.jsonl"
    planted.documents.to_json(path, orient="records", lines=True, force_ascii=False)
    from_file = ctm.read_corpus(path)
    pd.testing.assert_frame_equal(_tree(ctm.sections_table(from_file)), tree)


def test_small_custom_plan():
    plan = pd.DataFrame(
        [
            ("a", 1, 1, "nuclear", 0.5),
            ("a", 1, 1, "other", 0.5),
            ("a", 1, 2, "polar", 0.25),
            ("a", 1, 2, "food", 0.25),
            ("a", 2, 1, "food", 1.0),
            ("a", 2, 2, "nuclear", 0.0),
            ("b", 1, 1, "data", 0.1),
            ("b", 1, 2, "data", 0.2),
            ("b", 1, 3, "data", 0.3),
            ("b", 2, 1, "data", 0.4),
            ("b", 2, 2, "data", 0.5),
        ],
        columns=["doc_id", "part", "section", "domain", "share"],
    )
    planted = make_planted_corpus(
        plan, paragraphs_per_section=3, sentences_per_paragraph=4, random_state=3
    )
    assert planted.documents["doc_id"].tolist() == ["a", "b"]
    truth = planted.truth.set_index(["doc_id", "part", "section", "domain"])["share"]
    for row in plan.itertuples(index=False):
        assert truth[(row.doc_id, row.part, row.section, row.domain)] == pytest.approx(
            row.share, abs=0.5 / (3 * 4 * 18)
        )
    assert truth[("a", 2, 1, "other")] == 0
    units = ctm.split_sections(planted.documents).units
    pd.testing.assert_frame_equal(_tree(ctm.sections_table(units)), _tree(planted.truth))


def _grid(*domain_shares: tuple[str, float], sections=(1, 2)) -> list[tuple]:
    """Plan rows of document "a" with parts 1, 2, the given sections and domain shares."""
    return [("a", p, s, d, v) for p in (1, 2) for s in sections for d, v in domain_shares]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (_grid(("economic", 0.2), sections=(1, 3)), "sections 1, 2"),
        ([r for r in _grid(("economic", 0.2)) if r[1] == 1], "parts"),
        (_grid(("unknown", 0.2)), "unknown"),
        (_grid(("cyber", 0.6), ("data", 0.6)), "more than 1"),
        (_grid(("cyber", 1.5)), "0 to 1"),
        (_grid(("cyber", 0.001)), "needs 3"),
        (_grid(("cyber", 0.2), ("other", 0.5)), "'other' share"),
        (_grid(("cyber", 0.2), ("cyber", 0.1)), "more than one row"),
    ],
)
def test_bad_plans_are_refused(rows, message):
    plan = pd.DataFrame(rows, columns=["doc_id", "part", "section", "domain", "share"])
    with pytest.raises(ConfigError, match=message):
        make_planted_corpus(plan, random_state=0)
    with pytest.raises(ConfigError, match="lacks the column"):
        make_planted_corpus(plan.drop(columns="share"), random_state=0)


def test_bad_sizes_are_refused():
    with pytest.raises(ConfigError, match="paragraphs_per_section"):
        make_planted_corpus(paragraphs_per_section=0)
    with pytest.raises(ConfigError, match="n_documents"):
        make_planted_corpus(default_planted_plan(2), n_documents=2)
    with pytest.raises(ConfigError, match="n_parts"):
        default_planted_plan(2, n_parts=1)


# --- the planted shares, counted from the text alone -------------------------------------------


def _count_from_text(planted) -> pd.DataFrame:
    """Words per section and domain, read from the raw texts with this test's own rules.

    A sentence belongs to the domain whose context words it contains (none: generic).
    """
    words = planted.words
    context_of = {
        w: d
        for d, w in words.loc[words["kind"] == "context", ["domain", "word"]].itertuples(
            index=False
        )
    }
    rows = []
    for doc_id, text in planted.documents.itertuples(index=False):
        paragraphs = text.strip().split("\n\n")
        part = section = 0
        for number, paragraph in enumerate(paragraphs):
            if PART_LINE.match(paragraph):
                part, section = int(PART_LINE.match(paragraph).group(1)), 0
                continue
            if ORDINAL_LINE.match(paragraph):
                section += 1
                continue
            where = (part + 1, 0) if number == len(paragraphs) - 1 else (part, section)
            for sentence in re.split(r"(?<=\.) ", paragraph):
                tokens = WORD.findall(sentence)
                domains = {context_of[t.lower()] for t in tokens if t.lower() in context_of}
                assert len(domains) <= 1, sentence
                domain = domains.pop() if domains else "other"
                rows.append((doc_id, *where, domain, len(tokens)))
    counts = pd.DataFrame(rows, columns=["doc_id", "part", "section", "domain", "n"])
    counts = counts.groupby(["doc_id", "part", "section", "domain"])["n"].sum()
    totals = counts.groupby(level=["doc_id", "part", "section"]).transform("sum")
    return (counts / totals).rename("counted").reset_index()


def test_planted_shares_match_the_text(planted):
    counted = _count_from_text(planted)
    merged = planted.truth.merge(
        counted, on=["doc_id", "part", "section", "domain"], how="left"
    ).fillna({"counted": 0.0})
    assert (merged["share"] - merged["counted"]).abs().max() <= 0.01
    # and the planted (not just the generated) shares
    plan = planted.plan.merge(counted, on=["doc_id", "part", "section", "domain"], how="left")
    assert (plan["share"] - plan["counted"].fillna(0.0)).abs().max() <= 0.01


def test_domain_sentences_mix_seed_context_and_generic_words(planted):
    lexicon = ctm.default_lexicon()
    words = planted.words
    context = set(words.loc[words["kind"] == "context", "word"])
    n_words = n_context = n_seed = 0
    for text in planted.documents["text"]:
        for sentence in re.split(r"(?<=\.)\s+", text):
            tokens = [t.lower() for t in WORD.findall(sentence)]
            if ORDINAL_LINE.match(sentence) or not any(t in context for t in tokens):
                continue
            n_words += len(tokens)
            n_context += sum(t in context for t in tokens)
            n_seed += sum(
                stop - start for start, stop, _ in lexicon.matcher.find(word_pieces(sentence))
            )
    assert n_seed / n_words == pytest.approx(PLANTED_SEED_FRACTION, abs=0.04)
    assert n_context / n_words == pytest.approx(PLANTED_CONTEXT_FRACTION, abs=0.04)


def test_generic_and_context_words_are_clean(planted):
    """No lexicon term nor a word of one, no stop word, their own lemma (preprocessing keeps
    them as they are)."""
    lexicon = ctm.default_lexicon()
    words = planted.words
    plain = words.loc[words["kind"] != "seed", "word"].tolist()
    assert len(set(plain)) == len(plain)
    assert lexicon.match_vocabulary(plain) == {}
    phrases = [term for _, term in lexicon.terms]
    phrases += [e[-1] for e in getattr(lexicon, "exclusions", ())]
    term_words = {p for phrase in phrases for p in word_pieces(phrase)}
    term_words |= {p for phrase in phrases for p in re.findall(r"[^\W_]+", phrase.lower())}
    assert not set(plain) & term_words
    assert not set(plain) & english_stopwords()
    assert ctm.preprocess_texts(plain, phrase_layers=0) == [[w] for w in plain]
    assert len(words[words["kind"] == "generic"]) >= 150
    per_domain = words[words["kind"] == "context"].groupby("domain").size()
    assert (per_domain >= 15).all()  # 20 each, less any a changed lexicon claims


def test_generic_text_has_no_seed_term(planted, units):
    hits = ctm.default_lexicon().matcher.hit_matrix(
        units.loc[units["section_kind"] == "closing", "text"].tolist()
    )
    assert hits.sum() == 0


# --- planted_agreement and a first method ------------------------------------------------------


def test_dictionary_ranks_biological_sections_in_planted_order(planted, units):
    estimated = ctm.section_shares(ctm.dictionary_shares(units), level="section", interval="none")
    agreement = planted_agreement(estimated, planted.truth)
    by_domain = agreement.domains.set_index("domain")
    assert by_domain.loc["biological", "spearman"] >= 0.9
    assert by_domain.loc["biological", "n_sections"] == 130
    bio = agreement.sections[agreement.sections["domain"] == "biological"]
    means = bio.groupby(bio["true_share"].round(2))["estimate"].mean()
    assert means.is_monotonic_increasing
    assert means.index.tolist() == [0.0, 0.02, 0.05, 0.1, 0.3]


def test_agreement_of_the_truth_with_itself(planted):
    truth = planted.truth
    estimated = truth.assign(
        method="truth",
        level="section",
        section=truth["part"].astype(str) + "." + truth["section"].astype(str),
    )
    noisy = estimated.assign(method="noisy", share=estimated["share"] + 0.01)
    agreement = planted_agreement(pd.concat([estimated, noisy]), truth)
    sections = agreement.sections
    assert list(sections.columns) == [
        "method",
        "doc_id",
        "section",
        "label",
        "domain",
        "true_share",
        "estimate",
        "error",
        "abs_error",
    ]
    assert sections["method"].unique().tolist() == ["truth", "noisy"]
    domains = agreement.domains.set_index(["method", "domain"])
    assert domains.loc[("truth", "biological"), "spearman"] == pytest.approx(1.0)
    assert domains.loc[("truth", "biological"), "max_abs_error"] == 0
    assert domains.loc[("noisy", "biological"), "bias"] == pytest.approx(0.01)
    assert np.isnan(domains.loc[("truth", "political"), "spearman"])  # constant truth


def test_agreement_refuses_other_levels_and_unrelated_tables(planted, units):
    shares = ctm.dictionary_shares(units)
    parts = ctm.section_shares(shares, level="part", interval="none")
    with pytest.raises(InputError, match="level='section'"):
        planted_agreement(parts, planted.truth)
    with pytest.raises(InputError, match="lacks"):
        planted_agreement(parts.drop(columns="share"), planted.truth)
    sections = ctm.section_shares(shares, level="section", interval="none")
    with pytest.raises(InputError, match="in common"):
        planted_agreement(sections.assign(doc_id="elsewhere"), planted.truth)


def test_exported():
    for name in (
        "PlantedAgreement",
        "PlantedCorpus",
        "default_planted_plan",
        "make_planted_corpus",
        "planted_agreement",
    ):
        assert name in ctm.__all__
        assert hasattr(ctm, name)
