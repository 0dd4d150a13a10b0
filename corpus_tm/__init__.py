"""corpus_tm: security domains across the sections of policy documents.

The pipeline, one module per stage:

=========================  ====================================================================
:mod:`~corpus_tm.loading`  files (folder + ``metadata.csv``, CSV, JSONL, Parquet) to documents
:mod:`~.sectioning`        documents to a section tree of text units (:mod:`~.furniture` removes
                           page furniture)
:mod:`~.preprocessing`     units to a :class:`Corpus` (tokens, dictionary, document-term matrix)
:mod:`~.models`            LDA (gensim) and NMF (scikit-learn) behind one :class:`TopicModel`
:mod:`~.backends`          the registry of topic-model backends (LDA, NMF, keyATM, yours)
:mod:`~.evaluation`        coherence, diversity, sweeps over k and seeds, stability
                           (:mod:`~.matching` pairs topics)
:mod:`~.lexicon`           the security-domain lexicon
:mod:`~.domains`           topic-to-domain attribution, dictionary baseline, seeded LDA
:mod:`~.keyatm`            the keyword-assisted topic model (keyATM base model)
:mod:`~.aggregation`       shares by document, part and sub-section, with intervals; method
                           agreement
:mod:`~.validation`        checks against known answers (planted shares, facts, a reading)
:mod:`~.plotting`          tidy tables to matplotlib Axes
:mod:`~.study`             study files (TOML)
:mod:`~.pipeline`          a study to all its results (cached)
:mod:`~.figures`           results to figure files and a manifest; :mod:`~.cli` the command
:mod:`~.spark`             the same stages on Apache Spark (``[run] engine = "spark"``;
                           optional: ``pip install 'corpus_tm[spark]'``)
=========================  ====================================================================

Beside the stages: :mod:`~.language` (the rules of a language: words, sentences, stop words,
lemmas), :mod:`~.checks` (one rule for integers, seeds and ``n_jobs``), :mod:`~.errors` (error
and warning types), :mod:`~.cache`. The public names below are imported on first use
(``import corpus_tm`` loads no modelling or plotting library).
"""

from __future__ import annotations

import importlib
from typing import Any

#: module -> the public names it gives the package
_EXPORTS: dict[str, tuple[str, ...]] = {
    "errors": ("ConfigError", "CorpusTmError", "CorpusTmWarning", "InputError"),
    "language": (
        "English",
        "Language",
        "available_languages",
        "get_language",
        "register_language",
    ),
    "loading": (
        "LanguageWarning",
        "corpus_files",
        "detect_language",
        "filename_metadata",
        "load_documents",
        "normalize_text",
    ),
    "chinese": ("Chinese",),
    "sectioning": (
        "HeadingPattern",
        "SectioningRules",
        "SectioningWarning",
        "Sections",
        "read_corpus",
        "sections_table",
        "split_sections",
        "split_sentences",
    ),
    "preprocessing": (
        "PreprocessSettings",
        "build_corpus",
        "load_corpus",
        "preprocess_texts",
        "save_corpus",
    ),
    "corpus": ("Corpus", "TermCounts"),
    "models": ("TopicModel", "fit_lda", "fit_model", "fit_nmf", "load_model", "save_model"),
    "backends": ("Backend", "available_backends", "get_backend", "register_backend"),
    "evaluation": (
        "KRecommendation",
        "domain_resolution",
        "evaluate",
        "evidenced_domains",
        "recommend_k",
        "stability",
        "sweep",
        "sweep_resolution",
        "topic_diversity",
    ),
    "lexicon": (
        "Lexicon",
        "corpus_languages",
        "default_lexicon",
        "lexicon_coverage",
        "load_lexicon",
        "unit_languages",
    ),
    "domains": (
        "DomainShares",
        "dictionary_shares",
        "domain_shares",
        "fit_seeded_lda",
        "map_topics",
        "topic_attribution",
    ),
    "keyatm": ("fit_keyatm",),
    "aggregation": (
        "SmallSampleWarning",
        "ThinProfileWarning",
        "UnresolvedDomainWarning",
        "compare_methods",
        "compare_profiles",
        "compare_sections",
        "domain_evidence",
        "group_shares",
        "section_shares",
        "unresolved_domains",
    ),
    "synthetic": (
        "PlantedAgreement",
        "PlantedCorpus",
        "default_planted_plan",
        "make_planted_corpus",
        "planted_agreement",
    ),
    "plotting": (
        "domain_colors",
        "plot_domain_bars",
        "plot_domain_flow",
        "plot_domains_by_group",
        "plot_k_choice",
        "plot_mapping_table",
        "plot_method_comparison",
        "plot_section_heatmap",
        "plot_top_terms",
        "use_cjk_fallback",
    ),
    "layout": ("layout_problems", "text_boxes"),
    "study": ("Study", "load_study"),
    "pipeline": ("StudyResults", "run_study"),
    "figures": ("FIGURES", "draw_figure", "make_figures"),
    "cache": ("clear_cache",),
    "reporting": ("progress_bar", "shorten_label", "warnings_once"),
    "spark": (
        "fit_spark_lda",
        "read_documents_spark",
        "spark_dictionary_shares",
        "spark_section_shares",
        "spark_session",
        "spark_units",
    ),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted([*_MODULE_OF, "__version__"])


def __getattr__(name: str) -> Any:
    if name == "__version__":
        import importlib.metadata as metadata

        try:
            value = metadata.version("corpus_tm")
        except metadata.PackageNotFoundError:  # running from a source tree that is not installed
            value = "0.0.0+unknown"
        globals()[name] = value
        return value
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'corpus_tm' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"corpus_tm.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULE_OF])
