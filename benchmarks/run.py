"""bptrace against plain loops written for the same work, measured side by side in one run.

    python benchmarks/run.py                 # the table (about five minutes on 2 cores)
    python benchmarks/run.py --json out.json # the same table as JSON too
    python benchmarks/run.py --repeats 3 --only train

Each row is one piece of work done by bptrace and by one or more references: a plain
Python float loop, a numpy loop, a torch loop, a hand-written mpmath loop, or a program
such as ``python -c "import sympy"``. The repeats are interleaved (every variant of every
row once, then again …) so that a load that comes and goes on a shared machine falls on
all of them alike; the table shows medians and the ratio bptrace / reference, which is
what the goals of issue 17 are stated in. Commands run as fresh processes, through the
``bptrace`` script next to this Python. Each variant's CPU time (user + system, its child
processes' included) is kept too; a goal stated in seconds is judged on it, because on a
shared machine the wall clock also counts the turns of other processes.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


# ----- the work ----------------------------------------------------------------------------
MAZUR = dict(i=(0.05, 0.10), t=(0.01, 0.99), w=(0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55),
             b=(0.35, 0.60), eta=0.5)


def plain_mazur(rounds):
    """The 2-2-2 in plain Python floats, as written by hand (biases fixed, as the spec says)."""
    exp = math.exp
    i1, i2 = MAZUR["i"]
    t1, t2 = MAZUR["t"]
    w1, w2, w3, w4, w5, w6, w7, w8 = MAZUR["w"]
    b1, b2 = MAZUR["b"]
    eta = MAZUR["eta"]
    losses = []
    for r in range(1, rounds + 1):
        h1 = 1 / (1 + exp(-(w1 * i1 + w2 * i2 + b1)))
        h2 = 1 / (1 + exp(-(w3 * i1 + w4 * i2 + b1)))
        o1 = 1 / (1 + exp(-(w5 * h1 + w6 * h2 + b2)))
        o2 = 1 / (1 + exp(-(w7 * h1 + w8 * h2 + b2)))
        d1 = (o1 - t1) * o1 * (1 - o1)
        d2 = (o2 - t2) * o2 * (1 - o2)
        e1 = (d1 * w5 + d2 * w7) * h1 * (1 - h1)
        e2 = (d1 * w6 + d2 * w8) * h2 * (1 - h2)
        w5 -= eta * d1 * h1
        w6 -= eta * d1 * h2
        w7 -= eta * d2 * h1
        w8 -= eta * d2 * h2
        w1 -= eta * e1 * i1
        w2 -= eta * e1 * i2
        w3 -= eta * e2 * i1
        w4 -= eta * e2 * i2
        if r % 1000 == 0:
            losses.append(0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2)
    return losses


def numpy_train(np, rounds):
    """The 2-2-2 as a numpy loop (biases fixed)."""
    x, t = np.array(MAZUR["i"]), np.array(MAZUR["t"])
    Ws = [np.array(MAZUR["w"][:4]).reshape(2, 2), np.array(MAZUR["w"][4:]).reshape(2, 2)]
    bs = [np.full(2, MAZUR["b"][0]), np.full(2, MAZUR["b"][1])]
    eta = MAZUR["eta"]
    losses = []
    for r in range(1, rounds + 1):
        outs = [x]
        for W, b in zip(Ws, bs):
            outs.append(1 / (1 + np.exp(-(W @ outs[-1] + b))))
        o = outs[-1]
        delta = (o - t) * o * (1 - o)
        for l in range(len(Ws) - 1, -1, -1):
            below = outs[l]
            gW = np.outer(delta, below)
            if l:
                delta = (Ws[l].T @ delta) * below * (1 - below)
            Ws[l] -= eta * gW
        if r % 1000 == 0:
            losses.append(float(0.5 * ((t - o) ** 2).sum()))
    return losses


def _random_lists(sizes, seed=0):
    r = random.Random(seed)
    Ws = [[[r.uniform(-1, 1) / math.sqrt(f) for _ in range(f)] for _ in range(u)]
          for f, u in zip(sizes, sizes[1:])]
    bs = [[r.uniform(-0.1, 0.1) for _ in range(u)] for u in sizes[1:]]
    x = [r.uniform(0, 1) for _ in range(sizes[0])]
    t = [r.uniform(0.1, 0.9) for _ in range(sizes[-1])]
    return x, t, Ws, bs


def _random_arrays(np, sizes, seed=0):
    x, t, Ws, bs = _random_lists(sizes, seed)
    return np.array(x), np.array(t), [np.array(W) for W in Ws], [np.array(b) for b in bs]


def numpy_wide(np, sizes, rounds):
    """The numpy loop for a wide net, biases per neuron updated (as bptrace's spec below)."""
    x, t, Ws, bs = _random_arrays(np, sizes)
    eta = 0.5
    losses = []
    for r in range(1, rounds + 1):
        outs = [x]
        for W, b in zip(Ws, bs):
            outs.append(1 / (1 + np.exp(-(W @ outs[-1] + b))))
        o = outs[-1]
        delta = (o - t) * o * (1 - o)
        for l in range(len(Ws) - 1, -1, -1):
            below = outs[l]
            gW, gb = np.outer(delta, below), delta
            if l:
                delta = (Ws[l].T @ delta) * below * (1 - below)
            Ws[l] -= eta * gW
            bs[l] -= eta * gb
        if r % max(1, rounds // 10) == 0:
            losses.append(float(0.5 * ((t - o) ** 2).sum()))
    return losses


def plain_wide(sizes, rounds):
    """The same in plain Python lists."""
    exp = math.exp
    x, t, Ws, bs = _random_lists(sizes)
    eta = 0.5
    for r in range(1, rounds + 1):
        outs = [x]
        for W, b in zip(Ws, bs):
            xin = outs[-1]
            outs.append([1 / (1 + exp(-(sum(w * v for w, v in zip(row, xin)) + bj)))
                         for row, bj in zip(W, b)])
        o = outs[-1]
        delta = [(oj - tj) * oj * (1 - oj) for oj, tj in zip(o, t)]
        for l in range(len(Ws) - 1, -1, -1):
            below, W = outs[l], Ws[l]
            new_delta = None
            if l:
                new_delta = [sum(d * W[j][k] for j, d in enumerate(delta)) * v * (1 - v)
                             for k, v in enumerate(below)]
            for j, d in enumerate(delta):
                row = W[j]
                for k, v in enumerate(below):
                    row[k] -= eta * d * v
                bs[l][j] -= eta * d
            delta = new_delta


def torch_train(torch, rounds):
    """The 2-2-2 as a torch loop: float64 tensors, autograd, a manual SGD step."""
    x = torch.tensor(MAZUR["i"], dtype=torch.float64)
    t = torch.tensor(MAZUR["t"], dtype=torch.float64)
    W1 = torch.tensor(MAZUR["w"][:4], dtype=torch.float64).reshape(2, 2).requires_grad_()
    W2 = torch.tensor(MAZUR["w"][4:], dtype=torch.float64).reshape(2, 2).requires_grad_()
    b1, b2 = MAZUR["b"]
    for _ in range(rounds):
        h = torch.sigmoid(W1 @ x + b1)
        o = torch.sigmoid(W2 @ h + b2)
        loss = 0.5 * ((t - o) ** 2).sum()
        W1.grad = W2.grad = None
        loss.backward()
        with torch.no_grad():
            W1 -= 0.5 * W1.grad
            W2 -= 0.5 * W2.grad
    return float(loss)


def wide_network(sizes):
    import bptrace
    x, t, Ws, bs = _random_lists(sizes)
    layers = [bptrace.Layer(len(W), "sigmoid", W, b) for W, b in zip(Ws, bs)]
    return bptrace.Network(x, t, layers, update_biases=True)


def mpmath_gradients(sizes, seed=0):
    """Exact (50-digit) gradients by hand: mpmath numbers read from the floats' decimals."""
    import mpmath
    mpmath.mp.dps = 50
    mpf = mpmath.mpf
    x, t, Ws, bs = _float_params(sizes, seed)
    x = [mpf(repr(v)) for v in x]
    t = [mpf(repr(v)) for v in t]
    Ws = [[[mpf(repr(v)) for v in row] for row in W] for W in Ws]
    bs = [[mpf(repr(v)) for v in b] for b in bs]
    outs = [x]
    for W, b in zip(Ws, bs):
        xin = outs[-1]
        outs.append([1 / (1 + mpmath.exp(-(sum(w * v for w, v in zip(row, xin)) + bj)))
                     for row, bj in zip(W, b)])
    o = outs[-1]
    delta = [(oj - tj) * oj * (1 - oj) for oj, tj in zip(o, t)]
    grads = []
    for l in range(len(Ws) - 1, -1, -1):
        below, W = outs[l], Ws[l]
        grads.append([[d * v for v in below] for d in delta])
        if l:
            delta = [sum(d * W[j][k] for j, d in enumerate(delta)) * v * (1 - v)
                     for k, v in enumerate(below)]
    return grads


def _float_params(sizes, seed=0):
    r = random.Random(seed)
    Ws = [[[r.uniform(-0.1, 0.1) for _ in range(f)] for _ in range(u)]
          for f, u in zip(sizes, sizes[1:])]
    bs = [[r.uniform(-0.1, 0.1) for _ in range(u)] for u in sizes[1:]]
    return [r.uniform(0, 1) for _ in range(sizes[0])], [r.uniform(0, 1) for _ in range(sizes[-1])], Ws, bs


def bptrace_gradients(sizes, seed=0):
    """Build the network from the same floats, then every exact gradient."""
    import bptrace
    x, t, Ws, bs = _float_params(sizes, seed)
    layers = [bptrace.Layer(len(W), "sigmoid", W, b) for W, b in zip(Ws, bs)]
    return bptrace.Network(x, t, layers).gradients()


def spec_file(sizes, path: Path, seed=0):
    """A TOML spec of a sigmoid net with short decimals, as a user writes one."""
    r = random.Random(seed)
    lines = [f'name = "{"-".join(map(str, sizes))}"', 'loss = "half_sse"', "learning_rate = 0.5",
             'naming = "mazur"',
             f"inputs = [{', '.join(f'{r.uniform(0, 1):.2f}' for _ in range(sizes[0]))}]",
             f"targets = [{', '.join(f'{r.uniform(0, 1):.2f}' for _ in range(sizes[-1]))}]"]
    for f, u in zip(sizes, sizes[1:]):
        rows = ",\n  ".join("[" + ", ".join(f"{r.uniform(-1, 1):.3f}" for _ in range(f)) + "]"
                            for _ in range(u))
        lines += ["", "[[layers]]", f"units = {u}", 'activation = "sigmoid"',
                  f"weights = [\n  {rows}]", f"bias = {r.uniform(-0.5, 0.5):.2f}"]
    path.write_text("\n".join(lines) + "\n")
    return path


# ----- measuring ---------------------------------------------------------------------------
def bptrace_command() -> list[str]:
    script = Path(sys.executable).with_name("bptrace")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from bptrace.cli import main; main()"]


def command(args, env=None, out=None):
    """A callable that runs ``args`` as a fresh process (output to ``out`` or discarded)."""
    def run():
        with open(out or os.devnull, "wb") as f:
            subprocess.run(args, stdout=f, stderr=subprocess.DEVNULL, check=True,
                           env={**os.environ, **(env or {})})
    run.command = " ".join(args)
    return run


class Row:
    """One piece of work: bptrace's variant, references, and the goal on their ratio."""

    def __init__(self, key, work, ours, references, goal=None, goal_text="", note=""):
        self.key, self.work, self.ours, self.references = key, work, ours, references
        self.goal, self.goal_text, self.note = goal, goal_text, note  # goal: (reference, max ratio)
        self.times = {name: [] for name in ["bptrace", *references]}
        self.cpu = {name: [] for name in ["bptrace", *references]}

    def variants(self):
        return [("bptrace", self.ours), *self.references.items()]


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (user + system)."""
    import resource
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``fn()`` (its child processes' CPU included)."""
    c, t = _cpu(), time.perf_counter()
    fn()
    return time.perf_counter() - t, _cpu() - c


def build_rows(tmp: Path, only):
    import numpy as np
    bp = bptrace_command()
    py = sys.executable
    rows = []

    def want(key):
        return not only or any(o in key for o in only)

    if want("train-classic"):
        import bptrace
        import torch
        net = bptrace.load("mazur")
        rows.append(Row(
            "train-classic", "10,000 float64 rounds of the classic 2-2-2, in process "
            "(`net.train(10000)`)",
            lambda: net.train(10000),
            {"plain Python floats": lambda: plain_mazur(10000),
             "numpy loop": lambda: numpy_train(np, 10000),
             "torch loop": lambda: torch_train(torch, 10000)},
            goal=("plain Python floats", 2.0), goal_text="≤ 2× plain Python"))
    if want("train-wide"):
        for sizes, rounds in (([16, 16, 16, 4], 1000), ([64, 64, 64, 10], 1000)):
            wide = wide_network(sizes)
            name = "-".join(map(str, sizes))
            rows.append(Row(
                f"train-wide-{name}", f"{rounds:,} float64 rounds of {name} (sigmoid, biases "
                "per neuron), in process",
                lambda wide=wide, rounds=rounds: wide.train(rounds),
                {"numpy loop": lambda sizes=sizes, rounds=rounds: numpy_wide(np, sizes, rounds),
                 "plain Python lists": lambda sizes=sizes, rounds=rounds: plain_wide(sizes, rounds)},
                goal=("numpy loop", 1.5), goal_text="≤ 1.5× numpy"))
    if want("train-exact"):
        import bptrace
        net = bptrace.load("mazur")
        rows.append(Row(
            "train-exact", "200 exact (50-digit) rounds of the classic 2-2-2, in process",
            lambda: net.train(200, exact=True),
            {"same at float64 (plain path's work, for scale)": lambda: net.train(200)},
            note="the goal (keep its speed) is a comparison with the code before; see README"))
    if want("train-cli"):
        rows.append(Row(
            "train-cli", "`bptrace train mazur --steps 10000`",
            command(bp + ["train", "mazur", "--steps", "10000"]),
            {'python -c "import sympy"': command([py, "-c", "import sympy"])}))
    if want("gradients"):
        sizes = [784, 128, 64, 10]
        rows.append(Row(
            "gradients", "exact (50-digit) gradients of every parameter of 784-128-64-10 "
            "(109,386), build from floats + `gradients()`",
            lambda: bptrace_gradients(sizes),
            {"hand-written mpmath loop (its own conversion)": lambda: mpmath_gradients(sizes)},
            goal=("absolute", 0.6), goal_text="≤ 0.6 s"))
    if want("derive-all"):
        spec = spec_file([32, 32, 32, 10], tmp / "net-32-32-32-10.toml")
        rows.append(Row("derive-all-text", "`derive --all` of 32-32-32-10 (2,442 parameters), text",
                        command(bp + ["derive", str(spec), "--all"], out=tmp / "all.txt"), {},
                        goal=("absolute", 2.0), goal_text="≤ 2 s"))
        rows.append(Row("derive-all-json", "`derive --all --format json`, 32-32-32-10",
                        command(bp + ["derive", str(spec), "--all", "--format", "json"],
                                out=tmp / "all.json"), {},
                        goal=("absolute", 2.0), goal_text="≤ 2 s"))
        rows.append(Row("derive-all-compact", "`derive --all --format json --json-compact`, "
                        "32-32-32-10",
                        command(bp + ["derive", str(spec), "--all", "--format", "json",
                                      "--json-compact"], out=tmp / "compact.json"), {},
                        goal=("absolute", 2.0), goal_text="≤ 2 s, < 5 MB"))
    if want("graph"):
        cold = tmp / "cold-cache"
        rows.append(Row(
            "graph", "`graph mazur -o x.svg` (module cache warm)",
            command(bp + ["graph", "mazur", "-o", str(tmp / "x.svg")]),
            {"`derive mazur --wrt w1`": command(bp + ["derive", "mazur", "--wrt", "w1"])},
            goal=("`derive mazur --wrt w1`", 1.3), goal_text="≤ 1.3× derive"))
        rows.append(Row(
            "graph-cold", "`graph mazur -o x.svg` with an empty module cache (compiles)",
            lambda: (_empty(cold), command(bp + ["graph", "mazur", "-o", str(tmp / "y.svg")],
                                           env={"BPTRACE_CACHE_DIR": str(cold)})()),
            {"`derive mazur --wrt w1`": command(bp + ["derive", "mazur", "--wrt", "w1"])}))
    if want("derive-one"):
        rows.append(Row(
            "derive-one", "`derive mazur --wrt w1`",
            command(bp + ["derive", "mazur", "--wrt", "w1"]),
            {'python -c "import sympy"': command([py, "-c", "import sympy"])},
            goal=('python -c "import sympy"', 1.3), goal_text="≤ 1.3× import sympy"))
    if want("help"):
        rows.append(Row(
            "help", "`bptrace --help`", command(bp + ["--help"]),
            {'python -c "import click"': command([py, "-c", "import click"])},
            goal=('python -c "import click"', 1.3), goal_text="≤ 1.3× import click"))
    return rows


def _empty(path: Path):
    if path.exists():
        for f in path.iterdir():
            f.unlink()


def measure(rows, repeats: int, progress=print):
    for n in range(repeats):
        for row in rows:
            variants = row.variants()
            if n % 2:      # alternate which variant goes first
                variants = variants[::-1]
            for name, fn in variants:
                wall, cpu = timed(fn)
                row.times[name].append(wall)
                row.cpu[name].append(cpu)
        progress(f"  repeat {n + 1}/{repeats} done")


def table(rows, tmp: Path) -> list[dict]:
    out = []
    for row in rows:
        ours = statistics.median(row.times["bptrace"])
        ours_cpu = statistics.median(row.cpu["bptrace"])
        entry = {"key": row.key, "work": row.work, "bptrace_s": ours, "bptrace_cpu_s": ours_cpu,
                 "bptrace_runs_s": row.times["bptrace"], "references": [], "goal": row.goal_text,
                 "met": None, "note": row.note}
        for name in row.references:
            theirs = statistics.median(row.times[name])
            entry["references"].append({"name": name, "median_s": theirs, "ratio": ours / theirs,
                                        "cpu_s": statistics.median(row.cpu[name]),
                                        "runs_s": row.times[name]})
        if row.goal:
            ref, limit = row.goal
            # an absolute goal is judged on CPU time: on a shared machine the wall clock
            # also counts the other processes' turns (both are in the table)
            value = ours_cpu if ref == "absolute" else next(
                r["ratio"] for r in entry["references"] if r["name"] == ref)
            entry["met"] = value <= limit
        sizes = {"derive-all-json": "all.json", "derive-all-compact": "compact.json",
                 "derive-all-text": "all.txt"}
        if row.key in sizes and (tmp / sizes[row.key]).exists():
            entry["output_bytes"] = (tmp / sizes[row.key]).stat().st_size
            if row.key == "derive-all-compact":
                entry["met"] = entry["met"] and entry["output_bytes"] < 5_000_000
        out.append(entry)
    return out


def render(entries) -> str:
    lines = ["| work | bptrace: wall (CPU) | reference | reference: wall | ratio | goal | met |",
             "|---|---|---|---|---|---|---|"]
    for e in entries:
        size = f", {e['output_bytes'] / 1e6:.1f} MB" if "output_bytes" in e else ""
        met = {True: "yes", False: "**no**", None: ""}[e["met"]]
        refs = e["references"] or [None]
        for i, r in enumerate(refs):
            first = i == 0
            lines.append("| " + " | ".join([
                e["work"] if first else "″",
                f"{e['bptrace_s'] * 1000:.0f} ms ({e['bptrace_cpu_s'] * 1000:.0f} ms){size}"
                if first else "",
                r["name"] if r else "—",
                f"{r['median_s'] * 1000:.0f} ms" if r else "",
                f"{r['ratio']:.2f}×" if r else "",
                e["goal"] if first else "",
                met if first else ""]) + " |")
    return "\n".join(lines)


def machine() -> str:
    try:
        load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        load = "?"
    return (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average at the end {load}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="Interleaved repeats (median of these).")
    ap.add_argument("--json", metavar="FILE", help="Also write the table as JSON.")
    ap.add_argument("--only", action="append", default=[], help="Rows whose key contains this "
                    "(repeatable): train, gradients, derive, graph, help.")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = build_rows(tmp, args.only)
        for row in rows:          # a first run each: caches warm, output files written
            for _, fn in row.variants():
                fn()
        measure(rows, args.repeats, progress=lambda s: print(s, file=sys.stderr))
        entries = table(rows, tmp)
    text = render(entries)
    print(text)
    print(f"\n{args.repeats} interleaved repeats, medians; {machine()}.")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "repeats": args.repeats,
                                               "rows": entries}, indent=2) + "\n")


if __name__ == "__main__":
    main()
