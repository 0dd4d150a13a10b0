"""Tests of corpus_tm.preprocessing on the example corpus and on texts with known answers."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gensim.models.phrases import Phrases
from hypothesis import given, settings
from hypothesis import strategies as st

import corpus_tm.preprocessing as preprocessing
from corpus_tm.corpus import tokens_to_dtm
from corpus_tm.errors import ConfigError, InputError
from corpus_tm.preprocessing import (
    PreprocessSettings,
    _join_phrases,
    _tokenise,
    build_corpus,
    english_stopwords,
    preprocess_texts,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def corpus(example_units):
    return build_corpus(example_units, cache_dir=False)


@pytest.fixture
def pools(monkeypatch):
    """Make n_jobs > 1 use worker processes even for a small corpus, and record the pools."""
    started = []
    real = preprocessing.ProcessPoolExecutor

    def recording(*args, **kwargs):
        started.append(kwargs.get("max_workers"))
        return real(*args, **kwargs)

    monkeypatch.setattr(preprocessing, "_PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(preprocessing, "ProcessPoolExecutor", recording)
    return started


def _pieces(term: str) -> list[str]:
    return term.split("_")


# --------------------------------------------------------------------------------------------
# What the example corpus gives


def test_security_phrases_survive(corpus):
    vocabulary = set(corpus.vocabulary)
    for term in ("national_security", "non_traditional_security", "rule_of_law"):
        assert term in vocabulary
        assert any(term in doc for doc in corpus.tokens)


def test_national_security_is_in_half_the_units_and_kept_by_default(corpus, example_units):
    n_units = len(example_units)
    df = corpus.dictionary.dfs[corpus.dictionary.token2id["national_security"]]
    assert df >= 0.45 * n_units  # why a no_above of 0.5 or less would be a bad default
    narrower = build_corpus(example_units, cache_dir=False, no_above=0.4)
    assert "national_security" not in narrower.vocabulary
    assert max(narrower.dictionary.dfs.values()) <= 0.4 * n_units
    assert max(corpus.dictionary.dfs.values()) > 0.4 * n_units


def test_units_stay_aligned(corpus, example_units):
    assert len(corpus) == len(example_units)
    assert corpus.unit_ids == example_units["unit_id"].tolist()
    assert corpus.units["text"].tolist() == example_units["text"].tolist()
    assert corpus.units.index.tolist() == list(range(len(example_units)))


def test_numbers_and_short_tokens_are_dropped(corpus, example_units):
    assert example_units["text"].str.contains(r"\b2020\b").any()
    assert example_units["text"].str.contains(r"\b(?:a|I)\b").any()
    for term in corpus.vocabulary:
        assert len(term) >= 2
        assert re.search(r"[^\W\d_]", term), term  # at least one letter
    longer = build_corpus(example_units, cache_dir=False, min_length=4)
    short = [t for t in corpus.vocabulary if "_" not in t and len(t) < 4]
    assert short  # e.g. "war", "law": the default keeps them
    assert not [t for t in longer.vocabulary if "_" not in t and len(t) < 4]


def test_lemmatisation(corpus, example_units):
    assert example_units["text"].str.contains(r"\brisks\b").any()
    assert "risk" in corpus.vocabulary
    assert "risks" not in corpus.vocabulary
    raw = build_corpus(example_units, cache_dir=False, lemmatize=False)
    assert "risks" in raw.vocabulary


def test_user_stopwords_are_removed(corpus, example_units):
    assert "epidemic" in corpus.vocabulary
    assert "rule_of_law" in corpus.vocabulary
    filtered = build_corpus(
        example_units, cache_dir=False, extra_stopwords=["Epidemic", "rule of law"]
    )
    assert "rule_of_law" not in filtered.vocabulary
    # A stop word is never part of a phrase either.
    assert not [t for t in filtered.vocabulary if "epidemic" in _pieces(t)]
    assert not any("epidemic" in doc for doc in filtered.tokens)


def test_standard_stopwords_are_removed(corpus):
    stop = english_stopwords()
    assert {"the", "of", "and", "is", "we"} <= stop
    assert {"system", "interest"}.isdisjoint(stop)  # content words kept, see the list's header
    assert not set(corpus.vocabulary) & stop
    assert "system" in corpus.vocabulary


def test_dtm_matches_tokens(corpus):
    dtm = corpus.dtm
    assert dtm.shape == (len(corpus), len(corpus.dictionary))
    np.testing.assert_array_equal(
        np.asarray(dtm.sum(axis=1)).ravel(), [len(doc) for doc in corpus.tokens]
    )
    dictionary = corpus.dictionary
    dfs = np.diff(dtm.tocsc().indptr)
    cfs = np.asarray(dtm.sum(axis=0)).ravel()
    for term_id in range(len(dictionary)):
        assert dictionary.dfs[term_id] == dfs[term_id]
        assert dictionary.cfs[term_id] == cfs[term_id]
    assert dictionary.num_docs == len(corpus)
    assert dictionary.num_pos == corpus.n_tokens
    assert dictionary.num_nnz == dtm.nnz
    vocabulary = set(corpus.vocabulary)
    assert all(t in vocabulary for doc in corpus.tokens for t in doc)


def test_vocabulary_is_sorted_and_filtered(corpus, example_units):
    assert corpus.vocabulary == sorted(corpus.vocabulary)
    no_below = PreprocessSettings().resolved_no_below(len(example_units))
    assert no_below == 2
    assert min(corpus.dictionary.dfs.values()) >= no_below
    everything = build_corpus(example_units, cache_dir=False, no_below=1)
    assert len(everything.dictionary) > len(corpus.dictionary)
    assert min(everything.dictionary.dfs.values()) == 1


def test_keep_n_keeps_the_most_widespread_terms(corpus, example_units):
    top = build_corpus(example_units, cache_dir=False, keep_n=25)
    assert len(top.dictionary) == 25
    df = {t: corpus.dictionary.dfs[i] for t, i in corpus.dictionary.token2id.items()}
    kept = set(top.vocabulary)
    assert min(df[t] for t in kept) >= max(df[t] for t in df if t not in kept)


def test_same_input_gives_same_corpus_whatever_n_jobs(corpus, example_units, pools):
    again = build_corpus(example_units, cache_dir=False)
    assert pools == []
    parallel = build_corpus(example_units, cache_dir=False, n_jobs=2)
    assert pools == [2]
    for other in (again, parallel):
        assert other.vocabulary == corpus.vocabulary
        assert other.tokens == corpus.tokens
        assert (other.dtm != corpus.dtm).nnz == 0
        assert other.dictionary.dfs == corpus.dictionary.dfs
        assert other.fingerprint == corpus.fingerprint


_HASHSEED_SCRIPT = """
import hashlib, json, sys
import corpus_tm as ctm
from corpus_tm.preprocessing import build_corpus
corpus = build_corpus(ctm.read_corpus(sys.argv[1]), cache_dir=False)
print(json.dumps({"vocabulary": corpus.vocabulary,
                  "tokens": hashlib.sha256(json.dumps(list(corpus.tokens)).encode()).hexdigest()}))
"""


@pytest.mark.slow
def test_vocabulary_does_not_depend_on_pythonhashseed(corpus, example_corpus_path):
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    out = subprocess.run(
        [sys.executable, "-c", _HASHSEED_SCRIPT, str(example_corpus_path)],
        env=env, capture_output=True, text=True, check=True, timeout=300,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["vocabulary"] == corpus.vocabulary
    assert result["tokens"] == hashlib.sha256(json.dumps(list(corpus.tokens)).encode()).hexdigest()


# --------------------------------------------------------------------------------------------
# Phrases are gensim's


def _runs(ids: np.ndarray, names: list[str]) -> list[list[str]]:
    """The runs of words between breaks, as gensim Phrases would be fed them."""
    runs, run = [], []
    for i in ids.tolist():
        if i <= 1:
            if run:
                runs.append(run)
            run = []
        else:
            run.append(names[i])
    if run:
        runs.append(run)
    return runs


@pytest.mark.parametrize(
    ("scoring", "threshold", "min_count"),
    [("npmi", 0.5, 5), ("npmi", 0.2, 1), ("default", 10.0, 2)],
)
def test_phrase_layer_equals_gensim_phrases(example_units, scoring, threshold, min_count):
    # split_hyphens: gensim splits its phrase keys at "_", so words must not contain one.
    options = PreprocessSettings(
        split_hyphens=True,
        phrase_scoring=scoring,
        phrase_threshold=threshold,
        phrase_min_count=min_count,
    )
    ids, names, index, _ = _tokenise(example_units["text"].tolist(), options, 1, False)
    runs = _runs(ids, names)
    phrases = Phrases(
        runs,
        min_count=min_count,
        threshold=threshold,
        scoring=scoring,
        connector_words=frozenset(options.connector_words),
    ).freeze()
    assert phrases.phrasegrams  # the comparison is not trivial
    joined = _join_phrases(
        ids,
        names,
        index,
        n_connectors=len(options.connector_words),
        min_count=min_count,
        threshold=threshold,
        scoring=scoring,
    )
    assert _runs(joined, names) == [phrases[run] for run in runs]


def test_long_connector_runs_equal_gensim_phrases():
    # 33 connector words between two terms: too many to pack into one integer code, so the
    # phrase step takes its slower exact path.
    long_run = " of the a" * 11
    texts = [f"alpha{long_run} beta, alpha of beta gamma." for _ in range(6)]
    options = PreprocessSettings(connector_words=["a", "of", "the"], phrase_layers=1)
    ids, names, index, _ = _tokenise(texts, options, 1, False)
    runs = _runs(ids, names)
    phrases = Phrases(
        runs, min_count=5, threshold=0.5, scoring="npmi", connector_words={"a", "of", "the"}
    ).freeze()
    expected = [phrases[run] for run in runs]
    assert expected[0][0] == "alpha" + long_run.replace(" ", "_") + "_beta"
    joined = _join_phrases(
        ids, names, index, n_connectors=3, min_count=5, threshold=0.5, scoring="npmi"
    )
    assert _runs(joined, names) == expected


# --------------------------------------------------------------------------------------------
# Tokens from texts with known answers


def test_tokenisation_rules():
    text = (
        "We don't accept the people's demands; O'Brien's idea isn't new. It's 2020, the 21st "
        "century of the 1990s, 3,000 risks, COVID-19, 5G and non-traditional security."
    )
    (tokens,) = preprocess_texts([text], phrase_layers=0)
    assert tokens == [
        "accept", "people", "demand", "obrien", "idea", "new", "century", "risk",
        "covid_19", "5g", "non_traditional", "security",
    ]  # fmt: skip
    (split,) = preprocess_texts([text], phrase_layers=0, split_hyphens=True, min_length=3)
    assert split[-3:] == ["non", "traditional", "security"]
    assert "covid" in split
    assert "5g" not in split


def test_connector_phrases_and_alignment():
    texts = ["The rule of law matters."] * 6 + ["Law and order.", "", "The and of it is."]
    tokens = preprocess_texts(texts, phrase_min_count=5, phrase_layers=1)
    assert tokens[:6] == [["rule_of_law", "matter"]] * 6
    assert tokens[6:] == [["law", "order"], [], []]


def test_units_without_tokens_stay_as_empty_lists():
    units = pd.DataFrame(
        {
            "unit_id": ["a", "b", "c", "d"],
            "text": ["Security risks grow.", "It is what it is.", "Security risks fall.", ""],
        }
    )
    corpus = build_corpus(units, cache_dir=False, no_below=2)
    assert corpus.tokens == [["security", "risk"], [], ["security", "risk"], []]
    assert corpus.dtm.shape == (4, 2)


def test_preprocess_texts_matches_corpus_without_filter(example_units, pools):
    texts = example_units["text"].tolist()
    tokens = preprocess_texts(texts)
    unfiltered = build_corpus(example_units, cache_dir=False, no_below=1)
    assert tokens == unfiltered.tokens
    assert preprocess_texts(texts, n_jobs=-1, split_hyphens=True) == preprocess_texts(
        texts, split_hyphens=True
    )
    assert len(pools) == 1


_words = st.sampled_from(
    ["security", "Risks", "the", "of", "rule", "law", "2020", "non-traditional", "people's",
     "don't", "AI", "x", "!", ",", "\u2014", "\u00e9tat", "\u5b89\u5168", "  ", "\n"]
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_words, max_size=30).map(" ".join), min_size=1, max_size=8))
def test_any_text_gives_aligned_clean_tokens(texts):
    tokens = preprocess_texts(texts, phrase_min_count=2)
    assert len(tokens) == len(texts)
    stop = english_stopwords()
    for doc in tokens:
        for token in doc:
            assert token
            assert token == token.lower()
            assert not re.search(r"\s", token)
            assert token not in stop
            assert not token.isdigit()
    assert preprocess_texts(texts, phrase_min_count=2) == tokens


# --------------------------------------------------------------------------------------------
# Settings and errors


def test_settings_are_json_serialisable_and_round_trip():
    options = PreprocessSettings(extra_stopwords=["Xinhua", "rule of law", "xinhua"], no_below=3)
    assert options.extra_stopwords == ("rule_of_law", "xinhua")
    data = json.loads(json.dumps(dataclasses.asdict(options)))
    assert PreprocessSettings(**data) == options
    assert options.to_dict() == data
    assert PreprocessSettings(**options.to_dict()) == options


def test_overrides_and_settings_combine(example_units):
    corpus = build_corpus(example_units, cache_dir=False, no_below=3)
    assert corpus.settings["no_below"] == 3
    assert min(corpus.dictionary.dfs.values()) >= 3
    base = PreprocessSettings(lemmatize=False)
    both = build_corpus(example_units, settings=base, no_below=3, cache_dir=False)
    assert both.settings["lemmatize"] is False
    assert both.settings["no_below"] == 3
    assert json.loads(json.dumps(both.settings)) == both.settings


def test_adaptive_no_below():
    options = PreprocessSettings()
    assert options.resolved_no_below(5) == 1
    assert options.resolved_no_below(50) == 2
    assert options.resolved_no_below(50_000) == 25
    assert PreprocessSettings(no_below=0.1).resolved_no_below(42) == 5
    assert PreprocessSettings(no_below=7).resolved_no_below(42) == 7


@pytest.mark.parametrize(
    ("overrides", "name"),
    [
        ({"min_length": 0}, "min_length"),
        ({"no_above": 0}, "no_above"),
        ({"no_above": 1.5}, "no_above"),
        ({"no_below": 1.5}, "no_below"),
        ({"no_below": 0}, "no_below"),
        ({"keep_n": 0}, "keep_n"),
        ({"phrase_threshold": 2.0}, "phrase_threshold"),
        ({"phrase_scoring": "default", "phrase_threshold": -1.0}, "phrase_threshold"),
        ({"phrase_scoring": "pmi"}, "phrase_scoring"),
        ({"phrase_layers": -1}, "phrase_layers"),
        ({"phrase_min_count": 0}, "phrase_min_count"),
        ({"stopwords": "french"}, "stopwords"),
        ({"extra_stopwords": "xinhua"}, "extra_stopwords"),
        ({"extra_stopwords": ["ok", 3]}, "extra_stopwords"),
        ({"lemmatize": "yes"}, "lemmatize"),
        ({"text_column": ""}, "text_column"),
    ],
)
def test_bad_settings_name_the_parameter(overrides, name):
    with pytest.raises(ConfigError, match=name):
        PreprocessSettings(**overrides)


def test_unknown_setting_and_bad_n_jobs(example_units):
    with pytest.raises(ConfigError, match="no_bellow"):
        build_corpus(example_units, cache_dir=False, no_bellow=3)
    with pytest.raises(ConfigError, match="n_jobs"):
        build_corpus(example_units, cache_dir=False, n_jobs=0)


def test_empty_vocabulary_names_the_settings_to_relax():
    units = pd.DataFrame({"unit_id": ["a", "b"], "text": ["It is what it is.", "The 2020 one."]})
    with pytest.raises(InputError, match="extra_stopwords"):
        build_corpus(units, cache_dir=False)
    units = pd.DataFrame(
        {"unit_id": [f"u{i}" for i in range(12)], "text": [f"word{i}x alone" for i in range(12)]}
    )
    with pytest.raises(InputError, match="no_below"):
        build_corpus(units, cache_dir=False, no_below=20)


def test_bad_unit_tables(example_units):
    with pytest.raises(InputError, match="'body'"):
        build_corpus(example_units, cache_dir=False, text_column="body")
    with pytest.raises(InputError, match="unit_id"):
        build_corpus(example_units.drop(columns="unit_id"), cache_dir=False)
    doubled = pd.concat([example_units.head(2), example_units.head(1)])
    with pytest.raises(InputError, match="unique"):
        build_corpus(doubled, cache_dir=False)
    missing = example_units.head(3).astype({"text": object})
    missing.loc[1, "text"] = None
    with pytest.raises(InputError, match=re.escape(missing["unit_id"].iloc[1])):
        build_corpus(missing, cache_dir=False)
    with pytest.raises(InputError, match="empty"):
        build_corpus(example_units.head(0), cache_dir=False)
    with pytest.raises(InputError, match="DataFrame"):
        build_corpus(example_units["text"].tolist(), cache_dir=False)


def test_dtm_of_corpus_equals_tokens_to_dtm(corpus):
    assert (corpus.dtm != tokens_to_dtm(corpus.tokens, corpus.dictionary)).nnz == 0
    bow = list(corpus.bow)
    assert bow == [corpus.dictionary.doc2bow(doc) for doc in corpus.tokens]
