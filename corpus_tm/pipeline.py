"""The whole pipeline for one study: a study file in, every table the figures need out.

In: a :class:`~corpus_tm.study.Study`.
Out: :class:`StudyResults` (plain tables and fitted models): the unit table and the built
corpus, the topic models (keyATM, LDA, NMF), the topic-to-domain mappings, unit-level and
section-level domain shares of every method, and the sweep over the number of topics with its
stability scores and recommended k.

Every slow step is cached on disk (see :mod:`corpus_tm.cache`) under the study's
``run.cache_dir``, keyed by the corpus fingerprint and the step's settings: a second run with
nothing changed reads the corpus, the models and the sweep back instead of recomputing them.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corpus_tm.cache import fingerprint, load_entry, package_version, store_entry
from corpus_tm.corpus import Corpus
from corpus_tm.study import Study

logger = logging.getLogger(__name__)

METHODS = ("keyatm", "lda_mapped", "nmf_mapped", "dictionary")


@dataclass(frozen=True, eq=False)
class StudyResults:
    """Everything one study computes.

    Attributes
    ----------
    study : Study
        The settings.
    units, headings, furniture : pandas.DataFrame
        The sectioning tables.
    corpus : Corpus
        The built corpus.
    domain_shares : dict of str to DomainShares
        Unit-level shares by method (:data:`METHODS`).
    section_shares : pandas.DataFrame
        Tidy shares of every method at the document, part and section levels, with intervals.
    sweep_metrics : pandas.DataFrame
        One row per k x seed of the sweep (coherence, diversity, fit measures) with the
        run's ``stability`` (mean matched topic cosine with the other seeds of its k).
    topic_stability : pandas.DataFrame
        Per-topic stability at each k of the sweep.
    recommended_k : int
        The number of topics the sweep recommends.
    k_reason : str
        Why the sweep recommends it.
    n_topics : int
        The number of topics the LDA and NMF models were fitted with (the study's
        ``models.n_topics``, or the recommended k when that is ``"auto"``).
    unresolved : pandas.DataFrame
        For every model-based method, the domains the dictionary finds clearly and whether
        the model resolved them (:func:`corpus_tm.unresolved_domains`); a warning names
        those it did not.
    """

    study: Study
    units: pd.DataFrame
    headings: pd.DataFrame
    furniture: pd.DataFrame
    corpus: Corpus
    domain_shares: dict[str, Any]
    section_shares: pd.DataFrame
    sweep_metrics: pd.DataFrame
    topic_stability: pd.DataFrame
    recommended_k: int
    k_reason: str = ""
    n_topics: int = 0
    unresolved: pd.DataFrame = field(default_factory=pd.DataFrame)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def models(self) -> dict[str, Any]:
        """The topic models behind the model-based methods."""
        return {m: s.model for m, s in self.domain_shares.items() if s.model is not None}

    @property
    def mappings(self) -> dict[str, pd.DataFrame]:
        """The topic-to-domain mapping table of each model-based method."""
        return {m: s.mapping for m, s in self.domain_shares.items() if s.mapping is not None}


def _cached_domain_shares(
    cache_dir: Path, key: str, corpus: Corpus, lexicon: Any, compute: Callable[[], Any]
) -> Any:
    from corpus_tm.domains import DomainShares, _aligned_units
    from corpus_tm.models import load_model, save_model

    entry = load_entry(cache_dir, "domain_shares", key)
    if entry is not None:
        meta = json.loads((entry / "result.json").read_text(encoding="utf-8"))
        shares = pd.read_parquet(entry / "shares.parquet")
        mapping = (
            pd.read_parquet(entry / "mapping.parquet")
            if (entry / "mapping.parquet").exists()
            else None
        )
        if mapping is not None:  # Parquet gives list cells back as numpy arrays
            for column in mapping.columns:
                mapping[column] = mapping[column].map(
                    lambda v: v.tolist() if isinstance(v, np.ndarray) else v
                )
        model = load_model(entry / "model.npz") if (entry / "model.npz").exists() else None
        attribution = (
            pd.read_parquet(entry / "attribution.parquet")
            if (entry / "attribution.parquet").exists()
            else None
        )
        return DomainShares(
            method=meta["method"],
            shares=shares,
            units=_aligned_units(corpus, shares.index),
            lexicon=lexicon,
            mapping=mapping,
            model=model,
            params=meta["params"],
            attribution=attribution,
        )
    result = compute()

    def write(folder: Path) -> None:
        result.shares.to_parquet(folder / "shares.parquet")
        if result.mapping is not None:
            result.mapping.to_parquet(folder / "mapping.parquet", index=False)
        if result.model is not None:
            save_model(result.model, folder / "model.npz")
        if result.attribution is not None:
            result.attribution.to_parquet(folder / "attribution.parquet")
        (folder / "result.json").write_text(
            json.dumps(
                {"method": result.method, "params": result.params}, sort_keys=True, default=str
            ),
            encoding="utf-8",
        )

    store_entry(cache_dir, "domain_shares", key, write)
    return result


def _cached_sweep(cache_dir: Path, key: str, compute: Callable[[], Any]) -> Any:
    from corpus_tm.evaluation import SweepResult
    from corpus_tm.models import load_model, save_model

    entry = load_entry(cache_dir, "sweep", key)
    if entry is not None:
        meta = json.loads((entry / "sweep.json").read_text(encoding="utf-8"))
        models = {
            (k, seed): load_model(entry / f"model-k{k}-seed{seed}.npz") for k, seed in meta["runs"]
        }
        return SweepResult(
            method=meta["method"],
            metrics=pd.read_parquet(entry / "metrics.parquet"),
            models=models,
            params=meta["params"],
        )
    runs = compute()

    def write(folder: Path) -> None:
        runs.metrics.to_parquet(folder / "metrics.parquet", index=False)
        for (k, seed), model in runs.models.items():
            save_model(model, folder / f"model-k{k}-seed{seed}.npz")
        meta = {
            "method": runs.method,
            "params": runs.params,
            "runs": [[int(k), int(seed)] for k, seed in runs.models],
        }
        (folder / "sweep.json").write_text(
            json.dumps(meta, sort_keys=True, default=str), encoding="utf-8"
        )

    store_entry(cache_dir, "sweep", key, write)
    return runs


def _sweep_and_k(study: Study, corpus: Corpus, lexicon: Any, progress: bool | None) -> Any:
    """The study's sweep over k (cached), its stability and the recommended k."""
    from corpus_tm.evaluation import recommend_k, stability, sweep, sweep_resolution

    settings = study.settings
    sweep_settings = settings["sweep"]
    sweep_key = fingerprint(corpus.fingerprint, sweep_settings, package_version())
    runs = _cached_sweep(
        study.cache_dir,
        sweep_key,
        lambda: sweep(
            corpus,
            method=sweep_settings["method"],
            n_topics=sweep_settings["n_topics"],
            seeds=sweep_settings["seeds"],
            n_jobs=settings["run"]["n_jobs"],
            progress=progress,
            **({"init": sweep_settings["init"]} if sweep_settings["init"] else {}),
        ),
    )
    stable = stability(runs)
    resolution = sweep_resolution(runs, corpus, lexicon)
    return runs, stable, resolution, recommend_k(
        runs, stability_result=stable, resolution=resolution
    )


def run_study(study: Study, *, progress: bool | None = None) -> StudyResults:
    """Run every step of a study, reusing cached results.

    Parameters
    ----------
    study : Study
        From :func:`corpus_tm.load_study`.
    progress : bool, optional
        Show progress bars (default: on for slow steps).

    Returns
    -------
    StudyResults
    """
    import time

    from corpus_tm.aggregation import SmallSampleWarning, section_shares, unresolved_domains
    from corpus_tm.domains import dictionary_shares, domain_shares, map_topics
    from corpus_tm.keyatm import fit_keyatm
    from corpus_tm.lexicon import default_lexicon, load_lexicon
    from corpus_tm.loading import load_documents
    from corpus_tm.models import fit_lda, fit_nmf
    from corpus_tm.preprocessing import build_corpus
    from corpus_tm.sectioning import split_sections

    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    settings = study.settings
    cache_dir = study.cache_dir
    documents = load_documents(
        study.corpus_path,
        encoding=settings["corpus"]["encoding"],
        text_column=settings["corpus"]["text_column"],
    )
    sections = split_sections(
        documents,
        unit=settings["corpus"]["unit"],
        window=settings["corpus"]["window"],
        progress=None if progress is not False else False,  # a bar only for large corpora
    )
    units = sections.units
    lap("sectioning")
    overrides = {k: v for k, v in settings["preprocessing"].items() if v is not None}
    corpus = build_corpus(
        units, cache_dir=cache_dir, n_jobs=settings["run"]["n_jobs"], progress=progress, **overrides
    )
    lap("preprocessing")

    lexicon_path = settings["domains"]["lexicon"]
    lexicon = default_lexicon() if lexicon_path == "default" else load_lexicon(lexicon_path)
    models = settings["models"]
    seed = models["random_state"]
    base_key = (corpus.fingerprint, lexicon.to_frame(), package_version())
    runs, stable, resolution, recommendation = _sweep_and_k(study, corpus, lexicon, progress)
    k = recommendation.k if models["n_topics"] == "auto" else models["n_topics"]
    if models["n_topics"] == "auto":
        logger.info("n_topics = %d, as the sweep recommends. %s", k, recommendation.reason)
    lap("sweep")

    lda_params = {key: models[key] for key in ("passes", "iterations") if models[key] is not None}
    # n_jobs does not change a fitted model (tested), so it is not part of any cache key.
    lda_params["n_jobs"] = settings["run"]["n_jobs"]
    map_params = {}
    if settings["domains"]["min_score"] is not None:
        map_params["min_score"] = settings["domains"]["min_score"]
    overrides_by_method = settings["domains"]["overrides"]
    attribution = settings["domains"]["attribution"]
    dictionary = _cached_domain_shares(
        cache_dir,
        fingerprint(*base_key, "dictionary"),
        corpus,
        lexicon,
        lambda: dictionary_shares(corpus, lexicon),
    )

    def mapped(method: str, fit: Callable[[], Any]) -> Any:
        model = fit()
        hand = {int(t): d for t, d in overrides_by_method.get(method, {}).items()}
        mapping = map_topics(model, lexicon, overrides=hand or None, **map_params)
        return domain_shares(
            model, mapping, corpus, lexicon=lexicon, attribution=attribution, dictionary=dictionary
        )

    steps: dict[str, tuple[Callable[[], Any], Any]] = {
        "keyatm": (
            lambda: fit_keyatm(
                corpus,
                lexicon,
                n_free_topics=models["free_topics"],
                iterations=models["keyatm_iterations"],
                attribution="soft" if attribution == "soft" else "keyword",
                dictionary=dictionary,
                random_state=seed,
                progress=progress,
            ),
            (models["free_topics"], models["keyatm_iterations"], seed, attribution),
        ),
        "lda_mapped": (
            lambda: mapped(
                "lda_mapped",
                lambda: fit_lda(corpus, k, random_state=seed, progress=progress, **lda_params),
            ),
            (k, seed, models["passes"], models["iterations"], settings["domains"]),
        ),
        "nmf_mapped": (
            lambda: mapped(
                "nmf_mapped",
                lambda: fit_nmf(
                    corpus, k, random_state=seed, weighting="tfidf" if models["tfidf"] else "counts"
                ),
            ),
            (k, seed, models["tfidf"], settings["domains"]),
        ),
    }
    shares_by_method = {}
    for method, (compute, settings_read) in steps.items():
        key = fingerprint(*base_key, method, settings_read)
        shares_by_method[method] = _cached_domain_shares(cache_dir, key, corpus, lexicon, compute)
    shares_by_method["dictionary"] = dictionary
    unresolved = pd.concat(
        [
            unresolved_domains(result, dictionary)
            for method, result in shares_by_method.items()
            if method != "dictionary"
        ],
        ignore_index=True,
    )
    lap("models")

    aggregation = settings["aggregation"]
    tables = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SmallSampleWarning)
        for result in shares_by_method.values():
            for level in ("document", "part", "section"):
                tables.append(
                    section_shares(
                        result,
                        level=level,
                        n_boot=aggregation["n_boot"],
                        ci=aggregation["ci"],
                        random_state=aggregation["random_state"],
                    )
                )
    for message in dict.fromkeys(str(w.message) for w in caught):  # once each, not per method
        warnings.warn(message, SmallSampleWarning, stacklevel=2)
    shares_table = pd.concat(tables, ignore_index=True)
    lap("aggregation")

    metrics = (
        runs.metrics.drop(columns=["seconds"], errors="ignore")
        .merge(stable.by_seed(), on=["k", "seed"], how="left")
        .merge(resolution[["k", "seed", "resolution"]], on=["k", "seed"], how="left")
    )
    return StudyResults(
        study=study,
        units=units,
        headings=sections.headings,
        furniture=sections.furniture,
        corpus=corpus,
        domain_shares=shares_by_method,
        section_shares=shares_table,
        sweep_metrics=metrics,
        topic_stability=stable.topics,
        recommended_k=int(recommendation.k),
        k_reason=str(getattr(recommendation, "reason", "")),
        n_topics=int(k),
        unresolved=unresolved,
        timings=timings,
    )
