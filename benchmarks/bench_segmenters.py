"""Chinese word segmenters compared on the seven PRC security laws: speed, agreement, user words.

Candidates (all on PyPI): jieba (pure Python), rjieba (Rust jieba-rs behind a Python binding)
and spacy-pkuseg. spacy-pkuseg is ruled out without running it: its wheel ships only a word
list (``spacy_pkuseg/dicts/default.pkl``); every segmentation model (``spacy_ontonotes``, the
default, and ``mixed``, ``news``, ``web``, ...) is downloaded from GitHub releases into
``~/.pkuseg`` the first time ``pkuseg()`` is called, and corpus_tm downloads nothing at run
time. The script only records that fact (``"pkuseg"`` in the JSON).

For jieba and rjieba, each with the HMM for unknown words off and on:

* **speed**: characters per second of ``cut`` over every paragraph (line) of the seven laws,
  one process, best of ``--repeats`` passes; the dictionary load (first segmenter made) is
  timed on its own;
* **agreement**: token-boundary F1 of every pair of configurations (the boundaries are the
  character offsets where a token ends, white space removed; precision and recall are the same
  up to the swap, so F1 is symmetric);
* **user words**: 网络安全, 数据安全, 生物安全 and 国家安全 added to the segmenter's dictionary
  (``add_word``), once with the frequency the segmenter suggests (no frequency given) and once
  with a forced frequency of 10**6 (what corpus_tm does); for each term, its occurrences in the
  text (``str.count``) against the tokens equal to it, without and with the user dictionary;
* **HMM words**: the most frequent tokens that the HMM makes and dictionary-only cutting does
  not (jieba and rjieba join unknown runs of characters with it);
* **phrases**: ``corpus_tm.build_corpus`` on the paragraphs of the laws as Chinese units with
  ``phrase_layers`` 0, 1 and 2 (other settings default): terms, tokens, phrase terms and the
  tokens they take; the 40 most frequent two-word phrases of one layer, each with the reading
  written down in :data:`PHRASE_READING` (domain term, institution, legal formula or generic
  pair), counted by kind.

Run from the repository root: ``python benchmarks/bench_segmenters.py [--repeats 5]``.
Writes a markdown table to stdout and ``benchmarks/results/bench_segmenters.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
LAWS = ROOT / ".." / "shared" / "corpora" / "prc-security-laws-zh" / "texts"
TERMS = ("网络安全", "数据安全", "生物安全", "国家安全")
FORCED_FREQUENCY = 10**6
# jieba writes its prefix dictionary to jieba.cache in this folder (not the shared temporary
# folder); every Tokenizer of a run uses it, so only the first one builds the dictionary.
JIEBA_CACHE = tempfile.TemporaryDirectory(prefix="bench-jieba-")

Segmenter = Callable[[str], list[str]]

# A reading of the phrases one layer of gensim-style phrase detection joins on the laws (the 40
# most frequent), made by looking at each in its articles: "domain" a term of a security
# domain; "institution" an organ or office; "formula" a piece of legal drafting (penalties,
# references to the law, duties); "generic" a common verb or noun pair.
PHRASE_READING = {
    **dict.fromkeys(
        [
            "生物_安全",
            "核设施_营运",
            "放射性_废物",
            "反间谍_工作",
            "病原_微生物",
            "核事故_应急",
            "粮食_生产",
            "网络_运营者",
            "间谍_行为",
            "关键_信息",
            "应急_预案",
            "人类_遗传",
            "国家_秘密",
            "国防_资产",
        ],
        "domain",
    ),
    **dict.fromkeys(
        [
            "安全_机关",
            "恐怖主义_工作",
            "安全_监督管理",
            "领导_机构",
            "地方_人民政府",
            "直辖市_人民政府",
            "农业_农村",
        ],
        "institution",
    ),
    **dict.fromkeys(
        [
            "以下_罚款",
            "违反_本法",
            "行政_法规",
            "直接_负责",
            "直接_责任人员",
            "应当_及时",
            "以下_的_罚款",
            "单位_和_个人",
            "国家有关_规定",
            "职责_分工",
            "责令_改正",
            "依法_给予",
            "主管部门_责令",
            "前款_规定",
        ],
        "formula",
    ),
    **dict.fromkeys(["应对_处置", "技术_研究", "监督_检查", "政府_粮食", "协调_机制"], "generic"),
}


def _paragraphs() -> list[str]:
    """Every non-empty line of the laws, without Markdown heading marks and HTML comments."""
    lines: list[str] = []
    for path in sorted(LAWS.glob("*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            line = re.sub(r"^#+\s*", "", line).strip()
            if line and not line.startswith("<!--"):
                lines.append(line)
    return lines


def _jieba(hmm: bool, user_words: int | None) -> Segmenter:
    import logging

    import jieba

    tokenizer = jieba.Tokenizer()  # an instance of its own, not jieba's global one
    tokenizer.tmp_dir = JIEBA_CACHE.name  # its jieba.cache goes here, removed at the end
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer.initialize()
    if user_words is not None:
        for term in TERMS:
            tokenizer.add_word(term, user_words or None)
    return lambda text: list(tokenizer.cut(text, HMM=hmm))


def _rjieba(hmm: bool, user_words: int | None) -> Segmenter:
    import rjieba

    segmenter = rjieba.Jieba()
    if user_words is not None:
        for term in TERMS:
            segmenter.add_word(term, user_words or None, None)
    return lambda text: segmenter.cut(text, hmm)


MAKERS: dict[str, Callable[[bool, int | None], Segmenter]] = {"jieba": _jieba, "rjieba": _rjieba}


def _phrases() -> dict:
    """Phrase terms of ``build_corpus`` on the laws' paragraphs with 0, 1 and 2 layers."""
    import pandas as pd

    import corpus_tm as ctm

    documents = ctm.load_documents(LAWS)
    rows = []
    for doc_id, text in zip(documents["doc_id"], documents["text"], strict=True):
        lines = [line for line in text.split("\n") if line.strip()]
        lines = [line for line in lines if not line.startswith(("#", "<!--"))]
        rows += [{"unit_id": f"{doc_id}-{i}", "text": t} for i, t in enumerate(lines)]
    units = pd.DataFrame(rows).assign(language="zh")
    out: dict = {"n_units": len(units)}
    for layers in (0, 1, 2):
        corpus = ctm.build_corpus(units, cache_dir=False, phrase_layers=layers)
        counts = dict(
            zip(corpus.vocabulary, corpus.dtm.sum(axis=0).A1.astype(int).tolist(), strict=True)
        )
        phrases = sorted((w for w in counts if "_" in w), key=lambda w: (-counts[w], w))
        entry = {
            "n_terms": len(corpus.vocabulary),
            "n_tokens": corpus.n_tokens,
            "n_phrase_terms": len(phrases),
            "phrase_tokens": sum(counts[w] for w in phrases),
            "top_phrases": {w: counts[w] for w in phrases[:40]},
        }
        if layers == 1:
            kinds = [PHRASE_READING.get(w, "not read") for w in phrases[:40]]
            entry["top_40_by_kind"] = {k: kinds.count(k) for k in sorted(set(kinds))}
        out[f"phrase_layers={layers}"] = entry
    return out


def _boundaries(tokens: list[str]) -> set[int]:
    ends, position = set(), 0
    for token in tokens:
        token = "".join(token.split())
        if token:
            position += len(token)
            ends.add(position)
    return ends


def _f1(a: list[set[int]], b: list[set[int]]) -> float:
    common = sum(len(x & y) for x, y in zip(a, b, strict=True))
    n_a, n_b = sum(map(len, a)), sum(map(len, b))
    return 2 * common / (n_a + n_b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    paragraphs = _paragraphs()
    n_chars = sum(map(len, paragraphs))
    text = "\n".join(paragraphs)
    results: dict[str, dict] = {}
    boundaries: dict[str, list[set[int]]] = {}
    for name, maker in MAKERS.items():
        start = time.perf_counter()
        maker(False, None)
        load = time.perf_counter() - start
        for hmm in (False, True):
            config = f"{name}, HMM {'on' if hmm else 'off'}"
            plain = maker(hmm, None)
            seconds = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                cut = [plain(p) for p in paragraphs]
                seconds.append(time.perf_counter() - start)
            boundaries[config] = [_boundaries(tokens) for tokens in cut]
            suggested = maker(hmm, 0)
            cut_suggested = [suggested(p) for p in paragraphs]
            forced = maker(hmm, FORCED_FREQUENCY)
            cut_forced = [forced(p) for p in paragraphs]
            kept = {}
            for term in TERMS:
                kept[term] = {
                    "occurrences": text.count(term),
                    "one_token_without_user_words": sum(t.count(term) for t in cut),
                    "one_token_user_word_suggested_frequency": sum(
                        t.count(term) for t in cut_suggested
                    ),
                    "one_token_user_word_forced_frequency": sum(t.count(term) for t in cut_forced),
                }
            results[config] = {
                "dictionary_load_seconds": round(load, 3),
                "seconds": round(min(seconds), 4),
                "chars_per_second": round(n_chars / min(seconds)),
                "n_tokens": sum(map(len, cut)),
                "terms": kept,
            }
            if hmm:
                from collections import Counter

                dictionary_only = maker(False, None)
                off = Counter(t for p in paragraphs for t in dictionary_only(p))
                on = Counter(t for tokens in cut for t in tokens)
                results[config]["hmm_only_words"] = dict((on - off).most_common(30))
    agreement = {
        f"{a} | {b}": round(_f1(boundaries[a], boundaries[b]), 4)
        for a, b in combinations(boundaries, 2)
    }
    from importlib.metadata import version

    import jieba
    import rjieba  # noqa: F401

    out = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "repeats": args.repeats,
        "versions": {"jieba": jieba.__version__, "rjieba": version("rjieba")},
        "n_paragraphs": len(paragraphs),
        "n_chars": n_chars,
        "segmenters": results,
        "boundary_f1": agreement,
        "phrases": _phrases(),
        "pkuseg": (
            "ruled out: spacy-pkuseg 1.0.2 downloads its segmentation model (spacy_ontonotes by "
            "default) from GitHub into ~/.pkuseg on first use; the wheel ships only "
            "dicts/default.pkl"
        ),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench_segmenters.json").write_text(
        json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"{len(paragraphs)} paragraphs, {n_chars} characters\n")
    print("Terms kept whole: no user words / suggested frequency / forced frequency, of all")
    print("| segmenter | load s | chars/s | tokens | " + " | ".join(TERMS) + " |")
    print("|---|---:|---:|---:|" + "---:|" * len(TERMS))
    for config, r in results.items():
        kept_cells = " | ".join(
            f"{r['terms'][t]['one_token_without_user_words']} / "
            f"{r['terms'][t]['one_token_user_word_suggested_frequency']} / "
            f"{r['terms'][t]['one_token_user_word_forced_frequency']} of "
            f"{r['terms'][t]['occurrences']}"
            for t in TERMS
        )
        print(
            f"| {config} | {r['dictionary_load_seconds']} | {r['chars_per_second']:,} | "
            f"{r['n_tokens']:,} | {kept_cells} |"
        )
    print("\n| phrase_layers | terms | tokens | phrase terms | tokens in phrases |")
    print("|---:|---:|---:|---:|---:|")
    for layers in (0, 1, 2):
        r = out["phrases"][f"phrase_layers={layers}"]
        print(
            f"| {layers} | {r['n_terms']:,} | {r['n_tokens']:,} | {r['n_phrase_terms']} | "
            f"{r['phrase_tokens']:,} |"
        )
    print(
        "\nTop 40 phrases of one layer, by kind:",
        out["phrases"]["phrase_layers=1"]["top_40_by_kind"],
    )
    print("\n| pair | boundary F1 |\n|---|---:|")
    for pair, f1 in agreement.items():
        print(f"| {pair} | {f1} |")
    sys.stdout.flush()
    JIEBA_CACHE.cleanup()


if __name__ == "__main__":
    main()
