"""A figures run is atomic as a whole, and a study is checked before any work.

The new figures, their data and MANIFEST.json appear together or not at all: a figure that
fails, a full disk or a Ctrl-C while the figures are drawn leaves the output folder byte for
byte as it was; a Ctrl-C while the files are moved into place is held back until the last one
(MANIFEST.json) is in place. A figure the study cannot make is reported before the pipeline
runs. A matplotlibrc changes the key of a cached render. The study is the tiny one of
tests/conftest.py on the example corpus; its results are computed once for the module.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pytest
from conftest import SMALL_STUDY

import corpus_tm as ctm
from corpus_tm import cli, figures
from corpus_tm.cache import TEMPORARY_PREFIX, CacheWarning
from corpus_tm.errors import ConfigError
from corpus_tm.study import load_study

# the tiny study of tests/conftest.py, three cheap figures
STUDY = SMALL_STUDY + """
[figures]
output = "out"
formats = ["png", "svg"]
dpi = 20
make = ["k_choice", "topic_mapping", "top_terms"]
"""


def write_study(folder: Path, corpus: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "study.toml"
    path.write_text(f'[corpus]\npath = "{corpus.as_posix()}"\n{STUDY}{extra}', encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def results(tmp_path_factory, example_corpus_path):
    """The tiny study's results (its cache in the study's folder)."""
    folder = tmp_path_factory.mktemp("atomic")
    study = load_study(write_study(folder, example_corpus_path, '[run]\ncache_dir = "cache"\n'))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small-sample and seed-term warnings of a tiny study
        return ctm.run_study(study, progress=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file and folder in ``folder`` (bytes; ``b"<dir>"`` for a folder)."""
    return {
        p.relative_to(folder).as_posix(): b"<dir>" if p.is_dir() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def old_output(tmp_path):
    """An output folder holding an earlier run's files (other bytes than this run makes)."""
    folder = tmp_path / "out"
    folder.mkdir()
    names = [f"{n}.{s}" for n in ("k_choice", "topic_mapping", "top_terms") for s in ("png", "svg")]
    old = {name: f"old {name}".encode() for name in [*names, "k_choice.csv"]}
    old["MANIFEST.json"] = json.dumps({"files": {n: "old" for n in old}}).encode()
    old["notes.txt"] = b"a file of the user's"
    for name, payload in old.items():
        (folder / name).write_bytes(payload)
    return folder


def write(results, output: Path) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ctm.CorpusTmWarning)
        warnings.simplefilter("error", CacheWarning)
        return figures.write_figures(results, output=output, progress=False)


def test_a_complete_run_replaces_every_file_and_manifest_last(results, old_output, monkeypatch):
    moved = []
    replace = os.replace

    def spy(src, dst, *args, **kwargs):
        if Path(dst).parent == old_output:  # not a cache entry being stored
            moved.append(Path(dst).name)
        return replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", spy)
    manifest = write(results, old_output)
    assert moved[-1] == "MANIFEST.json"
    assert sorted(moved[:-1]) == sorted(manifest["files"])
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((old_output / name).read_bytes()).hexdigest() == digest, name
    assert json.loads((old_output / "MANIFEST.json").read_text("utf-8")) == manifest
    assert (old_output / "notes.txt").read_bytes() == b"a file of the user's"
    assert not [p for p in old_output.iterdir() if p.name.startswith(TEMPORARY_PREFIX)]


def _fail_on_call(n: int, exception: BaseException):
    calls = []

    def wrapper(real):
        def wrapped(*args, **kwargs):
            calls.append(args)
            if len(calls) == n:
                raise exception
            return real(*args, **kwargs)

        return wrapped

    return wrapper


@pytest.mark.parametrize(
    "exception",
    [RuntimeError("a bug in a figure"), KeyboardInterrupt()],
    ids=["error", "ctrl-c"],
)
def test_a_figure_that_fails_leaves_the_folder_as_it_was(
    results, old_output, monkeypatch, exception
):
    before = snapshot(old_output)
    wrap = _fail_on_call(1, exception)
    # the second of three figures fails, after the first was drawn and staged
    monkeypatch.setitem(figures.FIGURES, "topic_mapping", wrap(figures.FIGURES["topic_mapping"]))
    with pytest.raises(type(exception)):
        write(results, old_output)
    assert snapshot(old_output) == before


def test_a_full_disk_while_staging_leaves_the_folder_as_it_was(results, old_output, monkeypatch):
    before = snapshot(old_output)
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(figures, "_stage", _fail_on_call(3, full)(figures._stage))
    with pytest.raises(OSError, match="No space left on device"):
        write(results, old_output)
    assert snapshot(old_output) == before


def test_ctrl_c_while_moving_files_into_place_waits_for_the_manifest(
    results, old_output, monkeypatch
):
    """A SIGINT during the renames is raised once every file and the manifest are in place."""
    assert threading.current_thread() is threading.main_thread()  # where signals arrive
    replace = os.replace
    count = []

    def interrupted(src, dst, *args, **kwargs):
        if Path(dst).parent == old_output:
            count.append(dst)
            if len(count) == 2:
                os.kill(os.getpid(), signal.SIGINT)
        return replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", interrupted)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            write(results, old_output)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
    manifest = json.loads((old_output / "MANIFEST.json").read_text("utf-8"))
    assert len(count) == len(manifest["files"]) + 1
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((old_output / name).read_bytes()).hexdigest() == digest, name


def test_a_staging_folder_left_by_a_killed_run_is_removed(results, tmp_path, monkeypatch):
    """make_figures removes the package's own staging folders (it holds the lock)."""
    study = results.study
    output = tmp_path / "out"
    left = output / f"{TEMPORARY_PREFIX}{figures.STAGING}.ab12cd34.tmp"
    left.mkdir(parents=True)
    (left / "k_choice.png").write_bytes(b"half")
    mine = output / ".my-staging.ab12cd34.tmp"
    mine.mkdir()
    monkeypatch.setattr("corpus_tm.pipeline.run_study", lambda study, progress=None: results)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ctm.CorpusTmWarning)
        ctm.make_figures(study, output=output, progress=False)
    assert not left.exists()
    assert mine.is_dir()


# --------------------------------------------------------------------------------------------
# A study is checked before any work


@pytest.fixture
def no_pipeline(monkeypatch):
    """Make running the pipeline (or building a corpus) fail the test."""

    def fail(*args, **kwargs):
        raise AssertionError("the pipeline ran although the study cannot be made")

    monkeypatch.setattr("corpus_tm.pipeline.run_study", fail)
    monkeypatch.setattr("corpus_tm.preprocessing.build_corpus", fail)


def test_an_unknown_figure_fails_before_the_pipeline(tmp_path, example_corpus_path, no_pipeline):
    study = load_study(write_study(tmp_path, example_corpus_path))
    study.settings["figures"]["make"] = ["k_choice", "pie_chart"]  # changed after reading
    with pytest.raises(ConfigError, match="unknown figures pie_chart"):
        ctm.make_figures(study, progress=False)
    assert not (tmp_path / "out").exists()


def test_a_topic_figure_without_a_topic_model_fails_before_the_pipeline(
    tmp_path, example_corpus_path, no_pipeline
):
    path = write_study(tmp_path, example_corpus_path)
    text = path.read_text("utf-8").replace("[models]\n", '[models]\nmethods = ["keyatm"]\n')
    path.write_text(text.replace("[figures]\n", '[figures]\nmethod = "keyatm"\n'), "utf-8")
    with pytest.raises(ConfigError, match="topic_mapping and top_terms need a topic model"):
        ctm.make_figures(path, progress=False)


def test_a_wrong_doc_id_fails_before_the_corpus_is_built(
    tmp_path, example_corpus_path, monkeypatch
):
    def fail(*args, **kwargs):
        raise AssertionError("the corpus was built although figures.doc_id names no document")

    monkeypatch.setattr("corpus_tm.preprocessing.build_corpus", fail)
    path = write_study(tmp_path, example_corpus_path, '[run]\ncache_dir = "cache"\n')
    path.write_text(
        path.read_text("utf-8").replace("[figures]\n", '[figures]\ndoc_id = "nope"\n'), "utf-8"
    )
    with pytest.raises(ConfigError, match=r"figures\.doc_id = 'nope' is not a document"):
        ctm.make_figures(path, progress=False)


# --------------------------------------------------------------------------------------------
# The rendering settings are part of a cached render's key


def _figures_command(study: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MATPLOTLIBRC"}
    env["MPLBACKEND"] = "Agg"
    return subprocess.run(
        [sys.executable, "-m", "corpus_tm", "figures", str(study), "--quiet"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def _one_figure(study: Path) -> Path:
    text = study.read_text("utf-8")
    study.write_text(text.replace('", "topic_mapping", "top_terms"]', '"]'), "utf-8")
    return study


@pytest.mark.slow
def test_a_matplotlibrc_in_the_working_folder_is_not_served_stale(tmp_path, example_corpus_path):
    """Render with a matplotlibrc in the working folder, remove it, render again: the second
    run draws anew and caches a render of its own; it does not serve the render cached under
    the first run's settings."""
    study = write_study(tmp_path / "study", example_corpus_path, '[run]\ncache_dir = "cache"\n')
    _one_figure(study)
    work = tmp_path / "work"
    work.mkdir()
    (work / "matplotlibrc").write_text("axes.facecolor: yellow\nlines.linewidth: 4\n", "utf-8")
    first = _figures_command(study, work)
    assert first.returncode == 0, first.stderr
    styled = (study.parent / "out" / "k_choice.png").read_bytes()
    (work / "matplotlibrc").unlink()
    second = _figures_command(study, work)
    assert second.returncode == 0, second.stderr
    assert (study.parent / "out" / "k_choice.png").read_bytes() != styled
    renders = [p for p in (study.parent / "cache" / "figure").iterdir() if p.is_dir()]
    assert len(renders) == 2  # one for each setting


def test_render_settings_follow_rcparams_not_the_backend():
    import matplotlib as mpl

    base = figures._render_settings()
    assert "backend" not in {line.split("=", 1)[0] for line in base.splitlines()}
    with mpl.rc_context({"axes.linewidth": 3.0}):
        assert figures._render_settings() != base
    with mpl.rc_context({"font.size": 30.0}):  # STYLE sets it: no effect on the renders
        assert figures._render_settings() == base
    assert figures._render_settings() == base


# --------------------------------------------------------------------------------------------
# --no-cache


def test_no_cache_runs_the_study_without_writing_a_cache(tmp_path, example_corpus_path, capsys):
    """--no-cache reads and writes no cache: neither beside the study nor CORPUS_TM_CACHE_DIR."""
    study = _one_figure(write_study(tmp_path / "study", example_corpus_path))
    shared = Path(os.environ["CORPUS_TM_CACHE_DIR"])  # the study's cache without --no-cache
    assert load_study(study).cache_dir == shared
    before = sorted(shared.rglob("*"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ctm.CorpusTmWarning)
        assert cli.main(["figures", str(study), "--quiet", "--no-cache"]) == 0
    assert "wrote 3 files" in capsys.readouterr().out
    assert sorted(p.name for p in study.parent.iterdir()) == ["out", "study.toml"]
    assert sorted(shared.rglob("*")) == before
