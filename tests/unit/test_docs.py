"""The documentation holds together: every relative link in README.md and docs/*.md reaches an
existing file (and heading, when it names one), and the README stays a short front door."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

README_MAX_LINES = 260
"""The README is the front door (what it is, how to run it, where to read on); the rest is in docs/."""

_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"`[^`]*`")
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def _prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a markdown file, with GitHub's -1, -2 ... for repeated headings."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in _prose_lines(path.read_text(encoding="utf-8")):
        match = _HEADING.match(line)
        if not match:
            continue
        slug = _slug(match.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def relative_links(path: Path) -> list[str]:
    """Link targets in the prose of a markdown file (not in code), other than URLs and mail."""
    targets = []
    for line in _prose_lines(path.read_text(encoding="utf-8")):
        for target in _LINK.findall(_CODE_SPAN.sub("", line)):
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target):
                targets.append(target)
    return targets


def test_the_docs_are_found() -> None:
    names = {path.name for path in DOCUMENTS}
    assert {"README.md", "deploy.md", "operations.md", "reference.md", "design.md"} <= names
    assert {"benchmarks.md", "development.md", "decisions.md"} <= names


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file_and_heading(document: Path) -> None:
    # Given every relative link of the document
    broken = []
    for target in relative_links(document):
        # When it is resolved against the document's folder
        file_part, _, anchor = target.partition("#")
        destination = (document.parent / file_part).resolve() if file_part else document
        # Then the file exists, and so does the heading it names
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading #{anchor} in {destination.relative_to(ROOT)}")
    assert not broken, f"{document.relative_to(ROOT)}: {broken}"


def test_the_readme_stays_a_short_front_door() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail to docs/"


def test_links_and_anchors_are_read_as_github_reads_them(tmp_path: Path) -> None:
    # Given a document with repeated headings, code in a heading, and links in code and prose
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n## `sam deploy --guided` answers\n\n## Moto's gaps\n\n## Moto's gaps\n\n"
        "See [a](other.md#x) and `[not](a-link.md)` and [web](https://example.com).\n\n"
        "```\n[fenced](nowhere.md)\n# not a heading\n```\n",
        encoding="utf-8",
    )
    # When / Then
    assert anchors(page) == {"title", "sam-deploy---guided-answers", "motos-gaps", "motos-gaps-1"}
    assert relative_links(page) == ["other.md#x"]
