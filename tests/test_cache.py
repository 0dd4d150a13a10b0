"""Tests of the on-disk cache (corpus_tm.cache) and of caching built corpora."""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import corpus_tm as ctm
import corpus_tm.cache as cache
import corpus_tm.preprocessing as preprocessing
from corpus_tm import cli
from corpus_tm.cache import (
    CACHE_DIR_ENV,
    CACHE_MARKER,
    DEFAULT_CACHE_DIRNAME,
    MANIFEST,
    CacheWarning,
    atomic_write_bytes,
    clear_cache,
    entry_path,
    fingerprint,
    is_temporary_name,
    load_entry,
    read_manifest,
    resolve_cache_dir,
    store_entry,
)
from corpus_tm.errors import ConfigError
from corpus_tm.figures import corpus_hash
from corpus_tm.loading import corpus_files, load_documents
from corpus_tm.preprocessing import (
    PreprocessSettings,
    build_corpus,
    corpus_key,
    load_corpus,
    save_corpus,
)
from corpus_tm.study import load_study

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
    # stored resolved: the phrase layers of the language (2 for English), not None
    stored = PreprocessSettings(**manifest["meta"]["settings"])
    assert stored.resolved_dict() == PreprocessSettings().resolved_dict()
    assert stored.phrase_layers == 2
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
    message = r"a-file/cache' could not be written \(Not a directory \[ENOTDIR\]\)"
    with pytest.warns(CacheWarning, match=message):
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


# --------------------------------------------------------------------------------------------
# The package deletes only what it made


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under ``folder``."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else None
        for p in sorted(folder.rglob("*"))
    }


def _user_folder(folder: Path) -> Path:
    """A folder of a user's own files, laid out like a cache (kind folders and all)."""
    files = {
        "notes.txt": b"my notes",
        ".draft.tmp": b"a draft",
        "corpus/speech.txt": b"a text of mine",
        "corpus/0001/page.txt": b"a page",
        "model/k1/a.json": b"{}",
    }
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def test_the_first_store_marks_the_cache_folder(tmp_path):
    root = tmp_path / "cache"
    store_entry(root, "model", "k1", _write({"a.json": b"{}"}))
    marker = json.loads((root / CACHE_MARKER).read_text(encoding="utf-8"))
    assert marker["format"] == 1
    assert marker["created_by"].startswith("corpus_tm ")
    before = (root / CACHE_MARKER).read_bytes()
    store_entry(root, "model", "k2", _write({"a.json": b"{}"}))
    assert (root / CACHE_MARKER).read_bytes() == before  # written once


def test_clear_cache_refuses_a_folder_without_the_marker(tmp_path):
    folder = _user_folder(tmp_path / "project")
    before = _tree(folder)
    with pytest.raises(ConfigError, match="is not a corpus_tm cache") as caught:
        clear_cache(folder)
    assert str(folder) in str(caught.value)
    assert CACHE_MARKER in str(caught.value)
    with pytest.raises(ConfigError, match="is not a corpus_tm cache"):
        clear_cache(folder, kind="corpus")
    assert _tree(folder) == before  # nothing deleted
    (tmp_path / "empty").mkdir()
    assert clear_cache(tmp_path / "empty") == 0
    assert clear_cache(tmp_path / "missing") == 0


def test_clear_cache_removes_only_the_cache_entries(example_units, tmp_path):
    root = tmp_path / "cache"
    build_corpus(example_units, cache_dir=root)
    store_entry(root, "model", "k1", _write({"a.json": b"{}"}))
    store_entry(root, "model", "k2", _write({"b.json": b"{}"}))
    # a user's files placed inside the cache, some with names like the cache's own
    mine = {
        "notes.txt": b"keep me",
        ".draft.tmp": b"keep me too",
        "model/readme.txt": b"about my models",
        "model/mine/a.json": b"{}",  # a folder without a manifest
        "model/.draft.tmp/a.txt": b"a folder of mine",
        "own/data.csv": b"x,y",
    }
    for name, data in mine.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    leftover = root / "model" / ".corpus-tm-0123456789abcdef.abcd_123.tmp"  # a killed store
    leftover.mkdir()
    (leftover / "a.json").write_bytes(b"{")
    assert clear_cache(root, kind="model") == 2
    assert not leftover.exists()
    assert len(_entries(root)) == 1  # the corpus entry is still there
    assert clear_cache(root) == 1
    assert _entries(root) == []
    assert (root / CACHE_MARKER).is_file()
    for name, data in mine.items():
        assert (root / name).read_bytes() == data, name
    assert clear_cache(root) == 0


def test_temporary_names_are_the_packages_own(tmp_path, monkeypatch):
    seen = []
    replace = cache.os.replace

    def spy(src, dst):
        seen.append(Path(src).name)
        return replace(src, dst)

    monkeypatch.setattr(cache.os, "replace", spy)
    atomic_write_bytes(tmp_path / "MANIFEST.json", b"{}")
    store_entry(tmp_path / "cache", "model", "k" * 64, _write({"a.json": b"{}"}))
    assert seen[0].startswith(".corpus-tm-MANIFEST.json.")
    assert seen[-1].startswith(".corpus-tm-kkkkkkkkkkkkkkkk.")
    assert all(is_temporary_name(name) for name in seen), seen
    for name in ("notes.tmp", ".draft.tmp", ".write-test-mine", ".MANIFEST.json.abcd1234.tmp"):
        assert not is_temporary_name(name), name


@pytest.fixture
def home(tmp_path, monkeypatch):
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


@pytest.mark.parametrize("given", ["", ".", "./"])
def test_resolve_cache_dir_refuses_the_current_folder(tmp_path, monkeypatch, home, given):
    work = _user_folder(tmp_path / "work")
    monkeypatch.chdir(work)
    before = _tree(work)
    for call in (resolve_cache_dir, clear_cache):
        with pytest.raises(ConfigError, match="is the current working folder") as caught:
            call(given)
        assert f"cache_dir = {given!r}" in str(caught.value)
        assert DEFAULT_CACHE_DIRNAME in str(caught.value)
    monkeypatch.setenv(CACHE_DIR_ENV, ".")
    with pytest.raises(ConfigError, match=f"{CACHE_DIR_ENV} = '.' is the current working folder"):
        clear_cache()
    assert _tree(work) == before
    assert resolve_cache_dir(work) == work  # named by its path, it is an ordinary folder


def test_resolve_cache_dir_refuses_home_and_root(home):
    for given, problem in (
        (home, "is your home folder"),
        ("~", "is your home folder"),
        (home.parent, "holds your home folder"),
        ("/", "is the root of the file system"),
    ):
        with pytest.raises(ConfigError, match=problem):
            resolve_cache_dir(given)
    assert resolve_cache_dir("~/cache") == home / "cache"


def _study(folder: Path, corpus: Path, cache_dir: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "study.toml"
    path.write_text(
        f'[corpus]\npath = "{corpus.as_posix()}"\n[run]\ncache_dir = "{cache_dir}"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("cache_dir", "problem"),
    [
        (".", "is the study's folder"),
        ("", "is the study's folder"),
        ("..", "holds the study's folder"),
        ("{corpus}", "is the corpus"),
        ("{corpus}/cache", "is inside the corpus folder"),
        ("{corpus}/..", "holds the corpus"),
        ("{home}", "is your home folder"),
    ],
)
def test_study_refuses_a_cache_dir_of_the_users_files(tmp_path, home, cache_dir, problem):
    corpus = tmp_path / "texts"
    corpus.mkdir()
    given = cache_dir.format(corpus=corpus.as_posix(), home=home.as_posix())
    path = _study(tmp_path / "studies" / "one", corpus, given)
    with pytest.raises(ConfigError, match=problem) as caught:
        load_study(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"run.cache_dir = {given!r}" in message
    assert f'the default "{DEFAULT_CACHE_DIRNAME}" beside the study' in message


def test_study_cache_dir_of_its_own_is_accepted(tmp_path, home):
    corpus = tmp_path / "texts"
    corpus.mkdir()
    for given in (DEFAULT_CACHE_DIRNAME, "cache", "../cache", (home / "cache").as_posix()):
        study = load_study(_study(tmp_path / "studies" / "one", corpus, given))
        assert study.cache_dir == (tmp_path / "studies" / "one" / given).resolve()


# --------------------------------------------------------------------------------------------
# A cache that cannot be written costs the cache, not the run


def test_a_full_disk_warns_once_and_the_study_completes(small_study, tmp_path, monkeypatch):
    """Every stage stores through one helper: a full disk gives one CacheWarning naming the
    cache folder and the error, and the run writes its figures without caching anything."""
    study = small_study(
        '[figures]\noutput = "out"\nformats = ["png"]\ndpi = 20\nmake = ["k_choice"]\n'
        '[run]\ncache_dir = "cache"\n'
    )
    tried = []
    store = cache.store_entry

    def spy(cache_dir, kind, *args, **kwargs):
        tried.append(kind)
        return store(cache_dir, kind, *args, **kwargs)

    def full(root: Path) -> None:  # the first file a store writes
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(root / CACHE_MARKER))

    monkeypatch.setattr(cache, "store_entry", spy)
    monkeypatch.setattr(cache, "_mark", full)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        manifest = ctm.make_figures(study, progress=False)
    assert set(tried) >= {"corpus", "sweep", "sweep_resolution", "domain_shares", "figure"}
    (warned,) = [w for w in caught if issubclass(w.category, CacheWarning)]
    message = str(warned.message)
    assert repr(str(tmp_path / "cache")) in message
    assert "No space left on device [ENOSPC]" in message
    assert "the run goes on" in message
    assert set(manifest["files"]) == {"k_choice.png", "k_choice.csv"}
    assert (tmp_path / "out" / "MANIFEST.json").is_file()
    assert list((tmp_path / "cache").rglob(MANIFEST)) == []  # nothing was cached


def test_a_failed_store_warns_again_after_a_store_succeeded(tmp_path, monkeypatch):
    real_mark = cache._mark
    failing = [True]

    def mark(root: Path) -> None:
        if failing[0]:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        real_mark(root)

    monkeypatch.setattr(cache, "_mark", mark)
    with pytest.warns(CacheWarning, match=r"Permission denied \[EACCES\]"):
        assert cache.store_or_warn(tmp_path, "model", "k1", _write({"a.json": b"{}"})) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same folder and error: not warned again
        assert cache.store_or_warn(tmp_path, "model", "k2", _write({"a.json": b"{}"})) is None
    failing[0] = False
    assert cache.store_or_warn(tmp_path, "model", "k3", _write({"a.json": b"{}"})) is not None
    failing[0] = True
    with pytest.warns(CacheWarning, match="could not be written"):
        cache.store_or_warn(tmp_path, "model", "k4", _write({"a.json": b"{}"}))
    assert cache.store_or_warn(None, "model", "k5", _write({"a.json": b"{}"})) is None
    assert load_entry(None, "model", "k3") is None


# --------------------------------------------------------------------------------------------
# The corpus hash covers the files the loader reads, read in chunks


@pytest.fixture
def corpus_copy(tmp_path, example_corpus_path):
    folder = tmp_path / "corpus"
    shutil.copytree(example_corpus_path, folder)
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def test_corpus_files_are_what_the_loader_reads(corpus_copy):
    read = sorted(Path(source).name for source in load_documents(corpus_copy)["source"])
    assert [p.name for p in corpus_files(corpus_copy)] == [*read, "metadata.csv"]
    (corpus_copy / "metadata.csv").unlink()
    assert [p.name for p in corpus_files(corpus_copy)] == read
    table = corpus_copy.parent / "speeches.csv"
    table.write_text("doc_id,text\na,one text\n", encoding="utf-8")
    assert corpus_files(table) == [table]


def test_corpus_hash_ignores_files_the_loader_does_not_read(corpus_copy):
    before = corpus_hash(corpus_copy)
    (corpus_copy / "scan.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4096)
    (corpus_copy / "README.md").write_text("rewritten", encoding="utf-8")
    (corpus_copy / ".notes.txt").write_text("hidden", encoding="utf-8")
    (corpus_copy / "drafts").mkdir()
    (corpus_copy / "drafts" / "old.txt").write_text("an old draft", encoding="utf-8")
    assert corpus_hash(corpus_copy) == before
    text = next(p for p in corpus_copy.glob("*.txt") if p.name != ".notes.txt")
    text.write_text(text.read_text(encoding="utf-8") + "\nOne more line.", encoding="utf-8")
    edited = corpus_hash(corpus_copy)
    assert edited != before
    metadata = corpus_copy / "metadata.csv"
    metadata.write_text(metadata.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert corpus_hash(corpus_copy) not in {before, edited}


def test_corpus_hash_reads_a_large_file_in_chunks(corpus_copy):
    (corpus_copy / "long.txt").write_bytes(b"A long document.\n" * (2 << 20))  # 34 MiB
    tracemalloc.start()
    try:
        corpus_hash(corpus_copy)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"{peak / 2**20:.1f} MiB"


# --------------------------------------------------------------------------------------------
# Where caches live: beside the study; commands without a study cache only where asked


def test_a_studys_cache_is_beside_it_unless_the_environment_names_one(tmp_path, monkeypatch, home):
    corpus = tmp_path / "texts"
    corpus.mkdir()
    folder = tmp_path / "studies" / "one"
    folder.mkdir(parents=True)
    path = folder / "study.toml"
    path.write_text(f'[corpus]\npath = "{corpus.as_posix()}"\n', encoding="utf-8")
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert load_study(path).cache_dir == folder / DEFAULT_CACHE_DIRNAME
    monkeypatch.setenv(CACHE_DIR_ENV, "shared-cache")  # relative to the current folder
    assert load_study(path).cache_dir == tmp_path / "shared-cache"
    written = _study(folder, corpus, "cache")  # a folder the file names wins
    assert load_study(written).cache_dir == folder / "cache"
    path.write_text(f'[corpus]\npath = "{corpus.as_posix()}"\n', encoding="utf-8")
    monkeypatch.chdir(folder)
    monkeypatch.setenv(CACHE_DIR_ENV, ".")
    with pytest.raises(ConfigError, match=f"{CACHE_DIR_ENV} = '.' is the study's folder") as caught:
        load_study(path)
    assert f"{CACHE_DIR_ENV} unset" in str(caught.value)


def test_topics_without_a_study_caches_only_where_asked(
    tmp_path, monkeypatch, example_corpus_path, capsys
):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    command = ["topics", str(example_corpus_path), "--k", "3", "--quiet"]
    assert cli.main(command) == 0
    assert "top_terms" in capsys.readouterr().out
    assert list(work.iterdir()) == []  # no .corpus_tm_cache where it ran
    assert cli.main([*command, "--cache-dir", str(tmp_path / "mine")]) == 0
    assert len(_entries(tmp_path / "mine")) == 1
    parser = cli.build_parser()
    for argv, expected in (
        ([], False),
        (["--cache-dir", "c"], "c"),
        (["--cache-dir", "c", "--no-cache"], False),
    ):
        args = parser.parse_args(["sweep", "corpus", *argv])
        assert cli._corpus_cache_dir(args) == expected, argv
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "env"))
    assert cli._corpus_cache_dir(parser.parse_args(["topics", "x"])) == str(tmp_path / "env")
    assert cli._corpus_cache_dir(parser.parse_args(["topics", "x", "--no-cache"])) is False
