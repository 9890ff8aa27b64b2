"""Backfill's pacing, progress lines and checkpoint file, without AWS (the runs against moto are in
tests/integration/test_backfill.py)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from newsingest.ops.backfill import Checkpoint, Pacer, Progress, default_state_file, selected
from newsingest.ops.messages import StoredObject


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_pacer_keeps_the_average_rate_whatever_the_batch_size() -> None:
    # Given a pacer at 4 messages a second and a sender that takes no time
    time = FakeTime()
    pacer = Pacer(4, clock=time.clock, sleep=time.sleep)
    # When 40 messages go in batches of 4
    for _ in range(10):
        pacer.wait_for(4)
    # Then the last batch went 9 seconds after the first: 36 messages in 9 s before it, 4 a second
    assert time.now - 100.0 == pytest.approx(9.0)


def test_the_pacer_does_not_wait_when_sending_is_slower_than_the_rate() -> None:
    time = FakeTime()
    pacer = Pacer(100, clock=time.clock, sleep=time.sleep)
    for _ in range(5):
        pacer.wait_for(10)
        time.now += 1.0  # each batch of ten takes a second: 10 a second, below 100
    assert time.slept == []


def test_progress_gives_the_count_rate_and_eta_when_it_knows_the_total() -> None:
    time = FakeTime()
    out = io.StringIO()
    progress = Progress(out, total=1000, clock=time.clock, every=0)
    time.now += 10
    progress.add(100)
    assert out.getvalue().strip() == "backfill: 100/1,000 sent (10%), 10.0/s, ETA 1m30s"


def test_progress_says_there_is_no_eta_when_nothing_was_counted() -> None:
    time = FakeTime()
    out = io.StringIO()
    progress = Progress(out, total=None, clock=time.clock, every=0)
    time.now += 2
    progress.add(10)
    assert out.getvalue().strip() == "backfill: 10 sent, 5.0/s (not counted: no ETA)"


def test_a_checkpoint_survives_a_round_trip_and_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "state" / "cp.json"
    checkpoint = Checkpoint(
        run_id="backfill-x", bucket="b", prefix="incoming/", since=None, last_key="incoming/k", sent=3
    )
    checkpoint.save(path)
    assert Checkpoint.load(path) == checkpoint
    assert [p.name for p in path.parent.iterdir()] == ["cp.json"]  # no temporary file left behind


def test_each_selection_has_a_checkpoint_of_its_own() -> None:
    paths = {
        default_state_file("s", "b", "incoming/", None),
        default_state_file("s", "b", "incoming/2026/", None),
        default_state_file("s", "b", "incoming/", date(2026, 1, 1)),
        default_state_file("t", "b", "incoming/", None),
    }
    assert len(paths) == 4


def test_since_keeps_the_objects_written_on_or_after_that_day() -> None:
    def obj(key: str, day: int) -> StoredObject:
        return StoredObject(key, 1, None, None, datetime(2026, 1, day, 0, 0, tzinfo=UTC))

    objects = [obj("a", 1), obj("b", 2), obj("c", 3)]
    assert [o.key for o in selected(objects, date(2026, 1, 2))] == ["b", "c"]
    assert [o.key for o in selected(objects, None)] == ["a", "b", "c"]
