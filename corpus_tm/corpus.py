"""The built corpus: what preprocessing hands to the models.

In: nothing (this module only defines the data type).
Out: :class:`Corpus`, the unit table aligned row by row with token lists, a gensim
``Dictionary``, and on demand a bag-of-words view and a scipy CSR document-term matrix.

A built corpus stores its tokens once, as term ids (:class:`TokenLists`: one int32 array and
unit offsets, 4 bytes a token); the token lists of strings, the bag of words and the CSR
matrix are derived from them when asked for, so the corpus is never held three times over.
A built or loaded corpus makes its gensim ``Dictionary`` from :class:`TermCounts` when it is
first asked for (a model fit): a run that reads everything from the cache never imports gensim
(about a second).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import scipy.sparse as sp
    from gensim.corpora import Dictionary


class BagOfWords(Sequence[list[tuple[int, int]]]):
    """A read-only gensim bag-of-words corpus backed by a CSR document-term matrix.

    Each item is the list of ``(term_id, count)`` pairs of one unit, as gensim expects.
    It has ``len`` and can be iterated many times, so gensim models can make several passes.
    """

    def __init__(self, dtm: sp.csr_matrix) -> None:
        self._dtm = dtm

    def __len__(self) -> int:
        return self._dtm.shape[0]

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        start, stop = self._dtm.indptr[index], self._dtm.indptr[index + 1]
        ids = self._dtm.indices[start:stop].tolist()
        counts = self._dtm.data[start:stop].tolist()
        return list(zip(ids, (int(c) for c in counts), strict=True))

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        indptr, indices, data = self._dtm.indptr, self._dtm.indices, self._dtm.data
        for row in range(self._dtm.shape[0]):
            start, stop = indptr[row], indptr[row + 1]
            yield list(
                zip(
                    indices[start:stop].tolist(), data[start:stop].astype(int).tolist(), strict=True
                )
            )


class TokenLists(Sequence[list[str]]):
    """Token lists stored as term ids: item ``i`` is unit ``i``'s list of terms, made on demand.

    Behaves like a read-only ``list[list[str]]`` (``len``, indexing, slicing, iteration, ``==``
    with any sequence of lists) but holds only ``ids`` (int32, every id a position in
    ``vocabulary``) and ``offsets`` (int64, unit ``i`` is ``ids[offsets[i]:offsets[i + 1]]``).
    On ten million tokens that is 40 MB instead of about 500 MB of Python lists.
    """

    def __init__(self, ids: np.ndarray, offsets: np.ndarray, vocabulary: Sequence[str]) -> None:
        ids = np.asarray(ids, dtype=np.int32)
        offsets = np.asarray(offsets, dtype=np.int64)
        if offsets.ndim != 1 or offsets.size == 0 or offsets[0] != 0 or offsets[-1] != ids.size:
            raise ValueError("offsets must start at 0 and end at len(ids).")
        if np.any(np.diff(offsets) < 0):
            raise ValueError("offsets must not decrease.")
        if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= len(vocabulary)):
            raise ValueError("every id must be a position in vocabulary.")
        self.ids, self.offsets, self.vocabulary = ids, offsets, list(vocabulary)

    def __len__(self) -> int:
        return self.offsets.size - 1

    def _unit(self, i: int) -> list[str]:
        return list(
            map(
                self.vocabulary.__getitem__,
                self.ids[self.offsets[i] : self.offsets[i + 1]].tolist(),
            )
        )

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._unit(i) for i in range(*index.indices(len(self)))]
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"unit index {index} out of range for {n} units")
        return self._unit(index % n)

    def __iter__(self) -> Iterator[list[str]]:
        words = list(map(self.vocabulary.__getitem__, self.ids.tolist()))
        bounds = self.offsets.tolist()
        for i in range(len(self)):
            yield words[bounds[i] : bounds[i + 1]]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TokenLists):
            return np.array_equal(self.offsets, other.offsets) and [
                self.vocabulary[i] for i in self.ids.tolist()
            ] == [other.vocabulary[i] for i in other.ids.tolist()]
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == len(self) and all(
                list(a) == b for a, b in zip(other, self, strict=True)
            )
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"TokenLists(n_units={len(self)}, n_tokens={self.ids.size})"


def tokens_to_dtm(tokens: Sequence[Sequence[str]], dictionary: Dictionary) -> sp.csr_matrix:
    """Count ``tokens`` into a CSR matrix (units x terms) in ``dictionary``'s id order.

    Tokens not in the dictionary are ignored. Column indices are sorted within each row.
    """
    import scipy.sparse as sp

    token2id = dictionary.token2id
    indptr = np.zeros(len(tokens) + 1, dtype=np.int64)
    ids: list[int] = []
    for row, doc in enumerate(tokens):
        ids.extend(token2id[t] for t in doc if t in token2id)
        indptr[row + 1] = len(ids)
    indices = np.asarray(ids, dtype=np.int32)
    data = np.ones(len(indices), dtype=np.float64)
    dtm = sp.csr_matrix((data, indices, indptr), shape=(len(tokens), len(dictionary)))
    dtm.sum_duplicates()  # merges repeated terms into counts and sorts indices
    return dtm


def tokens_to_ids(
    tokens: Sequence[Sequence[str]], dictionary: Dictionary
) -> tuple[np.ndarray, np.ndarray]:
    """Term ids of ``tokens`` in text order, as one flat int32 array and int64 unit offsets.

    Tokens not in ``dictionary`` get id -1 (they keep their place, which matters for
    sliding windows). Unit ``i`` is ``ids[offsets[i]:offsets[i + 1]]``.
    """
    get = dictionary.token2id.get
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    offsets = np.zeros(len(tokens) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    ids = np.fromiter(
        (get(t, -1) for doc in tokens for t in doc), dtype=np.int32, count=int(offsets[-1])
    )
    return ids, offsets


def _ids_to_dtm(ids: np.ndarray, offsets: np.ndarray, n_terms: int) -> sp.csr_matrix:
    """The CSR count matrix of flat term ids (ids < 0 are ignored), as :func:`tokens_to_dtm`."""
    import scipy.sparse as sp

    known = ids >= 0
    if not known.all():
        kept = np.concatenate(([0], np.cumsum(known)))
        ids, offsets = ids[known], kept[offsets]
    indices = ids.astype(np.int32, copy=True)
    data = np.ones(len(indices), dtype=np.float64)
    dtm = sp.csr_matrix(
        (data, indices, offsets.astype(np.int64, copy=True)), shape=(len(offsets) - 1, n_terms)
    )
    dtm.sum_duplicates()  # merges repeated terms into counts and sorts indices
    return dtm


@dataclass(frozen=True)
class TermCounts:
    """What a gensim ``Dictionary`` of a corpus holds, without gensim.

    Attributes
    ----------
    vocabulary : list of str
        Terms in id order.
    dfs, cfs : list of int
        Document and collection frequency of each term, in id order.
    num_docs, num_pos, num_nnz : int
        Units, tokens and distinct (unit, term) pairs, as gensim counts them.
    """

    vocabulary: list[str]
    dfs: list[int]
    cfs: list[int]
    num_docs: int
    num_pos: int
    num_nnz: int

    @classmethod
    def of(cls, dictionary: Dictionary) -> TermCounts:
        """The counts of a gensim ``Dictionary`` (terms in id order)."""
        n_terms = len(dictionary)
        return cls(
            vocabulary=[dictionary[i] for i in range(n_terms)],
            dfs=[int(dictionary.dfs.get(i, 0)) for i in range(n_terms)],
            cfs=[int(dictionary.cfs.get(i, 0)) for i in range(n_terms)],
            num_docs=int(dictionary.num_docs),
            num_pos=int(dictionary.num_pos),
            num_nnz=int(dictionary.num_nnz),
        )

    def to_dictionary(self) -> Dictionary:
        """The gensim ``Dictionary`` with these terms (ids in order) and counts."""
        from gensim.corpora import Dictionary

        dictionary = Dictionary()
        dictionary.token2id = {term: i for i, term in enumerate(self.vocabulary)}
        dictionary.id2token = dict(enumerate(self.vocabulary))
        dictionary.dfs = {i: int(n) for i, n in enumerate(self.dfs)}
        dictionary.cfs = {i: int(n) for i, n in enumerate(self.cfs)}
        dictionary.num_docs = int(self.num_docs)
        dictionary.num_pos = int(self.num_pos)
        dictionary.num_nnz = int(self.num_nnz)
        return dictionary


class _OnFirstUse:
    """The ``dictionary`` field of :class:`Corpus`: a ``Dictionary``, or counts made into one.

    Given :class:`TermCounts`, the field makes the gensim ``Dictionary`` the first time it is
    read and keeps it (a dataclass field that is a descriptor: the dataclass's ``__init__``
    sets it through :meth:`__set__`).
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return None  # the field's default: the corpus checks that one was given
        value = instance.__dict__[self.slot]
        if isinstance(value, TermCounts):
            value = instance.__dict__[self.slot] = value.to_dictionary()
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.slot] = value


@dataclass(frozen=True, eq=False)
class Corpus:
    """A corpus of text units ready for topic models.

    Attributes
    ----------
    units : pandas.DataFrame
        The unit table (one row per unit, in document order), as made by
        :func:`corpus_tm.read_corpus`. Row ``i`` belongs to ``tokens[i]`` and row ``i`` of
        :attr:`dtm`.
    tokens : sequence of list of str
        Preprocessed tokens of each unit, restricted to the vocabulary, in text order.
        Multi-word terms are joined with ``_`` (``national_security``). A built or loaded
        corpus holds them as :class:`TokenLists` (term ids; lists made when asked for); any
        sequence of lists of str works.
    dictionary : gensim.corpora.Dictionary
        The vocabulary; term ids are the column indices of :attr:`dtm`. May be given as
        :class:`TermCounts`: the ``Dictionary`` is then made when first read.
    settings : dict
        The preprocessing settings the corpus was built with (JSON-serialisable).
    fingerprint : str
        A hash of the unit texts and the settings; equal fingerprints mean equal corpora.
    """

    units: pd.DataFrame
    tokens: Sequence[list[str]]
    dictionary: Dictionary = _OnFirstUse()  # type: ignore[assignment]
    settings: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""

    def __post_init__(self) -> None:
        if self.__dict__.get("_dictionary") is None:
            raise TypeError("Corpus needs a dictionary (a gensim Dictionary or TermCounts).")
        if len(self.units) != len(self.tokens):
            raise ValueError(
                f"units has {len(self.units)} rows but tokens has {len(self.tokens)} lists; "
                "they must be aligned one to one."
            )

    def __len__(self) -> int:
        return len(self.tokens)

    def __repr__(self) -> str:
        return (
            f"Corpus(n_units={len(self)}, n_terms={self.n_terms}, "
            f"n_tokens={self.n_tokens}, fingerprint={self.fingerprint[:12]!r})"
        )

    @property
    def term_counts(self) -> TermCounts:
        """The vocabulary and its counts (:class:`TermCounts`), without making a ``Dictionary``."""
        value = self.__dict__["_dictionary"]
        return value if isinstance(value, TermCounts) else TermCounts.of(value)

    def with_units(self, units: pd.DataFrame) -> Corpus:
        """The same corpus with another unit table of the same length (its dictionary unmade)."""
        return Corpus(
            units=units,
            tokens=self.tokens,
            dictionary=self.__dict__["_dictionary"],
            settings=self.settings,
            fingerprint=self.fingerprint,
        )

    @cached_property
    def token_ids(self) -> tuple[np.ndarray, np.ndarray]:
        """The tokens as term ids, in text order: ``(ids, offsets)``.

        ``ids`` (int32) holds the dictionary id of every token, -1 for a token not in the
        dictionary; unit ``i`` is ``ids[offsets[i]:offsets[i + 1]]`` (``offsets`` is int64,
        one longer than the corpus). Cached; coherence counting and :attr:`dtm` work on it.
        """
        if isinstance(self.tokens, TokenLists) and self._ids_are_dictionary_ids():
            return self.tokens.ids, self.tokens.offsets
        return tokens_to_ids(self.tokens, self.dictionary)

    def _ids_are_dictionary_ids(self) -> bool:
        return self.tokens.vocabulary == self.vocabulary  # type: ignore[attr-defined]

    @cached_property
    def dtm(self) -> sp.csr_matrix:
        """Document-term count matrix (units x terms), CSR, float64."""
        ids, offsets = self.token_ids
        return _ids_to_dtm(ids, offsets, self.n_terms)

    @property
    def bow(self) -> BagOfWords:
        """The gensim bag-of-words corpus (a lazy view of :attr:`dtm`)."""
        return BagOfWords(self.dtm)

    @property
    def vocabulary(self) -> list[str]:
        """Terms in id order (the columns of :attr:`dtm`)."""
        value = self.__dict__["_dictionary"]
        if isinstance(value, TermCounts):
            return list(value.vocabulary)
        return [value[i] for i in range(len(value))]

    @property
    def n_terms(self) -> int:
        """Number of terms in the vocabulary."""
        value = self.__dict__["_dictionary"]
        return len(value.vocabulary) if isinstance(value, TermCounts) else len(value)

    @property
    def unit_ids(self) -> list[str]:
        """The ``unit_id`` of each row."""
        return self.units["unit_id"].tolist()

    @property
    def n_tokens(self) -> int:
        """Number of tokens kept after preprocessing."""
        if isinstance(self.tokens, TokenLists):
            return int(self.tokens.ids.size)
        return sum(len(doc) for doc in self.tokens)
