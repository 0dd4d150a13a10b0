"""Study files: defaults, relative paths, and errors that name the key and the expected type."""

from __future__ import annotations

from pathlib import Path

import pytest

import corpus_tm as ctm
from corpus_tm.study import load_study

REPO = Path(__file__).resolve().parents[1]


def _write(tmp_path, text):
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_repository_study_points_at_the_example_corpus(example_corpus_path):
    study = load_study(REPO / "study.toml")
    assert study.corpus_path == example_corpus_path.resolve()
    assert study.output_dir == REPO / "figures"
    assert study["models"]["random_state"] == 1
    assert study["aggregation"]["n_boot"] == 1000


def test_paths_are_relative_to_the_study_file(tmp_path):
    (tmp_path / "sub").mkdir()
    path = _write(tmp_path / "sub", 'corpus.path = "../texts"\nfigures.output = "out"\n')
    study = load_study(path)
    assert study.corpus_path == (tmp_path / "texts").resolve()
    assert study.output_dir == (tmp_path / "sub" / "out").resolve()
    assert study["sweep"]["method"] == "nmf"  # default filled in


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('corpus.path = "x"\n[model]\nn_topics = 3\n', r"unknown section \[model\]"),
        ('corpus.path = "x"\nmodels.n_topic = 3\n', r"unknown key models\.n_topic"),
        ('corpus.path = "x"\nmodels.n_topics = "eight"\n', r"models\.n_topics must be an integer"),
        ('corpus.path = "x"\nmodels.n_topics = true\n', r"models\.n_topics must be int"),
        ('corpus.path = "x"\nsweep.seeds = [1, "2"]\n', r"sweep\.seeds must be a non-empty"),
        ('corpus.path = "x"\naggregation.ci = "high"\n', r"must be float"),
        ('corpus.path = "x"\nmodels.lda_dtype = "f16"\n', r"models\.lda_dtype must be 'float64'"),
        ("[corpus]\nunit = 'paragraph'\n", r"needs path"),
        ("corpus.path = \n", r"not valid TOML"),
    ],
)
def test_bad_study_files_name_the_key(tmp_path, text, message):
    with pytest.raises(ctm.ConfigError, match=message):
        load_study(_write(tmp_path, text))


def test_missing_study_file(tmp_path):
    with pytest.raises(ctm.ConfigError, match="no such study file"):
        load_study(tmp_path / "nowhere.toml")


def test_a_wrong_doc_id_is_reported_before_any_model_is_fitted(small_study, monkeypatch):
    from corpus_tm import pipeline

    def no_models(*args, **kwargs):
        raise AssertionError("the sweep ran before figures.doc_id was checked")

    monkeypatch.setattr(pipeline, "_sweep_and_k", no_models)
    study = ctm.load_study(small_study('[figures]\ndoc_id = "qiushi-2021"\n'))
    wrong = r"figures\.doc_id = 'qiushi-2021' is not a doc"
    with pytest.raises(ctm.ConfigError, match=wrong) as err:
        pipeline.run_study(study, progress=False)
    assert "qiushi-2020-08" in str(err.value)
    assert "news-2020-04-16" in str(err.value)
