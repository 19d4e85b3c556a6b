"""The matrix form on the command line (issue 16): ``--matrix`` for ``forward``,
``derive``, ``update``, ``latex`` and ``slides``.

Provides ``matrix_option`` (the flag) and ``emit_matrix`` (load, build the matrix form up
to a part, print it in the chosen format). The commands themselves stay in
``network.py`` and ``documents.py``; each calls in here when the flag is given.
"""
from __future__ import annotations

import click

from .main import emit, load_spec


def matrix_option(f):
    return click.option("--matrix", is_flag=True,
                        help="The matrix form instead: zˡ = Wˡaˡ⁻¹ + bˡ and BP1–BP4 with the "
                             "actual matrices and their shapes (a batch as columns).")(f)


def emit_matrix(spec, part, fmt, digits, decimals, lr=None, update_biases=None):
    """Print the matrix form of SPEC up to ``part`` ("forward", "backward", "update");
    ``lr`` (exact text) and ``update_biases`` override the spec's for the update."""
    from ..calculus.matrix import matrix_form
    net = load_spec(spec)
    if lr is not None or update_biases is not None:
        settings = net.settings()
        if lr is not None:
            settings["learning_rate"] = lr
        if update_biases is not None:
            settings["update_biases"] = update_biases
        if net.batched:
            inputs, targets = [list(x) for x in net.inputs], [list(t) for t in net.targets]
        else:
            inputs, targets = list(net.inputs), list(net.targets)
        net = type(net)(inputs, targets, net.layers, **settings)
    emit(matrix_form(net, part), fmt, digits, decimals)
