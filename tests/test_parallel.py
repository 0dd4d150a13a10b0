"""Several cores, used only when free: the n_jobs rule, when a pool is used, workers that work
from plain scripts and notebooks, NMF's threads and perplexity without a second inference."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from corpus_tm import models
from corpus_tm import parallel as _parallel
from corpus_tm.checks import check_n_jobs
from corpus_tm.errors import ConfigError
from corpus_tm.evaluation import _gensim_lda, evaluate, lda_fit_measures, sweep
from corpus_tm.models import fit_lda, fit_nmf, load_model, save_model
from corpus_tm.preprocessing import build_corpus, preprocess_texts
from corpus_tm.synthetic import corpus_from_tokens, make_lda_corpus

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_LOAD = _parallel.system_load  # before conftest's fixture replaces it in each test


@pytest.fixture(scope="module")
def small():
    return make_lda_corpus(n_topics=4, n_terms=300, n_docs=150, doc_length=40, random_state=0)


@pytest.fixture
def cores(monkeypatch):
    """Set the machine: ``cores(n, load)``, n cores and other programs running ``load``."""

    def set_machine(n: int, load: float = 0.0) -> None:
        monkeypatch.setattr(_parallel, "available_cores", lambda: n)
        monkeypatch.setattr(_parallel, "system_load", lambda: load)

    return set_machine


# --- one rule for n_jobs --------------------------------------------------------------------


def test_n_jobs_follows_scikit_learns_rule(cores):
    cores(4)
    assert check_n_jobs(None) == 1
    assert check_n_jobs(1) == 1
    assert check_n_jobs(np.int64(3)) == 3
    assert check_n_jobs(8) == 8  # asked for; processes_for caps it at the cores
    assert check_n_jobs(-1) == 4
    assert check_n_jobs(-2) == 3
    assert check_n_jobs(-4) == 1
    assert check_n_jobs(-10) == 1
    for bad in (0, True, 2.0, "2"):
        with pytest.raises(ConfigError, match=r"n_jobs must be .* -2 for all but one"):
            check_n_jobs(bad)


def test_every_function_takes_the_same_n_jobs(small, example_units, small_study):
    from corpus_tm.study import load_study

    corpus = small.corpus
    calls = {
        "fit_lda": lambda n: fit_lda(corpus, 2, passes=1, iterations=5, n_jobs=n),
        "sweep": lambda n: sweep(corpus, method="nmf", n_topics=2, seeds=0, measures=(), n_jobs=n),
        "build_corpus": lambda n: build_corpus(example_units, cache_dir=False, n_jobs=n),
        "preprocess_texts": lambda n: preprocess_texts(["a text", "another text"], n_jobs=n),
    }
    for name, call in calls.items():
        for good in (None, 1, 2, -1, -2):
            call(good)
        with pytest.raises(ConfigError, match="n_jobs"):
            call(0)
        print(name, "takes None, 1, 2, -1, -2 and refuses 0")
    assert load_study(small_study("[run]\nn_jobs = -2\n"))["run"]["n_jobs"] == -2
    with pytest.raises(ConfigError, match=r"run\.n_jobs"):
        load_study(small_study("[run]\nn_jobs = 0\n"))


# --- when it pays ---------------------------------------------------------------------------


def test_processes_for_counts_free_cores_and_work(cores):
    decide = _parallel.processes_for
    cores(2, load=0.0)
    assert decide(2, work=10, min_work=5) == 2
    assert decide(8, work=10, min_work=5) == 2  # n_jobs is an upper bound
    assert decide(-1, work=10, min_work=5) == 2
    assert decide(2, work=4, min_work=5) == 1  # too little work
    assert decide(1, work=10, min_work=5) == 1
    assert decide(None, work=10, min_work=5) == 1
    # other programs keep `load` cores busy; a core is free when 3/4 of it is idle
    for load, expected in ((0.2, 2), (0.25, 2), (0.3, 1), (1.0, 1), (7.5, 1)):
        cores(2, load=load)
        assert decide(2, work=10, min_work=5) == expected, load
    cores(8, load=3.0)
    assert decide(-1, work=10, min_work=5) == 5
    cores(8, load=3.8)
    assert decide(-1, work=10, min_work=5) == 4
    assert decide(3, work=10, min_work=5) == 3
    with pytest.raises(ConfigError, match="n_jobs"):
        decide(0, work=0, min_work=5)  # a bad value fails even when no pool would be used


def test_system_load_counts_the_other_running_processes(monkeypatch):
    # conftest makes every test see an idle machine; SYSTEM_LOAD is the real function
    assert 0.0 <= SYSTEM_LOAD() <= 1000
    assert 1 <= _parallel.available_cores() <= (os.cpu_count() or 1)
    readings = iter(["0.90 0.50 0.20 3/210 99\n", "0.90 0.50 0.20 4/210 99\n"] * 5)
    monkeypatch.setattr(
        _parallel, "open", lambda *a, **k: io.StringIO(next(readings)), raising=False
    )
    assert SYSTEM_LOAD() == 2.5  # 3.5 runnable on average, one of them this thread

    def no_proc(*args, **kwargs):
        raise FileNotFoundError("/proc/loadavg")

    monkeypatch.setattr(_parallel, "open", no_proc, raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (2.75, 1.0, 1.0), raising=False)
    assert SYSTEM_LOAD() == 1.75  # the 1-minute average, less this process


@pytest.fixture
def pools(monkeypatch):
    """Record the worker pools LDA asks for (and let it pool a small corpus)."""
    started: list[int] = []
    real = _parallel.worker_pool

    def recording(n: int):
        started.append(n)
        return real(n)

    monkeypatch.setattr(models, "worker_pool", recording)
    monkeypatch.setattr(models, "_POOL_MIN_UNITS", 50)
    monkeypatch.setattr(models, "_POOL_MIN_SECONDS", 0)
    return started


def test_lda_pools_only_on_free_cores_and_enough_work(small, pools, cores, monkeypatch):
    corpus = small.corpus
    settings = dict(random_state=3, passes=2, chunksize=40, iterations=20)
    one = fit_lda(corpus, 4, n_jobs=1, **settings)
    cores(2, load=0.2)
    two = fit_lda(corpus, 4, n_jobs=8, **settings)  # at most the 2 cores
    assert pools == [2]
    cores(2, load=1.8)  # another process keeps a core busy: one process
    busy = fit_lda(corpus, 4, n_jobs=2, **settings)
    assert pools == [2]
    monkeypatch.setattr(models, "_POOL_MIN_SECONDS", 10**12)  # too little work
    cores(2, load=0.0)
    fit_lda(corpus, 4, n_jobs=2, **settings)
    assert pools == [2]
    for other in (two, busy):
        np.testing.assert_array_equal(one.topic_term_raw, other.topic_term_raw)
        np.testing.assert_array_equal(one.doc_topic, other.doc_topic)
        np.testing.assert_array_equal(one.state["gamma_sum"], other.state["gamma_sum"])


def test_tokenising_pools_only_on_free_cores(example_units, cores, monkeypatch):
    from corpus_tm import preprocessing

    started: list[int] = []
    real = preprocessing.ProcessPoolExecutor

    def recording(*args, **kwargs):
        started.append(kwargs.get("max_workers"))
        return real(*args, **kwargs)

    monkeypatch.setattr(preprocessing, "_PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(preprocessing, "ProcessPoolExecutor", recording)
    one = build_corpus(example_units, cache_dir=False, n_jobs=1)
    cores(2, load=3.0)
    busy = build_corpus(example_units, cache_dir=False, n_jobs=2)
    assert started == []
    cores(2, load=0.0)
    two = build_corpus(example_units, cache_dir=False, n_jobs=-1)
    assert started == [2]
    for other in (busy, two):
        assert other.vocabulary == one.vocabulary
        assert list(other.tokens) == list(one.tokens)


def test_sweep_pools_only_when_it_pays(example_units, cores, monkeypatch):
    import joblib

    from corpus_tm import evaluation

    corpus = build_corpus(example_units, cache_dir=False)
    used: list[int] = []
    real = joblib.Parallel

    def recording(*args, **kwargs):
        used.append(kwargs["n_jobs"])
        return real(*args, **kwargs)

    monkeypatch.setattr(joblib, "Parallel", recording)
    kwargs = dict(method="nmf", n_topics=[2, 3], seeds=[0, 1], measures=("u_mass",))
    one = sweep(corpus, n_jobs=1, **kwargs)
    small = sweep(corpus, n_jobs=2, **kwargs)  # the example corpus is too small to pay
    assert used == []
    monkeypatch.setattr(evaluation, "_SWEEP_MIN_SECONDS", 0)
    cores(2, load=2.5)
    busy = sweep(corpus, n_jobs=2, **kwargs)
    assert used == []
    cores(2, load=0.0)
    two = sweep(corpus, n_jobs=2, **kwargs)
    assert used == [2]
    for other in (small, busy, two):
        pd.testing.assert_frame_equal(
            one.metrics.drop(columns="seconds"), other.metrics.drop(columns="seconds")
        )
        for key, model in one.models.items():
            np.testing.assert_array_equal(model.doc_topic_raw, other.models[key].doc_topic_raw)


# --- NMF's threads --------------------------------------------------------------------------


def test_nmf_fits_with_one_thread_by_default(small, monkeypatch):
    from sklearn.decomposition import NMF
    from threadpoolctl import threadpool_info

    seen: list[set[int]] = []
    real = NMF.fit_transform

    def recording(self, *args, **kwargs):
        seen.append({lib["num_threads"] for lib in threadpool_info()})
        return real(self, *args, **kwargs)

    monkeypatch.setattr(NMF, "fit_transform", recording)
    default = fit_nmf(small.corpus, 4, random_state=0)
    assert seen == [{1}]
    fit_nmf(small.corpus, 4, random_state=0, n_threads=None)  # the libraries' own default
    assert seen[1] == {lib["num_threads"] for lib in threadpool_info()}
    assert "n_threads" not in default.params  # threads are not a model parameter
    with pytest.raises(ConfigError, match="n_threads"):
        fit_nmf(small.corpus, 4, n_threads=0)


def test_nmf_of_a_sweep_is_the_nmf_of_a_single_fit(small):
    runs = sweep(small.corpus, method="nmf", n_topics=[4], seeds=[0], measures=())
    single = fit_nmf(small.corpus, 4, random_state=0)
    np.testing.assert_array_equal(single.doc_topic_raw, runs.models[4, 0].doc_topic_raw)
    np.testing.assert_array_equal(single.topic_term_raw, runs.models[4, 0].topic_term_raw)


# --- perplexity from the gamma fit_lda computed ---------------------------------------------


def _gensim_log_perplexity(model, corpus) -> float:
    """What evaluate() computed before: gensim's log_perplexity, with a fresh inference."""
    lda = _gensim_lda(model)
    chunk = list(corpus.bow)
    return float(lda.log_perplexity(chunk, total_docs=len(chunk)))


def test_perplexity_uses_the_gamma_of_the_fit(small, monkeypatch):
    corpus = small.corpus
    model = fit_lda(corpus, 4, random_state=1, passes=3, alpha="auto")
    gamma = model.doc_topic.to_numpy() * model.state["gamma_sum"][:, None]
    # gensim's own bound at that gamma
    lda = _gensim_lda(model)
    words = corpus.dtm.sum()
    # (gensim's bound takes each document's gamma as a 1 x k row, as its inference returns it)
    expected = lda.bound(list(corpus.bow), gamma=gamma[:, None, :]) / words

    def no_inference(*args, **kwargs):
        raise AssertionError("evaluate ran a second inference")

    monkeypatch.setattr(models, "lda_gamma", no_inference)
    overall = evaluate(model, corpus, measures=()).overall
    assert overall["per_word_bound"] == pytest.approx(expected, rel=1e-12)
    assert overall["perplexity"] == pytest.approx(np.exp(-expected), rel=1e-12)
    # gensim's gamma rows sum to about alpha + the unit's tokens, but only about (gensim adds
    # float32's epsilon to every term's normaliser): that is why fit_lda keeps the sums
    n = np.asarray(corpus.dtm.sum(axis=1)).ravel()
    np.testing.assert_allclose(model.state["gamma_sum"], model.state["alpha"].sum() + n, rtol=1e-3)
    # and a fresh inference (what evaluate computed before) gives nearly the same number
    before = _gensim_log_perplexity(model, corpus)
    assert overall["per_word_bound"] == pytest.approx(before, rel=1e-4)
    print(f"per-word bound: stored gamma {overall['per_word_bound']!r}, fresh {before!r}")


def test_perplexity_without_a_stored_gamma_is_gensims_log_perplexity(small, tmp_path):
    corpus = small.corpus
    model = fit_lda(corpus, 4, random_state=1, passes=3)
    older = dataclasses.replace(
        model, state={k: v for k, v in model.state.items() if k != "gamma_sum"}
    )  # as saved before gamma_sum was kept
    held_out = corpus_from_tokens(corpus.tokens[:60], dictionary=corpus.dictionary)
    for m, c in ((older, corpus), (model, held_out)):
        assert lda_fit_measures(m, c)["per_word_bound"] == pytest.approx(
            _gensim_log_perplexity(m, c), rel=1e-12
        )
    # saving keeps gamma_sum, so a loaded model gives the same perplexity
    loaded = load_model(save_model(model, tmp_path / "m.npz"))
    assert lda_fit_measures(loaded, corpus) == lda_fit_measures(model, corpus)


def test_bound_with_a_topics_by_terms_eta(small):
    corpus = small.corpus
    eta = np.full((3, len(corpus.dictionary)), 0.05)
    eta[1, :10] = 2.0
    model = fit_lda(corpus, 3, random_state=2, passes=2, eta=eta)
    gamma = model.doc_topic.to_numpy() * model.state["gamma_sum"][:, None]
    lda = _gensim_lda(model)
    expected = lda.bound(list(corpus.bow), gamma=gamma[:, None, :]) / corpus.dtm.sum()
    assert lda_fit_measures(model, corpus)["per_word_bound"] == pytest.approx(expected, rel=1e-12)


# --- workers from plain scripts and notebooks -----------------------------------------------

SCRIPT = """\
import json, sys
import numpy as np
import corpus_tm as ctm
from corpus_tm import evaluation, models
from corpus_tm import parallel as _parallel
from corpus_tm.synthetic import make_lda_corpus

print("top-level code ran", flush=True)
_parallel.system_load = lambda: 0.0  # use the pool whatever the machine's load
models._POOL_MIN_SECONDS = 0
evaluation._SWEEP_MIN_SECONDS = 0
used = []
real_pool = models.worker_pool
models.worker_pool = lambda n: used.append(n) or real_pool(n)
corpus = make_lda_corpus(n_topics=4, n_terms=300, n_docs=2400, doc_length=25, random_state=0).corpus
settings = dict(random_state=4, passes=1, iterations=10, progress=False)
one = ctm.fit_lda(corpus, 4, n_jobs=1, **settings)
two = ctm.fit_lda(corpus, 4, n_jobs=2, **settings)
grid = dict(method="nmf", n_topics=[2, 3], seeds=[0], measures=(), progress=False)
a = ctm.sweep(corpus, n_jobs=1, **grid)
b = ctm.sweep(corpus, n_jobs=2, **grid)
print(json.dumps({
    "pools": used,
    "same_lda": bool(np.array_equal(one.topic_term_raw, two.topic_term_raw)
                     and np.array_equal(one.doc_topic, two.doc_topic)),
    "same_sweep": all(np.array_equal(a.models[key].doc_topic_raw, b.models[key].doc_topic_raw)
                      for key in a.models),
}))
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["MPLBACKEND"] = "Agg"
    return env


@pytest.mark.slow
def test_a_plain_script_without_a_main_guard_can_use_two_processes(tmp_path):
    script = tmp_path / "plain.py"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines.count("top-level code ran") == 1  # the workers did not run the script again
    result = json.loads(lines[-1])
    assert result == {"pools": [2], "same_lda": True, "same_sweep": True}


@pytest.mark.slow
def test_a_notebook_can_use_two_processes(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(SCRIPT)]
    monkeypatch.setenv("PYTHONPATH", _env()["PYTHONPATH"])  # the kernel inherits it
    resources = {"metadata": {"path": str(tmp_path)}}
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources=resources
    )
    client.execute()
    outputs = notebook.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout")
    result = json.loads(text.strip().splitlines()[-1])
    assert result == {"pools": [2], "same_lda": True, "same_sweep": True}
