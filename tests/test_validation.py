"""The validation suite: every domain-share method against answers that do not come from it.

(a) planted domains: generated documents with known shares (corpus_tm.synthetic);
(b) facts about the UN General Debate corpus, each supported by a keyword count made without
    the package (benchmarks/validation/un_facts.toml, count_un_facts.py);
(c) a reader's domain for each sub-section of the example article, written down before any
    output was looked at (benchmarks/validation/example_reading.toml);
(d) the same top domain for five seeds.

The numbers are reported in benchmarks/validation/REPORT.md (made by
benchmarks/validation/run_validation.py with the same settings).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

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

# Every method fitted on the planted corpus, the example for five seeds and the UN corpus at
# 100 topics (about six minutes of two cores): ./run test-slow, and CI.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
VALIDATION = REPO / "benchmarks" / "validation"
ARTICLE = "qiushi-2020-08"
PLANTED_DOMAINS = ["biological", "economic", "military", "cyber", "ecological"]
#: LDA's shares averaged over 5 fits on the planted corpus (one fit: the top domain of 64 % of
#: its sections is the same for seeds 1-5; five: 83 %; benchmarks/validation/REPORT.md).
PLANTED_FITS = {"lda": 5}
#: Largest error of a planted section share (issue 11, 6a).
TOLERANCE = {"dictionary": 0.05, "keyatm": 0.05, "nmf_mapped": 0.10, "lda_mapped": 0.10}


# --- (a) planted domains --------------------------------------------------------------------


@pytest.fixture(scope="module")
def planted_made():
    made = make_planted_corpus(random_state=1)
    corpus = ctm.build_corpus(ctm.split_sections(made.documents).units, cache_dir=False)
    return made, corpus


@pytest.fixture(scope="module")
def planted_by_seed(planted_made):
    _, corpus = planted_made
    return {
        seed: method_tables(
            fit_methods(corpus, n_topics=8, random_state=seed, n_fits=PLANTED_FITS), "section"
        )
        for seed in range(1, 6)
    }


@pytest.fixture(scope="module")
def planted(planted_made, planted_by_seed):
    made, _ = planted_made
    truth = made.truth[made.truth["label"] != "Closing"]
    return planted_agreement(planted_by_seed[1], truth)


@pytest.mark.parametrize("method", list(TOLERANCE))
def test_planted_shares_are_recovered(planted, method):
    sections = planted.sections[
        (planted.sections["method"] == method)
        & planted.sections["domain"].isin(PLANTED_DOMAINS)
    ]
    assert len(sections) == 120 * len(PLANTED_DOMAINS)
    worst = sections.loc[sections["abs_error"].idxmax()]
    assert worst["abs_error"] <= TOLERANCE[method], worst.to_dict()
    # The order of the planted levels: mean estimate rises with the planted share.
    for domain, rows in sections.groupby("domain"):
        by_level = rows.groupby(rows["true_share"].round(2))["estimate"].mean()
        assert by_level.is_monotonic_increasing, (method, domain, by_level.to_dict())
        assert len(by_level) >= 4


def test_planted_domains_that_are_absent_stay_near_zero(planted):
    absent = planted.domains[~planted.domains["domain"].isin([*PLANTED_DOMAINS, "other"])]
    assert (absent["max_abs_error"] <= 0.02).all(), absent.nlargest(3, "max_abs_error")


# --- (c) the reader's domains of the example article ----------------------------------------


@pytest.fixture(scope="module")
def example_corpus(example_units):
    return ctm.build_corpus(example_units, cache_dir=False)


@pytest.fixture(scope="module")
def example_by_seed(example_corpus):
    # The example study's settings (study.toml): what its figures show is what is validated.
    models = ctm.load_study(REPO / "study.toml").models
    return {
        seed: method_tables(
            fit_methods(
                example_corpus,
                n_topics=15,
                random_state=seed,
                n_fits=models.n_fits,
                keyatm_iterations=models.options["keyatm_iterations"],
            ),
            "section",
        )
        for seed in range(1, 6)
    }


def test_the_reading_was_written_before_the_outputs():
    reading = load_reading(VALIDATION / "example_reading.toml")
    assert len(reading) == 10
    assert set(reading) == {"1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2", "3.4", "3.5"}


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_every_method_names_the_readers_domain(example_by_seed, seed):
    reading = load_reading(VALIDATION / "example_reading.toml")
    result = check_reading(example_by_seed[seed], reading, doc_id=ARTICLE)
    passed = result.groupby("method")["passed"].sum()
    assert set(passed.index) == set(TOLERANCE)
    assert (passed >= 8).all(), result[~result["passed"]].to_string()


# --- (d) the same top domain for five seeds --------------------------------------------------
#
# Measured (benchmarks/validation/REPORT.md): the dictionary has no seed; NMF's nndsvda start
# hardly depends on it. One LDA fit or a keyATM chain of 1,000 sweeps misses the target on the
# 2,400 tokens of the example article (23 % and 41 %) and one LDA fit on the planted corpus
# (64 %); averaging LDA fits (Backend.fit_shares, [models] n_fits) and a longer keyATM chain
# (5,000 sweeps, the example study's setting) bring every method above it.

SEED_TARGET = 0.8


def _seed_agreement(by_seed: dict, method: str) -> float:
    tables = [t[t["method"] == method] for t in by_seed.values()]
    return float(seed_agreement(tables)["same"].mean())


@pytest.mark.parametrize("method", ["dictionary", "nmf_mapped", "keyatm", "lda_mapped"])
def test_top_domains_for_five_seeds(planted_by_seed, example_by_seed, method):
    assert _seed_agreement(planted_by_seed, method) >= SEED_TARGET
    assert _seed_agreement(example_by_seed, method) >= SEED_TARGET


# --- (b) facts about the UN speeches, counted from keywords --------------------------------


def _groups(doc_ids: list[str], facts: dict) -> dict:
    parsed = {}
    for doc_id in doc_ids:
        match = re.fullmatch(r"([A-Z]{2,3})_\d+_(\d{4})", doc_id)
        assert match, doc_id
        parsed[doc_id] = (match.group(1), int(match.group(2)))

    def select(spec: dict, exclude: list[str]) -> list[str]:
        if spec.get("all_other"):
            return [d for d in doc_ids if d not in exclude]
        if "years" in spec:
            return [d for d in doc_ids if parsed[d][1] in spec["years"]]
        return [d for d in doc_ids if parsed[d][0] in spec["countries"]]

    groups = {}
    for fact_id, fact in facts.items():
        higher = select(fact["higher"], [])
        groups[fact_id] = (higher, select(fact["lower"], higher))
    return groups


@pytest.mark.filterwarnings("ignore:.*have no part or sub-section headings")
def test_un_facts_hold_or_are_flagged_for_every_method(un_corpus_path):
    # 100 topics: with 20, NMF and LDA spread the small domains over broad topics and each
    # misses one fact (NMF social 0.98x, LDA artificial intelligence 0.995x; 50 topics: NMF AI
    # 0.95x, LDA deep sea 0.94x); unresolved_domains flags those domains at k = 20.
    # LDA misses the deep-sea fact at 100 topics too (measured: 0.83x and 0.94x for seeds 1
    # and 2 in float64, 0.94x for seed 2 in float32, 0.94x for the mean of 3 fits; it held,
    # 1.26x, only for seed 1 in float32): its model share where the dictionary finds the deep
    # sea is under 2 % of the dictionary's, and unresolved_domains flags the domain, so the
    # package says that LDA cannot answer for it. No fact may fail silently.
    facts = tomllib.loads((VALIDATION / "un_facts.toml").read_text(encoding="utf-8"))["facts"]
    units = ctm.read_corpus(un_corpus_path)
    corpus = ctm.build_corpus(units, cache_dir=False)
    methods = fit_methods(corpus, n_topics=100, random_state=1, keyatm_iterations=300)
    table = method_tables(methods, "document")
    groups = _groups(sorted(set(units["doc_id"])), facts)
    result = check_group_facts(table, facts, groups)
    assert len(result) == 4 * len(facts)
    assert np.isfinite(result["share_higher"]).all()
    flagged = {
        (method, domain)
        for method, shares in methods.items()
        if method != "dictionary"
        for domain in ctm.unresolved_domains(shares, methods["dictionary"], warn=False)
        .query("not resolved")["domain"]
    }
    pairs = zip(result["method"], result["domain"], strict=True)
    result["flagged"] = [pair in flagged for pair in pairs]
    silent = result[~result["passed"] & ~result["flagged"]]
    assert silent.empty, silent.to_string()
    # the dictionary, keyATM and NMF hold all nine; LDA all but the flagged deep sea at most
    failed = result[~result["passed"]]
    assert set(failed["method"]) <= {"lda_mapped"}, failed.to_string()
    assert set(failed["fact"]) <= {"deep_sea_pacific"}, failed.to_string()
