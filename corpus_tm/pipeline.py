"""The whole pipeline for one study: a study file in, every table the figures need out.

In: a :class:`~corpus_tm.study.Study`.
Out: :class:`StudyResults` (plain tables and fitted models): the unit table and the built
corpus, the topic models (keyATM, LDA, NMF), the topic-to-domain mappings, unit-level and
section-level domain shares of every method, and the sweep over the number of topics with its
stability scores and recommended k.

Every slow step is cached on disk (see :mod:`corpus_tm.cache`) under the study's
``run.cache_dir``, keyed by the corpus fingerprint and the step's settings: a second run with
nothing changed reads the corpus, the models and the sweep back instead of recomputing them,
and also the validated lexicon, the sweep's stability and the section shares (with the
warnings their computation gave, which it gives again). Such a run imports no model library
(the corpus makes its gensim ``Dictionary`` only when a model needs it). Each distinct warning
of a run is shown once (:func:`corpus_tm.reporting.warnings_once`).
Nothing is cached when ``run.cache_dir`` is ``None`` (``--no-cache``); a cache that cannot be
written gives a warning and the run goes on (:func:`corpus_tm.cache.store_or_warn`).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from corpus_tm.backends import Backend
from corpus_tm.cache import fingerprint, load_entry, package_version, store_or_warn
from corpus_tm.corpus import Corpus
from corpus_tm.study import Study

logger = logging.getLogger(__name__)


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
        Unit-level shares by method: one per backend of the study's ``models.methods``
        (named by :attr:`corpus_tm.backends.Backend.domain_method`: ``keyatm``,
        ``lda_mapped``, ``nmf_mapped``), then ``dictionary``.
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
    cache_dir: Path | None, key: str, corpus: Corpus, lexicon: Any, compute: Callable[[], Any]
) -> Any:
    from corpus_tm.domains import DomainShares

    entry = load_entry(cache_dir, "domain_shares", key)
    if entry is not None:
        return DomainShares.read(entry, corpus, lexicon)
    result = compute()
    store_or_warn(cache_dir, "domain_shares", key, result.write)
    return result


def _cached_sweep(cache_dir: Path | None, key: str, compute: Callable[[], Any]) -> Any:
    from corpus_tm.evaluation import SweepResult

    entry = load_entry(cache_dir, "sweep", key)
    if entry is not None:
        return SweepResult.read(entry)
    runs = compute()
    store_or_warn(cache_dir, "sweep", key, runs.write)
    return runs


def _cached_table(cache_dir: Path | None, kind: str, key: str, compute: Callable[[], Any]) -> Any:
    entry = load_entry(cache_dir, kind, key)
    if entry is not None:
        return pd.read_parquet(entry / "table.parquet")
    table = compute()
    store_or_warn(cache_dir, kind, key, lambda folder: table.to_parquet(folder / "table.parquet"))
    return table


def _cached_frames(
    cache_dir: Path | None,
    kind: str,
    key: str,
    compute: Callable[[], dict[str, pd.DataFrame]],
    *,
    replay: tuple[type[Warning], ...] = (),
) -> dict[str, pd.DataFrame]:
    """Named tables computed once and read back from Parquet, warnings included.

    Warnings of a ``replay`` category raised while computing are stored with the tables and
    raised again when they are read back, so a cached run warns as a fresh one does; a
    computation that raises any other warning is not cached.
    """
    import json

    entry = load_entry(cache_dir, kind, key)
    if entry is not None:
        try:
            meta = json.loads((entry / "tables.json").read_text(encoding="utf-8"))
            tables = {name: pd.read_parquet(entry / f"{name}.parquet") for name in meta["tables"]}
            categories = {category.__name__: category for category in replay}
            warned = [(categories[name], message) for name, message in meta["warnings"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass  # computed again below, and stored over it
        else:
            for category, message in warned:
                warnings.warn(message, category, stacklevel=3)
            return tables
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tables = compute()
    for warning in caught:
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    if all(issubclass(w.category, replay) for w in caught):
        meta = {
            "tables": list(tables),
            "warnings": [[w.category.__name__, str(w.message)] for w in caught],
        }

        def write(folder: Path) -> None:
            for name, table in tables.items():
                table.to_parquet(folder / f"{name}.parquet")
            (folder / "tables.json").write_text(json.dumps(meta), encoding="utf-8")

        store_or_warn(cache_dir, kind, key, write)  # only a speed-up: computed again next time
    return tables


def _study_lexicon(study: Study) -> Any:
    """The study's lexicon, read back from the cache when its file and code are unchanged.

    Building the default lexicon validates every term with the lemmatiser and the Chinese
    segmenter (about 0.8 s); the cache keeps the validated lexicon and its terms' token forms
    as JSON, keyed by the file's bytes, the modules that build it and the versions of the
    lemmatiser and segmenter. A lexicon whose building warned is not cached (so it warns
    again on every run).
    """
    import json
    from importlib.metadata import PackageNotFoundError, version

    from corpus_tm.lexicon import (
        default_lexicon,
        default_lexicon_path,
        lexicon_code_files,
        lexicon_from_state,
        lexicon_state,
        load_lexicon,
    )

    given = study.domains.lexicon
    path = default_lexicon_path() if given == "default" else Path(given)

    def build() -> Any:
        return default_lexicon() if given == "default" else load_lexicon(given)

    try:
        raw = path.read_bytes()
    except OSError:
        return build()  # load_lexicon says what is wrong
    versions = []
    for package in ("simplemma", "lemminflect", "rjieba"):
        try:
            versions.append(version(package))
        except PackageNotFoundError:
            versions.append("")
    key = fingerprint(
        "lexicon",
        given,
        raw,
        *[file.read_bytes() for file in lexicon_code_files()],
        versions,
        package_version(),
    )
    entry = load_entry(study.cache_dir, "lexicon", key)
    if entry is not None:
        try:
            state = json.loads((entry / "lexicon.json").read_text(encoding="utf-8"))
            return lexicon_from_state(state)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # built again below, and stored over it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lexicon = build()
    for warning in caught:
        warnings.warn_explicit(
            warning.message, warning.category, warning.filename, warning.lineno
        )
    if not caught:
        text = json.dumps(lexicon_state(lexicon), ensure_ascii=False)
        store_or_warn(  # only a speed-up: the next run builds it again
            study.cache_dir,
            "lexicon",
            key,
            lambda folder: (folder / "lexicon.json").write_text(text, encoding="utf-8"),
        )
    return lexicon


def _sweep_and_k(study: Study, corpus: Corpus, lexicon: Any, progress: bool | None) -> Any:
    """The study's sweep over k (cached), its stability and the recommended k."""
    from corpus_tm.evaluation import (
        StabilityResult,
        recommend_k,
        stability,
        sweep,
        sweep_resolution,
    )

    grid = study.sweep
    init: dict[str, Any] = {"init": grid.init} if grid.init else {}
    sweep_key = fingerprint(corpus.fingerprint, study["sweep"], package_version())
    runs = _cached_sweep(
        study.cache_dir,
        sweep_key,
        lambda: sweep(
            corpus,
            method=grid.method,
            n_topics=grid.n_topics,
            seeds=grid.seeds,
            n_jobs=study.run.n_jobs,
            progress=progress,
            **init,
        ),
    )
    stable = StabilityResult(
        **_cached_frames(
            study.cache_dir,
            "stability",
            fingerprint(sweep_key, "stability"),
            lambda: dict(vars(stability(runs))),
        )
    )
    resolution = _cached_table(
        study.cache_dir,
        "sweep_resolution",
        fingerprint(sweep_key, lexicon.to_frame()),
        lambda: sweep_resolution(runs, corpus, lexicon),
    )
    return runs, stable, resolution, recommend_k(
        runs, stability_result=stable, resolution=resolution
    )


def _check_doc_id(study: Study, units: pd.DataFrame) -> None:
    """``figures.doc_id`` must name a document: said before any model is fitted."""
    doc_id = study.figures.doc_id
    if doc_id is None:
        return
    documents = list(dict.fromkeys(units["doc_id"].astype(str)))
    if doc_id not in documents:
        more = f", ... ({len(documents)} in all)" if len(documents) > 20 else ""
        shown = ", ".join(documents[:20]) + more
        from corpus_tm.errors import ConfigError

        raise ConfigError(
            f"{study.path}: figures.doc_id = {doc_id!r} is not a document of the corpus "
            f"({shown}); set it to one of them, or remove it to draw the first."
        )


def _check_group_by(study: Study, units: pd.DataFrame) -> None:
    """``figures.group_by`` must be a column of the documents: said before any model is fitted."""
    group_by = study.figures.group_by
    if group_by is None or group_by in units.columns:
        return
    from corpus_tm.errors import ConfigError

    hint = (
        ' (file names such as AGO_76_2021.txt give columns with corpus.filename_fields = '
        '"{country}_{session}_{year}")'
        if study.corpus.filename_fields is None
        else ""
    )
    raise ConfigError(
        f"{study.path}: figures.group_by = {group_by!r} is not a metadata column of the "
        f"documents; they have {', '.join(map(str, units.columns))}{hint}."
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

    Warns
    -----
    CorpusTmWarning
        Each distinct warning once, however many documents, fits or methods raise it
        (:func:`corpus_tm.reporting.warnings_once`).
    """
    from corpus_tm.reporting import warnings_once

    with warnings_once():
        return _run_study(study, progress=progress)


def _run_study(study: Study, *, progress: bool | None) -> StudyResults:
    import time

    from corpus_tm import aggregation as aggregation_module
    from corpus_tm.aggregation import SmallSampleWarning, section_shares, unresolved_domains
    from corpus_tm.backends import get_backend
    from corpus_tm.domains import dictionary_shares
    from corpus_tm.lexicon import corpus_languages
    from corpus_tm.loading import load_documents
    from corpus_tm.preprocessing import build_corpus
    from corpus_tm.sectioning import split_sections

    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    cache_dir, n_jobs = study.cache_dir, study.run.n_jobs
    spark_dictionary: Any = None
    spark_corpus: Corpus | None = None
    if study.run.engine == "spark":
        # Sectioning, dictionary shares and (without phrases) the corpus on Spark; the rest
        # (models, sweep, intervals) on the driver from the collected tables.
        from corpus_tm.spark import spark_study_tables

        sections, spark_dictionary, spark_corpus = spark_study_tables(study)
    else:
        documents = load_documents(
            study.corpus_path,
            encoding=study.corpus.encoding,
            text_column=study.corpus.text_column,
            language=study.corpus.language,
            filename_fields=study.corpus.filename_fields,
        )
        sections = split_sections(
            documents,
            unit=study.corpus.unit,
            window=study.corpus.window,
            progress=None if progress is not False else False,  # a bar only for large corpora
        )
    units = sections.units
    _check_doc_id(study, units)
    _check_group_by(study, units)
    lap("sectioning")
    if spark_corpus is not None:
        corpus = spark_corpus
    else:
        corpus = build_corpus(
            units,
            cache_dir=False if cache_dir is None else cache_dir,  # None: no cache (--no-cache)
            n_jobs=n_jobs,
            progress=progress,
            **study.preprocessing.given(),
        )
    lap("preprocessing")

    domains, models = study.domains, study.models
    lexicon = _study_lexicon(study)
    seed = models.random_state
    # The terms of the corpus's other languages (an English-only corpus keeps its old key).
    other_terms = [
        lexicon.for_language(code).to_frame()
        for code in corpus_languages(corpus, lexicon)
        if code != lexicon.language
    ]
    base_key = (corpus.fingerprint, lexicon.to_frame(), package_version(), *other_terms)
    runs, stable, resolution, recommendation = _sweep_and_k(study, corpus, lexicon, progress)
    k = recommendation.k if models.n_topics == "auto" else int(models.n_topics)
    if models.n_topics == "auto":
        logger.info("n_topics = %d, as the sweep recommends. %s", k, recommendation.reason)
    lap("sweep")

    dictionary = _cached_domain_shares(
        cache_dir,
        fingerprint(*base_key, "dictionary"),
        corpus,
        lexicon,
        lambda: (
            dictionary_shares(corpus, lexicon) if spark_dictionary is None else spark_dictionary
        ),
    )

    def method_shares(backend: Backend) -> Any:
        options = backend.fit_options(models.options)
        hand = domains.overrides.get(backend.domain_method, {})
        overrides = {int(topic): domain for topic, domain in hand.items()}
        # What this step reads, and nothing else, is its cache key. n_jobs does not change a
        # fitted model (tested), so it is not part of it.
        n_fits = models.n_fits.get(backend.name, 1)
        key = fingerprint(
            *base_key,
            backend.name,
            None if backend.uses_lexicon else k,
            seed,
            options,
            domains.attribution,
            domains.min_score,
            overrides,
            *([n_fits] if n_fits > 1 else []),  # one fit keeps the cache key it always had
        )

        def compute() -> Any:
            return backend.fit_shares(
                corpus,
                k,
                lexicon,
                random_state=seed,
                n_fits=n_fits,
                dictionary=dictionary,
                attribution=domains.attribution,
                overrides=overrides,
                min_score=domains.min_score,
                progress=progress,
                n_jobs=n_jobs,
                **options,
            )

        return _cached_domain_shares(cache_dir, key, corpus, lexicon, compute)

    shares_by_method = {}
    for name in models.methods:
        backend = get_backend(name)
        shares_by_method[backend.domain_method] = method_shares(backend)
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

    aggregation = study.aggregation

    def all_section_shares() -> dict[str, pd.DataFrame]:
        tables = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SmallSampleWarning)
            for result in shares_by_method.values():
                for level in ("document", "part", "section"):
                    tables.append(
                        section_shares(
                            result,
                            level=level,
                            n_boot=aggregation.n_boot,
                            ci=aggregation.ci,
                            random_state=aggregation.random_state,
                        )
                    )
        for message in dict.fromkeys(str(w.message) for w in caught):  # once each
            warnings.warn(message, SmallSampleWarning, stacklevel=2)
        return {"section_shares": pd.concat(tables, ignore_index=True)}

    # The bootstrap of every method and level (about 0.3 s on the example), keyed by what it
    # reads: the unit shares and units of each method, the settings and the aggregation code.
    shares_key = fingerprint(
        "section_shares",
        Path(aggregation_module.__file__).read_bytes(),
        package_version(),
        aggregation.n_boot,
        aggregation.ci,
        aggregation.random_state,
        *[
            part
            for method, result in shares_by_method.items()
            for part in (method, result.method, result.shares, result.units)
        ],
    )
    shares_table = _cached_frames(
        cache_dir, "section_shares", shares_key, all_section_shares, replay=(SmallSampleWarning,)
    )["section_shares"]
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
