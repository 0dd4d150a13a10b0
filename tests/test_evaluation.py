"""Tests of corpus_tm.evaluation: coherence, diversity, perplexity, sweep, stability, k."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gensim.models.coherencemodel import CoherenceModel
from gensim.parsing.preprocessing import STOPWORDS
from gensim.test.utils import datapath

from corpus_tm.errors import ConfigError, InputError
from corpus_tm.evaluation import (
    Evaluation,
    StabilityResult,
    SweepResult,
    evaluate,
    recommend_k,
    stability,
    sweep,
    topic_coherence,
    topic_diversity,
)
from corpus_tm.models import fit_lda, fit_nmf
from corpus_tm.synthetic import corpus_from_tokens, make_lda_corpus

EXAMPLE = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.fixture(scope="module")
def lee():
    """gensim's bundled Lee background corpus (300 news texts), simply tokenised."""
    with open(datapath("lee_background.cor"), encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    tokens = [
        [w for w in re.findall(r"[a-z]+", line.lower()) if len(w) > 2 and w not in STOPWORDS]
        for line in lines
    ]
    full = corpus_from_tokens(tokens, doc_id="lee")
    full.dictionary.filter_extremes(no_below=3, no_above=0.5)
    return corpus_from_tokens(tokens, doc_id="lee", dictionary=full.dictionary)


@pytest.fixture(scope="module")
def example_corpus():
    """The project's example corpus (two texts), read and preprocessed by corpus_tm."""
    import corpus_tm as ctm

    if not EXAMPLE.exists():
        pytest.fail(f"{EXAMPLE} is missing: the tests need ../shared beside the repository.")
    build = getattr(ctm, "build_corpus", None)
    if build is None:
        from corpus_tm.preprocessing import build_corpus as build
    return build(ctm.read_corpus(EXAMPLE))


@pytest.fixture(scope="module")
def lee_models(lee):
    return fit_lda(lee, 8, random_state=1), fit_nmf(lee, 8, random_state=1)


# --- coherence and diversity ----------------------------------------------------------------


def test_coherence_is_the_same_computation_for_both_methods(lee, lee_models):
    for model in lee_models:
        ev = evaluate(model, lee, top_n=10)
        assert isinstance(ev, Evaluation)
        topics = model.topic_terms(10)
        for measure in ("c_v", "c_npmi", "u_mass"):
            ours = topic_coherence(topics, lee, measure=measure)
            np.testing.assert_allclose(ev.topics[measure], ours)
            assert ev.overall[measure] == pytest.approx(ours.mean())
            kwargs = {"corpus": list(lee.bow)} if measure == "u_mass" else {"texts": lee.tokens}
            direct = CoherenceModel(
                topics=topics, dictionary=lee.dictionary, coherence=measure, processes=1, **kwargs
            ).get_coherence_per_topic()
            np.testing.assert_allclose(ours, direct)
        assert list(ev.topics["topic"]) == list(range(8))
        assert ev.topics["top_terms"][0] == " ".join(topics[0])
        np.testing.assert_allclose(ev.topics["share"].sum(), 1.0)
        assert 0 <= ev.overall["c_v"] <= 1
        assert -1 <= ev.overall["c_npmi"] <= 1
        assert ev.overall["u_mass"] < 0


def test_coherence_ranks_real_topics_above_shuffled_ones(lee, lee_models):
    # known answer: the fitted NMF topics are more coherent than the same terms dealt at random
    topics = lee_models[1].topic_terms(10)
    rng = np.random.default_rng(0)
    flat = rng.permutation([t for topic in topics for t in topic])
    shuffled = [list(flat[i : i + 10]) for i in range(0, len(flat), 10)]
    for measure in ("c_v", "c_npmi", "u_mass"):
        real = topic_coherence(topics, lee, measure=measure).mean()
        fake = topic_coherence(shuffled, lee, measure=measure).mean()
        assert real > fake, measure


def test_topic_diversity_known_values(lee_models):
    assert topic_diversity([["a", "b"], ["a", "c"]]) == 0.75
    assert topic_diversity([["a", "b"], ["b", "a"]]) == 0.5
    assert topic_diversity([["a", "b"], ["c", "d"]]) == 1.0
    model = lee_models[0]
    terms = model.top_terms(10)["term"]
    assert topic_diversity(model, 10) == terms.nunique() / len(terms)
    with pytest.raises(InputError):
        topic_diversity([])


def test_coherence_rejects_unknown_terms_and_measures(lee):
    with pytest.raises(InputError, match="not in the corpus vocabulary"):
        topic_coherence([["government", "zzzunknownzzz"]], lee)
    with pytest.raises(ConfigError, match="measures"):
        topic_coherence([["government", "police"]], lee, measure="c_magic")
    with pytest.raises(InputError, match="at least two"):
        topic_coherence([["government"]], lee)


# --- perplexity and reconstruction error ----------------------------------------------------


def test_nmf_reconstruction_error_matches_scikit_learn(lee, lee_models):
    nmf = lee_models[1]
    ev = evaluate(nmf, lee, measures=())
    assert ev.overall["reconstruction_error"] == pytest.approx(
        nmf.diagnostics["reconstruction_error"], rel=1e-9
    )
    assert 0 < ev.overall["relative_reconstruction_error"] < 1
    # the same units as a new corpus object with other unit ids: W is re-estimated with H fixed
    again = corpus_from_tokens(lee.tokens, doc_id="again", dictionary=lee.dictionary)
    refit = evaluate(nmf, again, measures=()).overall["reconstruction_error"]
    assert refit == pytest.approx(ev.overall["reconstruction_error"], rel=1e-3)
    counts = fit_nmf(lee, 8, random_state=1, weighting="counts")
    ev_counts = evaluate(counts, lee, measures=())
    assert ev_counts.overall["reconstruction_error"] == pytest.approx(
        counts.diagnostics["reconstruction_error"], rel=1e-9
    )


def test_lda_perplexity_is_lower_on_text_from_the_same_topics():
    # known answer: held-out units drawn from the training topics are better explained than
    # units drawn from other topics over the same vocabulary
    data = make_lda_corpus(n_topics=5, n_terms=400, n_docs=300, doc_length=60, random_state=0)
    other = make_lda_corpus(n_topics=5, n_terms=400, n_docs=60, doc_length=60, random_state=9)
    vocab = data.corpus.dictionary
    train = corpus_from_tokens(data.corpus.tokens[:240], dictionary=vocab)
    held_out = corpus_from_tokens(data.corpus.tokens[240:], dictionary=vocab)
    foreign = corpus_from_tokens(other.corpus.tokens, dictionary=vocab)
    model = fit_lda(train, 5, random_state=0)
    same = evaluate(model, held_out, measures=()).overall
    diff = evaluate(model, foreign, measures=()).overall
    assert same["per_word_bound"] < 0
    assert same["perplexity"] == pytest.approx(np.exp(-same["per_word_bound"]))
    assert same["perplexity"] < diff["perplexity"]
    again = evaluate(model, held_out, measures=()).overall
    assert again["per_word_bound"] == same["per_word_bound"]  # deterministic


def test_evaluate_validates(lee, lee_models):
    with pytest.raises(ConfigError, match="top_n"):
        evaluate(lee_models[0], lee, top_n=1)
    with pytest.raises(InputError, match="TopicModel"):
        evaluate("model", lee)


# --- sweep ----------------------------------------------------------------------------------


def _same_sweeps(a: SweepResult, b: SweepResult) -> None:
    pd.testing.assert_frame_equal(
        a.metrics.drop(columns="seconds"), b.metrics.drop(columns="seconds"), check_exact=True
    )
    assert a.models.keys() == b.models.keys()
    for key in a.models:
        for frame in ("doc_topic", "topic_term", "doc_topic_raw", "topic_term_raw"):
            pd.testing.assert_frame_equal(
                getattr(a.models[key], frame), getattr(b.models[key], frame), check_exact=True
            )


def test_sweep_on_the_example_corpus_is_deterministic(example_corpus):
    kwargs = dict(method="lda", n_topics=[2, 3, 4], seeds=[0, 1], measures=("c_v", "u_mass"))
    one = sweep(example_corpus, n_jobs=1, **kwargs)
    two = sweep(example_corpus, n_jobs=2, **kwargs)
    _same_sweeps(one, two)
    m = one.metrics
    assert len(m) == 6
    assert list(zip(m["k"], m["seed"], strict=True)) == [(k, s) for k in (2, 3, 4) for s in (0, 1)]
    assert {"method", "c_v", "u_mass", "diversity", "per_word_bound", "perplexity"} <= set(m)
    assert m[["c_v", "u_mass", "diversity", "perplexity"]].notna().all().all()
    assert one.params["model_params"] == {}
    # a model from the sweep is the model a single fit gives
    single = fit_lda(example_corpus, 3, random_state=1)
    for frame in ("doc_topic", "topic_term"):
        pd.testing.assert_frame_equal(
            getattr(single, frame), getattr(one.models[3, 1], frame), check_exact=True
        )
    rec = recommend_k(one)
    assert rec.k in (2, 3, 4)
    assert int(rec) == rec.k
    assert rec.table["recommended"].sum() == 1
    assert recommend_k(two).k == rec.k
    print(f"example corpus, LDA: recommended k = {rec.k}")
    print(rec.table.to_string())


def test_nmf_sweep_with_two_jobs_matches_one_job(lee):
    kwargs = dict(method="nmf", n_topics=[3, 6], seeds=[0, 1], measures=("c_npmi",))
    _same_sweeps(sweep(lee, n_jobs=1, **kwargs), sweep(lee, n_jobs=2, **kwargs))


def test_sweep_progress_bar(lee, capsys):
    sweep(lee, method="nmf", n_topics=[2, 3], seeds=[0], measures=(), progress=True)
    assert "2/2" in capsys.readouterr().err


def test_sweep_validates(lee):
    with pytest.raises(ConfigError, match="method"):
        sweep(lee, method="lsa", n_topics=[2])
    with pytest.raises(ConfigError, match=r"n_topics must be between 1 and \d+"):
        sweep(lee, method="nmf", n_topics=[2, 100000])
    with pytest.raises(ConfigError, match="seeds is empty"):
        sweep(lee, method="nmf", n_topics=[2], seeds=[])
    with pytest.raises(ConfigError, match="random_state"):
        sweep(lee, method="nmf", n_topics=[2], random_state=3)
    with pytest.raises(ConfigError, match="not parameters of fit_nmf"):
        sweep(lee, method="nmf", n_topics=[2], passes=3)
    with pytest.raises(ConfigError, match="n_jobs"):
        sweep(lee, method="nmf", n_topics=[2], n_jobs=0)
    with pytest.raises(InputError, match="no units"):
        sweep(corpus_from_tokens([]), method="nmf", n_topics=[2])


# --- stability ------------------------------------------------------------------------------


def _permuted(model, order):
    """The same model with its topics renumbered: topic i of the result is topic order[i]."""
    frames = {}
    for name in ("doc_topic", "doc_topic_raw"):
        frame = getattr(model, name)
        frames[name] = pd.DataFrame(
            frame.to_numpy()[:, order], index=frame.index, columns=frame.columns
        )
    for name in ("topic_term", "topic_term_raw"):
        frame = getattr(model, name)
        frames[name] = pd.DataFrame(
            frame.to_numpy()[order], index=frame.index, columns=frame.columns
        )
    return dataclasses.replace(model, **frames)


def test_stability_aligns_permuted_topics(lee_models):
    nmf = lee_models[1]
    order = np.array([3, 0, 7, 1, 6, 2, 5, 4])
    runs = {(8, 0): nmf, (8, 1): _permuted(nmf, order)}
    result = stability(runs)
    assert isinstance(result, StabilityResult)
    assert result.by_k["stability"].tolist() == [pytest.approx(1.0)]
    seed1 = result.alignment[result.alignment["seed"] == 1]
    # topic i of seed 1 is topic order[i] of seed 0
    mapping = dict(zip(seed1["topic"], seed1["reference_topic"], strict=True))
    assert mapping == {i: int(order[i]) for i in range(8)}
    np.testing.assert_allclose(result.topics["stability"], 1.0)


def test_stability_flags_a_topic_that_does_not_reproduce(lee_models):
    nmf = lee_models[1]
    other = _permuted(nmf, np.arange(8))
    tt = other.topic_term.to_numpy().copy()
    rng = np.random.default_rng(0)
    tt[5] = rng.dirichlet(np.full(tt.shape[1], 0.05))  # topic 5 replaced by noise
    other = dataclasses.replace(
        other,
        topic_term=pd.DataFrame(tt, index=other.topic_term.index, columns=other.topic_term.columns),
    )
    result = stability({(8, 0): nmf, (8, 1): other, (4, 0): nmf})  # k=4 has one seed: left out
    assert result.by_k["k"].tolist() == [8]
    per_topic = result.topics.set_index("topic")["stability"]
    assert per_topic.idxmin() == 5
    assert per_topic[5] < 0.3
    assert (per_topic.drop(5) > 0.999).all()
    assert result.by_k["stability"][0] == pytest.approx(per_topic.mean())
    with pytest.raises(InputError, match="two seeds"):
        stability({(8, 0): nmf})


def test_lda_stability_is_higher_at_the_true_number_of_topics():
    # known answer on a generated corpus with 5 topics; measured by-k stability (seeds 0, 1):
    # 0.99994 at k=5 against 0.82 at k=8, where three of the eight reference topics (0.53,
    # 0.77, 0.26) are split differently by the other seed
    data = make_lda_corpus(n_topics=5, n_terms=500, n_docs=200, doc_length=80, random_state=0)
    runs = {(k, s): fit_lda(data.corpus, k, random_state=s) for k in (5, 8) for s in (0, 1)}
    result = stability(runs)
    by_k = result.by_k.set_index("k")["stability"]
    assert by_k[5] > 0.99
    assert by_k[5] > by_k[8] + 0.1
    per_topic = result.topics.set_index(["k", "topic"])["stability"]
    assert (per_topic[5] > 0.99).all()
    assert (per_topic[8] < 0.9).sum() >= 2


# --- choice of k ----------------------------------------------------------------------------


def test_recommend_k_finds_the_true_number_of_topics():
    # known answer: 6 generated topics; measured scores (NMF, c_v) peak at k=6 (0.962, against
    # 0.956 at k=5 and 0.927 at k=7); NMF with nndsvda is seed-independent, so the standard error
    # is 0 and no smaller k ties.
    data = make_lda_corpus(n_topics=6, n_terms=600, n_docs=400, doc_length=80, random_state=0)
    runs = sweep(data.corpus, method="nmf", n_topics=range(4, 9), seeds=[0, 1], measures=("c_v",))
    rec = recommend_k(runs)
    assert rec.k == 6
    assert rec.table.loc[rec.table["recommended"], "k"].tolist() == [6]
    assert rec.table["score"].idxmax() == rec.table.index[rec.table["k"] == 6][0]


def _fake_sweep(rows):
    metrics = pd.DataFrame(rows, columns=["k", "seed", "c_v", "diversity"]).assign(method="nmf")
    return SweepResult(method="nmf", metrics=metrics, models={}, params={})


def _fake_stability(values):
    pairs = pd.DataFrame([{"k": k, "seed_a": 0, "seed_b": 1, "stability": v} for k, v in values])
    by_k = pd.DataFrame([{"k": k, "stability": v} for k, v in values])
    return StabilityResult(by_k=by_k, topics=pd.DataFrame(), alignment=pd.DataFrame(), pairs=pairs)


def test_recommend_k_weighs_criteria_and_prefers_smaller_k_on_ties():
    # k=8 has the best coherence but poor diversity and stability: not chosen
    rows = [(4, s, 0.60, 0.90) for s in (0, 1)]
    rows += [(6, s, 0.62, 0.90) for s in (0, 1)]
    rows += [(8, s, 0.70, 0.60) for s in (0, 1)]
    runs = _fake_sweep(rows)
    stab = _fake_stability([(4, 0.95), (6, 0.95), (8, 0.70)])
    rec = recommend_k(runs, stability_result=stab)
    assert rec.k == 6
    # only coherence counts: now k=8
    only_coherence = {"diversity": 0, "stability": 0}
    assert recommend_k(runs, stability_result=stab, weights=only_coherence).k == 8
    # a tolerance that covers the gap between k=4 and k=6 gives the smaller k
    assert recommend_k(runs, stability_result=stab, tolerance=0.01).k == 4
    # exact ties go to the smaller k
    tied = _fake_sweep([(k, s, 0.6, 0.9) for k in (5, 7) for s in (0, 1)])
    assert recommend_k(tied, stability_result=_fake_stability([(5, 0.9), (7, 0.9)])).k == 5


def test_recommend_k_uses_the_seed_spread():
    # k=5 scores a little higher on average than k=4 but its seeds disagree; within one
    # standard error the smaller k is recommended
    rows = [(4, 0, 0.60, 0.9), (4, 1, 0.60, 0.9), (5, 0, 0.50, 0.9), (5, 1, 0.74, 0.9)]
    stab = _fake_stability([(4, 0.9), (5, 0.9)])
    rec = recommend_k(_fake_sweep(rows), stability_result=stab)
    table = rec.table.set_index("k")
    assert table.loc[5, "score"] > table.loc[4, "score"]
    assert table.loc[5, "score_se"] == pytest.approx(0.24 / 3 / 2)
    assert rec.k == 4
    assert recommend_k(_fake_sweep(rows), stability_result=stab, tolerance=0.0).k == 5


def test_recommend_k_validates():
    runs = _fake_sweep([(4, 0, 0.6, 0.9)])
    with pytest.raises(ConfigError, match="c_npmi"):
        recommend_k(runs, coherence="c_npmi")
    with pytest.raises(ConfigError, match="weights"):
        recommend_k(runs, weights={"beauty": 1})
    with pytest.raises(ConfigError, match="tolerance"):
        recommend_k(runs, tolerance=-1)
    with pytest.raises(InputError, match="SweepResult"):
        recommend_k({})
    # one seed: stability is left out and the coherence and diversity decide
    rec = recommend_k(runs)
    assert rec.weights["stability"] == 0
    assert rec.k == 4
