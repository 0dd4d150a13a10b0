"""Domain shares across sections: aggregation, intervals, evidence and comparisons.

In: :class:`~corpus_tm.domains.DomainShares` (unit-level domain shares from any of the three
methods, or a list of them from several model seeds).
Out: tidy tables. :func:`section_shares` gives the share of every domain in every document,
part or sub-section with an interval; :func:`group_shares` the share of every domain in each
group of documents that a metadata column forms (year, country, ...), with an interval from
resampling the group's documents; :func:`domain_evidence` the units and sentences behind
a share, with their text; :func:`compare_sections` the difference between two sections on a
domain with a permutation test; :func:`compare_profiles` how alike two sections' whole
domain profiles are.

Sections are named ``"<doc_id>"`` (the whole document), ``"<doc_id>/<part>"`` (a part, e.g.
``"qiushi-2020-08/3"``) or ``"<doc_id>/<part>.<section>"`` (a sub-section, e.g.
``"qiushi-2020-08/3.2"``; section 0 is the part's introduction). A list of names selects
their union. The names are the ``doc_id`` and ``section`` columns of :func:`section_shares`.

What the numbers mean
---------------------
A section's share of a domain is the token-weighted mean of its units' shares (weights from
the unit table's ``n_tokens``): the share of the section's text that the method gives to the
domain. The interval says how much that number depends on which units happen to be in the
section or which model seed was used; it is not a confidence interval for a "true" share of
the author's intentions.

- ``"bootstrap"``: units are resampled with replacement within each section (``n_boot``
  times) and the ``ci`` percentile interval of the weighted share is reported. It reflects
  the spread between the section's units. With fewer than ``min_units`` units it means
  little (a section of one unit has no interval at all: ``lower`` and ``upper`` are NaN),
  and a :class:`SmallSampleWarning` says so.
- ``"seeds"``: the ``ci`` percentile interval of the section share across model seeds (pass
  several :class:`DomainShares` fitted with different ``random_state``); with a handful of
  seeds this is close to their minimum and maximum. It reflects the instability of the model.
- ``"both"``: each bootstrap replicate draws a seed at random and resamples the units, so the
  interval covers both sources of variation.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from corpus_tm.checks import check_int
from corpus_tm.domains import OTHER, DomainShares, sentence_domain_scores
from corpus_tm.errors import ConfigError, CorpusTmWarning
from corpus_tm.limits import check_size
from corpus_tm.reporting import shorten_label
from corpus_tm.sectioning import split_sentences

__all__ = [
    "Evidence",
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
]

Level = Literal["document", "part", "section"]
Interval = Literal["bootstrap", "seeds", "both", "none"]

_SECTION_COLUMNS = [
    "method",
    "level",
    "doc_id",
    "section",
    "label",
    "order",
    "domain",
    "share",
    "lower",
    "upper",
    "n_units",
    "n_tokens",
    "interval",
]
_NAME = re.compile(r"^(?P<doc>.+?)(?:/(?P<part>\d+)(?:\.(?P<section>\d+))?)?$")


class ThinProfileWarning(CorpusTmWarning):
    """A compared section's named domains hold little of its text (:func:`compare_profiles`)."""


class SmallSampleWarning(CorpusTmWarning):
    """A section has too few units (or a study too few seeds) for an interval to mean much."""


# --------------------------------------------------------------------------------------------
# Inputs


def _as_list(shares: DomainShares | Sequence[DomainShares]) -> list[DomainShares]:
    items = [shares] if isinstance(shares, DomainShares) else list(shares)
    if not items or not all(isinstance(s, DomainShares) for s in items):
        raise ConfigError(
            "shares must be a DomainShares (from dictionary_shares, fit_seeded_lda or "
            "domain_shares) or a non-empty list of them."
        )
    first = items[0]
    for other in items[1:]:
        if other.method != first.method:
            raise ConfigError(
                f"All DomainShares in the list must come from the same method, not "
                f"{first.method!r} and {other.method!r}; aggregate each method on its own."
            )
        if list(other.shares.index) != list(first.shares.index) or list(
            other.shares.columns
        ) != list(first.shares.columns):
            raise ConfigError(
                "All DomainShares in the list must cover the same units and domains (fits of "
                "one corpus and one lexicon with different random_state)."
            )
    return items


def _weights(units: pd.DataFrame, weights: str | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(units))
    if weights not in units.columns:
        raise ConfigError(
            f"weights={weights!r} is not a column of the unit table; use 'n_tokens' (from "
            "read_corpus) or None for equal weights."
        )
    values = pd.to_numeric(units[weights], errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).any() or (values < 0).any():
        raise ConfigError(f"Column {weights!r} must hold non-negative numbers for every unit.")
    return values


def _check_columns(units: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in units.columns]
    if missing:
        raise ConfigError(
            f"The unit table lacks columns {missing}; section shares need the unit table of "
            "read_corpus (doc_id, part, section, label, n_tokens)."
        )


def _group_keys(units: pd.DataFrame, level: Level) -> tuple[np.ndarray, pd.DataFrame]:
    """Group index of each unit and one row per group: doc_id, section, label, order."""
    if level not in ("document", "part", "section"):
        raise ConfigError(f"level must be 'document', 'part' or 'section', not {level!r}.")
    _check_columns(
        units,
        ["doc_id"]
        + (["part"] if level != "document" else [])
        + (["section"] if level == "section" else []),
    )
    doc = units["doc_id"].astype(str).to_numpy()
    if level == "document":
        section = np.full(len(units), "", dtype=object)
        label = doc.astype(object)
    elif level == "part":
        section = units["part"].astype(int).astype(str).to_numpy(dtype=object)
        if "part_label" in units.columns:
            label = units["part_label"].astype(str).to_numpy(dtype=object)
        else:
            label = np.array([f"Part {p}" for p in section], dtype=object)
        if "part_title" in units.columns:
            titles = units["part_title"].fillna("").astype(str).to_numpy(dtype=object)
            label = np.array(
                [
                    f"{lab} {shorten_label(t)}" if t and t != lab else lab
                    for lab, t in zip(label, titles, strict=True)
                ],
                dtype=object,
            )
    else:
        section = (
            units["part"].astype(int).astype(str) + "." + units["section"].astype(int).astype(str)
        ).to_numpy(dtype=object)
        if "label" in units.columns:
            label = units["label"].astype(str).to_numpy(dtype=object)
        else:
            label = section.copy()
    keys = pd.MultiIndex.from_arrays([doc, section])
    codes, uniques = pd.factorize(keys)  # order of first appearance
    first = pd.Series(np.arange(len(units))).groupby(codes).min().to_numpy()
    groups = pd.DataFrame(
        {
            "doc_id": [d for d, _ in uniques],
            "section": [s for _, s in uniques],
            "label": label[first],
        }
    )
    groups["order"] = groups.groupby("doc_id", sort=False).cumcount().astype(np.int64)
    return codes, groups


def _select(units: pd.DataFrame, selector: str | Sequence[str]) -> tuple[np.ndarray, str]:
    """Boolean mask of the units in a named section (or a union of sections)."""
    names = [selector] if isinstance(selector, str) else list(selector)
    if not names:
        raise ConfigError("A section selector must name at least one section.")
    mask = np.zeros(len(units), dtype=bool)
    doc = units["doc_id"].astype(str).to_numpy()
    documents = set(doc)
    for name in names:
        match = None if str(name) in documents else _NAME.match(str(name))
        doc_id = match.group("doc") if match else str(name)
        if doc_id not in documents:
            raise ConfigError(
                f"Section {name!r}: no document {doc_id!r}; documents are "
                f"{', '.join(pd.unique(doc)[:10])}. Name sections 'doc_id', 'doc_id/part' or "
                "'doc_id/part.section'."
            )
        here = doc == doc_id
        if match and match.group("part") is not None:
            _check_columns(units, ["part"])
            here &= units["part"].astype(int).to_numpy() == int(match.group("part"))
            if match.group("section") is not None:
                _check_columns(units, ["section"])
                here &= units["section"].astype(int).to_numpy() == int(match.group("section"))
        if not here.any():
            _, groups = _group_keys(units[doc == doc_id], "section")
            raise ConfigError(
                f"Section {name!r} has no units; sections of {doc_id!r} are "
                f"{', '.join(groups['section'])}."
            )
        mask |= here
    return mask, " + ".join(str(n) for n in names)


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    total = weights.sum()
    if total <= 0:
        return np.full(values.shape[1], np.nan)
    return weights @ values / total


def _check_ci(ci: object) -> float:
    if isinstance(ci, bool) or not isinstance(ci, float | int) or not 0 < ci < 1:
        raise ConfigError(f"ci must be a number between 0 and 1 (e.g. 0.95), not {ci!r}.")
    return float(ci)


#: Cells of the replicates x items array of resample counts drawn at a time (32 MB of int64):
#: the bootstrap's memory does not grow with ``n_boot`` times the size of a section.
_RESAMPLE_CELLS = 4_000_000


def _resample(
    rng: np.random.Generator, n_boot: int, weights: np.ndarray, values: list[np.ndarray]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Weighted sums of ``n_boot`` resamples (with replacement) of ``n`` items.

    Returns the total weight of each replicate (``n_boot``) and, for each matrix of
    ``values`` (``n x D``), the weighted sums of the replicates (``n_boot x D``). The draws
    are made in chunks of at most :data:`_RESAMPLE_CELLS` cells; numpy's generator gives
    the same numbers in chunks as in one call, so the result does not depend on the chunk.
    """
    n = len(weights)
    chunk = max(1, _RESAMPLE_CELLS // max(n, 1))
    totals = np.empty(n_boot)
    sums = [np.empty((n_boot, v.shape[1])) for v in values]
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        draws = rng.integers(0, n, size=(size, n)) + n * np.arange(size)[:, None]
        counts = np.bincount(draws.ravel(), minlength=size * n).reshape(size, n) * weights
        totals[start : start + size] = counts.sum(axis=1)
        for out, v in zip(sums, values, strict=True):
            out[start : start + size] = counts @ v
    return totals, sums


# --------------------------------------------------------------------------------------------
# Section shares


def section_shares(
    shares: DomainShares | Sequence[DomainShares],
    *,
    level: Level = "section",
    interval: Interval | None = None,
    n_boot: int = 1000,
    ci: float = 0.95,
    weights: str | None = "n_tokens",
    min_units: int = 5,
    random_state: int | None = None,
) -> pd.DataFrame:
    """Domain shares of every document, part or sub-section, with intervals.

    Parameters
    ----------
    shares : DomainShares or list of DomainShares
        Unit-level shares; a list holds fits of one method with different model seeds (their
        shares are averaged).
    level : {"document", "part", "section"}, default "section"
        The level of the section tree to aggregate to.
    interval : {"bootstrap", "seeds", "both", "none"}, optional
        See the module docstring. Default: ``"bootstrap"`` for one DomainShares, ``"both"``
        for a list.
    n_boot : int, default 1000
        Bootstrap replicates.
    ci : float, default 0.95
        Coverage of the percentile interval.
    weights : str or None, default "n_tokens"
        Unit table column with each unit's weight; ``None`` weighs units equally.
    min_units : int, default 5
        Sections with fewer units get a :class:`SmallSampleWarning` when the interval
        resamples units.
    random_state : int or None
        Seed of the bootstrap's random generator; the same seed gives the same table.

    Returns
    -------
    pandas.DataFrame
        One row per section and domain (lexicon domains, then ``other``), sections in
        document order: ``method, level, doc_id, section, label, order, domain, share, lower,
        upper, n_units, n_tokens, interval``. ``section`` is ``""`` for whole documents,
        ``"3"`` for part 3, ``"3.2"`` for its second sub-section; ``label`` is the doc_id,
        the part label and title (shortened) or the unit table's sub-section label;
        ``order`` numbers the sections of a document from 0; ``n_tokens`` sums the unit
        table's ``n_tokens`` (or the weights, without that column). The shares of a section
        sum to 1 over the domains; ``interval`` says which interval was computed.

    Warns
    -----
    SmallSampleWarning
        When sections have fewer than ``min_units`` units, or fewer than 3 seeds are given
        for a seed interval.
    """
    items = _as_list(shares)
    if interval is None:
        interval = "bootstrap" if len(items) == 1 else "both"
    if interval not in ("bootstrap", "seeds", "both", "none"):
        raise ConfigError(
            f"interval must be 'bootstrap', 'seeds', 'both' or 'none', not {interval!r}."
        )
    if interval in ("seeds", "both") and len(items) < 2:
        raise ConfigError(
            f"interval={interval!r} needs several DomainShares fitted with different "
            "random_state; pass a list, or use interval='bootstrap'."
        )
    n_boot = check_size("n_boot", n_boot)
    ci = _check_ci(ci)
    min_units = check_int("min_units", min_units)
    units = items[0].units
    w = _weights(units, weights)
    stack = np.stack([s.shares.to_numpy(dtype=float) for s in items])  # seeds x units x D
    mean = stack.mean(axis=0)
    codes, groups = _group_keys(units, level)
    rng = np.random.default_rng(random_state)
    quantiles = [(1 - ci) / 2, 1 - (1 - ci) / 2]
    domains = list(items[0].shares.columns)
    n_domains = len(domains)
    point = np.zeros((len(groups), n_domains))
    lower = np.full((len(groups), n_domains), np.nan)
    upper = np.full((len(groups), n_domains), np.nan)
    n_units = np.zeros(len(groups), dtype=np.int64)
    small: list[str] = []
    names = [
        f"{d}/{s}".rstrip("/") for d, s in zip(groups["doc_id"], groups["section"], strict=True)
    ]
    by_group = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[by_group], np.arange(len(groups) + 1))
    for g in range(len(groups)):
        rows = by_group[bounds[g] : bounds[g + 1]]
        n = len(rows)
        n_units[g] = n
        wg = w[rows]
        point[g] = _weighted_mean(mean[rows], wg)
        if interval == "none":
            continue
        if interval in ("bootstrap", "both") and n < min_units:
            small.append(f"{names[g]} ({n})")
        if interval == "seeds":
            per_seed = np.stack([_weighted_mean(stack[j][rows], wg) for j in range(len(items))])
            lower[g], upper[g] = np.nanquantile(per_seed, quantiles, axis=0)
            continue
        if n < 2 and interval == "bootstrap":
            continue
        if interval == "bootstrap":
            totals, (estimates,) = _resample(rng, n_boot, wg, [mean[rows]])
        else:  # each replicate also draws a seed
            totals, per_seed_sums = _resample(
                rng, n_boot, wg, [stack[j][rows] for j in range(len(items))]
            )
            seed_of = rng.integers(0, len(items), size=n_boot)
            estimates = np.zeros((n_boot, n_domains))
            for j in range(len(items)):
                drawn = seed_of == j
                estimates[drawn] = per_seed_sums[j][drawn]
        valid = totals > 0
        if valid.any():
            estimates = estimates[valid] / totals[valid, None]
            lower[g], upper[g] = np.quantile(estimates, quantiles, axis=0)
    if small:
        shown = ", ".join(small[:8]) + (" ..." if len(small) > 8 else "")
        warnings.warn(
            f"{len(small)} of {len(groups)} sections have fewer than {min_units} units, so "
            f"their bootstrap intervals mean little (units in brackets; one unit gives no "
            f"interval): {shown}. Aggregate to a higher level or use smaller units "
            "(read_corpus(unit='sentences')).",
            SmallSampleWarning,
            stacklevel=2,
        )
    if interval in ("seeds", "both") and len(items) < 3:
        warnings.warn(
            f"Only {len(items)} seeds: the seed part of the interval is their range at best.",
            SmallSampleWarning,
            stacklevel=2,
        )
    if "n_tokens" in units.columns:
        counts = pd.to_numeric(units["n_tokens"], errors="coerce").fillna(0).to_numpy()
        n_tokens = pd.Series(counts).groupby(codes).sum().to_numpy().astype(np.int64)
    else:
        n_tokens = pd.Series(w).groupby(codes).sum().to_numpy()
    table = groups.loc[np.repeat(np.arange(len(groups)), n_domains)].reset_index(drop=True)
    table.insert(0, "level", level)
    table.insert(0, "method", items[0].method)
    table["domain"] = np.tile(domains, len(groups))
    table["share"] = point.ravel()
    table["lower"] = lower.ravel()
    table["upper"] = upper.ravel()
    table["n_units"] = np.repeat(n_units, n_domains)
    table["n_tokens"] = np.repeat(n_tokens, n_domains)
    table["interval"] = interval
    return table[_SECTION_COLUMNS]


# --------------------------------------------------------------------------------------------
# Shares by group of documents


_GROUP_COLUMNS = [
    "method",
    "group_by",
    "group",
    "domain",
    "share",
    "lower",
    "upper",
    "n_documents",
    "n_units",
    "n_tokens",
    "interval",
]


def _group_order(values: pd.Series) -> list[object]:
    """The distinct values of a metadata column in order: numbers by size, text alphabetically."""
    distinct = pd.unique(values).tolist()
    numbers = pd.to_numeric(pd.Series(distinct, dtype=object), errors="coerce")
    if not pd.api.types.is_bool_dtype(values) and numbers.notna().all():
        # numbers, or text that is all numbers ("2020" from a metadata.csv)
        return [distinct[i] for i in np.argsort(numbers.to_numpy(dtype=float), kind="stable")]
    return sorted(distinct, key=str)


def group_shares(
    shares: DomainShares | Sequence[DomainShares],
    by: str,
    *,
    n_boot: int = 1000,
    ci: float = 0.95,
    weights: str | None = "n_tokens",
    min_documents: int = 5,
    random_state: int | None = None,
) -> pd.DataFrame:
    """Domain shares of the groups of documents a metadata column forms, with intervals.

    The documents are grouped by their value of ``by`` (a column of the unit table: a
    metadata column such as ``year``, ``country`` or ``group``). A group's share of a domain
    is the token-weighted mean of its units' shares, as in :func:`section_shares` with
    ``level="document"`` over the group's documents together. The interval comes from a
    bootstrap over **documents**: each replicate draws the group's documents with
    replacement (a document brings all its units), so it says how much the group's share
    depends on which documents it happens to hold, with the units of a document kept
    together (they are not independent). The ``ci`` percentile interval of ``n_boot``
    replicates is reported; a group of one document has none.

    Parameters
    ----------
    shares : DomainShares or list of DomainShares
        Unit-level shares; a list holds fits of one method with different seeds (averaged).
    by : str
        The column of the unit table (``shares.units``) to group by. A value that varies
        within a document splits the document between groups (each part resampled as one).
    n_boot : int, default 1000
        Bootstrap replicates (at most 100,000: :data:`corpus_tm.limits.LIMITS`).
    ci : float, default 0.95
        Coverage of the percentile interval.
    weights : str or None, default "n_tokens"
        Unit table column with each unit's weight; ``None`` weighs units equally.
    min_documents : int, default 5
        Groups with fewer documents get a :class:`SmallSampleWarning`.
    random_state : int or None
        Seed of the bootstrap; the same seed gives the same table.

    Returns
    -------
    pandas.DataFrame
        One row per group and domain (the lexicon's domains, then ``other``), groups in
        order (numbers by size, text alphabetically): ``method, group_by, group, domain,
        share, lower, upper, n_documents, n_units, n_tokens, interval``. ``group`` holds the
        column's values as they are (integers for a year); the shares of a group sum to 1.
        Units without a value of ``by`` (empty or missing) are left out, with a warning.

    Raises
    ------
    ConfigError
        If ``by`` is not a column of the unit table, or no unit has a value of it.

    Warns
    -----
    SmallSampleWarning
        When groups have fewer than ``min_documents`` documents.
    CorpusTmWarning
        When units without a value of ``by`` are left out.

    Examples
    --------
    >>> table = ctm.group_shares(shares, "year", random_state=1)  # doctest: +SKIP
    >>> table.query("domain == 'biological'")[["group", "share", "lower"]]  # doctest: +SKIP
    """
    items = _as_list(shares)
    n_boot = check_size("n_boot", n_boot)
    ci = _check_ci(ci)
    min_documents = check_int("min_documents", min_documents)
    units = items[0].units
    if not isinstance(by, str) or by not in units.columns:
        raise ConfigError(
            f"by={by!r} is not a column of the unit table; it has "
            f"{', '.join(map(str, units.columns))}. Add the metadata with metadata.csv or "
            "load_documents(filename_fields=...)."
        )
    w = _weights(units, weights)
    mean = np.stack([s.shares.to_numpy(dtype=float) for s in items]).mean(axis=0)
    values = units[by]
    present = values.notna().to_numpy() & (values.astype(str).str.strip() != "").to_numpy()
    if not present.any():
        raise ConfigError(f"No unit has a value of {by!r}; group by a column that is filled in.")
    if not present.all():
        missing_docs = pd.unique(units.loc[~present, "doc_id"].astype(str))
        warnings.warn(
            f"{len(missing_docs)} document(s) have no value of {by!r} and are left out of the "
            f"groups: {', '.join(missing_docs[:5])}{' ...' if len(missing_docs) > 5 else ''}.",
            CorpusTmWarning,
            stacklevel=2,
        )
    rows = np.flatnonzero(present)
    kept = values.iloc[rows]
    order = _group_order(kept)
    group_index = {value: i for i, value in enumerate(order)}
    group_of_unit = kept.map(group_index).to_numpy(dtype=np.int64)
    # documents (a document's part in one group, if the value varies within it) are the
    # resampling unit: their weighted share sums and weights
    doc_keys = pd.MultiIndex.from_arrays(
        [units["doc_id"].astype(str).to_numpy()[rows], group_of_unit]
    )
    doc_codes, doc_uniques = pd.factorize(doc_keys)
    n_docs = len(doc_uniques)
    weighted = mean[rows] * w[rows, None]
    doc_sums = np.zeros((n_docs, mean.shape[1]))
    np.add.at(doc_sums, doc_codes, weighted)
    doc_weights = np.bincount(doc_codes, weights=w[rows], minlength=n_docs)
    doc_group = np.array([g for _, g in doc_uniques], dtype=np.int64)
    doc_units = np.bincount(doc_codes, minlength=n_docs)
    if "n_tokens" in units.columns:
        tokens = pd.to_numeric(units["n_tokens"], errors="coerce").fillna(0).to_numpy()[rows]
    else:
        tokens = w[rows]
    doc_tokens = np.bincount(doc_codes, weights=tokens, minlength=n_docs)
    rng = np.random.default_rng(random_state)
    quantiles = [(1 - ci) / 2, 1 - (1 - ci) / 2]
    domains = list(items[0].shares.columns)
    n_groups, n_domains = len(order), len(domains)
    point = np.full((n_groups, n_domains), np.nan)
    lower = np.full((n_groups, n_domains), np.nan)
    upper = np.full((n_groups, n_domains), np.nan)
    n_documents = np.zeros(n_groups, dtype=np.int64)
    n_units = np.zeros(n_groups, dtype=np.int64)
    n_tokens = np.zeros(n_groups, dtype=np.int64)
    small: list[str] = []
    by_group = np.argsort(doc_group, kind="stable")  # documents of each group, in order
    bounds = np.searchsorted(doc_group[by_group], np.arange(n_groups + 1))
    for g in range(n_groups):
        members = by_group[bounds[g] : bounds[g + 1]]
        n = len(members)
        n_documents[g], n_units[g] = n, int(doc_units[members].sum())
        n_tokens[g] = round(doc_tokens[members].sum())
        total = doc_weights[members].sum()
        if total > 0:
            point[g] = doc_sums[members].sum(axis=0) / total
        if n < min_documents:
            small.append(f"{order[g]} ({n})")
        if n < 2:
            continue
        # a document's mean share, weighted by its weight in the resample: its share sums
        weights_g = doc_weights[members]
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(weights_g[:, None] > 0, doc_sums[members] / weights_g[:, None], 0.0)
        totals, (sums,) = _resample(rng, n_boot, weights_g, [means])
        valid = totals > 0
        if valid.any():
            estimates = sums[valid] / totals[valid, None]
            lower[g], upper[g] = np.quantile(estimates, quantiles, axis=0)
    if small:
        shown = ", ".join(small[:8]) + (" ..." if len(small) > 8 else "")
        warnings.warn(
            f"{len(small)} of {n_groups} groups of {by!r} have fewer than {min_documents} "
            f"documents, so their intervals mean little (documents in brackets; one document "
            f"gives no interval): {shown}.",
            SmallSampleWarning,
            stacklevel=2,
        )
    table = pd.DataFrame(
        {
            "method": items[0].method,
            "group_by": by,
            "group": np.repeat(np.array(order, dtype=object), n_domains),
            "domain": np.tile(domains, n_groups),
            "share": point.ravel(),
            "lower": lower.ravel(),
            "upper": upper.ravel(),
            "n_documents": np.repeat(n_documents, n_domains),
            "n_units": np.repeat(n_units, n_domains),
            "n_tokens": np.repeat(n_tokens, n_domains),
            "interval": "bootstrap",
        }
    )
    if pd.api.types.is_integer_dtype(values):
        table["group"] = table["group"].astype("int64")
    return table[_GROUP_COLUMNS]


# --------------------------------------------------------------------------------------------
# Evidence


@dataclass(frozen=True)
class Evidence:
    """The units and sentences behind a section's share of a domain.

    Attributes
    ----------
    method, section, domain : str
        What was asked for.
    share : float
        The section's (token-weighted) share of the domain.
    units : pandas.DataFrame
        The units that contribute most, largest first: ``unit_id, label, share, n_tokens,
        contribution, text``. ``contribution`` is the unit's part of the section share (the
        contributions of all the section's units add up to ``share``).
    sentences : pandas.DataFrame
        The sentences that carry most of the domain, largest first: ``unit_id, label,
        sentence`` (1-based number within the unit), ``score``, ``share``, ``terms``,
        ``text``. For the dictionary, ``score`` counts the domain's seed-term hits and
        ``terms`` lists them; for a topic model, ``score`` is the expected number of the
        sentence's tokens the model gives to the domain and ``terms`` lists (once each) the
        tokens most likely to be the domain's. ``share`` is the sentence's score over its
        score for all domains and ``other``.
    """

    method: str
    section: str
    domain: str
    share: float
    units: pd.DataFrame
    sentences: pd.DataFrame


def domain_evidence(
    shares: DomainShares,
    section: str | Sequence[str],
    domain: str,
    *,
    n_units: int = 5,
    n_sentences: int = 5,
    weights: str | None = "n_tokens",
) -> Evidence:
    """The units and sentences of a section that contribute most to a domain's share.

    Parameters
    ----------
    shares : DomainShares
        Unit-level shares from any method.
    section : str or list of str
        ``"doc_id"``, ``"doc_id/part"`` or ``"doc_id/part.section"`` (or several).
    domain : str
        A lexicon domain or ``"other"``.
    n_units, n_sentences : int, default 5
        How many units and sentences to return (units and sentences that contribute nothing
        are left out).
    weights : str or None, default "n_tokens"
        As in :func:`section_shares`.

    Returns
    -------
    Evidence
    """
    if not isinstance(shares, DomainShares):
        raise ConfigError("shares must be a DomainShares (one fit, not a list).")
    if domain not in shares.domains:
        raise ConfigError(
            f"domain {domain!r} is not in the shares; use one of {', '.join(shares.domains)}."
        )
    n_units, n_sentences = check_int("n_units", n_units), check_int("n_sentences", n_sentences)
    units = shares.units
    mask, name = _select(units, section)
    w = _weights(units, weights)[mask]
    chosen = units.loc[mask]
    values = shares.shares.to_numpy(dtype=float)[mask]
    column = shares.domains.index(domain)
    total = w.sum()
    contribution = w * values[:, column] / total if total > 0 else np.zeros(len(w))
    unit_table = pd.DataFrame(
        {
            "unit_id": chosen["unit_id"].astype(str).to_numpy(),
            "label": chosen["label"].astype(str).to_numpy() if "label" in chosen else "",
            "share": values[:, column],
            "n_tokens": w,
            "contribution": contribution,
            "text": chosen["text"].astype(str).to_numpy(),
        }
    )
    unit_table = unit_table[unit_table["contribution"] > 0]
    unit_table = unit_table.sort_values("contribution", ascending=False, kind="stable")
    sentence_rows = []
    for row in chosen.itertuples(index=False):
        unit_id = str(row.unit_id)
        sentences = split_sentences(str(row.text))
        scores, terms = sentence_domain_scores(shares, unit_id, sentences)
        for i, sentence in enumerate(sentences):
            score = scores[i, column]
            if score <= 0:
                continue
            sentence_rows.append(
                {
                    "unit_id": unit_id,
                    "label": str(getattr(row, "label", "")),
                    "sentence": i + 1,
                    "score": float(score),
                    "share": float(score / scores[i].sum()),
                    "terms": "; ".join(dict.fromkeys(t for t, c in terms[i] if c == column)),
                    "text": sentence,
                }
            )
    sentence_table = pd.DataFrame(
        sentence_rows,
        columns=["unit_id", "label", "sentence", "score", "share", "terms", "text"],
    )
    sentence_table = sentence_table.sort_values(["score", "share"], ascending=False, kind="stable")
    return Evidence(
        method=shares.method,
        section=name,
        domain=domain,
        share=float(contribution.sum()),
        units=unit_table.head(n_units).reset_index(drop=True),
        sentences=sentence_table.head(n_sentences).reset_index(drop=True),
    )


# --------------------------------------------------------------------------------------------
# Comparisons


def _mean_shares(shares: DomainShares | Sequence[DomainShares]) -> tuple[DomainShares, np.ndarray]:
    items = _as_list(shares)
    values = np.mean([s.shares.to_numpy(dtype=float) for s in items], axis=0)
    return items[0], values


def compare_sections(
    shares: DomainShares | Sequence[DomainShares],
    a: str | Sequence[str],
    b: str | Sequence[str],
    *,
    domain: str | None = None,
    n_perm: int = 9999,
    weights: str | None = "n_tokens",
    random_state: int | None = None,
) -> pd.DataFrame:
    """Difference between two sections' shares of a domain, with a permutation test.

    The statistic is ``share(a) - share(b)`` (token-weighted means of the unit shares). Its
    p-value is two-sided: the units of ``a`` and ``b`` are pooled and relabelled at random
    ``n_perm`` times (keeping the two sizes), and ``p = (1 + #{|permuted| >= |observed|}) /
    (1 + n_perm)``. The test treats units as exchangeable between the two sections; it asks
    whether the difference is larger than a random split of the same units would give.

    Parameters
    ----------
    shares : DomainShares or list of DomainShares
        Unit-level shares (a list of seeds is averaged first).
    a, b : str or list of str
        Sections, named as in the module docstring; they must not share units.
    domain : str, optional
        One domain; by default every domain (and ``other``) gets a row.
    n_perm : int, default 9999
        Random relabellings.
    weights : str or None, default "n_tokens"
        As in :func:`section_shares`.
    random_state : int or None
        Seed of the permutations.

    Returns
    -------
    pandas.DataFrame
        ``method, a, b, domain, share_a, share_b, difference, p_value, n_units_a, n_units_b,
        n_perm``, one row per domain.

    Warns
    -----
    SmallSampleWarning
        When the two sections have so few units that fewer than 20 distinct splits exist (a
        p-value below 0.05 is then impossible).
    """
    first, values = _mean_shares(shares)
    if domain is not None and domain not in first.domains:
        raise ConfigError(
            f"domain {domain!r} is not in the shares; use one of {', '.join(first.domains)}."
        )
    n_perm = check_size("n_perm", n_perm)
    units = first.units
    mask_a, name_a = _select(units, a)
    mask_b, name_b = _select(units, b)
    if (mask_a & mask_b).any():
        raise ConfigError(
            f"Sections {name_a!r} and {name_b!r} share units; compare sections that do not "
            "overlap (e.g. a part with another part, not with its own document)."
        )
    w = _weights(units, weights)
    pooled = np.flatnonzero(mask_a | mask_b)
    in_a = mask_a[pooled]
    wp, sp = w[pooled], values[pooled]
    observed = _weighted_mean(sp[in_a], wp[in_a]) - _weighted_mean(sp[~in_a], wp[~in_a])
    n_a, n_b = int(in_a.sum()), int((~in_a).sum())
    if math.comb(n_a + n_b, n_a) < 20:
        warnings.warn(
            f"{name_a!r} and {name_b!r} have {n_a} and {n_b} units: only "
            f"{math.comb(n_a + n_b, n_a)} distinct splits exist, so the p-value cannot go "
            "below 0.05.",
            SmallSampleWarning,
            stacklevel=2,
        )
    rng = np.random.default_rng(random_state)
    exceed = np.zeros(sp.shape[1])
    chunk = max(1, 2_000_000 // max(1, len(pooled)))
    done = 0
    while done < n_perm:
        size = min(chunk, n_perm - done)
        labels = np.argsort(rng.random((size, len(pooled))), axis=1) < n_a
        wa = labels * wp
        wb = (~labels) * wp
        ta, tb = wa.sum(axis=1), wb.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            diff = (wa @ sp) / ta[:, None] - (wb @ sp) / tb[:, None]
        exceed += (np.abs(diff) >= np.abs(observed) - 1e-12).sum(axis=0)
        done += size
    p_value = (1 + exceed) / (1 + n_perm)
    table = pd.DataFrame(
        {
            "method": first.method,
            "a": name_a,
            "b": name_b,
            "domain": first.domains,
            "share_a": _weighted_mean(sp[in_a], wp[in_a]),
            "share_b": _weighted_mean(sp[~in_a], wp[~in_a]),
            "difference": observed,
            "p_value": p_value,
            "n_units_a": n_a,
            "n_units_b": n_b,
            "n_perm": int(n_perm),
        }
    )
    if domain is not None:
        table = table[table["domain"] == domain].reset_index(drop=True)
    return table


def _profile(values: np.ndarray, w: np.ndarray, include_other: bool) -> np.ndarray:
    return _renormalised(_weighted_mean(values, w), include_other)


def _renormalised(mean: np.ndarray, include_other: bool) -> np.ndarray:
    """A section's mean shares as a profile summing to 1 (``other``, the last column, left out
    unless ``include_other``)."""
    profile = mean if include_other else mean[:-1]
    total = profile.sum()
    return profile / total if total > 0 else np.full(len(profile), np.nan)


def _distance(p: np.ndarray, q: np.ndarray) -> float:
    if np.isnan(p).any() or np.isnan(q).any():
        return float("nan")
    from scipy.spatial.distance import jensenshannon

    return float(jensenshannon(p, q, base=2))


def compare_profiles(
    shares: DomainShares | Sequence[DomainShares],
    a: str | Sequence[str],
    b: str | Sequence[str],
    *,
    baseline: str | Sequence[str] | None = None,
    include_other: bool = False,
    n_perm: int = 999,
    weights: str | None = "n_tokens",
    min_named: float = 0.2,
    random_state: int | None = None,
) -> pd.DataFrame:
    """How alike two sections' domain profiles are, against a baseline.

    A profile is a section's vector of domain shares; by default ``other`` is left out and
    the named domains are renormalised to sum to 1, because the size of ``other`` depends on
    the method (free topics, units without seed terms) more than on the text. Profiles are
    compared with the Jensen-Shannon distance (base 2): it is made for probability vectors,
    symmetric, defined when a domain is 0 in one of them (unlike Kullback-Leibler), a metric,
    and bounded by 0 (same profile) and 1 (no domain in common).

    To say whether ``b`` is *closer* to ``a`` than chance, ``b`` is compared with random sets
    of the same number of units drawn from ``b`` and ``baseline`` together (or, without a
    baseline, from all units outside ``a``): ``p_value = (1 + #{random distance <=
    observed}) / (1 + n_perm)``. A small p-value says that ``b`` resembles ``a`` more than
    text drawn from the pool does.

    Parameters
    ----------
    shares : DomainShares or list of DomainShares
        Unit-level shares (a list of seeds is averaged first).
    a, b : str or list of str
        Sections, named as in the module docstring.
    baseline : str or list of str, optional
        Sections to compare with as well (e.g. the other parts of the document ``b`` belongs
        to); its distance to ``a`` is reported and its units join the permutation pool.
    include_other : bool, default False
        Keep ``other`` in the profiles.
    n_perm : int, default 999
        Random unit sets for the p-value.
    weights : str or None, default "n_tokens"
        As in :func:`section_shares`.
    min_named : float, default 0.2
        Without ``other``, a profile renormalises what the named domains hold. Where they
        hold less than this share of a compared section's text, a :class:`ThinProfileWarning`
        says so: the profile then rests on little text (a method that puts most text in
        ``other`` gives profiles that change with its seed), and the distances say little.
    random_state : int or None
        Seed of the random unit sets.

    Returns
    -------
    pandas.DataFrame
        One row: ``method, a, b, baseline, distance`` (Jensen-Shannon distance of ``a`` and
        ``b``), ``baseline_distance`` (of ``a`` and ``baseline``; NaN without one),
        ``cosine`` (cosine similarity of ``a`` and ``b``), ``p_value``, ``n_perm``, and
        ``named_a``, ``named_b``, ``named_baseline``: the share of each section's text in
        named domains (1 minus its ``other`` share; NaN without a baseline).
    """
    if not 0.0 <= min_named <= 1.0:
        raise ConfigError(f"min_named must lie between 0 and 1, not {min_named!r}.")
    first, values = _mean_shares(shares)
    n_perm = check_size("n_perm", n_perm)
    units = first.units
    w = _weights(units, weights)
    mask_a, name_a = _select(units, a)
    mask_b, name_b = _select(units, b)
    if (mask_a & mask_b).any():
        raise ConfigError(
            f"Sections {name_a!r} and {name_b!r} share units; compare disjoint sections."
        )
    mean_a = _weighted_mean(values[mask_a], w[mask_a])
    mean_b = _weighted_mean(values[mask_b], w[mask_b])
    pa, pb = _renormalised(mean_a, include_other), _renormalised(mean_b, include_other)
    distance = _distance(pa, pb)
    # the share of each section's text in named domains: all but "other", the last column
    named = {name_a: float(1.0 - mean_a[-1]), name_b: float(1.0 - mean_b[-1])}
    name_base = ""
    baseline_distance = float("nan")
    if baseline is not None:
        mask_base, name_base = _select(units, baseline)
        if (mask_base & mask_a).any():
            raise ConfigError(f"baseline {name_base!r} shares units with {name_a!r}.")
        mean_base = _weighted_mean(values[mask_base], w[mask_base])
        baseline_distance = _distance(pa, _renormalised(mean_base, include_other))
        named[name_base] = float(1.0 - mean_base[-1])
        pool = np.flatnonzero(mask_b | mask_base)
    else:
        pool = np.flatnonzero(~mask_a)
    thin = {name: share for name, share in named.items() if share < min_named - 1e-9}
    if thin and not include_other:
        listed = ", ".join(f"{name!r} {share:.0%}" for name, share in thin.items())
        warnings.warn(
            f"{first.method}: the named domains hold little of the text of {listed} (the "
            f"rest is {OTHER!r}), under min_named={min_named}; the profiles rest on that "
            "little text and their distances say little. Compare with include_other=True, "
            "or with a method that names the domains of more of the text (the dictionary).",
            ThinProfileWarning,
            stacklevel=2,
        )
    n_b = int(mask_b.sum())
    rng = np.random.default_rng(random_state)
    hits = 0
    for _ in range(n_perm):
        drawn = rng.choice(pool, size=n_b, replace=False)
        if _distance(pa, _profile(values[drawn], w[drawn], include_other)) <= distance + 1e-12:
            hits += 1
    with np.errstate(invalid="ignore"):
        cosine = float(pa @ pb / (np.linalg.norm(pa) * np.linalg.norm(pb)))
    return pd.DataFrame(
        {
            "method": [first.method],
            "a": [name_a],
            "b": [name_b],
            "baseline": [name_base],
            "distance": [distance],
            "baseline_distance": [baseline_distance],
            "cosine": [cosine],
            "p_value": [(1 + hits) / (1 + n_perm)],
            "n_perm": [int(n_perm)],
            "named_a": [named[name_a]],
            "named_b": [named[name_b]],
            "named_baseline": [named[name_base] if baseline is not None else float("nan")],
        }
    )


# --------------------------------------------------------------------------------------------
# Agreement between methods


class UnresolvedDomainWarning(CorpusTmWarning):
    """A model gives about 0 to a domain that the dictionary finds clearly in the same units."""


def unresolved_domains(
    shares: DomainShares,
    dictionary: DomainShares,
    *,
    min_share: float = 0.05,
    min_units: int = 3,
    ratio: float = 0.1,
    warn: bool = True,
) -> pd.DataFrame:
    """Domains the dictionary finds clearly that a model's shares leave at about 0.

    A domain is *evident* where the dictionary gives it at least ``min_share`` of a unit, in
    at least ``min_units`` units. Over those units the two methods' token-weighted mean
    shares of the domain are compared; the model has *not resolved* the domain when its mean
    is below ``ratio`` times the dictionary's. A figure should then mark the domain as not
    resolved by that model rather than draw its 0 as a finding.

    Parameters
    ----------
    shares : DomainShares
        A model's unit shares.
    dictionary : DomainShares
        :func:`corpus_tm.dictionary_shares` of the same units.
    min_share : float, default 0.05
        Smallest dictionary share of a unit for the domain to count as present there.
    min_units : int, default 3
        Fewest units where the domain is present for it to count as evident.
    ratio : float, default 0.1
        Below this fraction of the dictionary's share, the model's share counts as about 0.
    warn : bool, default True
        Issue an :class:`UnresolvedDomainWarning` naming the unresolved domains.

    Returns
    -------
    pandas.DataFrame
        One row per evident domain: ``method, domain, n_units, dictionary_share,
        model_share, resolved``.
    """
    if list(shares.shares.index) != list(dictionary.shares.index):
        raise ConfigError("shares and dictionary must cover the same units in the same order.")
    w = _weights(shares.units, "n_tokens")
    model_values = shares.shares.to_numpy(dtype=float)
    reference = dictionary.shares.to_numpy(dtype=float)
    rows = []
    for j, domain in enumerate(shares.domains[:-1]):
        present = reference[:, j] >= min_share
        if present.sum() < min_units:
            continue
        weight = w[present]
        total = weight.sum()
        if total <= 0:
            continue
        reference_share = float(reference[present, j] @ weight / total)
        model_share = float(model_values[present, j] @ weight / total)
        rows.append(
            {
                "method": shares.method,
                "domain": domain,
                "n_units": int(present.sum()),
                "dictionary_share": reference_share,
                "model_share": model_share,
                "resolved": model_share >= ratio * reference_share,
            }
        )
    table = pd.DataFrame(
        rows,
        columns=["method", "domain", "n_units", "dictionary_share", "model_share", "resolved"],
    )
    missing = table.loc[~table["resolved"].astype(bool)]
    if warn and len(missing):
        described = ", ".join(
            f"{d} ({m:.1%} against {r:.1%} in {n} units)"
            for d, m, r, n in zip(
                missing["domain"],
                missing["model_share"],
                missing["dictionary_share"],
                missing["n_units"],
                strict=True,
            )
        )
        warnings.warn(
            f"{shares.method} gives about 0 to {len(missing)} domains that the dictionary finds "
            f"clearly in the same units: {described}. The model has not resolved them: its 0 is "
            "no finding. Use soft attribution, more topics, or the dictionary for these domains.",
            UnresolvedDomainWarning,
            stacklevel=2,
        )
    return table


def compare_methods(table: pd.DataFrame, *, reference: str = "dictionary") -> pd.DataFrame:
    """How far the methods agree, section by section.

    For every section of a tidy table from :func:`section_shares` (several methods
    concatenated) and every method other than ``reference``, the named-domain profiles
    (shares without ``other``, renormalised to sum to 1) of the method and the reference are
    compared: Spearman's rank correlation over the domains either method gives a share, the
    Jensen-Shannon distance (base 2, 0 = same profile, 1 = nothing in common) and whether
    the two put the same domain first and among the first two.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``method, level, doc_id, section, label, domain, share``.
    reference : str, default "dictionary"
        The method the others are compared with.

    Returns
    -------
    pandas.DataFrame
        One row per method and section: ``method, reference, level, doc_id, section, label,
        rank_agreement, js_distance, top, reference_top, same_top, top_in_reference_top2``.
    """
    from scipy.stats import spearmanr

    needed = ["method", "level", "doc_id", "section", "label", "domain", "share"]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ConfigError(f"table needs columns {missing}; make it with section_shares().")
    if reference not in set(table["method"]):
        raise ConfigError(
            f"reference method {reference!r} is not in the table; it has "
            f"{sorted(set(table['method']))}."
        )
    named = table[table["domain"] != OTHER]
    wide = named.pivot_table(
        index=["level", "doc_id", "section", "label", "domain"],
        columns="method",
        values="share",
        aggfunc="first",
        sort=False,
    )
    rows = []
    for (level, doc_id, section, label), group in wide.groupby(
        level=["level", "doc_id", "section", "label"], sort=False
    ):
        domains = group.index.get_level_values("domain").to_numpy()
        ref = group[reference].to_numpy(dtype=float)
        for method in [m for m in group.columns if m != reference]:
            values = group[method].to_numpy(dtype=float)
            p = values / values.sum() if values.sum() > 0 else values
            q = ref / ref.sum() if ref.sum() > 0 else ref
            used = (p > 0) | (q > 0)
            rank = (
                float(spearmanr(p[used], q[used]).statistic)
                if used.sum() >= 3 and np.ptp(p[used]) > 0 and np.ptp(q[used]) > 0
                else float("nan")
            )
            top = domains[np.argsort(-p, kind="stable")[:2]]
            ref_top = domains[np.argsort(-q, kind="stable")[:2]]
            rows.append(
                {
                    "method": method,
                    "reference": reference,
                    "level": level,
                    "doc_id": doc_id,
                    "section": section,
                    "label": label,
                    "rank_agreement": rank,
                    "js_distance": _distance(p, q) if p.sum() > 0 and q.sum() > 0 else np.nan,
                    "top": top[0],
                    "reference_top": ref_top[0],
                    "same_top": bool(top[0] == ref_top[0]),
                    "top_in_reference_top2": bool(top[0] in ref_top),
                }
            )
    return pd.DataFrame(rows)
