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
:mod:`~.domains`           seeded LDA, topic-to-domain mapping, dictionary baseline
:mod:`~.aggregation`       shares by document, part and sub-section, with intervals
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
    compare_profiles,
    compare_sections,
    domain_evidence,
    section_shares,
)
from corpus_tm.cache import clear_cache
from corpus_tm.corpus import Corpus
from corpus_tm.domains import (
    DomainShares,
    dictionary_shares,
    domain_shares,
    fit_seeded_lda,
    map_topics,
)
from corpus_tm.errors import ConfigError, CorpusTmError, InputError
from corpus_tm.evaluation import evaluate, recommend_k, stability, sweep, topic_diversity
from corpus_tm.figures import FIGURES, draw_figure, make_figures
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
    Sections,
    read_corpus,
    sections_table,
    split_sections,
    split_sentences,
)
from corpus_tm.study import Study, load_study

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
    "Lexicon",
    "PreprocessSettings",
    "SectioningRules",
    "Sections",
    "SmallSampleWarning",
    "Study",
    "StudyResults",
    "TopicModel",
    "__version__",
    "build_corpus",
    "clear_cache",
    "compare_profiles",
    "compare_sections",
    "default_lexicon",
    "dictionary_shares",
    "domain_colors",
    "domain_evidence",
    "domain_shares",
    "draw_figure",
    "evaluate",
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
    "map_topics",
    "normalize_text",
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
    "topic_diversity",
]
