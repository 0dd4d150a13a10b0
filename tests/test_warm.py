"""A warm run reads everything back: no model library imported, the same bytes written.

What keeps a warm ``corpus-tm figures`` short (benchmarks/bench_warm.py times it): a corpus
makes its gensim ``Dictionary`` only when a model needs it, and the lexicon, the stability of
the sweep and the section shares are cached like the models.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import corpus_tm as ctm
from corpus_tm.cache import fingerprint
from corpus_tm.lexicon import lexicon_from_state, lexicon_state
from corpus_tm.preprocessing import load_corpus, save_corpus

HEAVY = ("gensim", "sklearn", "scipy.stats", "scipy.optimize", "simplemma", "rjieba")


def test_a_warm_run_imports_no_model_library_and_writes_the_same_files(reference_build, tmp_path):
    code = f"""
import json, sys
from corpus_tm import cli

status = cli.main(["figures", "study.toml", "--quiet", "--output", {str(tmp_path)!r}])
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
sys.exit(status)
"""
    process = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=reference_build.study.parent,
        env={**os.environ, "MPLBACKEND": "Agg"},
        check=False,
        timeout=600,
    )
    assert process.returncode == 0, process.stderr
    assert json.loads(process.stdout.splitlines()[-1]) == []
    manifest = json.loads((tmp_path / "MANIFEST.json").read_text(encoding="utf-8"))
    assert manifest["files"] == reference_build.manifest["files"]
    # the warnings of the cold run's aggregation are given again, each once
    small = [line for line in process.stderr.splitlines() if "SmallSampleWarning" in line]
    assert small
    assert len(small) == len(set(small))
    assert small == [
        line for line in reference_build.stderr.splitlines() if "SmallSampleWarning" in line
    ]


def test_a_stored_lexicon_is_the_lexicon_with_the_same_token_forms():
    lexicon = ctm.default_lexicon()
    again = lexicon_from_state(json.loads(json.dumps(lexicon_state(lexicon))))
    assert again == lexicon
    assert again.languages == lexicon.languages
    for code in lexicon.languages:
        frame, stored = lexicon.for_language(code).to_frame(), again.for_language(code).to_frame()
        assert fingerprint(stored) == fingerprint(frame), code  # the cache keys do not move
        assert stored.equals(frame)
    assert fingerprint(again.to_frame()) == fingerprint(lexicon.to_frame())


def test_a_loaded_corpus_makes_its_dictionary_when_asked(example_units, tmp_path):
    corpus = ctm.build_corpus(example_units, cache_dir=False)
    save_corpus(corpus, tmp_path / "corpus")
    code = f"""
import sys
from corpus_tm.preprocessing import load_corpus

corpus = load_corpus({str(tmp_path / "corpus")!r})
print(len(corpus.vocabulary), corpus.n_terms, corpus.dtm.shape, repr(corpus))
print("gensim" in sys.modules)
print(len(corpus.dictionary), "gensim" in sys.modules)
"""
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    lines = process.stdout.splitlines()
    assert lines[1] == "False"
    assert lines[2] == f"{len(corpus.dictionary)} True"

    loaded = load_corpus(tmp_path / "corpus")
    for made in (loaded, pickle.loads(pickle.dumps(loaded))):
        dictionary, built = made.dictionary, corpus.dictionary
        assert dictionary.token2id == built.token2id
        assert dictionary.dfs == built.dfs
        assert dictionary.cfs == built.cfs
        assert (dictionary.num_docs, dictionary.num_pos, dictionary.num_nnz) == (
            built.num_docs,
            built.num_pos,
            built.num_nnz,
        )
        assert made.vocabulary == corpus.vocabulary
        assert (made.dtm != corpus.dtm).nnz == 0
