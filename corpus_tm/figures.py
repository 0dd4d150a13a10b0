"""Figures: study results in, figure files, their data and a manifest out.

In: :class:`~corpus_tm.pipeline.StudyResults` (from a study file).
Out: for each registered figure ``NAME``: ``NAME.png`` and ``NAME.svg`` (and any other format
the study asks for), ``NAME.csv`` with the data drawn, and ``MANIFEST.json`` with the sha256 of
every file, the corpus hash, the study settings, the seeds and the package versions.

Each figure is one function registered with :func:`register` that takes the results and
returns the data to draw and a function that draws it; :func:`draw_figure` (which the notebooks
call) and the figures command use the same functions. Rendered files are cached under the
data, settings, versions and drawing code they come from, so a second run with nothing
changed only checks and copies them. Files are written to a
temporary file and moved into place, under a lock on the output folder, with settings that
make the bytes the same on every run (Agg backend, fixed SVG hash salt, no dates in the
metadata): with the versions in ``requirements-lock.txt`` a rebuild gives identical files.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import tempfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from corpus_tm.cache import atomic_write_bytes, fingerprint, load_entry, store_entry
from corpus_tm.errors import ConfigError, InputError
from corpus_tm.pipeline import StudyResults

FigureFunction = Callable[[StudyResults], tuple[pd.DataFrame, Callable[[], Figure]]]
FIGURES: dict[str, FigureFunction] = {}

COLUMN_WIDTH = 3.5  # inches: one column of a two-column paper
PAGE_WIDTH = 7.0  # inches: the full text width
STYLE = {
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
PACKAGES = (
    "corpus_tm",
    "gensim",
    "scikit-learn",
    "scipy",
    "numpy",
    "pandas",
    "matplotlib",
    "simplemma",
    "pyarrow",
)


def register(name: str) -> Callable[[FigureFunction], FigureFunction]:
    """Register a figure function under ``name`` (the file name without suffix)."""

    def decorate(function: FigureFunction) -> FigureFunction:
        FIGURES[name] = function
        return function

    return decorate


def _main_document(results: StudyResults) -> str:
    doc_id = results.study["figures"]["doc_id"]
    documents = results.units["doc_id"].unique().tolist()
    if doc_id is None:
        return documents[0]
    if doc_id not in documents:
        raise ConfigError(
            f"figures.doc_id = {doc_id!r} is not a document of the corpus ({', '.join(documents)})."
        )
    return doc_id


def _rows(results: StudyResults, **equal: Any) -> pd.DataFrame:
    """Rows of the section-shares table whose columns equal the given values (lists: isin)."""
    shares = results.section_shares
    mask = np.ones(len(shares), dtype=bool)
    for column, value in equal.items():
        if isinstance(value, list):
            mask &= shares[column].isin(value).to_numpy()
        else:
            mask &= (shares[column] == value).to_numpy()
    return shares[mask]


def _main_method(results: StudyResults) -> str:
    method = results.study["figures"]["method"]
    if method not in results.domain_shares:
        raise ConfigError(
            f"figures.method = {method!r} is not one of {', '.join(results.domain_shares)}."
        )
    return method


def _method_title(method: str) -> str:
    return {
        "seeded_lda": "seeded LDA",
        "lda_mapped": "LDA, topics mapped to domains",
        "nmf_mapped": "NMF, topics mapped to domains",
        "dictionary": "dictionary baseline",
    }.get(method, method)


def _shown_domains(results: StudyResults, n: int = 10, method: str | None = None) -> list[str]:
    """Domains with evidence (largest document-level shares of ``method``, or of all), other."""
    from corpus_tm.plotting import top_domains

    shares = _rows(results, level="document", **({"method": method} if method else {}))
    return top_domains(shares, n, include_other=True)


def _figure(width: float, height: float, layout: str | None = "constrained") -> Figure:
    import matplotlib.pyplot as plt

    return plt.figure(figsize=(width, height), layout=layout)


@register("domain_heatmap")
def domain_heatmap(results: StudyResults) -> tuple[pd.DataFrame, Callable[[], Figure]]:
    """Sub-section x domain shares of the main document, with bootstrap intervals."""
    from corpus_tm.plotting import plot_section_heatmap

    doc_id, method = _main_document(results), _main_method(results)
    domains = _shown_domains(results, method=method)
    data = _rows(results, method=method, level="section", doc_id=doc_id, domain=domains)
    n_rows = data["label"].nunique()

    def draw() -> Figure:
        figure = _figure(PAGE_WIDTH, 0.32 * n_rows + 1.3)
        plot_section_heatmap(data, domains=domains, intervals=True, ax=figure.add_subplot())
        ci = int(100 * results.study["aggregation"]["ci"])
        figure.suptitle(
            f"Security domains by section of {doc_id}\n{_method_title(method)}; share of "
            f"tokens in %, {ci}% bootstrap interval below",
            fontsize=9,
        )
        return figure

    return data, draw


@register("domain_bars")
def domain_bars(results: StudyResults) -> tuple[pd.DataFrame, Callable[[], Figure]]:
    """Domain shares per sub-section as stacked bars, every document."""
    from corpus_tm.plotting import plot_domain_bars

    method = _main_method(results)
    domains = [d for d in _shown_domains(results, 8, method=method) if d != "other"]
    data = _rows(results, method=method, level="section")
    documents = data["doc_id"].unique().tolist()
    heights = [data.loc[data["doc_id"] == d, "label"].nunique() for d in documents]

    def draw() -> Figure:
        figure = _figure(PAGE_WIDTH, 0.2 * sum(heights) + 1.2 * len(documents) + 0.6)
        axes = figure.subplots(
            len(documents), 1, height_ratios=[h + 3 for h in heights], squeeze=False
        )[:, 0]
        for i, (ax, doc_id) in enumerate(zip(axes, documents, strict=True)):
            plot_domain_bars(data, doc_id=doc_id, domains=domains, legend=i == 0, ax=ax)
            ax.set_title(doc_id, loc="left")
        return figure

    return data, draw


@register("domain_flow")
def domain_flow(results: StudyResults) -> tuple[pd.DataFrame, Callable[[], Figure]]:
    """Domain shares along the main document's sub-sections with bootstrap bands."""
    from corpus_tm.plotting import plot_domain_flow, top_domains

    doc_id, method = _main_document(results), _main_method(results)
    data = _rows(results, method=method, level="section", doc_id=doc_id)
    domains = top_domains(data, 6)
    data = data[data["domain"].isin(domains)]

    def draw() -> Figure:
        figure = _figure(PAGE_WIDTH, 2.8)
        plot_domain_flow(data, domains=domains, ax=figure.add_subplot())
        figure.suptitle(
            f"How the domains flow through {doc_id} ({_method_title(method)}; "
            f"{int(100 * results.study['aggregation']['ci'])}% bootstrap "
            "intervals)",
            fontsize=9,
        )
        return figure

    return data, draw


@register("top_terms")
def top_terms(results: StudyResults) -> tuple[pd.DataFrame, Callable[[], Figure]]:
    """Top terms of the unseeded NMF topics, titled with their mapped domains."""
    from corpus_tm.plotting import plot_top_terms

    shares = results.domain_shares["nmf_mapped"]
    terms = shares.model.top_terms(8)
    mapping = shares.mapping[["topic", "domain"]]
    data = terms.merge(mapping, on="topic")
    ncols = 4
    nrows = int(np.ceil(shares.model.n_topics / ncols))

    def draw() -> Figure:
        figure = _figure(PAGE_WIDTH, 1.5 * nrows + 0.3)
        axes = figure.subplots(nrows, ncols, squeeze=False)
        plot_top_terms(terms, mapping=mapping, n_terms=8, axes=axes)
        return figure

    return data, draw


@register("k_choice")
def k_choice(results: StudyResults) -> tuple[pd.DataFrame, Callable[[], Figure]]:
    """Coherence, diversity and stability against k over the sweep's seeds."""
    from corpus_tm.plotting import plot_k_choice

    metrics = results.sweep_metrics
    measures = [m for m in ("c_npmi", "c_v", "diversity", "stability") if m in metrics.columns]

    def draw() -> Figure:
        figure = _figure(PAGE_WIDTH, 2.0)
        axes = figure.subplots(1, len(measures), squeeze=False)
        plot_k_choice(metrics, measures=measures, recommended=results.recommended_k, axes=axes)
        figure.suptitle(
            f"Choice of k ({results.study['sweep']['method'].upper()}, "
            f"{len(results.study['sweep']['seeds'])} seeds; recommended k = "
            f"{results.recommended_k})",
            fontsize=9,
        )
        return figure

    return metrics, draw


@register("method_comparison")
def method_comparison(results: StudyResults) -> tuple[pd.DataFrame, Callable[[], Figure]]:
    """Seeded LDA, mapped LDA, mapped NMF and the dictionary baseline on the same parts."""
    from corpus_tm.plotting import plot_method_comparison

    doc_id = _main_document(results)
    domains = _shown_domains(results, 8)
    data = _rows(results, level="part", doc_id=doc_id, domain=domains)
    methods = list(results.domain_shares)

    def draw() -> Figure:
        figure = _figure(PAGE_WIDTH, 0.3 * data["label"].nunique() + 1.6)
        axes = figure.subplots(1, len(methods), sharey=True, squeeze=False)
        plot_method_comparison(data, methods=methods, domains=domains, axes=axes)
        return figure

    return data, draw


@register("topic_mapping")
def topic_mapping(results: StudyResults) -> tuple[pd.DataFrame, Callable[[], Figure]]:
    """The NMF topic-to-domain mapping table."""
    from corpus_tm.plotting import plot_mapping_table

    mapping = results.domain_shares["nmf_mapped"].mapping
    columns = [
        c
        for c in ("topic", "domain", "score", "runner_up", "margin", "top_terms")
        if c in mapping.columns
    ]
    data = mapping[columns]

    def draw() -> Figure:
        figure = _figure(PAGE_WIDTH, 0.22 * len(data) + 0.5, layout=None)
        plot_mapping_table(data, ax=figure.add_subplot())
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


def table_bytes(table: pd.DataFrame) -> bytes:
    """A table as CSV bytes: fixed float format and line ends, lists joined with ``;``."""
    table = table.copy()
    for column in table.columns:
        if table[column].map(lambda v: isinstance(v, list | tuple | np.ndarray)).any():
            table[column] = table[column].map(lambda v: "; ".join(map(str, v)))
    return table.to_csv(index=False, float_format="%.6g", lineterminator="\n").encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that make the figures."""
    versions = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def corpus_hash(path: Path) -> str:
    """sha256 over the names and bytes of the corpus files (a folder) or of one file."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.relative_to(path if path.is_dir() else path.parent).as_posix().encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def _relative_settings(results: StudyResults) -> dict[str, Any]:
    """The study settings that shape the outputs, with paths relative to the study file.

    ``[run]`` (processes, cache folder) is left out: it changes how fast, not what.
    """
    base = results.study.path.parent
    settings = json.loads(json.dumps(results.study.settings))
    settings.pop("run", None)
    for section, key in (("corpus", "path"), ("figures", "output"), ("domains", "lexicon")):
        value = settings[section][key]
        if value and value != "default":
            settings[section][key] = Path(os.path.relpath(value, base)).as_posix()
    return settings


def _code_hash() -> str:
    """sha256 of the modules that draw figures, so a code change re-renders them."""
    from corpus_tm import plotting

    digest = hashlib.sha256()
    for module_file in sorted((Path(__file__), Path(plotting.__file__))):
        digest.update(module_file.read_bytes())
    return digest.hexdigest()


def _cached_renders(cache_dir: Path, key: str, formats: list[str]) -> dict[str, bytes] | None:
    entry = load_entry(cache_dir, "figure", key)
    if entry is None:
        return None
    return {fmt: (entry / f"figure.{fmt}").read_bytes() for fmt in formats}


def _store_renders(cache_dir: Path, key: str, rendered: dict[str, bytes]) -> None:
    def write(folder: Path) -> None:
        for fmt, payload in rendered.items():
            (folder / f"figure.{fmt}").write_bytes(payload)

    store_entry(cache_dir, "figure", key, write)


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
    data : pandas.DataFrame
        The data drawn (what the figures command writes as CSV).
    """
    if name not in FIGURES:
        raise ConfigError(f"no figure {name!r}; known: {', '.join(FIGURES)}.")
    with mpl.rc_context(STYLE):
        data, draw = FIGURES[name](results)
        figure = draw()
    return figure, data


def write_figures(
    results: StudyResults,
    *,
    output: str | os.PathLike[str] | None = None,
    names: list[str] | None = None,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Draw the figures of a study and write them, their data and ``MANIFEST.json``.

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
    """
    import matplotlib.pyplot as plt
    from tqdm.auto import tqdm

    study = results.study
    folder = Path(output) if output is not None else study.output_dir
    names = names or study["figures"]["make"] or list(FIGURES)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise ConfigError(
            f"figures.make names unknown figures {', '.join(unknown)}; known: {', '.join(FIGURES)}."
        )
    formats = study["figures"]["formats"]
    bad = [f for f in formats if f not in ("png", "svg", "pdf")]
    if bad:
        raise ConfigError(f"figures.formats: {', '.join(bad)} not supported; use png, svg, pdf.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise InputError(
            f"{folder}: cannot write figures here ({exc.strerror}). Choose another "
            "folder with --output or figures.output in the study."
        ) from None
    files: dict[str, str] = {}
    code = _code_hash()
    for name in tqdm(names, desc="figures", disable=progress is False, leave=False):
        with mpl.rc_context(STYLE):
            data, draw = FIGURES[name](results)
        csv = table_bytes(data)
        key = fingerprint(
            "figure",
            name,
            csv,
            code,
            formats,
            study["figures"]["dpi"],
            _relative_settings(results),
            results.recommended_k,
            package_versions(),
        )
        rendered = _cached_renders(study.cache_dir, key, formats)
        if rendered is None:
            with mpl.rc_context(STYLE):
                figure = draw()
            rendered = {
                fmt: figure_bytes(figure, fmt, dpi=study["figures"]["dpi"]) for fmt in formats
            }
            plt.close(figure)
            _store_renders(study.cache_dir, key, rendered)
        for fmt, payload in rendered.items():
            atomic_write_bytes(folder / f"{name}.{fmt}", payload)
            files[f"{name}.{fmt}"] = _sha256(payload)
        atomic_write_bytes(folder / f"{name}.csv", csv)
        files[f"{name}.csv"] = _sha256(csv)
    manifest = {
        "study": study.name,
        "study_file": study.path.name,
        "corpus_hash": corpus_hash(study.corpus_path),
        "corpus_fingerprint": results.corpus.fingerprint,
        "recommended_k": results.recommended_k,
        "seeds": {
            "models": study["models"]["random_state"],
            "sweep": study["sweep"]["seeds"],
            "bootstrap": study["aggregation"]["random_state"],
        },
        "settings": _relative_settings(results),
        "versions": package_versions(),
        "files": dict(sorted(files.items())),
    }
    payload = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    atomic_write_bytes(folder / "MANIFEST.json", payload)
    return manifest


def make_figures(
    study: str | os.PathLike[str] | Any,
    *,
    output: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Run a study and write all its figures, holding a lock on the output folder.

    Parameters
    ----------
    study : path-like or Study
        The study file (or a loaded study).
    output : path-like, optional
        Output folder (default: the study's ``figures.output``).
    progress : bool, optional
        Show progress bars.

    Returns
    -------
    dict
        The manifest.

    Raises
    ------
    InputError
        If another run holds the lock on the output folder.
    """
    from filelock import FileLock, Timeout

    from corpus_tm.pipeline import run_study
    from corpus_tm.study import Study, load_study

    study = study if isinstance(study, Study) else load_study(study)
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
        for stale in (*folder.glob(".*.tmp"), *folder.glob(".write-test-*")):
            if stale.is_file():  # left by a run that was killed; we hold the lock
                stale.unlink(missing_ok=True)
        results = run_study(study, progress=progress)
        return write_figures(results, output=folder, progress=progress)
    finally:
        lock.release()


LOCK_NAME = ".corpus-tm.lock"
