"""How long do all exact gradients take, against baselines measured in the same run?

    python benchmarks/bench_gradients.py

For each network: bptrace's exact gradients (delta recursion at 50 digits), the same code
in float64, and two baselines in float64: the torch mirror of ``bptrace check`` (tensors
built from the 50-digit values, forward, backward) and torch.autograd alone on prebuilt
tensors (ratios = bptrace / baseline); for
small networks also naive ``sympy.diff`` of the written-out loss, evaluated at the point
(the approach the delta recursion replaces). Times are the best of several runs.
"""
from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import sympy  # noqa: E402

from bptrace import numeric  # noqa: E402
from bptrace.calculus.derive import written_out  # noqa: E402
from conftest import random_network  # noqa: E402


def best(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def exact_gradients(sizes):
    # a fresh network each time: gradients are cached on the instance
    net = random_network(sizes, ["sigmoid"] * (len(sizes) - 1), [False] * (len(sizes) - 1))
    return lambda: random_network(sizes, ["sigmoid"] * (len(sizes) - 1),
                                  [False] * (len(sizes) - 1)).gradients(), net


def main():
    import torch
    from bptrace.oracle.check import torch_values
    rows = []
    for sizes in ([2, 2, 2], [2, 4, 4, 2], [8, 16, 16, 4], [32, 32, 32, 10]):
        fn, net = exact_gradients(sizes)
        build = best(lambda: random_network(sizes, ["sigmoid"] * (len(sizes) - 1),
                                            [False] * (len(sizes) - 1)))
        t_exact = max(best(fn) - build, 1e-9)
        layers = net._numeric_layers(math, float)
        ins, tgs = [float(v) for v in net.inputs], [float(v) for v in net.targets]
        t_float = best(lambda: numeric.run(ins, tgs, layers, net.loss, math))
        t_torch = best(lambda: torch_values(net))
        from bptrace.oracle.check import mirror_forward as _forward, mirror_parameters as _parameters
        params = _parameters(net, torch)

        def autograd_only():
            for w, b in params.values():
                w.grad = b.grad = None
            _forward(net, params, torch)[1].backward()
        t_autograd = best(autograd_only)
        naive = None
        if len(net.locations) <= 20:
            def sympy_diff():
                env = written_out(net)
                e = env[sympy.Symbol("E_total")]
                subs = {sympy.Symbol(k): sympy.Float(str(float(v)), 30) for k, v in net.values.items()
                        if not k.startswith(("net_", "out_", "E_", "delta_"))}
                return [sympy.diff(e, sympy.Symbol(p)).evalf(30, subs=subs) for p in net.locations]
            naive = best(sympy_diff, repeat=1)
        rows.append((sizes, len(net.locations), t_exact, t_float, t_torch, t_autograd, naive))
    print(f"{'network':>16} {'params':>6} {'exact(s)':>9} {'float64(s)':>10} {'mirror(s)':>9} "
          f"{'autograd(s)':>11} {'exact/mirror':>12} {'exact/autograd':>14} {'sympy.diff(s)':>13} "
          f"{'diff/exact':>10}")
    for sizes, n, te, tf, tt, ta, tn in rows:
        naive = f"{tn:13.3f} {tn / te:10.0f}" if tn else f"{'(skipped)':>13} {'':>10}"
        print(f"{'-'.join(map(str, sizes)):>16} {n:6d} {te:9.4f} {tf:10.5f} {tt:9.5f} {ta:11.5f} "
              f"{te / tt:12.1f} {te / ta:14.0f} {naive}")


if __name__ == "__main__":
    main()
