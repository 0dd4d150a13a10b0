"""Everyday start-up costs: ``import corpus_tm``, ``corpus-tm --help`` and cold and warm figures.

Each measurement runs in a fresh Python process (so imports are cold every time):

* ``import numpy, pandas`` (the floor), ``import corpus_tm`` and the difference;
* ``corpus-tm --help``;
* ``corpus-tm figures`` of the example study (``study.toml``), written to a temporary folder
  with a temporary cache: once from an empty cache (*cold*), then again (*warm*: everything
  cached, nothing fitted), and the warm run as a share of the cold one.

The best of ``--repeats`` runs is reported (start-up times are noisy on a shared machine; the
load average is recorded next to them). Run from the repository root:
``python benchmarks/bench_startup.py [--repeats 5] [--no-figures]`` (the code of this checkout,
first on ``PYTHONPATH``; ``--no-figures``: imports and ``--help`` only, ``bench_warm.py`` times
the figures runs in more detail). Writes a markdown table to stdout and
``benchmarks/results/bench_startup.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def _seconds(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    # Not the repository: there, python -c would import corpus_tm from the working folder.
    subprocess.run(command, check=True, capture_output=True, env=env, cwd=tempfile.gettempdir())
    return time.perf_counter() - start


def _best(command: list[str], repeats: int, env: dict[str, str] | None = None) -> float:
    return min(_seconds(command, env) for _ in range(repeats))


def _study_copy(folder: Path) -> Path:
    """``study.toml`` with the corpus path made absolute and output and cache in ``folder``."""
    text = (ROOT / "study.toml").read_text(encoding="utf-8")
    corpus = (ROOT / ".." / "shared" / "corpus").resolve().as_posix()
    text = text.replace('path = "../shared/corpus"', f'path = "{corpus}"')
    text = text.replace('output = "figures"', 'output = "out"')
    text = text.replace('cache_dir = ".corpus_tm_cache"', 'cache_dir = "cache"')
    path = folder / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--no-figures", action="store_true", help="time imports and --help only (see bench_warm)"
    )
    args = parser.parse_args()
    python = sys.executable
    # This checkout's code, whatever the environment has installed (python -m corpus_tm runs
    # what the corpus-tm script runs).
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT)}
    rows: dict[str, float] = {}
    rows["import numpy, pandas"] = _best([python, "-c", "import numpy, pandas"], args.repeats)
    rows["import corpus_tm"] = _best([python, "-c", "import corpus_tm"], args.repeats, env)
    rows["import corpus_tm over numpy+pandas"] = max(
        0.0, rows["import corpus_tm"] - rows["import numpy, pandas"]
    )
    rows["corpus-tm --help"] = _best([python, "-m", "corpus_tm", "--help"], args.repeats, env)
    cold, warm = [], []
    for _ in range(0 if args.no_figures else max(1, args.repeats // 2)):
        with tempfile.TemporaryDirectory(prefix="corpus_tm_bench_startup.") as scratch:
            study = _study_copy(Path(scratch))
            command = [python, "-m", "corpus_tm", "figures", str(study), "--quiet"]
            cold.append(_seconds(command, env))
            warm.append(min(_seconds(command, env) for _ in range(args.repeats)))
            shutil.rmtree(Path(scratch) / "cache")
    if cold:
        rows["figures, cold cache"] = min(cold)
        rows["figures, warm cache"] = min(warm)
        rows["warm / cold"] = rows["figures, warm cache"] / rows["figures, cold cache"]
    result = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "repeats": args.repeats,
        "seconds": rows,
    }
    print("| measurement | best s |\n|---|---:|")
    for name, value in rows.items():
        shown = f"{100 * value:.0f} %" if name == "warm / cold" else f"{value:.2f}"
        print(f"| {name} | {shown} |")
    print(f"\nload average {result['load_average']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "bench_startup_imports.json" if args.no_figures else "bench_startup.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
