"""Tests of the on-disk cache (corpus_tm.cache) and of caching built corpora."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import corpus_tm.preprocessing as preprocessing
from corpus_tm.cache import (
    CACHE_DIR_ENV,
    DEFAULT_CACHE_DIRNAME,
    MANIFEST,
    CacheWarning,
    clear_cache,
    entry_path,
    fingerprint,
    load_entry,
    read_manifest,
    resolve_cache_dir,
    store_entry,
)
from corpus_tm.errors import ConfigError
from corpus_tm.preprocessing import (
    PreprocessSettings,
    build_corpus,
    corpus_key,
    load_corpus,
    save_corpus,
)

CORPUS_FILES = {MANIFEST, "units.parquet", "tokens.npz", "dictionary.json", "corpus.json"}


@pytest.fixture
def builds(monkeypatch):
    """Count how often build_corpus really builds (instead of reading the cache)."""
    calls = []
    real = preprocessing._build

    def counting(*args, **kwargs):
        calls.append(args[3])  # the key
        return real(*args, **kwargs)

    monkeypatch.setattr(preprocessing, "_build", counting)
    return calls


def _entries(cache_dir: Path) -> list[Path]:
    folder = cache_dir / "corpus"
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.exists() else []


def assert_same_corpus(a, b) -> None:
    assert a.vocabulary == b.vocabulary
    assert a.tokens == b.tokens
    assert (a.dtm != b.dtm).nnz == 0
    assert a.dtm.shape == b.dtm.shape
    for attr in ("dfs", "cfs", "token2id", "num_docs", "num_pos", "num_nnz"):
        assert getattr(a.dictionary, attr) == getattr(b.dictionary, attr), attr
    assert a.settings == b.settings
    assert a.fingerprint == b.fingerprint
    pd.testing.assert_frame_equal(a.units, b.units)


# --------------------------------------------------------------------------------------------
# Corpora in the cache


def test_cache_hit_does_not_rebuild(example_units, tmp_path, builds):
    first = build_corpus(example_units, cache_dir=tmp_path)
    assert len(builds) == 1
    (entry,) = _entries(tmp_path)
    assert entry.name == first.fingerprint
    stamp = (entry / "tokens.npz").stat().st_mtime_ns
    second = build_corpus(example_units, cache_dir=tmp_path, n_jobs=2)  # n_jobs is not a setting
    assert len(builds) == 1
    assert (entry / "tokens.npz").stat().st_mtime_ns == stamp
    assert_same_corpus(first, second)


def test_changed_setting_or_text_misses(example_units, tmp_path, builds):
    base = build_corpus(example_units, cache_dir=tmp_path)
    other = build_corpus(example_units, cache_dir=tmp_path, no_below=3)
    assert len(builds) == 2
    assert other.fingerprint != base.fingerprint
    changed = example_units.copy()
    changed.loc[0, "text"] = changed.loc[0, "text"] + " Biosecurity matters."
    edited = build_corpus(changed, cache_dir=tmp_path)
    assert len(builds) == 3
    assert edited.fingerprint not in {base.fingerprint, other.fingerprint}
    assert edited.tokens[0] != base.tokens[0]
    renamed = example_units.copy()
    renamed.loc[0, "unit_id"] = "renamed/0001"
    build_corpus(renamed, cache_dir=tmp_path)
    assert len(builds) == 4
    assert len(_entries(tmp_path)) == 4
    # and each of them is now a hit
    build_corpus(changed, cache_dir=tmp_path)
    build_corpus(example_units, cache_dir=tmp_path, no_below=3)
    assert len(builds) == 4


def test_metadata_change_is_a_hit_with_the_new_units(example_units, tmp_path, builds):
    build_corpus(example_units, cache_dir=tmp_path)
    retitled = example_units.assign(title="another title")
    corpus = build_corpus(retitled, cache_dir=tmp_path)
    assert len(builds) == 1  # the tokens depend on unit ids and texts only
    assert (corpus.units["title"] == "another title").all()


@pytest.mark.parametrize(
    "damage", ["truncate", "flip", "delete_file", "delete_manifest", "manifest"]
)
def test_damaged_entry_is_removed_and_rebuilt(example_units, tmp_path, builds, damage):
    first = build_corpus(example_units, cache_dir=tmp_path)
    (entry,) = _entries(tmp_path)
    target = entry / "tokens.npz"
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "flip":
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
    elif damage == "delete_file":
        (entry / "dictionary.json").unlink()
    elif damage == "delete_manifest":
        (entry / MANIFEST).unlink()
    else:
        (entry / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.warns(CacheWarning, match="damaged"):
        again = build_corpus(example_units, cache_dir=tmp_path)
    assert len(builds) == 2
    assert_same_corpus(first, again)
    assert load_entry(tmp_path, "corpus", first.fingerprint) == entry  # valid again


def test_loaded_corpus_equals_built_corpus(example_units, tmp_path):
    built = build_corpus(example_units, cache_dir=tmp_path)
    (entry,) = _entries(tmp_path)
    assert {p.name for p in entry.iterdir()} == CORPUS_FILES
    assert_same_corpus(built, load_corpus(entry))
    manifest = read_manifest(entry)
    assert manifest["key"] == built.fingerprint
    assert set(manifest["files"]) == CORPUS_FILES - {MANIFEST}
    assert manifest["meta"]["n_terms"] == len(built.dictionary)
    assert PreprocessSettings(**manifest["meta"]["settings"]) == PreprocessSettings()
    # Stored without pickles: plain arrays and JSON.
    with np.load(entry / "tokens.npz", allow_pickle=False) as npz:
        assert npz["ids"].dtype == np.int32
        assert npz["offsets"][-1] == built.n_tokens
    stored = json.loads((entry / "dictionary.json").read_text(encoding="utf-8"))
    assert stored["id2token"] == built.vocabulary


def test_save_and_load_elsewhere(example_units, tmp_path):
    built = build_corpus(example_units, cache_dir=False, no_below=1)
    save_corpus(built, tmp_path / "saved")
    assert_same_corpus(built, load_corpus(tmp_path / "saved"))


def test_default_cache_dir_from_environment(example_units, tmp_path, monkeypatch, builds):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "from-env"))
    corpus = build_corpus(example_units)
    assert (tmp_path / "from-env" / "corpus" / corpus.fingerprint / MANIFEST).is_file()
    build_corpus(example_units, cache_dir=None)
    assert len(builds) == 1


def test_cache_disabled_writes_nothing(example_units, tmp_path, monkeypatch, builds):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    build_corpus(example_units, cache_dir=False)
    build_corpus(example_units, cache_dir=False)
    assert len(builds) == 2
    assert list(tmp_path.iterdir()) == []


def test_unwritable_cache_warns_and_still_builds(example_units, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.warns(CacheWarning, match="could not be cached"):
        corpus = build_corpus(example_units, cache_dir=blocker / "cache")
    assert len(corpus) == len(example_units)


# --------------------------------------------------------------------------------------------
# The generic cache


def test_resolve_cache_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    assert resolve_cache_dir(False) is None
    assert resolve_cache_dir(None) == tmp_path / DEFAULT_CACHE_DIRNAME
    assert resolve_cache_dir(True) == tmp_path / DEFAULT_CACHE_DIRNAME
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "env"))
    assert resolve_cache_dir(None) == tmp_path / "env"
    assert resolve_cache_dir("relative") == tmp_path / "relative"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="cache_dir"):
        resolve_cache_dir(tmp_path / "file")
    with pytest.raises(ConfigError, match="cache_dir"):
        resolve_cache_dir(3)


def test_fingerprint_is_exact_and_stable():
    assert fingerprint(["a", "bc"]) != fingerprint(["ab", "c"])
    assert fingerprint("a", "b") != fingerprint("ab")
    assert fingerprint(["a", "b"]) != fingerprint("a", "b")
    assert fingerprint({"x": 1, "y": [1, 2]}) == fingerprint({"y": [1, 2], "x": 1})
    assert fingerprint(np.arange(3)) != fingerprint(np.arange(3.0))
    frame = pd.DataFrame({"unit_id": ["a", "b"], "text": ["one", "two"]})
    assert fingerprint(frame) == fingerprint(frame.copy())
    assert fingerprint(frame) != fingerprint(frame.assign(text=["one", "three"]))
    assert fingerprint(PreprocessSettings()) == fingerprint(PreprocessSettings())
    assert fingerprint(PreprocessSettings()) != fingerprint(PreprocessSettings(min_length=3))
    assert len(fingerprint()) == 64
    with pytest.raises(TypeError, match="fingerprint"):
        fingerprint(object())


def test_corpus_key_covers_ids_texts_and_settings():
    options = PreprocessSettings()
    key = corpus_key(["a", "b"], ["one", "two"], options)
    assert key == corpus_key(["a", "b"], ["one", "two"], dataclasses.replace(options))
    assert key != corpus_key(["a", "c"], ["one", "two"], options)
    assert key != corpus_key(["a", "b"], ["one", "two!"], options)
    assert key != corpus_key(["a", "b"], ["one", "two"], PreprocessSettings(no_above=0.9))


def _write(files: dict[str, bytes]):
    def write(folder: Path) -> None:
        for name, data in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)

    return write


def test_store_and_load_entry(tmp_path):
    entry = store_entry(
        tmp_path, "model", "k1", _write({"a.json": b"{}", "sub/b.npz": b"123"}), meta={"n": 1}
    )
    assert entry == entry_path(tmp_path, "model", "k1")
    manifest = read_manifest(entry)
    assert set(manifest["files"]) == {"a.json", "sub/b.npz"}
    assert manifest["meta"] == {"n": 1}
    assert load_entry(tmp_path, "model", "k1") == entry
    assert load_entry(tmp_path, "model", "other") is None
    # Storing the same key again keeps the valid entry.
    assert store_entry(tmp_path, "model", "k1", _write({"a.json": b"{}"})) == entry
    assert set(read_manifest(entry)["files"]) == {"a.json", "sub/b.npz"}
    assert [p.name for p in (tmp_path / "model").iterdir()] == ["k1"]  # no temporary folders


def test_store_replaces_a_damaged_entry(tmp_path):
    entry = store_entry(tmp_path, "model", "k1", _write({"a.json": b"{}"}))
    (entry / "a.json").write_bytes(b"[]")
    store_entry(tmp_path, "model", "k1", _write({"a.json": b'{"new": 1}'}))
    assert (entry / "a.json").read_bytes() == b'{"new": 1}'
    assert load_entry(tmp_path, "model", "k1") == entry


def test_failed_write_leaves_nothing(tmp_path):
    def broken(folder: Path) -> None:
        (folder / "half.json").write_text("{", encoding="utf-8")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        store_entry(tmp_path, "model", "k1", broken)
    assert list((tmp_path / "model").iterdir()) == []
    assert load_entry(tmp_path, "model", "k1") is None


def test_partial_entry_without_manifest_is_discarded(tmp_path):
    partial = entry_path(tmp_path, "model", "k1")
    partial.mkdir(parents=True)
    (partial / "a.json").write_text("{}", encoding="utf-8")
    with pytest.warns(CacheWarning, match="manifest is missing"):
        assert load_entry(tmp_path, "model", "k1") is None
    assert not partial.exists()


def test_bad_kind_or_key(tmp_path):
    with pytest.raises(ConfigError, match="kind"):
        entry_path(tmp_path, "../up", "k1")
    with pytest.raises(ConfigError, match="key"):
        entry_path(tmp_path, "model", ".hidden")


def test_clear_cache(example_units, tmp_path):
    build_corpus(example_units, cache_dir=tmp_path)
    store_entry(tmp_path, "model", "k1", _write({"a.json": b"{}"}))
    assert clear_cache(tmp_path, kind="model") == 1
    assert len(_entries(tmp_path)) == 1
    assert clear_cache(tmp_path) == 1
    assert _entries(tmp_path) == []
    assert clear_cache(False) == 0
