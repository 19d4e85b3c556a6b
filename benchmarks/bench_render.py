"""Render times of the pictures: the embedded WebAssembly Graphviz (first call, which
compiles the module, and later calls) against the system ``dot`` program (one process per
picture). Run: python benchmarks/bench_render.py"""
import shutil
import statistics
import time

import bptrace
from bptrace.renderers.graphviz import render

net = bptrace.load("mazur")
sources = {kind: bptrace.to_dot(net, kind=kind, wrt="w1" if kind == "paths" else None,
                                backward=kind == "network")
           for kind in ("network", "paths", "compute")}


def timed(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


first = timed(lambda: render(sources["network"], engine="wasm"))
print(f"embedded, first call (compiles the WebAssembly module): {first * 1000:.0f} ms")
for kind, src in sources.items():
    wasm = [timed(lambda: render(src, engine="wasm")) for _ in range(20)]
    line = f"{kind:8s} embedded, later calls: median {statistics.median(wasm) * 1000:.2f} ms"
    if shutil.which("dot"):
        dot = [timed(lambda: render(src, engine="dot")) for _ in range(10)]
        line += f"; system dot (svg): median {statistics.median(dot) * 1000:.2f} ms"
    print(line)
