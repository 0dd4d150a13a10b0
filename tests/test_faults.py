"""Faults: figures runs killed with SIGKILL, two runs at once, damaged cache entries.

Each test runs ``python -m corpus_tm figures STUDY --output DIR --quiet`` in a subprocess on
a copy of the repository's study whose corpus is ../shared/corpus and whose cache is its own.
A killed run must leave every output file either absent (never written), or complete and equal
to the reference build (figures are byte-identical run to run), and the cache usable: the next
run succeeds and gives the reference manifest. Temporary files left by a kill start with ``.``
and end with ``.tmp``, so they are never taken for outputs (one test slows ``os.replace`` down
to leave some on purpose). A second run on the same folder while the first holds the lock is
refused with one line; damaged cache entries are reported, removed and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import tomli_w

from corpus_tm.figures import LOCK_NAME

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SEED = 20240601
N_COLD_KILLS = 3
N_WARM_KILLS = 10


def write_study(folder: Path, *, n_jobs: int = 2) -> Path:
    """The repository's study, with an absolute corpus path and a cache of its own."""
    data = tomllib.loads((REPO / "study.toml").read_text(encoding="utf-8"))
    data["corpus"]["path"] = str(CORPUS)
    data["run"]["cache_dir"] = "cache"  # relative to the study file
    data["run"]["n_jobs"] = n_jobs
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "study.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def figures_command(study: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "corpus_tm", "figures", str(study), "--output", str(output)]


def environment(hash_seed: str = "0") -> dict[str, str]:
    env = dict(os.environ)
    env.update(MPLBACKEND="Agg", PYTHONHASHSEED=hash_seed)
    env.pop("CORPUS_TM_CACHE_DIR", None)
    return env


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_figures(study: Path, output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*figures_command(study, output), "--quiet"],
        cwd=study.parent,
        env=environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def start_figures(study: Path, output: Path) -> subprocess.Popen[bytes]:
    # A session of its own, so that the kill reaches the worker processes too.
    return subprocess.Popen(
        [*figures_command(study, output), "--quiet"],
        cwd=study.parent,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def kill(process: subprocess.Popen[bytes]) -> bool:
    """SIGKILL the run and its workers; whether it was still running."""
    running = process.poll() is None
    if running:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:  # it ended just now
            running = False
    process.wait(timeout=60)
    return running


def temporaries(*folders: Path) -> list[Path]:
    """Files and folders a killed write may leave behind: ``.*.tmp``."""
    found: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            found.extend(p for p in folder.rglob(".*.tmp"))
    return sorted(found)


def output_state(output: Path) -> dict[str, str]:
    """What the output folder holds under final names (not starting with ``.``).

    sha256 of every file; for ``MANIFEST.json`` its ``files`` map as canonical JSON instead,
    since the manifest also records where the study file is relative to the output folder.
    """
    if not output.is_dir():
        return {}
    state = {}
    for path in sorted(output.iterdir()):
        if path.name.startswith("."):
            continue
        if path.name == "MANIFEST.json":
            try:
                files = json.loads(path.read_text(encoding="utf-8"))["files"]
            except (ValueError, KeyError):
                state[path.name] = "unreadable"
            else:
                state[path.name] = json.dumps(files, sort_keys=True)
        else:
            state[path.name] = sha256(path)
    return state


def assert_complete_or_absent(state: dict[str, str], reference: dict[str, str]) -> None:
    """Every file is complete and equal to the reference; a manifest means all are there."""
    for name, digest in state.items():
        assert name in reference, f"{name} is not an output of the figures command"
        assert digest == reference[name], f"{name} is incomplete or differs from the reference"
    if "MANIFEST.json" in state:  # written last
        assert set(state) == set(reference)


@dataclass
class Build:
    """What the module-level build found out, for the tests to check."""

    study: Path
    output: Path
    cache: Path
    reference: dict[str, str] = field(default_factory=dict)  # output_state of the reference
    manifest: dict = field(default_factory=dict)
    cold_kills: list[tuple[float, bool, dict[str, str], list[str]]] = field(default_factory=list)
    first_run: subprocess.CompletedProcess[str] | None = None
    second_run: subprocess.CompletedProcess[str] | None = None
    second_started_while_locked: bool = False


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Build:
    """Kill a few cold runs, then build the reference while a second run tries to start."""
    rng = random.Random(SEED)
    root = tmp_path_factory.mktemp("faults")
    study = write_study(root)
    result = Build(study=study, output=root / "out", cache=root / "cache")
    cold_output = root / "out-cold"
    for _ in range(N_COLD_KILLS):
        delay = rng.uniform(4.0, 20.0)
        process = start_figures(study, cold_output)
        time.sleep(delay)
        killed = kill(process)
        leftovers = [p.name for p in temporaries(cold_output, result.cache)]
        result.cold_kills.append((delay, killed, output_state(cold_output), leftovers))

    # The reference build, with a second run started on the same folder while it works. With
    # no figure in the cache, the first run holds the lock for many seconds.
    shutil.rmtree(result.cache / "figure", ignore_errors=True)
    first = subprocess.Popen(
        [*figures_command(study, result.output), "--quiet"],
        cwd=root,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = result.output / LOCK_NAME
    deadline = time.monotonic() + 120
    while not lock.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    result.second_started_while_locked = first.poll() is None
    result.second_run = run_figures(study, result.output)
    stdout, stderr = first.communicate(timeout=600)
    result.first_run = subprocess.CompletedProcess(first.args, first.returncode, stdout, stderr)
    if first.returncode == 0:
        result.manifest = json.loads((result.output / "MANIFEST.json").read_text("utf-8"))
        result.reference = output_state(result.output)
    return result


def test_reference_build_succeeds_after_killed_cold_runs(build):
    assert build.first_run.returncode == 0, build.first_run.stderr
    assert set(build.reference) == {*build.manifest["files"], "MANIFEST.json"}
    for name, digest in build.manifest["files"].items():
        assert build.reference[name] == digest
    assert build.reference["MANIFEST.json"] == json.dumps(build.manifest["files"], sort_keys=True)
    assert any(killed for _, killed, _, _ in build.cold_kills), "no cold run was killed"


def test_killed_cold_runs_left_only_complete_outputs(build):
    for _, _, state, _ in build.cold_kills:
        assert_complete_or_absent(state, build.reference)
    print(
        "\ncold kills (delay, killed, temporaries left):",
        [(round(delay, 1), killed, leftovers) for delay, killed, _, leftovers in build.cold_kills],
    )


def test_second_run_at_once_is_refused_with_one_line(build):
    assert build.second_started_while_locked, "the first run ended before the second started"
    second = build.second_run
    assert second.returncode == 2
    assert "another corpus-tm figures run is writing here" in second.stderr
    assert LOCK_NAME in second.stderr
    assert second.stderr.count("\n") == 1, second.stderr
    assert "Traceback" not in second.stderr
    # the first run's files are its own: each matches the manifest it wrote
    assert output_state(build.output) == build.reference


def wait_for_writing(output: Path, since_ns: int, process: subprocess.Popen[bytes]) -> bool:
    """Poll until the run writes into ``output`` (a temporary file, or a file newer than
    ``since_ns``); whether it did before it ended."""
    while process.poll() is None:
        with os.scandir(output) as entries:
            for entry in entries:
                if entry.name.endswith(".tmp"):
                    return True
                try:
                    if entry.name != LOCK_NAME and entry.stat().st_mtime_ns > since_ns:
                        return True
                except FileNotFoundError:  # a temporary file renamed just now
                    return True
        time.sleep(0.001)
    return False


def unexpected_hidden_files(output: Path) -> list[str]:
    """Files starting with '.' that are neither the lock nor a ``.NAME.*.tmp`` temporary."""
    return [
        p.name
        for p in output.iterdir()
        if p.name.startswith(".")
        and p.name != LOCK_NAME
        and not re.fullmatch(r"\.[^/]+\.[^/]+\.tmp", p.name)
    ]


def test_sigkill_at_random_moments_leaves_old_or_new_files(build, tmp_path):
    rng = random.Random(SEED + 1)
    output = tmp_path / "out"
    started = time.monotonic()
    warm = run_figures(build.study, output)
    duration = time.monotonic() - started
    assert warm.returncode == 0, warm.stderr
    assert output_state(output) == build.reference
    kills = []
    for i in range(N_WARM_KILLS):
        if i % 5 == 4:  # now and then, make the run render and cache some figures again
            for entry in sorted((build.cache / "figure").glob("[!.]*")):
                if rng.random() < 0.5:
                    shutil.rmtree(entry)
        since = time.time_ns()
        time.sleep(0.01)  # so that a file written from now on is newer than `since`
        process = start_figures(build.study, output)
        if i % 2:  # at a random moment of the run
            time.sleep(rng.uniform(0.3, 1.1) * duration)
            mode = "any time"
        else:  # a random moment once it has started writing its outputs
            writing = wait_for_writing(output, since, process)
            time.sleep(rng.uniform(0.0, 0.05))
            mode = "while writing" if writing else "ended"
        killed = kill(process)
        kills.append((mode, killed, len(temporaries(output))))
        assert_complete_or_absent(output_state(output), build.reference)
        assert unexpected_hidden_files(output) == []
    print("\nwarm kills (mode, killed, temporaries left):", kills)
    assert sum(killed for _, killed, _ in kills) >= N_WARM_KILLS // 2, kills
    assert sum(mode == "while writing" and killed for mode, killed, _ in kills) >= 3, kills
    final = run_figures(build.study, output)
    assert final.returncode == 0, final.stderr
    assert output_state(output) == build.reference
    manifest = json.loads((output / "MANIFEST.json").read_text("utf-8"))
    assert {k: v for k, v in manifest.items() if k != "study_file"} == {
        k: v for k, v in build.manifest.items() if k != "study_file"
    }
    print("temporaries left after the final run:", [p.name for p in temporaries(output)])


# Runs the command with os.replace slowed down for temporary files and for files in a
# temporary (staging) folder, so that a kill can be timed to fall between a temporary file
# being written and its rename into place.
SLOW_REPLACE = """
import os, sys, time
replace = os.replace
def slow_replace(src, dst, *args, **kwargs):
    src = os.fspath(src)
    folder, name = os.path.split(src)
    if name.startswith(".") or os.path.basename(folder).startswith("."):
        time.sleep(2.0)
    return replace(src, dst, *args, **kwargs)
os.replace = slow_replace
from corpus_tm.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_temporaries_left_by_a_kill_never_replace_outputs(build, tmp_path):
    output = tmp_path / "out"
    assert run_figures(build.study, output).returncode == 0
    figure_cache = build.cache / "figure"
    entry = sorted(figure_cache.glob("[!.]*"))[0]
    shutil.rmtree(entry)  # so that the run renders one figure and stores it in the cache
    left = {}
    for folder in (figure_cache, output):  # kill while a cache entry, then an output, is renamed
        before = set(temporaries(folder))
        arguments = ["figures", str(build.study), "--output", str(output), "--quiet"]
        process = subprocess.Popen(
            [sys.executable, "-c", SLOW_REPLACE, *arguments],
            cwd=build.study.parent,
            env=environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 300
        # (the run first removes the temporaries a killed run left: wait for a new one)
        while not set(temporaries(folder)) - before and process.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert kill(process), "the run ended before the kill"
        left[folder.name] = [p for p in temporaries(folder) if p not in before]
        assert left[folder.name]
        assert_complete_or_absent(output_state(output), build.reference)
        if folder == figure_cache:  # killed while renaming it: not under its key
            assert not entry.exists()
    final = run_figures(build.study, output)
    assert final.returncode == 0, final.stderr
    assert "damaged" not in final.stderr
    assert output_state(output) == build.reference
    assert (entry / "manifest.json").is_file()
    remaining = [p for paths in left.values() for p in paths if p.exists()]
    print("\ntemporaries left by the kills:", {k: [p.name for p in v] for k, v in left.items()})
    print("still there after the next run:", [p.name for p in remaining])


def _damage(entry: Path, how: str) -> None:
    files = sorted(
        (p for p in entry.rglob("*") if p.is_file() and p.name != "manifest.json"),
        key=lambda p: (-p.stat().st_size, p.name),
    )
    if how == "truncate":
        files[0].write_bytes(files[0].read_bytes()[: files[0].stat().st_size // 2])
    elif how == "flip":
        data = bytearray(files[0].read_bytes())
        data[len(data) // 2] ^= 0xFF
        files[0].write_bytes(bytes(data))
    elif how == "delete":
        files[-1].unlink()
    else:
        (entry / "manifest.json").unlink()


def test_damaged_cache_entries_are_detected_and_rebuilt(build, tmp_path):
    damaged = {}
    # (the sweep entry is read the same way; it is left alone because it takes long to redo)
    for kind, index, how in (
        ("corpus", 0, "truncate"),
        ("domain_shares", 0, "flip"),
        ("domain_shares", 1, "manifest"),
        ("figure", 0, "delete"),
    ):
        entries = sorted(p for p in (build.cache / kind).iterdir() if not p.name.startswith("."))
        _damage(entries[index], how)
        damaged[kind, index] = entries[index]
    run = run_figures(build.study, tmp_path / "out")
    assert run.returncode == 0, run.stderr
    for entry in damaged.values():
        assert f"cache entry {str(entry)!r} is damaged" in run.stderr
        assert (entry / "manifest.json").is_file()  # rebuilt
    assert "Traceback" not in run.stderr
    assert output_state(tmp_path / "out") == build.reference


def test_the_cache_holds_no_pickles(build):
    """Every cached file is JSON, Parquet, a plain npz or a rendered figure."""
    import numpy as np
    import pandas as pd

    files = [p for p in build.cache.rglob("*") if p.is_file() and ".tmp" not in str(p)]
    assert {p.suffix for p in files} <= {".json", ".parquet", ".npz", ".png", ".svg"}
    for path in files:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as data:
                assert all(data[name].dtype != object for name in data.files)
        elif path.suffix == ".parquet":
            assert len(pd.read_parquet(path).columns) > 0
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
