"""Determinism audit: the same study and seeds give the same bytes, however they are run.

Two cold runs of ``python -m corpus_tm figures`` on the repository's study (corpus path made
absolute, a cache of each run's own) differ in both ``run.n_jobs`` (1 and 2) and
``PYTHONHASHSEED`` (0 and 123). Every table, figure, manifest and cached result must be
byte-identical: if either setting leaked into a result, the two runs would differ. A third,
warm run on the first run's cache with the second's settings must write the same files.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import tomli_w

from corpus_tm.figures import FIGURES

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
RUNS = {"a": (1, "0"), "b": (2, "123")}  # name -> (run.n_jobs, PYTHONHASHSEED)


def write_study(folder: Path, *, n_jobs: int) -> Path:
    data = tomllib.loads((REPO / "study.toml").read_text(encoding="utf-8"))
    data["corpus"]["path"] = str(CORPUS)
    data["run"]["cache_dir"] = "cache"
    data["run"]["n_jobs"] = n_jobs
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "study.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def run_figures(study: Path, output: Path, hash_seed: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": hash_seed}
    env.pop("CORPUS_TM_CACHE_DIR", None)
    command = [sys.executable, "-m", "corpus_tm", "figures", str(study), "--output", str(output)]
    return subprocess.run(
        [*command, "--quiet"],
        cwd=study.parent,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


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


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    results = {}
    for name, (n_jobs, hash_seed) in RUNS.items():
        folder = tmp_path_factory.mktemp(f"run-{name}")
        study = write_study(folder, n_jobs=n_jobs)
        process = run_figures(study, folder / "figures", hash_seed)
        assert process.returncode == 0, process.stderr
        results[name] = folder
    return results


def manifest(folder: Path) -> dict:
    return json.loads((folder / "figures" / "MANIFEST.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_tables_and_figures_are_identical_across_n_jobs_and_hash_seeds(runs):
    one, two = manifest(runs["a"]), manifest(runs["b"])
    assert one["files"] == two["files"]
    assert {name.rsplit(".", 1)[1] for name in one["files"]} == {"csv", "png", "svg"}
    assert one == two  # settings, seeds, corpus hash and fingerprint, versions too
    for name in one["files"]:
        assert (runs["a"] / "figures" / name).read_bytes() == (
            runs["b"] / "figures" / name
        ).read_bytes()


@pytest.mark.slow
def test_cached_corpus_models_and_renders_are_identical(runs):
    one = cache_contents(runs["a"] / "cache")
    two = cache_contents(runs["b"] / "cache")
    kinds = {key.split("/")[0] for key in one}
    assert {"corpus", "domain_shares", "sweep", "figure"} <= kinds
    assert sum(key.startswith("figure/") for key in one) == len(FIGURES)
    # Entries are keyed by data and settings, not by n_jobs, so the same entries exist and hold
    # the same bytes: corpus, models, shares, sweep and rendered figures.
    assert sorted(one) == sorted(two)
    assert one == two


@pytest.mark.slow
def test_a_warm_run_with_other_settings_writes_the_same_files(runs, tmp_path):
    study = write_study(runs["a"], n_jobs=2)  # run a's cache, with b's n_jobs and hash seed
    process = run_figures(study, tmp_path / "figures", "123")
    assert process.returncode == 0, process.stderr
    again = json.loads((tmp_path / "figures" / "MANIFEST.json").read_text(encoding="utf-8"))
    assert again["files"] == manifest(runs["a"])["files"]
    assert "damaged" not in process.stderr
