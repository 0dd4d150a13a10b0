"""Benchmarks of corpus_tm's use of several cores (numbers to report, not timed tests).

On the UN General Debate corpus (959 speeches, 2020-2024):

1. ``fit_nmf`` (one unit per speech section, 10 and 30 topics) with 1 and 2 BLAS threads: wall
   and CPU time, and the largest difference between the two ``W`` matrices.
2. ``evaluate()`` of an LDA model (10 topics) of the first 100 and of all 959 speeches: wall
   time and perplexity.
3. ``fit_lda`` (paragraph units, 20 topics, default passes) with ``n_jobs=1`` and ``n_jobs=2``
   (``--ignore-load``: with the pool whatever the load, to time the pool itself).
4. ``build_corpus`` (paragraph units) with ``n_jobs=1`` and ``n_jobs=2``.

Runs of a comparison are interleaved (a, b, a, b, ...) and the 1-minute load average is recorded
before each, because the machine is shared. The script times whatever ``corpus_tm`` is on the
path, so the same script measures the code before and after a change::

    PYTHONPATH=<old checkout> python benchmarks/benchparallel.py --label before
    python benchmarks/benchparallel.py --label after

Each label's numbers are merged into ``benchmarks/results/bench_parallel.json``; the markdown
table printed at the end shows every label in the file.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
UN = ROOT.parent / "shared" / "corpora" / "un-general-debate-2020-2024" / "texts"
RESULTS = ROOT / "benchmarks" / "results"


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _free() -> int | None:
    """Processes corpus_tm's load rule allows now (None for code without the rule)."""
    from corpus_tm import parallel as _parallel

    free = getattr(_parallel, "free_processes", None)
    return None if free is None else int(free())


def _interleaved(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, dict[str, Any]]:
    """Best and all wall / CPU times of each function, runs interleaved; the last result."""
    out: dict[str, dict[str, Any]] = {name: {"wall_s": [], "cpu_s": [], "load": []} for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            out[name].pop("result", None)
            gc.collect()
            out[name]["load"].append(_load())
            wall, cpu = time.perf_counter(), time.process_time()
            out[name]["result"] = fn()
            out[name]["cpu_s"].append(time.process_time() - cpu)
            out[name]["wall_s"].append(time.perf_counter() - wall)
    for rec in out.values():
        rec["best_wall_s"] = min(rec["wall_s"])
        rec["best_cpu_s"] = min(rec["cpu_s"])
    return out


def _units(unit: str, files: int | None) -> Any:
    import corpus_tm as ctm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "documents have no headings": expected for speeches
        units = ctm.read_corpus(UN, unit=unit, progress=False)
    if files is not None:
        keep = sorted(units["doc_id"].unique())[:files]
        units = units[units["doc_id"].isin(keep)].reset_index(drop=True)
    return units


def bench_nmf(args: argparse.Namespace) -> dict[str, Any]:
    import inspect

    from threadpoolctl import threadpool_limits

    import corpus_tm as ctm

    corpus = ctm.build_corpus(_units("section", args.files), cache_dir=False, progress=False)
    has_param = "n_threads" in inspect.signature(ctm.fit_nmf).parameters
    out: dict[str, Any] = {"n_units": len(corpus), "n_terms": len(corpus.dictionary)}
    for k in (10, 30):

        def fit(threads: int, k: int = k) -> Any:
            if has_param:
                return ctm.fit_nmf(corpus, k, random_state=0, n_threads=threads)
            with threadpool_limits(limits=threads):
                return ctm.fit_nmf(corpus, k, random_state=0)

        runs = _interleaved({"1": lambda: fit(1), "2": lambda: fit(2)}, args.repeats)
        w1 = runs["1"].pop("result").doc_topic_raw.to_numpy()
        w2 = runs["2"].pop("result").doc_topic_raw.to_numpy()
        out[f"k{k}"] = {
            "threads_1": runs["1"],
            "threads_2": runs["2"],
            "max_abs_difference_W": float(np.abs(w1 - w2).max()),
        }
        print(f"fit_nmf k={k}", {t: runs[t]["best_wall_s"] for t in runs}, flush=True)
    return out


def bench_evaluate(args: argparse.Namespace) -> dict[str, Any]:
    import corpus_tm as ctm

    out: dict[str, Any] = {}
    for files in (100, args.files or 959):
        corpus = ctm.build_corpus(_units("section", files), cache_dir=False, progress=False)
        model = ctm.fit_lda(corpus, 10, random_state=1, progress=False)
        runs = _interleaved(
            {"evaluate": lambda corpus=corpus, model=model: ctm.evaluate(model, corpus)},
            args.repeats,
        )
        overall = runs["evaluate"].pop("result").overall
        out[f"files_{files}"] = {
            "n_units": len(corpus),
            **runs["evaluate"],
            "perplexity": float(overall["perplexity"]),
            "per_word_bound": float(overall["per_word_bound"]),
        }
        print(f"evaluate {files} files", runs["evaluate"]["best_wall_s"], flush=True)
    return out


def bench_lda(args: argparse.Namespace) -> dict[str, Any]:
    import corpus_tm as ctm

    corpus = ctm.build_corpus(_units("paragraph", args.lda_files), cache_dir=False, progress=False)
    fits = {
        str(n): (lambda n=n: ctm.fit_lda(corpus, 20, random_state=1, n_jobs=n, progress=False))
        for n in (1, 2)
    }
    used = _free()
    runs = _interleaved(fits, args.repeats)
    one, two = runs["1"].pop("result"), runs["2"].pop("result")
    identical = bool(
        np.array_equal(one.topic_term_raw, two.topic_term_raw)
        and np.array_equal(one.doc_topic, two.doc_topic)
    )
    print("fit_lda", {n: runs[n]["best_wall_s"] for n in runs}, flush=True)
    return {
        "n_units": len(corpus),
        "n_tokens": corpus.n_tokens,
        "dtm_nnz": int(corpus.dtm.nnz),
        "passes": int(one.params["passes"]),
        "n_jobs_1": runs["1"],
        "n_jobs_2": runs["2"],
        "free_processes_at_start": used,
        "identical": identical,
    }


def bench_build(args: argparse.Namespace) -> dict[str, Any]:
    import corpus_tm as ctm

    units = _units("paragraph", args.files)
    builds = {
        str(n): (lambda n=n: ctm.build_corpus(units, cache_dir=False, n_jobs=n, progress=False))
        for n in (1, 2)
    }
    used = _free()
    runs = _interleaved(builds, args.repeats)
    one, two = runs["1"].pop("result"), runs["2"].pop("result")
    identical = bool(one.vocabulary == two.vocabulary and list(one.tokens) == list(two.tokens))
    print("build_corpus", {n: runs[n]["best_wall_s"] for n in runs}, flush=True)
    return {
        "n_units": len(units),
        "n_jobs_1": runs["1"],
        "n_jobs_2": runs["2"],
        "free_processes_at_start": used,
        "identical": identical,
    }


SECTIONS = {"nmf": bench_nmf, "evaluate": bench_evaluate, "lda": bench_lda, "build": bench_build}


def _f(value: float) -> str:
    return f"{value:.2f}"


def table(result: dict[str, Any]) -> str:
    """The markdown table of every label in ``result``."""
    lines = [
        "| label | measurement | a | b | b / a | load |",
        "|---|---|---|---|---|---|",
    ]
    for label, res in result.get("runs", {}).items():

        def row(name: str, a: float, b: float, rec: list[dict[str, Any]], label=label) -> None:
            load = [x for r in rec for x in r["load"]]
            lines.append(
                f"| {label} | {name} | {_f(a)} | {_f(b)} | {b / a:.2f} "
                f"| {min(load):.1f}-{max(load):.1f} |"
            )

        for k in ("k10", "k30"):
            if k in res.get("nmf", {}):
                r = res["nmf"][k]
                one, two = r["threads_1"], r["threads_2"]
                row(
                    f"fit_nmf {k} wall s, 1 / 2 BLAS threads",
                    one["best_wall_s"],
                    two["best_wall_s"],
                    [one, two],
                )
                row(
                    f"fit_nmf {k} CPU s, 1 / 2 BLAS threads",
                    one["best_cpu_s"],
                    two["best_cpu_s"],
                    [one, two],
                )
        for key, r in res.get("evaluate", {}).items():
            lines.append(
                f"| {label} | evaluate() LDA, {key.replace('_', ' ')} ({r['n_units']} units) s "
                f"| {_f(r['best_wall_s'])} | | | {min(r['load']):.1f}-{max(r['load']):.1f} |"
            )
            lines.append(
                f"| {label} | perplexity, {key.replace('_', ' ')} | {r['perplexity']:.6f} | | | |"
            )
        for name, key in (("fit_lda", "lda"), ("build_corpus", "build")):
            if key in res:
                r = res[key]
                row(
                    f"{name} wall s, n_jobs=1 / 2 ({r['n_units']} units; free processes "
                    f"{r.get('free_processes_at_start')}; identical {r['identical']})",
                    r["n_jobs_1"]["best_wall_s"],
                    r["n_jobs_2"]["best_wall_s"],
                    [r["n_jobs_1"], r["n_jobs_2"]],
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="after", help="key of these numbers in the JSON file")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--files", type=int, default=None, help="speeches to use (default all)")
    parser.add_argument(
        "--lda-files", type=int, default=None, help="speeches whose paragraphs fit_lda uses"
    )
    parser.add_argument(
        "--ignore-load",
        action="store_true",
        help="let corpus_tm use every core whatever the load (to time the pools themselves)",
    )
    parser.add_argument("--table", action="store_true", help="only print the table of the file")
    args = parser.parse_args()
    path = RESULTS / "bench_parallel.json"
    result = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if not args.table:
        import corpus_tm

        if args.ignore_load:
            from corpus_tm import parallel as _parallel

            _parallel.system_load = lambda: 0.0

        run: dict[str, Any] = {
            "corpus_tm": str(Path(corpus_tm.__file__).parent),
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
            "started": time.strftime("%Y-%m-%d %H:%M"),
            "ignore_load": bool(args.ignore_load),
        }
        for name in args.only or list(SECTIONS):
            run[name] = SECTIONS[name](args)
        previous = result.setdefault("runs", {}).get(args.label, {})
        result["runs"][args.label] = previous | run
        RESULTS.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(table(result))


if __name__ == "__main__":
    main()
