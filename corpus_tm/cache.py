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
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
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

from corpus_tm.errors import ConfigError

__all__ = [
    "CACHE_DIR_ENV",
    "DEFAULT_CACHE_DIRNAME",
    "MANIFEST",
    "CacheWarning",
    "atomic_write_bytes",
    "clear_cache",
    "discard_entry",
    "entry_path",
    "fingerprint",
    "load_entry",
    "package_version",
    "read_manifest",
    "resolve_cache_dir",
    "store_entry",
]

CACHE_DIR_ENV = "CORPUS_TM_CACHE_DIR"
"""Environment variable naming the cache folder used when ``cache_dir=None``."""

DEFAULT_CACHE_DIRNAME = ".corpus_tm_cache"
"""Cache folder (in the current working directory) used when the variable is not set."""

MANIFEST = "manifest.json"
"""Name of the manifest file inside every entry."""

_MANIFEST_FORMAT = 1
_CHUNK = 1 << 20
STALE_SECONDS = 3600
"""A temporary entry folder this old was left by a run that crashed or was killed."""

logger = logging.getLogger(__name__)


class CacheWarning(UserWarning):
    """A cache entry was damaged and is being rebuilt, or a result could not be cached."""


_UMASK = os.umask(0o022)
os.umask(_UMASK)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a temporary file beside ``path`` (``.NAME.XXXX.tmp``), are flushed to disk
    and moved over ``path`` with :func:`os.replace`; on any error the temporary file is removed.
    The file gets the usual mode for new files (``0666`` less the umask).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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
        If ``cache_dir`` is of another type, or names an existing file.
    """
    if cache_dir is False:
        return None
    if cache_dir is None or cache_dir is True:
        env = os.environ.get(CACHE_DIR_ENV, "").strip()
        path = Path(env) if env else Path.cwd() / DEFAULT_CACHE_DIRNAME
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


def load_entry(cache_dir: str | os.PathLike[str], kind: str, key: str) -> Path | None:
    """Find and verify a cache entry.

    Parameters
    ----------
    cache_dir : str or path-like
        The cache folder (see :func:`resolve_cache_dir`).
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
    write: Callable[[Path], None],
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
        If the cache folder cannot be written. Callers usually catch it, warn and carry on
        without the cache.
    """
    final = entry_path(cache_dir, kind, key)
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(final.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key[:16]}-", suffix=".tmp", dir=final.parent))
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


def _remove_stale_temporaries(folder: Path) -> None:
    """Remove temporary entry folders left in ``folder`` by runs that were killed.

    Only folders untouched for :data:`STALE_SECONDS` go: a run that is writing an entry now
    has just made its folder.
    """
    limit = time.time() - STALE_SECONDS
    for path in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if path.is_dir() and path.stat().st_mtime < limit:
                logger.info("removing a stale temporary entry: %s", path)
                _remove(path)


def clear_cache(
    cache_dir: str | os.PathLike[str] | bool | None = None, *, kind: str | None = None
) -> int:
    """Delete cache entries.

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
    """
    root = resolve_cache_dir(cache_dir)
    if root is None or not root.is_dir():
        return 0
    kinds: Iterable[Path]
    if kind is not None:
        _check_name(kind, "kind")
        kinds = [root / kind]
    else:
        kinds = sorted(p for p in root.iterdir() if p.is_dir())
    removed = 0
    for folder in kinds:
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            removed += entry.is_dir() and not entry.name.startswith(".")
            _remove(entry)
    return removed
