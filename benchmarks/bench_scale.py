"""Benchmark: ten million tokens end to end, sweep coherence, and linear scaling.

In: nothing (a synthetic corpus is drawn from a known LDA model and written to a JSONL file)
and the 959 UN General Debate speeches beside the repository (``../shared/corpora``).
Out: markdown tables on stdout and ``benchmarks/results/bench_scale.json``.

Parts (all by default; pick with ``--parts``):

* ``stages``: 100,000 documents of about 100 made-up words (``corpus_tm.synthetic``:
  ``pseudo_words`` checked to come out of preprocessing unchanged, ``draw_lda_documents``),
  written as ``corpus.jsonl``; then loading + sectioning (``read_corpus``), preprocessing
  (``build_corpus``, two phrase layers), NMF, LDA (one pass), dictionary domain shares by
  document (``dictionary_shares`` + ``section_shares(level="document")`` with a lexicon whose
  seed terms are top words of true topics) and coherence (c_v, c_npmi, u_mass of both
  models). **Every stage runs in a fresh Python process** that reads its input from disk
  (the previous stage's output: units Parquet, saved corpus, saved models); its peak memory
  is ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of that process, plus the largest peak of
  its worker processes (``RUSAGE_CHILDREN``), and includes reading the input. ``end_to_end``
  runs the whole path in one process (what a user does) and reports its peak the same way.
* ``reference``: gensim ``LdaModel`` (one pass) and scikit-learn ``NMF`` on the same bag of
  words, and gensim's ``CoherenceModel`` (c_npmi) on the same token lists.
* ``sweep``: a sweep on the UN corpus with coherence counted once per sweep (now) against
  the same fits with gensim's ``CoherenceModel`` recounting for every model (before).
* ``scaling``: the UN corpus as it is and repeated ten times: seconds and tokens per second
  of preprocessing, NMF, LDA (one pass) and coherence counting.
* ``study`` (not in the default parts; issue 13): the 959 UN speeches cut into
  ``--study-docs`` (20,000) documents of a few sentences each (file names
  ``<ISO3>_<session>_<year>_<piece>.txt``, no ``metadata.csv``), then a whole study with every
  figure (``corpus_tm.make_figures``: sectioning, preprocessing, a small NMF sweep, NMF and the
  dictionary, section shares with bootstrap intervals, all registered figures) in a fresh
  process, under an address-space limit (``--study-limit-gib``, 6 GiB) so that a run that
  would exhaust the machine stops with a ``MemoryError`` instead. Reported: seconds per step,
  peak RSS of the process and of its children, and the pixel size of every figure. With
  ``--study-before`` the study uses only settings that existed before issue 13 (no
  ``filename_fields``, no ``group_by``), to measure older code through ``PYTHONPATH``.

Run ``python benchmarks/bench_scale.py`` (``--help`` for options; ``--n-docs 10000`` for a
quick check). Timings on a shared machine vary with the load of other jobs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
UN_TEXTS = REPO.parent / "shared" / "corpora" / "un-general-debate-2020-2024" / "texts"
DEFAULT_OUTPUT = HERE / "results" / "bench_scale.json"
STAGES = ("generate", "load", "preprocess", "nmf", "lda", "domains", "coherence")
MEASURES = ("c_v", "c_npmi", "u_mass")


def _peak_mib() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_mib": round(own, 1), "workers_peak_mib": round(children, 1)}


class Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def __call__(self, name: str):
        timer = self

        class _Block:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                timer.seconds[name] = round(time.perf_counter() - self.start, 2)

        return _Block()


# --------------------------------------------------------------------------------------------
# the 10M-token stages


def stage_generate(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    from corpus_tm import preprocess_texts
    from corpus_tm.synthetic import draw_lda_documents, pseudo_words

    t = Timer()
    with t("words"):
        candidates = pseudo_words(int(args.n_terms * 1.1) + 100, random_state=args.seed)
        out = preprocess_texts(candidates, phrase_layers=0, progress=False)
        kept = [w for w, o in zip(candidates, out, strict=True) if o == [w]]
        vocabulary = kept[: args.n_terms]
    with t("draw"):
        docs = draw_lda_documents(
            n_topics=args.n_topics,
            n_terms=args.n_terms,
            n_docs=args.n_docs,
            doc_length=args.doc_length,
            alpha=0.1,
            beta=0.01,
            random_state=args.seed,
        )
    with t("write_jsonl"), (work / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        width = len(str(args.n_docs))
        for d, text in enumerate(docs.texts(vocabulary)):
            fh.write(json.dumps({"doc_id": f"doc{d:0{width}d}", "text": text}) + "\n")
    np.savez(
        work / "truth.npz",
        topic_term=docs.topic_term,
        vocabulary=np.array(vocabulary),
        allow_pickle=False,
    )
    # Lexicon: five domains whose seed terms are the top 8 words of five true topics.
    domains, used = {}, set()
    for t_id in range(min(5, args.n_topics)):
        top = [i for i in np.argsort(-docs.topic_term[t_id])[:20].tolist() if i not in used][:8]
        used.update(top)
        domains[f"domain{t_id}"] = {
            "label": f"Domain {t_id}",
            "terms": [vocabulary[i] for i in top],
        }
    (work / "lexicon.json").write_text(json.dumps(domains))
    return {
        "seconds": t.seconds,
        "n_docs": args.n_docs,
        "n_tokens": int(docs.ids.size),
        "n_terms": len(vocabulary),
        "words_dropped_or_changed_by_preprocessing": len(candidates) - len(kept),
        "jsonl_mib": round((work / "corpus.jsonl").stat().st_size / 2**20, 1),
    }


def stage_load(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    import corpus_tm as ctm

    t = Timer()
    with t("read_corpus"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "documents have no headings": they have none
        units = ctm.read_corpus(work / "corpus.jsonl")
    units.to_parquet(work / "units.parquet", index=False)
    return {
        "seconds": t.seconds,
        "n_units": len(units),
        "input_tokens": int(units["n_tokens"].sum()),
    }


def stage_preprocess(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    import pandas as pd

    import corpus_tm as ctm
    from corpus_tm.preprocessing import save_corpus

    units = pd.read_parquet(work / "units.parquet")
    t = Timer()
    with t("build_corpus"):
        corpus = ctm.build_corpus(units, cache_dir=False, n_jobs=args.n_jobs, progress=False)
    with t("dtm"):
        dtm = corpus.dtm
    save_corpus(corpus, work / "corpus")
    phrases = sum("_" in term for term in corpus.dictionary.token2id)
    return {
        "seconds": t.seconds,
        "n_units": len(corpus),
        "n_terms": len(corpus.dictionary),
        "n_tokens": corpus.n_tokens,
        "n_phrase_terms": phrases,
        "dtm_nnz": int(dtm.nnz),
    }


def _recovery(model: Any, work: Path) -> float:
    import numpy as np

    from corpus_tm.synthetic import topic_recovery

    with np.load(work / "truth.npz", allow_pickle=False) as truth:
        true, vocabulary = truth["topic_term"], truth["vocabulary"].tolist()
    fitted = model.topic_term
    aligned = fitted.reindex(columns=vocabulary, fill_value=0.0).to_numpy()
    return round(float(topic_recovery(true, aligned)["cosine"].mean()), 4)


def stage_fit(work: Path, args: argparse.Namespace, method: str) -> dict[str, Any]:
    import corpus_tm as ctm
    from corpus_tm.preprocessing import load_corpus

    corpus = load_corpus(work / "corpus")
    t = Timer()
    with t(f"fit_{method}"):
        if method == "nmf":
            model = ctm.fit_nmf(corpus, args.n_topics, random_state=1)
        else:
            model = ctm.fit_lda(
                corpus, args.n_topics, random_state=1, passes=1, n_jobs=args.n_jobs, progress=False
            )
    ctm.save_model(model, work / f"{method}.npz")
    return {"seconds": t.seconds, "recovery": _recovery(model, work)}


def stage_domains(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    import corpus_tm as ctm
    from corpus_tm.lexicon import lexicon_from_dict
    from corpus_tm.preprocessing import load_corpus

    corpus = load_corpus(work / "corpus")
    lexicon = lexicon_from_dict(json.loads((work / "lexicon.json").read_text()))
    t = Timer()
    with t("dictionary_shares"):
        shares = ctm.dictionary_shares(corpus, lexicon, progress=False)
    with t("section_shares_document"), warnings.catch_warnings():
        # one unit per document: every document is a "small sample"; intervals mean nothing
        warnings.simplefilter("ignore")
        table = ctm.section_shares(shares, level="document", interval="none")
    return {"seconds": t.seconds, "rows": len(table)}


def stage_coherence(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    import corpus_tm as ctm
    from corpus_tm.evaluation import coherence_counts, topic_coherence
    from corpus_tm.preprocessing import load_corpus

    corpus = load_corpus(work / "corpus")
    models = [ctm.load_model(work / f"{m}.npz") for m in ("nmf", "lda")]
    topics = [m.topic_terms(10) for m in models]
    union = sorted({t for model in topics for topic in model for t in topic})
    t = Timer()
    with t("token_ids"):
        corpus.token_ids  # noqa: B018 - derived once from the token lists
    out: dict[str, Any] = {}
    for measure in MEASURES:
        with t(f"count_{measure}"):
            counts = coherence_counts(corpus, union, measure=measure)
        with t(f"score_{measure}_2_models"):
            values = [
                float(np.mean(topic_coherence(tp, corpus, measure=measure, counts=counts)))
                for tp in topics
            ]
        out[measure] = {"nmf": round(values[0], 4), "lda": round(values[1], 4)}
    return {"seconds": t.seconds, "coherence": out, "n_terms_counted": len(union)}


def stage_reference(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np
    from gensim.models import LdaModel
    from sklearn.decomposition import NMF

    import corpus_tm as ctm
    from corpus_tm.evaluation import _gensim_coherence
    from corpus_tm.models import apply_idf, lda_gamma
    from corpus_tm.preprocessing import load_corpus

    corpus = load_corpus(work / "corpus")
    t = Timer()
    with t("gensim_LdaModel_1_pass"):
        LdaModel(
            corpus.bow,
            num_topics=args.n_topics,
            id2word=corpus.dictionary,
            passes=1,
            random_state=1,
            dtype=np.float64,
        )
    # fit_lda's two parts: gensim's fit with fit_lda's settings (iterations=100 instead of 50,
    # float32 as gensim's default), then the dense document-topic matrix (an E-step over
    # every unit with the final topics, which LdaModel's constructor does not do).
    bow = list(corpus.bow)
    with t("fit_lda_part_1_LdaModel_iterations_100"):
        lda = LdaModel(
            bow,
            num_topics=args.n_topics,
            id2word=corpus.dictionary,
            chunksize=2000,
            passes=1,
            iterations=100,
            eval_every=None,
            random_state=1,
        )
    with t("fit_lda_part_2_document_topics"):
        lda_gamma(lda, bow)
    with t("fit_lda_part_2_document_topics_n_jobs"):
        lda_gamma(lda, bow, n_jobs=args.n_jobs)
    del bow, lda
    nmf_model = ctm.load_model(work / "nmf.npz")
    x = apply_idf(corpus.dtm, nmf_model.state["idf"])
    with t("sklearn_NMF"):
        NMF(args.n_topics, init="nndsvda", random_state=1, max_iter=1000).fit(x)
    topics = nmf_model.topic_terms(10)
    with t("gensim_CoherenceModel_c_npmi_1_model"):
        _gensim_coherence(topics, corpus, measure="c_npmi")
    return {"seconds": t.seconds}


def stage_end_to_end(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    import corpus_tm as ctm
    from corpus_tm.evaluation import coherence_counts, topic_coherence
    from corpus_tm.lexicon import lexicon_from_dict

    lexicon = lexicon_from_dict(json.loads((work / "lexicon.json").read_text()))
    t = Timer()
    with t("read_corpus"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        units = ctm.read_corpus(work / "corpus.jsonl")
    with t("build_corpus"):
        corpus = ctm.build_corpus(units, cache_dir=False, n_jobs=args.n_jobs, progress=False)
    with t("fit_nmf"):
        nmf = ctm.fit_nmf(corpus, args.n_topics, random_state=1)
    with t("fit_lda"):
        lda = ctm.fit_lda(
            corpus, args.n_topics, random_state=1, passes=1, n_jobs=args.n_jobs, progress=False
        )
    with t("domains"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shares = ctm.dictionary_shares(corpus, lexicon, progress=False)
        ctm.section_shares(shares, level="document", interval="none")
    with t("coherence"):
        topics = [m.topic_terms(10) for m in (nmf, lda)]
        union = sorted({w for model in topics for topic in model for w in topic})
        for measure in MEASURES:
            counts = coherence_counts(corpus, union, measure=measure)
            for tp in topics:
                np.mean(topic_coherence(tp, corpus, measure=measure, counts=counts))
    return {
        "seconds": t.seconds,
        "recovery": {"nmf": _recovery(nmf, work), "lda": _recovery(lda, work)},
    }


# --------------------------------------------------------------------------------------------
# UN corpus: sweep and scaling


def _un_units(repeat: int = 1):
    import pandas as pd

    import corpus_tm as ctm

    units = ctm.read_corpus(UN_TEXTS)
    if repeat == 1:
        return units
    copies = []
    for r in range(repeat):
        copy = units.copy()
        copy["doc_id"] = copy["doc_id"] + f"~{r}"
        copy["unit_id"] = copy["unit_id"] + f"~{r}"
        copies.append(copy)
    return pd.concat(copies, ignore_index=True)


def stage_sweep(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    import corpus_tm as ctm
    from corpus_tm.evaluation import _gensim_coherence

    units = _un_units()
    corpus = ctm.build_corpus(units, cache_dir=False, n_jobs=args.n_jobs, progress=False)
    grid = {"n_topics": [5, 10, 15, 20], "seeds": [0, 1]}
    t = Timer()
    with t("fits_only"):
        fits = ctm.sweep(corpus, method="nmf", measures=(), n_jobs=1, progress=False, **grid)
    with t("gensim_coherence_per_model"):
        before = {}
        for key, model in fits.models.items():
            terms = model.topic_terms(10)
            before[key] = {
                m: float(np.mean(_gensim_coherence(terms, corpus, measure=m))) for m in MEASURES
            }
    with t("sweep_now"):
        now = ctm.sweep(corpus, method="nmf", measures=MEASURES, n_jobs=1, progress=False, **grid)
    diff = max(
        abs(before[(k, s)][m] - row[m])
        for _, row in now.metrics.iterrows()
        for k, s in [(int(row["k"]), int(row["seed"]))]
        for m in MEASURES
    )
    sec = t.seconds
    return {
        "seconds": sec,
        "n_models": len(fits.models),
        "before_total_s": round(sec["fits_only"] + sec["gensim_coherence_per_model"], 2),
        "now_total_s": sec["sweep_now"],
        "max_abs_coherence_difference": diff,
        "n_tokens": corpus.n_tokens,
    }


def stage_scaling(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    import corpus_tm as ctm
    from corpus_tm.evaluation import coherence_counts

    units = _un_units(args.repeat)
    t = Timer()
    with t("build_corpus"):
        corpus = ctm.build_corpus(units, cache_dir=False, n_jobs=args.n_jobs, progress=False)
    with t("fit_nmf"):
        nmf = ctm.fit_nmf(corpus, 20, random_state=1)
    with t("fit_lda_1_pass"):
        ctm.fit_lda(corpus, 20, random_state=1, passes=1, progress=False)
    terms = sorted({w for topic in nmf.topic_terms(10) for w in topic})
    with t("count_c_v"):
        coherence_counts(corpus, terms, measure="c_v")
    with t("count_c_npmi"):
        coherence_counts(corpus, terms, measure="c_npmi")
    input_tokens = int(units["n_tokens"].sum())
    return {
        "seconds": t.seconds,
        "repeat": args.repeat,
        "n_units": len(units),
        "input_tokens": input_tokens,
        "input_tokens_per_s": {k: round(input_tokens / v) for k, v in t.seconds.items() if v > 0},
    }


# --------------------------------------------------------------------------------------------
# a study of many documents (issue 13)

_SENTENCE_END = r"(?<=[.!?])\s+"


def write_split_un_corpus(folder: Path, n_docs: int) -> int:
    """Cut the UN speeches into ``n_docs`` documents of a few sentences (two to a paragraph).

    Each speech is cut into ``ceil(n_docs / 959) + 1`` pieces of consecutive sentences (fewer
    for a speech of fewer sentences); the first ``n_docs`` pieces in file order are written as
    ``<ISO3>_<session>_<year>_<piece>.txt``. Returns the number written.
    """
    import math
    import re

    import numpy as np

    from corpus_tm.loading import read_text_file

    folder.mkdir(parents=True, exist_ok=True)
    speeches = sorted(UN_TEXTS.glob("*.txt"))
    per_speech = math.ceil(n_docs / len(speeches)) + 1
    written = 0
    for path in speeches:
        sentences = [s for s in re.split(_SENTENCE_END, read_text_file(path)) if s.strip()]
        sentences = [" ".join(s.split()) for s in sentences]
        for piece, chunk in enumerate(np.array_split(np.arange(len(sentences)), per_speech)):
            if not len(chunk) or written >= n_docs:
                continue
            lines = [sentences[i] for i in chunk]
            paragraphs = [" ".join(lines[i : i + 2]) for i in range(0, len(lines), 2)]
            name = f"{path.stem}_{piece + 1:02d}.txt"
            (folder / name).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
            written += 1
    return written


def _study_text(corpus: Path, args: argparse.Namespace) -> str:
    new = not args.study_before
    return f"""
[study]
name = "un-split-{args.study_docs}"

[corpus]
path = "{corpus.as_posix()}"
{'filename_fields = "{country}_{session}_{year}_{piece}"' if new else ""}

[models]
methods = ["nmf"]
n_topics = 20
random_state = 1

[sweep]
method = "nmf"
n_topics = [10, 20]
seeds = [1, 2]

[aggregation]
n_boot = 1000
random_state = 1
ci = 0.9

[figures]
output = "figures"
formats = ["png"]
dpi = 200
{'group_by = "year"' if new else ""}

[run]
n_jobs = 1
cache_dir = "cache"
"""


def stage_study(work: Path, args: argparse.Namespace) -> dict[str, Any]:
    import shutil

    from PIL import Image

    import corpus_tm as ctm
    from corpus_tm.pipeline import run_study

    limit = int(args.study_limit_gib * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    folder = work / f"study-{args.study_docs}"
    corpus = folder / "texts"
    if not corpus.is_dir() or len(list(corpus.glob("*.txt"))) != args.study_docs:
        shutil.rmtree(corpus, ignore_errors=True)
        write_split_un_corpus(corpus, args.study_docs)
    label = "before" if args.study_before else "after"
    run_dir = folder / label
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    study_file = run_dir / "study.toml"
    study_file.write_text(_study_text(corpus, args), encoding="utf-8")
    t = Timer()
    report: dict[str, Any] = {"n_docs": len(list(corpus.glob("*.txt")))}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # no headings, small sections: expected here
            with t("run_study"):
                results = run_study(ctm.load_study(study_file), progress=False)
            report["n_units"] = len(results.units)
            report["after_run_study"] = _peak_mib()
            from corpus_tm.figures import FIGURES, write_figures

            for name in FIGURES:
                with t(f"figure_{name}"):
                    write_figures(results, names=[name], progress=False)
                report[f"after_{name}"] = _peak_mib()
        report["completed"] = True
    except Exception as exc:  # a MemoryError, or what a failed allocation raises
        report["completed"] = False
        report["error"] = f"{type(exc).__name__}: {exc}"[:500]
    report["seconds"] = t.seconds
    sizes = {}
    for png in sorted((run_dir / "figures").glob("*.png")):
        with Image.open(png) as image:
            sizes[png.stem] = list(image.size)
    report["png_sizes"] = sizes
    return report


STAGE_FUNCTIONS = {
    "generate": stage_generate,
    "load": stage_load,
    "preprocess": stage_preprocess,
    "nmf": lambda w, a: stage_fit(w, a, "nmf"),
    "lda": lambda w, a: stage_fit(w, a, "lda"),
    "domains": stage_domains,
    "coherence": stage_coherence,
    "reference": stage_reference,
    "end_to_end": stage_end_to_end,
    "sweep": stage_sweep,
    "scaling": stage_scaling,
    "study": stage_study,
}


def run_stage(name: str, work: Path, args: argparse.Namespace, **extra: Any) -> dict[str, Any]:
    """Run one stage in a fresh Python process and return its JSON report."""
    out = work / f"stage-{name}{''.join(f'-{v}' for v in extra.values())}.json"
    cmd = [
        sys.executable,
        __file__,
        "--stage",
        name,
        "--workdir",
        str(work),
        "--result",
        str(out),
        *[
            f"--{k.replace('_', '-')}={getattr(args, k)}"
            for k in ("n_docs", "doc_length", "n_topics", "n_terms", "n_jobs", "seed")
        ],
        f"--study-docs={args.study_docs}",
        f"--study-limit-gib={args.study_limit_gib}",
        *(["--study-before"] if args.study_before else []),
        *[f"--{k}={v}" for k, v in extra.items()],
    ]
    started = time.perf_counter()
    subprocess.run(cmd, check=True)
    report = json.loads(out.read_text())
    report["process_seconds"] = round(time.perf_counter() - started, 2)
    print(f"  {name}: {json.dumps(report)}", file=sys.stderr, flush=True)
    return report


def _table(stages: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| stage | step | seconds | stage peak MiB (process) | workers' peak MiB |",
        "|---|---|---:|---:|---:|",
    ]
    for name, rep in stages.items():
        for i, (step, sec) in enumerate(rep["seconds"].items()):
            peak = f"{rep['peak_mib']:,.0f}" if i == 0 else ""
            workers = f"{rep['workers_peak_mib']:,.0f}" if i == 0 else ""
            lines.append(f"| {name if i == 0 else ''} | {step} | {sec:.2f} | {peak} | {workers} |")
    return "\n".join(lines)


def _split(stages: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Seconds of corpus_tm's own stages against the two fits (the issue's "split")."""

    def total(names: tuple[str, ...]) -> float:
        return round(sum(sum(stages[n]["seconds"].values()) for n in names if n in stages), 2)

    own = total(("load", "preprocess", "domains"))
    fits = total(("nmf", "lda"))
    return {"own_stages_s": own, "fits_s": fits, "own_over_fits": round(own / fits, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default="stages,reference,end_to_end,sweep,scaling")
    parser.add_argument("--n-docs", type=int, default=100_000)
    parser.add_argument("--doc-length", type=int, default=100)
    parser.add_argument("--n-topics", type=int, default=50)
    parser.add_argument("--n-terms", type=int, default=20_000)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--study-docs", type=int, default=20_000)
    parser.add_argument("--study-limit-gib", type=float, default=6.0)
    parser.add_argument("--study-before", action="store_true")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/corpus_tm_bench_scale"))
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--stage", choices=sorted(STAGE_FUNCTIONS), help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)

    if args.stage:  # inside a stage process
        report = STAGE_FUNCTIONS[args.stage](work, args)
        report.update(_peak_mib())
        args.result.write_text(json.dumps(report))
        return 0

    parts = set(args.parts.split(","))
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": os.getloadavg(),
        },
        "settings": {
            k: getattr(args, k)
            for k in ("n_docs", "doc_length", "n_topics", "n_terms", "n_jobs", "seed")
        },
    }

    def save() -> None:  # after every stage, so that a run cut short keeps what it measured
        results["machine"]["load_average_now"] = os.getloadavg()
        args.output.parent.mkdir(parents=True, exist_ok=True)
        partial = args.output.with_suffix(".partial")
        partial.write_text(json.dumps(results, indent=2) + "\n")
        partial.replace(args.output)

    if parts & {"stages", "reference", "end_to_end"}:
        stages = results["stages"] = {}
        for name in STAGES:
            if name == "generate" and (work / "corpus.jsonl").exists() and "stages" not in parts:
                continue
            if name != "generate" and "stages" not in parts:
                continue
            stages[name] = run_stage(name, work, args)
            save()
        if "stages" in parts:
            results["split"] = _split(stages)
        if "reference" in parts:
            results["reference"] = run_stage("reference", work, args)
            save()
        if "end_to_end" in parts:
            results["end_to_end"] = run_stage("end_to_end", work, args)
            save()
    if "sweep" in parts:
        results["sweep"] = run_stage("sweep", work, args)
        save()
    if "study" in parts:
        results["study"] = run_stage("study", work, args)
        save()
    if "scaling" in parts:
        results["scaling"] = []
        for r in (1, 10):
            results["scaling"].append(run_stage("scaling", work, args, repeat=r))
            save()

    if "stages" in results:
        print(_table(results["stages"]))
    for key in ("split", "reference", "end_to_end", "sweep"):
        if key in results:
            print(f"\n{key}: {json.dumps(results[key])}")
    for rep in results.get("scaling", []):
        print(f"\nscaling x{rep['repeat']}: {json.dumps(rep)}")
    save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
