"""Study files: a TOML description of one analysis in, validated settings out.

In: a TOML file (parsed with the standard library's safe ``tomllib``) that names the corpus,
sectioning, preprocessing, models, seeds and figures. Paths in it are relative to the file.
Out: :class:`Study`, a frozen dataclass of plain settings with paths resolved; every unknown
key or wrong type is a :class:`~corpus_tm.errors.ConfigError` naming the key and the expected
type.

The schema is :data:`SCHEMA`; ``corpus-tm figures --help`` and README.md show an example.

A study's cache (built corpora, fitted models, the sweep, figure renders) lives beside the
study, in ``<study folder>/.corpus_tm_cache``, unless ``[run] cache_dir`` names another folder
or, when the file names none, the ``CORPUS_TM_CACHE_DIR`` environment variable does (see
:class:`RunSettings`); ``corpus-tm figures --no-cache`` runs without one.
"""

from __future__ import annotations

import codecs
import os
import tomllib
import warnings
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from corpus_tm.errors import ConfigError, CorpusTmWarning

# One frozen dataclass per table of a study file. Their fields are the table's keys, their
# annotations the types a key takes and their defaults its default (None: optional);
# SCHEMA is made from them.


@dataclass(frozen=True)
class StudyInfo:
    """``[study]``: what the study is."""

    name: str = "study"
    description: str = ""


@dataclass(frozen=True)
class CorpusSettings:
    """``[corpus]``: where the documents are and what a unit is (paths resolved).

    ``language``: ``"auto"`` (the metadata's ``language`` column, else detected per document)
    or a language code for every document (``"en"``, ``"zh"``); see
    :func:`corpus_tm.load_documents`.

    ``filename_fields``: metadata read from the file names of a folder corpus, as a pattern
    of ``{field}`` placeholders and literal text matched against each name without its
    suffix: ``"{country}_{session}_{year}"`` gives ``AGO_76_2021.txt`` the columns
    ``country = "AGO"``, ``session = 76`` and ``year = 2021`` (integers where every value
    is one); see :func:`corpus_tm.filename_metadata`.
    """

    path: str | None = None
    unit: Literal["paragraph", "section", "sentences", "article"] = "paragraph"
    window: int = 5
    encoding: str | None = None
    text_column: str = "text"
    language: str = "auto"
    filename_fields: str | None = None


@dataclass(frozen=True)
class PreprocessingSettings:
    """``[preprocessing]``: fields of :class:`corpus_tm.PreprocessSettings`; ``None`` keeps
    its default."""

    language: str | None = None
    extra_stopwords: list[str] = field(default_factory=list)
    stopwords: str | None = None
    no_below: int | float | None = None
    no_above: float | None = None
    keep_n: int | None = None
    min_length: int | None = None
    lemmatize: bool | None = None
    drop_numbers: bool | None = None
    split_hyphens: bool | None = None
    phrase_layers: int | None = None
    phrase_min_count: int | None = None
    phrase_threshold: float | None = None
    user_words: list[str] | None = None

    def given(self) -> dict[str, Any]:
        """The settings that are set, as keywords of :func:`corpus_tm.build_corpus`."""
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class ModelSettings:
    """``[models]``: which backends, k and the seed; ``options`` holds the keys the backends
    declare (:attr:`corpus_tm.backends.Backend.study_options`: ``passes``, ``iterations``,
    ``lda_dtype``, ``tfidf``, ``free_topics``, ``keyatm_iterations`` and those of registered
    backends)."""

    methods: list[str] = field(default_factory=lambda: ["keyatm", "lda", "nmf"])
    n_topics: int | str = 15
    random_state: int = 1
    #: fits per method whose domain shares are averaged (``{lda = 25}``; 1 if not named),
    #: see :meth:`corpus_tm.backends.Backend.fit_shares`
    n_fits: dict[str, int] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SweepSettings:
    """``[sweep]``: the grid of k and seeds that chooses k."""

    method: str = "nmf"
    init: str | None = None
    n_topics: list[int] = field(default_factory=lambda: [3, 4, 5, 6, 8, 10, 12])
    seeds: list[int] = field(default_factory=lambda: [1, 2, 3])


@dataclass(frozen=True)
class DomainSettings:
    """``[domains]``: the lexicon and how topics become domains."""

    lexicon: str = "default"
    attribution: Literal["soft", "hard"] = "soft"
    min_score: float | None = None
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class AggregationSettings:
    """``[aggregation]``: bootstrap intervals of the section shares."""

    n_boot: int = 1000
    random_state: int = 1
    ci: float = 0.9


@dataclass(frozen=True)
class FigureSettings:
    """``[figures]``: what is drawn, where and how (``output`` resolved)."""

    output: str = "figures"
    formats: list[str] = field(default_factory=lambda: ["png", "svg"])
    dpi: int = 200
    doc_id: str | None = None
    method: str = "nmf_mapped"
    make: list[str] | None = None
    #: the rows of the section figures (heatmap, bars, flow): sub-sections or parts
    level: Literal["section", "part"] = "section"
    #: a metadata column (``year``, ``country``, ...): the ``domains_by_group`` figure shows
    #: the domains of each of its values (:func:`corpus_tm.group_shares`)
    group_by: str | None = None
    #: the most groups of a column that is not numeric ``domains_by_group`` draws (those
    #: with most documents; the figure says how many it leaves out)
    max_groups: int = 20
    #: the most documents a figure of documents draws (``domain_bars``,
    #: ``document_domains``: the largest by tokens; the figure says how many it leaves out)
    max_documents: int = 30
    #: the metadata column whose values title the documents in figures (``title_zh``), instead
    #: of their doc_id; a document without a value keeps its doc_id
    title_column: str = "title"


@dataclass(frozen=True)
class RunSettings:
    """``[run]``: processes, the cache folder (resolved) and the engine.

    ``cache_dir``: where built corpora, fitted models, the sweep and figure renders are
    cached. A relative path is relative to the study file; by default the cache lives beside
    the study, in ``<study folder>/.corpus_tm_cache``, or in the folder named by the
    ``CORPUS_TM_CACHE_DIR`` environment variable when that is set and the file does not name
    one (a path written in the file wins over the variable). It must be a folder of its own
    (not the study's folder, the corpus or the home folder). ``None`` (``corpus-tm figures
    --no-cache``, ``make_figures(..., cache=False)``) turns caching off; a study file cannot
    write it.

    ``engine = "spark"`` sections the documents and computes the dictionary shares on Apache
    Spark (:mod:`corpus_tm.spark`), with a session to ``master`` (``"local[2]"`` or a
    cluster's URL) and ``partitions`` partitions (default: twice the local cores).
    """

    n_jobs: int = 1
    cache_dir: str | None = ".corpus_tm_cache"
    engine: Literal["local", "spark"] = "local"
    master: str = "local[2]"
    partitions: int | None = None


SECTIONS: dict[str, type] = {
    "study": StudyInfo,
    "corpus": CorpusSettings,
    "preprocessing": PreprocessingSettings,
    "models": ModelSettings,
    "sweep": SweepSettings,
    "domains": DomainSettings,
    "aggregation": AggregationSettings,
    "figures": FigureSettings,
    "run": RunSettings,
}

_TYPES = {
    "int": int,
    "float": float,
    "str": str,
    "Literal": str,  # the values are checked in VALUES
    "bool": bool,
    "list": list,
    "dict": dict,
}


def _expected(annotation: str) -> type | tuple[type, ...]:
    """The types a key takes, from its field's annotation (``"int | float | None"``)."""
    names = [part.strip().split("[")[0] for part in annotation.split("|")]
    types = tuple(_TYPES[name] for name in names if name != "None")
    return types[0] if len(types) == 1 else types


def _default(item: Any) -> Any:
    if item.default_factory is not MISSING:
        return item.default_factory()
    return item.default


# section -> key -> (expected type(s), default); a default of None means optional. The
# [models] keys of the backends (Backend.study_options) are added when a study is read.
SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], Any]]] = {
    section: {
        item.name: (_expected(str(item.type)), _default(item))
        for item in fields(cls)
        if item.name != "options"
    }
    for section, cls in SECTIONS.items()
}


# Keys added after studies were first written: kept out of ``Study.settings`` (and so out of
# figure manifests and cache keys) unless the study file gives them, so that the manifest of a
# study that does not use them stays byte for byte the same. Their typed sections fill in the
# defaults.
_LATER_KEYS = frozenset(
    {
        ("corpus", "language"),
        ("preprocessing", "user_words"),
        ("corpus", "filename_fields"),
        ("figures", "group_by"),
        ("figures", "max_groups"),
        ("figures", "max_documents"),
        ("figures", "title_column"),
    }
)

_SEED_LIMIT = 2**32  # numpy and scikit-learn take seeds below 2**32
_FORMATS = ("png", "svg", "pdf")

#: The figures :mod:`corpus_tm.figures` draws (it refuses to register any other name).
FIGURE_NAMES = (
    "domain_heatmap",
    "domain_bars",
    "domain_flow",
    "top_terms",
    "k_choice",
    "method_comparison",
    "document_domains",
    "topic_mapping",
    "domains_by_group",
)

#: Figures drawn only when the study sets what they need (figure -> ``[figures]`` key); a
#: study that does not set it gets the other figures, and naming the figure in
#: ``figures.make`` without the key is an error.
FIGURE_NEEDS = {"domains_by_group": "group_by"}


def _language_codes() -> list[str]:
    from corpus_tm.language import available_languages

    return available_languages()


def _backend_names(*, sweepable: bool = False) -> list[str]:
    from corpus_tm.backends import available_backends

    return available_backends(sweepable=sweepable)


def _domain_methods(backends: list[str]) -> list[str]:
    """The names of the domain shares a study with these backends makes (and the dictionary)."""
    from corpus_tm.backends import get_backend

    return [get_backend(name).domain_method for name in backends] + ["dictionary"]


def _schema() -> dict[str, dict[str, tuple[type | tuple[type, ...], Any]]]:
    """:data:`SCHEMA` with the ``[models]`` keys of backends registered later."""
    from corpus_tm.backends import get_backend

    schema = {section: dict(keys) for section, keys in SCHEMA.items()}
    for name in _backend_names():
        for key, spec in get_backend(name).study_options.items():
            schema["models"].setdefault(key, spec)
    return schema


def _at_least(low: int) -> Any:
    return lambda v: v >= low


def _seed(value: int) -> bool:
    return 0 <= value < _SEED_LIMIT


# (section, key) -> (check of a value of the right type, what the value must be: text, or a
# function giving it where it depends on the registered backends)
VALUES: dict[tuple[str, str], tuple[Callable[[Any], bool], str | Callable[[], str]]] = {
    ("corpus", "unit"): (
        lambda v: v in ("paragraph", "section", "sentences", "article"),
        "'paragraph', 'section', 'sentences' or 'article' (one unit per article of a law)",
    ),
    ("corpus", "window"): (_at_least(1), "an integer >= 1 (sentences per unit)"),
    ("corpus", "language"): (
        lambda v: v == "auto" or v in _language_codes(),
        lambda: '"auto" or a language code (' + ", ".join(map(repr, _language_codes())) + ")",
    ),
    ("models", "n_topics"): (
        lambda v: v == "auto" if isinstance(v, str) else v >= 1,
        'an integer >= 1, or "auto" (the k the sweep recommends)',
    ),
    ("models", "random_state"): (_seed, "an integer from 0 to 2**32 - 1"),
    ("models", "methods"): (
        lambda v: bool(v) and len(set(v)) == len(v) and all(m in _backend_names() for m in v),
        lambda: "a non-empty list of distinct backends of "
        + ", ".join(map(repr, _backend_names())),
    ),
    ("models", "n_fits"): (
        lambda v: all(m in _backend_names() and _is_int(n) and n >= 1 for m, n in v.items()),
        lambda: "a table of backend names and integers >= 1, such as { lda = 25 } (backends: "
        + ", ".join(map(repr, _backend_names()))
        + ")",
    ),
    ("models", "passes"): (_at_least(1), "an integer >= 1"),
    ("models", "iterations"): (_at_least(1), "an integer >= 1"),
    ("models", "free_topics"): (_at_least(0), "an integer >= 0"),
    ("models", "keyatm_iterations"): (_at_least(10), "an integer >= 10"),
    ("domains", "attribution"): (lambda v: v in ("soft", "hard"), "'soft' or 'hard'"),
    ("sweep", "method"): (
        lambda v: v in _backend_names(sweepable=True),
        lambda: " or ".join(map(repr, _backend_names(sweepable=True))),
    ),
    ("sweep", "n_topics"): (
        lambda v: bool(v) and all(_is_int(x) and x >= 1 for x in v),
        "a non-empty list of integers >= 1",
    ),
    ("sweep", "seeds"): (
        lambda v: bool(v) and all(_is_int(x) and _seed(x) for x in v),
        "a non-empty list of integers from 0 to 2**32 - 1",
    ),
    ("domains", "min_score"): (lambda v: 0 <= v < float("inf"), "a number >= 0"),
    ("aggregation", "n_boot"): (_at_least(1), "an integer >= 1"),
    ("aggregation", "random_state"): (_seed, "an integer from 0 to 2**32 - 1"),
    ("aggregation", "ci"): (lambda v: 0 < v < 1, "a number between 0 and 1, such as 0.9"),
    ("figures", "formats"): (
        lambda v: bool(v) and all(f in _FORMATS for f in v),
        f"a non-empty list of {', '.join(map(repr, _FORMATS))}",
    ),
    ("figures", "level"): (lambda v: v in ("section", "part"), "'section' or 'part'"),
    ("figures", "dpi"): (_at_least(10), "an integer from 10 to 600"),  # above: SIZE_SETTINGS
    ("figures", "max_groups"): (_at_least(2), "an integer >= 2"),
    ("figures", "max_documents"): (_at_least(2), "an integer >= 2"),
    ("figures", "make"): (
        lambda v: bool(v) and all(isinstance(x, str) for x in v),
        "a non-empty list of figure names",
    ),
    # scikit-learn's rule, as corpus_tm.checks.check_n_jobs checks it everywhere
    ("run", "n_jobs"): (
        lambda v: v != 0,
        "a number of processes >= 1, or -1 (all cores), -2 (all but one) ...",
    ),
    ("models", "lda_dtype"): (
        lambda v: v in ("float64", "float32"),
        "'float64' (the same results on every processor) or 'float32'",
    ),
    # the "spark_lda" backend's keys (registered when pyspark is installed)
    ("models", "spark_optimizer"): (lambda v: v in ("online", "em"), "'online' or 'em'"),
    ("models", "spark_max_iter"): (_at_least(1), "an integer >= 1"),
    ("models", "spark_subsampling_rate"): (lambda v: 0 < v <= 1, "a fraction in (0, 1]"),
    ("run", "engine"): (lambda v: v in ("local", "spark"), "'local' or 'spark'"),
    ("run", "master"): (
        lambda v: bool(v.strip()),
        'a Spark master URL such as "local[2]" or "spark://host:7077"',
    ),
    ("run", "partitions"): (_at_least(1), "an integer >= 1"),
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# (section, key) -> (key of corpus_tm.limits.LIMITS, smallest value): the upper bounds of the
# size settings, each with why (memory or time) and what to do; lists and tables of integers
# are checked item by item. The keys of registered backends are bounded where named here.
SIZE_SETTINGS: dict[tuple[str, str], tuple[str, int]] = {
    ("corpus", "window"): ("window", 1),
    ("preprocessing", "no_below"): ("count", 1),
    ("preprocessing", "keep_n"): ("keep_n", 1),
    ("preprocessing", "min_length"): ("min_length", 1),
    ("preprocessing", "phrase_layers"): ("phrase_layers", 0),
    ("preprocessing", "phrase_min_count"): ("count", 1),
    ("models", "n_topics"): ("n_topics", 1),
    ("models", "n_fits"): ("n_fits", 1),
    ("models", "passes"): ("passes", 1),
    ("models", "iterations"): ("iterations", 1),
    ("models", "free_topics"): ("free_topics", 0),
    ("models", "keyatm_iterations"): ("keyatm_iterations", 10),
    ("models", "spark_max_iter"): ("spark_max_iter", 1),
    ("sweep", "n_topics"): ("sweep_k", 1),
    ("aggregation", "n_boot"): ("n_boot", 1),
    ("figures", "dpi"): ("dpi", 10),
    ("figures", "max_groups"): ("max_groups", 2),
    ("figures", "max_documents"): ("max_documents", 2),
    ("run", "n_jobs"): ("n_jobs", -256),
    ("run", "partitions"): ("partitions", 1),
}


def _check_size(section: str, key: str, value: Any, path: Path) -> None:
    """The upper bound of a size setting (:data:`SIZE_SETTINGS`), with why and what to do."""
    from corpus_tm.limits import LIMITS, size_error

    spec = SIZE_SETTINGS.get((section, key))
    if spec is None:
        return
    limit, low = LIMITS[spec[0]], spec[1]
    name = f"{section}.{key}"
    if isinstance(value, dict):
        items = [(f"{name}.{k}", v) for k, v in value.items()]
    elif isinstance(value, list):
        items = [(name, v) for v in value]
    else:
        items = [(name, value)]
    for label, item in items:
        # too small is said by the key's own check (VALUES, PreprocessSettings)
        if _is_int(item) and item > limit.high:
            raise ConfigError(f"{path}: {size_error(label, item, limit, low=low)}")


@dataclass(frozen=True)
class Study:
    """A validated study.

    The tables are typed (``study.models.n_topics``, ``study.figures.dpi``, ...); the plain
    mapping ``study.settings`` (or ``study["models"]``) holds the same values.

    Attributes
    ----------
    path : Path
        The study file.
    settings : dict
        ``section -> key -> value`` with defaults filled in; paths are absolute.
    """

    path: Path
    settings: dict[str, dict[str, Any]]

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.settings[section]

    def _section(self, name: str) -> Any:
        values = dict(self.settings[name])
        if name == "models":
            common = {item.name for item in fields(ModelSettings)}
            options = {key: values.pop(key) for key in list(values) if key not in common}
            values["options"] = options
        return SECTIONS[name](**values)

    @property
    def info(self) -> StudyInfo:
        """``[study]``."""
        return self._section("study")

    @property
    def corpus(self) -> CorpusSettings:
        """``[corpus]``."""
        return self._section("corpus")

    @property
    def preprocessing(self) -> PreprocessingSettings:
        """``[preprocessing]``."""
        return self._section("preprocessing")

    @property
    def models(self) -> ModelSettings:
        """``[models]``."""
        return self._section("models")

    @property
    def sweep(self) -> SweepSettings:
        """``[sweep]``."""
        return self._section("sweep")

    @property
    def domains(self) -> DomainSettings:
        """``[domains]``."""
        return self._section("domains")

    @property
    def aggregation(self) -> AggregationSettings:
        """``[aggregation]``."""
        return self._section("aggregation")

    @property
    def figures(self) -> FigureSettings:
        """``[figures]``."""
        return self._section("figures")

    @property
    def run(self) -> RunSettings:
        """``[run]``."""
        return self._section("run")

    @property
    def name(self) -> str:
        """The study's name."""
        return self.info.name

    @property
    def corpus_path(self) -> Path:
        """The corpus folder or file, resolved."""
        return Path(str(self.corpus.path))

    @property
    def output_dir(self) -> Path:
        """Where figures go, resolved."""
        return Path(self.figures.output)

    @property
    def cache_dir(self) -> Path | None:
        """Where built corpora, fitted models and figures are cached, resolved (``None``: no
        cache); see :class:`RunSettings`."""
        cache_dir = self.run.cache_dir
        return None if cache_dir is None else Path(cache_dir)


def _type_name(expected: type | tuple[type, ...]) -> str:
    if isinstance(expected, tuple):
        return " or ".join(t.__name__ for t in expected)
    return expected.__name__


def _check_type(value: Any, expected: type | tuple[type, ...]) -> bool:
    types = expected if isinstance(expected, tuple) else (expected,)
    if isinstance(value, bool) and bool not in types:
        return False
    if float in types and isinstance(value, int) and not isinstance(value, bool):
        return True
    return isinstance(value, types)


def parse_study(data: dict[str, Any], *, path: str | os.PathLike[str]) -> Study:
    """Validate a parsed study mapping and fill in defaults.

    Parameters
    ----------
    data : dict
        The parsed TOML.
    path : path-like
        The study file; relative paths in the study are resolved against its folder.

    Returns
    -------
    Study

    Raises
    ------
    ConfigError
        For unknown sections or keys, wrong types, or a missing ``corpus.path``.
    """
    path = Path(path).resolve()
    schema = _schema()
    models = data.get("models")
    if isinstance(models, dict) and "seeds" in models:
        # models.seeds was accepted (and entered a cache key) but never read.
        warnings.warn(
            f"{path}: models.seeds is not used and is ignored; remove it. The models are "
            "fitted with models.random_state; the seeds of the choice of k are sweep.seeds.",
            CorpusTmWarning,
            stacklevel=3,
        )
        data = {**data, "models": {k: v for k, v in models.items() if k != "seeds"}}
    unknown = sorted(set(data) - set(schema))
    if unknown:
        raise ConfigError(
            f"{path}: unknown section [{unknown[0]}]; known sections: {', '.join(schema)}."
        )
    settings: dict[str, dict[str, Any]] = {}
    for section, keys in schema.items():
        given = data.get(section, {})
        if not isinstance(given, dict):
            raise ConfigError(f"{path}: [{section}] must be a table of settings.")
        unknown_keys = sorted(set(given) - set(keys))
        if unknown_keys:
            raise ConfigError(
                f"{path}: unknown key {section}.{unknown_keys[0]}; known keys in "
                f"[{section}]: {', '.join(keys)}."
            )
        values: dict[str, Any] = {}
        for key, (expected, default) in keys.items():
            if key in given:
                value = given[key]
                if not _check_type(value, expected):
                    raise ConfigError(
                        f"{path}: {section}.{key} must be {_type_name(expected)}, not "
                        f"{type(value).__name__} ({value!r})."
                    )
                values[key] = float(value) if expected is float else value
                check = VALUES.get((section, key))
                if check is not None and not check[0](values[key]):
                    expected_value = check[1]() if callable(check[1]) else check[1]
                    raise ConfigError(
                        f"{path}: {section}.{key} must be {expected_value}, not {value!r}."
                    )
                _check_size(section, key, values[key], path)
            elif (section, key) not in _LATER_KEYS:
                values[key] = list(default) if isinstance(default, list) else default
        settings[section] = values
    if not settings["corpus"]["path"]:
        raise ConfigError(f'{path}: [corpus] needs path = "..." (relative to the study file).')
    _check_sweep_size(settings["sweep"], path)
    _check_groups(settings, path)
    _check_preprocessing(settings["preprocessing"], path)
    _check_engine(settings, path)
    _drop_unused_backend_defaults(settings["models"], data.get("models", {}))
    _check_overrides(settings["domains"]["overrides"], settings["models"]["methods"], path)
    encoding = settings["corpus"]["encoding"]
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ConfigError(
                f"{path}: corpus.encoding {encoding!r} is not an encoding Python knows; use a "
                "name such as 'utf-8', 'gbk' or 'latin-1'."
            ) from None
    methods = _domain_methods(settings["models"]["methods"])
    if settings["figures"]["method"] not in methods:
        raise ConfigError(
            f"{path}: figures.method must be {' or '.join(map(repr, methods))} (the methods of "
            f"models.methods), not {settings['figures']['method']!r}."
        )
    unknown = [name for name in settings["figures"]["make"] or () if name not in FIGURE_NAMES]
    if unknown:
        raise ConfigError(
            f"{path}: figures.make names unknown figures {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(FIGURE_NAMES)}."
        )
    from corpus_tm.cache import CACHE_DIR_ENV

    given_cache = data.get("run", {}).get("cache_dir")
    env = os.environ.get(CACHE_DIR_ENV, "").strip()
    from_env = given_cache is None and bool(env)  # the variable replaces the default only
    for section, key in (("corpus", "path"), ("figures", "output"), ("run", "cache_dir")):
        settings[section][key] = str((path.parent / settings[section][key]).resolve())
    if from_env:  # relative to the current folder, as everywhere the variable is read
        settings["run"]["cache_dir"] = str(Path(env).expanduser().resolve())
    _check_cache_dir(
        settings,
        env if from_env else given_cache,
        path,
        setting=CACHE_DIR_ENV if from_env else "run.cache_dir",
    )
    lexicon = settings["domains"]["lexicon"]
    if lexicon != "default":
        settings["domains"]["lexicon"] = str((path.parent / lexicon).resolve())
    return Study(path=path, settings=settings)


def _check_sweep_size(sweep: dict[str, Any], path: Path) -> None:
    """A sweep fits and keeps len(n_topics) x len(seeds) models."""
    from corpus_tm.limits import LIMITS

    limit = LIMITS["sweep_fits"]
    fits = len(sweep["n_topics"]) * len(sweep["seeds"])
    if fits > limit.high:
        raise ConfigError(
            f"{path}: sweep.n_topics x sweep.seeds = {len(sweep['n_topics'])} x "
            f"{len(sweep['seeds'])} = {fits:,} fits is too many: at most {limit.high:,}, because "
            f"{limit.why}. {limit.instead[0].upper()}{limit.instead[1:]}."
        )


def _check_groups(settings: dict[str, dict[str, Any]], path: Path) -> None:
    """``group_by`` and ``filename_fields``: well formed, and the figures that need them."""
    figures, corpus = settings["figures"], settings["corpus"]
    pattern = corpus.get("filename_fields")
    if pattern is not None:
        from corpus_tm.loading import filename_pattern

        try:
            filename_pattern(pattern)
        except ConfigError as exc:
            raise ConfigError(f"{path}: corpus.{exc}") from None
        if settings["run"]["engine"] == "spark":
            raise ConfigError(
                f"{path}: corpus.filename_fields is not read by the Spark engine; give the "
                "metadata in a metadata.csv beside the files, or use the local engine."
            )
    group_by = figures.get("group_by")
    if group_by is not None and (not group_by.strip() or group_by in ("text", "unit_id")):
        raise ConfigError(
            f"{path}: figures.group_by must name a metadata column of the documents (such as "
            f'"year" or "country"), not {group_by!r}.'
        )
    for name, key in FIGURE_NEEDS.items():
        if name in (figures["make"] or ()) and figures.get(key) is None:
            raise ConfigError(
                f"{path}: figures.make names {name!r}, which needs figures.{key} (a metadata "
                f'column such as "year"); set it or leave {name} out.'
            )


def _check_cache_dir(
    settings: dict[str, dict[str, Any]], given: str | None, path: Path, *, setting: str
) -> None:
    """Refuse a ``run.cache_dir`` that is the study's folder, the corpus or the home folder."""
    from corpus_tm.cache import DEFAULT_CACHE_DIRNAME, check_cache_dir

    try:
        check_cache_dir(
            settings["run"]["cache_dir"],
            setting=setting,
            given=given,
            study_dir=path.parent,
            corpus=settings["corpus"]["path"],
            instead=f'the default "{DEFAULT_CACHE_DIRNAME}" beside the study (leave '
            f"{'run.cache_dir out' if setting == 'run.cache_dir' else f'{setting} unset'}) "
            "or another folder of its own",
        )
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _check_preprocessing(values: dict[str, Any], path: Path) -> None:
    from corpus_tm.preprocessing import PreprocessSettings

    given = {key: value for key, value in values.items() if value is not None}
    try:
        PreprocessSettings(**given)
    except ConfigError as exc:
        raise ConfigError(f"{path}: preprocessing.{exc}") from None


def _drop_unused_backend_defaults(models: dict[str, Any], given: Any) -> None:
    """Leave out the defaults of the keys of backends the study does not use.

    Optional backends (``spark_lda``, registered when pyspark is installed) must not change
    a study's settings, and so its figures' manifest, for a study that does not use them.
    Keys the file sets, and keys a used backend declares too, stay.
    """
    from corpus_tm.backends import get_backend

    given = given if isinstance(given, dict) else {}
    used = {key for name in models["methods"] for key in get_backend(name).study_options}
    for name in _backend_names():
        if name in models["methods"]:
            continue
        for key in get_backend(name).study_options:
            if key not in used and key not in given and key not in SCHEMA["models"]:
                models.pop(key, None)


def _check_engine(settings: dict[str, dict[str, Any]], path: Path) -> None:
    """``engine = "spark"`` needs pyspark; ``spark_lda`` needs it whatever the engine."""
    import importlib.util

    if settings["run"]["engine"] == "spark" and importlib.util.find_spec("pyspark") is None:
        raise ConfigError(
            f'{path}: run.engine = "spark" needs pyspark; install it with '
            "pip install 'corpus_tm[spark]' (and Java 17), or use the local engine."
        )


def _check_overrides(overrides: dict[str, Any], backends: list[str], path: Path) -> None:
    from corpus_tm.backends import get_backend

    mapped = [
        get_backend(name).domain_method
        for name in backends
        if not get_backend(name).uses_lexicon
    ]
    example = 'domains.overrides.nmf_mapped = {"3" = "cyber"}'
    for method, table in overrides.items():
        if method not in mapped or not isinstance(table, dict):
            raise ConfigError(
                f"{path}: domains.overrides.{method} is not a table of a mapped method; "
                f"overrides are per method ({', '.join(mapped)}), e.g. {example}."
            )
        for topic, domain in table.items():
            if not topic.isdigit() or not isinstance(domain, str):
                raise ConfigError(
                    f"{path}: domains.overrides.{method} must map topic numbers to domain ids, "
                    f"e.g. {example}; not {topic!r} = {domain!r}."
                )


def load_study(path: str | os.PathLike[str]) -> Study:
    """Read and validate a study file.

    Parameters
    ----------
    path : path-like
        A TOML study file.

    Returns
    -------
    Study
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such study file. Give the path to a .toml study.") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror}).") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}).") from None
    return parse_study(data, path=path)
