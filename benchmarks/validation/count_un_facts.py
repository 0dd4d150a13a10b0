"""Count the keyword evidence for the UN General Debate facts (issue 11, item 6b).

Stand-alone: standard library only, and it does NOT import corpus_tm. The facts (domain,
statement, the two groups of documents and the keyword regex) are defined in
``un_facts.toml`` beside this script; this script counts, per document, words and matches of
each fact's regex in the raw speech files and writes ``un_facts.json``.

Counting rules
--------------
- Documents: every ``*.txt`` in the corpus folder, named ``ISO3_session_year.txt``
  (``../shared/corpora/un-general-debate-2020-2024/texts``: 959 speeches, 2020-2024).
- Text: decoded as UTF-8 with or without BOM (``utf-8-sig``); CRLF and lone CR become LF;
  the soft hyphen and Unicode hyphens/dashes U+2010-U+2014 become ``-``.
- Words: runs of ``[A-Za-z]+`` (so "COVID-19" is one word, "sea-level" two).
- Matches: ``re.finditer`` of the fact's regex compiled with ``re.IGNORECASE`` (a regex may
  switch it off locally with ``(?-i:...)``); non-overlapping, each match counts once.
- Rate of a document: ``1000 * matches / words`` (mentions per 1000 words).
- For each group: number of documents, documents with at least one match, total matches,
  total words, ``mean_rate`` (mean over documents of the per-document rate; this is the
  number in the TOML) and ``pooled_rate`` (``1000 * total matches / total words``).
- Groups: ``{years = [...]}`` (all countries in those years), ``{countries = [...]}`` (those
  ISO3 codes, all years) or ``{all_other = true}`` (every document not in the other group).

Usage
-----
::

    python benchmarks/validation/count_un_facts.py                 # count, write JSON, check TOML
    python benchmarks/validation/count_un_facts.py --update-toml   # also rewrite TOML numbers

Without ``--update-toml`` the exit status is 1 if the numbers written in the TOML
(``n_higher``, ``n_lower``, ``rate_higher``, ``rate_lower``, ``ratio``) differ from the count.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path
from statistics import mean

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "un-general-debate-2020-2024" / "texts"
DEFAULT_FACTS = HERE / "un_facts.toml"
DEFAULT_OUT = HERE / "un_facts.json"
DOMAINS_TOML = REPO / "corpus_tm" / "data" / "domains.toml"  # read as data, only for the ids

WORD_RE = re.compile(r"[A-Za-z]+")
FILE_RE = re.compile(r"^(?P<country>[A-Z]{2,3})_(?P<session>\d+)_(?P<year>\d{4})$")
HYPHENS = dict.fromkeys(map(ord, "\u00ad\u2010\u2011\u2012\u2013\u2014"), "-")

RATE_DIGITS = 4
RATIO_DIGITS = 3


def read_text(path: Path) -> str:
    """Return the text of ``path`` with BOM, line ends and hyphens normalised."""
    text = path.read_bytes().decode("utf-8-sig")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(HYPHENS)


def load_corpus(folder: Path) -> list[dict]:
    """One record per speech: id, country, year, text and word count; sorted by id."""
    docs = []
    for path in sorted(folder.glob("*.txt")):
        m = FILE_RE.match(path.stem)
        if m is None:
            raise ValueError(f"unexpected file name: {path.name}")
        text = read_text(path)
        docs.append(
            {
                "id": path.stem,
                "country": m["country"],
                "year": int(m["year"]),
                "text": text,
                "words": len(WORD_RE.findall(text)),
            }
        )
    if not docs:
        raise FileNotFoundError(f"no .txt files in {folder}")
    return docs


def in_group(doc: dict, group: dict, other: dict | None) -> bool:
    """Whether ``doc`` belongs to ``group`` (``other`` is the opposite group, for all_other)."""
    if group.get("all_other"):
        if other is None or other.get("all_other"):
            raise ValueError("all_other needs an explicit opposite group")
        return not in_group(doc, other, None)
    if "years" in group and doc["year"] not in group["years"]:
        return False
    if "countries" in group and doc["country"] not in group["countries"]:
        return False
    if "years" not in group and "countries" not in group:
        raise ValueError(f"group needs years, countries or all_other: {group}")
    return True


def group_stats(counts: list[int], words: list[int]) -> dict:
    rates = [1000 * c / w for c, w in zip(counts, words, strict=True)]
    return {
        "n_docs": len(counts),
        "n_docs_with_match": sum(c > 0 for c in counts),
        "matches": sum(counts),
        "words": sum(words),
        "mean_rate": round(mean(rates), RATE_DIGITS),
        "pooled_rate": round(1000 * sum(counts) / sum(words), RATE_DIGITS),
    }


def count_facts(docs: list[dict], facts: dict, domain_ids: set[str] | None) -> dict:
    """Per fact: the statistics of both groups and the ratios; per document: the counts."""
    countries = {d["country"] for d in docs}
    results = {}
    per_doc = {d["id"]: {"words": d["words"], "matches": {}} for d in docs}
    for fact_id, fact in sorted(facts.items()):
        if domain_ids is not None and fact["domain"] not in domain_ids:
            raise ValueError(f"{fact_id}: unknown domain {fact['domain']!r}")
        for side in ("higher", "lower"):
            missing = set(fact[side].get("countries", [])) - countries
            if missing:
                raise ValueError(f"{fact_id}: countries not in the corpus: {sorted(missing)}")
        regex = re.compile(fact["keywords"], re.IGNORECASE)
        counts = {d["id"]: len(regex.findall(d["text"])) for d in docs}
        for doc_id, n in counts.items():
            per_doc[doc_id]["matches"][fact_id] = n
        sides, member_ids = {}, {}
        for side, other in (("higher", "lower"), ("lower", "higher")):
            members = [d for d in docs if in_group(d, fact[side], fact[other])]
            member_ids[side] = {d["id"] for d in members}
            sides[side] = group_stats(
                [counts[d["id"]] for d in members], [d["words"] for d in members]
            )
            sides[side]["group"] = fact[side]
        overlap = sorted(member_ids["higher"] & member_ids["lower"])
        if overlap:
            raise ValueError(f"{fact_id}: groups overlap in {overlap[:5]}")
        hi, lo = sides["higher"], sides["lower"]
        results[fact_id] = {
            "domain": fact["domain"],
            "keywords": fact["keywords"],
            "higher": hi,
            "lower": lo,
            "ratio_mean": round(hi["mean_rate"] / lo["mean_rate"], RATIO_DIGITS),
            "ratio_pooled": round(hi["pooled_rate"] / lo["pooled_rate"], RATIO_DIGITS),
            "examples": top_matches(regex, docs, member_ids["higher"]),
        }
    return {"facts": results, "documents": per_doc}


def top_matches(regex: re.Pattern, docs: list[dict], ids: set[str], n: int = 10) -> dict:
    """The ``n`` most frequent matched strings (lower-cased) in the higher group."""
    freq: dict[str, int] = {}
    for d in docs:
        if d["id"] in ids:
            for m in regex.finditer(d["text"]):
                key = re.sub(r"\s+", " ", m.group(0).lower())
                freq[key] = freq.get(key, 0) + 1
    return dict(sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:n])


def toml_numbers(result: dict) -> dict[str, float | int]:
    hi, lo = result["higher"], result["lower"]
    return {
        "n_higher": hi["n_docs"],
        "n_lower": lo["n_docs"],
        "rate_higher": hi["mean_rate"],
        "rate_lower": lo["mean_rate"],
        "ratio": result["ratio_mean"],
    }


def check_toml(facts: dict, results: dict) -> list[str]:
    problems = []
    for fact_id, res in sorted(results.items()):
        for key, value in toml_numbers(res).items():
            written = facts[fact_id].get(key)
            if written is None or abs(written - value) > 1e-9:
                problems.append(f"{fact_id}.{key}: TOML {written}, counted {value}")
    return problems


def update_toml(path: Path, results: dict) -> None:
    """Rewrite the number lines of each ``[facts.<id>]`` table in place."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    current = None
    for i, line in enumerate(lines):
        header = re.match(r"^\[facts\.([A-Za-z0-9_]+)\]\s*$", line)
        if header:
            current = header[1]
            continue
        key = re.match(r"^(n_higher|n_lower|rate_higher|rate_lower|ratio) = ", line)
        if key and current in results:
            lines[i] = f"{key[1]} = {toml_numbers(results[current])[key[1]]}\n"
    path.write_text("".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--facts", type=Path, default=DEFAULT_FACTS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--update-toml", action="store_true", help="rewrite TOML numbers")
    args = parser.parse_args(argv)

    facts = tomllib.loads(args.facts.read_text(encoding="utf-8"))["facts"]
    domain_ids = None
    if DOMAINS_TOML.exists():
        domain_ids = set(tomllib.loads(DOMAINS_TOML.read_text(encoding="utf-8"))["domains"])
    docs = load_corpus(args.corpus)
    counted = count_facts(docs, facts, domain_ids)
    out = {
        "corpus": {
            "folder": str(args.corpus.relative_to(REPO.parent))
            if args.corpus.is_relative_to(REPO.parent)
            else str(args.corpus),
            "n_docs": len(docs),
            "words": sum(d["words"] for d in docs),
            "docs_per_year": {
                str(y): sum(d["year"] == y for d in docs) for y in sorted({d["year"] for d in docs})
            },
        },
        "method": {
            "words": WORD_RE.pattern,
            "regex_flags": "re.IGNORECASE",
            "rate": "1000 * matches / words per document",
            "mean_rate": "mean over the group's documents of the per-document rate",
            "pooled_rate": "1000 * sum of matches / sum of words over the group",
            "ratio_mean": "higher.mean_rate / lower.mean_rate (rates rounded first)",
        },
        **counted,
    }
    args.out.write_text(
        json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )

    print("| fact | domain | n A | n B | rate A | rate B | ratio | pooled A | pooled B |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for fact_id, res in counted["facts"].items():
        hi, lo = res["higher"], res["lower"]
        print(
            f"| {fact_id} | {res['domain']} | {hi['n_docs']} | {lo['n_docs']} | "
            f"{hi['mean_rate']:.3f} | {lo['mean_rate']:.3f} | {res['ratio_mean']:.2f} | "
            f"{hi['pooled_rate']:.3f} | {lo['pooled_rate']:.3f} |"
        )
    if args.update_toml:
        update_toml(args.facts, counted["facts"])
        facts = tomllib.loads(args.facts.read_text(encoding="utf-8"))["facts"]
    problems = check_toml(facts, counted["facts"])
    for p in problems:
        print("MISMATCH", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
