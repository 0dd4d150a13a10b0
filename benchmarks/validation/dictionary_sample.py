"""Validation: draw seed-term matches at random for a hand check of the dictionary's precision.

In: the English corpora beside the repository (``../shared/corpora``: UN General Debate
speeches 2020-2024 and US National Security Strategies 1987-2015), read with
:func:`corpus_tm.read_corpus`, and a lexicon (the default one unless ``--lexicon``).
Out: a CSV with one row per drawn match -- ``sample_id, corpus, doc_id, unit_id, domain,
term, context, correct, note, draw`` -- where ``context`` is about 25 words either side of
the match, the match marked ``[[like this]]``. ``correct`` (1/0) and ``note`` are left empty
for the reader; ``draw`` says how the row was drawn (below).

Every seed-term hit of the lexicon matcher in every unit text is a candidate (the same hits
:func:`corpus_tm.dictionary_shares` counts). The draw is lightly stratified: first
``--min-per-domain`` hits of each domain (all of them when the domain has fewer), drawn
uniformly within the domain (``draw = "domain"``); then the rest of the ``--n`` rows
uniformly from all remaining hits (``draw = "uniform"``). Both use
``numpy.random.default_rng(seed)``, so the same seed, lexicon and corpora give the same rows.
A precision over all hits should weight each domain's precision by its share of the hits
(``summary`` does both, raw and weighted).

Run::

    python benchmarks/validation/dictionary_sample.py draw --seed 11 --out sample.csv
    python benchmarks/validation/dictionary_sample.py summary sample.csv   # once filled in

``summary`` matches the corpora again to count each domain's hits (the weights).

The lexicon before issue 11's exclusion rules is ``git show 2a9679c:corpus_tm/data/domains.toml``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import corpus_tm as ctm
from corpus_tm.language import _EN_MATCH_PIECE as _PIECE
from corpus_tm.language import _EN_POSSESSIVE as _POSSESSIVE
from corpus_tm.lexicon import Lexicon, default_lexicon, load_lexicon

HERE = Path(__file__).resolve().parent
CORPORA = HERE.parents[2] / "shared" / "corpora"
ENGLISH = ("un-general-debate-2020-2024", "us-national-security-strategy")
COLUMNS = [
    "sample_id",
    "corpus",
    "doc_id",
    "unit_id",
    "domain",
    "term",
    "context",
    "correct",
    "note",
    "draw",
]
WINDOW = 25


def piece_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Word pieces of ``text`` as the matcher sees them, with their character spans.

    The possessive ``'s`` is blanked rather than removed so that offsets stay those of
    ``text``; the pieces are the same as :func:`corpus_tm.lexicon.word_pieces` gives.
    """
    blanked = _POSSESSIVE.sub(lambda m: " " * len(m.group()), text)
    lowered = blanked.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer: no offsets
        return ctm.lexicon.word_pieces(text), []
    found = list(_PIECE.finditer(lowered))
    pieces = [ctm.lexicon._lemma(m.group()) for m in found]
    return pieces, [m.span() for m in found]


def read_english() -> dict[str, pd.DataFrame]:
    """The unit tables of the English corpora, by corpus folder name."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*have no part or sub-section headings")
        return {name: ctm.read_corpus(CORPORA / name / "texts") for name in ENGLISH}


def all_hits(lexicon: Lexicon, corpora: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per seed-term hit: corpus, doc_id, unit_id, domain, term, start, stop (chars)."""
    matcher = lexicon.matcher
    rows = []
    for name, units in corpora.items():
        for doc_id, unit_id, text in zip(
            units["doc_id"], units["unit_id"], units["text"].astype(str), strict=True
        ):
            pieces, spans = piece_spans(text)
            if not spans:
                continue
            for start, stop, term in matcher.find(pieces):
                domain, seed = matcher.terms[term]
                rows.append(
                    (name, doc_id, unit_id, domain, seed, spans[start][0], spans[stop - 1][1])
                )
    return pd.DataFrame(
        rows, columns=["corpus", "doc_id", "unit_id", "domain", "term", "start", "stop"]
    )


def context(text: str, start: int, stop: int, window: int = WINDOW) -> str:
    """About ``window`` words either side of ``text[start:stop]``, which is marked [[...]]."""
    before = text[:start].split()[-window:]
    after = text[stop:].split()[:window]
    return " ".join([*before, f"[[{text[start:stop]}]]", *after])


def draw(
    hits: pd.DataFrame, n: int, *, min_per_domain: int, seed: int
) -> tuple[pd.DataFrame, list[str]]:
    """Row positions of ``hits`` to check: a few per domain, the rest uniform over all hits."""
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    how: list[str] = []
    for _domain, rows in hits.groupby("domain", sort=False):
        k = min(min_per_domain, len(rows))
        picked = rng.choice(rows.index.to_numpy(), size=k, replace=False)
        chosen.extend(int(i) for i in picked)
        how.extend(["domain"] * k)
    rest = np.setdiff1d(hits.index.to_numpy(), np.asarray(chosen, dtype=np.int64))
    k = max(0, min(n - len(chosen), len(rest)))
    chosen.extend(int(i) for i in rng.choice(rest, size=k, replace=False))
    how.extend(["uniform"] * k)
    return hits.loc[chosen], how


def run_draw(args: argparse.Namespace) -> None:
    out = Path(args.out)
    if out.exists() and not args.force:
        filled = pd.read_csv(out, dtype=str)
        if "correct" in filled and filled["correct"].notna().any():
            sys.exit(f"{out} has hand-checked rows; pass --force to overwrite it.")
    lexicon = load_lexicon(args.lexicon) if args.lexicon else default_lexicon()
    corpora = read_english()
    hits = all_hits(lexicon, corpora)
    print(f"lexicon {lexicon.name} {lexicon.version}: {len(hits):,} hits", file=sys.stderr)
    print(hits["domain"].value_counts().to_string(), file=sys.stderr)
    sample, how = draw(hits, args.n, min_per_domain=args.min_per_domain, seed=args.seed)
    texts = {
        (name, u): t
        for name, units in corpora.items()
        for u, t in zip(units["unit_id"], units["text"].astype(str), strict=True)
    }
    table = pd.DataFrame(
        {
            "sample_id": np.arange(1, len(sample) + 1),
            "corpus": sample["corpus"].to_numpy(),
            "doc_id": sample["doc_id"].to_numpy(),
            "unit_id": sample["unit_id"].to_numpy(),
            "domain": sample["domain"].to_numpy(),
            "term": sample["term"].to_numpy(),
            "context": [
                context(texts[(c, u)], a, b)
                for c, u, a, b in zip(
                    sample["corpus"],
                    sample["unit_id"],
                    sample["start"],
                    sample["stop"],
                    strict=True,
                )
            ],
            "correct": "",
            "note": "",
            "draw": how,
        },
        columns=COLUMNS,
    )
    table.to_csv(out, index=False)
    print(f"wrote {out} ({len(table)} rows)", file=sys.stderr)


def precision_table(sample: pd.DataFrame, n_hits: pd.Series | None = None) -> pd.DataFrame:
    """Per domain: n, correct, precision; with ``n_hits`` also each domain's share of hits."""
    checked = sample[sample["correct"].notna()].astype({"correct": int})
    table = checked.groupby("domain").agg(n=("correct", "size"), correct=("correct", "sum"))
    table["precision"] = table["correct"] / table["n"]
    if n_hits is not None:
        table["n_hits"] = n_hits.reindex(table.index).fillna(0).astype(int)
    return table


def markdown(table: pd.DataFrame) -> str:
    """A markdown table (floats with two decimals), without the optional tabulate package."""
    cells = [
        [f"{v:.2f}" if isinstance(v, float) else str(v) for v in row]
        for row in table.itertuples(index=False)
    ]
    lines = ["| " + " | ".join(map(str, table.columns)) + " |"]
    lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(table.shape[1])) + "|")
    lines.extend("| " + " | ".join(row) + " |" for row in cells)
    return "\n".join(lines)


def run_summary(args: argparse.Namespace) -> None:
    sample = pd.read_csv(args.csv)
    lexicon = load_lexicon(args.lexicon) if args.lexicon else default_lexicon()
    n_hits = all_hits(lexicon, read_english())["domain"].value_counts()
    table = precision_table(sample, n_hits)
    table = table.reindex([d for d in lexicon.domain_ids if d in table.index])
    print(markdown(table.reset_index()))
    checked = sample[sample["correct"].notna()]
    n_correct = int(checked["correct"].sum())
    print(f"\nraw: {n_correct}/{len(checked)} = {checked['correct'].mean():.3f}")
    uniform = checked[checked["draw"] == "uniform"]
    if len(uniform):
        print(
            f"uniform part only: {int(uniform['correct'].sum())}/{len(uniform)} = "
            f"{uniform['correct'].mean():.3f}"
        )
    share = table["n_hits"] / table["n_hits"].sum()
    print(f"weighted by domain hits: {(share * table['precision']).sum():.3f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("draw", help="draw a sample of matches and write the CSV")
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--min-per-domain", type=int, default=4)
    p.add_argument("--lexicon", help="a lexicon TOML file (default: the shipped lexicon)")
    p.add_argument("--out", default=str(HERE / "dictionary_sample.csv"))
    p.add_argument("--force", action="store_true", help="overwrite a hand-checked CSV")
    p.set_defaults(run=run_draw)
    s = commands.add_parser("summary", help="precision by domain of a hand-checked CSV")
    s.add_argument("csv")
    s.add_argument("--lexicon", help="the lexicon the sample was drawn with (default: shipped)")
    s.set_defaults(run=run_summary)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
