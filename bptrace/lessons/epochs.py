"""Epochs, batches and iterations: the arithmetic of a data loader, traced.

Provides ``plan(samples, batch_size, epochs, drop_last)`` → ``BatchPlan``: iterations per
epoch = ⌈samples / batch size⌉ (the last batch partial), or ⌊samples / batch size⌋ with
drop_last (the remainder skipped every epoch), and the total over the epochs — the
numbers ``len(DataLoader(...))`` gives.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import SpecError

MAX_COUNT = 10 ** 15     # samples, batch size or epochs


@dataclass(frozen=True)
class BatchPlan:
    samples: int
    batch_size: int
    epochs: int
    drop_last: bool

    @property
    def full_batches(self) -> int:
        return self.samples // self.batch_size

    @property
    def remainder(self) -> int:
        return self.samples % self.batch_size

    @property
    def per_epoch(self) -> int:
        return self.full_batches + (1 if self.remainder and not self.drop_last else 0)

    @property
    def total(self) -> int:
        return self.per_epoch * self.epochs

    @property
    def last_batch(self) -> int:
        """Size of the last batch of an epoch."""
        return self.remainder if self.remainder and not self.drop_last else self.batch_size

    def to_dict(self) -> dict:
        return {"kind": "batches", "samples": self.samples, "batch_size": self.batch_size,
                "epochs": self.epochs, "drop_last": self.drop_last,
                "full_batches": self.full_batches, "remainder": self.remainder,
                "iterations_per_epoch": self.per_epoch, "last_batch": self.last_batch,
                "dropped_per_epoch": self.remainder if self.drop_last else 0,
                "iterations": self.total}


def plan(samples: int, batch_size: int, epochs: int = 1, drop_last: bool = False) -> BatchPlan:
    for field, value, least in (("--samples", samples, 1), ("--batch-size", batch_size, 1),
                                ("--epochs", epochs, 0)):
        if not isinstance(value, int) or value < least:
            raise SpecError(field, f"must be an integer ≥ {least}, got {value!r}")
        if value > MAX_COUNT:
            raise SpecError(field, f"at most {MAX_COUNT:.0e} (torch's DataLoader counts in 64-bit integers)")
    return BatchPlan(samples, batch_size, epochs, drop_last)
