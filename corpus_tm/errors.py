"""Exception and warning types of corpus_tm.

Every error a user can cause by bad input or settings is one of these, with a message that names
the file, line or parameter and says what to do about it. Every warning corpus_tm gives is a
:class:`CorpusTmWarning`, so ``warnings.filterwarnings("ignore", category=CorpusTmWarning)``
silences them all and ``"error"`` turns them all into exceptions.
"""

from __future__ import annotations


class CorpusTmError(Exception):
    """Base class of all corpus_tm errors."""


class InputError(CorpusTmError, ValueError):
    """An input file, folder or table cannot be used as it is."""


class ConfigError(CorpusTmError, ValueError):
    """A parameter, lexicon or study setting is invalid."""


class CorpusTmWarning(UserWarning):
    """Base class of all corpus_tm warnings (a result to read with care, input that was
    repaired or skipped)."""
