"""`newsingest reindex` without AWS: which articles a version floor selects, the objects that hold
them, what a dry run prints, what a run sends, and the command's help."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from newsingest.cli import main
from newsingest.ops.reindex import (
    IndexedObject,
    MadeArticle,
    RejectedObject,
    ScanResult,
    VersionFloor,
    plan_reindex,
    run_reindex,
)
from newsingest.provenance import Provenance, made_by, version_key
from newsingest.triggers import changes_in, parse_s3_message

OLD = made_by("0.1.0", "en_core_web_sm-3.8.0", "2026.12.0")
NEW = made_by("0.1.0", "en_core_web_sm-3.8.0", "2026.12.1")
NOT_ENGLISH = made_by("0.1.0", None, None)
WRITTEN = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def test_versions_compare_as_numbered_and_a_step_not_run_comes_first() -> None:
    assert version_key("0.10.0") > version_key("0.9.1")
    assert version_key("2027.1.0") > version_key("2026.12.0")
    assert version_key(None) < version_key("0.0.1")
    assert Provenance.parse(OLD) == Provenance("0.1.0", "en_core_web_sm-3.8.0", "2026.12.0")
    assert Provenance.parse(NOT_ENGLISH) == Provenance("0.1.0", None, None)


@pytest.mark.parametrize(
    ("floor", "made", "selected"),
    [
        (VersionFloor.of(Provenance.parse(NEW)), OLD, True),
        (VersionFloor.of(Provenance.parse(NEW)), NEW, False),
        (VersionFloor.of(Provenance.parse(OLD)), NEW, False),  # newer than wanted: left alone
        (VersionFloor.of(Provenance.parse(NEW)), NOT_ENGLISH, False),  # no entities to redo
        (VersionFloor.parse(["0.2.0"]), OLD, True),
        (VersionFloor.parse(["extractor=0.1.0"]), OLD, False),
        (VersionFloor.parse(["aliases=2026.12.1"]), OLD, True),
        (VersionFloor.parse(["model=en_core_web_sm-3.8.1"]), OLD, True),
        (VersionFloor.parse(["model=en_core_web_trf-3.8.0"]), OLD, True),  # another model
        (VersionFloor.parse(["model=en_core_web_sm-3.8.0"]), OLD, False),
    ],
)
def test_a_floor_selects_articles_with_any_version_older_than_it(
    floor: VersionFloor, made: str, selected: bool
) -> None:
    assert floor.selects(made) is selected


def test_an_unknown_version_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown version kind"):
        VersionFloor.parse(["alias=2027.1.0"])


def scan() -> ScanResult:
    return ScanResult(
        articles=[
            MadeArticle("a1", OLD, frozenset({"b/incoming/one.txt", "b/incoming/same-text.txt"})),
            MadeArticle("a2", OLD, frozenset({"b/incoming/feed.json#1"})),
            MadeArticle("a3", NEW, frozenset({"b/incoming/feed.json#0"})),
            MadeArticle("a4", OLD, frozenset({"b/incoming/gone.txt"})),
            MadeArticle("a5", NEW, frozenset({"b/incoming/new.txt"})),
        ],
        objects=[
            IndexedObject("b", "incoming/one.txt", WRITTEN),
            IndexedObject("b", "incoming/same-text.txt", WRITTEN),
            IndexedObject("b", "incoming/feed.json", WRITTEN, record_count=2),
            IndexedObject("b", "incoming/new.txt", WRITTEN),
        ],
    )


def test_the_plan_names_each_object_holding_a_selected_article_once() -> None:
    plan = plan_reindex(scan(), VersionFloor.of(Provenance.parse(NEW)))
    assert [obj.key for obj in plan.objects] == ["incoming/feed.json", "incoming/one.txt", "incoming/same-text.txt"]
    assert plan.selected == 3 and plan.by_made_by == {OLD: 3, NEW: 2}
    assert plan.unplaced == ["a4"]


@pytest.mark.parametrize(
    ("floor", "selected"),
    [
        (["extractor=0.2.0"], ["incoming/empty.txt", "incoming/unrecorded.txt"]),
        (["extractor=0.1.0"], ["incoming/unrecorded.txt"]),
        (["aliases=2027.1.0", "model=en_core_web_sm-3.9.0"], []),  # neither ran for a rejection
    ],
)
def test_rejections_an_older_extractor_made_are_re_processed(floor: list[str], selected: list[str]) -> None:
    scanned = ScanResult(
        articles=[],
        objects=[
            IndexedObject("b", "incoming/empty.txt", WRITTEN),
            IndexedObject("b", "incoming/unrecorded.txt", WRITTEN),
        ],
        rejections=[
            RejectedObject("b", "incoming/empty.txt", "0.1.0"),
            RejectedObject("b", "incoming/unrecorded.txt", None),  # recorded before versions were
            RejectedObject("b", "incoming/deleted-since.txt", None),  # no live object: nothing to read
        ],
    )
    plan = plan_reindex(scanned, VersionFloor.parse(floor))
    assert [obj.key for obj in plan.objects] == selected
    assert (plan.rejections, plan.selected_rejections) == (2, len(selected))
    out = io.StringIO()
    run_reindex(type("Index", (), {"scan": lambda self: scanned})(), None, floor=VersionFloor.parse(floor), out=out)
    assert f"{len(selected)} of 2 rejected object(s) rejected by an older extractor" in out.getvalue()


class Index:
    def scan(self) -> ScanResult:
        return scan()


class Sender:
    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send(self, bodies: list[str]) -> None:
        self.bodies.extend(bodies)


def test_a_dry_run_prints_the_counts_and_keys_and_sends_nothing() -> None:
    out = io.StringIO()
    result = run_reindex(Index(), None, floor=VersionFloor.of(Provenance.parse(NEW)), out=out, err=io.StringIO())
    shown = out.getvalue()
    assert result.sent == 0 and result.run_id is None
    assert f"{OLD}         3  yes" in shown and f"{NEW}         2  no" in shown
    assert "3 article(s) to re-process, from 3 object(s)" in shown and "s3://b/incoming/one.txt" in shown
    assert "1 selected article(s) are held by no object" in shown and "Dry run: nothing sent." in shown


def test_a_run_sends_each_object_as_a_replay_the_ingest_function_reads() -> None:
    sender, err = Sender(), io.StringIO()
    result = run_reindex(
        Index(), sender, floor=VersionFloor.of(Provenance.parse(NEW)), rate=1000, out=io.StringIO(), err=err
    )
    changes = [change for body in sender.bodies for change in changes_in(parse_s3_message(json.loads(body)))]
    assert result.sent == 3 and [change.source.key for change in changes] == [
        "incoming/feed.json",
        "incoming/one.txt",
        "incoming/same-text.txt",
    ]
    assert {change.replay for change in changes} == {f"newsingest-replay/{result.run_id}"}
    assert {change.event_time for change in changes} == {WRITTEN}  # an undated article keeps its day
    assert "reindex: 3/3 objects sent (100%)" in err.getvalue()


def test_the_help_says_what_it_does_and_how_to_use_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_status:
        main(["reindex", "--help"])
    shown = capsys.readouterr().out
    assert exit_status.value.code == 0
    for words in ("--older-than", "--dry-run", "--rate", "--endpoint-url", "alias-table change merges", "examples:"):
        assert words in shown
