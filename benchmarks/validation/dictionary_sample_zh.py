"""Validation: draw Chinese seed-term matches at random for a hand check of their precision.

In: the seven PRC security laws in Chinese beside the repository
(``../shared/corpora/prc-security-laws-zh/texts``), one unit per paragraph (an article or a
numbered item), and the Chinese terms of a lexicon (``Lexicon.for_language("zh")``; the
default lexicon unless ``--lexicon``).
Out: a CSV with one row per drawn match -- ``sample_id, corpus, doc_id, unit_id, domain,
term, context, correct, note, draw, segmentation`` -- where ``context`` is 40 characters
either side of the match, the match marked ``[[like this]]``; ``correct`` (1/0) and ``note``
are for the reader. ``segmentation`` says how the text was cut into pieces:

* ``"zh"``: the registered Chinese language (``get_language("zh").match_pieces``), when
  there is one;
* ``"characters"``: otherwise, every Han character is a piece, so a term matches wherever
  its characters follow each other (a plain character-sequence match, longest term first,
  with the lexicon's exclusions). A segmenter can only remove matches from this set (a term
  that is not a word of the segmented text), never add one.

The draw is that of ``dictionary_sample.py`` (English): first ``--min-per-domain`` hits of
each domain, then the rest uniformly, with ``numpy.random.default_rng(seed)``.

Run::

    python benchmarks/validation/dictionary_sample_zh.py draw --seed 15 --out sample.csv
    python benchmarks/validation/dictionary_sample_zh.py summary sample.csv  # once filled in
    # every hit of some terms: count per law, draw 20 at random for reading
    python benchmarks/validation/dictionary_sample_zh.py terms 企业 --seed 19 --out terms.csv
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from corpus_tm.errors import ConfigError
from corpus_tm.language import get_language, register_language
from corpus_tm.lexicon import Lexicon, default_lexicon, load_lexicon

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dictionary_sample import draw, markdown, precision_table

HERE = Path(__file__).resolve().parent
LAWS = HERE.parents[2] / "shared" / "corpora" / "prc-security-laws-zh" / "texts"
CORPUS = "prc-security-laws-zh"
WINDOW = 40
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_PIECE = re.compile(rf"[{_HAN}]|[^\W_{_HAN}]+")
COLUMNS = [
    "sample_id", "corpus", "doc_id", "unit_id", "domain", "term", "context", "correct",
    "note", "draw", "segmentation",
]


class HanCharacters:
    """Character-level Chinese, for when no Chinese language is registered."""

    code = "zh"
    name = "Chinese"
    stop_words: frozenset[str] = frozenset()
    connector_words: frozenset[str] = frozenset()

    def prepare(self) -> None:
        pass

    def fold_case(self, text: str) -> str:
        return text.lower()

    def split_words(self, text: str) -> list[str]:
        return _PIECE.findall(text)

    def token_pieces(self, word: str) -> list[str]:
        return [word]

    def strip_clitics(self, piece: str) -> str | None:
        return piece

    def is_number(self, piece: str) -> bool:
        return piece.isdigit()

    def lemmatize(self, word: str) -> str:
        return word

    def split_sentences(self, text: str) -> list[str]:
        found = re.findall(r"[^。！？；]*[。！？；]|[^。！？；]+$", text)
        return [s.strip() for s in found if s.strip()]

    def count_words(self, text: str) -> int:
        return len(_PIECE.findall(text))

    def match_pieces(self, text: str) -> list[str]:
        return _PIECE.findall(text.lower())


def chinese(lexicon: str | None = None) -> str:
    """Register the character-level stand-in if no Chinese is registered; say which is used.

    With ``lexicon`` (a lexicon file), the package's Chinese is registered again with that
    file's Chinese terms in its user dictionary, so that the text is cut as a study with that
    lexicon would cut it (the bundled lexicon's words otherwise).
    """
    try:
        language = get_language("zh")  # registered, or a built-in one imported on first use
    except ConfigError:
        register_language(HanCharacters())
        return "characters"
    if lexicon is not None and type(language).__name__ == "Chinese":
        register_language(type(language)(lexicon=lexicon), replace=True)
    return "zh"


def read_laws() -> pd.DataFrame:
    """One unit per non-heading paragraph of the seven laws."""
    rows = []
    for path in sorted(LAWS.glob("*.md")):
        body = path.read_text(encoding="utf-8").split("<!-- INFO END -->", 1)[-1]
        paragraphs = [p.strip() for p in body.split("\n") if p.strip() and not p.startswith("#")]
        rows.extend(
            {"doc_id": path.stem, "unit_id": f"{path.stem}/{i:04d}", "text": p}
            for i, p in enumerate(paragraphs)
        )
    return pd.DataFrame(rows)


def piece_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The matcher's pieces of ``text`` with their character spans (found left to right)."""
    language = get_language("zh")
    pieces = language.match_pieces(text)
    lowered = text.lower()
    spans, position = [], 0
    for piece in pieces:
        start = lowered.find(piece, position)
        if start < 0:
            return pieces, []
        spans.append((start, start + len(piece)))
        position = start + len(piece)
    return [language.lemmatize(p) for p in pieces], spans


def all_hits(lexicon: Lexicon, units: pd.DataFrame) -> pd.DataFrame:
    """One row per Chinese seed-term hit: corpus, doc_id, unit_id, domain, term, start, stop."""
    matcher = lexicon.for_language("zh").matcher
    rows = []
    for doc_id, unit_id, text in zip(units["doc_id"], units["unit_id"], units["text"], strict=True):
        pieces, spans = piece_spans(text)
        if not spans:
            continue
        for start, stop, term in matcher.find(pieces):
            domain, seed = matcher.terms[term]
            rows.append(
                (CORPUS, doc_id, unit_id, domain, seed, spans[start][0], spans[stop - 1][1])
            )
    return pd.DataFrame(
        rows, columns=["corpus", "doc_id", "unit_id", "domain", "term", "start", "stop"]
    )


def context(text: str, start: int, stop: int, window: int = WINDOW) -> str:
    """``window`` characters either side of ``text[start:stop]``, which is marked [[...]]."""
    return f"{text[max(0, start - window):start]}[[{text[start:stop]}]]{text[stop:stop + window]}"


def run_draw(args: argparse.Namespace) -> None:
    out = Path(args.out)
    if out.exists() and not args.force:
        filled = pd.read_csv(out, dtype=str)
        if "correct" in filled and filled["correct"].notna().any():
            sys.exit(f"{out} has hand-checked rows; pass --force to overwrite it.")
    segmentation = chinese(args.lexicon)
    lexicon = load_lexicon(args.lexicon) if args.lexicon else default_lexicon()
    units = read_laws()
    hits = all_hits(lexicon, units)
    print(
        f"lexicon {lexicon.name} {lexicon.version}, segmentation {segmentation}: "
        f"{len(units):,} units, {len(hits):,} hits",
        file=sys.stderr,
    )
    print(hits["domain"].value_counts().to_string(), file=sys.stderr)
    sample, how = draw(hits, args.n, min_per_domain=args.min_per_domain, seed=args.seed)
    texts = dict(zip(units["unit_id"], units["text"], strict=True))
    table = pd.DataFrame(
        {
            "sample_id": np.arange(1, len(sample) + 1),
            "corpus": sample["corpus"].to_numpy(),
            "doc_id": sample["doc_id"].to_numpy(),
            "unit_id": sample["unit_id"].to_numpy(),
            "domain": sample["domain"].to_numpy(),
            "term": sample["term"].to_numpy(),
            "context": [
                context(texts[u], a, b)
                for u, a, b in zip(sample["unit_id"], sample["start"], sample["stop"], strict=True)
            ],
            "correct": "",
            "note": "",
            "draw": how,
            "segmentation": segmentation,
        },
        columns=COLUMNS,
    )
    table.to_csv(out, index=False)
    print(f"wrote {out} ({len(table)} rows)", file=sys.stderr)


def run_summary(args: argparse.Namespace) -> None:
    chinese(args.lexicon)
    sample = pd.read_csv(args.csv)
    lexicon = load_lexicon(args.lexicon) if args.lexicon else default_lexicon()
    hits = all_hits(lexicon, read_laws())
    table = precision_table(sample, hits["domain"].value_counts())
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
    print(f"hits by domain (all {len(hits)}):")
    print(hits["domain"].value_counts().reindex(lexicon.domain_ids).fillna(0).astype(int).to_string())


def run_terms(args: argparse.Namespace) -> None:
    """Count every hit of the given terms per law; draw ``--n`` of them for reading."""
    out = Path(args.out)
    if out.exists() and not args.force:
        filled = pd.read_csv(out, dtype=str)
        if "correct" in filled and filled["correct"].notna().any():
            sys.exit(f"{out} has hand-checked rows; pass --force to overwrite it.")
    segmentation = chinese(args.lexicon)
    lexicon = load_lexicon(args.lexicon) if args.lexicon else default_lexicon()
    units = read_laws()
    hits = all_hits(lexicon, units)
    hits = hits[hits["term"].isin(args.terms)].reset_index(drop=True)
    print(f"lexicon {lexicon.name} {lexicon.version}: {len(hits)} hits", file=sys.stderr)
    print(hits.groupby(["term", "doc_id"]).size().to_string(), file=sys.stderr)
    rng = np.random.default_rng(args.seed)
    rows = np.sort(rng.choice(len(hits), size=min(args.n, len(hits)), replace=False))
    sample = hits.iloc[rows]
    texts = dict(zip(units["unit_id"], units["text"], strict=True))
    table = pd.DataFrame(
        {
            "sample_id": np.arange(1, len(sample) + 1),
            "hit": rows,
            "doc_id": sample["doc_id"].to_numpy(),
            "unit_id": sample["unit_id"].to_numpy(),
            "domain": sample["domain"].to_numpy(),
            "term": sample["term"].to_numpy(),
            "context": [
                context(texts[u], a, b)
                for u, a, b in zip(sample["unit_id"], sample["start"], sample["stop"], strict=True)
            ],
            "correct": "",
            "note": "",
            "segmentation": segmentation,
        }
    )
    table.to_csv(out, index=False)
    print(f"wrote {out} ({len(table)} rows)", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("draw", help="draw a sample of matches and write the CSV")
    p.add_argument("--n", type=int, default=160)
    p.add_argument("--seed", type=int, default=15)
    p.add_argument("--min-per-domain", type=int, default=4)
    p.add_argument("--lexicon", help="a lexicon TOML file (default: the shipped lexicon)")
    p.add_argument("--out", default=str(HERE / "dictionary_sample_zh.csv"))
    p.add_argument("--force", action="store_true", help="overwrite a hand-checked CSV")
    p.set_defaults(run=run_draw)
    s = commands.add_parser("summary", help="precision by domain of a hand-checked CSV")
    s.add_argument("csv")
    s.add_argument("--lexicon", help="the lexicon the sample was drawn with (default: shipped)")
    s.set_defaults(run=run_summary)
    t = commands.add_parser("terms", help="count all hits of some terms; draw some to read")
    t.add_argument("terms", nargs="+", help="seed terms, as written in the lexicon")
    t.add_argument("--n", type=int, default=20)
    t.add_argument("--seed", type=int, default=19)
    t.add_argument("--lexicon", help="a lexicon TOML file (default: the shipped lexicon)")
    t.add_argument("--out", required=True)
    t.add_argument("--force", action="store_true", help="overwrite a hand-checked CSV")
    t.set_defaults(run=run_terms)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
