"""Topic-model backends: the one registry every stage reads.

In: a backend's name (``"lda"``, ``"nmf"``, ``"keyatm"``, or one registered with
:func:`register_backend`).
Out: a :class:`Backend`: how to fit it, its own fit measures, its labels, the study settings
it reads and how its topics become domain shares.

Fitting (:func:`corpus_tm.fit_model`), evaluation and sweeps (:func:`corpus_tm.evaluate`,
:func:`corpus_tm.sweep`), domain shares, the study file (``[models] methods`` and the
backend's own keys), the pipeline's cache keys, the CLI's ``--method`` and the figures' titles
all look a backend up here; none of them names a backend. A new backend is therefore one
module with a fit function plus one registration line::

    register_backend(Backend(name="toy", label="Toy", fit=fit_toy))

Every backend returns a :class:`~corpus_tm.models.TopicModel`, so saving and loading is the
model file's (:func:`~corpus_tm.models.save_model`): a backend keeps what it needs to apply
the model again as arrays in ``TopicModel.state`` and JSON-able ``params``.

This module imports nothing heavy: the built-in fit functions are imported when first called.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from corpus_tm.errors import ConfigError

if TYPE_CHECKING:
    from corpus_tm.corpus import Corpus
    from corpus_tm.domains import DomainShares
    from corpus_tm.lexicon import Lexicon
    from corpus_tm.models import TopicModel

__all__ = [
    "Backend",
    "available_backends",
    "domain_method_backend",
    "fit_seeds",
    "get_backend",
    "mapped_domain_shares",
    "register_backend",
]


def mapped_domain_shares(
    model: TopicModel,
    corpus: Corpus,
    lexicon: Lexicon,
    *,
    dictionary: DomainShares | None = None,
    attribution: Literal["soft", "hard"] = "soft",
    overrides: Mapping[int, str] | None = None,
    min_score: float | None = None,
) -> DomainShares:
    """Domain shares of a topic model: :func:`~corpus_tm.map_topics`, then soft or hard
    attribution (:func:`~corpus_tm.domain_shares`). What every backend uses unless it brings
    its own reading of its topics (keyATM).

    Parameters
    ----------
    model : TopicModel
    corpus : Corpus
        The corpus the model was fitted on.
    lexicon : Lexicon
    dictionary : DomainShares, optional
        Sentence-level dictionary shares of ``corpus`` (the soft attribution's baseline).
    attribution : {"soft", "hard"}, default "soft"
    overrides : mapping of int to str, optional
        Hand-set domains of topics (``{topic: domain}``), kept in the mapping table.
    min_score : float, optional
        :func:`~corpus_tm.map_topics`'s threshold (its default when ``None``).

    Returns
    -------
    DomainShares
    """
    from corpus_tm.domains import domain_shares, map_topics
    from corpus_tm.lexicon import corpus_languages

    options: dict[str, Any] = {} if min_score is None else {"min_score": min_score}
    mapping = map_topics(
        model,
        lexicon,
        overrides=dict(overrides or {}) or None,
        languages=corpus_languages(corpus, lexicon),
        **options,
    )
    return domain_shares(
        model, mapping, corpus, lexicon=lexicon, attribution=attribution, dictionary=dictionary
    )


@dataclass(frozen=True)
class Backend:
    """One topic-model backend.

    Attributes
    ----------
    name : str
        Its id: ``TopicModel.method``, ``sweep(method=...)``, ``fit_model(corpus, name, k)`` and
        the study's ``[models] methods`` use it.
    label : str
        Short name for titles (``"LDA"``).
    fit : callable or str
        ``fit(corpus, n_topics, *, random_state, progress, **options) -> TopicModel``, or
        ``fit(corpus, *, lexicon, random_state, progress, **options)`` when
        :attr:`uses_lexicon`; ``random_state`` must fix the result. A string
        ``"module:function"`` is imported on first use (keeps ``import corpus_tm`` light).
    description : str
        What the figures call its domain shares (``"LDA, topics attributed to domains"``).
    score : callable or str, optional
        ``score(model, corpus) -> dict of str to float``: the backend's own fit measures that
        :func:`~corpus_tm.evaluate` adds to coherence and diversity (LDA: perplexity; NMF:
        reconstruction error).
    domain_method : str, optional
        The name of its domain shares in the study results and figures; by default
        ``"<name>_mapped"``.
    shares : callable or str
        ``shares(model, corpus, lexicon, *, dictionary, attribution, overrides, min_score)
        -> DomainShares``: how its topics become domains; by default
        :func:`mapped_domain_shares`.
    uses_lexicon : bool, default False
        Its topics are seeded from the lexicon (keyATM): ``fit`` gets ``lexicon=``, the
        number of topics comes from the lexicon and the backend's options, not from k, so the
        study fits it once whatever k is and sweeps over k do not offer it.
    study_options : mapping
        Keys of the study's ``[models]`` table the backend reads: ``{key: (type, default)}``
        (a default of ``None``: optional).
    fit_options : callable
        ``fit_options(models) -> dict``: the fit keywords from the study's ``[models]``
        values. Only these (and k and the seed) enter the cache key of the backend's fit.
    progress : bool, default True
        Whether ``fit`` takes ``progress=``.
    cost : callable or str, optional
        ``cost(corpus, n_topics, params) -> float``: estimated one-core seconds of one fit,
        from which a sweep decides whether worker processes pay
        (:func:`corpus_tm.models.lda_fit_seconds`). Without it a sweep uses the processes
        ``n_jobs`` allows whenever cores are free.
    """

    name: str
    label: str
    fit: Callable[..., TopicModel] | str
    description: str = ""
    score: Callable[[TopicModel, Corpus], dict[str, float]] | str | None = None
    domain_method: str = ""
    shares: Callable[..., DomainShares] | str = mapped_domain_shares
    uses_lexicon: bool = False
    study_options: Mapping[str, tuple[type | tuple[type, ...], Any]] = field(default_factory=dict)
    fit_options: Callable[[Mapping[str, Any]], dict[str, Any]] = lambda models: {}
    progress: bool = True
    cost: Callable[[Corpus, int, Mapping[str, Any]], float] | str | None = None

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ConfigError(f"backend name must be a Python identifier, not {self.name!r}.")
        if not self.domain_method:
            object.__setattr__(self, "domain_method", f"{self.name}_mapped")
        if not self.description:
            object.__setattr__(self, "description", f"{self.label}, topics attributed to domains")

    @property
    def fit_function(self) -> Callable[..., TopicModel]:
        """:attr:`fit`, imported if it was given as ``"module:function"``."""
        return _resolve(self.fit)

    def fit_model(
        self,
        corpus: Corpus,
        n_topics: int | None = None,
        *,
        random_state: int | None = None,
        progress: bool | None = None,
        lexicon: Lexicon | None = None,
        n_jobs: int | None = None,
        **options: Any,
    ) -> TopicModel:
        """Fit the backend with its calling convention (see :attr:`fit`).

        ``n_topics`` is ignored by a backend that :attr:`uses_lexicon`, ``lexicon`` by the
        others, ``progress`` by those without :attr:`progress`, ``n_jobs`` by those whose fit
        function does not take it.
        """
        if self.progress:
            options["progress"] = progress
        if n_jobs is not None and "n_jobs" in inspect.signature(self.fit_function).parameters:
            options["n_jobs"] = n_jobs
        if self.uses_lexicon:
            return self.fit_function(corpus, lexicon=lexicon, random_state=random_state, **options)
        return self.fit_function(corpus, n_topics, random_state=random_state, **options)

    def fit_seconds(self, corpus: Corpus, n_topics: int, params: Mapping[str, Any]) -> float:
        """Estimated one-core seconds of one fit (infinite when the backend has no
        :attr:`cost`: nothing says that one process is enough)."""
        if self.cost is None:
            return math.inf
        return float(_resolve(self.cost)(corpus, n_topics, params))

    def fit_measures(self, model: TopicModel, corpus: Corpus) -> dict[str, float]:
        """The backend's own fit measures of ``model`` (empty without :attr:`score`)."""
        return {} if self.score is None else dict(_resolve(self.score)(model, corpus))

    def domain_shares(
        self,
        model: TopicModel,
        corpus: Corpus,
        lexicon: Lexicon,
        *,
        dictionary: DomainShares | None = None,
        attribution: Literal["soft", "hard"] = "soft",
        overrides: Mapping[int, str] | None = None,
        min_score: float | None = None,
    ) -> DomainShares:
        """Domain shares of ``model`` as this backend reads its topics (see :attr:`shares`)."""
        return _resolve(self.shares)(
            model,
            corpus,
            lexicon,
            dictionary=dictionary,
            attribution=attribution,
            overrides=overrides,
            min_score=min_score,
        )


    def fit_shares(
        self,
        corpus: Corpus,
        n_topics: int | None,
        lexicon: Lexicon,
        *,
        random_state: int | None = None,
        n_fits: int = 1,
        dictionary: DomainShares | None = None,
        attribution: Literal["soft", "hard"] = "soft",
        overrides: Mapping[int, str] | None = None,
        min_score: float | None = None,
        progress: bool | None = None,
        n_jobs: int | None = None,
        **options: Any,
    ) -> DomainShares:
        """Fit the backend ``n_fits`` times and average the fits' unit domain shares.

        A topic model fitted once gives shares that depend on its seed: on a small corpus the
        top domain of a section that is a close call between two domains can change with the
        seed. Domains are the same for every fit (topics are not), so the shares of several
        fits can be averaged, which makes the result depend much less on the seed
        (``benchmarks/validation/REPORT.md``, check (d)).

        Parameters
        ----------
        corpus, n_topics, lexicon, progress, n_jobs, **options
            As for :meth:`fit_model`.
        random_state : int or None
            Seed of the first fit; fit ``i`` (from 1) gets :func:`fit_seeds`'s seed ``i``.
        n_fits : int, default 1
            Fits whose shares are averaged; 1 is :meth:`fit_model` then :meth:`domain_shares`.
        dictionary, attribution, overrides, min_score
            As for :meth:`domain_shares`.

        Returns
        -------
        DomainShares
            The mean of the fits' shares (rows still sum to 1). ``model``, ``mapping`` and
            ``attribution`` are those of the first fit (the topics of different fits do not
            correspond); ``params`` adds ``n_fits`` and the ``fit_seeds`` when ``n_fits > 1``.
        """
        from corpus_tm.checks import check_int

        n_fits = check_int("n_fits", n_fits, low=1)
        fits = []
        for seed in fit_seeds(random_state, n_fits):
            model = self.fit_model(
                corpus,
                n_topics,
                random_state=seed,
                progress=progress if n_fits == 1 else False,
                lexicon=lexicon,
                n_jobs=n_jobs,
                **dict(options),
            )
            fits.append(
                self.domain_shares(
                    model,
                    corpus,
                    lexicon,
                    dictionary=dictionary,
                    attribution=attribution,
                    overrides=overrides,
                    min_score=min_score,
                )
            )
        if n_fits == 1:
            return fits[0]
        import dataclasses

        import numpy as np

        first = fits[0]
        mean = np.mean([f.shares.to_numpy(dtype=float) for f in fits], axis=0)
        shares = first.shares.copy()
        shares.iloc[:, :] = mean / mean.sum(axis=1, keepdims=True)
        params = {**first.params, "n_fits": n_fits, "fit_seeds": fit_seeds(random_state, n_fits)}
        return dataclasses.replace(first, shares=shares, params=params)


def fit_seeds(random_state: int | None, n_fits: int) -> list[int | None]:
    """Seeds of ``n_fits`` fits that start from ``random_state``.

    The first is ``random_state`` itself (one fit is the plain fit); fit ``i`` gets the first
    word of ``numpy.random.SeedSequence([random_state, i])``, so the seeds of different
    ``random_state`` do not overlap as ``random_state + i`` would. ``None`` gives ``None``
    for every fit (not reproducible).
    """
    if random_state is None:
        return [None] * n_fits
    import numpy as np

    seeds: list[int | None] = [random_state]
    for i in range(1, n_fits):
        seeds.append(int(np.random.SeedSequence([random_state, i]).generate_state(1)[0]))
    return seeds


def _resolve(target: Callable[..., Any] | str) -> Callable[..., Any]:
    if callable(target):
        return target
    module, _, name = target.partition(":")
    import importlib

    return getattr(importlib.import_module(module), name)


_REGISTRY: dict[str, Backend] = {}


def register_backend(backend: Backend, *, replace: bool = False) -> Backend:
    """Make ``backend`` available to every stage under ``backend.name``.

    Parameters
    ----------
    backend : Backend
    replace : bool, default False
        Replace a backend of the same name (otherwise that is an error).

    Returns
    -------
    Backend
        ``backend``, so the call can be the registration line of a module.
    """
    if not isinstance(backend, Backend):
        raise ConfigError(f"register_backend takes a Backend, not {type(backend).__name__}.")
    if backend.name in _REGISTRY and not replace:
        raise ConfigError(
            f"a backend named {backend.name!r} is already registered; pass replace=True to "
            "replace it."
        )
    _REGISTRY[backend.name] = backend
    return backend


def get_backend(name: str) -> Backend:
    """The backend registered as ``name``; a :class:`ConfigError` names the known ones."""
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ConfigError(
            f"no topic-model backend {name!r}; known: {', '.join(map(repr, _REGISTRY))} "
            "(register others with corpus_tm.register_backend)."
        ) from None


def available_backends(*, sweepable: bool = False) -> list[str]:
    """Names of the registered backends, in registration order.

    Parameters
    ----------
    sweepable : bool, default False
        Only those whose number of topics is chosen by k (not seeded from the lexicon).
    """
    return [b.name for b in _REGISTRY.values() if not (sweepable and b.uses_lexicon)]


def domain_method_backend(method: str) -> Backend | None:
    """The backend whose domain shares are called ``method`` (``None`` for the dictionary)."""
    for backend in _REGISTRY.values():
        if backend.domain_method == method:
            return backend
    return None


# --------------------------------------------------------------------------------------------
# The built-in backends. Their modules are imported on first use.


def _keyatm_shares(
    model: TopicModel,
    corpus: Corpus,
    lexicon: Lexicon,
    *,
    dictionary: DomainShares | None = None,
    attribution: Literal["soft", "hard"] = "soft",
    overrides: Mapping[int, str] | None = None,
    min_score: float | None = None,
) -> DomainShares:
    """keyATM's own domain shares; the study's "hard" attribution is keyATM's "keyword"."""
    from corpus_tm.keyatm import keyatm_domain_shares

    if overrides:
        raise ConfigError("keyATM's topics are its lexicon's domains; they take no overrides.")
    return keyatm_domain_shares(
        model,
        corpus,
        lexicon,
        attribution="soft" if attribution == "soft" else "keyword",
        dictionary=dictionary,
    )


def _given(models: Mapping[str, Any], **keys: str) -> dict[str, Any]:
    """The fit keywords (values of ``keys``) of the study keys (names) that are set."""
    return {fit_key: models[key] for key, fit_key in keys.items() if models.get(key) is not None}


# Registration order is the order of the study's methods, tables and figures.
register_backend(
    Backend(
        name="keyatm",
        label="keyATM",
        fit="corpus_tm.keyatm:fit_keyatm_model",
        description="keyword-assisted topic model (keyATM)",
        domain_method="keyatm",
        shares=_keyatm_shares,
        uses_lexicon=True,
        study_options={"free_topics": (int, 10), "keyatm_iterations": (int, 1000)},
        fit_options=lambda models: _given(
            models, free_topics="n_free_topics", keyatm_iterations="iterations"
        ),
    )
)
register_backend(
    Backend(
        name="lda",
        label="LDA",
        fit="corpus_tm.models:fit_lda",
        score="corpus_tm.evaluation:lda_fit_measures",
        cost="corpus_tm.models:lda_fit_seconds",
        study_options={
            "passes": (int, None),
            "iterations": (int, None),
            "lda_dtype": (str, "float64"),
        },
        fit_options=lambda models: _given(
            models, passes="passes", iterations="iterations", lda_dtype="dtype"
        ),
    )
)
register_backend(
    Backend(
        name="nmf",
        label="NMF",
        fit="corpus_tm.models:fit_nmf",
        score="corpus_tm.evaluation:nmf_fit_measures",
        cost="corpus_tm.models:nmf_fit_seconds",
        study_options={"tfidf": (bool, True)},
        fit_options=lambda models: {
            "weighting": "tfidf" if models.get("tfidf", True) else "counts"
        },
        progress=False,
    )
)


def _spark_available() -> bool:
    """pyspark is installed (looked up, not imported: ``import corpus_tm`` stays light)."""
    import importlib.util

    return importlib.util.find_spec("pyspark") is not None


# LDA on Apache Spark (pyspark.ml.clustering.LDA; corpus_tm/spark.py), when pyspark is
# installed. A backend of its own rather than a swap of "lda": its inference is Spark's, so its
# topics differ from gensim's and must not share their cache entries or figure titles.
if _spark_available():
    register_backend(
        Backend(
            name="spark_lda",
            label="Spark LDA",
            fit="corpus_tm.spark:fit_spark_lda",
            score="corpus_tm.spark:spark_lda_measures",
            description="Spark LDA, topics attributed to domains",
            study_options={
                "spark_optimizer": (str, "online"),
                "spark_max_iter": (int, 50),
                "spark_subsampling_rate": (float, 0.5),
            },
            fit_options=lambda models: _given(
                models,
                spark_optimizer="optimizer",
                spark_max_iter="max_iter",
                spark_subsampling_rate="subsampling_rate",
            ),
        )
    )
