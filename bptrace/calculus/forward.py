"""The forward pass, shown: each neuron's net and out, each output's error, E_total.

Provides ``forward(net)`` → ``ForwardTrace`` (a batch: ``BatchForwardTrace``, each
sample's forward pass and then the reduction). The numbers are the network's own
(``net.values``); the trace adds the formula of every step.
"""
from __future__ import annotations

import sympy

from .trace import BatchForwardTrace, ForwardTrace, Step

S = sympy.Symbol


def forward(net):
    """``net``'s forward pass as steps ``symbol = formula = value``."""
    if net.batched:
        formula = net.reduction_formula([S(n.loss_name) for n in net.sample_networks])
        total = Step(S(net.loss_name), formula, net.loss_value)
        return BatchForwardTrace(net.name, tuple(forward(n) for n in net.sample_networks),
                                 total, net.reduction, net.values)
    vals = net.values
    steps = []
    for l, names in enumerate(net.names.neurons):
        for j, n in enumerate(names):
            steps.append(Step(S(f"net_{n}"), net.net_formula(l, j), vals[f"net_{n}"]))
            steps.append(Step(S(f"out_{n}"), net.out_formula(l, j), vals[f"out_{n}"]))
            if net.has_dropout(l):
                steps.append(Step(S(f"d_{n}"), net.dropout_formula(l, j), vals[f"d_{n}"]))
    for o, term in zip(net.outputs, net.loss_terms()):
        steps.append(Step(S(f"E_{o}"), term, vals[f"E_{o}"]))
    steps.append(Step(S(net.loss_name), net.loss_total(), vals[net.loss_name]))
    return ForwardTrace(net.name, tuple(steps), vals, net.loss, net=net)
