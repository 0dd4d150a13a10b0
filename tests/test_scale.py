"""Scale: coherence counted once gives gensim's numbers; derived corpus views agree.

Reference numbers come from gensim's own ``CoherenceModel`` counting the corpus itself.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from gensim.corpora import Dictionary
from gensim.models.coherencemodel import CoherenceModel
from gensim.test.utils import common_texts

from corpus_tm.corpus import tokens_to_dtm
from corpus_tm.errors import ConfigError, InputError
from corpus_tm.evaluation import (
    CoherenceCounts,
    coherence_counts,
    evaluate,
    sweep,
    topic_coherence,
)
from corpus_tm.models import fit_nmf
from corpus_tm.preprocessing import load_corpus, preprocess_texts, save_corpus
from corpus_tm.synthetic import (
    corpus_from_tokens,
    draw_lda_documents,
    make_lda_corpus,
    pseudo_words,
    topic_recovery,
)

MEASURES = ("c_v", "c_npmi", "c_uci", "u_mass")


def gensim_coherence(topics, corpus, measure, window_size=None):
    kwargs = {"corpus": list(corpus.bow)} if measure == "u_mass" else {"texts": corpus.tokens}
    if window_size is not None and measure != "u_mass":
        kwargs["window_size"] = window_size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # log(0) of pairs never seen together
        model = CoherenceModel(
            topics=[list(t) for t in topics],
            dictionary=corpus.dictionary,
            coherence=measure,
            topn=max(len(t) for t in topics),
            processes=1,
            **kwargs,
        )
        return np.asarray(model.get_coherence_per_topic())


def ours(topics, corpus, measure, window_size=None, counts=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return topic_coherence(
            topics, corpus, measure=measure, window_size=window_size, counts=counts
        )


@pytest.fixture(scope="module")
def repetitive():
    # Few terms, many repeats, units of every length from 0 to 40: gensim's sliding window
    # (which unsets a word leaving the window even if it occurs again inside) is exercised.
    rng = np.random.default_rng(3)
    vocab = [f"t{i}" for i in range(12)]
    docs = [list(rng.choice(vocab, size=int(n))) for n in rng.integers(0, 41, size=80)]
    topics = [list(rng.choice(vocab, size=5, replace=False)) for _ in range(6)]
    return corpus_from_tokens(docs), topics


@pytest.mark.parametrize("window_size", [None, 1, 2, 3, 7, 25, 110])
def test_counted_coherence_is_gensims_on_repetitive_text(repetitive, window_size):
    corpus, topics = repetitive
    for measure in MEASURES:
        np.testing.assert_array_equal(
            ours(topics, corpus, measure, window_size),
            gensim_coherence(topics, corpus, measure, window_size),
            err_msg=measure,
        )


def test_counted_coherence_is_gensims_on_gensim_common_texts():
    dictionary = Dictionary(common_texts)
    corpus = corpus_from_tokens(common_texts, dictionary=dictionary)
    topics = [["human", "computer", "system", "interface"], ["graph", "minors", "trees", "eps"]]
    for measure in MEASURES:
        np.testing.assert_array_equal(
            ours(topics, corpus, measure), gensim_coherence(topics, corpus, measure)
        )


def test_counts_made_once_serve_every_model_of_a_sweep():
    data = make_lda_corpus(
        n_topics=4, n_terms=300, n_docs=150, doc_length=130, random_state=5
    )  # units longer than c_v's window of 110: the window slides
    corpus = data.corpus
    models = [fit_nmf(corpus, k, random_state=0) for k in (3, 4, 6)]
    topics = [m.topic_terms(8) for m in models]
    union = sorted({t for model in topics for topic in model for t in topic})
    for measure in MEASURES:
        counts = coherence_counts(corpus, union, measure=measure)
        assert isinstance(counts, CoherenceCounts)
        for model_topics in topics:
            np.testing.assert_allclose(
                ours(model_topics, corpus, measure, counts=counts),
                gensim_coherence(model_topics, corpus, measure),
                rtol=1e-12,
                atol=1e-15,
            )
    # c_npmi and c_uci share their counts (same window)
    shared = coherence_counts(corpus, union, measure="c_npmi")
    np.testing.assert_array_equal(
        ours(topics[0], corpus, "c_uci", counts=shared),
        gensim_coherence(topics[0], corpus, "c_uci"),
    )
    # evaluate with given counts = evaluate counting itself
    given = evaluate(
        models[1],
        corpus,
        counts=[coherence_counts(corpus, union, measure=m) for m in ("c_v", "c_npmi", "u_mass")],
    )
    alone = evaluate(models[1], corpus)
    assert given.overall.equals(alone.overall)


def test_counts_are_checked(repetitive):
    corpus, topics = repetitive
    counts = coherence_counts(corpus, topics[:1], measure="c_npmi")
    with pytest.raises(ConfigError, match="window_size"):
        topic_coherence(topics[:1], corpus, measure="c_v", counts=counts)
    with pytest.raises(ConfigError, match="u_mass"):
        topic_coherence(topics[:1], corpus, measure="u_mass", counts=counts)
    with pytest.raises(InputError, match="cover"):
        topic_coherence(topics, corpus, measure="c_npmi", counts=counts)
    other = corpus_from_tokens([["t1", "t2"], ["t2", "t3"]], doc_id="other")
    with pytest.raises(InputError, match="another corpus"):
        topic_coherence([["t1", "t2"]], other, measure="c_npmi", counts=counts)
    with pytest.raises(InputError, match="vocabulary"):
        coherence_counts(corpus, ["t1", "nope"], measure="c_v")
    with pytest.raises(ConfigError, match="window_size"):
        coherence_counts(corpus, ["t1"], measure="c_v", window_size=0)


def test_sweep_coherence_equals_evaluate_per_model():
    corpus = make_lda_corpus(n_topics=3, n_terms=200, n_docs=80, random_state=2).corpus
    runs = sweep(corpus, method="nmf", n_topics=[2, 4], seeds=[0, 1], init="random")
    assert list(runs.metrics.columns[:6]) == ["method", "k", "seed", "c_v", "c_npmi", "u_mass"]
    for _, row in runs.metrics.iterrows():
        ev = evaluate(runs.models[(int(row["k"]), int(row["seed"]))], corpus)
        for measure in ("c_v", "c_npmi", "u_mass", "diversity"):
            assert row[measure] == ev.overall[measure]


# --- derived views of the corpus ---------------------------------------------------------


def test_token_ids_and_dtm_agree_with_the_token_lists(tmp_path):
    data = make_lda_corpus(n_topics=3, n_terms=150, n_docs=60, random_state=4)
    dictionary = data.corpus.dictionary
    # a unit with no tokens and tokens outside the dictionary keep their place
    tokens = [*data.corpus.tokens[:20], [], ["w000", "zzz", "w001"]]
    from corpus_tm.corpus import Corpus

    corpus = Corpus(units=corpus_from_tokens(tokens).units, tokens=tokens, dictionary=dictionary)
    ids, offsets = corpus.token_ids
    assert ids.dtype == np.int32
    assert offsets[-1] == sum(map(len, tokens))
    vocab = corpus.vocabulary
    for i, doc in enumerate(tokens):
        row = ids[offsets[i] : offsets[i + 1]].tolist()
        assert [vocab[j] if j >= 0 else None for j in row] == [
            t if t in dictionary.token2id else None for t in doc
        ]
    reference = tokens_to_dtm(tokens, dictionary)
    assert (corpus.dtm != reference).nnz == 0
    assert corpus.dtm.has_sorted_indices
    assert list(corpus.bow) == [
        dictionary.doc2bow([t for t in d if t in dictionary.token2id]) for d in tokens
    ]
    # the saved corpus (ids + offsets on disk) reads back as the same corpus
    saved = load_corpus(save_corpus(data.corpus, tmp_path / "c"))
    assert saved.tokens == data.corpus.tokens
    assert (saved.dtm != data.corpus.dtm).nnz == 0


def test_drawn_documents_follow_the_model_and_words_survive_preprocessing():
    words = pseudo_words(400, random_state=1)
    assert len(set(words)) == 400
    assert all(w.isalpha() and len(w) > 3 for w in words)
    assert (
        sum(
            out == [w]
            for w, out in zip(words, preprocess_texts(words, phrase_layers=0), strict=True)
        )
        >= 395
    )
    docs = draw_lda_documents(n_topics=4, n_terms=400, n_docs=3000, doc_length=60, random_state=1)
    assert docs.offsets[-1] == docs.ids.size
    assert docs.ids.max() < 400
    texts = list(docs.texts(words, 0, 2))
    assert texts[0].split() == [words[i] for i in docs.ids[: docs.offsets[1]]]
    corpus = corpus_from_tokens([t.split() for t in docs.texts(words)])
    model = fit_nmf(corpus, 4, random_state=0, weighting="counts")
    aligned = model.topic_term.reindex(columns=words, fill_value=0.0).to_numpy()
    assert topic_recovery(docs.topic_term, aligned)["cosine"].mean() > 0.9


# --- one copy of the corpus, streamed to gensim ------------------------------------------


def test_built_corpus_holds_its_tokens_once_as_term_ids(example_units, tmp_path):
    from corpus_tm.corpus import Corpus, TokenLists
    from corpus_tm.preprocessing import build_corpus

    corpus = build_corpus(example_units, cache_dir=False)
    assert isinstance(corpus.tokens, TokenLists)
    as_lists = [list(doc) for doc in corpus.tokens]
    # the id-backed lists behave like the plain lists they stand for
    assert len(corpus.tokens) == len(as_lists) == len(example_units)
    assert corpus.tokens == as_lists
    assert corpus.tokens[-1] == as_lists[-1]
    assert corpus.tokens[3:7] == as_lists[3:7]
    assert corpus.tokens != [*as_lists[:-1], [*as_lists[-1], "extra"]]
    assert "national_security" in {t for doc in as_lists for t in doc}
    with pytest.raises(IndexError):
        corpus.tokens[len(as_lists)]
    # the ids are the dictionary's and are shared, not recomputed
    ids, offsets = corpus.token_ids
    assert ids is corpus.tokens.ids
    assert offsets is corpus.tokens.offsets
    assert corpus.n_tokens == sum(map(len, as_lists)) == ids.size
    # the same tokens as plain lists give the same derived views
    plain = Corpus(units=corpus.units, tokens=as_lists, dictionary=corpus.dictionary)
    assert np.array_equal(plain.token_ids[0], ids)
    assert np.array_equal(plain.token_ids[1], offsets)
    assert (plain.dtm != corpus.dtm).nnz == 0
    # saving and loading keeps the id form and the tokens
    loaded = load_corpus(save_corpus(corpus, tmp_path / "c"))
    assert isinstance(loaded.tokens, TokenLists)
    assert loaded.tokens == as_lists


def test_token_lists_refuse_inconsistent_arrays():
    from corpus_tm.corpus import TokenLists

    with pytest.raises(ValueError, match="offsets"):
        TokenLists(np.array([0, 1]), np.array([0, 3]), ["a", "b"])
    with pytest.raises(ValueError, match="vocabulary"):
        TokenLists(np.array([0, 2]), np.array([0, 2]), ["a", "b"])
    with pytest.raises(ValueError, match="decrease"):
        TokenLists(np.array([0, 1]), np.array([0, 2, 1, 2]), ["a", "b"])


def test_streamed_bag_of_words_gives_the_same_lda_as_lists_in_memory(monkeypatch):
    from corpus_tm import models
    from corpus_tm.corpus import BagOfWords

    data = make_lda_corpus(n_topics=4, n_terms=200, n_docs=300, doc_length=40, random_state=2)
    seen = []
    pooled = models._pooled_lda_class()

    class Recording(pooled):  # type: ignore[misc, valid-type]
        def update(self, corpus, *args, **kwargs):
            seen.append(type(corpus))
            return super().update(corpus, *args, **kwargs)

    monkeypatch.setattr(models, "_pooled_lda_class", lambda: Recording)
    in_memory = models.fit_lda(data.corpus, 4, random_state=3, passes=2)
    monkeypatch.setattr(models, "_MATERIALISE_MAX_NNZ", 0)
    streamed = models.fit_lda(data.corpus, 4, random_state=3, passes=2)
    assert seen == [list, BagOfWords]
    np.testing.assert_array_equal(in_memory.topic_term_raw, streamed.topic_term_raw)
    np.testing.assert_array_equal(in_memory.doc_topic, streamed.doc_topic)
