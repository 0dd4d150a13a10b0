"""The backend registry: a new backend is one module (this one) plus one registration line.

The toy backend below is a complete backend: a fit function that returns a TopicModel. Once
registered, fitting, evaluation, sweeps, domain shares, the study file, the pipeline, the CLI
and the figures take it without any other change.
"""

from __future__ import annotations

import numpy as np
import pytest

import corpus_tm as ctm
from corpus_tm.backends import Backend, available_backends, get_backend, register_backend
from corpus_tm.models import library_versions, make_topic_model


def fit_toy(corpus, n_topics, *, random_state=None):
    """Toy backend: topic k is the term counts of units assigned to k at random (a seed fixes
    the assignment), smoothed; a unit's topic shares are its counts' similarity to the topics."""
    rng = np.random.default_rng(random_state)
    counts = corpus.dtm.toarray().astype(float)
    assignment = rng.integers(0, n_topics, size=len(counts))
    topic_term = np.stack([counts[assignment == t].sum(axis=0) for t in range(n_topics)]) + 0.01
    topic_term /= topic_term.sum(axis=1, keepdims=True)
    doc_topic = counts @ topic_term.T + 1e-9
    doc_topic /= doc_topic.sum(axis=1, keepdims=True)
    return make_topic_model(
        "toy",
        doc_topic=doc_topic,
        doc_topic_raw=doc_topic,
        topic_term=topic_term,
        topic_term_raw=topic_term,
        unit_ids=corpus.unit_ids,
        vocabulary=corpus.vocabulary,
        params={"n_topics": n_topics, "random_state": random_state},
        versions=library_versions(),
    )


def toy_score(model, corpus):
    return {"toy_score": float(model.topic_term.to_numpy().max())}


@pytest.fixture(scope="module", autouse=True)
def toy():
    """The one registration line (undone after the module, so other tests see the built-ins)."""
    from corpus_tm import backends

    backend = register_backend(
        Backend(name="toy", label="Toy", fit=fit_toy, score=toy_score, progress=False)
    )
    yield backend
    del backends._REGISTRY["toy"]


@pytest.fixture(scope="module")
def corpus(example_units):
    return ctm.build_corpus(example_units, cache_dir=False)


def test_the_built_in_backends_are_registered_in_study_order():
    assert available_backends()[:3] == ["keyatm", "lda", "nmf"]
    assert "keyatm" not in available_backends(sweepable=True)
    assert get_backend("lda").domain_method == "lda_mapped"
    assert get_backend("keyatm").domain_method == "keyatm"


def test_unknown_backend_names_the_known_ones():
    with pytest.raises(ctm.ConfigError, match=r"no topic-model backend 'lsa'; known: 'keyatm'"):
        get_backend("lsa")
    with pytest.raises(ctm.ConfigError, match="already registered"):
        register_backend(Backend(name="lda", label="LDA", fit=fit_toy))


def test_toy_backend_fits_evaluates_and_sweeps(corpus):
    model = ctm.fit_model(corpus, "toy", 4, random_state=3)
    again = ctm.fit_model(corpus, "toy", 4, random_state=3)
    assert model.method == "toy"
    assert np.array_equal(model.doc_topic.to_numpy(), again.doc_topic.to_numpy())
    measures = ctm.evaluate(model, corpus).overall
    assert measures["toy_score"] == pytest.approx(model.topic_term.to_numpy().max())
    assert "perplexity" not in measures
    assert "reconstruction_error" not in measures

    runs = ctm.sweep(corpus, method="toy", n_topics=[3, 4], seeds=[1, 2])
    assert sorted(runs.models) == [(3, 1), (3, 2), (4, 1), (4, 2)]
    assert "toy_score" in runs.metrics.columns
    assert ctm.stability(runs).by_k["k"].tolist() == [3, 4]
    with pytest.raises(ctm.ConfigError, match=r"not parameters of fit_toy"):
        ctm.sweep(corpus, method="toy", n_topics=[3], seeds=[1, 2], passes=3)


def test_a_seeded_backend_cannot_be_swept(corpus):
    with pytest.raises(ctm.ConfigError, match="no k to sweep"):
        ctm.sweep(corpus, method="keyatm", n_topics=[3], seeds=[1, 2])


def test_toy_backend_in_a_study_gives_shares_figures_and_a_cli_run(small_study, tmp_path, capsys):
    from corpus_tm.cli import main

    path = small_study(
        '[figures]\nmethod = "toy_mapped"\nformats = ["png"]\n'
        'make = ["domain_heatmap", "top_terms", "method_comparison"]\n'
    )
    text = path.read_text("utf-8").replace(
        "[models]\n", '[models]\nmethods = ["toy", "nmf"]\n', 1
    )
    path.write_text(text, encoding="utf-8")
    study = ctm.load_study(path)
    with pytest.warns(ctm.SmallSampleWarning):  # the example's parts 0 and 4 are short
        results = ctm.run_study(study, progress=False)
    assert list(results.domain_shares) == ["toy_mapped", "nmf_mapped", "dictionary"]
    toy_shares = results.domain_shares["toy_mapped"]
    assert toy_shares.model.method == "toy"
    assert np.allclose(toy_shares.shares.sum(axis=1), 1.0)
    assert set(results.section_shares["method"]) == {"toy_mapped", "nmf_mapped", "dictionary"}
    from corpus_tm.figures import write_figures

    manifest = write_figures(results, progress=False)
    assert {"domain_heatmap.png", "top_terms.png", "method_comparison.png"} <= set(
        manifest["files"]
    )
    table = (study.output_dir / "top_terms.csv").read_text("utf-8")
    assert set(toy_shares.model.top_terms(8)["term"]) <= set(table.replace(",", "\n").split())

    assert main(["topics", str(study.corpus_path), "--method", "toy", "--k", "3", "--quiet"]) == 0
    assert "top_terms" in capsys.readouterr().out


def test_study_rejects_unknown_methods_and_a_figures_method_it_does_not_run(small_study):
    path = small_study()
    text = path.read_text("utf-8")
    path.write_text(text.replace("[models]\n", '[models]\nmethods = ["lsa"]\n', 1), "utf-8")
    with pytest.raises(ctm.ConfigError, match=r"models\.methods must be a non-empty list"):
        ctm.load_study(path)
    path.write_text(text.replace("[models]\n", '[models]\nmethods = ["lda"]\n', 1), "utf-8")
    with pytest.raises(ctm.ConfigError, match=r"figures\.method must be 'lda_mapped' or 'dict"):
        ctm.load_study(path)


def test_every_figure_name_a_study_accepts_is_drawn():
    from corpus_tm.figures import FIGURES
    from corpus_tm.study import FIGURE_NAMES

    assert tuple(FIGURES) == FIGURE_NAMES


def test_the_typed_study_holds_what_the_file_says(small_study):
    path = small_study('[figures]\ndpi = 150\n[run]\nn_jobs = 2\n')
    study = ctm.load_study(path)
    assert study.models.n_topics == 3
    assert study.models.methods == ["keyatm", "lda", "nmf"]
    assert study.models.options["keyatm_iterations"] == 10
    assert study.models.options["passes"] == 1
    assert study.figures.dpi == 150
    assert study.run.n_jobs == 2
    assert study.preprocessing.given() == {"extra_stopwords": []}
    assert study.figures.dpi == study["figures"]["dpi"]


def test_models_seeds_is_ignored_with_a_warning(small_study):
    path = small_study()
    text = path.read_text("utf-8").replace("[models]\n", "[models]\nseeds = [4, 5]\n", 1)
    path.write_text(text, "utf-8")
    with pytest.warns(ctm.CorpusTmWarning, match=r"models\.seeds is not used"):
        study = ctm.load_study(path)
    assert "seeds" not in study["models"]


def test_every_warning_the_package_gives_is_a_corpus_tm_warning():
    """No module warns with a bare UserWarning; every warning class derives from the base."""
    import ast
    import importlib
    from pathlib import Path

    package = Path(ctm.__file__).parent
    for source in sorted(package.glob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "UserWarning":
                assert source.name == "errors.py", f"{source.name}:{node.lineno} warns UserWarning"
    for name in ("SectioningWarning", "SmallSampleWarning", "UnresolvedDomainWarning"):
        assert issubclass(getattr(ctm, name), ctm.CorpusTmWarning)
    assert issubclass(importlib.import_module("corpus_tm.cache").CacheWarning, ctm.CorpusTmWarning)


# --- several fits averaged (Backend.fit_shares, [models] n_fits) ------------------------------


def test_fit_seeds_start_from_random_state_and_differ():
    from corpus_tm.backends import fit_seeds

    seeds = fit_seeds(7, 5)
    assert seeds[0] == 7
    assert len(set(seeds)) == 5
    assert all(0 <= s < 2**32 for s in seeds)
    assert fit_seeds(7, 5) == seeds
    assert set(fit_seeds(8, 5)[1:]).isdisjoint(seeds[1:])
    assert fit_seeds(None, 3) == [None, None, None]


def test_one_fit_is_the_plain_fit_and_several_are_their_mean(corpus):
    from corpus_tm.backends import fit_seeds

    lexicon = ctm.default_lexicon()
    backend = get_backend("toy")
    one = backend.fit_shares(corpus, 4, lexicon, random_state=3)
    plain = backend.domain_shares(backend.fit_model(corpus, 4, random_state=3), corpus, lexicon)
    assert one.shares.equals(plain.shares)

    three = backend.fit_shares(corpus, 4, lexicon, random_state=3, n_fits=3)
    each = [
        backend.domain_shares(backend.fit_model(corpus, 4, random_state=s), corpus, lexicon)
        for s in fit_seeds(3, 3)
    ]
    expected = sum(s.shares for s in each) / 3
    np.testing.assert_allclose(three.shares.to_numpy(), expected.to_numpy(), atol=1e-12)
    assert list(three.shares.index) == list(plain.shares.index)
    assert three.params["n_fits"] == 3
    assert three.params["fit_seeds"] == fit_seeds(3, 3)
    # the fits differ, so the mean is not any one of them
    assert not np.allclose(three.shares.to_numpy(), one.shares.to_numpy())
    with pytest.raises(ctm.ConfigError, match="n_fits"):
        backend.fit_shares(corpus, 4, lexicon, random_state=3, n_fits=0)


def test_study_n_fits_names_backends_and_counts(small_study):
    path = small_study()
    text = path.read_text("utf-8")
    path.write_text(text.replace("[models]\n", "[models]\nn_fits = { lda = 4 }\n", 1), "utf-8")
    assert ctm.load_study(path).models.n_fits == {"lda": 4}
    for bad in ("{ lsa = 4 }", "{ lda = 0 }"):
        path.write_text(text.replace("[models]\n", f"[models]\nn_fits = {bad}\n", 1), "utf-8")
        with pytest.raises(ctm.ConfigError, match=r"models\.n_fits must be a table of backend"):
            ctm.load_study(path)
