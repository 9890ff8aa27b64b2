"""The `newsingest` command: `demo` runs the service on an embedded moto AWS, `parse` parses files
with no AWS at all, `query` asks a deployed stack (or any endpoint), `explore` opens the web explorer
on one, `local up` runs a local stack; `backfill`, `dlq`, `reconcile` and `reindex` are the operator's tools
(docs/operations.md)."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from newsingest.api_models import API_PREFIX
from newsingest.models import EntityType

if TYPE_CHECKING:
    from newsingest.ingest import FetchedObject, IngestEvent, IngestService
    from newsingest.models import SourceRef

TIMELINE_BAR_WIDTH = 40
"""Characters of the busiest interval's bar in `query timeline`."""

PROGRESS_FROM_FILES = 5
"""Below this many files a run is quick enough to need no progress lines."""


def _parse(paths: Sequence[Path], *, with_entities: bool) -> int:
    from newsingest.errors import RejectedInput
    from newsingest.ingest import FetchedObject
    from newsingest.models import SourceRef
    from newsingest.parsing import parse_articles

    service = _local_ingest_service()
    rejected = 0
    show_progress = len(paths) >= PROGRESS_FROM_FILES
    for number, path in enumerate(paths, start=1):
        if show_progress:
            print(f"[{number}/{len(paths)}] {path}", file=sys.stderr, flush=True)
        try:
            data = path.read_bytes()
            source = SourceRef(key=path.name)
            if with_entities:  # the ingest function's own analysis, so local and deployed output agree
                articles = service.analyse(FetchedObject(data, None, None, None, None), source)
            else:
                articles = parse_articles(data, key=path.name, source=source)
        except RejectedInput as exc:
            rejected += 1
            print(json.dumps({"path": str(path), "rejected": {"reason": exc.reason, "message": exc.message}}))
            continue
        except OSError as exc:
            rejected += 1
            print(json.dumps({"path": str(path), "error": str(exc)}))
            continue
        for article in articles:  # one per record of a JSON list or NDJSON file
            print(article.model_dump_json())
    return 1 if rejected else 0


class _NoStorage:
    """`newsingest parse` neither reads S3 nor stores nor publishes: only `analyse` runs."""

    def fetch(self, source: SourceRef, *, max_bytes: int) -> FetchedObject:
        raise NotImplementedError("newsingest parse reads files, not S3")

    def put_lines(self, bucket: str, key: str, body: bytes) -> None:
        raise NotImplementedError("newsingest parse stores nothing")

    def publish(self, events: Sequence[IngestEvent]) -> None:
        raise NotImplementedError("newsingest parse publishes nothing")


def _local_ingest_service() -> IngestService:
    """The ingest function's service as the handler wires it (default limits), without AWS."""
    from newsingest.ingest import IngestService

    return IngestService.wired(store=_NoStorage(), publisher=_NoStorage(), parsed_bucket="")


def _table(rows: list[list[str]], headers: list[str]) -> str:
    """A plain fixed-width table for people."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip()
        for row in [headers, ["-" * width for width in widths], *rows]
    ]
    return "\n".join(lines)


def _shorten(text: str | None, width: int = 70) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _pages(client: Any, path: str, params: dict[str, Any], *, follow: bool) -> Iterator[dict[str, Any]]:
    cursor = None
    while True:
        page = client.get(path, **params, cursor=cursor)
        yield page
        cursor = page.get("cursor")
        if not follow or not cursor:
            return


def _query(args: argparse.Namespace) -> int:
    from newsingest.adapters.api_client import ApiError, QueryClient, stack_api_url

    try:
        base_url = args.endpoint_url or stack_api_url(args.stack, args.region)
        client = QueryClient(base_url, region=args.region)
        window = {"from": args.since, "to": args.until} if hasattr(args, "since") else {}
        v = API_PREFIX
        if args.what == "article":
            result: Any = client.get(f"{v}/articles/{quote(args.article_id, safe='')}")
            text = _describe_article(result)
        elif args.what == "parsed":
            result = client.get(f"{v}/articles/{quote(args.article_id, safe='')}/parsed")
            text = _describe_parsed(result)
        elif args.what == "story":
            result = client.get(f"{v}/stories/{quote(args.story_id, safe='')}")
            text = _describe_story(result)
        elif args.what == "day":
            pages = list(_pages(client, f"{v}/articles", {"day": args.day, "limit": args.limit}, follow=args.all))
            result = [item for page in pages for item in page["items"]]
            rows = [[item["time"], item["id"], _shorten(item.get("title"))] for item in result]
            text = _table(rows, ["time (UTC)", "article", "title"])
        elif args.what == "entities":
            params = {"q": args.text, "type": args.type, "limit": args.limit}
            pages = list(_pages(client, f"{v}/entities", params, follow=args.all))
            result = [item for page in pages for item in page["items"]]
            rows = [[e["id"], e["name"], e["type"], str(e["article_count"]), e["matched"]] for e in result]
            text = _table(rows, ["id", "name", "type", "articles", "matched"])
        elif args.what == "entity":
            result = client.get(f"{v}/entities/{quote(args.entity_id, safe='')}", **window)
            text = (
                f"{result['name']} ({result['id']}, {result['type']}): {result['article_count']} article(s) "
                f"in {result['story_count']} stor{'y' if result['story_count'] == 1 else 'ies'}, "
                f"{result['mention_count']} mention(s), "
                f"first seen {result['first_seen']}, last seen {result['last_seen']}\n"
                f"Seen most often with (in its {result['companion_window_articles']} most recent articles "
                "in the window):\n"
                + _table(
                    [[c["id"], c.get("name") or "", str(c["shared_articles"])] for c in result["companions"]],
                    ["id", "name", "shared articles"],
                )
            )
        elif args.what == "timeline":
            params = {**window, "interval": args.interval}
            result = client.get(f"{v}/entities/{quote(args.entity_id, safe='')}/timeline", **params)
            peak = max((point["count"] for point in result["points"]), default=0) or 1
            rows = [
                [point["start"], str(point["count"]), "#" * round(TIMELINE_BAR_WIDTH * point["count"] / peak)]
                for point in result["points"]
            ]
            text = _table(rows, [args.interval, "articles", ""]) + f"\n{result['total']} article(s) in all"
        elif args.what == "articles":
            params = {**window, "order": args.order, "limit": args.limit}
            if args.collapse:
                params["collapse"] = "story"
            path = f"{v}/entities/{quote(args.entity_id, safe='')}/articles"
            pages = list(_pages(client, path, params, follow=args.all))
            result = [item for page in pages for item in page["items"]]
            rows = [
                [item["time"], item["article_id"], str(item["mention_count"]), _shorten(item.get("title"))]
                + ([str(item.get("copy_count") or 1)] if args.collapse else [])
                for item in result
            ]
            text = _table(rows, ["time (UTC)", "article", "mentions", "title"] + (["copies"] if args.collapse else []))
        else:
            params = {**window, "limit": args.limit}
            path = f"{v}/entities/{quote(args.entity_id, safe='')}/quotes"
            pages = list(_pages(client, path, params, follow=args.all))
            result = [item for page in pages for item in page["items"]]
            rows = [[item["time"], item["article_id"], _shorten(text, 90)] for item in result for text in item["texts"]]
            text = _table(rows, ["time (UTC)", "article", "quote"])
    except ApiError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else text)
    return 0


def _explore(args: argparse.Namespace, stop_requested: threading.Event | None = None) -> int:
    """Serve the explorer on 127.0.0.1, its API calls signed with the user's AWS credentials."""
    from newsingest.adapters.api_client import ApiError, QueryClient, stack_api_url
    from newsingest.explorer.server import serve_explorer

    try:
        base_url = args.endpoint_url or stack_api_url(args.stack, args.region)
    except ApiError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    client = QueryClient(base_url, region=args.region)
    if not client.signs:
        print(
            "warning: no AWS credentials found, so API calls go unsigned and an IAM-authorised API refuses them",
            file=sys.stderr,
        )
    try:
        server = serve_explorer(client, port=args.port)
    except OSError as error:
        print(f"error: cannot listen on 127.0.0.1:{args.port}: {error.strerror} (try --port 0)", file=sys.stderr)
        return 2
    print(
        f"newsingest explorer: {server.url}\n"
        f"  API: {base_url} (each call signed with your AWS credentials; listening on 127.0.0.1 only)\n"
        f"Ctrl-C stops it.",
        flush=True,
    )
    waiter = stop_requested or threading.Event()
    try:
        while not waiter.wait(1.0):
            pass
    except KeyboardInterrupt:
        print("\nStopping.", flush=True)
    finally:
        server.shutdown()
        server.server_close()
    return 0


def _describe_article(article: dict[str, Any]) -> str:
    lines = [
        f"{article.get('title') or '(untitled)'}",
        f"  id {article['id']}  published {article.get('published_at') or '?'}  language "
        f"{article.get('language') or '?'}  {article['word_count']} words",
        f"  {article.get('url') or ''}".rstrip(),
        "Entities:",
        _table(
            [[e["id"], e["name"], str(e["mention_count"]), f"{e['salience']:.2f}"] for e in article["entities"]],
            ["id", "name", "mentions", "salience"],
        ),
    ]
    story = article.get("story")
    if story:
        lines.append(
            f"Story {story['id']}: {story['copy_count']} cop{'y' if story['copy_count'] == 1 else 'ies'}"
            + (
                ", this one canonical (the earliest published)"
                if story["is_canonical"]
                else f", canonical {story['canonical_id']}"
            )
            + (f" (newsingest query story {story['id']})" if story["copy_count"] > 1 else "")
        )
    if article.get("quoted"):
        names = {entity["id"]: entity["name"] for entity in article["entities"]}
        lines.append(
            f"Quoted ({article.get('quote_count') or 0} quotations): "
            + ", ".join(names.get(speaker, speaker) for speaker in article["quoted"])
        )
    return "\n".join(line for line in lines if line)


def _describe_story(story: dict[str, Any]) -> str:
    """The copies earliest first, the canonical one marked, each with where it came from."""
    rows = [
        [
            copy["time"],
            copy["id"] + (" *" if copy["id"] == story["canonical_id"] else ""),
            _shorten(copy.get("title"), 50),
            ", ".join(copy["sources"]),
        ]
        for copy in story["copies"]
    ]
    return (
        f"Story {story['id']}: {story['copy_count']} cop{'y' if story['copy_count'] == 1 else 'ies'} published "
        f"from {story['first_time']} to {story['last_time']} (* the canonical copy: the earliest published)\n"
        + _table(rows, ["time (UTC)", "article", "title", "sources"])
    )


def _describe_parsed(article: dict[str, Any]) -> str:
    """Metadata first, then the whole text: what a reader needs to judge the extraction."""
    source = article["source"]
    where = f"s3://{source['bucket']}/{source['key']}" if source.get("bucket") else source["key"]
    if source.get("record") is not None:
        where += f" (record {source['record']})"
    byline = ", ".join(article.get("authors") or [])
    lines = [
        f"{article.get('title') or '(untitled)'}",
        f"  id {article['id']}  published {article.get('published_at') or '?'}  language "
        f"{article.get('language') or '?'}  {article['word_count']} words  format {article['format']}",
        f"  modified {article['modified_at']}" if article.get("modified_at") else "",
        f"  by {byline}" if byline else "",
        f"  site {article['site_name']}" if article.get("site_name") else "",
        f"  {article.get('url') or ''}".rstrip(),
        f"  source {where}",
        f"  {len(article.get('entities') or [])} entities, {len(article.get('quotes') or [])} quotes "
        f"(--json for them and the rest)",
    ]
    return "\n".join(line for line in lines if line.strip()) + f"\n\n{article['text']}"


def _add_query_commands(commands: Any) -> None:
    query = commands.add_parser("query", help="ask a deployed stack (or any endpoint) what the index knows")
    target = query.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", help="a deployed stack's name: its ApiUrl output is used")
    target.add_argument("--endpoint-url", help="the API's base URL, e.g. from `newsingest local up`")
    query.add_argument("--region", help="AWS region (default: your AWS configuration's)")
    query.add_argument("--json", action="store_true", help="print JSON for scripts instead of tables")
    what = query.add_subparsers(dest="what", required=True)
    article = what.add_parser("article", help="one article with its entities and quotes")
    article.add_argument("article_id")
    parsed = what.add_parser("parsed", help="one article's parsed copy: metadata and full text")
    parsed.add_argument("article_id")
    day = what.add_parser("day", help="articles published on a day (UTC)")
    day.add_argument("day", help="YYYY-MM-DD")
    entities = what.add_parser(
        "entities",
        help="look up entities: any word of any name or alias starting with TEXT, most mentioned first",
        description="Matches the start of any word of an entity's name, its aliases (US, U.S. for the United "
        "States) and the forms articles used (President Putin); several words match in order. Case, accents "
        "and punctuation do not matter: martinez finds Martínez-Beltrán, oneill finds O'Neill.",
    )
    entities.add_argument("text", help="e.g. putin, 'vladimir pu', nato, u.s.")
    entities.add_argument("--type", choices=[t.value for t in EntityType])
    entity = what.add_parser("entity", help="an entity's totals and who appears alongside it")
    entity.add_argument("entity_id", help="e.g. person:vladimir-putin")
    timeline = what.add_parser("timeline", help="articles mentioning an entity per day or week")
    timeline.add_argument("entity_id")
    timeline.add_argument("--interval", choices=["day", "week"], default="day")
    story = what.add_parser(
        "story", help="a story: the near-duplicate copies of one article, their sources and when they appeared"
    )
    story.add_argument("story_id", help="a story id, as `query article` shows it (32 hex characters)")
    articles = what.add_parser("articles", help="articles mentioning an entity")
    articles.add_argument("entity_id")
    articles.add_argument("--order", choices=["newest", "oldest"], default="newest")
    articles.add_argument(
        "--collapse",
        action="store_true",
        help="one row per story: copies of one article (syndication) shown once, with how many there are",
    )
    quotes = what.add_parser("quotes", help="what an entity said")
    quotes.add_argument("entity_id")
    for sub in (day, entities, articles, quotes):
        sub.add_argument("--limit", type=int, default=20, help="items per page (1-100)")
    for sub in (day, entities, articles, quotes):
        sub.add_argument("--all", action="store_true", help="follow the cursor to the last page")
    for sub in (entity, timeline, articles, quotes):
        sub.add_argument("--from", dest="since", help="first day included, YYYY-MM-DD")
        sub.add_argument("--to", dest="until", help="last day included, YYYY-MM-DD")


def _add_explore_command(commands: Any) -> None:
    explore = commands.add_parser(
        "explore", help="the web explorer on 127.0.0.1 for a deployed stack (or any endpoint), calls signed for you"
    )
    target = explore.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", help="a deployed stack's name: its ApiUrl output is used")
    target.add_argument("--endpoint-url", help="the API's base URL")
    explore.add_argument("--region", help="AWS region (default: your AWS configuration's)")
    explore.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free port)")


def _add_operator_commands(commands: Any) -> None:
    """backfill, dlq, reconcile, reindex: each module registers its own parser (`newsingest.ops`)."""
    from newsingest.ops import backfill, dlq, reconcile, reindex

    for tool in (backfill, dlq, reconcile, reindex):
        tool.add_parser(commands)


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
    _add_query_commands(commands)
    _add_explore_command(commands)
    _add_operator_commands(commands)
    local = commands.add_parser("local", help="a local stack on 127.0.0.1")
    local_commands = local.add_subparsers(dest="local_command", required=True)
    up = local_commands.add_parser("up", help="moto server + event wiring + HTTP API; Ctrl-C stops it")
    up.add_argument("--aws-port", type=int, default=4566, help="moto server port (0: any free port)")
    up.add_argument("--api-port", type=int, default=8080, help="HTTP API port (0: any free port)")
    up.add_argument(
        "--explorer-port", type=int, help="web explorer port (default 8081, or any free port if it is taken; 0: any)"
    )
    up.add_argument(
        "--verbose", "-v", action="store_true", help="also print every request moto serves and the functions' logs"
    )
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is not None:  # a command registered with set_defaults(run=...)
        return int(args.run(args))

    if args.command == "demo":
        from newsingest.local.demo import run_demo

        return run_demo()
    if args.command == "query":
        return _query(args)
    if args.command == "explore":
        return _explore(args)
    if args.command == "local":
        from newsingest.local.up import run_local_up

        return run_local_up(
            sys.stdout,
            aws_port=args.aws_port,
            api_port=args.api_port,
            explorer_port=args.explorer_port,
            verbose=args.verbose,
        )
    if args.command == "schemas":
        from newsingest.schemas import write_schemas

        for written in write_schemas(args.directory):
            print(written)
        return 0
    return _parse(args.paths, with_entities=not args.no_entities)


if __name__ == "__main__":
    raise SystemExit(main())
