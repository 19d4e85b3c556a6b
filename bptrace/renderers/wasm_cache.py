"""The embedded Graphviz's compiled WebAssembly module, cached on disk per user.

Compiling ``graphviz.wasm`` with wasmtime takes about a second, in every process that
draws a picture; loading the compiled module wasmtime serialized takes milliseconds.
``module(engine, wasm_path)`` returns the compiled module, from the cache when it can be
trusted, else compiled afresh (and the cache rewritten, silently).

Trust: wasmtime runs a serialized module as machine code without checking it, so the
cache is never loaded blindly. Its file name carries the SHA-256 of the ``.wasm`` file
and wasmtime's version (a new Graphviz or wasmtime is a different file: a stale cache is
never found), and its contents start with a header and the SHA-256 of the serialized
module, recomputed before each load. A file that is short, truncated, altered or written
by something else is recompiled and replaced; a cache directory that cannot be written
only costs the compile. Files are written to a temporary name and renamed, so a reader
never sees half a file.

The directory: ``$BPTRACE_CACHE_DIR``, else ``$XDG_CACHE_HOME/bptrace``, else
``~/.cache/bptrace``.
"""
from __future__ import annotations

import hashlib
import os
import platform
import tempfile
from pathlib import Path

MAGIC = b"bptrace compiled graphviz.wasm v1\n"
_DIGEST = 32     # bytes of SHA-256


def cache_dir() -> Path:
    explicit = os.environ.get("BPTRACE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bptrace"


def _wasmtime_version() -> str:
    try:
        from importlib.metadata import version
        return version("wasmtime")
    except Exception:       # pragma: no cover - metadata missing: a version-less key
        return "unknown"


def cache_path(wasm_bytes: bytes) -> Path:
    """Where the module compiled from ``wasm_bytes`` is cached (by the wasm's hash)."""
    key = hashlib.sha256(wasm_bytes).hexdigest()[:32]
    return cache_dir() / (f"graphviz-{key}-wasmtime{_wasmtime_version()}-"
                          f"{platform.machine() or 'cpu'}.cwasm")


def _read_trusted(path: Path):
    """The serialized module in ``path`` if its header and hash check out, else None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(MAGIC) + _DIGEST
    if len(data) <= head or not data.startswith(MAGIC):
        return None
    digest, blob = data[len(MAGIC):head], data[head:]
    if hashlib.sha256(blob).digest() != digest:
        return None
    return blob


def _write(path: Path, blob: bytes) -> None:
    """Write the cache atomically; any failure (read-only home, full disk) is ignored."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(MAGIC + hashlib.sha256(blob).digest() + blob)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass


def module(engine, wasm_path):
    """The wasmtime ``Module`` for ``wasm_path`` on ``engine``: cached, or compiled and cached."""
    import wasmtime
    wasm = Path(wasm_path).read_bytes()
    path = cache_path(wasm)
    blob = _read_trusted(path)
    if blob is not None:
        try:
            return wasmtime.Module.deserialize(engine, blob)
        except Exception:       # made by an incompatible engine: recompile below
            pass
    compiled = wasmtime.Module(engine, wasm)
    _write(path, compiled.serialize())
    return compiled
