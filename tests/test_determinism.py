"""Determinism audit: the same study and seeds give the same bytes, however they are run.

Two cold runs of ``python -m corpus_tm figures`` on the repository's study (a copy beside a
link to ../shared, a cache of each run's own; conftest ``study_copy``) differ in both
``run.n_jobs`` (1 and 2) and ``PYTHONHASHSEED`` (0 and 123). The second is the session's
reference build (conftest ``reference_build``), which the figures tests also compare with the
committed figures. Every table, figure, manifest and cached result must be byte-identical: if
either setting leaked into a result, the two runs would differ. A third, warm run on the first
run's cache with the second's settings must write the same files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from corpus_tm.figures import FIGURES
from corpus_tm.study import FIGURE_NEEDS

N_JOBS, HASH_SEED = 1, "0"  # the first run; the second is the reference build


def cache_contents(cache: Path) -> dict[str, dict[str, str]]:
    """``kind/key -> {file: sha256}`` from the manifest of every cache entry.

    The sweep's ``metrics.parquet`` also records how long each fit took (``seconds``), which no
    result uses; it is compared without that column.
    """
    contents = {}
    for manifest in sorted(cache.glob("*/*/manifest.json")):
        entry = manifest.parent
        if entry.name.startswith("."):
            continue
        files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
        digests = {name: info["sha256"] for name, info in sorted(files.items())}
        if entry.parent.name == "sweep":
            metrics = pd.read_parquet(entry / "metrics.parquet").drop(columns="seconds")
            digests["metrics.parquet"] = metrics.to_csv(index=False)
        contents[f"{entry.parent.name}/{entry.name}"] = digests
    return contents


@dataclass(frozen=True)
class Run:
    output: Path
    cache: Path  # as the cold run left it


@pytest.fixture(scope="module")
def runs(tmp_path_factory, reference_build, study_copy, figures_run):
    reference = reference_build
    assert reference.n_jobs != N_JOBS  # the two runs differ in both settings
    assert reference.hash_seed != HASH_SEED
    study = study_copy(tmp_path_factory.mktemp("run-a"), n_jobs=N_JOBS)
    process = figures_run(study, study.parent / "figures", hash_seed=HASH_SEED)
    assert process.returncode == 0, process.stderr
    return {
        "a": Run(study.parent / "figures", study.parent / "cache"),
        "b": Run(reference.output, reference.cache_as_built),
    }


def manifest(run: Run) -> dict:
    return json.loads((run.output / "MANIFEST.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_tables_and_figures_are_identical_across_n_jobs_and_hash_seeds(runs):
    one, two = manifest(runs["a"]), manifest(runs["b"])
    assert one["files"] == two["files"]
    assert {name.rsplit(".", 1)[1] for name in one["files"]} == {"csv", "png", "svg"}
    assert one == two  # settings, seeds, corpus hash and fingerprint, versions too
    for name in one["files"]:
        assert (runs["a"].output / name).read_bytes() == (runs["b"].output / name).read_bytes()


@pytest.mark.slow
def test_cached_corpus_models_and_renders_are_identical(runs):
    one = cache_contents(runs["a"].cache)
    two = cache_contents(runs["b"].cache)
    kinds = {key.split("/")[0] for key in one}
    assert {"corpus", "domain_shares", "sweep", "figure"} <= kinds
    drawn = [name for name in FIGURES if name not in FIGURE_NEEDS]  # no group_by: not drawn
    assert sum(key.startswith("figure/") for key in one) == len(drawn)
    # Entries are keyed by data and settings, not by n_jobs, so the same entries exist and hold
    # the same bytes: corpus, models, shares, sweep and rendered figures.
    assert sorted(one) == sorted(two)
    assert one == two


@pytest.mark.slow
def test_a_warm_run_with_other_settings_writes_the_same_files(
    runs, reference_build, study_copy, figures_run, tmp_path
):
    # run a's study and cache, with b's n_jobs and hash seed
    study = study_copy(runs["a"].output.parents[1], n_jobs=reference_build.n_jobs)
    process = figures_run(study, tmp_path / "figures", hash_seed=reference_build.hash_seed)
    assert process.returncode == 0, process.stderr
    again = json.loads((tmp_path / "figures" / "MANIFEST.json").read_text(encoding="utf-8"))
    assert again["files"] == manifest(runs["a"])["files"]
    assert "damaged" not in process.stderr
