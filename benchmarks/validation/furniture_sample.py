"""Precision of the page-furniture rules: every removed line of the shared corpora, and a sample.

Reads the four shared corpora, collects the ``furniture`` table of :func:`corpus_tm.split_sections`
(every removed line or caption paragraph with its reason), prints the counts by corpus and reason,
and draws a stratified random sample of removed lines into ``furniture_sample.csv`` for reading
by hand (columns ``prose`` and ``note`` are filled by the reader; see ``furniture_precision.md``).

Sample design: strata are (corpus, reason). Every stratum first gets ``min(size, FLOOR)`` lines,
so rare reasons (one editor line, three breadcrumb-like lines) are always read; the remaining
places are shared out in proportion to the lines left in each stratum (largest remainder).
Each removed line gets a permanent random number, ``numpy.random.default_rng([SEED, crc32(key)])``
of its corpus, document, line number, reason and text; a stratum's sample is its lines with the
smallest numbers (sampling with permanent random numbers), so the draw does not move when a rule
change adds or drops lines elsewhere.

Re-running keeps the ``prose`` and ``note`` already written for a removed line that is drawn again
(matched on corpus, doc_id, line, reason and text), so a redraw after a rule change only asks
for the new lines to be read.

``--wrapped`` adds a stress check for the line rules: every text unit of 200 characters or
more is re-wrapped into lines of about 60 characters, as OCR and e-mail text arrive; each of
these lines is running prose by construction, and the check lists every one a rule flags.

Run from the repository root::

    .venv/bin/python benchmarks/validation/furniture_sample.py [--wrapped]
"""

from __future__ import annotations

import argparse
import textwrap
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

import corpus_tm as ctm
from corpus_tm.furniture import DEFAULT_LINE_RULES, is_letter_spaced

SHARED = Path("/work/shared")
CORPORA = {
    "example": SHARED / "corpus",
    "us-nss": SHARED / "corpora/us-national-security-strategy/texts",
    "un-debate": SHARED / "corpora/un-general-debate-2020-2024/texts",
    "prc-laws-zh": SHARED / "corpora/prc-security-laws-zh/texts",
}
OUT = Path(__file__).resolve().parent / "furniture_sample.csv"
SEED = 20240612
N_SAMPLE = 300
FLOOR = 8
WRAP_WIDTH = 60
COLUMNS = [
    "sample_id",
    "corpus",
    "doc_id",
    "line",
    "reason",
    "text",
    "context_before",
    "context_after",
    "prose",
    "note",
]
KEY = ["corpus", "doc_id", "line", "reason", "text"]


def _markdown(table: pd.DataFrame) -> str:
    """A pipe table (pandas' ``to_markdown`` needs the optional ``tabulate``)."""
    cells = [[str(c) for c in table.columns]]
    cells += [[str(v).replace("|", "\\|") for v in row] for row in table.itertuples(index=False)]
    lines = ["| " + " | ".join(row) + " |" for row in cells]
    lines.insert(1, "|" + "---|" * len(table.columns))
    return "\n".join(lines)


def _context(lines: list[str], line: int, text: str) -> tuple[str, str]:
    """The nearest non-blank line before ``line`` and after the removed text (1-based)."""
    before = next((t for t in reversed(lines[: line - 1]) if t.strip()), "")
    after_index = line  # the line after the first line of the removed text
    while after_index < len(lines) and lines[after_index].strip() and lines[after_index] in text:
        after_index += 1  # a caption paragraph spans wrapped lines
    after = next((t for t in lines[after_index:] if t.strip()), "")
    return before, after


def removed_lines() -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Every removed line of every shared corpus, with context; and the unit tables."""
    frames, units = [], {}
    for corpus, path in CORPORA.items():
        documents = ctm.load_documents(path)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*no part or sub-section headings.*")
            sections = ctm.split_sections(documents)
        units[corpus] = sections.units
        texts = dict(zip(documents["doc_id"], documents["text"], strict=True))
        furniture = sections.furniture.assign(corpus=corpus)
        contexts = [
            _context(texts[row.doc_id].split("\n"), row.line, row.text)
            for row in furniture.itertuples()
        ]
        furniture["context_before"] = [c[0] for c in contexts]
        furniture["context_after"] = [c[1] for c in contexts]
        frames.append(furniture)
    return pd.concat(frames, ignore_index=True), units


def allocate(sizes: pd.Series, n: int, floor: int) -> pd.Series:
    """Places per stratum: a floor each, the rest in proportion to what is left."""
    base = sizes.clip(upper=floor)
    left = n - int(base.sum())
    if left <= 0:
        return base
    rest = sizes - base
    quota = rest / rest.sum() * min(left, int(rest.sum()))
    extra = np.floor(quota).astype(int)
    remainder = (quota - extra).sort_values(ascending=False, kind="stable")
    extra[remainder.index[: min(left, int(rest.sum())) - int(extra.sum())]] += 1
    return base + extra


def _permanent_random_number(row: pd.Series, seed: int) -> float:
    """A uniform number fixed for one removed line (its corpus, document, line and text)."""
    key = "\x1f".join(str(row[c]) for c in KEY).encode("utf-8")
    return float(np.random.default_rng([seed, zlib.crc32(key)]).random())


def draw_sample(removed: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """A stratified random sample of ``n`` removed lines (strata: corpus and reason).

    Within a stratum the lines with the smallest permanent random numbers are taken, so a
    line drawn once is drawn again after a rule change that leaves it removed.
    """
    removed = removed.assign(
        _u=[_permanent_random_number(row, seed) for _, row in removed.iterrows()]
    )
    sizes = removed.groupby(["corpus", "reason"], sort=True).size()
    places = allocate(sizes, min(n, len(removed)), FLOOR)
    picked = []
    for (corpus, reason), k in places.items():
        stratum = removed[(removed["corpus"] == corpus) & (removed["reason"] == reason)]
        picked.append(stratum.nsmallest(k, "_u").sort_values(["doc_id", "line"]))
    sample = pd.concat(picked).drop(columns="_u").reset_index(drop=True)
    sample.insert(0, "sample_id", np.arange(1, len(sample) + 1))
    return sample


def merge_readings(sample: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Keep the ``prose`` and ``note`` already written for lines that are drawn again."""
    sample = sample.assign(prose=pd.NA, note="")
    if not path.exists():
        return sample[COLUMNS]
    old = pd.read_csv(
        path, dtype={"prose": "Int64", "note": str}, keep_default_na=False, na_values=[""]
    )
    old = old.dropna(subset=["prose"]).drop_duplicates(KEY).set_index(KEY)
    keys = pd.MultiIndex.from_frame(sample[KEY])
    found = keys.isin(old.index)
    sample.loc[found, "prose"] = old.loc[keys[found], "prose"].to_numpy()
    sample.loc[found, "note"] = old.loc[keys[found], "note"].fillna("").to_numpy()
    sample["prose"] = sample["prose"].astype("Int64")
    return sample[COLUMNS]


def wrapped_prose_check(units: dict[str, pd.DataFrame], width: int = WRAP_WIDTH) -> pd.DataFrame:
    """Lines of re-wrapped running text that a line rule would remove (should be none)."""
    hits = []
    for corpus, table in units.items():
        for row in table[table["text"].str.len() >= 200].itertuples():
            for line in textwrap.wrap(row.text, width):
                reason = next((r.reason for r in DEFAULT_LINE_RULES if r.matches(line)), None)
                if reason is None and is_letter_spaced(line):
                    reason = "running header (letter-spaced)"
                if reason is not None:
                    hits.append(
                        {"corpus": corpus, "doc_id": row.doc_id, "reason": reason, "text": line}
                    )
    return pd.DataFrame(hits, columns=["corpus", "doc_id", "reason", "text"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=N_SAMPLE)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--wrapped", action="store_true", help="run the re-wrapped prose check")
    args = parser.parse_args()

    removed, units = removed_lines()
    counts = removed.groupby(["corpus", "reason"]).size().rename("lines").reset_index()
    print(f"Removed lines: {len(removed)}\n")
    print(_markdown(counts))
    print()
    print(_markdown(removed.groupby("corpus").size().rename("lines").reset_index()))

    sample = merge_readings(draw_sample(removed, args.n, args.seed), args.out)
    sample.to_csv(args.out, index=False)
    design = sample.groupby(["corpus", "reason"]).size().rename("sampled").reset_index()
    design = design.merge(counts, on=["corpus", "reason"])
    print(f"\nSample of {len(sample)} (seed {args.seed}, floor {FLOOR}) -> {args.out}\n")
    print(_markdown(design))
    read = sample.dropna(subset=["prose"])
    if len(read):
        print(f"\nRead: {len(read)} of {len(sample)}; prose: {int(read['prose'].sum())}")
        prose = read[read["prose"] == 1]
        if len(prose):
            print(_markdown(prose[["sample_id", "corpus", "reason", "text"]]))

    if args.wrapped:
        hits = wrapped_prose_check(units)
        n_lines = sum(
            len(textwrap.wrap(t, WRAP_WIDTH))
            for table in units.values()
            for t in table.loc[table["text"].str.len() >= 200, "text"]
        )
        print(f"\nRe-wrapped prose: {n_lines} lines, {len(hits)} flagged by a line rule")
        if len(hits):
            print(_markdown(hits))


if __name__ == "__main__":
    main()
