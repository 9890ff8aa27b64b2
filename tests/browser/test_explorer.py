"""What a person does with the explorer, in Chromium: search and open an entity, read an article with
its mentions highlighted, look at a day, compare timelines, download CSV, mistype an id, use a phone.
Every figure on the page is checked against what the API itself answers.

The browser is Debian's Chromium (`make chromium`) driven by Playwright; the stack is `local_stack()`
loaded with the sample articles of tests/fixtures/articles (uploaded with boto3, as a user would),
seen through the explorer server that `newsingest local up` starts. Screenshots of each page go to
build/screenshots/ for a person to look at; `UPDATE_DOCS_SCREENSHOT=1` also refreshes the README's.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from newsingest.adapters.api_client import ApiError, QueryClient
from newsingest.errors import RejectedInput
from newsingest.local.up import LocalEndpoints, local_stack
from newsingest.parsing import parse_articles

ROOT = Path(__file__).parents[2]
ARTICLES = ROOT / "tests" / "fixtures" / "articles"
SCREENSHOTS = ROOT / "build" / "screenshots"
DOCS_SCREENSHOT = ROOT / "docs" / "images" / "explorer-entity.png"
CHROMIUM = Path(os.environ.get("NEWSINGEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INDEXING_TIMEOUT_SECONDS = 180
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@dataclass(frozen=True)
class Loaded:
    """The running stack, a signed client of its API, and the ids of the articles it indexed."""

    endpoints: LocalEndpoints
    api: QueryClient
    article_ids: dict[str, str]  # file name -> article id


RIVERTON_FILE = "riverton-flood-budget.txt"
RIVERTON_COPY = "wire copy of riverton-flood-budget.txt"


def syndicated_copy(text: str) -> str:
    """The copy a wire service's client runs: a credit, the last paragraphs cut, an editor's note."""
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n\n".join(["RIVERTON (Reuters) - " + lines[0], *lines[1:-3], "Editor's note: updated with the vote."])


def sample_files() -> list[Path]:
    return sorted(path for path in ARTICLES.iterdir() if path.suffix in (".txt", ".html", ".gz"))


def expected_id(path: Path) -> str | None:
    """The id the pipeline will give the file's article (content-derived), or None if rejected."""
    try:
        [article] = parse_articles(path.read_bytes(), key=path.name)
    except RejectedInput:
        return None
    return article.id


def reset_moto() -> None:
    """Empty moto's in-process backends, which outlive a moto server: a stack another test module
    left behind would clash with this one's (and this one's with the next)."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


@pytest.fixture(scope="module")
def loaded() -> Iterator[Loaded]:
    reset_moto()
    with local_stack(aws_port=0, api_port=0, explorer_port=0) as endpoints:
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoints.aws,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        api = QueryClient(endpoints.api, region="us-east-1", credentials=("testing", "testing"))
        ids: dict[str, str] = {}
        for path in sample_files():
            s3.put_object(Bucket=endpoints.bucket, Key=f"incoming/{path.name}", Body=path.read_bytes())
            article_id = expected_id(path)
            if article_id is not None:
                ids[path.name] = article_id
        # Another site's copy of one sample: with it, the sample is a story of two
        copy = syndicated_copy((ARTICLES / RIVERTON_FILE).read_text(encoding="utf-8")).encode()
        s3.put_object(Bucket=endpoints.bucket, Key=f"incoming/wire/{RIVERTON_FILE}", Body=copy)
        [copied] = parse_articles(copy, key=RIVERTON_FILE)
        ids[RIVERTON_COPY] = copied.id
        deadline = time.monotonic() + INDEXING_TIMEOUT_SECONDS
        waiting = set(ids.values())
        while waiting and time.monotonic() < deadline:
            for article_id in sorted(waiting):
                try:
                    api.get(f"/v1/articles/{article_id}")  # written after the article's postings
                except ApiError:
                    continue
                waiting.discard(article_id)
            time.sleep(0.5)
        if waiting:
            pytest.fail(f"{len(waiting)} of {len(ids)} sample articles were not indexed in time")
        yield Loaded(endpoints, api, ids)
    reset_moto()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Explorer:
    """A browser tab on the explorer, failing the test on any uncaught script error."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, route: str) -> Any:
        self.page.goto(f"{self.base}#{route}")
        return self.page

    def screenshot(self, name: str, *, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def explorer(browser: Any, loaded: Loaded) -> Iterator[Explorer]:
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(30_000)
    tab = Explorer(context.new_page(), loaded.endpoints.explorer)
    yield tab
    context.close()
    assert tab.errors == [], f"script errors in the page: {tab.errors}"


PUTIN = "person:vladimir-putin"
BELARUS_FILE = "belarus-russia-alliance.txt"


def wait_for_points(page: Any, selector: str, series: int = 0) -> Any:
    page.wait_for_selector(f'{selector} circle.point[data-series="{series}"]')
    return page.locator(f'{selector} circle.point[data-series="{series}"]')


def read_csv(download: Any) -> list[list[str]]:
    text = Path(download.path()).read_text(encoding="utf-8-sig")  # the BOM is for spreadsheets
    return list(csv.reader(io.StringIO(text)))


def test_search_putin_pick_the_suggestion_and_see_the_entity(explorer: Explorer, loaded: Loaded) -> None:
    page = explorer.open("/")
    search = page.get_by_role("combobox", name="Search people, organisations and places")
    # When I type "putin"
    search.press_sequentially("putin", delay=40)
    listbox = page.get_by_role("listbox", name="Suggestions")
    option = listbox.get_by_role("option").filter(has_text="Vladimir Putin")
    option.wait_for()
    assert search.get_attribute("aria-expanded") == "true"
    # and choose the suggestion with the keyboard
    search.press("ArrowDown")
    active = search.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    assert page.locator(f"#{active}").get_attribute("data-id") == PUTIN
    explorer.screenshot("search-suggestions", full_page=False)
    search.press("Enter")
    # Then the entity page shows the API's totals
    page.wait_for_url(re.compile(r"#/entity/person:vladimir-putin$"))
    entity = loaded.api.get(f"/v1/entities/{PUTIN}")
    page.get_by_role("heading", level=1, name="Vladimir Putin").wait_for()
    assert page.locator("#fact-articles dd").inner_text() == str(entity["article_count"])
    assert page.locator("#fact-mentions dd").inner_text() == str(entity["mention_count"])
    assert page.locator("#fact-first-seen dd").inner_text().startswith(entity["first_seen"][:10])
    assert page.locator("#fact-last-seen dd").inner_text().startswith(entity["last_seen"][:10])
    # a chart with one point per point of the timeline, each with the API's count
    timeline = loaded.api.get(f"/v1/entities/{PUTIN}/timeline", interval="day")
    points = wait_for_points(page, "#timeline")
    assert points.count() == len(timeline["points"])
    assert [int(count) for count in points.evaluate_all("els => els.map(e => e.dataset.count)")] == [
        p["count"] for p in timeline["points"]
    ]
    # its companions, linked
    shown = page.locator("#companions li a").evaluate_all(
        "els => els.map(e => [e.textContent, e.getAttribute('href')])"
    )
    assert shown == [[c["name"] or c["id"], f"#/entity/{c['id']}"] for c in entity["companions"]]
    # and the Belarus article among its articles, linked to the article page
    belarus = page.locator("#articles a", has_text="Belarus-Russia")
    belarus.wait_for()
    assert belarus.get_attribute("href") == f"#/article/{loaded.article_ids[BELARUS_FILE]}"
    explorer.screenshot("entity")
    top = explorer.screenshot("entity-first-screen", full_page=False)
    if os.environ.get("UPDATE_DOCS_SCREENSHOT"):  # the README's picture: refreshed on request only
        shutil.copyfile(top, DOCS_SCREENSHOT)

    # Weekly: the chart follows the interval chosen
    page.get_by_label("Interval").select_option("week")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"interval=week"))
    weekly = loaded.api.get(f"/v1/entities/{PUTIN}/timeline", interval="week")
    page.wait_for_function(
        "n => document.querySelectorAll('#timeline circle.point').length === n", arg=len(weekly["points"])
    )
    page.locator("#articles a", has_text="Belarus-Russia").wait_for()


def test_suggestions_are_the_apis_and_name_the_alias_that_matched(explorer: Explorer, loaded: Loaded) -> None:
    expected = loaded.api.get("/v1/entities", q="u.s.", limit=8)["items"]
    assert expected, "the alias table maps u.s. to the United States"
    page = explorer.open("/")
    search = page.get_by_role("combobox", name="Search people, organisations and places")
    search.press_sequentially("u.s.", delay=40)
    options = page.get_by_role("listbox", name="Suggestions").get_by_role("option")
    options.first.wait_for()
    page.wait_for_function(
        "n => document.querySelectorAll('#search-listbox [role=option]').length === n", arg=len(expected)
    )
    assert options.evaluate_all("els => els.map(e => e.dataset.id)") == [item["id"] for item in expected]
    for option, item in zip(options.all_inner_texts(), expected, strict=True):
        assert item["name"] in option
        if item["matched"].lower() != item["name"].lower():
            assert f"as “{item['matched']}”" in option
    # Escape closes the list; nothing was chosen
    search.press("Escape")
    assert search.get_attribute("aria-expanded") == "false"
    assert page.get_by_role("heading", level=1).inner_text() == "Explore the news index"


def test_a_date_range_filters_the_articles(explorer: Explorer, loaded: Loaded) -> None:
    entity = loaded.api.get(f"/v1/entities/{PUTIN}")
    last = entity["last_seen"][:10]
    page = explorer.open(f"/entity/{PUTIN}")
    page.locator("#articles a", has_text="Belarus-Russia").wait_for()
    # A range that ends before the first mention empties the list; one that covers it shows it
    page.get_by_label("From", exact=True).fill("2000-01-01")
    page.get_by_label("To", exact=True).fill("2000-01-31")
    page.get_by_role("button", name="Apply").click()
    page.locator("#articles", has_text="No article mentions it in this date range").wait_for()
    page.get_by_label("To", exact=True).fill(last)
    page.get_by_role("button", name="Apply").click()
    page.locator("#articles a", has_text="Belarus-Russia").wait_for()
    assert f"to={last}" in page.url


def test_the_article_page_highlights_every_mention_the_api_lists(explorer: Explorer, loaded: Loaded) -> None:
    article_id = loaded.article_ids[BELARUS_FILE]
    parsed = loaded.api.get(f"/v1/articles/{article_id}/parsed")
    detail = loaded.api.get(f"/v1/articles/{article_id}")
    page = explorer.open(f"/article/{article_id}")
    page.get_by_role("heading", level=1, name=re.compile("^Belarus-Russia")).wait_for()
    page.locator("#article-text a.mention").first.wait_for()
    # Every mention, and nothing else, is highlighted with the text at its offsets, linked to its entity
    expected = sorted(
        (mention["start"], entity["id"], mention["text"])
        for entity in parsed["entities"]
        for mention in entity["mentions"]
    )
    marks = page.locator("#article-text a.mention")
    assert marks.count() == len(expected) == sum(len(e["mentions"]) for e in parsed["entities"])
    shown = marks.evaluate_all("els => els.map(e => [e.dataset.entity, e.textContent, e.getAttribute('href')])")
    assert [(entity_id, text) for entity_id, text, _ in shown] == [(e, t) for _, e, t in expected]
    assert all(href == f"#/entity/{entity_id}" for entity_id, _, href in shown)
    # The whole text is there, in order
    assert page.locator("#article-text").text_content() == parsed["text"]
    # Its entities and quotations are listed; the metadata is the API's
    assert page.locator("#article-entities tbody tr").count() == len(detail["entities"])
    assert page.locator("#article-quotes blockquote").count() == len(parsed["quotes"])
    assert page.locator("#fact-words dd").inner_text() == f"{detail['word_count']:,}"
    assert page.locator("#fact-language dd").inner_text() == (detail["language"] or "—")
    explorer.screenshot("article")
    # A mention leads to its entity
    page.locator("#article-text a.mention[data-entity='person:jens-stoltenberg']").first.click()
    page.get_by_role("heading", level=1, name="Jens Stoltenberg").wait_for()


def test_a_copied_article_shows_its_story_and_lists_collapse_to_it(explorer: Explorer, loaded: Loaded) -> None:
    copy_id, original_id = loaded.article_ids[RIVERTON_COPY], loaded.article_ids[RIVERTON_FILE]
    story = loaded.api.get(f"/v1/articles/{copy_id}")["story"]
    assert story["copy_count"] == 2 and story["id"] == loaded.api.get(f"/v1/articles/{original_id}")["story"]["id"]
    # The article page says which story the article is in and how many copies it has
    page = explorer.open(f"/article/{copy_id}")
    fact = page.locator("#fact-story dd")
    fact.get_by_role("link", name="the story").wait_for()
    original_is_canonical = story["canonical_id"] == original_id
    assert fact.inner_text().startswith("a copy" if original_is_canonical else "the original")
    assert "with 1 other copy" in fact.inner_text()
    # and leads to the story, which lists both copies, the canonical one first, with where each came from
    fact.get_by_role("link", name="the story").click()
    page.wait_for_url(re.compile(f"#/story/{story['id']}$"))
    page.get_by_role("heading", level=1, name=re.compile("^Story: ")).wait_for()
    detail = loaded.api.get(f"/v1/stories/{story['id']}")
    assert page.locator("#fact-copies dd").inner_text() == "2"
    rows = page.locator("#story-copies tbody tr")
    assert rows.count() == 2
    hrefs = page.locator("#story-copies tbody tr td:nth-child(2) a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert hrefs == [f"#/article/{item['id']}" for item in detail["copies"]]
    assert "(canonical)" in rows.first.inner_text()
    explorer.screenshot("story")
    # An entity both copies name counts two articles in one story; its list can show the story once
    entity_id = "person:priya-natarajan"
    entity = loaded.api.get(f"/v1/entities/{entity_id}")
    page = explorer.open(f"/entity/{entity_id}")
    page.locator("#fact-stories dd").wait_for()
    assert page.locator("#fact-articles dd").inner_text() == str(entity["article_count"]) == "2"
    assert page.locator("#fact-stories dd").inner_text() == str(entity["story_count"]) == "1"
    page.locator("#articles tbody tr").nth(1).wait_for()
    page.get_by_label("One row per story").check()
    page.wait_for_function("() => document.querySelectorAll('#articles tbody tr').length === 1")
    assert page.locator("#articles tbody tr td").last.inner_text() == "2"


def test_offsets_count_code_points_not_utf16_units(explorer: Explorer) -> None:
    # Python's str indices count code points; an emoji is two UTF-16 units in JavaScript
    page = explorer.open("/")
    marked = page.evaluate(
        """() => {
          const text = "🇧🇾 😀 Putin met Lukashenko";
          const entities = [
            {id: "person:vladimir-putin", name: "Vladimir Putin", type: "person", mentions: [{start: 5, end: 10}]},
            {id: "person:alexander-lukashenko", name: "Alexander Lukashenko", type: "person",
             mentions: [{start: 15, end: 25}]},
          ];
          const el = window.newsingestExplorer.highlightedText(text, entities);
          return [...el.querySelectorAll("a.mention")].map(a => a.textContent).concat([el.textContent === text]);
        }"""
    )
    assert marked == ["Putin", "Lukashenko", True]


def test_a_day_lists_what_was_published_and_downloads_as_csv(explorer: Explorer, loaded: Loaded) -> None:
    article = loaded.api.get(f"/v1/articles/{loaded.article_ids[BELARUS_FILE]}")
    day = article["time"][:10]
    listed = loaded.api.get("/v1/articles", day=day, limit=100)["items"]
    page = explorer.open(f"/day/{day}")
    page.get_by_role("heading", level=1, name=f"Published on {day}").wait_for()
    page.locator("#day-articles a", has_text="Belarus-Russia").wait_for()
    assert page.locator("#day-articles tbody tr").count() == min(len(listed), 20)
    explorer.screenshot("day")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download articles as CSV").click()
    assert download.value.suggested_filename == f"articles-{day}.csv"
    rows = read_csv(download.value)
    assert rows[0] == ["id", "published_at", "time", "title", "url", "language", "word_count"]
    assert [row[0] for row in rows[1:]] == [item["id"] for item in listed]


def test_compare_three_timelines_on_one_chart_and_download_them(explorer: Explorer, loaded: Loaded) -> None:
    page = explorer.open(f"/compare?ids={PUTIN},organization:nato")
    wait_for_points(page, "#compare-chart", series=1)
    # Add a third with the keyboard
    add = page.get_by_role("combobox", name="Add an entity")
    add.press_sequentially("stolt", delay=40)
    page.get_by_role("listbox", name="Entities to add").get_by_role("option").first.wait_for()
    add.press("ArrowDown")
    add.press("Enter")
    page.wait_for_url(re.compile(r"ids=person%3Avladimir-putin%2Corganization%3Anato%2Cperson%3Ajens-stoltenberg"))
    third = wait_for_points(page, "#compare-chart", series=2)
    chips = page.get_by_role("list", name="Compared entities").get_by_role("listitem")
    assert [chip.split("\n")[0].strip() for chip in chips.all_inner_texts()] == [
        "Vladimir Putin",
        "NATO",
        "Jens Stoltenberg",
    ]
    assert page.get_by_role("combobox", name="Add an entity").is_disabled()  # three at most
    # One range for all three: the API's points for each
    ids = [PUTIN, "organization:nato", "person:jens-stoltenberg"]
    first_day = third.first.get_attribute("data-start")
    last_day = third.last.get_attribute("data-start")
    timelines = [
        loaded.api.get(f"/v1/entities/{entity_id}/timeline", interval="day", **{"from": first_day, "to": last_day})
        for entity_id in ids
    ]
    for series, timeline in enumerate(timelines):
        counts = page.locator(f'#compare-chart circle.point[data-series="{series}"]').evaluate_all(
            "els => els.map(e => Number(e.dataset.count))"
        )
        assert counts == [p["count"] for p in timeline["points"]]
    explorer.screenshot("compare")
    # The series as CSV: one row per day, one column per entity
    with page.expect_download() as download:
        page.get_by_role("button", name="Download compared timelines as CSV").click()
    rows = read_csv(download.value)
    assert rows[0] == ["day", *ids]
    assert rows[1:] == [
        [point["start"], *(str(t["points"][i]["count"]) for t in timelines)]
        for i, point in enumerate(timelines[0]["points"])
    ]
    # Removing one redraws with two
    page.get_by_role("button", name="Remove NATO").click()
    page.wait_for_function("() => document.querySelectorAll('#compare-chart g.points').length === 2")


def test_an_entitys_lists_download_as_csv(explorer: Explorer, loaded: Loaded) -> None:
    page = explorer.open(f"/entity/{PUTIN}")
    page.locator("#articles a", has_text="Belarus-Russia").wait_for()
    wait_for_points(page, "#timeline")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download articles as CSV").click()
    rows = read_csv(download.value)
    postings = loaded.api.get(f"/v1/entities/{PUTIN}/articles", limit=100)["items"]
    assert rows[0] == ["article_id", "time", "title", "mention_count", "salience"]
    assert [row[0] for row in rows[1:]] == [item["article_id"] for item in postings]
    with page.expect_download() as download:
        page.get_by_role("button", name="Download timeline as CSV").click()
    timeline = loaded.api.get(f"/v1/entities/{PUTIN}/timeline")
    assert read_csv(download.value)[1:] == [[p["start"], str(p["count"])] for p in timeline["points"]]
    with page.expect_download() as download:
        page.get_by_role("button", name="Download companions as CSV").click()
    assert len(read_csv(download.value)) == 1 + len(loaded.api.get(f"/v1/entities/{PUTIN}")["companions"])


def test_a_bad_id_shows_a_clear_message_not_a_blank_page(explorer: Explorer) -> None:
    cases = [
        ("/entity/not-an-id", "Not a valid request", "is not an entity id"),
        ("/entity/person:nobody-of-that-name", "Not found", "has no entity person:nobody-of-that-name"),
        ("/article/" + "0" * 32, "Not found", "has no article"),
        ("/article/xyz", "Not a valid request", "is not an article id"),
        ("/day/2024-02-31", "Not a valid request", "is not a date"),
        ("/no/such/page", "Not found", "no page at"),
    ]
    for route, title, text in cases:
        page = explorer.open(route)
        alert = page.get_by_role("alert")
        alert.wait_for()
        assert page.get_by_role("heading", level=1).inner_text().startswith(title), route
        assert text in alert.inner_text(), route
        assert alert.get_by_role("link", name="Back to the start page").is_visible()
        if route.startswith("/entity/not"):
            explorer.screenshot("error")


def test_readable_at_phone_width(explorer: Explorer) -> None:
    page = explorer.page
    page.set_viewport_size(PHONE)
    explorer.open(f"/entity/{PUTIN}")
    wait_for_points(page, "#timeline")
    page.locator("#articles a", has_text="Belarus-Russia").wait_for()
    # Nothing wider than the screen: no sideways scrolling of the page
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.get_by_role("combobox", name="Search people, organisations and places").is_visible()
    explorer.screenshot("phone-entity")
    explorer.open(f"/day/{page.evaluate('() => new Date().toISOString().slice(0, 10)')}")
    page.get_by_role("heading", level=1).wait_for()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_keyboard_reaches_everything(explorer: Explorer) -> None:
    page = explorer.open(f"/entity/{PUTIN}")
    page.locator("#articles a", has_text="Belarus-Russia").wait_for()
    # The skip link comes first and moves focus to the content
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    # Tabbing from there reaches the article link, and Enter opens it
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.startsWith('Belarus-Russia')"):
            break
    else:
        raise AssertionError("the article link is not reachable with Tab")
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name=re.compile("^Belarus-Russia")).wait_for()
