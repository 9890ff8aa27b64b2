"""The `newsingest` command: `demo` runs the service on an embedded moto AWS, `parse` parses files
with no AWS at all."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

PROGRESS_FROM_FILES = 5
"""Below this many files a run is quick enough to need no progress lines."""


def _parse(paths: Sequence[Path], *, with_entities: bool) -> int:
    from newsingest.errors import RejectedInput
    from newsingest.parsing import parse_article

    extract = None
    if with_entities:
        from newsingest.entities import extract_entities

        extract = extract_entities
    rejected = 0
    show_progress = len(paths) >= PROGRESS_FROM_FILES
    for number, path in enumerate(paths, start=1):
        if show_progress:
            print(f"[{number}/{len(paths)}] {path}", file=sys.stderr, flush=True)
        try:
            article = parse_article(path.read_bytes(), key=path.name)
            if extract is not None and article.language in ("en", None):
                article = article.model_copy(update={"entities": extract(article.text, title=article.title)})
        except RejectedInput as exc:
            rejected += 1
            print(json.dumps({"path": str(path), "rejected": {"reason": exc.reason, "message": exc.message}}))
            continue
        except OSError as exc:
            rejected += 1
            print(json.dumps({"path": str(path), "error": str(exc)}))
            continue
        print(article.model_dump_json())
    return 1 if rejected else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `newsingest` console script."""
    parser = argparse.ArgumentParser(prog="newsingest", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the whole pipeline on an embedded moto AWS and print the index")
    parse = commands.add_parser("parse", help="print parsed articles as JSON lines (no AWS)")
    parse.add_argument("paths", nargs="+", type=Path, help="article files: .txt, .html/.htm, .json")
    parse.add_argument("--no-entities", action="store_true", help="skip entity extraction (faster)")
    schemas = commands.add_parser("schemas", help="write the JSON Schemas of the contract models")
    schemas.add_argument("directory", type=Path, nargs="?", default=Path("schemas"))
    args = parser.parse_args(argv)

    if args.command == "demo":
        from newsingest.local.demo import run_demo

        return run_demo()
    if args.command == "schemas":
        from newsingest.schemas import write_schemas

        for written in write_schemas(args.directory):
            print(written)
        return 0
    return _parse(args.paths, with_entities=not args.no_entities)


if __name__ == "__main__":
    raise SystemExit(main())
