"""Large numbers of topics on a real corpus: fit time, domain mapping time and domain resolution.

On the UN General Debate corpus 2020-2024 (959 speeches, read and built by corpus_tm, one unit
per paragraph), for NMF with k = 50, 100 and 200 topics (default ``init="nndsvda"``,
``random_state=1``):

* ``fit_nmf`` wall and CPU time;
* ``map_topics`` and ``domain_shares`` wall and CPU time, each (the mapped-method stage of a
  study);
* ``domain_resolution`` (:mod:`corpus_tm.evaluation`): the evidenced domains (found once, with
  the default rule of :func:`corpus_tm.evidenced_domains`) and how many the model resolves.

BLAS/OpenMP are limited to one thread (threadpoolctl), as in a sweep, so the numbers do not
depend on what else runs on the machine as much; they still depend on the machine and its
load. The built corpus is cached under ``--cache-dir`` (default
``/tmp/corpus_tm_bench_large_k/cache``).

Run: ``nice python benchmarks/bench_large_k.py [--ks 50 100 200]``. Writes
``benchmarks/results/bench_large_k.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

import corpus_tm as ctm
from corpus_tm.models import library_versions

ROOT = Path(__file__).resolve().parents[1]
UN = ROOT.parent / "shared" / "corpora" / "un-general-debate-2020-2024" / "texts"
RESULTS = ROOT / "benchmarks" / "results"


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--cache-dir", default="/tmp/corpus_tm_bench_large_k/cache")
    parser.add_argument("--output", default=str(RESULTS / "bench_large_k.json"))
    args = parser.parse_args()

    units, read_wall, _ = _timed(lambda: ctm.read_corpus(UN, progress=False))
    corpus, build_wall, _ = _timed(
        lambda: ctm.build_corpus(units, n_jobs=1, cache_dir=args.cache_dir, progress=False)
    )
    lexicon = ctm.default_lexicon()
    evidence, evidence_wall, evidence_cpu = _timed(
        lambda: ctm.evidenced_domains(corpus, lexicon, progress=False)
    )
    evidenced = evidence.loc[evidence["evidenced"], "domain"].tolist()
    print(
        f"{len(units)} units, {len(corpus.vocabulary)} terms, {int(corpus.dtm.sum())} tokens; "
        f"{len(evidenced)} evidenced domains: {', '.join(evidenced)} ({evidence_wall:.1f} s)"
    )
    runs = []
    with threadpool_limits(limits=1):
        for k in args.ks:
            model, fit_wall, fit_cpu = _timed(lambda k=k: ctm.fit_nmf(corpus, k, random_state=1))

            mapping, map_wall, map_cpu = _timed(lambda model=model: ctm.map_topics(model, lexicon))
            shares, shares_wall, shares_cpu = _timed(
                lambda model=model, mapping=mapping: ctm.domain_shares(
                    model, mapping, corpus, lexicon=lexicon
                )
            )
            table, res_wall, res_cpu = _timed(
                lambda model=model: ctm.domain_resolution(model, lexicon, evidence=evidence)
            )
            row = {
                "k": k,
                "fit_nmf_seconds": round(fit_wall, 2),
                "fit_nmf_cpu_seconds": round(fit_cpu, 2),
                "n_iter": model.diagnostics.get("n_iter"),
                "map_topics_seconds": round(map_wall, 3),
                "map_topics_cpu_seconds": round(map_cpu, 3),
                "domain_shares_seconds": round(shares_wall, 3),
                "domain_shares_cpu_seconds": round(shares_cpu, 3),
                "map_topics_domain_shares_seconds": round(map_wall + shares_wall, 3),
                "domain_resolution_seconds": round(res_wall, 3),
                "domain_resolution_cpu_seconds": round(res_cpu, 3),
                "resolution": round(float(table.attrs["resolution"]), 4),
                "n_resolved": int(table.attrs["n_resolved"]),
                "n_evidenced": int(table.attrs["n_evidenced"]),
                "resolved": table.loc[table["resolved"], "domain"].tolist(),
                "unresolved": table.loc[~table["resolved"], "domain"].tolist(),
                "topics_per_resolved_domain": {
                    str(d): int(n)
                    for d, n in zip(table["domain"], table["n_topics"], strict=True)
                    if n
                },
                "topics_mapped_to_a_domain": int((mapping["domain"] != "other").sum()),
                "other_share_mean": round(float(shares.shares["other"].mean()), 4),
            }
            runs.append(row)
            print(
                f"k={k}: fit {fit_wall:.1f} s, map_topics {map_wall:.2f} s, domain_shares "
                f"{shares_wall:.2f} s, resolution "
                f"{row['n_resolved']}/{row['n_evidenced']} (unresolved: "
                f"{', '.join(row['unresolved']) or '-'})"
            )
    result = {
        "corpus": {
            "path": str(UN.relative_to(ROOT.parent)),
            "n_units": len(units),
            "n_terms": len(corpus.vocabulary),
            "n_tokens": int(corpus.dtm.sum()),
            "read_seconds": round(read_wall, 2),
            "build_seconds": round(build_wall, 2),
            "build_cache_dir": args.cache_dir,
        },
        "evidence": {
            "rule": {
                key: evidence.attrs[key]
                for key in ("min_hits", "min_units", "min_unit_share", "units_needed")
            },
            "seconds": round(evidence_wall, 2),
            "cpu_seconds": round(evidence_cpu, 2),
            "evidenced": evidenced,
            "table": evidence[["domain", "n_hits", "n_units", "evidenced"]].to_dict("records"),
        },
        "settings": {
            "method": "nmf",
            "init": "nndsvda",
            "random_state": 1,
            "blas_threads": 1,
            "min_lift": 1.5,
        },
        "runs": runs,
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "nice": os.nice(0),
        },
        "versions": library_versions(),
    }
    Path(args.output).write_text(json.dumps(result, indent=2, default=int) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
