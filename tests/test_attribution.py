"""Soft topic-to-domain attribution, the keyword-assisted model, and agreement between methods."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import corpus_tm as ctm
from corpus_tm.aggregation import UnresolvedDomainWarning, compare_methods, unresolved_domains
from corpus_tm.domains import OTHER, topic_attribution
from corpus_tm.errors import ConfigError
from corpus_tm.models import library_versions, load_model, make_topic_model, save_model
from corpus_tm.synthetic import corpus_from_tokens

ARTICLE = "qiushi-2020-08"


@pytest.fixture(scope="module")
def example(example_units):
    corpus = ctm.build_corpus(example_units, cache_dir=False)
    lexicon = ctm.default_lexicon()
    return corpus, lexicon, ctm.dictionary_shares(corpus, lexicon)


def quiet_keyatm(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*get no keyword topic", UserWarning)
        return ctm.fit_keyatm(*args, **kwargs)


def token_totals(shares, corpus) -> pd.Series:
    """Tokens each domain gets over the whole corpus."""
    return shares.shares.mul(np.asarray(corpus.dtm.sum(axis=1)).ravel(), axis=0).sum()


# --- soft attribution ---------------------------------------------------------------------


def test_pure_topics_get_their_domain_whole():
    lexicon = ctm.default_lexicon()
    tokens = [
        ["biosafety", "zorbel", "zorbel", "zorbel"],
        ["economy", "quixan", "quixan", "quixan"],
        ["plimsy", "plomsy", "plimsy", "plomsy"],
    ]
    corpus = corpus_from_tokens(tokens, doc_id="d")
    matched = lexicon.match_vocabulary(corpus.vocabulary)
    assert {t: d for t, (d, _) in matched.items()} == {
        "biosafety": "biological",
        "economy": "economic",
    }
    vocabulary = corpus.vocabulary
    phi = np.zeros((3, len(vocabulary)))
    for k, weights in enumerate(
        [
            {"biosafety": 0.25, "zorbel": 0.75},
            {"economy": 0.25, "quixan": 0.75},
            {"plimsy": 0.5, "plomsy": 0.5},
        ]
    ):
        for term, weight in weights.items():
            phi[k, vocabulary.index(term)] = weight
    model = make_topic_model(
        "nmf",
        doc_topic=np.eye(3),
        doc_topic_raw=np.eye(3),
        topic_term=phi,
        topic_term_raw=phi,
        unit_ids=corpus.unit_ids,
        vocabulary=vocabulary,
        params={"n_topics": 3},
        versions=library_versions(),
    )
    matrix = topic_attribution(model, corpus, lexicon)
    assert matrix.loc[0, "biological"] == pytest.approx(1.0)
    assert matrix.loc[1, "economic"] == pytest.approx(1.0)
    assert matrix.loc[2, OTHER] == pytest.approx(1.0)
    assert matrix.to_numpy().sum(axis=1) == pytest.approx(np.ones(3))
    assert matrix.attrs["baseline"]["biological"] == pytest.approx(0.25)
    shares = ctm.domain_shares(model, None, corpus, lexicon=lexicon)
    assert shares.params["attribution"] == "soft"
    assert shares.shares.loc[corpus.unit_ids[0], "biological"] == pytest.approx(1.0)


@pytest.mark.parametrize("method", ["nmf", "lda"])
def test_soft_shares_add_up_to_the_dictionary_over_the_corpus(example, method):
    corpus, lexicon, dictionary = example
    fit = ctm.fit_nmf if method == "nmf" else ctm.fit_lda
    model = fit(corpus, 15, random_state=1)
    shares = ctm.domain_shares(model, None, corpus, lexicon=lexicon, dictionary=dictionary)
    model_totals = token_totals(shares, corpus)
    dictionary_totals = token_totals(dictionary, corpus)
    in_vocabulary = {d for d, _ in lexicon.match_vocabulary(corpus.vocabulary).values()}
    checked = [d for d in in_vocabulary if dictionary_totals[d] >= 50]
    assert {"political", "biological", "economic"} <= set(checked)
    for domain in checked:
        assert model_totals[domain] == pytest.approx(dictionary_totals[domain], rel=0.15), domain


def test_a_domain_no_topic_won_is_not_lost(example):
    corpus, lexicon, dictionary = example
    nmf = ctm.fit_nmf(corpus, 4, random_state=1)
    mapping = ctm.map_topics(nmf, lexicon)
    assert "economic" not in set(mapping["domain"])
    hard = ctm.domain_shares(nmf, mapping, corpus, lexicon=lexicon, attribution="hard")
    soft = ctm.domain_shares(nmf, mapping, corpus, lexicon=lexicon, dictionary=dictionary)
    with pytest.warns(UnresolvedDomainWarning, match="economic"):
        table = unresolved_domains(hard, dictionary)
    assert not table.set_index("domain").loc["economic", "resolved"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnresolvedDomainWarning)
        assert unresolved_domains(soft, dictionary).set_index("domain").loc["economic", "resolved"]
    sections = ctm.section_shares(soft, level="section", interval="none")
    economic = sections[(sections["doc_id"] == ARTICLE) & (sections["domain"] == "economic")]
    by_section = economic.set_index("section")["share"]
    # Four topics cannot say *where* the economic passages are (the shares spread evenly; at
    # k = 15 they peak in 2.2, test_domains), but the domain keeps its weight.
    assert by_section["2.2"] > 0.05
    assert token_totals(soft, corpus)["economic"] == pytest.approx(
        token_totals(dictionary, corpus)["economic"], rel=0.25
    )


def test_hard_attribution_is_still_there(example):
    corpus, lexicon, _ = example
    nmf = ctm.fit_nmf(corpus, 15, random_state=1)
    mapping = ctm.map_topics(nmf, lexicon)
    hard = ctm.domain_shares(nmf, mapping, corpus, lexicon=lexicon, attribution="hard")
    assert set(np.unique(hard.attribution.to_numpy())) <= {0.0, 1.0}
    with pytest.raises(ConfigError, match="attribution"):
        ctm.domain_shares(nmf, mapping, corpus, lexicon=lexicon, attribution="fuzzy")


# --- the keyword-assisted model -----------------------------------------------------------


def test_keyatm_is_reproducible_and_depends_on_the_seed(example):
    corpus, lexicon, dictionary = example
    a = quiet_keyatm(corpus, lexicon, random_state=3, iterations=200, dictionary=dictionary)
    b = quiet_keyatm(corpus, lexicon, random_state=3, iterations=200, dictionary=dictionary)
    c = quiet_keyatm(corpus, lexicon, random_state=4, iterations=200, dictionary=dictionary)
    pd.testing.assert_frame_equal(a.shares, b.shares)
    assert not np.allclose(a.shares.to_numpy(), c.shares.to_numpy())
    assert a.method == "keyatm"
    assert a.model.method == "keyatm"
    assert a.params["n_draws"] == 20  # sweeps 100, 105, ..., 195


def test_keyatm_has_a_keyword_topic_per_domain_with_keywords(example):
    corpus, lexicon, _ = example
    with pytest.warns(UserWarning, match="get no keyword topic"):
        result = ctm.fit_keyatm(corpus, lexicon, random_state=1, iterations=100,
                                attribution="keyword", n_free_topics=4)
    mapping = result.mapping
    keyword = mapping[mapping["source"] == "keyword"]
    assert {"political", "biological", "economic"} <= set(keyword["domain"])
    assert (keyword["keyword_count"] >= 5).all()
    assert (mapping["source"] == "free").sum() == 4
    # keyATM's own reading: keyword topics wholly their domain, free topics other.
    columns = result.attribution.columns
    for topic, domain in zip(mapping["topic"], mapping["domain"], strict=True):
        assert result.attribution.loc[topic, domain] == 1.0
        assert result.attribution.loc[topic].sum() == 1.0
    assert list(columns) == [*lexicon.domain_ids, OTHER]
    # the biological keyword topic draws a real share of its tokens from its keywords
    bio = keyword.set_index("domain").loc["biological"]
    assert bio["pi"] > 0.05


def test_keyatm_model_survives_save_and_load(example, tmp_path):
    corpus, lexicon, dictionary = example
    result = quiet_keyatm(corpus, lexicon, random_state=1, iterations=50, dictionary=dictionary)
    path = save_model(result.model, tmp_path / "keyatm.npz")
    loaded = load_model(path)
    assert loaded.method == "keyatm"
    pd.testing.assert_frame_equal(loaded.doc_topic, result.model.doc_topic)
    np.testing.assert_array_equal(loaded.state["pi"], result.model.state["pi"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"iterations": 1}, "iterations"),
        ({"alpha": 0}, "alpha"),
        ({"gamma": (1.0,)}, "gamma"),
        ({"burn_in": 10, "iterations": 10}, "burn_in"),
        ({"attribution": "hard"}, "attribution"),
        ({"random_state": -1}, "random_state"),
        ({"n_free_topics": -1}, "n_free_topics"),
    ],
)
def test_keyatm_rejects_bad_settings(example, kwargs, message):
    corpus, lexicon, _ = example
    with pytest.raises(ConfigError, match=message):
        ctm.fit_keyatm(corpus, lexicon, **kwargs)


# --- agreement between methods ------------------------------------------------------------


def test_compare_methods_known_answers(example):
    _, lexicon, dictionary = example
    same = ctm.DomainShares("copy", dictionary.shares, dictionary.units, lexicon)
    table = pd.concat(
        [
            ctm.section_shares(dictionary, level="section", interval="none"),
            ctm.section_shares(same, level="section", interval="none"),
        ]
    )
    comparison = compare_methods(table)
    assert set(comparison["method"]) == {"copy"}
    assert len(comparison) == table.groupby(["doc_id", "section"]).ngroups
    assert comparison["js_distance"].max() == pytest.approx(0.0, abs=1e-7)
    assert comparison["same_top"].all()
    assert comparison["rank_agreement"].dropna().min() == pytest.approx(1.0)
    with pytest.raises(ConfigError, match="reference"):
        compare_methods(table, reference="keyatm")


def test_compare_methods_on_models(example):
    corpus, lexicon, dictionary = example
    keyatm = quiet_keyatm(corpus, lexicon, random_state=1, dictionary=dictionary)
    table = pd.concat(
        [
            ctm.section_shares(s, level="section", interval="none")
            for s in (dictionary, keyatm)
        ]
    )
    comparison = compare_methods(table).set_index(["doc_id", "section"])
    assert comparison["js_distance"].between(0, 1).all()
    # Party leadership (3.1) and biosafety (3.2): the model and the dictionary agree.
    assert comparison.loc[(ARTICLE, "3.1"), "top"] == "political"
    assert comparison.loc[(ARTICLE, "3.2"), "top"] == "biological"
    assert comparison["top_in_reference_top2"].mean() >= 0.8
