"""The figures command: committed figures are what the code makes, runs are cached and locked."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

import corpus_tm as ctm
from corpus_tm import figures
from corpus_tm.study import load_study

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "figures"


@pytest.fixture(scope="module")
def study_with_tmp_cache(tmp_path_factory):
    study = load_study(REPO / "study.toml")
    study.settings["run"]["cache_dir"] = str(tmp_path_factory.mktemp("figures-cache"))
    return study


@pytest.fixture(scope="module")
def first_build(study_with_tmp_cache, tmp_path_factory):
    output = tmp_path_factory.mktemp("figures")
    # a cold run also warns that most domains have too few seed terms for a seeded topic
    with pytest.warns(UserWarning, match="fewer than 5"):
        manifest = ctm.make_figures(study_with_tmp_cache, output=output, progress=False)
    return output, manifest


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_committed_figures_are_what_the_code_makes(first_build):
    output, manifest = first_build
    committed = json.loads((COMMITTED / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["files"] == committed["files"], (
        "figures/ is stale: run ./run figures and commit the result"
    )
    for name, sha in manifest["files"].items():
        assert _sha(output / name) == sha == _sha(COMMITTED / name), name
    assert (output / "MANIFEST.json").read_bytes() == (COMMITTED / "MANIFEST.json").read_bytes()


def test_manifest_describes_the_run(first_build, example_corpus_path):
    output, manifest = first_build
    assert set(manifest["files"]) == {
        f"{name}.{suffix}" for name in figures.FIGURES for suffix in ("png", "svg", "csv")
    }
    assert manifest["corpus_hash"] == figures.corpus_hash(example_corpus_path)
    assert manifest["settings"]["corpus"]["path"] == "../shared/corpus"
    assert manifest["seeds"]["models"] == 1
    assert manifest["versions"]["matplotlib"] == figures.package_versions()["matplotlib"]
    assert not list(output.glob(".*.tmp"))


def test_second_run_reuses_every_cached_step(
    first_build, study_with_tmp_cache, tmp_path, monkeypatch
):
    _, manifest = first_build

    def fail(*args, **kwargs):
        raise AssertionError("refitted or redrew although nothing changed")

    for module, name in (
        ("corpus_tm.models", "fit_lda"),
        ("corpus_tm.models", "fit_nmf"),
        ("corpus_tm.domains", "fit_seeded_lda"),
        ("corpus_tm.evaluation", "sweep"),
        ("corpus_tm.preprocessing", "preprocess_texts"),
    ):
        monkeypatch.setattr(f"{module}.{name}", fail)
    monkeypatch.setattr(figures, "figure_bytes", fail)
    with pytest.warns(ctm.SmallSampleWarning):
        again = ctm.make_figures(study_with_tmp_cache, output=tmp_path, progress=False)
    assert again == manifest


def test_a_second_run_at_once_is_refused(study_with_tmp_cache, tmp_path):
    with (
        FileLock(str(tmp_path / figures.LOCK_NAME)),
        pytest.raises(ctm.InputError, match="another corpus-tm figures run"),
    ):
        ctm.make_figures(study_with_tmp_cache, output=tmp_path, progress=False)


def test_unwritable_output_folder(study_with_tmp_cache, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ctm.InputError, match="cannot create the figures folder"):
        ctm.make_figures(study_with_tmp_cache, output=blocker / "figures", progress=False)


def test_figure_bytes_are_stable_within_a_process():
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    assert figures.figure_bytes(figure, "svg") == figures.figure_bytes(figure, "svg")
    assert figures.figure_bytes(figure, "png") == figures.figure_bytes(figure, "png")
    assert b"<dc:date>" not in figures.figure_bytes(figure, "svg")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corpus_tm", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )


def test_cli_help_for_every_subcommand():
    for command in ("figures", "sections", "sweep", "topics"):
        result = _cli(command, "--help")
        assert result.returncode == 0, result.stderr
        assert "usage: corpus-tm" in result.stdout


def test_cli_sections_prints_the_tree(example_corpus_path):
    result = _cli("sections", str(example_corpus_path))
    assert result.returncode == 0, result.stderr
    assert "3.5 Fifth" in result.stdout
    assert "Closing" in result.stdout


def test_cli_errors_are_one_line_without_traceback(tmp_path):
    result = _cli("sections", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    bad_study = tmp_path / "bad.toml"
    bad_study.write_text('corpus.path = "x"\nmodels.n_topics = "many"\n', encoding="utf-8")
    result = _cli("figures", str(bad_study))
    assert result.returncode == 2
    assert "models.n_topics must be int" in result.stderr
    assert "Traceback" not in result.stderr
