"""Module-level functions for `run_measured` tests (a spawned child must import them)."""

from __future__ import annotations

import time


def allocate_and_sum(megabytes: int) -> int:
    """Touch `megabytes` MiB so the child's peak RSS grows by at least that much."""
    block = bytearray(megabytes * 2**20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    return sum(block[::4096])


def fail() -> None:
    """Raise, to test that the error comes back to the parent."""
    raise ValueError("boom in child")


def sleep(seconds: float) -> str:
    """Sleep, to test the timeout."""
    time.sleep(seconds)
    return "woke"


def spin(seconds: float) -> int:
    """Keep a core busy until this process has used `seconds` more of CPU time."""
    end = time.process_time() + seconds
    turns = 0
    while time.process_time() < end:
        turns += 1
    return turns
