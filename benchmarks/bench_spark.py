"""Benchmark: the Spark engine on ``local[2]`` against the single-process path.

In: the 959 UN General Debate speeches beside the repository (``../shared/corpora``), repeated
under new document ids until the corpus has ``--tokens`` words (default ten million), written
to one JSONL file.
Out: a markdown table on stdout and ``benchmarks/results/bench_spark.json``.

Both paths do the same work on the same file, each in a fresh Python process:

* **local** (one process, ``n_jobs=1``): ``load_documents`` + ``split_sections``,
  ``dictionary_shares``, ``section_shares(level="document", interval="none")``,
  ``build_corpus(phrase_layers=0)``, ``fit_lda`` (k topics, one pass).
* **spark** (``local[2]``, ``--partitions`` partitions): ``read_documents_spark`` +
  ``spark_units``, ``spark_dictionary_shares``, ``spark_section_shares(level="document")``,
  ``spark_corpus(phrase_layers=0)`` (tokens, vocabulary, term counts),
  ``fit_spark_lda_frame`` (k topics, online, ``subsampling_rate=0.05`` and 20 iterations:
  one pass over the units, like gensim's one pass). Every stage ends in an action
  (a count or a collect), so its time is its own.

Memory: the process's peak RSS (``ru_maxrss``); for Spark also the JVM's peak (``VmHWM`` of
the java process: driver and executors share it in local mode) and the largest peak of the
Python workers (sampled every 0.2 s from ``/proc``).

Per-partition costs: each Spark stage's wall time times the cores over the number of tasks
(partitions) is the mean task time; over the words of a partition it gives the core-seconds
per million input words from which ``benchmarks/README.md`` estimates a billion.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
UN_TEXTS = REPO.parent / "shared" / "corpora" / "un-general-debate-2020-2024" / "texts"
DEFAULT_OUTPUT = HERE / "results" / "bench_spark.json"


def _own_peak_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _hwm_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


class WorkerPeaks(threading.Thread):
    """Samples the java process's and the Python workers' resident memory."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.java_pid: int | None = None
        self.java_peak = 0.0
        self.python_peak = 0.0
        self.python_total_peak = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self.stop.wait(0.2):
            try:
                children = me.children(recursive=True)
            except psutil.Error:
                continue
            total = 0.0
            for child in children:
                try:
                    name = child.name()
                    rss = child.memory_info().rss / 2**20
                except psutil.Error:
                    continue
                if name == "java":
                    self.java_pid = child.pid
                    self.java_peak = max(self.java_peak, rss)
                elif name.startswith("python"):
                    total += rss
                    self.python_peak = max(self.python_peak, rss)
            self.python_total_peak = max(self.python_total_peak, total)


def make_corpus(path: Path, tokens: int) -> dict[str, Any]:
    """The UN speeches repeated under new ids until ``tokens`` words, as JSONL."""
    import corpus_tm as ctm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        documents = ctm.load_documents(UN_TEXTS)
    words = documents["text"].str.split().str.len()
    per_copy = int(words.sum())
    written = 0
    n_docs = 0
    copy = 0
    with path.open("w", encoding="utf-8") as out:
        while written < tokens:
            for doc_id, text, n in zip(documents["doc_id"], documents["text"], words, strict=True):
                if written >= tokens:
                    break
                out.write(json.dumps({"doc_id": f"{doc_id}-r{copy}", "text": text}) + "\n")
                written += int(n)
                n_docs += 1
            copy += 1
    return {"words": written, "documents": n_docs, "un_words": per_copy, "copies": copy}


def run_local(path: Path, k: int) -> dict[str, Any]:
    import corpus_tm as ctm

    warnings.simplefilter("ignore")
    times: dict[str, float] = {}
    start = time.perf_counter()
    documents = ctm.load_documents(path)
    units = ctm.split_sections(documents, progress=False).units
    times["load + sectioning"] = time.perf_counter() - start
    clock = time.perf_counter()
    shares = ctm.dictionary_shares(units, progress=False)
    times["dictionary shares"] = time.perf_counter() - clock
    clock = time.perf_counter()
    ctm.section_shares(shares, level="document", interval="none")
    times["section shares (document)"] = time.perf_counter() - clock
    clock = time.perf_counter()
    corpus = ctm.build_corpus(units, phrase_layers=0, cache_dir=False, n_jobs=1, progress=False)
    _ = corpus.dtm
    times["preprocessing + vocabulary"] = time.perf_counter() - clock
    clock = time.perf_counter()
    ctm.fit_lda(corpus, k, passes=1, random_state=1, n_jobs=1, progress=False)
    times[f"LDA, {k} topics, one pass"] = time.perf_counter() - clock
    return {
        "seconds": {name: round(t, 2) for name, t in times.items()},
        "total_seconds": round(time.perf_counter() - start, 2),
        "units": len(units),
        "tokens": int(corpus.n_tokens),
        "terms": len(corpus.vocabulary),
        "peak_mib": _own_peak_mib(),
    }


def run_spark(path: Path, k: int, partitions: int, tmp: Path) -> dict[str, Any]:
    import logging

    from corpus_tm import spark as cs

    warnings.simplefilter("ignore")
    for name in ("py4j", "py4j.clientserver", "py4j.java_gateway"):
        logging.getLogger(name).setLevel(logging.ERROR)
    peaks = WorkerPeaks()
    peaks.start()
    times: dict[str, float] = {}
    start = time.perf_counter()
    spark = cs.spark_session(
        "local[2]",
        partitions=partitions,
        tmp_dir=tmp,
        config={
            "spark.driver.memory": "2g",
            "spark.sql.execution.arrow.maxRecordsPerBatch": "2000",
        },
    )
    times["session start"] = time.perf_counter() - start
    clock = time.perf_counter()
    documents = cs.read_documents_spark(spark, path, partitions=partitions)
    units = cs.spark_units(documents, partitions=partitions).cache()
    n_units = units.count()
    times["load + sectioning"] = time.perf_counter() - clock
    clock = time.perf_counter()
    shares = cs.spark_dictionary_shares(units).cache()
    shares.count()
    times["dictionary shares"] = time.perf_counter() - clock
    clock = time.perf_counter()
    cs.spark_section_shares(shares, units, level="document").count()
    times["section shares (document)"] = time.perf_counter() - clock
    clock = time.perf_counter()
    counts, vocabulary = cs.spark_corpus(units, phrase_layers=0)
    counts.count()
    n_tokens = int(vocabulary["cf"].sum())  # tokens in the vocabulary, as corpus.n_tokens
    times["preprocessing + vocabulary"] = time.perf_counter() - clock
    clock = time.perf_counter()
    cs.fit_spark_lda_frame(
        counts,
        vocabulary["term"].tolist(),
        k,
        random_state=1,
        max_iter=20,
        subsampling_rate=0.05,
    )
    times[f"LDA, {k} topics, one pass"] = time.perf_counter() - clock
    total = time.perf_counter() - start
    spark.stop()
    peaks.stop.set()
    peaks.join()
    java_hwm = _hwm_mib(peaks.java_pid) if peaks.java_pid else 0.0
    return {
        "seconds": {name: round(t, 2) for name, t in times.items()},
        "total_seconds": round(total, 2),
        "units": int(n_units),
        "tokens": n_tokens,
        "terms": len(vocabulary),
        "partitions": partitions,
        "driver_python_peak_mib": _own_peak_mib(),
        "jvm_peak_mib": max(java_hwm, round(peaks.java_peak, 1)),
        "python_worker_peak_mib": round(peaks.python_peak, 1),
        "python_workers_total_peak_mib": round(peaks.python_total_peak, 1),
    }


def _child(args: argparse.Namespace) -> None:
    path = Path(args.corpus)
    if args.child == "local":
        result = run_local(path, args.topics)
    else:
        result = run_spark(path, args.topics, args.partitions, Path(args.tmp))
    print("RESULT " + json.dumps(result))


def _in_fresh_process(kind: str, args: argparse.Namespace, corpus: Path, tmp: Path) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--corpus",
        str(corpus),
        "--topics",
        str(args.topics),
        "--partitions",
        str(args.partitions),
        "--tmp",
        str(tmp),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in output.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"{kind} run failed:\n{output.stderr[-4000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=10_000_000, help="words of the corpus")
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--work", default="/tmp/corpus_tm_bench_spark")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
    parser.add_argument("--parts", default="local,spark")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / f"un-repeated-{args.tokens}.jsonl"
    info = make_corpus(corpus, args.tokens)
    print(f"corpus: {info}", flush=True)
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": os.getloadavg(),
        },
        "corpus": info,
        "topics": args.topics,
    }
    for kind in args.parts.split(","):
        started = time.perf_counter()
        results[kind] = _in_fresh_process(kind, args, corpus, work / "spark-tmp")
        print(f"{kind}: {json.dumps(results[kind])} ({time.perf_counter() - started:.0f} s)")
        sys.stdout.flush()
    results["machine"]["load_average_at_end"] = os.getloadavg()
    if "spark" in results:
        spark = results["spark"]
        words = results["corpus"]["words"]
        results["per_partition"] = {
            "partitions": spark["partitions"],
            "words_per_partition": round(words / spark["partitions"]),
            "stages": {
                stage: {
                    # two cores run the tasks in waves: mean task time = wall * cores / tasks
                    "task_seconds": round(seconds * 2 / spark["partitions"], 2),
                    "core_seconds_per_million_words": round(seconds * 2 / words * 1e6, 2),
                }
                for stage, seconds in spark["seconds"].items()
                if stage != "session start"
            },
        }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if "local" in results and "spark" in results:
        print("\n| stage | local s | spark local[2] s |\n|---|---:|---:|")
        for stage in results["spark"]["seconds"]:
            local = results["local"]["seconds"].get(stage, "")
            print(f"| {stage} | {local} | {results['spark']['seconds'][stage]} |")


if __name__ == "__main__":
    main()
