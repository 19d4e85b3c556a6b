"""matplotlib, loaded only by the commands that draw: ``pyplot()`` and ``save(fig, path)``.

``pyplot()`` selects the non-interactive Agg backend and raises ``SpecError`` (exit 2 at
the command line) with the install command when matplotlib is missing. ``save`` writes
deterministic files: no date or software stamp in PNG/PDF metadata, a fixed hash salt for
SVG ids, so the same input gives the same bytes.
"""
from __future__ import annotations

from pathlib import Path

from ..errors import SpecError

FORMATS = (".png", ".svg", ".pdf")


def pyplot():
    try:
        import matplotlib
    except ImportError:
        raise SpecError("-o", "plotting needs matplotlib: pip install 'bptrace[plot]' "
                              "(or pip install matplotlib)") from None
    matplotlib.use("Agg", force=True)
    matplotlib.rcParams["svg.hashsalt"] = "bptrace"
    import matplotlib.pyplot as plt
    return plt


def check_path(path: str) -> str:
    """The output file's suffix must be one matplotlib writes here."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise SpecError("-o", f"{path}: write .png, .svg or .pdf")
    return suffix


def save(fig, path: str) -> None:
    suffix = check_path(path)
    metadata = {".png": {"Software": None}, ".svg": {"Date": None, "Creator": None},
                ".pdf": {"CreationDate": None, "Creator": None, "Producer": None}}[suffix]
    import matplotlib.pyplot as plt
    try:
        fig.savefig(path, metadata=metadata, dpi=100)
    except OSError as e:
        raise SpecError("-o", f"{path}: {e.strerror or e}") from None
    finally:
        plt.close(fig)
