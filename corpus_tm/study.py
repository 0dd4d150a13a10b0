"""Study files: a TOML description of one analysis in, validated settings out.

In: a TOML file (parsed with the standard library's safe ``tomllib``) that names the corpus,
sectioning, preprocessing, models, seeds and figures. Paths in it are relative to the file.
Out: :class:`Study`, a frozen dataclass of plain settings with paths resolved; every unknown
key or wrong type is a :class:`~corpus_tm.errors.ConfigError` naming the key and the expected
type.

The schema is :data:`SCHEMA`; ``corpus-tm figures --help`` and README.md show an example.
"""

from __future__ import annotations

import codecs
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus_tm.errors import ConfigError

# section -> key -> (expected type(s), default); a default of None means optional.
SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], Any]]] = {
    "study": {
        "name": (str, "study"),
        "description": (str, ""),
    },
    "corpus": {
        "path": (str, None),
        "unit": (str, "paragraph"),
        "window": (int, 5),
        "encoding": (str, None),
        "text_column": (str, "text"),
    },
    "preprocessing": {  # fields of corpus_tm.PreprocessSettings; None keeps its default
        "extra_stopwords": (list, []),
        "stopwords": (str, None),
        "no_below": ((int, float), None),
        "no_above": (float, None),
        "keep_n": (int, None),
        "min_length": (int, None),
        "lemmatize": (bool, None),
        "drop_numbers": (bool, None),
        "split_hyphens": (bool, None),
        "phrase_layers": (int, None),
        "phrase_min_count": (int, None),
        "phrase_threshold": (float, None),
    },
    "models": {
        "n_topics": ((int, str), 15),
        "random_state": (int, 1),
        "seeds": (list, [1, 2, 3]),
        "passes": (int, None),
        "iterations": (int, None),
        "free_topics": (int, 10),
        "keyatm_iterations": (int, 1000),
        "tfidf": (bool, True),
    },
    "sweep": {
        "method": (str, "nmf"),
        "init": (str, None),
        "n_topics": (list, [3, 4, 5, 6, 8, 10, 12]),
        "seeds": (list, [1, 2, 3]),
    },
    "domains": {
        "lexicon": (str, "default"),
        "attribution": (str, "soft"),
        "min_score": (float, None),
        "overrides": (dict, {}),
    },
    "aggregation": {
        "n_boot": (int, 1000),
        "random_state": (int, 1),
        "ci": (float, 0.9),
    },
    "figures": {
        "output": (str, "figures"),
        "formats": (list, ["png", "svg"]),
        "dpi": (int, 200),
        "doc_id": (str, None),
        "method": (str, "nmf_mapped"),
        "make": (list, None),
    },
    "run": {
        "n_jobs": (int, 1),
        "cache_dir": (str, ".corpus_tm_cache"),
    },
}


_SEED_LIMIT = 2**32  # numpy and scikit-learn take seeds below 2**32
_MAPPED_METHODS = ("lda_mapped", "nmf_mapped")
_METHODS = ("keyatm", *_MAPPED_METHODS, "dictionary")  # as corpus_tm.pipeline.METHODS
_FORMATS = ("png", "svg", "pdf")


def _at_least(low: int) -> Any:
    return lambda v: v >= low


def _seed(value: int) -> bool:
    return 0 <= value < _SEED_LIMIT


# (section, key) -> (check of a value of the right type, what the value must be)
VALUES: dict[tuple[str, str], tuple[Any, str]] = {
    ("corpus", "unit"): (
        lambda v: v in ("paragraph", "section", "sentences"),
        "'paragraph', 'section' or 'sentences'",
    ),
    ("corpus", "window"): (_at_least(1), "an integer >= 1 (sentences per unit)"),
    ("models", "n_topics"): (
        lambda v: v == "auto" if isinstance(v, str) else v >= 1,
        'an integer >= 1, or "auto" (the k the sweep recommends)',
    ),
    ("models", "random_state"): (_seed, "an integer from 0 to 2**32 - 1"),
    ("models", "seeds"): (
        lambda v: bool(v) and all(_is_int(x) and _seed(x) for x in v),
        "a non-empty list of integers from 0 to 2**32 - 1",
    ),
    ("models", "passes"): (_at_least(1), "an integer >= 1"),
    ("models", "iterations"): (_at_least(1), "an integer >= 1"),
    ("models", "free_topics"): (_at_least(0), "an integer >= 0"),
    ("models", "keyatm_iterations"): (_at_least(10), "an integer >= 10"),
    ("domains", "attribution"): (lambda v: v in ("soft", "hard"), "'soft' or 'hard'"),
    ("sweep", "method"): (lambda v: v in ("nmf", "lda"), "'nmf' or 'lda'"),
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
    ("figures", "dpi"): (lambda v: 10 <= v <= 2400, "an integer from 10 to 2400"),
    ("figures", "method"): (lambda v: v in _METHODS, " or ".join(map(repr, _METHODS))),
    ("figures", "make"): (
        lambda v: bool(v) and all(isinstance(x, str) for x in v),
        "a non-empty list of figure names",
    ),
    # scikit-learn's rule, as corpus_tm._parallel.resolve_n_jobs checks it everywhere
    ("run", "n_jobs"): (
        lambda v: v != 0,
        "a number of processes >= 1, or -1 (all cores), -2 (all but one) ...",
    ),
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Study:
    """A validated study.

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

    @property
    def name(self) -> str:
        """The study's name."""
        return self.settings["study"]["name"]

    @property
    def corpus_path(self) -> Path:
        """The corpus folder or file, resolved."""
        return Path(self.settings["corpus"]["path"])

    @property
    def output_dir(self) -> Path:
        """Where figures go, resolved."""
        return Path(self.settings["figures"]["output"])

    @property
    def cache_dir(self) -> Path:
        """Where built corpora and fitted models are cached, resolved."""
        return Path(self.settings["run"]["cache_dir"])


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
    unknown = sorted(set(data) - set(SCHEMA))
    if unknown:
        raise ConfigError(
            f"{path}: unknown section [{unknown[0]}]; known sections: {', '.join(SCHEMA)}."
        )
    settings: dict[str, dict[str, Any]] = {}
    for section, keys in SCHEMA.items():
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
                    raise ConfigError(f"{path}: {section}.{key} must be {check[1]}, not {value!r}.")
            else:
                values[key] = list(default) if isinstance(default, list) else default
        settings[section] = values
    if not settings["corpus"]["path"]:
        raise ConfigError(f'{path}: [corpus] needs path = "..." (relative to the study file).')
    _check_preprocessing(settings["preprocessing"], path)
    _check_overrides(settings["domains"]["overrides"], path)
    encoding = settings["corpus"]["encoding"]
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ConfigError(
                f"{path}: corpus.encoding {encoding!r} is not an encoding Python knows; use a "
                "name such as 'utf-8', 'gbk' or 'latin-1'."
            ) from None
    if settings["figures"]["make"] is not None:
        from corpus_tm.figures import FIGURES

        unknown = [name for name in settings["figures"]["make"] if name not in FIGURES]
        if unknown:
            raise ConfigError(
                f"{path}: figures.make names unknown figures {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(FIGURES)}."
            )
    for section, key in (("corpus", "path"), ("figures", "output"), ("run", "cache_dir")):
        settings[section][key] = str((path.parent / settings[section][key]).resolve())
    _check_cache_dir(settings, data.get("run", {}).get("cache_dir"), path)
    lexicon = settings["domains"]["lexicon"]
    if lexicon != "default":
        settings["domains"]["lexicon"] = str((path.parent / lexicon).resolve())
    return Study(path=path, settings=settings)


def _check_cache_dir(settings: dict[str, dict[str, Any]], given: str | None, path: Path) -> None:
    """Refuse a ``run.cache_dir`` that is the study's folder, the corpus or the home folder."""
    from corpus_tm.cache import DEFAULT_CACHE_DIRNAME, check_cache_dir

    try:
        check_cache_dir(
            settings["run"]["cache_dir"],
            setting="run.cache_dir",
            given=given,
            study_dir=path.parent,
            corpus=settings["corpus"]["path"],
            instead=f'the default "{DEFAULT_CACHE_DIRNAME}" beside the study (leave '
            "run.cache_dir out) or another folder of its own",
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


def _check_overrides(overrides: dict[str, Any], path: Path) -> None:
    example = 'domains.overrides.nmf_mapped = {"3" = "cyber"}'
    for method, table in overrides.items():
        if method not in _MAPPED_METHODS or not isinstance(table, dict):
            raise ConfigError(
                f"{path}: domains.overrides.{method} is not a table of a mapped method; "
                f"overrides are per method ({', '.join(_MAPPED_METHODS)}), e.g. {example}."
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
