"""The pipeline on Apache Spark: documents in a Spark DataFrame in, section shares out.

In: a Spark session (:func:`spark_session`: ``local[2]`` or a cluster's master URL) and
documents from a JSONL or Parquet file (read by Spark, so they never pass through the driver)
or a folder of text files (read with :func:`corpus_tm.load_documents` on the driver, which
joins ``metadata.csv`` and reflows hard-wrapped files as locally, then distributed).
Out: Spark DataFrames of units, tokens, term counts and unit-level domain shares, a
:class:`~corpus_tm.models.TopicModel` fitted with ``pyspark.ml.clustering.LDA``, and the
tidy section-share table of :func:`corpus_tm.section_shares`.

What runs where:

* **Sectioning** (:func:`spark_units`): each partition holds whole documents (repartitioned
  by ``doc_id``) and calls :func:`corpus_tm.split_sections` on them, the function the local
  path calls; sectioning is per document, so the units are the local ones.
* **Dictionary shares** (:func:`spark_dictionary_shares`): each partition calls
  :func:`corpus_tm.dictionary_shares` on its units. The shares of a unit depend on its text
  alone, so they equal the local ones to the last bit.
* **Preprocessing** (:func:`spark_tokens`): each partition calls
  :func:`corpus_tm.preprocess_texts`. Phrase joining learns its statistics from the whole
  corpus at once, which a partition cannot see, so the Spark path needs
  ``phrase_layers=0`` (a :class:`~corpus_tm.errors.ConfigError` says so otherwise); with it,
  tokens and vocabulary equal those of :func:`corpus_tm.build_corpus`.
* **Vocabulary** (:func:`spark_vocabulary`): document and collection frequencies are counted
  on the cluster and filtered with ``build_corpus``'s rules (``no_below``, ``no_above``,
  ``keep_n`` by document frequency, ties by term; terms numbered in sorted order).
* **LDA** (:func:`fit_spark_lda_frame`, registered as the backend ``"spark_lda"``):
  ``pyspark.ml.clustering.LDA``, online variational Bayes or EM. Its inference is Spark's,
  not gensim's, so its topics are not the ``"lda"`` backend's; hence a backend of its own
  (its own cache keys and figure titles) instead of a silent swap of ``"lda"``.
* **Topic-to-domain attribution** (:func:`spark_mapped_shares`): the topic x domain matrix
  (:func:`corpus_tm.map_topics` on the small topic-term matrix, on the driver) is broadcast and
  each unit's shares (its topic shares times the matrix) are computed on the executors.
* **Section shares** (:func:`spark_section_shares`): grouped by document on the executors,
  each group through :func:`corpus_tm.section_shares` (point shares; bootstrap intervals
  draw from one generator across all sections, so they are made on the driver from the
  collected unit shares, as :func:`corpus_tm.run_study` does with ``engine = "spark"``).

NMF, keyATM and the sweep over k stay local (scikit-learn and numba on one machine).

pyspark is imported inside the functions, so ``import corpus_tm`` does not need it; install
it with ``pip install 'corpus_tm[spark]'`` (Java 17 must be on the PATH).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from corpus_tm.errors import ConfigError, InputError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from corpus_tm.corpus import Corpus
    from corpus_tm.domains import DomainShares
    from corpus_tm.lexicon import Lexicon
    from corpus_tm.models import TopicModel
    from corpus_tm.preprocessing import PreprocessSettings

__all__ = [
    "collect_dictionary_shares",
    "collect_units",
    "corpus_from_spark",
    "fit_spark_lda",
    "fit_spark_lda_frame",
    "read_documents_spark",
    "spark_corpus",
    "spark_dictionary_shares",
    "spark_mapped_shares",
    "spark_section_shares",
    "spark_session",
    "spark_study_tables",
    "spark_term_counts",
    "spark_tokens",
    "spark_units",
    "spark_vocabulary",
]

DOC_INDEX = "_doc_index"
"""Column of the document's position in the input (documents keep their input order)."""
UNIT_INDEX = "_unit_index"
"""Column of the unit's position in its document."""

_PYSPARK_HINT = (
    "the Spark engine needs pyspark: pip install 'corpus_tm[spark]' (pyspark 4, with Java 17 "
    "on the PATH)"
)


def _require_pyspark() -> None:
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        raise ConfigError(f"pyspark is not installed; {_PYSPARK_HINT}.")


# --------------------------------------------------------------------------------------------
# The session


def spark_session(
    master: str = "local[2]",
    *,
    app_name: str = "corpus_tm",
    partitions: int | None = None,
    tmp_dir: str | os.PathLike[str] | None = None,
    log_level: str = "ERROR",
    config: dict[str, str] | None = None,
) -> SparkSession:
    """Start (or reuse) a Spark session for corpus_tm.

    Parameters
    ----------
    master : str, default "local[2]"
        ``local[N]`` (N cores of this machine) or a cluster's master URL
        (``spark://host:7077``, ``yarn``, ``k8s://...``). Under ``spark-submit`` the master
        it was given wins (Spark's rule: an existing session is reused).
    app_name : str
        The application's name in the cluster's UI.
    partitions : int, optional
        ``spark.sql.shuffle.partitions`` (partitions after a shuffle); by default twice the
        cores of ``local[N]``, else Spark's default.
    tmp_dir : path-like, optional
        Spark's scratch folder (``spark.local.dir``) and the JVM's temporary folder.
    log_level : str, default "ERROR"
        Spark's log level (its INFO and WARN lines are noise for a study).
    config : dict of str to str, optional
        Further Spark settings (``{"spark.executor.memory": "8g"}``).

    Returns
    -------
    pyspark.sql.SparkSession
    """
    _require_pyspark()
    from pyspark.sql import SparkSession

    # The Python workers must run this interpreter (its packages: corpus_tm, pandas, pyarrow).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName(app_name)
    settings = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
        "spark.python.worker.reuse": "true",
        # the same hash seed in every Python worker (the package itself does not depend on it)
        "spark.executorEnv.PYTHONHASHSEED": "0",
    }
    if partitions is None and master.startswith("local["):
        cores = master[len("local[") : -1]
        partitions = 2 * (os.cpu_count() or 2) if cores == "*" else 2 * int(cores)
    if partitions is not None:
        settings["spark.sql.shuffle.partitions"] = str(int(partitions))
        settings["spark.default.parallelism"] = str(int(partitions))
    if tmp_dir is not None:
        folder = str(Path(tmp_dir).resolve())
        Path(folder).mkdir(parents=True, exist_ok=True)
        settings["spark.local.dir"] = folder
        settings["spark.sql.warehouse.dir"] = str(Path(folder) / "warehouse")
        settings["spark.driver.extraJavaOptions"] = f"-Djava.io.tmpdir={folder}"
    settings.update(config or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(log_level)
    return spark


def _to_pandas(frame: DataFrame) -> pd.DataFrame:
    """``frame.toPandas()``, typed."""
    table: pd.DataFrame = frame.toPandas()  # type: ignore[assignment]
    return table


def _active_session() -> SparkSession:
    """The running session, or a new ``local[2]`` one."""
    _require_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    return active if active is not None else spark_session()


# --------------------------------------------------------------------------------------------
# Documents and units


def _spark_type(dtype: Any) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "long"
    if pd.api.types.is_float_dtype(dtype):
        return "double"
    return "string"


def _schema_of(frame: pd.DataFrame, extra: Sequence[tuple[str, str]] = ()) -> str:
    """A Spark DDL schema for ``frame``'s columns (plus ``extra`` name/type pairs)."""
    parts = [f"`{c}` {_spark_type(frame[c].dtype)}" for c in frame.columns]
    parts += [f"`{name}` {kind}" for name, kind in extra]
    return ", ".join(parts)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with text columns as object dtype (what Arrow hands to Spark unchanged)."""
    frame = frame.copy()
    for column in frame.columns:
        if not (
            pd.api.types.is_numeric_dtype(frame[column])
            or pd.api.types.is_bool_dtype(frame[column])
        ):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def read_documents_spark(
    spark: SparkSession,
    path: str | os.PathLike[str],
    *,
    text_column: str = "text",
    id_column: str = "doc_id",
    encoding: str | None = None,
    partitions: int | None = None,
    language: str = "auto",
) -> DataFrame:
    """Documents as a Spark DataFrame, one row per document.

    Parameters
    ----------
    spark : SparkSession
    path : path-like
        A ``.jsonl`` or ``.parquet`` file (or a folder of Parquet part files, as Spark
        writes them), read by Spark, or a folder of ``.txt``/``.md`` files, read by
        :func:`corpus_tm.load_documents` on the driver.
    text_column, id_column : str
        The columns of a table holding the text and the document id; they become ``text``
        and ``doc_id``.
    encoding : str, optional
        Encoding of the text files of a folder (detected when not given).
    partitions : int, optional
        Repartition the documents into this many partitions.
    language : str, default "auto"
        A language code for every document (a ``language`` column), or ``"auto"``: a folder
        is read by :func:`corpus_tm.load_documents`, which detects each document's language;
        a table keeps its own ``language`` column, and without one its documents are in the
        lexicon's language (detection on the executors is not done yet).

    Returns
    -------
    pyspark.sql.DataFrame
        ``doc_id``, ``text``, the other columns as strings, and ``_doc_index`` (input order).

    Raises
    ------
    InputError
        If the path does not exist, is of another type, or lacks the id or text column.
    """
    from pyspark.sql import functions as F

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder.")
    suffix = path.suffix.lower()
    is_parquet = suffix == ".parquet" or (path.is_dir() and any(path.glob("*.parquet")))
    if suffix in (".jsonl", ".json") or is_parquet:
        frame = spark.read.parquet(str(path)) if is_parquet else spark.read.json(str(path))
        missing = [c for c in (id_column, text_column) if c not in frame.columns]
        if missing:
            raise InputError(
                f"{path}: no column(s) {', '.join(map(repr, missing))}; its columns are "
                f"{', '.join(frame.columns)}. Set text_column= / id_column=."
            )
        frame = frame.withColumnRenamed(id_column, "doc_id").withColumnRenamed(text_column, "text")
        # input order: the ids increase with the partition and the row within it, which is
        # the file's order (in the JVM: no row passes through Python)
        frame = frame.withColumn(DOC_INDEX, F.monotonically_increasing_id())
        others = [c for c in frame.columns if c not in ("doc_id", "text", DOC_INDEX)]
        frame = frame.select(
            F.col("doc_id").cast("string"),
            F.col("text").cast("string"),
            *[F.col(c).cast("string") for c in others],
            F.col(DOC_INDEX),
        )
    elif path.is_dir():
        from corpus_tm.loading import load_documents

        documents = load_documents(
            path, encoding=encoding, id_column=id_column, language=language
        )
        documents[DOC_INDEX] = np.arange(len(documents), dtype=np.int64)
        frame = spark.createDataFrame(_plain(documents), schema=_schema_of(documents))
    else:
        raise InputError(
            f"{path}: the Spark engine reads a .jsonl or .parquet file or a folder of text "
            f"files, not a file of type {path.suffix!r}."
        )
    if language != "auto" and (suffix in (".jsonl", ".json") or is_parquet):
        frame = frame.withColumn("language", F.lit(language))
    if partitions is not None:
        frame = frame.repartition(int(partitions), "doc_id")
    return frame


def _units_of_partition(
    batches: Iterator[pd.DataFrame], unit: str, window: int, columns: list[str]
) -> Iterator[pd.DataFrame]:
    """Executor side of :func:`spark_units`: the package's sectioning of whole documents."""
    from corpus_tm.sectioning import split_sections

    parts = [batch for batch in batches if not batch.empty]
    if not parts:
        return
    documents = pd.concat(parts, ignore_index=True)
    order = documents[DOC_INDEX].to_numpy()
    documents = documents.drop(columns=[DOC_INDEX])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an executor's warnings would only reach its log
        try:
            units = split_sections(documents, unit=unit, window=window, progress=False).units  # type: ignore[arg-type]
        except InputError:
            return  # no document of this partition gives a unit
    units = units.copy()
    index_of = dict(zip(documents["doc_id"].astype(str), order, strict=True))
    units[DOC_INDEX] = units["doc_id"].astype(str).map(index_of).astype(np.int64)
    units[UNIT_INDEX] = units.groupby("doc_id", sort=False).cumcount().astype(np.int64)
    yield _plain(units.reindex(columns=columns))


def spark_units(
    documents: DataFrame,
    *,
    unit: Literal["paragraph", "section", "sentences"] = "paragraph",
    window: int = 5,
    partitions: int | None = None,
) -> DataFrame:
    """Split documents into text units on the executors with :func:`corpus_tm.split_sections`.

    Parameters
    ----------
    documents : pyspark.sql.DataFrame
        From :func:`read_documents_spark`.
    unit, window
        As in :func:`corpus_tm.split_sections`.
    partitions : int, optional
        Partitions of the documents (each holds whole documents); by default the session's
        shuffle partitions.

    Returns
    -------
    pyspark.sql.DataFrame
        The unit table of :func:`corpus_tm.split_sections` (its columns and types, taken from
        sectioning the first document on the driver) plus ``_doc_index`` and ``_unit_index``.
    """
    from corpus_tm.sectioning import split_sections

    first = _to_pandas(documents.orderBy(DOC_INDEX).limit(1))
    if first.empty:
        raise InputError("There are no documents to section.")
    with warnings.catch_warnings():
        # only the column types are wanted here; warnings about the documents are the
        # executors' (in their logs: a warning in a Python worker does not reach the driver)
        warnings.simplefilter("ignore")
        sample = split_sections(
            first.drop(columns=[DOC_INDEX]), unit=unit, window=window, progress=False
        ).units
    columns = [*sample.columns, DOC_INDEX, UNIT_INDEX]
    schema = _schema_of(sample, [(DOC_INDEX, "long"), (UNIT_INDEX, "long")])
    spread = (
        documents.repartition(int(partitions), "doc_id")
        if partitions is not None
        else documents.repartition("doc_id")
    )

    def section(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        return _units_of_partition(batches, unit, window, columns)

    return spread.mapInPandas(section, schema)


def collect_units(units: DataFrame) -> pd.DataFrame:
    """The unit table on the driver, in the local path's order (documents, then units)."""
    table = _to_pandas(units).sort_values([DOC_INDEX, UNIT_INDEX], kind="stable")
    return table.drop(columns=[DOC_INDEX, UNIT_INDEX]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Dictionary shares


def _share_columns(lexicon: Lexicon) -> list[str]:
    from corpus_tm.domains import OTHER

    return [*lexicon.domain_ids, OTHER]


def spark_dictionary_shares(
    units: DataFrame,
    lexicon: Lexicon | None = None,
    *,
    scale: Literal["sentences", "hits"] = "sentences",
) -> DataFrame:
    """Unit-level dictionary shares on the executors (:func:`corpus_tm.dictionary_shares`).

    Parameters
    ----------
    units : pyspark.sql.DataFrame
        From :func:`spark_units` (``unit_id`` and ``text``; ``_doc_index``/``_unit_index``
        are carried along).
    lexicon : Lexicon, optional
        Defaults to :func:`corpus_tm.default_lexicon`; sent to the executors once.
    scale : {"sentences", "hits"}, default "sentences"

    Returns
    -------
    pyspark.sql.DataFrame
        ``unit_id``, ``n_hits``, one column per domain and ``other`` (each row sums to 1),
        and the index columns.
    """
    from corpus_tm.lexicon import default_lexicon

    lexicon = lexicon if lexicon is not None else default_lexicon()
    shares = _share_columns(lexicon)
    keep = [c for c in (DOC_INDEX, UNIT_INDEX) if c in units.columns]
    schema = ", ".join(
        ["`unit_id` string", "`n_hits` long"]
        + [f"`{c}` double" for c in shares]
        + [f"`{c}` long" for c in keep]
    )

    def shares_of(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from corpus_tm.domains import dictionary_shares

        for batch in batches:
            if batch.empty:
                continue
            result = dictionary_shares(batch, lexicon, scale=scale, progress=False)
            out = result.shares.reset_index(drop=True)
            out.insert(0, "unit_id", batch["unit_id"].astype(str).to_numpy())
            hits = result.params["n_hits"]
            out.insert(1, "n_hits", [int(hits[u]) for u in out["unit_id"]])
            for column in keep:
                out[column] = batch[column].to_numpy()
            yield _plain(out[["unit_id", "n_hits", *shares, *keep]])

    return units.select("unit_id", "text", *keep).mapInPandas(shares_of, schema)


def collect_dictionary_shares(
    shares: DataFrame, units: pd.DataFrame, lexicon: Lexicon, *, scale: str = "sentences"
) -> DomainShares:
    """A :class:`~corpus_tm.domains.DomainShares` on the driver from
    :func:`spark_dictionary_shares`, aligned with the collected unit table ``units``."""
    from corpus_tm.domains import DomainShares, _lexicon_params

    table = _to_pandas(shares).set_index("unit_id")
    unit_ids = units["unit_id"].astype(str).tolist()
    table = table.loc[unit_ids]
    frame = table[_share_columns(lexicon)].astype(float)
    frame.index.name = "unit_id"
    frame.columns.name = "domain"
    params = {
        "scale": scale,
        "counting": (
            "share of the unit's words in sentences naming the domain; no hit = other"
            if scale == "sentences"
            else "seed-term hits in the unit text; shares of the unit's hits; no hit = other"
        ),
        "n_hits": {u: int(n) for u, n in zip(unit_ids, table["n_hits"], strict=True)},
        "lexicon": _lexicon_params(lexicon),
    }
    return DomainShares(
        method="dictionary", shares=frame, units=units, lexicon=lexicon, params=params
    )


# --------------------------------------------------------------------------------------------
# Tokens, vocabulary and term counts


def _check_phrases(settings: PreprocessSettings) -> None:
    # None means the language's default (2 layers for English): refused like an explicit 2
    layers = settings.resolved_phrase_layers()
    if layers:
        raise ConfigError(
            f"preprocessing.phrase_layers = {layers}: the Spark engine does not "
            "join phrases (their statistics need the whole corpus at once); set "
            "phrase_layers = 0, or run the local engine."
        )


def spark_tokens(
    units: DataFrame, settings: PreprocessSettings | None = None, **overrides: Any
) -> DataFrame:
    """Each unit's tokens, made on the executors by :func:`corpus_tm.preprocess_texts`.

    Parameters
    ----------
    units : pyspark.sql.DataFrame
        With ``unit_id`` and the settings' text column.
    settings : PreprocessSettings, optional
        Needs ``phrase_layers=0`` (see the module docstring).
    **overrides
        Fields of :class:`~corpus_tm.PreprocessSettings` to change.

    Returns
    -------
    pyspark.sql.DataFrame
        ``unit_id``, ``tokens`` (array of strings) and the index columns.
    """
    from corpus_tm.preprocessing import _settings_from

    settings = _settings_from(settings, overrides)
    _check_phrases(settings)
    text = settings.text_column
    keep = [c for c in (DOC_INDEX, UNIT_INDEX) if c in units.columns]
    schema = ", ".join(
        ["`unit_id` string", "`tokens` array<string>"] + [f"`{c}` long" for c in keep]
    )

    def tokens_of(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from corpus_tm.preprocessing import preprocess_texts

        # the whole partition in one call: the tokeniser's caches (each distinct word's role
        # and lemma) serve all of it, not one Arrow batch (10 M words: 20 s -> see benchmarks)
        parts = [batch for batch in batches if not batch.empty]
        if not parts:
            return
        batch = pd.concat(parts, ignore_index=True)
        tokens = preprocess_texts(batch[text].tolist(), settings, progress=False)
        out = pd.DataFrame({"unit_id": batch["unit_id"].astype(str).to_numpy()}, dtype=object)
        out["tokens"] = tokens
        for column in keep:
            out[column] = batch[column].to_numpy()
        yield out

    return units.select("unit_id", text, *keep).mapInPandas(tokens_of, schema)


def spark_vocabulary(
    tokens: DataFrame, settings: PreprocessSettings | None = None, **overrides: Any
) -> pd.DataFrame:
    """The vocabulary of :func:`corpus_tm.build_corpus`, counted on the cluster.

    Document frequencies (``df``: units with the term) and collection frequencies (``cf``) are
    counted on the executors; terms with ``no_below <= df <= no_above * n_units`` are kept
    (``no_below`` resolved for the number of units as locally), then the ``keep_n`` with the
    highest ``df`` (ties: the smaller term first), numbered in sorted order.

    Parameters
    ----------
    tokens : pyspark.sql.DataFrame
        From :func:`spark_tokens`.
    settings, **overrides
        As in :func:`spark_tokens`.

    Returns
    -------
    pandas.DataFrame
        ``term``, ``df``, ``cf`` in term-id order; ``attrs["n_units"]`` the number of units.

    Raises
    ------
    InputError
        If no term passes the filter.
    """
    from pyspark.sql import functions as F

    from corpus_tm.preprocessing import _settings_from

    settings = _settings_from(settings, overrides)
    n_units = tokens.count()
    no_below = settings.resolved_no_below(n_units)
    exploded = tokens.select("unit_id", F.explode("tokens").alias("term"))
    counts = exploded.groupBy("term").agg(
        F.countDistinct("unit_id").alias("df"), F.count(F.lit(1)).alias("cf")
    )
    kept = counts.where((F.col("df") >= no_below) & (F.col("df") <= settings.no_above * n_units))
    table = _to_pandas(kept)
    rows = list(
        zip(table["term"].tolist(), table["df"].tolist(), table["cf"].tolist(), strict=True)
    )
    if settings.keep_n is not None and len(rows) > settings.keep_n:
        rows = sorted(rows, key=lambda r: (-r[1], r[0]))[: settings.keep_n]
    rows.sort(key=lambda r: r[0])
    if not rows:
        raise InputError(
            f"The vocabulary is empty: no term passes the vocabulary filter (no_below="
            f"{no_below} units, no_above={settings.no_above}, keep_n={settings.keep_n}) in "
            f"{n_units} unit(s). Relax no_below or no_above."
        )
    vocabulary = pd.DataFrame(rows, columns=["term", "df", "cf"])
    vocabulary[["df", "cf"]] = vocabulary[["df", "cf"]].astype(np.int64)
    vocabulary.attrs["n_units"] = int(n_units)
    return vocabulary


def spark_term_counts(tokens: DataFrame, vocabulary: Sequence[str]) -> DataFrame:
    """Each unit's term counts as a sparse vector over ``vocabulary`` (Spark ML's
    ``CountVectorizerModel.from_vocabulary``; tokens outside it are dropped).

    Returns
    -------
    pyspark.sql.DataFrame
        ``tokens``' columns plus ``features`` (a ``SparseVector``).
    """
    from pyspark.ml.feature import CountVectorizerModel

    model = CountVectorizerModel.from_vocabulary(
        list(vocabulary), inputCol="tokens", outputCol="features"
    )
    return model.transform(tokens)


def spark_corpus(
    units: DataFrame,
    settings: PreprocessSettings | None = None,
    **overrides: Any,
) -> tuple[DataFrame, pd.DataFrame]:
    """Tokens, vocabulary and term counts of ``units``, all on the cluster.

    Returns
    -------
    (pyspark.sql.DataFrame, pandas.DataFrame)
        The term counts (:func:`spark_term_counts`; cached) and the vocabulary
        (:func:`spark_vocabulary`).
    """
    tokens = spark_tokens(units, settings, **overrides).cache()
    vocabulary = spark_vocabulary(tokens, settings, **overrides)
    counts = spark_term_counts(tokens, vocabulary["term"].tolist()).cache()
    return counts, vocabulary


def corpus_from_spark(
    counts: DataFrame, vocabulary: pd.DataFrame, units: pd.DataFrame, settings: dict[str, Any]
) -> Corpus:
    """A local :class:`~corpus_tm.corpus.Corpus` from the cluster's term counts (for the local
    methods of a study run with ``engine = "spark"``); rows aligned with ``units``."""
    from corpus_tm.cache import fingerprint
    from corpus_tm.corpus import TokenLists
    from corpus_tm.preprocessing import _make_dictionary

    table = _to_pandas(counts.select("unit_id", "tokens"))
    tokens_of_unit = dict(zip(table["unit_id"], table["tokens"], strict=True))
    terms = vocabulary["term"].tolist()
    term_id = {t: i for i, t in enumerate(terms)}
    ids: list[int] = []
    offsets = [0]
    for unit_id in units["unit_id"].astype(str):
        ids.extend(term_id[t] for t in tokens_of_unit[unit_id] if t in term_id)
        offsets.append(len(ids))
    id_array = np.asarray(ids, dtype=np.int32)
    offset_array = np.asarray(offsets, dtype=np.int64)
    unit_of = np.repeat(np.arange(len(units)), np.diff(offset_array))
    dictionary = _make_dictionary(
        terms,
        vocabulary["df"].to_numpy(),
        vocabulary["cf"].to_numpy(),
        num_docs=len(units),
        num_pos=id_array.size,
        num_nnz=np.unique(unit_of * len(terms) + id_array).size,
    )
    key = fingerprint(
        "corpus_tm.spark", settings, units["unit_id"].tolist(), terms, id_array, offset_array
    )
    return _corpus(units, TokenLists(id_array, offset_array, terms), dictionary, settings, key)


def _corpus(units: pd.DataFrame, tokens: Any, dictionary: Any, settings: Any, key: str) -> Corpus:
    from corpus_tm.corpus import Corpus

    return Corpus(
        units=units.reset_index(drop=True),
        tokens=tokens,
        dictionary=dictionary,
        settings=settings,
        fingerprint=key,
    )


# --------------------------------------------------------------------------------------------
# LDA


def fit_spark_lda_frame(
    counts: DataFrame,
    vocabulary: Sequence[str],
    n_topics: int,
    *,
    random_state: int | None = None,
    optimizer: Literal["online", "em"] = "online",
    max_iter: int = 50,
    subsampling_rate: float = 0.5,
    learning_offset: float = 1.0,
    learning_decay: float = 0.51,
    doc_concentration: float | None = None,
    topic_concentration: float | None = None,
    unit_ids: Sequence[str] | None = None,
) -> TopicModel:
    """Fit ``pyspark.ml.clustering.LDA`` to term counts on the cluster.

    Parameters
    ----------
    counts : pyspark.sql.DataFrame
        ``unit_id`` and ``features`` (term-count vectors over ``vocabulary``), as from
        :func:`spark_term_counts`.
    vocabulary : sequence of str
        The terms of the vectors' positions.
    n_topics : int
        k.
    random_state : int, optional
        Spark's ``seed``; the same seed, data and partitioning give the same model.
        ``None``: 0.
    optimizer : {"online", "em"}, default "online"
        Online variational Bayes (Hoffman et al.) or expectation-maximisation.
    max_iter : int, default 50
        Iterations (online: mini-batches).
    subsampling_rate : float, default 0.5
        Online: the fraction of units in each mini-batch (Spark's default, 0.05, suits many
        iterations over a large corpus); 1.0 uses all.
    learning_offset, learning_decay : float, default 1.0 and 0.51
        Online: the learning rate of update t is ``(learning_offset + t) ** -learning_decay``
        (gensim's ``offset`` and ``decay``; the local LDA's offset is 1.0 too). Spark's
        default offset of 1024 makes the first updates tiny: on a generated corpus of 5 topics
        (300 units) 40 iterations of half the units merged topics (mean matched cosine 0.81)
        where an offset of 1.0 recovered them all in 30 (0.9996).
    doc_concentration, topic_concentration : float, optional
        The symmetric priors alpha and eta (Spark's defaults when ``None``: online 1/k; EM
        50/k + 1 and 1.1).
    unit_ids : sequence of str, optional
        Row order of the document-topic matrix (default: ``counts``' ``_doc_index`` /
        ``_unit_index`` order, else by ``unit_id``).

    Returns
    -------
    TopicModel
        ``method="spark_lda"``; ``topic_term`` the normalised ``topicsMatrix`` (online: lambda;
        EM: expected counts plus eta), ``doc_topic`` Spark's ``topicDistribution`` of every unit,
        ``state["alpha"]`` the prior of ``doc_topic`` (online), ``diagnostics`` the log
        likelihood and log perplexity Spark reports on the data.
    """
    from pyspark.ml.clustering import LDA
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    from corpus_tm.models import library_versions

    if optimizer not in ("online", "em"):
        raise ConfigError(f"optimizer must be 'online' or 'em', not {optimizer!r}.")
    if not isinstance(n_topics, int) or isinstance(n_topics, bool) or n_topics < 2:
        raise ConfigError(f"n_topics must be an integer >= 2 for Spark's LDA, not {n_topics!r}.")
    if not isinstance(max_iter, int) or max_iter < 1:
        raise ConfigError(f"max_iter must be an integer >= 1, not {max_iter!r}.")
    if not 0 < subsampling_rate <= 1:
        raise ConfigError(f"subsampling_rate must be in (0, 1], not {subsampling_rate!r}.")
    seed = 0 if random_state is None else int(random_state)
    options: dict[str, Any] = {
        "k": n_topics,
        "maxIter": max_iter,
        "seed": seed,
        "optimizer": optimizer,
        "featuresCol": "features",
        "topicDistributionCol": "topic_distribution",
    }
    if optimizer == "online":
        if learning_offset <= 0 or not 0.5 < learning_decay <= 1:
            raise ConfigError(
                "learning_offset must be > 0 and learning_decay in (0.5, 1], not "
                f"{learning_offset!r} and {learning_decay!r}."
            )
        options["subsamplingRate"] = float(subsampling_rate)
        options["learningOffset"] = float(learning_offset)
        options["learningDecay"] = float(learning_decay)
        options["optimizeDocConcentration"] = False
    if doc_concentration is not None:
        options["docConcentration"] = [float(doc_concentration)] * n_topics
    if topic_concentration is not None:
        options["topicConcentration"] = float(topic_concentration)
    model = LDA(**options).fit(counts)
    if optimizer == "em":
        # The EM model infers topic shares with a local model whose seed Spark draws at
        # random; fix it, so that the same seed gives the same document-topic matrix.
        model._java_obj.oldLocalModel().setSeed(seed)  # type: ignore[union-attr]
    lam = model.topicsMatrix().toArray().T  # k x V
    topic_term = lam / lam.sum(axis=1, keepdims=True)
    keep = [c for c in (DOC_INDEX, UNIT_INDEX) if c in counts.columns]
    rows = _to_pandas(
        model.transform(counts).select(
            "unit_id", vector_to_array(F.col("topic_distribution")).alias("theta"), *keep
        )
    )
    if unit_ids is not None:
        rows = rows.set_index("unit_id").loc[list(unit_ids)].reset_index()
    elif keep:
        rows = rows.sort_values(keep, kind="stable")
    else:
        rows = rows.sort_values("unit_id", kind="stable")
    theta = np.vstack(rows["theta"].to_numpy()) if len(rows) else np.zeros((0, n_topics))
    topics = pd.Index(range(n_topics), name="topic")
    index = pd.Index(rows["unit_id"].astype(str).tolist(), name="unit_id")
    terms = pd.Index(list(vocabulary), name="term")
    alpha = np.asarray(model.estimatedDocConcentration().toArray(), dtype=float)
    state = {"alpha": alpha} if optimizer == "online" else {}
    doc_topic = pd.DataFrame(theta, index=index, columns=topics)
    params = {
        "n_topics": n_topics,
        "random_state": random_state,
        "optimizer": optimizer,
        "max_iter": max_iter,
        "subsampling_rate": float(subsampling_rate) if optimizer == "online" else None,
        "learning_offset": float(learning_offset) if optimizer == "online" else None,
        "learning_decay": float(learning_decay) if optimizer == "online" else None,
        "doc_concentration": [float(a) for a in alpha],
        "topic_concentration": topic_concentration,
        "engine": "spark",
    }
    from corpus_tm.models import TopicModel

    return TopicModel(
        method="spark_lda",
        doc_topic=doc_topic,
        doc_topic_raw=doc_topic.copy(),
        topic_term=pd.DataFrame(topic_term, index=topics, columns=terms),
        topic_term_raw=pd.DataFrame(lam, index=topics, columns=terms),
        vocabulary=list(vocabulary),
        unit_ids=index.tolist(),
        params=params,
        versions={**library_versions(), "pyspark": _pyspark_version()},
        state=state,
        diagnostics={},
    )


def _pyspark_version() -> str:
    import pyspark

    return str(pyspark.__version__)


def fit_spark_lda(
    corpus: Corpus,
    n_topics: int = 10,
    *,
    random_state: int | None = None,
    optimizer: Literal["online", "em"] = "online",
    max_iter: int = 50,
    subsampling_rate: float = 0.5,
    learning_offset: float = 1.0,
    learning_decay: float = 0.51,
    doc_concentration: float | None = None,
    topic_concentration: float | None = None,
    partitions: int | None = None,
    progress: bool | None = None,
) -> TopicModel:
    """The ``"spark_lda"`` backend: :func:`fit_spark_lda_frame` on a local corpus.

    The corpus's term counts are sent to the running Spark session (a ``local[2]`` one if
    none runs) in ``partitions`` partitions (default: the session's default parallelism).
    The same corpus, seed and partitions give the same model.

    Parameters
    ----------
    corpus : Corpus
    n_topics : int, default 10
    random_state, optimizer, max_iter, subsampling_rate, learning_offset, learning_decay
        As in :func:`fit_spark_lda_frame`.
    doc_concentration, topic_concentration
        As in :func:`fit_spark_lda_frame`.
    partitions : int, optional
        Partitions of the term counts.
    progress : bool, optional
        Not used (Spark reports progress in its own UI).

    Returns
    -------
    TopicModel
    """
    from corpus_tm.models import check_corpus, check_n_topics

    check_corpus(corpus)
    k = check_n_topics(n_topics, corpus)
    spark = _active_session()
    counts = _counts_frame(spark, corpus, partitions)
    return fit_spark_lda_frame(
        counts,
        corpus.vocabulary,
        k,
        random_state=random_state,
        optimizer=optimizer,
        max_iter=max_iter,
        subsampling_rate=subsampling_rate,
        learning_offset=learning_offset,
        learning_decay=learning_decay,
        doc_concentration=doc_concentration,
        topic_concentration=topic_concentration,
        unit_ids=corpus.unit_ids,
    )


def _counts_frame(spark: SparkSession, corpus: Corpus, partitions: int | None) -> DataFrame:
    """The corpus's term counts as ``unit_id, features`` rows in a Spark DataFrame."""
    from pyspark.ml.linalg import SparseVector, VectorUDT
    from pyspark.sql.types import StringType, StructField, StructType

    dtm = corpus.dtm.tocsr()
    n_terms = dtm.shape[1]
    rows = [
        (
            unit_id,
            SparseVector(
                n_terms,
                dtm.indices[dtm.indptr[i] : dtm.indptr[i + 1]].tolist(),
                dtm.data[dtm.indptr[i] : dtm.indptr[i + 1]].astype(float).tolist(),
            ),
        )
        for i, unit_id in enumerate(corpus.unit_ids)
    ]
    schema = StructType(
        [StructField("unit_id", StringType(), False), StructField("features", VectorUDT(), False)]
    )
    n = partitions if partitions is not None else spark.sparkContext.defaultParallelism
    return spark.createDataFrame(spark.sparkContext.parallelize(rows, int(n)), schema)


def spark_lda_measures(model: TopicModel, corpus: Corpus) -> dict[str, float]:
    """Fit measures of a Spark LDA model: none beyond coherence and diversity (Spark's
    perplexity needs the Spark model object, which a :class:`TopicModel` does not keep)."""
    return {}


# --------------------------------------------------------------------------------------------
# Attribution and section shares on the executors


def spark_mapped_shares(
    doc_topic: DataFrame,
    attribution: pd.DataFrame,
    *,
    theta_column: str = "theta",
) -> DataFrame:
    """Unit-level domain shares from topic shares and a topics x domains matrix, on the
    executors.

    Each unit's shares are its topic shares times ``attribution`` (the matrix
    :func:`corpus_tm.domain_shares` uses: hard from the mapping, or soft); a named share above
    1 in total is scaled down and ``other`` takes the rest, as locally.

    Parameters
    ----------
    doc_topic : pyspark.sql.DataFrame
        ``unit_id`` and ``theta_column`` (an array of the unit's topic shares).
    attribution : pandas.DataFrame
        Topics x (domains, ``other``), e.g. ``DomainShares.attribution`` or
        ``corpus_tm.domains._hard_attribution(model, mapping, lexicon)``.

    Returns
    -------
    pyspark.sql.DataFrame
        ``unit_id``, one column per domain and ``other``, and the index columns.
    """
    matrix = attribution.to_numpy(dtype=float)
    columns = [str(c) for c in attribution.columns]
    keep = [c for c in (DOC_INDEX, UNIT_INDEX) if c in doc_topic.columns]
    schema = ", ".join(
        ["`unit_id` string"] + [f"`{c}` double" for c in columns] + [f"`{c}` long" for c in keep]
    )

    def shares_of(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            if batch.empty:
                continue
            theta = np.vstack(batch[theta_column].to_numpy()).astype(float)
            totals = theta.sum(axis=1, keepdims=True)
            totals[totals == 0] = 1.0
            values = (theta / totals) @ matrix
            named = values[:, :-1].sum(axis=1)
            over = named > 1.0
            values[over, :-1] /= named[over, None]
            values[:, -1] = np.clip(1.0 - values[:, :-1].sum(axis=1), 0.0, None)
            out = pd.DataFrame(values, columns=columns)
            out.insert(0, "unit_id", batch["unit_id"].astype(str).to_numpy())
            for column in keep:
                out[column] = batch[column].to_numpy()
            yield _plain(out)

    return doc_topic.select("unit_id", theta_column, *keep).mapInPandas(shares_of, schema)


_GROUP_COLUMNS = (
    "doc_id",
    "unit_id",
    "part",
    "part_title",
    "part_label",
    "section",
    "section_title",
    "label",
    "paragraph",
    "n_tokens",
)


def spark_section_shares(
    shares: DataFrame,
    units: DataFrame,
    lexicon: Lexicon | None = None,
    *,
    method: str = "dictionary",
    level: Literal["document", "part", "section"] = "section",
) -> DataFrame:
    """Section shares (point estimates) grouped by document on the executors.

    The units and unit-level shares are repartitioned by document, and the documents of a
    partition go through :func:`corpus_tm.section_shares` (``interval="none"``) in one call
    (a call per document cost 15 ms each: 74 s for 5,000 documents on ``local[2]``), so the
    table is the local one without intervals.

    Parameters
    ----------
    shares : pyspark.sql.DataFrame
        Unit-level shares: ``unit_id`` and a column per domain and ``other``.
    units : pyspark.sql.DataFrame
        From :func:`spark_units`.
    lexicon : Lexicon, optional
        The lexicon of the shares (default :func:`corpus_tm.default_lexicon`).
    method : str, default "dictionary"
        The method's name in the table.
    level : {"document", "part", "section"}

    Returns
    -------
    pyspark.sql.DataFrame
        The columns of :func:`corpus_tm.section_shares` with ``lower``/``upper`` empty, and
        ``_doc_index``; order rows by ``_doc_index``, ``order`` for the local order.
    """
    from corpus_tm.lexicon import default_lexicon

    lexicon = lexicon if lexicon is not None else default_lexicon()
    domains = _share_columns(lexicon)
    unit_columns = [c for c in _GROUP_COLUMNS if c in units.columns]
    joined = units.select(*unit_columns, DOC_INDEX, UNIT_INDEX).join(
        shares.select("unit_id", *domains), on="unit_id"
    )
    schema = (
        "`method` string, `level` string, `doc_id` string, `section` string, `label` string, "
        "`order` long, `domain` string, `share` double, `lower` double, `upper` double, "
        "`n_units` long, `n_tokens` long, `interval` string, `_doc_index` long"
    )

    def per_partition(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from corpus_tm.aggregation import section_shares
        from corpus_tm.domains import DomainShares

        # whole documents per partition (repartitioned by doc_id): one call for all of them
        parts = [batch for batch in batches if not batch.empty]
        if not parts:
            return
        group = pd.concat(parts, ignore_index=True)
        group = group.sort_values([DOC_INDEX, UNIT_INDEX], kind="stable").reset_index(drop=True)
        frame = group[domains].astype(float)
        frame.index = pd.Index(group["unit_id"].astype(str), name="unit_id")
        frame.columns.name = "domain"
        result = DomainShares(
            method=method, shares=frame, units=group[unit_columns], lexicon=lexicon
        )
        table = section_shares(result, level=level, interval="none")
        index_of = dict(zip(group["doc_id"].astype(str), group[DOC_INDEX], strict=False))
        table[DOC_INDEX] = table["doc_id"].astype(str).map(index_of).astype(np.int64)
        table["section"] = table["section"].astype(str)
        table["n_tokens"] = table["n_tokens"].astype(np.int64)
        yield _plain(table)

    return joined.repartition("doc_id").mapInPandas(per_partition, schema)


# --------------------------------------------------------------------------------------------
# The pipeline's engine


def study_session(run: Any, cache_dir: Path | None) -> SparkSession:
    """The session of a study run with ``engine = "spark"`` (its ``master`` and
    ``partitions``; Spark's scratch files under the study's cache folder, if it has one)."""
    tmp = Path(cache_dir) / "spark-tmp" if cache_dir is not None else None
    return spark_session(
        run.master,
        partitions=run.partitions,
        tmp_dir=tmp if run.master.startswith("local") else None,
    )


def spark_study_tables(study: Any) -> tuple[Any, DomainShares, Corpus | None]:
    """Sectioning, dictionary shares and (without phrases) the corpus of a study, on Spark.

    Parameters
    ----------
    study : Study
        With ``run.engine = "spark"``.

    Returns
    -------
    (sections, DomainShares, Corpus or None)
        An object with ``units`` (the collected unit table, in the local order), ``headings``
        and ``furniture`` (empty: the executors keep only the units); the dictionary shares
        of the units; the corpus built on the cluster when ``preprocessing.phrase_layers`` is
        0 (``None`` otherwise: phrases are learnt from the whole corpus, on the driver).
    """
    from types import SimpleNamespace

    from corpus_tm.lexicon import default_lexicon, load_lexicon
    from corpus_tm.preprocessing import _settings_from, corpus_key

    spark = study_session(study.run, study.cache_dir)
    documents = read_documents_spark(
        spark,
        study.corpus_path,
        text_column=study.corpus.text_column,
        encoding=study.corpus.encoding,
        language=study.corpus.language,
    )
    units_sdf = spark_units(
        documents,
        unit=study.corpus.unit,
        window=study.corpus.window,
        partitions=study.run.partitions,
    ).cache()
    units = collect_units(units_sdf)
    domains = study.domains
    lexicon = default_lexicon() if domains.lexicon == "default" else load_lexicon(domains.lexicon)
    shares = collect_dictionary_shares(spark_dictionary_shares(units_sdf, lexicon), units, lexicon)
    settings = _settings_from(None, study.preprocessing.given())
    corpus = None
    if not settings.resolved_phrase_layers():
        counts, vocabulary = spark_corpus(units_sdf, settings)
        corpus = corpus_from_spark(counts, vocabulary, units, settings.resolved_dict())
        counts.unpersist()
        # the content of build_corpus(units, settings) (tested), so its key and cache entries
        key = corpus_key(
            units["unit_id"].astype(str).tolist(), units[settings.text_column].tolist(), settings
        )
        corpus = _corpus(units, corpus.tokens, corpus.dictionary, corpus.settings, key)
    units_sdf.unpersist()
    sections = SimpleNamespace(units=units, headings=pd.DataFrame(), furniture=pd.DataFrame())
    return sections, shares, corpus
