"""Describing a network: spec files, ``Network``/``Layer``, batches, names, exact numbers,
the activation and loss tables, and the network's own numbers (forward values and
gradients at 50 digits or in float64, one code path: ``numeric.py``).

Importing the package registers ``BatchNetwork`` (what ``Network(...)`` returns for a
list of samples) with ``Network``.
"""
from . import batch, network  # noqa: F401  (batch registers itself with Network)
