"""Benchmark: preprocessing speed of corpus_tm against a hand-written gensim pipeline.

In: a folder of plain-text files (by default the 959 UN General Debate speeches beside the
repository), one unit per non-empty line.
Out: a markdown table on stdout and a JSON file in ``benchmarks/results/``.

Pipelines, each timed from texts in memory to a bag of words / document-term matrix:

* ``gensim``: the usual hand-written single-process pipeline -- ``simple_preprocess``,
  ``Phrases`` (one layer, English connector words) + ``freeze``, stop-word removal,
  ``Dictionary`` + ``filter_extremes`` and ``doc2bow``;
* ``corpus_tm``: ``build_corpus(units, cache_dir=False, n_jobs=...)`` and ``corpus.dtm``,
  which also lemmatises and runs two phrase layers.

Every run is a fresh Python process (cold caches; imports are not timed). Speed is reported as
input tokens (white-space-separated words) per second.

Run ``python benchmarks/bench_preprocessing.py`` (``--help`` for the options).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "un-general-debate-2020-2024" / "texts"
DEFAULT_OUTPUT = HERE / "results" / "bench_preprocessing.json"


def read_units(folder: Path, limit: int | None = None, *, read_corpus: bool = False):
    """The unit table: one row per non-empty line of each ``.txt`` file (UTF-8, BOM allowed)."""
    import pandas as pd

    if read_corpus:
        import corpus_tm as ctm

        units = ctm.read_corpus(folder)
        if limit is not None:
            units = units[units["doc_id"].isin(units["doc_id"].unique()[:limit])]
        return units
    rows = []
    files = sorted(folder.glob("*.txt"))[:limit]
    if not files:
        raise SystemExit(f"No .txt files in {folder}.")
    for path in files:
        text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        lines = [line.strip() for line in text.split("\n") if line.strip()]
        rows += [{"unit_id": f"{path.stem}/{i:04d}", "text": line} for i, line in enumerate(lines)]
    return pd.DataFrame(rows)


def run_gensim(texts: list[str]) -> dict[str, Any]:
    """The hand-written gensim pipeline."""
    from gensim.corpora import Dictionary
    from gensim.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases
    from gensim.parsing.preprocessing import STOPWORDS
    from gensim.utils import simple_preprocess

    start = time.perf_counter()
    tokens = [simple_preprocess(text) for text in texts]
    phrases = Phrases(tokens, connector_words=ENGLISH_CONNECTOR_WORDS).freeze()
    docs = [[t for t in phrases[doc] if t not in STOPWORDS] for doc in tokens]
    dictionary = Dictionary(docs)
    dictionary.filter_extremes()
    bow = [dictionary.doc2bow(doc) for doc in docs]
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "output_tokens": sum(n for doc in bow for _, n in doc),
        "terms": len(dictionary),
    }


def run_corpus_tm(units, n_jobs: int) -> dict[str, Any]:
    """corpus_tm's build_corpus (no cache) and its document-term matrix."""
    from corpus_tm.preprocessing import build_corpus

    start = time.perf_counter()
    corpus = build_corpus(units, cache_dir=False, n_jobs=n_jobs, progress=False)
    dtm = corpus.dtm
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "output_tokens": int(dtm.sum()), "terms": dtm.shape[1]}


def _child(args: argparse.Namespace) -> None:
    """One timed run in this (fresh) process; prints a JSON line."""
    units = read_units(args.corpus, args.limit, read_corpus=args.read_corpus)
    texts = units["text"].tolist()
    import gensim.corpora  # noqa: F401

    import corpus_tm.preprocessing  # noqa: F401  (imports are not timed)

    if args.run == "gensim":
        result = run_gensim(texts)
    else:
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            result = profiler.runcall(run_corpus_tm, units, args.n_jobs)
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
        else:
            result = run_corpus_tm(units, args.n_jobs)
    result.update(units=len(texts), input_tokens=sum(len(t.split()) for t in texts))
    print(json.dumps(result))


def _spawn(args: argparse.Namespace, run: str, n_jobs: int) -> dict[str, Any]:
    command = [
        sys.executable, str(Path(__file__).resolve()), "--run", run, "--n-jobs", str(n_jobs),
        "--corpus", str(args.corpus),
    ]  # fmt: skip
    if args.limit:
        command += ["--limit", str(args.limit)]
    if args.read_corpus:
        command.append("--read-corpus")
    if args.profile and run == "corpus_tm" and n_jobs == 1:
        command.append("--profile")
    env = {**os.environ}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{out.stderr}")
    if args.profile and out.stderr:
        print(out.stderr, file=sys.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for package in ("corpus_tm", "gensim", "simplemma", "numpy", "pandas", "scipy"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help="folder of .txt files (default: the UN speeches beside the repo)")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N files")
    parser.add_argument("--repeats", type=int, default=3, help="runs per pipeline (default 3)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2],
                        help="n_jobs values for corpus_tm (default: 1 2)")
    parser.add_argument("--read-corpus", action="store_true",
                        help="make units with corpus_tm.read_corpus instead of one per line")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help=f"JSON result file (default: {DEFAULT_OUTPUT.relative_to(REPO)})")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of one corpus_tm n_jobs=1 run to stderr")
    parser.add_argument("--run", choices=["gensim", "corpus_tm"], help=argparse.SUPPRESS)
    parser.add_argument("--n-jobs", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        parser.error(f"--corpus {args.corpus} is not a folder")
    if args.run:
        _child(args)
        return 0

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    configs = [("gensim", 1)] + [("corpus_tm", j) for j in args.jobs]
    runs: dict[tuple[str, int], list[dict[str, Any]]] = {c: [] for c in configs}
    for repeat in range(args.repeats):
        for run, n_jobs in configs:  # interleaved, so load changes hit every pipeline
            result = _spawn(args, run, n_jobs)
            runs[(run, n_jobs)].append(result)
            print(f"[{repeat + 1}/{args.repeats}] {run} n_jobs={n_jobs}: "
                  f"{result['seconds']:.2f} s", file=sys.stderr)

    rows = []
    baseline = min(r["seconds"] for r in runs[("gensim", 1)])
    for (run, n_jobs), results in runs.items():
        seconds = [r["seconds"] for r in results]
        best = min(seconds)
        first = results[0]
        rows.append({
            "pipeline": run,
            "n_jobs": n_jobs,
            "best_seconds": round(best, 3),
            "median_seconds": round(statistics.median(seconds), 3),
            "all_seconds": [round(s, 3) for s in seconds],
            "input_tokens_per_second": round(first["input_tokens"] / best),
            "speedup_vs_gensim": round(baseline / best, 2),
            "units": first["units"],
            "input_tokens": first["input_tokens"],
            "output_tokens": first["output_tokens"],
            "terms": first["terms"],
        })  # fmt: skip

    print(f"\nPreprocessing {rows[0]['units']:,} units ({rows[0]['input_tokens']:,} input tokens) "
          f"from {args.corpus}; best of {args.repeats} runs, each in a fresh process.\n")
    print("| pipeline | n_jobs | best s | median s | input tokens/s | vs gensim | terms "
          "| output tokens |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['pipeline']} | {row['n_jobs']} | {row['best_seconds']:.2f} "
              f"| {row['median_seconds']:.2f} | {row['input_tokens_per_second']:,} "
              f"| {row['speedup_vs_gensim']:.2f}x | {row['terms']:,} "
              f"| {row['output_tokens']:,} |")

    report = {
        "benchmark": "preprocessing",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "corpus": str(args.corpus),
        "limit": args.limit,
        "repeats": args.repeats,
        "units": "corpus_tm.read_corpus" if args.read_corpus else "one per non-empty line",
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in load] if load else None,
            "note": "shared machine: other jobs were running, timings are indicative",
        },
        "versions": _versions(),
        "results": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_suffix(args.output.suffix + ".tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, args.output)
    print(f"\nWrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
