"""float64 on numpy arrays for wide networks, the same bits as ``numeric.py`` on floats.

``numeric.run(…, m=ARRAYS)`` (``ARRAYS = Arrays()``) runs the one forward/backward pass
with each layer's numbers as numpy arrays. Only operations that give the very float the
plain path gives are used:

- element-wise +, −, ×, ÷ (IEEE, as Python's floats);
- sums in ``sum``'s order: net_j = ((b_j + w_j1·x_1) + w_j2·x_2) + …, never ``@`` or
  BLAS, whose order is blocked, nor a sum along a contiguous axis, which numpy adds
  pairwise. The terms are laid out as the rows of a C-ordered array and added with
  ``np.add.reduce(…, axis=0)``, which numpy runs as row after row, left to right. That is
  numpy's practice rather than its promise, so ``SEQUENTIAL`` checks it when this module
  is imported (on a column whose sum tells the two orders apart), and if it ever fails
  the sums fall back to ``np.add.accumulate``, left-to-right by definition (3× slower);
- ``math.exp``, ``math.tanh`` … element by element: numpy's own ``np.exp`` is vectorised
  and can differ from the C library's in the last bit (measured: 5% of arguments on
  AVX-512), so it is not used.

The loss runs on the outputs as Python floats, by the very code of the plain path.
``tests/test_speed_paths.py`` compares the two bit for bit. numpy is imported only by
this module, which only float64 training of a wide network imports.
"""
from __future__ import annotations

import math

import numpy as np

MIN_WIDTH = 16        # a layer this wide makes arrays pay (measured: below it, straight code wins)


def _sequential_reduce() -> bool:
    """Whether ``np.add.reduce(axis=0)`` adds the rows of a C array one after another:
    1e16 + 1 rounds back to 1e16 (ties to even), so 1e16 followed by 127 ones stays 1e16
    left to right, and pairwise summation (ones first) gives 1e16 + 128."""
    for width in (2, 3, 8, 24, 100):
        rows = np.ones((128, width))
        rows[0] = 1e16
        if not (np.add.reduce(rows, axis=0) == 1e16).all():
            return False
    return True


SEQUENTIAL = _sequential_reduce()


def _rows_sum(rows):
    """The sum of the rows of ``rows`` (C-ordered), each column left to right.

    A single column is a contiguous axis, which numpy sums pairwise: accumulate it."""
    if SEQUENTIAL and rows.shape[1] > 1:
        return np.add.reduce(rows, axis=0)
    return np.add.accumulate(rows, axis=0)[-1]


class Arrays:
    """The numeric module ``m`` for arrays: math's functions element-wise, and kernels."""

    arrays = True

    def __getattr__(self, name):
        f = getattr(math, name)
        if not callable(f):
            return f

        def elementwise(a):
            if isinstance(a, np.ndarray):
                return np.fromiter(map(f, a.tolist()), float, len(a))
            return f(a)
        elementwise.__name__ = name
        setattr(self, name, elementwise)
        return elementwise

    @staticmethod
    def array(values):
        return np.asarray(values, dtype=float)

    @staticmethod
    def weighted_sums(w, x, bias):
        """net_j = sum((w_jk·x_k for k), b_j), left to right: bias row, then each product."""
        rows = np.empty((w.shape[1] + 1, w.shape[0]))
        rows[0] = bias
        np.multiply(w.T, np.asarray(x, dtype=float)[:, None], out=rows[1:])
        return _rows_sum(rows)

    @staticmethod
    def back_sums(delta, w):
        """upstream_k = sum(δ_j·w_jk for j), from 0, left to right."""
        rows = np.empty((w.shape[0] + 1, w.shape[1]))
        rows[0] = 0.0
        np.multiply(w, delta[:, None], out=rows[1:])
        return _rows_sum(rows)

    @staticmethod
    def outer(delta, x):
        return np.multiply.outer(delta, np.asarray(x, dtype=float))

    @staticmethod
    def total(values):
        """sum(values): from 0, left to right (a layer's δs, for its shared bias)."""
        return sum(values.tolist())


ARRAYS = Arrays()


def layers_as_arrays(layers) -> list:
    """``(activation, weights, biases, factors)`` with the weights and biases as arrays."""
    return [(a, np.array(w, dtype=float), np.array(b, dtype=float), sc) for a, w, b, sc in layers]


def layers_as_floats(layers) -> list:
    """Back to lists of Python floats (what the trace keeps)."""
    return [(a, w.tolist(), b.tolist(), sc) for a, w, b, sc in layers]
