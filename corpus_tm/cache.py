"""On-disk cache of pipeline results, shared by the preprocessing, model and figure stages.

In: a cache folder (``cache_dir``), a *kind* of result (``"corpus"``, ``"model"``, ...), a key
made with :func:`fingerprint` from everything the result depends on, and a function that
writes the result's files into a folder.
Out: a verified entry folder ``<cache_dir>/<kind>/<key>/`` holding those files and a
``manifest.json`` (sha256 and size of every file, the corpus_tm version, free metadata).

Nothing here runs code when it reads: results are stored by their stage as JSON, Parquet or
``.npz`` (loaded with ``allow_pickle=False``), never pickled. An entry is written into a
temporary folder beside its final place and renamed into place only when complete, so a
crashed or concurrent run never leaves a half-written entry under the key (a temporary folder
left by a killed run is removed by a later store once it is an hour old). When an entry is
read, every file is checked against the manifest; a damaged or incomplete entry is reported
with a :class:`CacheWarning`, removed, and treated as missing, so the caller rebuilds it.

The package deletes only what it made. The cache folder gets a marker file
(:data:`CACHE_MARKER`) when the first entry is stored, and :func:`clear_cache` refuses a folder
without it and removes only entries (folders whose manifest names them) and the package's own
temporary folders, never other files. Every temporary file or folder the package makes is named
``.corpus-tm-...XXXXXXXX.tmp`` (:data:`TEMPORARY_PREFIX`, :func:`is_temporary_name`), so a
clean-up never takes a user's ``.draft.tmp`` for its own. :func:`check_cache_dir` refuses a
cache folder that is, or holds, the user's own files: the study's folder, the corpus, the home
folder, the root of the file system, or the current folder given as ``""`` or ``"."``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corpus_tm.errors import ConfigError, CorpusTmWarning

__all__ = [
    "CACHE_DIR_ENV",
    "CACHE_MARKER",
    "DEFAULT_CACHE_DIRNAME",
    "MANIFEST",
    "TEMPORARY_PREFIX",
    "CacheWarning",
    "atomic_write_bytes",
    "check_cache_dir",
    "clear_cache",
    "discard_entry",
    "entry_path",
    "fingerprint",
    "is_temporary_name",
    "load_entry",
    "package_version",
    "read_manifest",
    "resolve_cache_dir",
    "store_entry",
    "store_or_warn",
]

CACHE_DIR_ENV = "CORPUS_TM_CACHE_DIR"
"""Environment variable naming the cache folder used when ``cache_dir=None``."""

DEFAULT_CACHE_DIRNAME = ".corpus_tm_cache"
"""Name of the default cache folder: beside the study file for a study
(:class:`corpus_tm.Study`), in the current working directory for :func:`resolve_cache_dir`
when :data:`CACHE_DIR_ENV` is not set."""

MANIFEST = "manifest.json"
"""Name of the manifest file inside every entry."""

CACHE_MARKER = ".corpus_tm-cache.json"
"""File in the cache folder that marks it as a corpus_tm cache (small JSON, written by the first
store); :func:`clear_cache` deletes nothing in a folder without it."""

TEMPORARY_PREFIX = ".corpus-tm-"
"""Start of the name of every temporary file or folder the package makes."""

_TEMPORARY = re.compile(re.escape(TEMPORARY_PREFIX) + r".+\.[a-z0-9_]{8}\.tmp")
# A temporary entry folder of an earlier version: ".<key[:16]>-<random>.tmp" (in a kind folder).
_OLD_ENTRY_TEMPORARY = re.compile(r"\.[^./]{1,16}-[a-z0-9_]+\.tmp")
_MARKER_FORMAT = 1

_MANIFEST_FORMAT = 1
_CHUNK = 1 << 20
STALE_SECONDS = 3600
"""A temporary entry folder this old was left by a run that crashed or was killed."""

logger = logging.getLogger(__name__)


class CacheWarning(CorpusTmWarning):
    """A cache entry was damaged and is being rebuilt, or a result could not be cached."""


_UMASK = os.umask(0o022)
os.umask(_UMASK)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a temporary file beside ``path`` (``.corpus-tm-NAME.XXXXXXXX.tmp``, see
    :func:`is_temporary_name`), are flushed to disk and moved over ``path`` with
    :func:`os.replace`; on any error the temporary file is removed. The file gets the usual mode
    for new files (``0666`` less the umask).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f"{TEMPORARY_PREFIX}{path.name}.", suffix=".tmp"
    )
    os.fchmod(handle, 0o666 & ~_UMASK)  # mkstemp makes 0600
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def is_temporary_name(name: str) -> bool:
    """Whether ``name`` is that of a temporary file or folder made by this package.

    Such names are ``.corpus-tm-WHAT.XXXXXXXX.tmp`` (:data:`TEMPORARY_PREFIX`, what is being
    written, the 8 random characters of :mod:`tempfile`). A clean-up after a killed run removes
    only these, never another ``.*.tmp`` file that a user keeps in the folder.
    """
    return _TEMPORARY.fullmatch(name) is not None


def package_version() -> str:
    """The installed corpus_tm version (``"0.0.0+unknown"`` in an uninstalled source tree)."""
    try:
        return version("corpus_tm")
    except PackageNotFoundError:
        return "0.0.0+unknown"


# --------------------------------------------------------------------------------------------
# Where the cache lives


def resolve_cache_dir(cache_dir: str | os.PathLike[str] | bool | None = None) -> Path | None:
    """Turn a ``cache_dir`` argument into a folder, or ``None`` when caching is off.

    Parameters
    ----------
    cache_dir : str, path-like, bool or None, default None
        ``None`` or ``True``: the folder named by the ``CORPUS_TM_CACHE_DIR`` environment
        variable, or else ``.corpus_tm_cache`` in the current working directory.
        ``False``: no caching. A path: that folder (created when first written to).

    Returns
    -------
    pathlib.Path or None
        The absolute cache folder, or ``None`` when caching is disabled.

    Raises
    ------
    ConfigError
        If ``cache_dir`` is of another type, names an existing file, or names a folder that
        cannot be a cache (:func:`check_cache_dir`: the current folder given as ``""`` or
        ``"."``, the home folder, the root of the file system).
    """
    if cache_dir is False:
        return None
    setting, given = "cache_dir", cache_dir
    if cache_dir is None or cache_dir is True:
        env = os.environ.get(CACHE_DIR_ENV, "").strip()
        path = Path(env) if env else Path.cwd() / DEFAULT_CACHE_DIRNAME
        if env:
            setting, given = CACHE_DIR_ENV, env
    elif isinstance(cache_dir, str | os.PathLike):
        path = Path(cache_dir)
    else:
        raise ConfigError(
            f"cache_dir must be a folder path, None (default folder) or False (no cache), "
            f"not {type(cache_dir).__name__}."
        )
    path = path.expanduser().absolute()
    if path.exists() and not path.is_dir():
        raise ConfigError(
            f"cache_dir {str(path)!r} is a file; give a folder, or cache_dir=False to disable "
            "caching."
        )
    default = f"{DEFAULT_CACHE_DIRNAME} in the current folder"
    check_cache_dir(
        path,
        setting=setting,
        given=given if isinstance(given, str | os.PathLike) else None,
        instead=f"another folder of its own, or unset {CACHE_DIR_ENV} for the default ({default})"
        if setting == CACHE_DIR_ENV
        else f"cache_dir=None (the default: {default}), another folder of its own, or "
        "cache_dir=False (no cache)",
    )
    return path


def _resolved(path: str | os.PathLike[str]) -> Path:
    return Path(path).expanduser().absolute().resolve()


def _home() -> Path | None:
    home = os.path.expanduser("~")
    return None if home == "~" else _resolved(home)


def check_cache_dir(
    cache_dir: str | os.PathLike[str],
    *,
    setting: str = "cache_dir",
    given: str | os.PathLike[str] | None = None,
    study_dir: str | os.PathLike[str] | None = None,
    corpus: str | os.PathLike[str] | None = None,
    instead: str | None = None,
) -> Path:
    """Refuse a cache folder whose clearing could reach the user's own files.

    A cache folder must be a folder of its own. Refused: the root of the file system; the
    home folder or a folder holding it; the study's folder (``study_dir``) or a folder
    holding it; the corpus (``corpus``, a file or folder), a folder holding it or a folder
    inside it; and, when the setting was given as ``""`` or ``"."`` relative to the current
    folder (no ``study_dir``), the current folder.

    Parameters
    ----------
    cache_dir : str or path-like
        The cache folder (made absolute here).
    setting : str, default "cache_dir"
        The setting's name, for the message (``"run.cache_dir"``, ``"CORPUS_TM_CACHE_DIR"``).
    given : str or path-like, optional
        The value as the user wrote it, for the message and the ``"."`` rule.
    study_dir : str or path-like, optional
        The study file's folder, against which ``given`` was resolved.
    corpus : str or path-like, optional
        The corpus file or folder.
    instead : str, optional
        What to use instead, for the message.

    Returns
    -------
    pathlib.Path
        ``cache_dir``, made absolute.

    Raises
    ------
    ConfigError
        Naming the setting, the folder, why it cannot be a cache and what to use instead.
    """
    path = Path(cache_dir).expanduser().absolute()
    resolved = path.resolve()
    home = _home()
    study = _resolved(study_dir) if study_dir is not None else None
    texts = _resolved(corpus) if corpus is not None else None
    current = given is not None and study is None and Path(given) == Path(".")
    checks = [
        (resolved == Path(resolved.anchor), "is the root of the file system"),
        (home is not None and resolved == home, "is your home folder"),
        (study is not None and resolved == study, "is the study's folder"),
        (texts is not None and resolved == texts, "is the corpus"),
        (current, "is the current working folder"),
        (texts is not None and texts in resolved.parents, "is inside the corpus folder"),
        (texts is not None and resolved in texts.parents, "holds the corpus"),
        (study is not None and resolved in study.parents, "holds the study's folder"),
        (home is not None and resolved in home.parents, "holds your home folder"),
    ]
    problem = next((why for failed, why in checks if failed), None)
    if problem is not None:
        shown = repr(os.fspath(given)) if given is not None else repr(str(path))
        raise ConfigError(
            f"{setting} = {shown} {problem} ({resolved}); a cache needs a folder of its own, "
            "since clearing it removes what is stored there. Use "
            f"{instead or f'the default {DEFAULT_CACHE_DIRNAME!r} or another folder of its own'}."
        )
    return path


def entry_path(cache_dir: str | os.PathLike[str], kind: str, key: str) -> Path:
    """Folder of the entry ``key`` of ``kind`` (whether or not it exists)."""
    _check_name(kind, "kind")
    _check_name(key, "key")
    return Path(cache_dir) / kind / key


def _check_name(name: str, what: str) -> None:
    if (
        not name
        or not isinstance(name, str)
        or name.startswith(".")
        or "/" in name
        or (os.sep in name)
    ):
        raise ConfigError(f"cache {what} {name!r} must be a plain folder name (no '/', no '.').")


# --------------------------------------------------------------------------------------------
# Keys


def fingerprint(*parts: Any) -> str:
    """A sha256 hex digest of ``parts``, stable across runs, machines and ``PYTHONHASHSEED``.

    Parameters
    ----------
    *parts
        What the cached result depends on, in a fixed order. Accepted: ``str``, ``bytes``,
        sequences of ``str`` (hashed item by item, fast for many texts), numpy arrays of a
        numeric or string dtype, pandas DataFrames and Series (column names, dtypes and
        values), dataclass instances (as :func:`dataclasses.asdict`), and anything
        :func:`json.dumps` can write (dicts, lists, numbers, bools, None).

    Returns
    -------
    str
        64 hexadecimal characters.

    Raises
    ------
    TypeError
        If a part is of none of these types.

    Examples
    --------
    >>> key = fingerprint("corpus", ["u1", "u2"], ["first text", "second text"], {"min": 2})
    >>> len(key)
    64
    """
    digest = hashlib.sha256()
    for part in parts:
        _update(digest, part)
    return digest.hexdigest()


def _update(digest: Any, part: Any) -> None:
    def put(tag: bytes, data: bytes) -> None:
        digest.update(tag + len(data).to_bytes(8, "little") + data)

    if isinstance(part, str):
        put(b"s", part.encode("utf-8", "surrogatepass"))
    elif isinstance(part, bytes | bytearray | memoryview):
        put(b"b", bytes(part))
    elif isinstance(part, list | tuple) and part and all(isinstance(x, str) for x in part):
        # The lengths (in characters) and the joined text identify the sequence exactly.
        lengths = np.fromiter(map(len, part), dtype="<i8", count=len(part))
        put(b"L", lengths.tobytes())
        put(b"s", "".join(part).encode("utf-8", "surrogatepass"))
    elif isinstance(part, np.ndarray):
        if part.dtype.hasobject:
            _update(digest, [str(x) for x in part.ravel().tolist()])
            put(b"S", json.dumps(part.shape).encode())
        else:
            arr = np.ascontiguousarray(part)
            put(b"A", f"{arr.dtype.str}{arr.shape}".encode())
            put(b"a", arr.tobytes())
    elif isinstance(part, pd.Series):
        _update(digest, part.to_frame(name=str(part.name)))
    elif isinstance(part, pd.DataFrame):
        put(b"F", json.dumps([str(c) for c in part.columns]).encode())
        for column in part.columns:
            values = part[column]
            put(b"d", str(values.dtype).encode())
            hashed = pd.util.hash_pandas_object(values, index=False).to_numpy()
            put(b"h", hashed.astype("<u8").tobytes())
    elif is_dataclass(part) and not isinstance(part, type):
        put(b"D", _canonical_json(asdict(part)).encode())
    else:
        try:
            text = _canonical_json(part)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"fingerprint cannot hash a {type(part).__name__}; pass str, bytes, a list of "
                "str, a numpy array, a DataFrame, a dataclass or JSON-serialisable data."
            ) from exc
        put(b"j", text.encode())


def _canonical_json(data: Any) -> str:
    return json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=True
    )


# --------------------------------------------------------------------------------------------
# Reading and writing entries


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _entry_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.relative_to(folder).as_posix() != MANIFEST
    )


def read_manifest(entry: str | os.PathLike[str]) -> dict[str, Any]:
    """The manifest of an entry folder, as a dict (not verified; see :func:`load_entry`)."""
    with (Path(entry) / MANIFEST).open(encoding="utf-8") as fh:
        return json.load(fh)


def _problem(entry: Path, kind: str, key: str) -> str | None:
    """Why ``entry`` cannot be used, or ``None`` when every file matches its manifest."""
    try:
        manifest = read_manifest(entry)
    except FileNotFoundError:
        return "its manifest is missing"
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"its manifest cannot be read ({exc})"
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return "its manifest has no file list"
    if manifest.get("manifest_format") != _MANIFEST_FORMAT:
        return f"its manifest format is {manifest.get('manifest_format')!r}"
    if manifest.get("kind") != kind or manifest.get("key") != key:
        return "its manifest belongs to another entry"
    for name, info in sorted(manifest["files"].items()):
        path = entry / name
        if not path.is_file():
            return f"file {name!r} is missing"
        if not isinstance(info, dict) or path.stat().st_size != info.get("size"):
            return f"file {name!r} has the wrong size"
        if _sha256_file(path) != info.get("sha256"):
            return f"file {name!r} does not match its sha256"
    return None


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def load_entry(cache_dir: str | os.PathLike[str] | None, kind: str, key: str) -> Path | None:
    """Find and verify a cache entry.

    Parameters
    ----------
    cache_dir : str, path-like or None
        The cache folder (see :func:`resolve_cache_dir`); ``None`` (no cache) finds nothing.
    kind : str
        Kind of result, a folder name such as ``"corpus"``.
    key : str
        The entry key, usually made with :func:`fingerprint`.

    Returns
    -------
    pathlib.Path or None
        The entry folder when it exists and every file matches the sha256 in its manifest;
        ``None`` when there is no entry. A damaged entry (missing manifest, missing,
        truncated or altered file) is removed with a :class:`CacheWarning` and ``None`` is
        returned, so the caller rebuilds the result.
    """
    if cache_dir is None:
        return None
    entry = entry_path(cache_dir, kind, key)
    if not entry.exists():
        return None
    problem = _problem(entry, kind, key) if entry.is_dir() else "it is not a folder"
    if problem is None:
        logger.info("cache hit: %s", entry)
        return entry
    discard_entry(entry, reason=problem)
    return None


def discard_entry(entry: str | os.PathLike[str], *, reason: str) -> None:
    """Remove a damaged entry with a :class:`CacheWarning` saying why (for stage readers).

    A stage that finds an entry it cannot read even though its files match the manifest
    (a bug, or a file written by an incompatible version) calls this and rebuilds.
    """
    entry = Path(entry)
    warnings.warn(
        f"cache entry {str(entry)!r} is damaged ({reason}); it is removed and rebuilt.",
        CacheWarning,
        stacklevel=3,
    )
    _remove(entry)


def store_entry(
    cache_dir: str | os.PathLike[str],
    kind: str,
    key: str,
    write: Callable[[Path], object],
    *,
    meta: Mapping[str, Any] | None = None,
) -> Path:
    """Write a cache entry atomically.

    ``write(folder)`` writes the result's files into a new temporary folder beside the
    entry's final place; the manifest (sha256 and size of every file) is added, and the
    folder is renamed into place in one step. If another process stored the same key in
    the meantime, its entry is kept when valid.

    Parameters
    ----------
    cache_dir : str or path-like
        The cache folder; created if needed.
    kind : str
        Kind of result, a folder name such as ``"corpus"``.
    key : str
        The entry key, usually made with :func:`fingerprint`.
    write : callable
        ``write(folder: pathlib.Path) -> None`` writes the files (no pickles).
    meta : mapping, optional
        JSON-serialisable data stored in the manifest under ``"meta"`` (settings, counts).

    Returns
    -------
    pathlib.Path
        The entry folder.

    Raises
    ------
    OSError
        If the cache folder cannot be written (the stages call :func:`store_or_warn`, which
        warns and goes on without the cache).
    """
    final = entry_path(cache_dir, kind, key)
    final.parent.mkdir(parents=True, exist_ok=True)
    _mark(Path(cache_dir))
    _remove_stale_temporaries(final.parent)
    tmp = Path(
        tempfile.mkdtemp(prefix=f"{TEMPORARY_PREFIX}{key[:16]}.", suffix=".tmp", dir=final.parent)
    )
    try:
        write(tmp)
        files = {
            path.relative_to(tmp).as_posix(): {
                "sha256": _sha256_file(path),
                "size": path.stat().st_size,
            }
            for path in _entry_files(tmp)
        }
        manifest = {
            "manifest_format": _MANIFEST_FORMAT,
            "kind": kind,
            "key": key,
            "corpus_tm_version": package_version(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": files,
            "meta": dict(meta or {}),
        }
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        for attempt in range(2):
            try:
                os.replace(tmp, final)
                break
            except OSError:
                # The key exists: another run stored it first, or a damaged entry is there.
                if not final.exists():
                    raise
                if _problem(final, kind, key) is None:
                    _remove(tmp)
                    break
                if attempt:
                    raise
                _remove(final)
    except BaseException:
        _remove(tmp)
        raise
    logger.info("cache store: %s", final)
    return final


def store_or_warn(
    cache_dir: str | os.PathLike[str] | None,
    kind: str,
    key: str,
    write: Callable[[Path], object],
    *,
    meta: Mapping[str, Any] | None = None,
) -> Path | None:
    """Store an entry with :func:`store_entry`, or warn and go on when the cache cannot be written.

    Every stage that caches a result (corpora, domain shares and models, the sweep, figure
    renders) stores it through this function, so that a full disk or a read-only cache folder
    costs the cache, not the run: the result was computed and the caller goes on with it.
    The first failure in a cache folder gives one :class:`CacheWarning` naming the folder and
    the operating system's error; further failures in that folder with the same error are
    only logged (each later store is still tried), until a store there succeeds again. A
    result its stage cannot write (a Parquet file refusing a column of mixed types: a
    ``ValueError`` or ``TypeError``) is treated the same way.

    Parameters
    ----------
    cache_dir : str, path-like or None
        The cache folder; ``None`` (no cache) stores nothing.
    kind, key, write, meta
        As in :func:`store_entry`.

    Returns
    -------
    pathlib.Path or None
        The entry folder, or ``None`` when nothing was stored.
    """
    if cache_dir is None:
        return None
    root = Path(cache_dir).absolute()
    try:
        entry = store_entry(root, kind, key, write, meta=meta)
    except _STORE_ERRORS as exc:
        reason = _os_error(exc) if isinstance(exc, OSError) else f"{type(exc).__name__}: {exc}"
        logger.info("cache store failed: %s/%s/%s: %s", root, kind, key, exc)
        if _FAILED_STORES.get(root) != reason:
            _FAILED_STORES[root] = reason
            warnings.warn(
                f"cache folder {str(root)!r} could not be written ({reason}); the run goes on "
                "without caching its results. Free space there or make it writable, choose "
                f"another cache folder (run.cache_dir in a study, {CACHE_DIR_ENV}, --cache-dir) "
                "or turn the cache off (--no-cache, cache_dir=False).",
                CacheWarning,
                stacklevel=3,
            )
        return None
    _FAILED_STORES.pop(root, None)
    return entry


_STORE_ERRORS = (OSError, ValueError, TypeError, ImportError, NotImplementedError)
_FAILED_STORES: dict[Path, str] = {}
"""Cache folders where a store failed, and the error already warned of (one warning a run)."""


def _os_error(exc: OSError) -> str:
    """``No space left on device [ENOSPC]``: the error's text and its symbolic name."""
    name = errno.errorcode.get(exc.errno) if isinstance(exc.errno, int) else None
    text = exc.strerror or str(exc) or type(exc).__name__
    return f"{text} [{name}]" if name else text


def _is_entry_temporary(path: Path) -> bool:
    """A temporary entry folder of this package (or of an earlier version) in a kind folder."""
    name = path.name
    return (is_temporary_name(name) or _OLD_ENTRY_TEMPORARY.fullmatch(name) is not None) and (
        path.is_dir() and not path.is_symlink()
    )


def _remove_stale_temporaries(folder: Path) -> None:
    """Remove temporary entry folders left in ``folder`` by runs that were killed.

    Only the package's own temporary folders untouched for :data:`STALE_SECONDS` go: a run
    that is writing an entry now has just made its folder.
    """
    limit = time.time() - STALE_SECONDS
    for path in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if _is_entry_temporary(path) and path.stat().st_mtime < limit:
                logger.info("removing a stale temporary entry: %s", path)
                _remove(path)


def _mark(root: Path) -> None:
    """Write the marker that makes ``root`` a corpus_tm cache, unless it is there."""
    marker = root / CACHE_MARKER
    if marker.is_file():
        return
    content = {
        "format": _MARKER_FORMAT,
        "created_by": f"corpus_tm {package_version()}",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "note": "A corpus_tm cache: corpus_tm.clear_cache() removes its entries, nothing else.",
    }
    atomic_write_bytes(marker, (json.dumps(content, indent=2, sort_keys=True) + "\n").encode())


def _is_marked(root: Path) -> bool:
    try:
        content = json.loads((root / CACHE_MARKER).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(content, dict) and "format" in content


def _is_entry(path: Path, kind: str) -> bool:
    """Whether ``path`` is an entry folder of ``kind``: its manifest names it."""
    if path.name.startswith(".") or not path.is_dir() or path.is_symlink():
        return False
    try:
        manifest = read_manifest(path)
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return (
        isinstance(manifest, dict)
        and "manifest_format" in manifest
        and manifest.get("kind") == kind
        and manifest.get("key") == path.name
    )


def clear_cache(
    cache_dir: str | os.PathLike[str] | bool | None = None, *, kind: str | None = None
) -> int:
    """Delete cache entries, and nothing else.

    Only a folder with the cache marker (:data:`CACHE_MARKER`, written when the first entry
    is stored) is cleared, and in it only the entries (``KIND/KEY/`` folders whose manifest
    names them) and the package's temporary entry folders. Other files and folders, such as
    a note a user keeps there, stay.

    Parameters
    ----------
    cache_dir : str, path-like, bool or None, default None
        As in :func:`resolve_cache_dir`.
    kind : str, optional
        Only entries of this kind (``"corpus"``); by default all kinds.

    Returns
    -------
    int
        The number of entries removed.

    Raises
    ------
    ConfigError
        If ``cache_dir`` cannot be a cache (:func:`resolve_cache_dir`), or is a folder with
        files in it but without the marker: then nothing is deleted.
    """
    root = resolve_cache_dir(cache_dir)
    if root is None or not root.is_dir():
        return 0
    if not _is_marked(root):
        if not any(root.iterdir()):
            return 0
        raise ConfigError(
            f"{root} is not a corpus_tm cache (it has no {CACHE_MARKER} marker file), so "
            "clear_cache deletes nothing in it. Check the folder you named; a cache made by "
            "an earlier corpus_tm has no marker either: delete such a folder yourself, or use "
            "it once more (storing an entry adds the marker)."
        )
    kinds: Iterable[Path]
    if kind is not None:
        _check_name(kind, "kind")
        kinds = [root / kind]
    else:
        kinds = sorted(
            p
            for p in root.iterdir()
            if not p.name.startswith(".") and p.is_dir() and not p.is_symlink()
        )
    removed = 0
    for folder in kinds:
        if not folder.is_dir() or folder.is_symlink():
            continue
        for path in sorted(folder.iterdir()):
            if _is_entry(path, folder.name):
                _remove(path)
                removed += 1
            elif _is_entry_temporary(path):
                _remove(path)
    return removed
