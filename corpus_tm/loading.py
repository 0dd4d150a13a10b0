"""Loading: raw files in, one normalised text per document out.

In: a folder of ``.txt``/``.md`` files (with an optional ``metadata.csv``), or one CSV, JSONL or
Parquet file with a text column and metadata columns (one document per row).
Out: a documents DataFrame with columns ``doc_id, source, text`` plus the metadata columns
(from ``metadata.csv``, the table's other columns, or the file names with
:func:`filename_metadata`), in a stable order (file-name order for folders, row order for
tables), the audit columns ``reflowed, wrap_width`` and ``language`` (the code of each
document's language: given, declared in the metadata or detected by
:func:`detect_language`). The text is decoded, normalised by :func:`normalize_text` and, when
it is hard-wrapped, reflowed by :func:`corpus_tm.reflow.reflow`.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import os
import re
import unicodedata
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from corpus_tm.errors import ConfigError, CorpusTmWarning, InputError
from corpus_tm.reflow import ReflowResult, free_words
from corpus_tm.reflow import reflow as reflow_text

TEXT_SUFFIXES = (".txt", ".md")
TABLE_SUFFIXES = (".csv", ".jsonl", ".parquet")
DEFAULT_EXCLUDE = ("README*", "LICENSE*", "PROVENANCE*", "CHANGELOG*")
METADATA_FILE = "metadata.csv"

_BINARY_SIGNATURES = {
    b"%PDF": "a PDF",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or a .docx/.xlsx file)",
    b"\xd0\xcf\x11\xe0": "an old Microsoft Office file",
    b"\x7fELF": "an executable",
}
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# Encodings that charset-normalizer tells apart reliably enough to use without being asked.
_DETECTABLE = {"gb18030", "gbk", "gb2312", "big5", "cp1252", "latin_1", "iso8859_15", "cp1250"}

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u300c": '"',
        "\u300d": '"',
        "\u300e": '"',
        "\u300f": '"',
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,  # BOM or zero-width no-break space inside the text
    }
)
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")

ZH_HAN_SHARE = 0.3
"""A text is Chinese (``"zh"``) when at least this share of its letters are Han characters.

On the shared corpora the share is 0.9990-0.9995 for the seven PRC laws and 0 for every
English document (example corpus, UN speeches, US strategies); a Chinese text keeps a share
above 0.3 while up to about two thirds of its words are English ones (a Chinese word has about
1.7 characters, an English one about 5 letters)."""

_HAN_CHARACTER = re.compile(
    "[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U00030000-\U0003134f]"
)


class LanguageWarning(CorpusTmWarning):
    """A document's text does not look like the language it is said to be in."""


def detect_language(text: str) -> str | None:
    """The language of a text by its script: ``"zh"`` or ``"en"``, ``None`` without letters.

    Deterministic and without a model: ``"zh"`` when Han characters make up at least
    :data:`ZH_HAN_SHARE` (0.3) of its letters (``str.isalpha``, which counts Han characters as
    letters), ``"en"`` otherwise. Only Chinese is told apart: a French or Russian text is also
    ``"en"`` (give its code to :func:`load_documents` with ``language=`` once a language is
    registered for it).

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str or None
        ``"zh"``, ``"en"``, or ``None`` for a text without letters.
    """
    letters = sum(c.isalpha() for c in text)
    if not letters:
        return None
    return "zh" if len(_HAN_CHARACTER.findall(text)) >= ZH_HAN_SHARE * letters else "en"


def normalize_text(text: str) -> str:
    """Normalise line ends, spaces, quotes and full-width forms.

    CRLF and lone CR become LF; Unicode is put in NFKC form (full-width letters, digits and
    punctuation become their ASCII forms, the non-breaking space a plain space); curly quotes
    become straight ones; zero-width characters and soft hyphens are removed; runs of spaces and
    tabs become one space and lines are stripped. The ideographic comma ``、`` is kept, since it
    marks numbered parts (``1、``). The function is idempotent.

    Parameters
    ----------
    text : str
        Decoded text.

    Returns
    -------
    str
        The normalised text.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = unicodedata.normalize("NFKC", text)
    lines = (_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines)


def decode_bytes(data: bytes, *, source: str = "<bytes>", encoding: str | None = None) -> str:
    """Decode a file's bytes, detecting the encoding where that can be done reliably.

    With ``encoding=None``: a byte-order mark decides (UTF-8, UTF-16, UTF-32); otherwise
    UTF-16 without a BOM is recognised by its zero bytes (other bytes with zeros are binary),
    then UTF-8 is tried; GB18030/GBK, Big5 and the
    common Western single-byte encodings are accepted when charset-normalizer is confident, with
    a warning that names the encoding it chose. Anything else is an error.

    Parameters
    ----------
    data : bytes
        The raw file content.
    source : str
        Name of the file, used in messages.
    encoding : str, optional
        Decode with this codec and skip detection.

    Returns
    -------
    str
        The decoded text (not yet normalised).

    Raises
    ------
    InputError
        If the bytes are a binary file or cannot be decoded.
    """
    for signature, kind in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise InputError(
                f"{source}: this is {kind}, not a text file. Remove it from the folder or convert "
                "it to UTF-8 text first."
            )
    if encoding is not None:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(f"{source}: cannot decode with encoding={encoding!r}: {exc}") from None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{source}: starts with a {codec} byte-order mark but is not valid {codec} "
                    f"({exc}). Pass encoding= with the file's real encoding."
                ) from None
    if b"\x00" in data[:4096]:
        # Zero bytes: UTF-16 without a BOM, or binary. (ASCII-range UTF-16 is valid UTF-8 too,
        # full of NUL characters, so this comes before UTF-8 is tried.)
        utf16 = _guess_utf16_without_bom(data)
        if utf16 is not None:
            try:
                text = data.decode(utf16)
            except UnicodeDecodeError:
                pass
            else:
                if _looks_like_text(text):
                    return text
        raise InputError(
            f"{source}: looks like a binary file (it contains zero bytes). Remove it from the "
            "folder, or pass encoding= if it is text in a UTF-16/UTF-32 encoding."
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    detected = _detect_with_charset_normalizer(data)
    if detected is not None:
        warnings.warn(
            f"{source}: not UTF-8; decoded as {detected}. Pass encoding={detected!r} to "
            "confirm (and silence this warning), or another encoding if the text looks wrong.",
            CorpusTmWarning,
            stacklevel=3,
        )
        return data.decode(detected)
    raise InputError(
        f"{source}: not valid UTF-8 and its encoding cannot be detected reliably. Pass "
        "encoding= (for example encoding='gbk' or encoding='latin-1'), or convert the file to "
        "UTF-8."
    )


def _guess_utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_zeros = sample[0::2].count(0) / (len(sample) / 2)
    odd_zeros = sample[1::2].count(0) / (len(sample) / 2)
    if odd_zeros > 0.3 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.3 and odd_zeros < 0.05:
        return "utf-16-be"
    return None


def _looks_like_text(text: str) -> bool:
    """Few control, unassigned or private-use characters (decoded binary has many)."""
    sample = text[:20_000]
    odd = sum(
        1
        for c in sample
        if unicodedata.category(c) in ("Cc", "Cn", "Co", "Cs") and c not in "\t\n\r\f\v"
    )
    return odd <= 0.02 * len(sample)


def _detect_with_charset_normalizer(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None or best.encoding not in _DETECTABLE:
        return None
    if best.percent_chaos > 10:
        return None
    return best.encoding


def read_text_file(path: str | os.PathLike[str], *, encoding: str | None = None) -> str:
    """Read and normalise one text file.

    Parameters
    ----------
    path : path-like
        The file.
    encoding : str, optional
        Its encoding; detected when not given (see :func:`decode_bytes`).

    Returns
    -------
    str
        The normalised text.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}).") from None
    return normalize_text(decode_bytes(data, source=str(path), encoding=encoding))


def load_documents(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    text_column: str = "text",
    id_column: str = "doc_id",
    exclude: Sequence[str] = DEFAULT_EXCLUDE,
    reflow: bool = True,
    language: str = "auto",
    filename_fields: str | None = None,
) -> pd.DataFrame:
    """Load documents from a folder of text files or from one table file.

    Parameters
    ----------
    path : path-like
        A folder of ``.txt``/``.md`` files, or a ``.csv``, ``.jsonl`` or ``.parquet`` file
        with one document per row.
    encoding : str, optional
        Encoding of the text files (or of the CSV/JSONL file); detected when not given.
    text_column : str, default "text"
        Column holding the text in a table file.
    id_column : str, default "doc_id"
        Column holding the document id in a table file or in ``metadata.csv``.
    exclude : sequence of str
        File-name patterns in a folder that are not documents (README, LICENSE, ...).
    reflow : bool, default True
        Join the lines of hard-wrapped documents (PDF or OCR exports with a line break every
        60-150 characters) after normalisation, so that a paragraph is one unit rather than one
        unit a line; see :mod:`corpus_tm.reflow` for how such documents are found and how lines
        are joined. Documents that are not hard-wrapped are left as they are. Lines joined into
        the line before them become blank, so line numbers still refer to the file. End-of-line
        hyphens are removed when the joined word occurs in the corpus without one.
    language : str, default "auto"
        The language of the documents: ``"auto"`` takes a ``language`` column of the
        metadata or table where it holds a registered code (``"zh"``, also written ``"zh-CN"``
        or ``"ZH"``) and detects the language of the other documents with
        :func:`detect_language` (Chinese when Han characters are at least 30% of the letters,
        else English); a registered code (``"en"``, ``"zh"``) sets it for every document.
    filename_fields : str, optional
        Metadata in the file names of a folder (or of one text file): a pattern such as
        ``"{country}_{session}_{year}"`` matched against each file name without its suffix;
        each ``{field}`` becomes a column, of integers when every value is one
        (:func:`filename_metadata` says how names are matched). Study setting:
        ``[corpus] filename_fields``.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, source, text``, any metadata columns, then ``reflowed`` (bool: the document
        was hard-wrapped and reflowed) and ``wrap_width`` (its detected line width in characters,
        0 when not reflowed); one row per document. Input columns named ``reflowed`` or
        ``wrap_width`` are replaced. The ``language`` column holds each document's language
        code (in place of the input's ``language`` column, or last); sectioning carries it to
        the units and :func:`corpus_tm.build_corpus` tokenises each unit by it.

    Raises
    ------
    InputError
        For a missing or empty folder, an empty or undecodable file, metadata naming a file
        that is not there, a ``metadata.csv`` whose rows do not match its header, duplicate
        document ids, or a file name that ``filename_fields`` does not match.

    Warns
    -----
    CorpusTmWarning
        For files in a folder that are not ``.txt``/``.md`` (skipped: a PDF or an image dropped
        in the folder), documents that ``metadata.csv`` does not list, and encodings that were
        guessed. A :class:`LanguageWarning` names the documents whose text does not look like
        the language given or declared for them (Chinese text said to be English, or the other
        way round, by :func:`detect_language`), and declared codes that are not registered
        languages (those documents get the detected language).

    Raises
    ------
    ConfigError
        If ``language`` is neither ``"auto"`` nor a registered language code, if
        ``filename_fields`` is not a valid pattern, names a column the documents already
        have, or is given for a table file.

    Notes
    -----
    In a folder, a ``metadata.csv`` is joined on its ``file`` column (file names) if it has one,
    otherwise on ``doc_id`` (file names without suffix). Its ``doc_id`` column, when present,
    gives the document ids; otherwise the file name without suffix is the id.
    """
    language = _check_language_argument(language)
    if filename_fields is not None:
        filename_pattern(filename_fields)  # a malformed pattern fails before any file is read
    path = Path(path)
    if not path.exists():
        where = (
            "" if path.is_absolute() else f" (it is relative to the current folder, {Path.cwd()})"
        )
        raise InputError(f"{path}: no such file or folder. Check the path{where}.")
    if path.is_dir():
        documents = _load_folder(path, encoding=encoding, id_column=id_column, exclude=exclude)
    elif path.suffix.lower() in TABLE_SUFFIXES:
        documents = _load_table(
            path, encoding=encoding, text_column=text_column, id_column=id_column
        )
    elif path.suffix.lower() in TEXT_SUFFIXES:
        documents = pd.DataFrame(
            {
                "doc_id": [path.stem],
                "source": [str(path)],
                "text": [read_text_file(path, encoding=encoding)],
            }
        )
    else:
        raise InputError(
            f"{path}: unsupported file type {path.suffix!r}. Give a folder of .txt/.md files or a "
            ".csv, .jsonl or .parquet file with a text column."
        )
    if filename_fields is not None:
        if not (path.is_dir() or path.suffix.lower() in TEXT_SUFFIXES):
            raise ConfigError(
                f"{path}: filename_fields reads metadata from the names of text files; a "
                f"{path.suffix} table has one row per document, so give the metadata as its "
                "columns."
            )
        documents = _add_filename_metadata(documents, filename_fields)
    _check_documents(documents)
    documents = _reflow_documents(documents.reset_index(drop=True), enabled=reflow)
    return _add_languages(documents, language, source=path)


_FIELD = re.compile(r"\{([^{}]*)\}")


def filename_pattern(pattern: str) -> tuple[re.Pattern[str], list[str]]:
    """The regular expression of a ``filename_fields`` pattern and its field names.

    A pattern is literal text with ``{field}`` placeholders, e.g.
    ``"{country}_{session}_{year}"``; field names are Python identifiers, each used once, and
    two fields need literal text between them. Each field matches one or more characters, as
    few as the rest of the pattern allows (so the last field takes what is left); the whole
    name must match.

    Parameters
    ----------
    pattern : str
        The pattern.

    Returns
    -------
    regex : re.Pattern
        Matches a whole file name without suffix, one named group per field.
    fields : list of str
        The field names, in order.

    Raises
    ------
    ConfigError
        For a pattern without fields, a field that is not an identifier, a field named twice,
        two fields side by side, or a stray ``{`` or ``}``.
    """
    example = 'such as "{country}_{session}_{year}"'
    if not isinstance(pattern, str):
        raise ConfigError(f"filename_fields must be a pattern {example}, not {pattern!r}.")
    fields: list[str] = []
    parts: list[str] = []
    position = 0
    for match in [*_FIELD.finditer(pattern), None]:
        literal = pattern[position : match.start() if match else len(pattern)]
        if "{" in literal or "}" in literal:
            raise ConfigError(
                f"filename_fields {pattern!r}: a {{ or }} that does not enclose a field name "
                f"({example})."
            )
        parts.append(re.escape(literal))
        if match is None:
            break
        name = match.group(1)
        if not name.isidentifier():
            raise ConfigError(
                f"filename_fields {pattern!r}: {{{name}}} is not a field name; name fields "
                f"with letters, digits and _ ({example})."
            )
        if name in fields:
            raise ConfigError(f"filename_fields {pattern!r}: the field {name!r} appears twice.")
        if fields and not literal:
            raise ConfigError(
                f"filename_fields {pattern!r}: {{{fields[-1]}}} and {{{name}}} need text "
                "between them (such as _ or -) to tell where one ends."
            )
        parts.append(f"(?P<{name}>.+?)")
        fields.append(name)
        position = match.end()
    if not fields:
        raise ConfigError(
            f"filename_fields {pattern!r} has no {{field}}; write the parts of the file names "
            f"as fields, {example}."
        )
    return re.compile("".join(parts)), fields


def filename_metadata(names: Sequence[str], pattern: str) -> pd.DataFrame:
    """Metadata read from file names with a ``filename_fields`` pattern.

    Parameters
    ----------
    names : sequence of str
        File names; a suffix (``.txt``, ``.md``) and folders are ignored.
    pattern : str
        ``"{country}_{session}_{year}"`` and the like (see :func:`filename_pattern`).

    Returns
    -------
    pandas.DataFrame
        One row per name, one column per field: ``int64`` where every value is a whole number
        written in digits (``"2021"``, ``"07"``), text otherwise.

    Raises
    ------
    InputError
        If a name does not match, naming the file(s) and the pattern.

    Examples
    --------
    >>> filename_metadata(["AGO_76_2021.txt"], "{country}_{session}_{year}").iloc[0].tolist()
    ['AGO', 76, 2021]
    """
    regex, fields = filename_pattern(pattern)
    rows: list[dict[str, str]] = []
    unmatched: list[str] = []
    for name in names:
        match = regex.fullmatch(Path(str(name)).stem)
        if match is None:
            unmatched.append(str(name))
        else:
            rows.append(match.groupdict())
    if unmatched:
        more = f" ... ({len(unmatched)} in all)" if len(unmatched) > 5 else ""
        shown = ", ".join(unmatched[:5]) + more
        raise InputError(
            f"file name(s) {shown} do not match filename_fields {pattern!r} (each {{field}} "
            "one or more characters, the literal text between them as written, the whole name "
            "without its suffix). Rename the files, change the pattern, or move the files out "
            "of the folder."
        )
    table = pd.DataFrame(rows, columns=fields)
    for field in fields:
        values = table[field]
        if len(values) and values.str.fullmatch(r"[+-]?\d{1,18}").all():
            table[field] = values.astype("int64")
    return table


def _add_filename_metadata(documents: pd.DataFrame, pattern: str) -> pd.DataFrame:
    """Columns read from the documents' file names (``source``), after the other metadata."""
    _, fields = filename_pattern(pattern)
    taken = [f for f in fields if f in documents.columns or f in ("file", "reflowed", "wrap_width")]
    if taken:
        raise ConfigError(
            f"filename_fields {pattern!r} names {', '.join(map(repr, taken))}, already a column "
            f"of the documents ({', '.join(map(str, documents.columns))}); rename the field."
        )
    metadata = filename_metadata([str(source) for source in documents["source"]], pattern)
    metadata.index = documents.index
    return pd.concat([documents, metadata], axis=1)


def _check_language_argument(language: Any) -> str:
    from corpus_tm.language import available_languages

    if language == "auto" or (isinstance(language, str) and language in available_languages()):
        return language
    raise ConfigError(
        f"language must be 'auto' or the code of a registered language "
        f"({', '.join(available_languages())}), not {language!r}."
    )


def _declared_code(value: Any) -> str | None:
    """A metadata language value as a code (``"zh-CN"`` -> ``"zh"``); None when empty."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    code = re.split(r"[-_]", str(value).strip().lower(), maxsplit=1)[0]
    return code or None


def _add_languages(documents: pd.DataFrame, language: str, *, source: Path) -> pd.DataFrame:
    """Set the ``language`` column: forced, declared or detected; warn about mismatches."""
    from corpus_tm.language import available_languages

    known = set(available_languages())
    n = len(documents)
    declared: list[str | None] = (
        [_declared_code(v) for v in documents["language"].tolist()]
        if language == "auto" and "language" in documents.columns
        else [None] * n
    )
    detected = [detect_language(t) for t in documents["text"].tolist()]
    doc_ids = documents["doc_id"].astype(str).tolist()
    unknown = [i for i, code in enumerate(declared) if code is not None and code not in known]
    if unknown:
        shown = ", ".join(f"{doc_ids[i]} ({documents['language'].iloc[i]!r})" for i in unknown[:10])
        warnings.warn(
            f"{source}: the language column names languages that are not registered "
            f"({', '.join(sorted(known))}) for {len(unknown)} document(s): {shown}"
            f"{' ...' if len(unknown) > 10 else ''}; their language is detected instead. Fix "
            "the codes or pass language= to set it.",
            LanguageWarning,
            stacklevel=3,
        )
    codes: list[str] = []
    said: list[bool] = []  # the language was given or declared, not detected
    for i in range(n):
        if language != "auto":
            codes.append(language)
            said.append(True)
        elif declared[i] is not None and declared[i] in known:
            codes.append(str(declared[i]))
            said.append(True)
        else:
            codes.append(detected[i] or "en")
            said.append(False)
    mismatched = [
        i
        for i in range(n)
        if said[i] and detected[i] is not None and (codes[i] == "zh") != (detected[i] == "zh")
    ]
    if mismatched:
        given = f"passed as language={language!r}" if language != "auto" else "declared for it"
        shown = ", ".join(
            f"{doc_ids[i]} ({codes[i]}, looks {detected[i]})" for i in mismatched[:10]
        )
        warnings.warn(
            f"{source}: the text of {len(mismatched)} document(s) does not look like the "
            f"language {given}: {shown}{' ...' if len(mismatched) > 10 else ''}. Its words "
            "will be cut by the wrong rules; pass language='auto' to detect the language "
            f"(Chinese when Han characters are at least {ZH_HAN_SHARE:.0%} of the letters) or "
            "fix the codes.",
            LanguageWarning,
            stacklevel=3,
        )
    documents = documents.copy()
    documents["language"] = codes
    return documents


def _reflow_documents(documents: pd.DataFrame, *, enabled: bool) -> pd.DataFrame:
    """Reflow hard-wrapped texts; add the ``reflowed`` and ``wrap_width`` columns."""
    documents = documents.drop(columns=["reflowed", "wrap_width"], errors="ignore")
    texts = documents["text"].tolist()
    results: list[ReflowResult | None] = [reflow_text(t) if enabled else None for t in texts]
    if any(r is not None and r.n_hyphens_kept for r in results):
        # a hyphen kept because its joined word is not in the document may be in the corpus
        corpus_words = set().union(*(free_words(text) for text in texts))
        results = [
            reflow_text(text, known_words=corpus_words) if r is not None and r.n_hyphens_kept else r
            for text, r in zip(texts, results, strict=True)
        ]
    documents["text"] = [r.text if r else t for t, r in zip(texts, results, strict=True)]
    documents["reflowed"] = [bool(r and r.reflowed) for r in results]
    documents["wrap_width"] = [(r.line_length or 0) if r else 0 for r in results]
    return documents.astype({"reflowed": "bool", "wrap_width": "int64"})


def corpus_files(
    path: str | os.PathLike[str], *, exclude: Sequence[str] = DEFAULT_EXCLUDE
) -> list[Path]:
    """The files :func:`load_documents` reads for ``path``, and no other.

    For a folder: its ``.txt``/``.md`` files (not in sub-folders, not hidden, not matching
    ``exclude``), in file-name order, then ``metadata.csv`` when it is there; for a file: the
    file itself. What a corpus is made of (its hash in a figures manifest) is computed from
    this list, so a PDF, an image or a README left in the corpus folder does not change it.

    Parameters
    ----------
    path : path-like
        A corpus folder or file, as given to :func:`load_documents`.
    exclude : sequence of str
        File-name patterns that are not documents, as in :func:`load_documents`.

    Returns
    -------
    list of pathlib.Path
        The files, under ``path``; empty for a folder without documents.
    """
    path = Path(path)
    if not path.is_dir():
        return [path]
    files = sorted(
        p
        for p in path.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and p.name != METADATA_FILE
        and p.suffix.lower() in TEXT_SUFFIXES
        and not any(fnmatch.fnmatch(p.name, pattern) for pattern in exclude)
    )
    metadata = path / METADATA_FILE
    return [*files, metadata] if metadata.exists() else files


def _load_folder(
    folder: Path, *, encoding: str | None, id_column: str, exclude: Sequence[str]
) -> pd.DataFrame:
    read = corpus_files(folder, exclude=exclude)
    files = [p for p in read if p.name != METADATA_FILE]
    skipped = sorted(
        p.name
        for p in folder.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and p.name != METADATA_FILE
        and p.suffix.lower() not in TEXT_SUFFIXES
        and not any(fnmatch.fnmatch(p.name, pattern) for pattern in exclude)
    )
    if skipped:
        shown = ", ".join(skipped[:10]) + (" ..." if len(skipped) > 10 else "")
        warnings.warn(
            f"{folder}: skipped {len(skipped)} file(s) that are not .txt or .md documents: "
            f"{shown}. Convert them to UTF-8 text (.txt) to include them, or move them out of "
            "the folder.",
            CorpusTmWarning,
            stacklevel=3,
        )
    metadata_path = folder / METADATA_FILE
    metadata = _read_metadata(metadata_path, id_column) if metadata_path in read else None
    if metadata is not None and "file" in metadata.columns:
        listed = metadata["file"].astype(str).tolist()
        missing = [name for name in listed if not (folder / name).is_file()]
        if missing:
            raise InputError(
                f"{metadata_path}: names files that are not in {folder}: {', '.join(missing)}. "
                "Fix the 'file' column or add the files."
            )
        unlisted = sorted(set(p.name for p in files) - set(listed))
        if unlisted:
            warnings.warn(
                f"{metadata_path}: files in the folder that metadata.csv does not list are "
                f"loaded without metadata: {', '.join(unlisted)}.",
                CorpusTmWarning,
                stacklevel=3,
            )
    if not files:
        raise InputError(
            f"{folder}: no .txt or .md files here. Point read_corpus at the folder that holds "
            "the documents."
        )
    rows = []
    for file in files:
        text = read_text_file(file, encoding=encoding)
        if not text.strip():
            raise InputError(f"{file}: the file is empty. Remove it or add its text.")
        rows.append({"doc_id": file.stem, "source": str(file), "file": file.name, "text": text})
    documents = pd.DataFrame(rows)
    if metadata is None:
        return documents.drop(columns="file")
    if "file" in metadata.columns:
        merged = documents.drop(columns="doc_id").merge(metadata, on="file", how="left")
        if "doc_id" in metadata.columns:
            # files metadata.csv does not list, or lists with an empty doc_id: the file name
            merged["doc_id"] = (
                merged["doc_id"]
                .replace("", pd.NA)
                .fillna(merged["file"].map(lambda name: Path(name).stem))
            )
        else:
            merged["doc_id"] = merged["file"].map(lambda name: Path(name).stem)
        # keep metadata.csv's row order for listed files, unlisted files after them
        order = {name: i for i, name in enumerate(metadata["file"].astype(str))}
        merged["_order"] = merged["file"].map(lambda name: order.get(name, len(order)))
        merged = merged.sort_values(["_order", "file"], kind="stable").drop(columns="_order")
    else:
        unknown = sorted(set(metadata["doc_id"]) - set(documents["doc_id"]))
        if unknown:
            raise InputError(
                f"{metadata_path}: doc_id values with no matching file: {', '.join(unknown)}. "
                "metadata.csv is joined on file names without suffix; fix the ids or add a "
                "'file' column."
            )
        unlisted = sorted(set(documents["doc_id"]) - set(metadata["doc_id"]))
        if unlisted:
            warnings.warn(
                f"{metadata_path}: documents that metadata.csv does not list are loaded "
                f"without metadata: {', '.join(unlisted)}.",
                CorpusTmWarning,
                stacklevel=3,
            )
        merged = documents.merge(metadata, on="doc_id", how="left")
    merged = merged.drop(columns="file")
    front = ["doc_id", "source", "text"]
    return merged[front + [c for c in merged.columns if c not in front]]


def _read_metadata(path: Path, id_column: str) -> pd.DataFrame:
    try:
        text = path.read_bytes().decode("utf-8-sig")
        _check_row_lengths(path, text)
        metadata = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, index_col=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({exc}). Save it as UTF-8 CSV.") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty. Remove it or add a header row.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}).") from None
    if id_column != "doc_id" and id_column in metadata.columns:
        metadata = metadata.rename(columns={id_column: "doc_id"})
    if "file" not in metadata.columns and "doc_id" not in metadata.columns:
        raise InputError(
            f"{path}: needs a 'file' column (file names) or a '{id_column}' column (file names "
            "without suffix) to be joined with the documents."
        )
    if "text" in metadata.columns or "source" in metadata.columns:
        raise InputError(f"{path}: the column names 'text' and 'source' are reserved; rename them.")
    key = "file" if "file" in metadata.columns else "doc_id"
    duplicated = metadata[key][metadata[key].duplicated()].unique().tolist()
    if duplicated:
        raise InputError(
            f"{path}: {key} values appear more than once: {', '.join(duplicated)}. "
            "Keep one row per document."
        )
    empty_ids = metadata.index[metadata[key].str.strip() == ""].tolist()
    if empty_ids:
        raise InputError(
            f"{path}: empty {key} on line(s) {', '.join(str(i + 2) for i in empty_ids)}."
        )
    return metadata


def _load_table(
    path: Path, *, encoding: str | None, text_column: str, id_column: str
) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            table = pd.read_parquet(path)
        else:
            text = decode_bytes(path.read_bytes(), source=str(path), encoding=encoding)
            if suffix == ".csv":
                _check_row_lengths(path, text)
                table = pd.read_csv(
                    io.StringIO(text), dtype=str, keep_default_na=False, index_col=False
                )
            else:
                table = pd.read_json(io.StringIO(text), lines=True, dtype=False)
    except (ValueError, OSError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{path}: cannot be read as {suffix[1:].upper()} ({exc}).") from None
    if table.empty:
        raise InputError(f"{path}: the table has no rows.")
    if text_column not in table.columns:
        raise InputError(
            f"{path}: no column {text_column!r} (columns: {', '.join(map(str, table.columns))}). "
            "Pass text_column= with the name of the column that holds the text."
        )
    table = table.rename(columns={text_column: "text"})
    if id_column in table.columns:
        table = table.rename(columns={id_column: "doc_id"})
        table["doc_id"] = table["doc_id"].astype(str)
    else:
        width = len(str(len(table)))
        table.insert(0, "doc_id", [f"doc{i + 1:0{width}d}" for i in range(len(table))])
    bad = table.index[~table["text"].map(lambda t: isinstance(t, str))].tolist()
    if bad:
        raise InputError(
            f"{path}: column {text_column!r} is not text in row(s) "
            f"{', '.join(str(i + 1) for i in bad[:10])}."
        )
    table["text"] = table["text"].map(normalize_text)
    empty = table.index[table["text"].str.strip() == ""].tolist()
    if empty:
        raise InputError(
            f"{path}: empty text in row(s) {', '.join(str(i + 1) for i in empty[:10])}. "
            "Drop those rows or fill them."
        )
    table.insert(1, "source", [f"{path}#{i + 1}" for i in range(len(table))])
    front = ["doc_id", "source", "text"]
    return table[front + [c for c in table.columns if c not in front]]


def _check_row_lengths(path: Path, text: str) -> None:
    """Every row of a CSV file has as many fields as its header (pandas would shift them)."""
    # the csv module refuses fields over 128 KiB by default; a text column can be longer
    csv.field_size_limit(max(csv.field_size_limit(), min(len(text) + 1, 2**31 - 1)))
    rows = csv.reader(io.StringIO(text))
    try:
        header = next(rows, [])
        bad = [
            f"line {rows.line_num} has {len(row)}"
            for row in rows
            if row and any(field.strip() for field in row) and len(row) != len(header)
        ]
    except csv.Error as exc:
        raise InputError(
            f"{path}: cannot be read as CSV (line {rows.line_num}: {exc}). Save it as UTF-8 CSV."
        ) from None
    if bad:
        raise InputError(
            f"{path}: the header has {len(header)} columns but {'; '.join(bad[:5])}"
            f"{' ...' if len(bad) > 5 else ''}. Quote fields that contain commas, or fix the "
            "rows."
        )


def _check_documents(documents: pd.DataFrame) -> None:
    duplicated = documents["doc_id"][documents["doc_id"].duplicated()].unique().tolist()
    if duplicated:
        where = [
            f"{doc_id!s} ({', '.join(documents.loc[documents['doc_id'] == doc_id, 'source'])})"
            for doc_id in duplicated[:5]
        ]
        raise InputError(
            f"duplicate doc_id values: {'; '.join(where)}{' ...' if len(duplicated) > 5 else ''}. "
            "Each document needs its own id: rename the files or fix the doc_id column."
        )
