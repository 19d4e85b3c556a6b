"""The same work with this checkout and with another one (the code before a change), in
turns: does a path keep its speed?

    python benchmarks/ab.py /path/to/other/checkout            # exact training, 300 rounds
    python benchmarks/ab.py /path/to/other/checkout --work gradients

Each turn runs a fresh process per checkout (the other one first on sys.path through
PYTHONPATH; this interpreter, so both have the same mpmath, gmpy2 and numpy), which
warms up, then reports the best CPU time of three runs of the work. Prints the medians
over the turns and their ratio (this / other).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

WORK = {
    "exact-training": ("net = bptrace.load('mazur'); net.train(20, exact=True)",
                       "net.train(300, exact=True)"),
    "float-training": ("net = bptrace.load('mazur'); net.train(20)", "net.train(10000)"),
    "gradients": ("import random\n"
                  "r = random.Random(0)\n"
                  "L = [bptrace.Layer(u, 'sigmoid', [[r.uniform(-.1, .1) for _ in range(f)] "
                  "for _ in range(u)], [r.uniform(-.1, .1) for _ in range(u)]) "
                  "for f, u in ((64, 32), (32, 10))]\n"
                  "x = [r.uniform(0, 1) for _ in range(64)]; t = [r.uniform(0, 1) for _ in range(10)]",
                  "bptrace.Network(x, t, L).gradients()"),
}

SNIPPET = """
import time, bptrace
{setup}
best = min((lambda c: (exec({work!r}), time.process_time() - c)[1])(time.process_time())
           for _ in range(3))
print(bptrace.__file__, best)
"""


def run(checkout, work: str) -> float:
    setup, body = WORK[work]
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout)
    code = SNIPPET.format(setup=setup, work=body)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd="/")
    where, seconds = out.stdout.split()
    expected = Path(checkout or HERE).resolve()
    assert Path(where).resolve().is_relative_to(expected), f"ran {where}, not {expected}"
    return float(seconds)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("other", help="The other checkout (its directory holds bptrace/).")
    ap.add_argument("--work", choices=sorted(WORK), default="exact-training")
    ap.add_argument("--turns", type=int, default=7)
    args = ap.parse_args()
    mine, theirs = [], []
    for n in range(args.turns):
        for who in ((None, mine), (args.other, theirs))[:: 1 if n % 2 else -1]:
            who[1].append(run(who[0], args.work))
    a, b = statistics.median(mine), statistics.median(theirs)
    print(f"{args.work}: this checkout {a * 1000:.1f} ms, {args.other} {b * 1000:.1f} ms "
          f"(CPU, median of {args.turns} turns); ratio {a / b:.2f}")


if __name__ == "__main__":
    main()
