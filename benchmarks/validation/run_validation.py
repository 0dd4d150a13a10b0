"""Run the validation suite of issue 11 and write its numbers (results.json, printed tables).

    python benchmarks/validation/run_validation.py [--skip-un]

(a) planted domains (corpus_tm.synthetic.make_planted_corpus), (b) facts about the UN General
Debate corpus counted from keywords without the package (un_facts.toml), (c) the reader's domain
of each sub-section of the example article (example_reading.toml, written before any output),
(d) the top domain of each section for five seeds. Every method the package offers: the
sentence-level dictionary, keyATM, and NMF and LDA with soft attribution. The tests in
tests/test_validation.py check the same things with the same settings; REPORT.md explains
the numbers.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import tomllib
import warnings
from pathlib import Path

import pandas as pd

import corpus_tm as ctm
from corpus_tm.synthetic import make_planted_corpus, planted_agreement
from corpus_tm.validation import (
    check_group_facts,
    check_reading,
    fit_methods,
    load_reading,
    method_tables,
    seed_agreement,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED = HERE.parents[2] / "shared"
#: LDA's shares averaged over 5 fits on the planted corpus, as tests/test_validation.py does.
PLANTED_FITS = {"lda": 5}
PLANTED_DOMAINS = ["biological", "economic", "military", "cyber", "ecological"]
SEEDS = range(1, 6)


def planted() -> dict:
    made = make_planted_corpus(random_state=1)
    corpus = ctm.build_corpus(ctm.split_sections(made.documents).units, cache_dir=False)
    truth = made.truth[made.truth["label"] != "Closing"]
    by_seed = {s: method_tables(fit_methods(corpus, n_topics=8, random_state=s,
                                            n_fits=PLANTED_FITS), "section")
               for s in SEEDS}
    agreement = planted_agreement(by_seed[1], truth)
    rows = agreement.domains[agreement.domains["domain"].isin(PLANTED_DOMAINS)]
    order = {}
    for (method, domain), group in agreement.sections.groupby(["method", "domain"]):
        if domain in PLANTED_DOMAINS:
            means = group.groupby(group["true_share"].round(2))["estimate"].mean()
            order[(method, domain)] = bool(means.is_monotonic_increasing)
    rows = rows.assign(order_recovered=[order[(m, d)] for m, d in
                                        zip(rows["method"], rows["domain"], strict=True)])
    seeds = {m: float(seed_agreement([t[t["method"] == m] for t in by_seed.values()])["same"]
                      .mean()) for m in by_seed[1]["method"].unique()}
    return {"domains": rows, "seed_agreement": seeds, "n_tokens": corpus.n_tokens}


def example() -> dict:
    units = ctm.read_corpus(SHARED / "corpus")
    corpus = ctm.build_corpus(units, cache_dir=False)
    reading = load_reading(HERE / "example_reading.toml")
    models = ctm.load_study(REPO / "study.toml").models  # the example study's settings
    by_seed = {s: method_tables(fit_methods(corpus, n_topics=15, random_state=s,
                                            n_fits=models.n_fits,
                                            keyatm_iterations=models.options["keyatm_iterations"]),
                                "section")
               for s in SEEDS}
    checks = pd.concat([check_reading(t, reading, doc_id="qiushi-2020-08").assign(seed=s)
                        for s, t in by_seed.items()])
    seeds = {m: float(seed_agreement([t[t["method"] == m] for t in by_seed.values()])["same"]
                      .mean()) for m in by_seed[1]["method"].unique()}
    return {"reading": checks, "seed_agreement": seeds, "n_tokens": corpus.n_tokens}


def un_facts() -> pd.DataFrame:
    facts = tomllib.loads((HERE / "un_facts.toml").read_text(encoding="utf-8"))["facts"]
    units = ctm.read_corpus(SHARED / "corpora" / "un-general-debate-2020-2024" / "texts")
    corpus = ctm.build_corpus(units, cache_dir=False)
    table = method_tables(
        fit_methods(corpus, n_topics=100, random_state=1, keyatm_iterations=300), "document"
    )
    parsed = {d: re.fullmatch(r"([A-Z]{2,3})_\d+_(\d{4})", d) for d in table["doc_id"].unique()}
    country = {d: m.group(1) for d, m in parsed.items()}
    year = {d: int(m.group(2)) for d, m in parsed.items()}

    def select(spec: dict, exclude: list[str]) -> list[str]:
        if spec.get("all_other"):
            return [d for d in country if d not in exclude]
        if "years" in spec:
            return [d for d in year if year[d] in spec["years"]]
        return [d for d in country if country[d] in spec["countries"]]

    groups = {}
    for fact_id, fact in facts.items():
        higher = select(fact["higher"], [])
        groups[fact_id] = (higher, select(fact["lower"], higher))
    result = check_group_facts(table, facts, groups)
    result["keyword_ratio"] = result["fact"].map({f: facts[f]["ratio"] for f in facts})
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-un", action="store_true", help="leave out (b), the slow part")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    pd.set_option("display.width", 160)
    out: dict = {"versions": {"corpus_tm": ctm.__version__}}
    start = time.perf_counter()
    a = planted()
    print("(a) planted domains, k = 8, seed 1\n", a["domains"].round(4).to_string(index=False))
    print("(d) planted, same top domain for 5 seeds:", a["seed_agreement"])
    out["planted"] = {"domains": a["domains"].round(4).to_dict("records"),
                      "seed_agreement": a["seed_agreement"], "n_tokens": a["n_tokens"]}
    c = example()
    passed = c["reading"].pivot_table(index="method", columns="seed", values="passed",
                                      aggfunc="sum")
    print("(c) reader's domain named (of 10), by method and seed\n", passed.to_string())
    print("(d) example, same top domain for 5 seeds:", c["seed_agreement"])
    out["example"] = {"reading_passed": {m: {int(s): int(v) for s, v in row.items()}
                                         for m, row in passed.iterrows()},
                      "reading": c["reading"].round(4).to_dict("records"),
                      "seed_agreement": c["seed_agreement"], "n_tokens": c["n_tokens"]}
    if not args.skip_un:
        b = un_facts()
        print("(b) UN facts\n", b.round(4).to_string(index=False))
        out["un_facts"] = b.round(4).to_dict("records")
    out["seconds"] = round(time.perf_counter() - start, 1)
    (HERE / "results.json").write_text(json.dumps(out, indent=1, sort_keys=True, default=str)
                                       + "\n", encoding="utf-8")
    print(f"wrote {HERE / 'results.json'} in {out['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
