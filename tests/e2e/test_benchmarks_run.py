"""The benchmarks still run against the code they measure (they are scripts no other test imports,
so an interface change would otherwise break them silently): each on a few fixture pages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PAGES = sorted((ROOT / "tests" / "fixtures" / "articles").glob("wcxb-*.html.gz"))


@pytest.fixture
def eval_pages(tmp_path: Path) -> Path:
    """A data folder laid out as the eval set's, holding the fixture pages."""
    (tmp_path / "html").mkdir()
    for page in PAGES:
        shutil.copy(page, tmp_path / "html" / page.name)
    return tmp_path


@pytest.mark.slow
def test_the_ingest_cpu_bench_prints_both_ratios(eval_pages: Path) -> None:
    printed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "ingest.py"), "--data", str(eval_pages), "--passes", "1", "--batch", "2"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    assert f"Pages: {len(PAGES)} of " in printed
    assert "**Ratio newsingest / baseline, per page:" in printed
    assert "**Ratio newsingest / baseline, batches of 2:" in printed


@pytest.mark.slow
def test_the_fault_bench_prints_its_tables_and_a_clean_audit(eval_pages: Path) -> None:
    finished = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "faults.py"),
            "--data",
            str(eval_pages),
            "--operations",
            "25",
            "--ingest-timeout",
            "30",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr[-3000:]
    assert "| fault | injected (attempts) |" in finished.stdout
    assert "| lost | 0 |" in finished.stdout and "| entity totals off | 0 |" in finished.stdout


@pytest.mark.slow
def test_the_dedup_bench_prints_precision_recall_and_costs(eval_pages: Path) -> None:
    printed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "dedup.py"), "--data", str(eval_pages), "--keep", "0.7,1.0"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    assert f"| distinct pages ({len(PAGES)}) |" in printed
    assert "Precision: 1.0000 at the least" in printed
    assert "Recall on variants keeping >= 70% of the text: 1.000" in printed
    assert "| story write units (band and member items), every article |" in printed
