"""The catalogue of misconceptions marking can name, each with the fix a student reads.

Provides ``Misconception`` (``key``, ``number``, ``title``, ``fix``) and ``CATALOGUE`` (key →
entry, in the order of issue 14's list, then the extras). The perturbed derivations that
reproduce each mistake live beside the correct rules they perturb (``network_rules.py``,
``lesson_rules.py``); a rule names its misconception by ``key``.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Misconception:
    key: str
    number: int
    title: str
    fix: str


_ENTRIES = [
    ("no-act-derivative", "the activation's derivative (σ′) was left out",
     "δ = ∂E/∂out · f′(net): multiply by out·(1 − out) for a sigmoid (1 − out² for tanh)."),
    ("act-derivative-at-net", "σ′ was taken at net instead of out, or σ(net) used for σ′",
     "σ′(net) = out·(1 − out): put the neuron's out into it, not its net; and it is "
     "out·(1 − out), not out itself."),
    ("sign-flip", "the sign of −(target − out) was flipped",
     "∂E/∂out = −(target − out) = out − target: positive when the output is too large."),
    ("half-or-two", "the ½ or the 2 of the squared error was dropped",
     "d/d out of ½(target − out)² is −(target − out): the 2 from the square cancels the ½."),
    ("one-path", "only one path was summed for a hidden neuron",
     "a hidden neuron feeds every output: δ_h = (Σ_k δ_ok · w_kh) · f′(net_h), one term per path."),
    ("updated-weights", "the already-updated output weights were used for the hidden gradients",
     "every gradient of a round is taken at the old weights: use w5, not w5⁺, in δ_h."),
    ("mean-sum", "the mean was confused with the sum (over outputs or over a batch)",
     "check the loss's reduction: Σ ½(target − out)² sums over outputs, MSE and a batch mean "
     "divide by the count — in the loss and in its gradient alike."),
    ("learning-rate", "the learning rate's sign or factor is wrong",
     "gradient descent moves against the gradient: w⁺ = w − η · ∂E/∂w."),
    ("bias-as-input", "the bias's gradient was taken like a weight's, times an input",
     "∂net/∂b = 1: ∂E/∂b = δ (summed over the neurons that share the bias)."),
    ("eps-inside", "ε was put inside the square root instead of outside",
     "torch's Adam and RMSprop divide by √v̂ + ε: the root first, then add ε."),
    ("no-bias-correction", "Adam's bias correction was left out",
     "m̂_t = m_t / (1 − β₁ᵗ) and v̂_t = v_t / (1 − β₂ᵗ) before the step."),
    ("momentum-factor", "momentum with (or without) the (1 − β) factor the rule does not use",
     "torch's SGD momentum is v = μ·v + g (no 1 − μ); Adam's moments are "
     "m = β₁·m + (1 − β₁)·g: follow the convention the sheet states."),
    ("softmax-index", "the wrong class index in softmax/cross-entropy",
     "classes are numbered from 0 as in torch: l = −log p of the target class, and "
     "∂l/∂x_j = p_j − 1 only at the target class."),
    ("transposed-weights", "the weight indices were transposed (a wrong path)",
     "w_jk joins input k to neuron j: net_h1 uses the weights into h1, and δ_h1 the weights "
     "out of h1 (w5 and w7 in the classic numbering)."),
    ("shared-bias-one", "a shared bias's gradient took only one neuron's δ",
     "a bias shared by a layer reaches E through every neuron of it: ∂E/∂b = Σ_j δ_j."),
    ("wrong-input", "the gradient of a weight used the wrong input",
     "∂net_j/∂w_jk is the input the weight multiplies: i1 for w1, out_h1 for w5."),
]

CATALOGUE = {key: Misconception(key, n, title, fix)
             for n, (key, title, fix) in enumerate(_ENTRIES, start=1)}
