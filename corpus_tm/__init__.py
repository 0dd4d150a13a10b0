"""corpus_tm: security domains across the sections of policy documents.

The pipeline, one module per stage: :mod:`~corpus_tm.loading` (files to documents),
:mod:`~corpus_tm.sectioning` (documents to a section tree of text units, with
:mod:`~corpus_tm.furniture` removing page furniture), :mod:`~corpus_tm.preprocessing` (units to a
:class:`~corpus_tm.corpus.Corpus`), :mod:`~corpus_tm.models` (LDA and NMF),
:mod:`~corpus_tm.evaluation` (coherence, choice of k, stability).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from corpus_tm.corpus import Corpus
from corpus_tm.errors import ConfigError, CorpusTmError, InputError
from corpus_tm.loading import load_documents, normalize_text
from corpus_tm.sectioning import (
    HeadingPattern,
    SectioningRules,
    Sections,
    read_corpus,
    sections_table,
    split_sections,
    split_sentences,
)

try:
    __version__ = version("corpus_tm")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "ConfigError",
    "Corpus",
    "CorpusTmError",
    "HeadingPattern",
    "InputError",
    "SectioningRules",
    "Sections",
    "__version__",
    "load_documents",
    "normalize_text",
    "read_corpus",
    "sections_table",
    "split_sections",
    "split_sentences",
]
