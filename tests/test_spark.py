"""The Spark engine (corpus_tm.spark) on a local[2] session against the local path.

One session for the module (Spark's start-up takes seconds): no UI, two shuffle partitions,
scratch files in pytest's temporary folder, log level ERROR.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import corpus_tm as ctm
from corpus_tm import spark as cs
from corpus_tm.errors import ConfigError
from corpus_tm.synthetic import make_lda_corpus, topic_recovery

# a local[2] Spark session and its JVM (minutes on two cores): ./run test-slow, and CI
pytestmark = pytest.mark.slow

REPO_FIGURES = Path(__file__).resolve().parents[1] / "figures"


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    for name in ("py4j", "py4j.clientserver", "py4j.java_gateway"):
        logging.getLogger(name).setLevel(logging.ERROR)
    session = cs.spark_session(
        "local[2]", partitions=2, tmp_dir=tmp_path_factory.mktemp("spark"), log_level="ERROR"
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def example(spark, example_corpus_path):
    """The example corpus's units on Spark (cached) and on the driver, and locally."""
    documents = cs.read_documents_spark(spark, example_corpus_path)
    units_sdf = cs.spark_units(documents, partitions=2).cache()
    local = ctm.split_sections(ctm.load_documents(example_corpus_path)).units
    yield units_sdf, cs.collect_units(units_sdf), local
    units_sdf.unpersist()


def test_units_are_the_local_units(example):
    _, units, local = example
    assert len(units) == len(local) > 30
    pd.testing.assert_frame_equal(units, local, check_dtype=False)


def test_dictionary_shares_equal_the_local_ones(example):
    units_sdf, units, local = example
    lexicon = ctm.default_lexicon()
    on_spark = cs.collect_dictionary_shares(
        cs.spark_dictionary_shares(units_sdf, lexicon), units, lexicon
    )
    here = ctm.dictionary_shares(local, lexicon)
    assert list(on_spark.shares.index) == list(here.shares.index)
    assert list(on_spark.shares.columns) == list(here.shares.columns)
    difference = np.abs(on_spark.shares.to_numpy() - here.shares.to_numpy()).max()
    assert difference <= 1e-12
    assert on_spark.params == here.params
    # the example corpus names domains: the comparison is not one of all-"other" rows
    assert (here.shares.drop(columns="other").to_numpy() > 0).sum() > 50


def test_un_subset_from_jsonl_gives_the_local_shares(spark, un_corpus_path, tmp_path):
    documents = ctm.load_documents(un_corpus_path).iloc[:30]
    path = tmp_path / "speeches.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for doc_id, text in zip(documents["doc_id"], documents["text"], strict=True):
            out.write(json.dumps({"doc_id": doc_id, "text": text}) + "\n")
    units_sdf = cs.spark_units(cs.read_documents_spark(spark, path), partitions=2)
    units = cs.collect_units(units_sdf)
    with pytest.warns(ctm.CorpusTmWarning, match="no part or sub-section headings"):
        local = ctm.split_sections(documents[["doc_id", "text"]]).units
    pd.testing.assert_frame_equal(units, local, check_dtype=False)
    lexicon = ctm.default_lexicon()
    on_spark = cs.collect_dictionary_shares(
        cs.spark_dictionary_shares(units_sdf, lexicon), units, lexicon
    )
    here = ctm.dictionary_shares(local, lexicon)
    assert np.abs(on_spark.shares.to_numpy() - here.shares.to_numpy()).max() <= 1e-12
    assert on_spark.params["n_hits"] == here.params["n_hits"]
    # thirty documents in two partitions: section shares of several documents in one call
    table = cs.spark_section_shares(
        cs.spark_dictionary_shares(units_sdf, lexicon), units_sdf, lexicon, level="document"
    ).toPandas()
    table = table.sort_values(["_doc_index", "order"], kind="stable")
    expected = ctm.section_shares(here, level="document", interval="none")
    assert table["doc_id"].tolist() == expected["doc_id"].tolist()
    assert table["domain"].tolist() == expected["domain"].tolist()
    np.testing.assert_allclose(table["share"], expected["share"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("keep_n", [None, 60])
def test_vocabulary_and_tokens_are_build_corpus_ones(example, keep_n):
    units_sdf, units, local = example
    settings = ctm.PreprocessSettings(phrase_layers=0, keep_n=keep_n)
    counts, vocabulary = cs.spark_corpus(units_sdf, settings)
    corpus = ctm.build_corpus(local, settings=settings, cache_dir=False)
    assert vocabulary["term"].tolist() == corpus.vocabulary
    ids = [corpus.dictionary.token2id[t] for t in corpus.vocabulary]
    assert vocabulary["df"].tolist() == [corpus.dictionary.dfs[i] for i in ids]
    assert vocabulary["cf"].tolist() == [corpus.dictionary.cfs[i] for i in ids]
    if keep_n is not None:
        # the cut falls inside a run of equal document frequencies: ties are broken by term
        full = ctm.build_corpus(local, phrase_layers=0, cache_dir=False)
        ranked = sorted(full.dictionary.dfs.values(), reverse=True)
        assert ranked[keep_n - 1] == ranked[keep_n]
    built = cs.corpus_from_spark(counts, vocabulary, units, settings.to_dict())
    assert list(built.tokens) == list(corpus.tokens)
    assert (built.dtm != corpus.dtm).nnz == 0


def test_phrases_are_refused_with_a_clear_error(example):
    units_sdf, _, _ = example
    with pytest.raises(ConfigError, match=r"phrase_layers = 2.*phrase_layers = 0"):
        cs.spark_tokens(units_sdf, ctm.PreprocessSettings())


@pytest.fixture(scope="module")
def generated():
    return make_lda_corpus(n_topics=5, n_terms=200, n_docs=300, doc_length=80, random_state=3)


@pytest.mark.parametrize(
    ("optimizer", "options"),
    [("online", {"max_iter": 30}), ("em", {"max_iter": 30})],
)
def test_spark_lda_recovers_generated_topics(spark, generated, optimizer, options):
    model = cs.fit_spark_lda(
        generated.corpus, 5, random_state=1, optimizer=optimizer, partitions=2, **options
    )
    recovery = topic_recovery(generated.topic_term, model.topic_term.to_numpy())
    assert recovery["cosine"].mean() >= 0.85
    assert model.doc_topic.shape == (300, 5)
    np.testing.assert_allclose(model.doc_topic.sum(axis=1), 1.0, atol=1e-9)
    assert model.unit_ids == generated.corpus.unit_ids


@pytest.mark.parametrize("optimizer", ["online", "em"])
def test_same_seed_and_partitions_give_the_same_model(spark, generated, optimizer):
    fits = [
        cs.fit_spark_lda(
            generated.corpus, 5, random_state=7, optimizer=optimizer, max_iter=5, partitions=2
        )
        for _ in range(2)
    ]
    np.testing.assert_array_equal(fits[0].topic_term.to_numpy(), fits[1].topic_term.to_numpy())
    np.testing.assert_array_equal(fits[0].doc_topic.to_numpy(), fits[1].doc_topic.to_numpy())
    other = cs.fit_spark_lda(
        generated.corpus, 5, random_state=8, optimizer=optimizer, max_iter=5, partitions=2
    )
    assert not np.array_equal(fits[0].topic_term.to_numpy(), other.topic_term.to_numpy())


def test_spark_lda_is_a_backend(spark, generated):
    backend = ctm.get_backend("spark_lda")
    model = backend.fit_model(generated.corpus, 5, random_state=1, max_iter=3)
    assert model.method == "spark_lda"
    assert "spark_lda" in ctm.available_backends(sweepable=True)


@pytest.mark.parametrize("level", ["document", "part", "section"])
def test_section_shares_by_group_equal_the_local_ones(spark, example, level):
    units_sdf, _, local = example
    lexicon = ctm.default_lexicon()
    shares = cs.spark_dictionary_shares(units_sdf, lexicon)
    table = cs.spark_section_shares(shares, units_sdf, lexicon, level=level).toPandas()
    table = table.sort_values(["_doc_index", "order"], kind="stable").drop(columns="_doc_index")
    here = ctm.section_shares(ctm.dictionary_shares(local, lexicon), level=level, interval="none")
    assert len(table) == len(here) > 0
    for column in ("doc_id", "section", "label", "domain", "n_units"):
        assert table[column].astype(str).tolist() == here[column].astype(str).tolist()
    np.testing.assert_allclose(table["share"], here["share"], rtol=0, atol=1e-12)


def test_mapped_shares_on_the_executors_equal_the_local_ones(spark, example):
    from corpus_tm.domains import _hard_attribution

    units_sdf, units, _ = example
    lexicon = ctm.default_lexicon()
    counts, vocabulary = cs.spark_corpus(units_sdf, phrase_layers=0)
    model = cs.fit_spark_lda_frame(
        counts, vocabulary["term"].tolist(), 6, random_state=1, max_iter=10
    )
    mapping = ctm.map_topics(model, lexicon)
    here = ctm.domain_shares(model, mapping, units, lexicon=lexicon, attribution="hard")
    theta = spark.createDataFrame(
        pd.DataFrame(
            {"unit_id": model.unit_ids, "theta": list(model.doc_topic.to_numpy().tolist())}
        )
    )
    on_spark = cs.spark_mapped_shares(theta, _hard_attribution(model, mapping, lexicon))
    table = on_spark.toPandas().set_index("unit_id").loc[here.shares.index]
    np.testing.assert_allclose(
        table[list(here.shares.columns)].to_numpy(), here.shares.to_numpy(), rtol=0, atol=1e-12
    )


# the example corpus's small parts, and NMF of 4 topics leaving domains unresolved, warn with
# either engine; the test is about the files
@pytest.mark.filterwarnings("ignore::corpus_tm.aggregation.SmallSampleWarning")
@pytest.mark.filterwarnings("ignore::corpus_tm.aggregation.UnresolvedDomainWarning")
def test_study_dictionary_figures_are_the_same_bytes_with_either_engine(
    spark, example_corpus_path, tmp_path
):
    """The example study's dictionary path, local and on Spark: the same figure files, and the
    dictionary rows of the committed method-comparison data."""
    from corpus_tm.figures import round_table

    made = {}
    results = {}
    for engine in ("local", "spark"):
        folder = tmp_path / engine
        folder.mkdir()
        study_file = folder / "study.toml"
        study_file.write_text(
            f"""
[corpus]
path = "{example_corpus_path.as_posix()}"
[models]
methods = ["nmf"]
n_topics = 4
[sweep]
n_topics = [4]
seeds = [1, 2]
[aggregation]
n_boot = 1000
random_state = 1
ci = 0.9
[figures]
method = "dictionary"
doc_id = "qiushi-2020-08"
formats = ["png", "svg"]
make = ["domain_heatmap", "domain_bars", "domain_flow"]
[run]
engine = "{engine}"
partitions = 2
""",
            encoding="utf-8",
        )
        study = ctm.load_study(study_file)
        assert study.run.engine == engine
        ctm.make_figures(study, progress=False)
        results[engine] = ctm.run_study(study, progress=False)  # cached: reads back
        drawn = (".png", ".svg", ".csv")
        files = [p for p in sorted(study.output_dir.iterdir()) if p.suffix in drawn]
        made[engine] = {p.name: p.read_bytes() for p in files}
    assert sorted(made["local"]) == sorted(made["spark"])
    assert len(made["local"]) == 9  # three figures: png, svg and csv
    for name, data in made["local"].items():
        assert made["spark"][name] == data, name
    # the Spark engine's dictionary rows of the example study's committed figure data
    committed = pd.read_csv(REPO_FIGURES / "method_comparison.csv", dtype={"section": str})
    committed = committed[committed["method"] == "dictionary"]
    shares = round_table(results["spark"].section_shares)
    rows = shares[(shares["method"] == "dictionary") & (shares["level"] == "part")]
    merged = committed.merge(
        rows, on=["doc_id", "section", "domain"], suffixes=("", "_spark"), validate="1:1"
    )
    assert len(merged) == len(committed) > 20
    for column in ("share", "lower", "upper"):  # NaN: no interval for a part of one unit
        np.testing.assert_array_equal(merged[column], merged[f"{column}_spark"], err_msg=column)


def test_importing_the_package_does_not_import_pyspark():
    import subprocess
    import sys

    code = (
        "import sys, corpus_tm, corpus_tm.spark, corpus_tm.backends, corpus_tm.pipeline; "
        "assert corpus_tm.get_backend('spark_lda').name == 'spark_lda'; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyspark', 'py4j')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("run", "message"),
    [
        ('engine = "cluster"', r"run\.engine must be 'local' or 'spark'"),
        ("partitions = 0", r"run\.partitions must be an integer >= 1"),
        ('master = " "', r"run\.master must be a Spark master URL"),
    ],
)
def test_bad_engine_settings_are_named(small_study, run, message):
    with pytest.raises(ConfigError, match=message):
        ctm.load_study(small_study(f"[run]\n{run}\n"))


def test_spark_lda_study_options_are_checked(tmp_path, example_corpus_path):
    study = tmp_path / "study.toml"
    study.write_text(
        f'[corpus]\npath = "{example_corpus_path.as_posix()}"\n[models]\n'
        'methods = ["spark_lda"]\nspark_optimizer = "gibbs"\n'
        '[figures]\nmethod = "spark_lda_mapped"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"models\.spark_optimizer must be 'online' or 'em'"):
        ctm.load_study(study)
    study.write_text(
        study.read_text(encoding="utf-8").replace('"gibbs"', '"em"\nspark_max_iter = 7'),
        encoding="utf-8",
    )
    options = ctm.get_backend("spark_lda").fit_options(ctm.load_study(study).models.options)
    assert options == {"optimizer": "em", "max_iter": 7, "subsampling_rate": 0.5}


@pytest.mark.filterwarnings("ignore::corpus_tm.aggregation.SmallSampleWarning")
@pytest.mark.filterwarnings("ignore::corpus_tm.aggregation.UnresolvedDomainWarning")
def test_a_study_without_phrases_builds_its_corpus_on_spark(
    spark, example_corpus_path, tmp_path, monkeypatch
):
    from corpus_tm import preprocessing

    build_corpus = preprocessing.build_corpus

    study_file = tmp_path / "study.toml"
    study_file.write_text(
        f"""
[corpus]
path = "{example_corpus_path.as_posix()}"
[preprocessing]
phrase_layers = 0
[models]
methods = ["nmf"]
n_topics = 3
[sweep]
n_topics = [3]
seeds = [1, 2]
[aggregation]
n_boot = 10
[figures]
method = "dictionary"
[run]
engine = "spark"
cache_dir = "{(tmp_path / "cache").as_posix()}"
""",
        encoding="utf-8",
    )
    with monkeypatch.context() as patch:
        patch.setattr(preprocessing, "build_corpus", lambda *a, **k: pytest.fail("built locally"))
        results = ctm.run_study(ctm.load_study(study_file), progress=False)
    local = build_corpus(results.units, phrase_layers=0, cache_dir=False)
    # the corpus made on the cluster is build_corpus's, down to its cache key
    assert results.corpus.fingerprint == local.fingerprint
    assert results.corpus.vocabulary == local.vocabulary
    assert (results.corpus.dtm != local.dtm).nnz == 0
    assert set(results.section_shares["method"]) == {"nmf_mapped", "dictionary"}
