"""Pausing Python's cyclic garbage collector around a bulk build of small objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """For passes that build tens of thousands of small objects (rows, plan items, decisions)
    that form no cycles and die when the pass ends. The cyclic collector would rescan them
    again and again while they are built and promote them into the oldest generation, whose
    full collections scan everything the process holds: a large share of an over-cap plan's
    time (numbers in the over_cap README). Reference
    counting still frees everything; collection resumes (if it was on) when the pass ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
