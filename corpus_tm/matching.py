"""Topic matching: two topic-term matrices in, one-to-one matched topics and their cosines out.

The one matcher behind stability across seeds (:func:`corpus_tm.stability`) and the recovery
of planted topics (:func:`corpus_tm.synthetic.topic_recovery`): topics are paired by the
Hungarian algorithm (:func:`scipy.optimize.linear_sum_assignment`) on the cosine similarity of
their term vectors, maximising the total similarity.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cosine_matrix", "match_topics"]


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of ``a`` with every row of ``b`` (zero rows give 0)."""
    a_norm = np.linalg.norm(a, axis=1, keepdims=True)
    b_norm = np.linalg.norm(b, axis=1, keepdims=True)
    a_unit = np.divide(a, a_norm, out=np.zeros_like(a), where=a_norm > 0)
    b_unit = np.divide(b, b_norm, out=np.zeros_like(b), where=b_norm > 0)
    return a_unit @ b_unit.T


def match_topics(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pair the topics (rows) of ``a`` and ``b`` one to one, maximising the total cosine.

    Parameters
    ----------
    a, b : numpy.ndarray
        Topic-term matrices over the same terms in the same column order.

    Returns
    -------
    rows, cols, cosines : numpy.ndarray
        Topic ``rows[i]`` of ``a`` is matched with topic ``cols[i]`` of ``b``, with cosine
        ``cosines[i]``; ``min(len(a), len(b))`` pairs, ``rows`` ascending.
    """
    from scipy.optimize import linear_sum_assignment

    similarity = cosine_matrix(a, b)
    rows, cols = linear_sum_assignment(similarity, maximize=True)
    return rows, cols, similarity[rows, cols]
