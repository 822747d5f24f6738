"""Sparse term counts and TF-IDF weighting, shared by the classifier and hot-issue mining.

Rule: documents are counted one at a time into integer ids of a growing vocabulary, and only the ids
are kept — never the lists of token strings, which take tens of bytes per token and would make memory
grow with the corpus many times over. Weighting follows scikit-learn's TfidfVectorizer with
`smooth_idf=True, sublinear_tf=True, norm="l2"`.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp


class TermCounts:
    """Term counts of documents as a CSR matrix (documents x vocabulary)."""

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self._indices = array("i")
        self._data = array("f")
        self._indptr = array("q", [0])

    def __len__(self) -> int:
        return len(self._indptr) - 1

    def add(self, terms: Iterable[str]) -> None:
        vocabulary = self.vocabulary
        for term, count in Counter(terms).items():
            column = vocabulary.get(term)
            if column is None:
                column = vocabulary[term] = len(vocabulary)
            self._indices.append(column)
            self._data.append(count)
        self._indptr.append(len(self._indices))

    def matrix(self) -> sp.csr_matrix:
        return sp.csr_matrix(
            (
                np.frombuffer(self._data, dtype=np.float32).copy(),
                np.frombuffer(self._indices, dtype=np.int32).copy(),
                np.frombuffer(self._indptr, dtype=np.int64).copy(),
            ),
            shape=(len(self), max(1, len(self.vocabulary))),
        )


def smooth_idf(df: np.ndarray, n_documents: int) -> np.ndarray:
    """ln((1 + n) / (1 + df)) + 1."""
    return np.log((1.0 + n_documents) / (1.0 + df)) + 1.0


def tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear term frequency (1 + ln tf) times idf, rows scaled to unit length."""
    matrix = counts.astype(np.float32, copy=True)
    matrix.sort_indices()
    np.log(matrix.data, out=matrix.data)
    matrix.data += 1.0
    matrix = (matrix @ sp.diags(idf.astype(np.float32))).tocsr()
    return _unit_rows(matrix)


def _unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Rows scaled to unit length in place (all-zero rows stay zero), as scikit-learn's `normalize`
    does; written out so that hot issues and similar demands need not load scikit-learn."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1), dtype=np.float64).ravel())
    norms[norms == 0] = 1.0
    lengths = np.diff(matrix.indptr)
    matrix.data /= np.repeat(norms, lengths).astype(matrix.data.dtype)
    return matrix
