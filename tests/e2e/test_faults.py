"""The chaos run, scaled down (`local/chaos.py`; the full run is `bench/faults.py`): a seeded mix of
uploads, copies, overwrites, deletes of every kind, duplicate and late deliveries and poison
messages, with 10% of the functions' AWS calls failing (throttling, 500s, timeouts, lost
responses) and the functions killed at random step boundaries, ends with nothing lost, duplicated
or stale, exact entity totals (by the audit of the bucket's bytes and by `newsingest reconcile`),
and only the poison in the dead-letter queues."""

from __future__ import annotations

import gzip
import itertools
from pathlib import Path

import pytest

from newsingest.crashpoints import Boundary
from newsingest.local.chaos import Body, ChaosRun, ChaosSettings, Operation, histories, report_lines
from newsingest.settings import FaultKind

ARTICLES = Path(__file__).parents[1] / "fixtures" / "articles"


def fixture_bodies() -> list[Body]:
    """The article fixtures, and (derived, so that a few hundred operations find enough distinct
    texts) each plain-text fixture's title and paragraphs followed by another's paragraphs."""
    bodies = []
    texts: dict[str, list[str]] = {}
    for path in sorted(ARTICLES.iterdir()):
        if path.name == "README.md":
            continue
        if path.name.endswith(".html.gz"):
            bodies.append(
                Body(path.name.removesuffix(".html.gz"), gzip.decompress(path.read_bytes()), "text/html", ".html")
            )
        elif path.suffix == ".html":
            bodies.append(Body(path.stem, path.read_bytes(), "text/html", ".html"))
        else:
            bodies.append(Body(path.stem, path.read_bytes(), "text/plain", ".txt"))
            texts[path.stem] = path.read_text(encoding="utf-8").strip().splitlines()
    for (first, lines), (second, others) in itertools.permutations(texts.items(), 2):
        text = "\n".join([*lines, *others[1:]]) + "\n"
        bodies.append(Body(f"{first}+{second}", text.encode(), "text/plain", ".txt"))
    return bodies


@pytest.mark.slow
def test_under_injected_faults_and_kills_nothing_is_lost_duplicated_or_stale() -> None:
    # Given 10% of the functions' AWS calls failing, 2% of the step boundaries killing the function
    settings = ChaosSettings(operations=200, seed=7, fault_rate=0.1, crash_rate=0.02, ingest_timeout_seconds=30)
    run = ChaosRun(fixture_bodies(), settings, log=lambda line: None)
    # When the seeded operations run, the queues drain and the dead letters are redriven
    report = run.run()
    printed = "\n".join(report_lines(report) + histories(run, report.findings))
    # Then the index agrees with the bucket, and only the poison is left in the dead-letter queues
    found = report.findings
    assert (found.lost, found.duplicated, found.stale, found.totals_off) == (0, 0, 0, 0), printed
    assert report.reconcile == {"lost": 0, "duplicated": 0, "stale": 0, "orphaned": 0, "totals_off": 0}, printed
    assert report.dead_letters_left == 0 and report.poison_dead_lettered == report.poison_sent > 0, printed
    # (a run that did something: seed 7 has left 36 live objects once, more than 40 otherwise; the
    # mix drifts with the thread order of the indexer's pooled reads, docs/development.md)
    assert found.live_objects > 30 and found.live_articles > 20, printed
    # and the run did exercise every operation, every kind of fault, up to the functions' code, and kills
    assert all(report.operations[operation] > 0 for operation in Operation if operation != Operation.DELETE_CURRENT)
    assert all(report.faults.injected[kind] > 10 for kind in FaultKind), printed
    assert sum(report.faults.surfaced.values()) > 5, printed
    assert sum(report.crashes.values()) > 5, printed
    assert report.boundaries[Boundary.INDEX_SOURCE_REMOVED] > 0, printed
