"""Tests of the domain stage: seeded LDA, topic mapping, the dictionary baseline, one shape."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import corpus_tm as ctm
from corpus_tm.aggregation import section_shares
from corpus_tm.domains import (
    OTHER,
    DomainShares,
    dictionary_shares,
    domain_shares,
    fit_seeded_lda,
    map_topics,
    seed_prior,
)
from corpus_tm.errors import ConfigError
from corpus_tm.lexicon import default_lexicon, lexicon_from_dict
from corpus_tm.models import TopicModel, fit_lda, fit_nmf
from corpus_tm.preprocessing import build_corpus
from corpus_tm.synthetic import corpus_from_tokens

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
ARTICLE, NEWS = "qiushi-2020-08", "news-2020-04-16"


# --- generated data with a known answer ---------------------------------------------------

BIO = ["biosafety", "pathogen", "epidemic", "vaccine", "virus"]
ECO = ["trade", "market", "investment", "production", "supply"]
NEUTRAL = [f"word{i:02d}" for i in range(30)]
SMALL_LEXICON = {
    "biological": {"terms": BIO},
    "economic": {"terms": ECO},
    "polar": {"terms": ["arctic"]},
}


@pytest.fixture(scope="module")
def generated():
    """80 units: a known share of biological and economic words, the rest neutral."""
    rng = np.random.default_rng(7)
    tokens, truth = [], []
    for _ in range(80):
        bio, eco = rng.dirichlet([0.5, 0.5, 1.0])[:2]
        n = 60
        counts = rng.multinomial(n, [bio, eco, 1 - bio - eco])
        doc = (list(rng.choice(BIO, counts[0])) + list(rng.choice(ECO, counts[1]))
               + list(rng.choice(NEUTRAL, counts[2])))
        tokens.append([str(t) for t in rng.permutation(doc)])
        truth.append((counts[0] / n, counts[1] / n))
    return corpus_from_tokens(tokens, doc_id="gen"), np.array(truth)


def test_seeded_lda_recovers_known_domain_shares(generated):
    corpus, truth = generated
    lexicon = lexicon_from_dict(SMALL_LEXICON)
    with pytest.warns(UserWarning, match=r"polar \(0\)"):
        result = fit_seeded_lda(corpus, lexicon, n_free_topics=1, random_state=0)
    assert isinstance(result, DomainShares)
    assert result.method == "seeded_lda"
    assert list(result.shares.columns) == ["biological", "economic", "polar", OTHER]
    assert result.mapping["domain"].tolist() == ["biological", "economic", OTHER]
    assert result.mapping["source"].tolist() == ["seed", "seed", "free"]
    assert (result.shares["polar"] == 0).all()  # dropped: no seed in the vocabulary
    for column, true in zip(("biological", "economic"), truth.T, strict=True):
        r = np.corrcoef(result.shares[column], true)[0, 1]
        assert r > 0.95, (column, r)
        assert np.abs(result.shares[column] - true).mean() < 0.05
    assert result.params["seeded_domains"] == ["biological", "economic"]
    assert result.params["random_state"] == 0


def test_seeded_lda_is_reproducible(generated):
    corpus, _ = generated
    lexicon = lexicon_from_dict(SMALL_LEXICON)
    with pytest.warns(UserWarning, match="polar"):
        a = fit_seeded_lda(corpus, lexicon, random_state=3, passes=5)
    with pytest.warns(UserWarning, match="polar"):
        b = fit_seeded_lda(corpus, lexicon, random_state=3, passes=5)
    pd.testing.assert_frame_equal(a.shares, b.shares)


def test_seeded_topics_that_drift_count_as_other(generated):
    corpus, _ = generated
    lexicon = lexicon_from_dict({"biological": {"terms": BIO}, "economic": {"terms": ECO}})
    with pytest.warns(UserWarning, match="drifted"):
        result = fit_seeded_lda(corpus, lexicon, random_state=0, passes=5, min_topic_mass=1.0)
    assert set(result.mapping["source"]) == {"drifted", "free"}
    assert np.allclose(result.shares[OTHER], 1.0)


def test_seed_prior_boosts_seeds_by_their_counts(generated):
    corpus, _ = generated
    lexicon = lexicon_from_dict(SMALL_LEXICON)
    with pytest.warns(UserWarning, match="1 of 3 domains"):
        prior, topics = seed_prior(corpus, lexicon, n_free_topics=2, seed_weight=10.0)
    assert prior.shape == (4, len(corpus.dictionary))
    counts = np.asarray(corpus.dtm.sum(axis=0)).ravel()
    column = corpus.dictionary.token2id["biosafety"]
    assert prior[0, column] == pytest.approx(0.25 + 10.0 * counts[column])
    assert prior[1, column] == pytest.approx(0.25)
    neutral = corpus.dictionary.token2id["word03"]
    assert np.allclose(prior[:, neutral], 0.25)
    assert topics["n_seeds"].tolist() == [5, 5, 0, 0]
    assert topics["seed_count"].iloc[0] == sum(counts[corpus.dictionary.token2id[t]] for t in BIO)


def test_seed_prior_errors(generated):
    corpus, _ = generated
    nothing = lexicon_from_dict({"polar": {"terms": ["arctic", "antarctic"]}})
    with pytest.raises(ConfigError, match="No lexicon domain"):
        seed_prior(corpus, nothing)
    lexicon = lexicon_from_dict({"biological": {"terms": BIO}})
    for kwargs in ({"seed_weight": 0}, {"n_free_topics": -1}, {"min_seed_count": 0},
                   {"eta": -1.0}):
        with pytest.raises(ConfigError, match=next(iter(kwargs))):
            seed_prior(corpus, lexicon, **kwargs)


# --- topic mapping on a hand-made model ---------------------------------------------------

VOCAB = ["biosafety", "virus", "trade", "market", "people", "work"]


def hand_model(method: str = "nmf", alpha: float | None = None) -> TopicModel:
    topic_term = pd.DataFrame(
        [
            [0.40, 0.20, 0.00, 0.00, 0.20, 0.20],  # biological mass 0.6
            [0.00, 0.00, 0.30, 0.30, 0.20, 0.20],  # economic mass 0.6
            [0.05, 0.00, 0.00, 0.00, 0.50, 0.45],  # biological mass 0.05: weak
        ],
        columns=VOCAB,
    )
    doc_topic = pd.DataFrame(
        [[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [1 / 3, 1 / 3, 1 / 3]],
        index=pd.Index(["d/1", "d/2", "d/3"], name="unit_id"),
    )
    state = {"alpha": np.full(3, alpha)} if alpha is not None else {}
    return TopicModel(
        method=method, doc_topic=doc_topic, doc_topic_raw=doc_topic, topic_term=topic_term,
        topic_term_raw=topic_term, vocabulary=VOCAB, unit_ids=["d/1", "d/2", "d/3"],
        params={"n_topics": 3}, versions={}, state=state,
    )


HAND_UNITS = pd.DataFrame({"doc_id": "d", "unit_id": ["d/1", "d/2", "d/3"],
                           "text": ["a", "b", "c"], "n_tokens": [10, 10, 10]})
HAND_LEXICON = {"biological": {"terms": ["biosafety", "virus"]},
                "economic": {"terms": ["trade", "market"]}}


def test_map_topics_scores_mass_and_lift():
    lexicon = lexicon_from_dict(HAND_LEXICON)
    mapping = map_topics(hand_model(), lexicon)
    assert mapping["domain"].tolist() == ["biological", "economic", OTHER]
    assert mapping["mass"].tolist() == pytest.approx([0.6, 0.6, 0.05])
    # Topic weights are the mean unit shares: (0.3778, 0.3778, 0.2444).
    weights = np.array([0.7 + 0.1 + 1 / 3, 0.2 + 0.6 + 1 / 3, 0.1 + 0.3 + 1 / 3]) / 3
    bio_background = weights @ [0.6, 0.0, 0.05]
    assert mapping.loc[0, "score"] == pytest.approx(0.6 / bio_background)
    assert mapping.loc[2, "best"] == "biological"  # best, but lift < 1.5
    assert mapping.loc[2, "auto_domain"] == OTHER
    assert not mapping["overridden"].any()
    assert mapping.loc[0, "top_terms"].split()[0] == "biosafety"
    by_mass = map_topics(hand_model(), lexicon, score="mass", min_score=0.1)
    assert by_mass["score"].tolist() == pytest.approx([0.6, 0.6, 0.05])
    assert by_mass["domain"].tolist() == ["biological", "economic", OTHER]
    strict = map_topics(hand_model(), lexicon, min_mass=0.7)
    assert strict["domain"].tolist() == [OTHER, OTHER, OTHER]


def test_overrides_are_applied_and_recorded():
    lexicon = lexicon_from_dict(HAND_LEXICON)
    mapping = map_topics(hand_model(), lexicon, overrides={2: "economic", 0: OTHER})
    assert mapping["domain"].tolist() == [OTHER, "economic", "economic"]
    assert mapping["auto_domain"].tolist() == ["biological", "economic", OTHER]
    assert mapping["overridden"].tolist() == [True, False, True]
    result = domain_shares(hand_model(), mapping, HAND_UNITS, lexicon=lexicon, attribution="hard")
    assert result.params["overrides"] == {0: OTHER, 2: "economic"}
    assert result.mapping["overridden"].tolist() == [True, False, True]
    assert result.shares["economic"].tolist() == pytest.approx([0.3, 0.9, 2 / 3])
    with pytest.raises(ConfigError, match="'cyber'"):
        map_topics(hand_model(), lexicon, overrides={1: "cyber"})
    with pytest.raises(ConfigError, match="topic 7"):
        map_topics(hand_model(), lexicon, overrides={7: "economic"})
    with pytest.raises(ConfigError, match="score"):
        map_topics(hand_model(), lexicon, score="pmi")


def test_domain_shares_sum_topic_shares_by_domain():
    lexicon = lexicon_from_dict(HAND_LEXICON)
    result = domain_shares(hand_model(), map_topics(hand_model(), lexicon), HAND_UNITS,
                           lexicon=lexicon, attribution="hard")
    assert result.method == "nmf_mapped"
    expected = pd.DataFrame(
        {"biological": [0.7, 0.1, 1 / 3], "economic": [0.2, 0.6, 1 / 3],
         OTHER: [0.1, 0.3, 1 / 3]},
        index=pd.Index(["d/1", "d/2", "d/3"], name="unit_id"),
    )
    pd.testing.assert_frame_equal(result.shares, expected)
    with pytest.raises(ConfigError, match="topics"):
        domain_shares(hand_model(), pd.DataFrame({"topic": [0], "domain": ["economic"]}),
                      HAND_UNITS, lexicon=lexicon, attribution="hard")
    with pytest.raises(ConfigError, match="built Corpus"):
        domain_shares(hand_model(), None, HAND_UNITS, lexicon=lexicon)


def test_lda_shares_take_the_dirichlet_prior_out():
    # gamma = alpha + counts: with alpha = 1, 3 topics and 10 tokens, doc_topic = (1 + c) / 13.
    counts = np.array([[7, 3, 0], [0, 10, 0], [2, 2, 6]], dtype=float)
    corpus = corpus_from_tokens([["people"] * 10] * 3, doc_id="d")
    model = hand_model("lda", alpha=1.0)
    doc_topic = pd.DataFrame((counts + 1) / 13, index=pd.Index(corpus.unit_ids, name="unit_id"))
    model = TopicModel(**{**model.__dict__, "doc_topic": doc_topic, "doc_topic_raw": doc_topic,
                          "unit_ids": corpus.unit_ids})
    lexicon = lexicon_from_dict(HAND_LEXICON)
    mapping = pd.DataFrame({"topic": [0, 1, 2], "domain": ["biological", "economic", OTHER]})
    result = domain_shares(model, mapping, corpus, lexicon=lexicon, attribution="hard")
    assert result.shares.to_numpy() == pytest.approx(counts / 10)


def test_fit_lda_gamma_is_alpha_plus_token_counts(generated):
    # domain_shares relies on this property of corpus_tm.fit_lda (gensim's gamma).
    corpus, _ = generated
    model = fit_lda(corpus, 4, alpha=0.5, random_state=0, passes=3)
    n = np.asarray(corpus.dtm.sum(axis=1)).ravel()
    counts = model.doc_topic.to_numpy() * (2.0 + n)[:, None] - 0.5
    assert counts.min() > -1e-6
    assert counts.sum(axis=1) == pytest.approx(n)


# --- the dictionary baseline --------------------------------------------------------------


def test_dictionary_shares_known_answer():
    units = pd.DataFrame(
        {
            "doc_id": "d",
            "unit_id": ["d/1", "d/2", "d/3"],
            "text": ["Biosafety and biosecurity matter. Trade too.", "Nothing to see.",
                     "The Party leads the army."],
            "n_tokens": [6, 3, 5],
        }
    )
    result = dictionary_shares(units, scale="hits")
    assert result.method == "dictionary"
    shares = result.shares
    assert shares.loc["d/1", "biological"] == pytest.approx(2 / 3)
    assert shares.loc["d/1", "economic"] == pytest.approx(1 / 3)
    assert shares.loc["d/2", OTHER] == 1.0
    assert shares.loc["d/3", ["political", "military"]].tolist() == [0.5, 0.5]
    assert result.params["n_hits"] == {"d/1": 3, "d/2": 0, "d/3": 2}
    tidy = result.tidy()
    assert list(tidy.columns) == ["method", "doc_id", "unit_id", "domain", "share"]
    assert len(tidy) == 3 * 21


def test_sentence_dictionary_shares_are_shares_of_the_words():
    units = pd.DataFrame(
        {
            "doc_id": "d",
            "unit_id": ["d/1", "d/2", "d/3"],
            "text": ["Biosafety matters a great deal to us all. Trade too.",
                     "Nothing here. Biosafety.", "The Party leads the army."],
            "n_tokens": [10, 3, 5],
        }
    )
    result = dictionary_shares(units)
    assert result.params["scale"] == "sentences"
    shares = result.shares
    # 8 words in a biological sentence, 2 in an economic one (the hits alone say 1:1).
    assert shares.loc["d/1", ["biological", "economic", OTHER]].tolist() == pytest.approx(
        [0.8, 0.2, 0.0]
    )
    assert dictionary_shares(units, scale="hits").shares.loc["d/1", "biological"] == 0.5
    assert shares.loc["d/2", ["biological", OTHER]].tolist() == pytest.approx([1 / 3, 2 / 3])
    assert shares.loc["d/3", ["political", "military"]].tolist() == [0.5, 0.5]
    assert result.params["n_hits"] == {"d/1": 2, "d/2": 1, "d/3": 2}
    with pytest.raises(ConfigError, match="scale"):
        dictionary_shares(units, scale="words")


def test_domain_shares_shape_is_checked():
    lexicon = lexicon_from_dict(HAND_LEXICON)
    good = pd.DataFrame({"biological": [1.0], "economic": [0.0], OTHER: [0.0]},
                        index=pd.Index(["d/1"], name="unit_id"))
    units = HAND_UNITS.iloc[:1]
    DomainShares("x", good, units, lexicon)
    with pytest.raises(ConfigError, match="columns"):
        DomainShares("x", good[["economic", "biological", OTHER]], units, lexicon)
    with pytest.raises(ConfigError, match="sum to 1"):
        DomainShares("x", good * 0.5, units, lexicon)
    with pytest.raises(ConfigError, match="unit ids"):
        DomainShares("x", good, HAND_UNITS.iloc[1:2], lexicon)


# --- the plain cases on the example article -----------------------------------------------


def fit_seeds(corpus, lexicon, seeds) -> list[DomainShares]:
    """Seeded LDA fits; the example corpus lacks seeds for some domains and may drift."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fits = [fit_seeded_lda(corpus, lexicon, random_state=seed) for seed in seeds]
    for warning in caught:
        assert issubclass(warning.category, UserWarning)
        assert re.search(r"get no topic|drifted", str(warning.message)), warning.message
    assert any("get no topic" in str(w.message) for w in caught)
    return fits


@pytest.fixture(scope="module")
def example():
    units = ctm.read_corpus(CORPUS)
    corpus = build_corpus(units, cache_dir=False)
    lexicon = default_lexicon()
    dictionary = dictionary_shares(corpus, lexicon)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*get no keyword topic", UserWarning)
        keyatm = [
            ctm.fit_keyatm(corpus, lexicon, random_state=seed, dictionary=dictionary)
            for seed in range(5)
        ]
    nmf = fit_nmf(corpus, 15, random_state=0)
    lda = fit_lda(corpus, 15, random_state=0)
    methods = {
        "dictionary": dictionary,
        "keyatm": keyatm,
        "nmf_mapped": domain_shares(nmf, None, corpus, lexicon=lexicon, dictionary=dictionary),
        "lda_mapped": domain_shares(lda, None, corpus, lexicon=lexicon, dictionary=dictionary),
    }
    return units, methods


def shares_by_section(result) -> pd.Series:
    table = section_shares(result, level="section", interval="none")
    return table.set_index(["doc_id", "section", "domain"])["share"].sort_index()


def test_the_sections_are_what_the_tests_say_they_are(example):
    units, _ = example
    text = units.groupby(["doc_id", "part", "section"])["text"].apply(" ".join)
    assert re.search(r"biosafety", text[(ARTICLE, 3, 2)], re.IGNORECASE)
    assert re.search(r"infectious diseases", text[(ARTICLE, 1, 2)])
    assert re.search(r"production", text[(ARTICLE, 2, 2)])
    assert re.search(r"supply", text[(ARTICLE, 2, 2)])
    assert re.search(r"leadership of the Party", text[(ARTICLE, 3, 1)])
    assert re.search(r"biosecurity", text[(NEWS, 0, 2)])


@pytest.mark.parametrize("method", ["dictionary", "keyatm", "nmf_mapped", "lda_mapped"])
def test_each_domain_peaks_where_the_article_discusses_it(example, method):
    _, methods = example
    share = shares_by_section(methods[method])

    def peaks(domain: str, doc: str, section: str, others: list[str]) -> None:
        here = share[(doc, section, domain)]
        elsewhere = {s: share[(doc, s, domain)] for s in others}
        assert here > max(elsewhere.values()), (method, domain, section, here, elsewhere)

    # Biosafety and infectious disease: part 3 "Second" and the news report's "Second".
    peaks("biological", ARTICLE, "3.2", ["3.1", "3.3", "3.4", "3.5"])
    peaks("biological", NEWS, "0.2", ["0.1", "0.3", "0.4", "0.5"])
    # Development, production and supply: part 2 "Second".
    peaks("economic", ARTICLE, "2.2", ["2.1", "2.3"])
    # Party leadership: part 3 "First" and the news report's "First".
    peaks("political", ARTICLE, "3.1", ["3.2", "3.3", "3.4", "3.5"])
    peaks("political", NEWS, "0.1", ["0.2", "0.3", "0.4", "0.5"])


def test_biological_is_the_first_named_domain_where_biosafety_is_discussed(example):
    _, methods = example
    for method, result in methods.items():
        share = shares_by_section(result)
        named = share[(ARTICLE, "3.2")].drop(OTHER)
        assert named.idxmax() == "biological", (method, named.nlargest(3))
