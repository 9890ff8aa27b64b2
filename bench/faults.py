"""The chaos run at full size on real pages: thousands of mixed operations while 10% of the functions'
AWS calls fail and the functions are killed at random step boundaries, then the audit.

    .venv/bin/python bench/faults.py --data ../shared/eval/wcxb-article-dev --operations 2000 --fault-rate 0.1 --seed 7

Uploads the evaluation set's HTML pages (each at most once as a new upload; overwrites and copies
reuse them) through the template's stack on a moto server in this process (`newsingest.local.chaos`),
drains the queues, redrives the dead letters as an operator would, and audits the index against the
bucket's current bytes analysed again here. Prints operations by kind, faults injected by kind
(attempts, and calls whose fault reached the functions' code after botocore's retries), kills by
step boundary, redrives, lost / duplicated / stale / entity totals off and the wall time. Exits 1
unless all four are 0 and only the poison messages are left in the dead-letter queues.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shlex
import sys
import time
from pathlib import Path

from newsingest.local.chaos import Body, ChaosRun, ChaosSettings, histories, report_lines

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "eval" / "wcxb-article-dev"


def load_pages(data: Path, limit: int | None) -> list[Body]:
    pages = sorted((data / "html").glob("*.html.gz"))[:limit]
    if not pages:
        sys.exit(f"no pages in {data / 'html'} (give --data the evaluation set's folder)")
    return [
        Body(page.name.removesuffix(".html.gz"), gzip.decompress(page.read_bytes()), "text/html", ".html")
        for page in pages
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the WCXB evaluation set's folder")
    parser.add_argument("--operations", type=int, default=2000, help="mixed operations to run (default 2000)")
    parser.add_argument("--fault-rate", type=float, default=0.1, help="share of the functions' calls that fail")
    parser.add_argument(
        "--persistence", type=float, default=0.5, help="chance that each retry of a failed attempt fails again"
    )
    parser.add_argument("--crash-rate", type=float, default=0.02, help="chance of a kill at each step boundary")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--limit", type=int, help="use only the first N pages")
    parser.add_argument(
        "--ingest-timeout", type=int, default=60, help="the ingest stand-in's Lambda timeout, seconds (template: 60)"
    )
    args = parser.parse_args()

    bodies = load_pages(args.data, args.limit)
    settings = ChaosSettings(
        operations=args.operations,
        seed=args.seed,
        fault_rate=args.fault_rate,
        fault_persistence=args.persistence,
        crash_rate=args.crash_rate,
        ingest_timeout_seconds=args.ingest_timeout,
    )
    print(f"$ {shlex.join(['bench/faults.py', *sys.argv[1:]])}", file=sys.stderr)
    print(f"{len(bodies)} pages of {args.data.name}; load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    started = time.perf_counter()
    run = ChaosRun(bodies, settings, log=lambda line: print(line, file=sys.stderr, flush=True))
    report = run.run()
    print("\n".join(report_lines(report)))
    print(f"\nPages: {len(bodies)} of {args.data.name}. Load average at the end: {os.getloadavg()[0]:.2f}.")
    for line in histories(run, report.findings):
        print(line, file=sys.stderr)
    print(f"(bench wall time {time.perf_counter() - started:.0f} s)", file=sys.stderr)
    return 0 if report.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
