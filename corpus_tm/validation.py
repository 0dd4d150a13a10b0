"""Validation of domain shares against known answers that do not come from the package.

In: tidy section-share tables (:func:`corpus_tm.section_shares`, one or several methods) and a
known answer: facts a reader can check with a keyword count (which group of documents talks
more about a domain), a reader's own domain for each section (TOML, written before looking at
any output), or the same method fitted with several seeds.
Out: tidy tables, one row per method and fact, section or seed comparison, with ``passed``.

The checks are those of the project's validation suite (``tests/test_validation.py``, report
in ``benchmarks/validation/``); they work on any corpus and lexicon. Planted corpora with known
shares are made by :func:`corpus_tm.synthetic.make_planted_corpus` and compared with
:func:`corpus_tm.synthetic.planted_agreement`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corpus_tm.domains import OTHER, DomainShares
from corpus_tm.errors import ConfigError, CorpusTmWarning
from corpus_tm.lexicon import Lexicon, default_lexicon

if TYPE_CHECKING:
    from corpus_tm.corpus import Corpus

__all__ = [
    "check_group_facts",
    "check_reading",
    "fit_methods",
    "load_reading",
    "method_tables",
    "named_shares",
    "seed_agreement",
]

_TABLE_COLUMNS = ("method", "doc_id", "section", "label", "domain", "share")


def fit_methods(
    corpus: Corpus,
    *,
    n_topics: int,
    random_state: int | None,
    lexicon: Lexicon | None = None,
    keyatm_iterations: int = 1000,
    n_fits: Mapping[str, int] | None = None,
) -> dict[str, DomainShares]:
    """Unit shares of every method the package offers, with its default settings.

    Parameters
    ----------
    corpus : Corpus
        A built corpus.
    n_topics : int
        Topics of the LDA and NMF models (keyATM has one topic per domain with keywords
        plus its free topics).
    random_state : int or None
        Seed of every model.
    lexicon : Lexicon, optional
        Defaults to :func:`corpus_tm.default_lexicon`.
    keyatm_iterations : int, default 1000
        Gibbs sweeps of keyATM.
    n_fits : mapping of str to int, optional
        Fits whose shares are averaged, by backend (``{"lda": 25}``; 1 for a backend not
        named), as :meth:`corpus_tm.backends.Backend.fit_shares` does.

    Returns
    -------
    dict of str to DomainShares
        ``dictionary``, ``keyatm``, ``nmf_mapped`` and ``lda_mapped`` (soft attribution).
        NMF gets up to 5,000 iterations, so that no fit is judged before it converged.
    """
    import warnings

    from corpus_tm.backends import get_backend
    from corpus_tm.domains import dictionary_shares

    lexicon = lexicon if lexicon is not None else default_lexicon()
    fits = dict(n_fits or {})
    dictionary = dictionary_shares(corpus, lexicon)
    options: dict[str, dict[str, Any]] = {
        "keyatm": {"iterations": keyatm_iterations},
        "nmf": {"max_iter": 5000},
        "lda": {},
    }
    result = {"dictionary": dictionary}
    for name in ("keyatm", "nmf", "lda"):
        backend = get_backend(name)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", ".*get no keyword topic", CorpusTmWarning)
            shares = backend.fit_shares(
                corpus,
                n_topics,
                lexicon,
                random_state=random_state,
                n_fits=fits.pop(name, 1),
                dictionary=dictionary,
                progress=False,
                **options[name],
            )
        result[shares.method] = shares
    if fits:
        raise ConfigError(f"n_fits names no method of fit_methods: {sorted(fits)}.")
    return result


def method_tables(methods: Mapping[str, DomainShares], level: str) -> pd.DataFrame:
    """:func:`corpus_tm.section_shares` of every method at one level, without intervals."""
    from corpus_tm.aggregation import section_shares

    return pd.concat(
        [section_shares(s, level=level, interval="none") for s in methods.values()],  # type: ignore[arg-type]
        ignore_index=True,
    )


def _check_table(table: pd.DataFrame, columns: Sequence[str] = _TABLE_COLUMNS) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ConfigError(f"table needs columns {missing}; make it with section_shares().")


def named_shares(table: pd.DataFrame) -> pd.DataFrame:
    """Shares without ``other``, renormalised to sum to 1 in every section and method.

    The size of ``other`` depends on the method (free topics, sentences without seed terms)
    more than on the text; comparisons of *which* domain a section is about use the named
    domains only.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`corpus_tm.section_shares`.

    Returns
    -------
    pandas.DataFrame
        The rows of the named domains, with ``share`` renormalised (sections whose named
        shares are all 0 keep 0).
    """
    _check_table(table)
    named = table[table["domain"] != OTHER].copy()
    keys = [c for c in ("method", "level", "doc_id", "section") if c in named.columns]
    totals = named.groupby(keys, sort=False)["share"].transform("sum")
    named["share"] = np.where(totals > 0, named["share"] / totals.where(totals > 0, 1.0), 0.0)
    return named


def load_reading(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Read a reader's domains by section from a TOML file.

    The file has one table per section label prefix, ``[sections."1.2"]``, with ``domain``
    (a lexicon domain id) and optionally ``also`` and ``why``.

    Returns
    -------
    dict
        ``label prefix -> {"domain": ..., "also": [...], "why": ...}``.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the reading file ({exc}).") from None
    sections = data.get("sections")
    if not isinstance(sections, dict) or not sections:
        raise ConfigError(f'{path}: needs [sections."<label>"] tables with a domain each.')
    for label, entry in sections.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("domain"), str):
            raise ConfigError(f'{path}: [sections."{label}"] needs domain = "<domain id>".')
    return sections


def check_reading(
    table: pd.DataFrame,
    reading: Mapping[str, Mapping[str, Any]],
    *,
    doc_id: str,
    top: int = 2,
    min_share: float = 0.25,
) -> pd.DataFrame:
    """Does each method put the reader's domain of a section among its first domains?

    A section passes for a method when the reader's domain is among the method's ``top``
    named domains of that section and has at least ``min_share`` of the section's
    named-domain mass (:func:`named_shares`).

    Parameters
    ----------
    table : pandas.DataFrame
        Section-level shares of one or several methods (``level="section"``).
    reading : mapping
        From :func:`load_reading`: label prefix (``"1.2"``) to ``{"domain": ...}``. A section
        is found by its ``label`` starting with the prefix and a space (``"1.2 Second"``) or
        being the prefix.
    doc_id : str
        The document the reading is of.
    top : int, default 2
        How many of the method's first domains count.
    min_share : float, default 0.25
        Smallest named-domain share of the reader's domain.

    Returns
    -------
    pandas.DataFrame
        One row per method and section: ``method, label, domain, rank, share, method_top,
        passed``.
    """
    named = named_shares(table)
    named = named[named["doc_id"] == doc_id]
    if named.empty:
        raise ConfigError(f"doc_id {doc_id!r} is not in the table.")
    rows = []
    for method, by_method in named.groupby("method", sort=False):
        for prefix, entry in reading.items():
            label = by_method["label"].astype(str)
            section = by_method[(label == prefix) | label.str.startswith(f"{prefix} ")]
            matched = section["section"].unique()
            if len(matched) != 1:
                raise ConfigError(
                    f"reading names section {prefix!r}, which matches {len(matched)} sections "
                    f"of {doc_id!r}."
                )
            shares = section.set_index("domain")["share"].sort_values(
                ascending=False, kind="stable"
            )
            domain = str(entry["domain"])
            if domain not in shares.index:
                raise ConfigError(f"reading names domain {domain!r}, which the table lacks.")
            rank = int(list(shares.index).index(domain)) + 1
            share = float(shares[domain])
            rows.append(
                {
                    "method": method,
                    "label": prefix,
                    "domain": domain,
                    "rank": rank,
                    "share": share,
                    "method_top": str(shares.index[0]),
                    "passed": rank <= top and share >= min_share,
                }
            )
    return pd.DataFrame(rows)


def check_group_facts(
    table: pd.DataFrame,
    facts: Mapping[str, Mapping[str, Any]],
    groups: Mapping[str, tuple[Sequence[str], Sequence[str]]],
) -> pd.DataFrame:
    """Does each method say that group A of documents talks more about a domain than B?

    Parameters
    ----------
    table : pandas.DataFrame
        Document-level shares (``level="document"``) of one or several methods.
    facts : mapping
        Fact id to a mapping with at least ``domain`` (and, for the report, ``statement``,
        ``rate_higher``, ``rate_lower``: the keyword counts that support the fact).
    groups : mapping
        Fact id to ``(documents of A, documents of B)``.

    Returns
    -------
    pandas.DataFrame
        One row per method and fact: ``method, fact, domain, n_higher, n_lower,
        share_higher, share_lower`` (mean document shares of the domain in each group),
        ``ratio`` and ``passed`` (``share_higher > share_lower``).
    """
    _check_table(table, ("method", "doc_id", "domain", "share"))
    rows = []
    for method, by_method in table.groupby("method", sort=False):
        for fact_id, fact in facts.items():
            domain = str(fact["domain"])
            if fact_id not in groups:
                raise ConfigError(f"groups has no documents for fact {fact_id!r}.")
            higher, lower = groups[fact_id]
            shares = by_method[by_method["domain"] == domain].set_index("doc_id")["share"]
            if shares.empty:
                raise ConfigError(f"fact {fact_id!r}: domain {domain!r} is not in the table.")
            a = shares.reindex(list(higher)).dropna()
            b = shares.reindex(list(lower)).dropna()
            if a.empty or b.empty:
                raise ConfigError(f"fact {fact_id!r}: a group has no document in the table.")
            rows.append(
                {
                    "method": method,
                    "fact": fact_id,
                    "domain": domain,
                    "n_higher": len(a),
                    "n_lower": len(b),
                    "share_higher": float(a.mean()),
                    "share_lower": float(b.mean()),
                    "ratio": float(a.mean() / b.mean()) if b.mean() > 0 else float("inf"),
                    "passed": bool(a.mean() > b.mean()),
                }
            )
    return pd.DataFrame(rows)


def seed_agreement(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Is each section's top domain the same for every seed of a method?

    Parameters
    ----------
    tables : sequence of pandas.DataFrame
        Section shares of one method fitted with different seeds (same sections).

    Returns
    -------
    pandas.DataFrame
        One row per section: ``method, doc_id, section, label, tops`` (the top named domain
        of each seed, joined with ``,``), ``modal_top``, ``agreement`` (share of seeds with
        the modal top domain) and ``same`` (all seeds agree).
    """
    if len(tables) < 2:
        raise ConfigError("seed_agreement needs the tables of at least two seeds.")
    tops = []
    for table in tables:
        named = named_shares(table)
        best = named.sort_values("share", ascending=False, kind="stable").drop_duplicates(
            ["method", "doc_id", "section"]
        )
        tops.append(best.set_index(["method", "doc_id", "section"])[["label", "domain"]])
    index = tops[0].index
    rows = []
    for key in index:
        domains = [str(t.loc[key, "domain"]) if key in t.index else "" for t in tops]
        values, counts = np.unique(domains, return_counts=True)
        modal = str(values[np.argmax(counts)])
        rows.append(
            {
                "method": key[0],
                "doc_id": key[1],
                "section": key[2],
                "label": tops[0].loc[key, "label"],
                "tops": ",".join(domains),
                "modal_top": modal,
                "agreement": float(counts.max() / len(domains)),
                "same": bool(counts.max() == len(domains)),
            }
        )
    return pd.DataFrame(rows)
