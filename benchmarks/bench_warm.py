"""Cold and warm ``corpus-tm figures`` on the example study: wall clock and CPU time.

Each run is a fresh process, ``python -m corpus_tm figures STUDY --quiet --output OUT``, with
the code of ``--code`` (default: this checkout) first on ``PYTHONPATH``. The study is the
repository's ``study.toml`` with the corpus path made absolute and its output and cache in a
temporary folder. For each of ``--cold`` repetitions the cache starts empty (*cold*: sweep,
models, renders all computed), then ``--warm`` runs follow on the cache it left (*warm*:
everything read back). Reported: the median wall-clock and CPU seconds (user + system of the
process and its children, from ``getrusage``) of each kind, warm as a share of cold, and the
1-minute load average before and after (the machine may be shared: on two busy cores the wall
clock grows, the CPU time much less).

``python benchmarks/bench_warm.py [--cold 3] [--warm 5] [--code PATH] [--label NAME]``
writes a markdown table to stdout and ``benchmarks/results/bench_warm[_NAME].json``. To time
an older commit: ``git archive COMMIT | tar -x -C /tmp/old`` and ``--code /tmp/old --label
before``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def _study_copy(folder: Path, code: Path) -> Path:
    """``study.toml`` of ``code`` with the corpus path absolute and output and cache here."""
    text = (code / "study.toml").read_text(encoding="utf-8")
    corpus = (ROOT / ".." / "shared" / "corpus").resolve().as_posix()
    text = text.replace('path = "../shared/corpus"', f'path = "{corpus}"')
    text = text.replace('output = "figures"', 'output = "out"')
    text = text.replace('cache_dir = ".corpus_tm_cache"', 'cache_dir = "cache"')
    path = folder / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(study: Path, code: Path) -> dict[str, float]:
    """One figures run in a fresh process: wall and CPU seconds."""
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(code)}
    env.pop("CORPUS_TM_CACHE_DIR", None)
    command = [sys.executable, "-m", "corpus_tm", "figures", str(study), "--quiet"]
    command += ["--output", str(study.parent / "out")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env, cwd=study.parent)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu}


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=3, help="cold runs (each on a new cache)")
    parser.add_argument("--warm", type=int, default=5, help="warm runs after each cold one")
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose code is timed")
    parser.add_argument("--label", default="", help="suffix of the JSON file's name")
    args = parser.parse_args()
    code = args.code.resolve()
    load_before = os.getloadavg()
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    for _ in range(args.cold):
        with tempfile.TemporaryDirectory(prefix="corpus_tm_bench_warm.") as scratch:
            study = _study_copy(Path(scratch), code)
            cold.append(_run(study, code))
            warm.extend(_run(study, code) for _ in range(args.warm))
            shutil.rmtree(Path(scratch) / "cache", ignore_errors=True)
    load_after = os.getloadavg()
    rows = {}
    for key in ("wall", "cpu"):
        rows[key] = {
            "cold": _median(cold, key),
            "warm": _median(warm, key),
            "warm_share": _median(warm, key) / _median(cold, key),
        }
    result = {
        "code": str(code),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "cold_runs": cold,
        "warm_runs": warm,
        "median": rows,
    }
    print("| median of runs | cold s | warm s | warm / cold |\n|---|---:|---:|---:|")
    for key, label in (("wall", "wall clock"), ("cpu", "CPU (user + system)")):
        row = rows[key]
        share = f"{100 * row['warm_share']:.1f} %"
        print(f"| {label} | {row['cold']:.2f} | {row['warm']:.2f} | {share} |")
    print(
        f"\n{len(cold)} cold and {len(warm)} warm runs; load average (1, 5, 15 min) "
        f"{tuple(round(x, 2) for x in load_before)} before, "
        f"{tuple(round(x, 2) for x in load_after)} after"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"bench_warm_{args.label}.json" if args.label else "bench_warm.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
