"""Crash points: nothing happens at a boundary unless a hook is installed, and the crash a hook
raises escapes every `except Exception`, as a Lambda timeout would."""

from __future__ import annotations

import pytest

from newsingest import crashpoints
from newsingest.crashpoints import Boundary, CrashAtRandom, SimulatedCrash


def test_without_a_hook_reaching_a_boundary_does_nothing() -> None:
    for boundary in Boundary:
        crashpoints.reached(boundary)


def test_a_crash_is_not_caught_by_except_exception() -> None:
    def guarded() -> str:
        try:
            crashpoints.reached(Boundary.INGEST_STORED)
        except Exception:  # what the handlers, Powertools' batch processor and idempotency catch
            return "caught"
        return "went on"

    with crashpoints.installed(CrashAtRandom(1.0, seed=1)), pytest.raises(SimulatedCrash):
        guarded()
    assert guarded() == "went on"  # the hook is gone after the block


def test_random_crashes_are_seeded_counted_and_limited_to_the_boundaries_named() -> None:
    def crashes(seed: int) -> list[int]:
        hook = CrashAtRandom(0.3, seed=seed, boundaries=[Boundary.INDEX_POSTINGS])
        struck = []
        for number in range(200):
            for boundary in (Boundary.INDEX_POSTINGS, Boundary.INDEX_ARTICLE):
                try:
                    hook(boundary)
                except SimulatedCrash:
                    struck.append(number)
        assert hook.crashes == {Boundary.INDEX_POSTINGS: len(struck)}
        assert hook.reached[Boundary.INDEX_ARTICLE] == 200
        return struck

    assert crashes(7) == crashes(7) != crashes(8)
    assert 30 < len(crashes(7)) < 90
