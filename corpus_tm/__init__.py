"""corpus_tm: security domains across the sections of policy documents.

The pipeline, one module per stage:

=========================  ====================================================================
:mod:`~corpus_tm.loading`  files (folder + ``metadata.csv``, CSV, JSONL, Parquet) to documents
:mod:`~.sectioning`        documents to a section tree of text units (:mod:`~.furniture` removes
                           page furniture)
:mod:`~.preprocessing`     units to a :class:`Corpus` (tokens, dictionary, document-term matrix)
:mod:`~.models`            LDA (gensim) and NMF (scikit-learn) behind one :class:`TopicModel`
:mod:`~.evaluation`        coherence, diversity, sweeps over k and seeds, stability
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
=========================  ====================================================================
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from corpus_tm.aggregation import (
    SmallSampleWarning,
    UnresolvedDomainWarning,
    compare_methods,
    compare_profiles,
    compare_sections,
    domain_evidence,
    section_shares,
    unresolved_domains,
)
from corpus_tm.cache import clear_cache
from corpus_tm.corpus import Corpus
from corpus_tm.domains import (
    DomainShares,
    dictionary_shares,
    domain_shares,
    fit_seeded_lda,
    map_topics,
    topic_attribution,
)
from corpus_tm.errors import ConfigError, CorpusTmError, InputError
from corpus_tm.evaluation import (
    KRecommendation,
    domain_resolution,
    evaluate,
    evidenced_domains,
    recommend_k,
    stability,
    sweep,
    sweep_resolution,
    topic_diversity,
)
from corpus_tm.figures import FIGURES, draw_figure, make_figures
from corpus_tm.keyatm import fit_keyatm
from corpus_tm.lexicon import Lexicon, default_lexicon, lexicon_coverage, load_lexicon
from corpus_tm.loading import load_documents, normalize_text
from corpus_tm.models import TopicModel, fit_lda, fit_nmf, load_model, save_model
from corpus_tm.pipeline import StudyResults, run_study
from corpus_tm.plotting import (
    domain_colors,
    plot_domain_bars,
    plot_domain_flow,
    plot_k_choice,
    plot_mapping_table,
    plot_method_comparison,
    plot_section_heatmap,
    plot_top_terms,
)
from corpus_tm.preprocessing import (
    PreprocessSettings,
    build_corpus,
    load_corpus,
    preprocess_texts,
    save_corpus,
)
from corpus_tm.sectioning import (
    HeadingPattern,
    SectioningRules,
    SectioningWarning,
    Sections,
    read_corpus,
    sections_table,
    split_sections,
    split_sentences,
)
from corpus_tm.study import Study, load_study
from corpus_tm.synthetic import (
    PlantedAgreement,
    PlantedCorpus,
    default_planted_plan,
    make_planted_corpus,
    planted_agreement,
)

try:
    __version__ = version("corpus_tm")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "FIGURES",
    "ConfigError",
    "Corpus",
    "CorpusTmError",
    "DomainShares",
    "HeadingPattern",
    "InputError",
    "KRecommendation",
    "Lexicon",
    "PlantedAgreement",
    "PlantedCorpus",
    "PreprocessSettings",
    "SectioningRules",
    "SectioningWarning",
    "Sections",
    "SmallSampleWarning",
    "Study",
    "StudyResults",
    "TopicModel",
    "UnresolvedDomainWarning",
    "__version__",
    "build_corpus",
    "clear_cache",
    "compare_methods",
    "compare_profiles",
    "compare_sections",
    "default_lexicon",
    "default_planted_plan",
    "dictionary_shares",
    "domain_colors",
    "domain_evidence",
    "domain_resolution",
    "domain_shares",
    "draw_figure",
    "evaluate",
    "evidenced_domains",
    "fit_keyatm",
    "fit_lda",
    "fit_nmf",
    "fit_seeded_lda",
    "lexicon_coverage",
    "load_corpus",
    "load_documents",
    "load_lexicon",
    "load_model",
    "load_study",
    "make_figures",
    "make_planted_corpus",
    "map_topics",
    "normalize_text",
    "planted_agreement",
    "plot_domain_bars",
    "plot_domain_flow",
    "plot_k_choice",
    "plot_mapping_table",
    "plot_method_comparison",
    "plot_section_heatmap",
    "plot_top_terms",
    "preprocess_texts",
    "read_corpus",
    "recommend_k",
    "run_study",
    "save_corpus",
    "save_model",
    "section_shares",
    "sections_table",
    "split_sections",
    "split_sentences",
    "stability",
    "sweep",
    "sweep_resolution",
    "topic_attribution",
    "topic_diversity",
    "unresolved_domains",
]
