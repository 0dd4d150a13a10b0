"""Figures: study results in, figure files, their data and a manifest out.

In: :class:`~corpus_tm.pipeline.StudyResults` (from a study file).
Out: for each registered figure ``NAME``: ``NAME.png`` and ``NAME.svg`` (and any other format
the study asks for), ``NAME.csv`` with the data drawn, and ``MANIFEST.json`` with the sha256 of
every file, the corpus hash, the study settings, the seeds and the package versions.

Each figure is one function registered with :func:`register` that takes the results and
returns the data to draw and a function that draws a given table; :func:`draw_figure` (which
the notebooks call) and the figures command use the same functions. Rendered files are cached
under the data, settings, versions, drawing code and matplotlib settings (``rcParams``, so a
``matplotlibrc`` counts) they come from, so a second run with nothing changed only checks and
copies them. A run is atomic as a whole (:func:`write_figures`): every file is staged in the
output folder and moved into place only when all are ready, ``MANIFEST.json`` last, under a
lock on the output folder, with settings that make the bytes the same on every run (Agg
backend, fixed SVG hash salt, no dates in the metadata): with the versions in
``requirements-lock.txt`` a rebuild gives identical files. The study is checked before any
work (:func:`make_figures`).

Precision: the data are rounded in one place, :func:`figure_data` (:func:`round_table`): shares
and interval bounds (columns ``share``, ``lower``, ``upper``) to :data:`SHARE_DECIMALS` (3)
decimal places, 0.1 percentage points, and every other float column to :data:`DECIMALS` (4)
places. The figure is drawn from that rounded table, which is also what the CSV holds, and the
section-share rows from which figures pick their domains are rounded the same way first. This
makes the bytes independent of the processor: a BLAS library picks its kernel by processor
(OpenBLAS: ``OPENBLAS_CORETYPE``), and the fitted numbers differ between kernels. Measured on
the example study (Haswell, Katmai/Prescott, SkylakeX kernels): NMF, keyATM, the dictionary
baseline and NMF's top-term weights in the last bits (below 1e-13); gensim LDA (``lda_mapped``
shares, gensim's E-step stops at ``gamma_threshold``) by up to 1.6e-5, which at four decimal
places turned a part's share of 0.2629508 (one kernel) and 0.2629496 (another) into 0.2630 and
0.2629. Rounding cannot rule such a flip out, only make it rare: a value within the kernels'
spread of a rounding boundary (half a unit in the last place kept) still flips, and
``corpus-tm figures --check`` shows it as a largest difference of one unit in that place
(0.001 for a share). Significant digits would not do: tiny shares (1e-5) differ between
kernels in their fourth significant digit.

Paths in ``MANIFEST.json`` are as the study file writes them, normalised but not resolved.
:func:`check_figures` (``corpus-tm figures --check``) rebuilds from scratch elsewhere and
compares.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import platform
import shutil
import signal
import tempfile
import threading
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import matplotlib as mpl
import numpy as np
import pandas as pd

from corpus_tm.cache import (
    TEMPORARY_PREFIX,
    fingerprint,
    is_temporary_name,
    load_entry,
    store_or_warn,
)
from corpus_tm.errors import ConfigError, InputError
from corpus_tm.pipeline import StudyResults
from corpus_tm.reporting import shorten_label
from corpus_tm.study import FIGURE_NAMES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FigureResult = tuple[pd.DataFrame, Callable[[pd.DataFrame], "Figure"]]
"""The data to draw and a function that draws a table like it (it gets the rounded data)."""
FigureFunction = Callable[[StudyResults], FigureResult]
FIGURES: dict[str, FigureFunction] = {}

COLUMN_WIDTH = 3.5  # inches: one column of a two-column paper
PAGE_WIDTH = 7.0  # inches: the full text width
MAX_HEIGHT = 11.0
"""Inches: the tallest figure drawn (a page), whatever the corpus; with labels cut to
:data:`corpus_tm.reporting.MAX_LABEL_CHARS` and at most ``figures.max_documents`` documents
or ``figures.max_groups`` groups a figure's size is bounded (at 600 dpi, the largest allowed,
4,200 x 6,600 pixels plus what a tight bounding box adds)."""
MAX_PANELS = 4
"""Documents that ``domain_bars`` draws one panel each; with more it draws one bar per
document (the ``figures.max_documents`` largest)."""
STYLE: Any = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "svg.hashsalt": "corpus_tm",
    "svg.fonttype": "path",
    "figure.dpi": 100,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
}
FIGURE_WIDTH = PAGE_WIDTH - 2 * STYLE["savefig.pad_inches"]
"""Width (inches) the full-width figures are drawn at: with the padding ``savefig`` adds on
either side, the saved image is at most :data:`PAGE_WIDTH` wide
(:func:`corpus_tm.layout.layout_problems` checks it)."""
DECIMALS = 4
"""Decimal places of the floats in the figures' data (CSV) and in what the figures draw."""
SHARE_DECIMALS = 3
"""Decimal places of shares and interval bounds (:data:`SHARE_COLUMNS`): 0.1 percentage points."""
SHARE_COLUMNS = ("share", "lower", "upper")
PACKAGES = (
    "corpus_tm",
    "gensim",
    "scikit-learn",
    "scipy",
    "numpy",
    "pandas",
    "matplotlib",
    "simplemma",
    "lemminflect",
    "pyarrow",
)


def register(name: str) -> Callable[[FigureFunction], FigureFunction]:
    """Register a figure function under ``name`` (the file name without suffix).

    The function returns ``(data, draw)``; ``draw(table)`` must draw from ``table`` alone (it
    is called with ``round_table(data)``), taking nothing numeric from the results.
    """

    if name not in FIGURE_NAMES:
        raise ConfigError(
            f"figure {name!r} is not in corpus_tm.study.FIGURE_NAMES; add it there too, so that "
            "study files can name it."
        )

    def decorate(function: FigureFunction) -> FigureFunction:
        FIGURES[name] = function
        return function

    return decorate


def _main_document(results: StudyResults) -> str:
    doc_id = results.study.figures.doc_id
    documents = results.units["doc_id"].unique().tolist()
    if doc_id is None:
        return documents[0]
    if doc_id not in documents:
        raise ConfigError(
            f"figures.doc_id = {doc_id!r} is not a document of the corpus ({', '.join(documents)})."
        )
    return doc_id


def decimals(column: str) -> int:
    """Decimal places a float column is rounded to (:data:`SHARE_DECIMALS` or :data:`DECIMALS`)."""
    return SHARE_DECIMALS if column in SHARE_COLUMNS else DECIMALS


def round_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with every float column rounded to :func:`decimals` places.

    Negative zeros become zeros, so a tiny negative number and a tiny positive one give the
    same bytes. Rounding twice gives the same table as rounding once.
    """
    table = table.copy()
    for column in table.columns:
        if pd.api.types.is_float_dtype(table[column]):
            table[column] = table[column].round(decimals(column)) + 0.0
    return table


def _rows(results: StudyResults, **equal: Any) -> pd.DataFrame:
    """Rows of the section-shares table whose columns equal the given values (lists: isin).

    The shares are rounded first (:func:`round_table`), so a choice made from them (which
    domains to show) is the same on every BLAS kernel.
    """
    shares = results.section_shares
    mask = np.ones(len(shares), dtype=bool)
    for column, value in equal.items():
        if isinstance(value, list):
            mask &= shares[column].isin(value).to_numpy()
        else:
            mask &= (shares[column] == value).to_numpy()
    # selected first, then rounded: the same rows (they are chosen by their text columns) and
    # no copy of the whole table, which has millions of rows for a corpus of many documents
    return round_table(shares[mask])


def _main_method(results: StudyResults) -> str:
    method = results.study.figures.method
    if method not in results.domain_shares:
        raise ConfigError(
            f"figures.method = {method!r} is not one of {', '.join(results.domain_shares)}."
        )
    return method


def _method_title(method: str) -> str:
    from corpus_tm.backends import domain_method_backend

    backend = domain_method_backend(method)
    if backend is not None:
        return backend.description
    return "dictionary baseline" if method == "dictionary" else method


def _topic_method(results: StudyResults) -> str:
    """The method whose topics the topic figures show: ``figures.method`` if it is one of a
    backend that takes k (its own topics, mapped to domains), else the study's last such."""
    from corpus_tm.backends import domain_method_backend

    mapped = [
        method
        for method in results.domain_shares
        if (backend := domain_method_backend(method)) is not None and not backend.uses_lexicon
    ]
    if not mapped:
        raise ConfigError(
            "the topic figures need a topic model whose topics are chosen by k; add 'lda' or "
            "'nmf' to models.methods, or leave top_terms and topic_mapping out of figures.make."
        )
    main = results.study.figures.method
    return main if main in mapped else mapped[-1]


def _unresolved(results: StudyResults, method: str) -> list[str]:
    """Domains the dictionary finds clearly that ``method`` left at about 0."""
    table = results.unresolved
    if table is None or table.empty:
        return []
    rows = table[(table["method"] == method) & ~table["resolved"].astype(bool)]
    return rows["domain"].tolist()


def _domain_labels(results: StudyResults) -> dict[str, str] | None:
    """Domain labels in the language of the documents when they all share one that the
    lexicon has terms in and that is not its own (the Chinese labels of a Chinese corpus);
    ``None`` (the domain ids) otherwise."""
    from corpus_tm.lexicon import corpus_languages

    lexicon = next(iter(results.domain_shares.values())).lexicon
    languages = corpus_languages(results.units, lexicon)
    if len(languages) != 1 or languages[0] == lexicon.language:
        return None
    if languages[0] not in lexicon.languages:
        return None
    return {d.id: d.label for d in lexicon.for_language(languages[0]).domains}


def _document_titles(results: StudyResults) -> dict[str, str]:
    """doc_id -> the document's title from the metadata column ``figures.title_column``
    (``title`` by default), or the doc_id."""
    units = results.units
    column = results.study.figures.title_column
    titles = {str(d): str(d) for d in units["doc_id"].unique()}
    if column in units.columns:
        firsts = units.drop_duplicates("doc_id")[["doc_id", column]]
        for doc_id, title in firsts.itertuples(index=False):
            if isinstance(title, str) and title.strip():
                titles[str(doc_id)] = " ".join(title.split())
    return titles


def _human_labels(results: StudyResults, table: pd.DataFrame, width: int = 60) -> pd.DataFrame:
    """``table`` (section-share rows) with labels a reader understands.

    Documents: their title (``title`` metadata) instead of the doc_id. Sub-sections: their
    number and heading (``1.1 First, adhere to the principle of…``) instead of the unit
    table's short label (``1.1 First``); parts keep their label and title. Cut to ``width``
    characters. Rows without a heading keep their label (``Preamble``, ``1.0 Intro``).
    """
    units = results.units
    titles = _document_titles(results)
    labels = table["label"].astype(str).copy()
    documents = (table["level"] == "document").to_numpy()
    labels[documents] = [shorten_label(titles.get(str(d), str(d)), width)
                         for d in table.loc[documents, "doc_id"]]
    sections = (table["level"] == "section").to_numpy()
    if sections.any() and {"part", "section", "section_title"} <= set(units.columns):
        heads = units[units["section"].astype(int) > 0].drop_duplicates(
            ["doc_id", "part", "section"]
        )
        heading = {
            (str(d), f"{int(p)}.{int(n)}"): str(t)
            for d, p, n, t in heads[["doc_id", "part", "section", "section_title"]].itertuples(
                index=False
            )
            if isinstance(t, str) and t.strip()
        }
        new = []
        for doc_id, key, label in zip(
            table.loc[sections, "doc_id"], table.loc[sections, "section"],
            labels[sections], strict=True
        ):
            title = heading.get((str(doc_id), str(key)))
            number = str(key) if not str(key).startswith("0.") else ""
            new.append(shorten_label(f"{number} {title}".strip(), width) if title else label)
        labels[sections] = new
    parts = (table["level"] == "part").to_numpy()
    labels[parts] = [shorten_label(label, width) for label in labels[parts]]
    return table.assign(label=labels.to_numpy())


def _shown_domains(results: StudyResults, n: int = 10, method: str | None = None) -> list[str]:
    """Domains with evidence (largest document-level shares of ``method``, or of all), other."""
    from corpus_tm.plotting import top_domains

    shares = _rows(results, level="document", **({"method": method} if method else {}))
    return top_domains(shares, n, include_other=True)


def _figure(
    width: float, height: float, layout: Literal["constrained"] | None = "constrained"
) -> Figure:
    """A standalone figure, not managed by pyplot.

    Drawing it loads no backend and changes no pyplot state. This matters because figures are
    drawn inside ``mpl.rc_context(STYLE)``: a ``plt.figure`` there would, if it were the first
    of the session, load the backend inside the context, and matplotlib-inline (Jupyter)
    switches interactive mode on when it loads, which the end of the context undid, so that
    no later figure of the kernel was shown. :func:`draw_figure` hands the finished figure to
    pyplot, outside the context.
    """
    from matplotlib.figure import Figure

    # bounded whatever the corpus (a figure that grows with the rows it draws stops at a page)
    return Figure(figsize=(min(width, FIGURE_WIDTH), min(height, MAX_HEIGHT)), layout=layout)


def _hand_to_pyplot(figure: Figure) -> None:
    """Let pyplot manage a standalone ``figure`` (``plt.figure(figure)``, matplotlib >= 3.11).

    Then it is shown like any figure made with pyplot: at the end of a Jupyter cell (the
    inline backend), by ``plt.show()``, and ``plt.close`` closes it. Must be called outside any
    ``rc_context``: this may be what loads the backend.
    """
    import matplotlib.pyplot as plt

    plt.figure(figure)


@register("domain_heatmap")
def domain_heatmap(results: StudyResults) -> FigureResult:
    """Sub-section x domain shares of the main document, with bootstrap intervals."""
    from corpus_tm.plotting import MIN_INTERVAL_UNITS, plot_section_heatmap

    doc_id, method = _main_document(results), _main_method(results)
    domains = _shown_domains(results, method=method)
    level = results.study.figures.level
    data = _rows(results, method=method, level=level, doc_id=doc_id, domain=domains)
    data = _human_labels(results, data)
    title = shorten_label(_document_titles(results)[doc_id], 90)

    def draw(table: pd.DataFrame) -> Figure:
        figure = _figure(FIGURE_WIDTH, 0.34 * table["label"].nunique() + 1.8)
        plot_section_heatmap(
            table,
            domains=domains,
            domain_labels=_domain_labels(results),
            intervals=True,
            label_width=34,
            unresolved=_unresolved(results, method),
            ax=(ax := figure.add_subplot()),
        )
        ax.set_ylabel(level)
        ci = int(100 * results.study.aggregation.ci)
        figure.suptitle(
            f"Security domains by {level} of\n{title}\n{_method_title(method)}; share of tokens "
            f"in %, {ci}% bootstrap interval below\n(n = units of a {level} too small for an "
            f"interval: fewer than {MIN_INTERVAL_UNITS})",
            fontsize=8,
        )
        return figure

    return data, draw


def _largest_documents(results: StudyResults, method: str) -> tuple[list[str], int]:
    """The documents a figure of documents draws, in corpus order, and how many there are.

    All of them up to ``figures.max_documents``; beyond, the largest by tokens (ties in
    corpus order) and always the ``figures.doc_id`` document, with a warning that says how
    many are left out.
    """
    import warnings

    from corpus_tm.errors import CorpusTmWarning

    rows = results.section_shares
    rows = rows[(rows["level"] == "document") & (rows["method"] == method)]
    sizes = rows.drop_duplicates("doc_id").set_index("doc_id")["n_tokens"]
    documents = list(sizes.index)
    limit = results.study.figures.max_documents
    if len(documents) <= limit:
        return documents, len(documents)
    largest = sizes.sort_values(ascending=False, kind="stable").index[:limit].tolist()
    doc_id = results.study.figures.doc_id
    if doc_id is not None and doc_id in sizes.index and doc_id not in largest:
        largest[-1] = doc_id
    chosen = set(largest)
    warnings.warn(
        f"the figures of documents show the {limit} largest of {len(documents):,} documents "
        "(by tokens; figures.max_documents); the CSV beside each figure has the rows drawn. "
        "Set figures.group_by to a metadata column (year, country) to see them all in groups.",
        CorpusTmWarning,
        stacklevel=2,
    )
    return [d for d in documents if d in chosen], len(documents)


@register("domain_bars")
def domain_bars(results: StudyResults) -> FigureResult:
    """Domain shares as stacked bars: the sub-sections of each document in a panel of its
    own (up to :data:`MAX_PANELS` documents that fit on a page), or else one bar per document
    (the ``figures.max_documents`` largest)."""
    from corpus_tm.plotting import plot_domain_bars

    method = _main_method(results)
    domains = [d for d in _shown_domains(results, 8, method=method) if d != "other"]
    level = results.study.figures.level
    labels = _domain_labels(results)
    rows = results.section_shares
    rows = rows[(rows["method"] == method) & (rows["level"] == level)]
    heights = rows.groupby("doc_id", sort=False)["label"].nunique()
    panels_height = 0.2 * heights.sum() + 1.2 * len(heights) + 0.6
    if len(heights) <= MAX_PANELS and panels_height <= MAX_HEIGHT:
        # labels on one line each (a bar is one line of text high)
        data = _human_labels(results, _rows(results, method=method, level=level), width=38)
        titles = _document_titles(results)

        def draw(table: pd.DataFrame) -> Figure:
            documents = table["doc_id"].unique().tolist()
            heights = [table.loc[table["doc_id"] == d, "label"].nunique() for d in documents]
            figure = _figure(FIGURE_WIDTH, 0.2 * sum(heights) + 1.2 * len(documents) + 0.6)
            axes = figure.subplots(
                len(documents), 1, height_ratios=[h + 3 for h in heights], squeeze=False
            )[:, 0]
            for i, (ax, doc_id) in enumerate(zip(axes, documents, strict=True)):
                plot_domain_bars(
                    table,
                    doc_id=doc_id,
                    domains=domains,
                    domain_labels=labels,
                    legend=i == 0,
                    label_width=38,
                    ax=ax,
                )
                ax.set_title(shorten_label(titles[doc_id], 80), loc="left")
            return figure

        return data, draw

    documents, n_documents = _largest_documents(results, method)
    data = _human_labels(
        results, _rows(results, method=method, level="document", doc_id=documents), width=40
    )
    shown = (
        f"{len(documents)} documents"
        if len(documents) == n_documents
        else f"the {len(documents)} largest of {n_documents:,} documents (by tokens)"
    )

    def draw_documents(table: pd.DataFrame) -> Figure:
        figure = _figure(FIGURE_WIDTH, 0.22 * table["doc_id"].nunique() + 1.6)
        ax = figure.add_subplot()
        plot_domain_bars(table, domains=domains, domain_labels=labels, label_width=40, ax=ax)
        ax.set_ylabel("document")
        figure.suptitle(
            f"Security domains of {shown}\n{_method_title(method)}; share of tokens",
            fontsize=9,
        )
        return figure

    return data, draw_documents


@register("domain_flow")
def domain_flow(results: StudyResults) -> FigureResult:
    """Domain shares along the main document's sub-sections with bootstrap bands."""
    from corpus_tm.plotting import MIN_INTERVAL_UNITS, plot_domain_flow, top_domains

    doc_id, method = _main_document(results), _main_method(results)
    level = results.study.figures.level
    data = _rows(results, method=method, level=level, doc_id=doc_id)
    domains = top_domains(data, 6)
    data = _human_labels(results, data[data["domain"].isin(domains)], width=40)
    title = shorten_label(_document_titles(results)[doc_id], 90)

    def draw(table: pd.DataFrame) -> Figure:
        figure = _figure(FIGURE_WIDTH, 4.4)
        plot_domain_flow(
            table,
            domains=domains,
            domain_labels=_domain_labels(results),
            label_width=16,
            ax=figure.add_subplot(),
        )
        figure.suptitle(
            f"How the domains flow through the {level}s of\n{title}\n{_method_title(method)}; "
            f"{int(100 * results.study.aggregation.ci)}% bootstrap intervals for sections of "
            f"{MIN_INTERVAL_UNITS} units or more, n = units otherwise",
            fontsize=8,
        )
        return figure

    return data, draw


@register("top_terms")
def top_terms(results: StudyResults) -> FigureResult:
    """Top terms of the topics of ``figures.method`` (NMF by default), titled with their domains."""
    from corpus_tm.plotting import plot_top_terms, term_labels, topic_title

    shares = results.domain_shares[_topic_method(results)]
    terms = shares.model.top_terms(8)
    data = terms.merge(shares.mapping[["topic", "domain"]], on="topic", how="left")
    ncols = 4
    nrows = int(np.ceil(shares.model.n_topics / ncols))

    def draw(table: pd.DataFrame) -> Figure:
        lines = max(sum(t.count("\n") + 1 for t in terms)
                    for terms in term_labels(table, n_terms=8).values())
        title_lines = 1 + max(
            (topic_title(str(d)).count("\n") + 1 for d in table["domain"].dropna()), default=0
        )
        figure = _figure(FIGURE_WIDTH, nrows * (0.135 * lines + 0.12 * title_lines + 0.43) + 0.3)
        axes = figure.subplots(nrows, ncols, squeeze=False)
        mapping = table[["topic", "domain"]].drop_duplicates("topic").dropna()
        plot_top_terms(table, mapping=mapping, n_terms=8, axes=axes)
        return figure

    return data, draw


@register("k_choice")
def k_choice(results: StudyResults) -> FigureResult:
    """Coherence, diversity, stability and domain resolution against k over the sweep's seeds."""
    from corpus_tm.plotting import plot_k_choice

    metrics = results.sweep_metrics
    measures = [
        m for m in ("c_npmi", "c_v", "diversity", "stability", "resolution") if m in metrics.columns
    ]

    def draw(table: pd.DataFrame) -> Figure:
        figure = _figure(FIGURE_WIDTH, 2.1)
        axes = figure.subplots(1, len(measures), squeeze=False)
        plot_k_choice(table, measures=measures, recommended=results.recommended_k, axes=axes)
        figure.suptitle(
            f"Choice of k ({results.study.sweep.method.upper()}, "
            f"{len(results.study.sweep.seeds)} seeds; recommended k = "
            f"{results.recommended_k})",
            fontsize=8,
        )
        return figure

    return metrics, draw


def _method_grid(
    results: StudyResults, domains: list[str], rows: str, title: str | None = None
) -> Callable[[pd.DataFrame], Figure]:
    """Draw one heatmap per method, two to a row, on one colour scale (``rows``: the column
    whose distinct values are the heatmaps' rows)."""
    from corpus_tm.plotting import plot_method_comparison

    methods = list(results.domain_shares)

    def draw(table: pd.DataFrame) -> Figure:
        n_columns = min(2, len(methods))
        n_rows = -(-len(methods) // n_columns)
        figure = _figure(FIGURE_WIDTH, n_rows * (0.3 * table[rows].nunique() + 1.9))
        axes = figure.subplots(n_rows, n_columns, sharey=True, squeeze=False)
        for ax in axes.ravel()[len(methods) :]:
            ax.set_visible(False)
        used = axes if axes.size == len(methods) else axes.ravel()[: len(methods)]
        plot_method_comparison(
            table,
            methods=methods,
            domains=domains,
            domain_labels=_domain_labels(results),
            axes=used,
        )
        for ax, method in zip(axes.ravel(), methods, strict=False):
            ax.set_title(_method_title(method), loc="left")
            if ax.get_ylabel():  # the rows are parts or documents, not sub-sections
                ax.set_ylabel(str(table["level"].iloc[0]))
        if title is not None:
            figure.suptitle(title, fontsize=8)
        return figure

    return draw


@register("method_comparison")
def method_comparison(results: StudyResults) -> FigureResult:
    """keyATM, LDA, NMF and the dictionary baseline on the same parts."""
    doc_id = _main_document(results)
    domains = _shown_domains(results, 8)
    data = _human_labels(results, _rows(results, level="part", doc_id=doc_id, domain=domains))
    return data, _method_grid(results, domains, "label")


@register("document_domains")
def document_domains(results: StudyResults) -> FigureResult:
    """Every document by domain under every method: a corpus of several documents at a glance
    (the other section figures show one document)."""
    domains = _shown_domains(results, 10)
    documents, n_documents = _largest_documents(results, _main_method(results))
    if len(documents) == n_documents:
        data = _human_labels(results, _rows(results, level="document", domain=domains), width=40)
        return data, _method_grid(results, domains, "doc_id")
    rows = _rows(results, level="document", domain=domains, doc_id=documents)
    data = _human_labels(results, rows, width=40)
    title = f"The {len(documents)} largest of {n_documents:,} documents (by tokens)"
    return data, _method_grid(results, domains, "doc_id", title)


@register("topic_mapping")
def topic_mapping(results: StudyResults) -> FigureResult:
    """The topic-to-domain mapping table of the topics of the top-terms figure."""
    from corpus_tm.plotting import TEXT_SIZE, mapping_cells, mapping_note, plot_mapping_table

    mapping = results.domain_shares[_topic_method(results)].mapping
    columns = [
        c
        for c in ("topic", "domain", "score", "runner_up", "margin", "top_terms")
        if c in mapping.columns
    ]
    data = mapping[columns]

    def draw(table: pd.DataFrame) -> Figure:
        _, cells, _ = mapping_cells(table, width=FIGURE_WIDTH)
        note = mapping_note(FIGURE_WIDTH).count("\n") + 1
        lines = sum(max(c.count("\n") + 1.4 for c in cell) for cell in cells) + 1.4 + note + 1
        figure = _figure(FIGURE_WIDTH, lines * 1.3 * TEXT_SIZE / 72.0 + 0.1, layout=None)
        plot_mapping_table(table, ax=figure.add_axes((0.0, 0.0, 1.0, 1.0)))
        return figure

    return data, draw


@register("domains_by_group")
def domains_by_group(results: StudyResults) -> FigureResult:
    """Domain shares by the values of a metadata column (``figures.group_by``: year,
    country, ...) with bootstrap intervals over the documents of each group: lines along
    numeric groups, rows of points for others (the ``figures.max_groups`` with most
    documents)."""
    import warnings

    from corpus_tm.aggregation import group_shares
    from corpus_tm.errors import CorpusTmWarning
    from corpus_tm.plotting import _numeric_groups, plot_domains_by_group, top_domains

    settings = results.study.figures
    by = settings.group_by
    if by is None:
        raise ConfigError(
            "the domains_by_group figure needs figures.group_by, a metadata column of the "
            'documents such as "year" or "country"; set it in the study.'
        )
    method = _main_method(results)
    aggregation = results.study.aggregation
    table = group_shares(
        results.domain_shares[method],
        by,
        n_boot=aggregation.n_boot,
        ci=aggregation.ci,
        random_state=aggregation.random_state,
    )
    numeric = _numeric_groups(table["group"])
    groups = list(pd.unique(table["group"]))
    note = ""
    if not numeric and len(groups) > settings.max_groups:
        sizes = table.drop_duplicates("group").set_index("group")["n_documents"]
        kept = set(sizes.sort_values(ascending=False, kind="stable").index[: settings.max_groups])
        note = (
            f"\nthe {settings.max_groups} of {len(groups):,} values with most documents "
            "(figures.max_groups)"
        )
        warnings.warn(
            f"domains_by_group shows the {settings.max_groups} of {len(groups):,} values of "
            f"{by!r} with most documents (figures.max_groups); its CSV has the rows drawn.",
            CorpusTmWarning,
            stacklevel=2,
        )
        table = table[table["group"].isin(kept)]
    domains = top_domains(round_table(table), 6)
    data = table[table["domain"].isin(domains)].reset_index(drop=True)
    n_groups = data["group"].nunique()
    ci = int(100 * aggregation.ci)

    def draw(table: pd.DataFrame) -> Figure:
        height = 3.0 if numeric else 0.22 * n_groups + 1.6
        figure = _figure(FIGURE_WIDTH, height)
        plot_domains_by_group(
            table,
            domains=domains,
            numeric=numeric,
            domain_labels=_domain_labels(results),
            ax=figure.add_subplot(),
        )
        figure.suptitle(
            f"Security domains by {shorten_label(by)}\n{_method_title(method)}; share of "
            f"tokens, {ci}% bootstrap interval over documents{note}",
            fontsize=9,
        )
        return figure

    return data, draw


# --------------------------------------------------------------------------------------------
# writing


def figure_bytes(figure: Figure, fmt: str, *, dpi: int = 200) -> bytes:
    """The bytes of ``figure`` saved as ``fmt``, the same on every run."""
    metadata: dict[str, Any] = {
        "png": {"Software": None},
        "svg": {"Date": None},
        "pdf": {"CreationDate": None, "ModDate": None},
    }.get(fmt, {})
    buffer = io.BytesIO()
    with mpl.rc_context(STYLE):
        figure.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    return buffer.getvalue()


def _format_float(value: float) -> str:
    """The shortest decimal of ``value`` with at most :data:`DECIMALS` places (1, 0.25, 0).

    After :func:`round_table` this is the rounded value itself."""
    return np.format_float_positional(value, precision=DECIMALS, unique=True, trim="-")


def table_bytes(table: pd.DataFrame) -> bytes:
    """A table as CSV bytes: floats rounded (:func:`round_table`), fixed line ends, lists
    joined with ``;``."""
    table = round_table(table)
    for column in table.columns:
        if table[column].map(lambda v: isinstance(v, list | tuple | np.ndarray)).any():
            table[column] = table[column].map(lambda v: "; ".join(map(str, v)))
    csv = table.to_csv(index=False, float_format=_format_float, lineterminator="\n")
    return csv.encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that make the figures."""
    return dict(_installed_versions())


@functools.cache
def _installed_versions() -> dict[str, str]:
    # read once a process: the metadata of nine packages takes about 30 ms, once per figure
    versions = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def corpus_hash(path: Path) -> str:
    """sha256 over the names and bytes of the files the loader reads.

    The files are those of :func:`corpus_tm.loading.corpus_files` (a folder's ``.txt``/``.md``
    documents and ``metadata.csv``, or the one table or text file), so another file in the
    corpus folder (a README, a PDF, a sub-folder) does not change the hash. Each file is read
    in chunks of 1 MiB: memory stays small whatever the corpus size.
    """
    from corpus_tm.loading import corpus_files

    digest = hashlib.sha256()
    base = path if path.is_dir() else path.parent
    for file in sorted(corpus_files(path), key=lambda p: p.relative_to(base).as_posix()):
        digest.update(file.relative_to(base).as_posix().encode())
        digest.update(b"\0")
        file_digest = hashlib.sha256()
        with file.open("rb") as handle:
            while block := handle.read(_CHUNK):
                file_digest.update(block)
        digest.update(file_digest.digest())
    return digest.hexdigest()


_CHUNK = 1 << 20


_PATH_SETTINGS = (("corpus", "path"), ("figures", "output"), ("domains", "lexicon"))


def _written_paths(study: Any) -> dict[tuple[str, str], str]:
    """The path settings as the study file writes them (or their defaults), unresolved."""
    from corpus_tm.study import SCHEMA

    try:
        written = tomllib.loads(study.path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        written = {}
    paths = {}
    for section, key in _PATH_SETTINGS:
        table = written.get(section)
        value = table.get(key) if isinstance(table, dict) else None
        value = value if isinstance(value, str) else SCHEMA[section][key][1]
        if isinstance(value, str):
            paths[(section, key)] = value
    return paths


def _relative_settings(study: Any) -> dict[str, Any]:
    """The study settings that shape the outputs, with paths as the study file writes them.

    A relative path is given as written, normalised lexically (``os.path.normpath``: ``./a/``
    is ``a``), not resolved, so a symlink on the way (``../shared`` linking elsewhere) does not
    show; an absolute path stays absolute. A path setting changed after the study was read
    (so no longer what the file says) is given relative to the study's folder.
    ``[run]`` (processes, cache folder) is left out: it changes how fast, not what.
    """
    base = study.path.parent
    written = _written_paths(study)
    settings = json.loads(json.dumps(study.settings))
    settings.pop("run", None)
    for section, key in _PATH_SETTINGS:
        value = settings[section][key]
        if not value or value == "default":
            continue
        text = written.get((section, key))
        if text is not None and str((base / text).resolve()) == value:
            settings[section][key] = Path(os.path.normpath(text)).as_posix()
        else:
            settings[section][key] = Path(os.path.relpath(value, base)).as_posix()
    return settings


def _code_hash() -> str:
    """sha256 of the modules that draw figures, so a code change re-renders them."""
    digest = hashlib.sha256()  # plotting.py is read, not imported (pyplot: about 0.4 s)
    for module_file in sorted((Path(__file__), Path(__file__).with_name("plotting.py"))):
        digest.update(module_file.read_bytes())
    return digest.hexdigest()


# rcParams that do not change a saved figure's bytes: the backend (a figure is saved by the
# canvas of its format, whatever backend is in use), interactive windows, key bindings, the
# folder of save dialogs, animation writers. Every other setting is part of a render's key.
_NOT_RENDERING = ("backend", "backend_fallback", "interactive", "toolbar")
_NOT_RENDERING_PREFIXES = ("animation.", "keymap.", "macosx.", "tk.", "webagg.")
_NOT_RENDERING_KEYS = (
    "savefig.directory",
    "figure.max_open_warning",
    "figure.raise_window",
    "docstring.hardcopy",
)


def _render_settings() -> str:
    """The matplotlib settings in effect under :data:`STYLE`, as one deterministic text.

    A ``matplotlibrc`` in the working folder, the ``MATPLOTLIBRC`` variable or the user's
    matplotlib configuration change the defaults that :data:`STYLE` does not set (line widths,
    colours, tick lengths ...), and so the rendered bytes: they are part of the key of a
    cached render, so a render made under other settings is never served. The settings are
    read from the dict itself (``dict.items``), not through ``rcParams[...]``, which would
    resolve (and so load) the backend.
    """
    with mpl.rc_context(STYLE):
        items = sorted(dict.items(mpl.rcParams))
    kept = [
        f"{key}={value!r}"
        for key, value in items
        if key not in _NOT_RENDERING
        and key not in _NOT_RENDERING_KEYS
        and not key.startswith(_NOT_RENDERING_PREFIXES)
    ]
    return "\n".join(kept)


def _cached_renders(
    cache_dir: Path | None, key: str, formats: list[str]
) -> dict[str, bytes] | None:
    entry = load_entry(cache_dir, "figure", key)
    if entry is None:
        return None
    return {fmt: (entry / f"figure.{fmt}").read_bytes() for fmt in formats}


def _store_renders(cache_dir: Path | None, key: str, rendered: dict[str, bytes]) -> None:
    def write(folder: Path) -> None:
        for fmt, payload in rendered.items():
            (folder / f"figure.{fmt}").write_bytes(payload)

    store_or_warn(cache_dir, "figure", key, write)


def default_figures(study: Any) -> list[str]:
    """The registered figures a study draws when ``figures.make`` does not say: every one
    whose setting (:data:`corpus_tm.study.FIGURE_NEEDS`) the study gives."""
    from corpus_tm.study import FIGURE_NEEDS

    return [
        name
        for name in FIGURES
        if name not in FIGURE_NEEDS or getattr(study.figures, FIGURE_NEEDS[name]) is not None
    ]


def draw_figure(results: StudyResults, name: str) -> tuple[Figure, pd.DataFrame]:
    """Draw one registered figure of a study, as ``corpus-tm figures`` does.

    Parameters
    ----------
    results : StudyResults
        From :func:`corpus_tm.run_study`.
    name : str
        A key of :data:`FIGURES` (``"domain_heatmap"``, ``"k_choice"``, ...).

    Returns
    -------
    figure : matplotlib.figure.Figure
        Managed by pyplot, like a figure from ``plt.figure``: Jupyter shows it at the end of
        the cell, ``plt.show()`` shows it, ``plt.close(figure)`` closes it. The backend and
        interactive mode are left as they were.
    data : pandas.DataFrame
        The data drawn (what the figures command writes as CSV).
    """
    data, draw = figure_data(results, name)
    with mpl.rc_context(STYLE):
        figure = draw()
    _hand_to_pyplot(figure)  # after the rc_context: see _figure
    return figure, data


def figure_data(results: StudyResults, name: str) -> tuple[pd.DataFrame, Callable[[], Figure]]:
    """The data of one registered figure, rounded, and a function that draws exactly it.

    This is the one place where the data are rounded (:func:`round_table`) before they are
    written as CSV and drawn, so that both are the same on every BLAS kernel. The drawn
    figure's Chinese, Japanese and Korean texts, titles set after the plotting functions
    included, get the CJK font fallback (:func:`corpus_tm.plotting.use_cjk_fallback`).
    """
    from corpus_tm.plotting import use_cjk_fallback

    if name not in FIGURES:
        raise ConfigError(f"no figure {name!r}; known: {', '.join(FIGURES)}.")
    with mpl.rc_context(STYLE):
        table, draw = FIGURES[name](results)
    data = round_table(table)

    def draw_with_fallback() -> Figure:
        figure = draw(data)
        use_cjk_fallback(figure)
        return figure

    return data, draw_with_fallback


def _figure_request(study: Any, names: list[str] | None = None) -> tuple[list[str], list[str]]:
    """The figures and formats a run makes, checked before any work is done.

    Raises :class:`ConfigError` for a figure that is not registered, a format that cannot be
    written, or a topic figure (``top_terms``, ``topic_mapping``) in a study without a topic
    model whose topics are chosen by k, which would otherwise be found only after every
    model was fitted.
    """
    from corpus_tm.backends import get_backend

    names = list(names or study.figures.make or default_figures(study))
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise ConfigError(
            f"{study.path}: figures.make names unknown figures {', '.join(unknown)}; known: "
            f"{', '.join(FIGURES)}."
        )
    formats = list(study.figures.formats)
    bad = [f for f in formats if f not in ("png", "svg", "pdf")]
    if bad:
        raise ConfigError(
            f"{study.path}: figures.formats: {', '.join(bad)} not supported; use png, svg, pdf."
        )
    topic_figures = [n for n in names if n in ("top_terms", "topic_mapping")]
    if topic_figures and all(get_backend(m).uses_lexicon for m in study.models.methods):
        raise ConfigError(
            f"{study.path}: {' and '.join(topic_figures)} need a topic model whose topics are "
            "chosen by k; add 'lda' or 'nmf' to models.methods, or leave "
            f"{' and '.join(topic_figures)} out of figures.make."
        )
    return names, formats


STAGING = "staging"
"""What the staging folder of a figures run is called (``.corpus-tm-staging.XXXXXXXX.tmp``)."""


def write_figures(
    results: StudyResults,
    *,
    output: str | os.PathLike[str] | None = None,
    names: list[str] | None = None,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Draw the figures of a study and write them, their data and ``MANIFEST.json``.

    The run is atomic as a whole, up to one short window. Every file (the figures, their
    CSV data, then ``MANIFEST.json``) is first written and flushed to disk in a staging
    folder inside the output folder (``.corpus-tm-staging.XXXXXXXX.tmp``); an error or a
    Ctrl-C while drawing or staging (a figure that fails, a full disk) removes the staging
    folder and leaves the output folder as it was. Only when every file is staged are they
    moved into place, one :func:`os.replace` (a rename, which needs no disk space) each,
    ``MANIFEST.json`` last. The remaining window is this rename phase, a few milliseconds:
    a Ctrl-C there is held back until the last rename is done, but if the process is killed
    (``SIGKILL``, a power cut) during it, the folder holds some new files and the old
    ``MANIFEST.json``, which no longer matches them; the next run replaces them all (and
    removes the staging folder left behind).

    Parameters
    ----------
    results : StudyResults
        From :func:`corpus_tm.pipeline.run_study`.
    output : path-like, optional
        Output folder (default: the study's ``figures.output``).
    names : list of str, optional
        Figures to make (default: the study's ``figures.make``, or all registered figures).
    progress : bool, optional
        Show a progress bar.

    Returns
    -------
    dict
        The manifest that was written.

    Raises
    ------
    ConfigError
        For a figure or format that cannot be made (:func:`_figure_request`).
    InputError
        If the output folder cannot be written, or an output name is taken by a folder.
    """
    from corpus_tm.reporting import progress_bar

    study = results.study
    folder = Path(output) if output is not None else study.output_dir
    names, formats = _figure_request(study, names)
    taken = [
        f"{name}.{suffix}"
        for name in names
        for suffix in (*formats, "csv")
        if (folder / f"{name}.{suffix}").is_dir()
    ] + (["MANIFEST.json"] if (folder / "MANIFEST.json").is_dir() else [])
    if taken:
        raise InputError(
            f"{folder}: {', '.join(taken)} are folders; move them away, the figures run writes "
            "files of these names."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(
            tempfile.mkdtemp(dir=folder, prefix=f"{TEMPORARY_PREFIX}{STAGING}.", suffix=".tmp")
        )
    except OSError as exc:
        raise InputError(
            f"{folder}: cannot write figures here ({exc.strerror}). Choose another "
            "folder with --output or figures.output in the study."
        ) from None
    try:
        files: dict[str, str] = {}
        code, style = _code_hash(), _render_settings()
        for name in progress_bar(
            names, desc="figures", show=progress is not False, leave=False
        ):
            data, draw = figure_data(results, name)
            csv = table_bytes(data)
            key = fingerprint(
                "figure",
                name,
                csv,
                code,
                formats,
                study.figures.dpi,
                _relative_settings(study),
                results.recommended_k,
                results.n_topics,
                package_versions(),
                style,
            )
            rendered = _cached_renders(study.cache_dir, key, formats)
            if rendered is None:
                with mpl.rc_context(STYLE):
                    figure = draw()
                rendered = {
                    fmt: figure_bytes(figure, fmt, dpi=study.figures.dpi) for fmt in formats
                }
                _store_renders(study.cache_dir, key, rendered)
            for fmt, payload in rendered.items():
                files[f"{name}.{fmt}"] = _stage(staging, f"{name}.{fmt}", payload)
            files[f"{name}.csv"] = _stage(staging, f"{name}.csv", csv)
        manifest = {
            "study": study.name,
            "study_file": study.path.name,
            "corpus_hash": corpus_hash(study.corpus_path),
            "corpus_fingerprint": results.corpus.fingerprint,
            "recommended_k": results.recommended_k,
            "n_topics": results.n_topics,
            "k_reason": results.k_reason,
            "seeds": {
                "models": study.models.random_state,
                "sweep": study.sweep.seeds,
                "bootstrap": study.aggregation.random_state,
            },
            "settings": _relative_settings(study),
            "versions": package_versions(),
            "files": dict(sorted(files.items())),
        }
        payload = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
        _stage(staging, "MANIFEST.json", payload)
        _sync_folder(staging)
        with _interrupts_held_back():
            for name in [*files, "MANIFEST.json"]:  # the manifest last
                os.replace(staging / name, folder / name)
            _sync_folder(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _stage(staging: Path, name: str, payload: bytes) -> str:
    """Write ``payload`` to ``staging / name``, flushed to disk; its sha256."""
    with (staging / name).open("wb") as handle:
        handle.write(payload)
        handle.flush()
        os.fsync(handle.fileno())
    return _sha256(payload)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (the names of the files in it) to disk, where that exists."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def _interrupts_held_back() -> Iterator[None]:
    """Hold a Ctrl-C (``SIGINT``) back until the block is done, then raise it.

    Only in the main thread, where Python handles signals; elsewhere the block runs as is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        if callable(previous):
            previous(signal.SIGINT, None)
        elif previous != signal.SIG_IGN:
            raise KeyboardInterrupt


def make_figures(
    study: str | os.PathLike[str] | Any,
    *,
    output: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    cache: bool = True,
) -> dict[str, Any]:
    """Run a study and write all its figures, holding a lock on the output folder.

    Everything that can be checked without the corpus is checked first, before any work:
    the study (when it is read here), the figures and formats it asks for
    (:func:`_figure_request`) and that the output folder can be written (the lock file).
    ``figures.doc_id`` is checked against the corpus as soon as it is read, before any model
    is fitted (:func:`corpus_tm.run_study`). The figures are then written as one atomic step
    (:func:`write_figures`).

    Parameters
    ----------
    study : path-like or Study
        The study file (or a loaded study).
    output : path-like, optional
        Output folder (default: the study's ``figures.output``).
    progress : bool, optional
        Show progress bars.
    cache : bool, default True
        Use the study's cache (``run.cache_dir``, by default ``.corpus_tm_cache`` beside the
        study); ``False`` computes everything and caches nothing (``--no-cache``).

    Returns
    -------
    dict
        The manifest.

    Raises
    ------
    ConfigError
        For a figure or format the study cannot make.
    InputError
        If the output folder cannot be written, or another run holds its lock.
    """
    from filelock import FileLock, Timeout

    from corpus_tm.pipeline import run_study
    from corpus_tm.reporting import warnings_once
    from corpus_tm.study import Study, load_study

    study = study if isinstance(study, Study) else load_study(study)
    if not cache:
        study = _without_cache(study)
    _figure_request(study)
    folder = Path(output) if output is not None else study.output_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{folder}: cannot create the figures folder ({exc.strerror}).") from None
    lock = FileLock(str(folder / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise InputError(
            f"{folder}: another corpus-tm figures run is writing here (lock {LOCK_NAME}). Wait "
            "for it to finish, or write to another folder with --output."
        ) from None
    except OSError as exc:
        raise InputError(f"{folder}: cannot write figures here ({exc.strerror}).") from None
    try:
        for stale in folder.glob(f"{TEMPORARY_PREFIX}*.tmp"):
            # left by a run that was killed (we hold the lock); only our own names
            if not is_temporary_name(stale.name) or stale.is_symlink():
                continue
            if stale.is_file():
                stale.unlink(missing_ok=True)
            elif stale.is_dir() and stale.name.startswith(f"{TEMPORARY_PREFIX}{STAGING}."):
                shutil.rmtree(stale, ignore_errors=True)
        with warnings_once():  # each distinct warning once in the whole run
            results = run_study(study, progress=progress)
            return write_figures(results, output=folder, progress=progress)
    finally:
        lock.release()


def _without_cache(study: Any) -> Any:
    """A copy of ``study`` that caches nothing (``run.cache_dir`` set to ``None``)."""
    from corpus_tm.study import Study

    settings = {section: dict(values) for section, values in study.settings.items()}
    settings["run"]["cache_dir"] = None
    return Study(path=study.path, settings=settings)


LOCK_NAME = ".corpus-tm.lock"


# --------------------------------------------------------------------------------------------
# checking


@dataclass(frozen=True)
class FileDifference:
    """One file where a fresh build and an output folder disagree.

    Attributes
    ----------
    name : str
        File name in the output folder.
    problem : str
        ``"differs"``, ``"missing"`` (the build makes it, the folder lacks it) or ``"extra"``
        (in the folder, not made by the build).
    detail : str
        What differs: for a CSV the largest absolute numeric difference and the cells that
        differ, for ``MANIFEST.json`` the keys.
    max_abs_diff : float or None
        For a CSV of the same shape: the largest absolute difference of its numbers.
    """

    name: str
    problem: str
    detail: str = ""
    max_abs_diff: float | None = None


def _csv_difference(new: bytes, old: bytes) -> tuple[str, float | None]:
    """Describe how two CSV files differ: shape, largest numeric difference, other cells."""
    try:
        a = pd.read_csv(io.BytesIO(new), keep_default_na=False, na_values=[""])
        b = pd.read_csv(io.BytesIO(old), keep_default_na=False, na_values=[""])
    except (ValueError, pd.errors.ParserError) as exc:
        return f"not readable as CSV ({exc})", None
    if list(a.columns) != list(b.columns):
        return f"columns differ: {', '.join(b.columns)} -> {', '.join(a.columns)}", None
    if len(a) != len(b):
        return f"{len(b)} rows -> {len(a)} rows", None
    largest = 0.0
    numeric_cells = other_cells = numbers = 0
    where = ""
    for column in a.columns:
        x, y = a[column], b[column]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            xv, yv = x.to_numpy(dtype=float), y.to_numpy(dtype=float)
            same = (xv == yv) | (np.isnan(xv) & np.isnan(yv))
            numbers += len(xv)
            numeric_cells += int((~same).sum())
            gaps = np.where(same, 0.0, np.abs(xv - yv))
            gaps = np.where(np.isnan(gaps), np.inf, gaps)  # a number against an empty cell
            if len(gaps) and gaps.max() > largest:
                row = int(gaps.argmax())
                largest = float(gaps.max())
                where = f" ({column}, row {row + 1}: {yv[row]:g} -> {xv[row]:g})"
        else:
            both = x.notna() & y.notna()
            unequal = (x.isna() != y.isna()) | (both & (x.astype(str) != y.astype(str)))
            other_cells += int(unequal.sum())
    parts = [f"largest absolute difference {largest:.3g}{where}" if numeric_cells else ""]
    if numeric_cells:
        parts.append(f"{numeric_cells} of {numbers} numbers differ")
    if other_cells:
        parts.append(f"{other_cells} text cells differ")
    if not numeric_cells and not other_cells:
        parts.append("same values, other bytes (formatting or line ends)")
    return "; ".join(p for p in parts if p), (largest if numeric_cells else 0.0)


def _manifest_difference(new: bytes, old: bytes) -> str:
    try:
        a, b = json.loads(new), json.loads(old)
    except ValueError:
        return "not readable as JSON"
    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    if "files" in keys:
        files = sorted(
            f
            for f in set(a["files"]) | set(b.get("files", {}))
            if a["files"].get(f) != b.get("files", {}).get(f)
        )
        keys[keys.index("files")] = f"files ({len(files)})"
    if "versions" in keys:
        changed = sorted(
            f"{p} {b.get('versions', {}).get(p)} -> {v}"
            for p, v in a["versions"].items()
            if b.get("versions", {}).get(p) != v
        )
        keys[keys.index("versions")] = f"versions ({', '.join(changed)})"
    return "keys differ: " + ", ".join(keys) if keys else "same content, other bytes"


def blas_kernels() -> list[str]:
    """The BLAS libraries loaded and the kernel each picked, e.g. ``openblas Haswell``."""
    from threadpoolctl import threadpool_info

    return [
        f"{info['internal_api']} {info.get('architecture') or '?'}"
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    ]


def check_figures(
    study: str | os.PathLike[str] | Any,
    *,
    against: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    cache: bool = True,
) -> list[FileDifference]:
    """Rebuild a study's figures from scratch and compare them with an output folder.

    The build goes into a temporary folder with a temporary cache: the output folder and the
    study's cache are neither read nor written.

    Parameters
    ----------
    study : path-like or Study
        The study file (or a loaded study; it is not changed).
    against : path-like, optional
        The folder to compare with (default: the study's ``figures.output``).
    progress : bool, optional
        Show progress bars.
    cache : bool, default True
        Use a temporary cache during the build; ``False``: none at all (``--no-cache``).

    Returns
    -------
    list of FileDifference
        Empty when every file has the same bytes.
    """
    import copy

    from corpus_tm.study import Study, load_study

    study = study if isinstance(study, Study) else load_study(study)
    folder = Path(against) if against is not None else study.output_dir
    if not folder.is_dir():
        raise InputError(f"{folder}: no figures folder to compare with.")
    with tempfile.TemporaryDirectory(prefix="corpus-tm-check-") as scratch:
        settings = copy.deepcopy(study.settings)
        settings["run"]["cache_dir"] = str(Path(scratch) / "cache") if cache else None
        fresh = Path(scratch) / "figures"
        manifest = make_figures(
            Study(path=study.path, settings=settings), output=fresh, progress=progress
        )
        made = [*manifest["files"], "MANIFEST.json"]
        differences = []
        for name in sorted(made):
            new = (fresh / name).read_bytes()
            old_path = folder / name
            if not old_path.is_file():
                differences.append(FileDifference(name, "missing"))
                continue
            old = old_path.read_bytes()
            if new == old:
                continue
            largest = None
            if name.endswith(".csv"):
                detail, largest = _csv_difference(new, old)
            elif name == "MANIFEST.json":
                detail = _manifest_difference(new, old)
            else:
                detail = f"{len(old):,} bytes -> {len(new):,} bytes"
            differences.append(FileDifference(name, "differs", detail, largest))
    suffixes = {".csv", ".json", *(f".{fmt}" for fmt in ("png", "svg", "pdf"))}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in suffixes and path.name not in made:
            differences.append(FileDifference(path.name, "extra", "not made by the build"))
    return differences
