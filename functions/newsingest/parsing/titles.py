"""Which of a page's titles is the article's headline, and how to strip a site name from a title.

A page names its article several times: the `<h1>` readers see, the JSON-LD `headline` and
`og:title` written for search engines and social previews, and the `<title>` tag. The three
structured ones are often SEO variants ('Best Movers 2026 | Move.org'), while the `<h1>` is the
headline as published. So the `<h1>` wins when one of them is plausibly the headline: outside
navigation and footers, not the site's name, and sharing words with the structured titles
(which rules out section names such as 'Our Blog' and logos). Without a usable `<h1>`, the
structured titles are used in the order JSON-LD, Open Graph, `<title>`, without a ' | Site'
suffix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.etree
from lxml.html import HtmlElement

from newsingest.parsing.fields import MAX_TITLE_WORDS, normalize_whitespace
from newsingest.textpatterns import WORD

TITLE_SITE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»)\s+")
"""Separators between an article title and the site name appended to it ('Title | Site')."""

PIPE_SEPARATOR = re.compile(r"\s+\|\s+")
"""' | ' between the parts of a title: the headline, a section, the site."""

MAX_GENERIC_LABEL_CHARS = 3
"""Host labels of up to three letters ('co', 'uk', 'com', 'www') are suffixes, not site names, so
a title ending in ' - UK' keeps its suffix; longer labels ('tarkett', 'express') can be names."""

MIN_SITE_FORM_CHARS = 5
"""Shortest site-name form matched inside a longer one: 'bbc' or 'cnn' inside a longer segment
could be chance; five letters ('vogue', 'wired', 'dianahr') are specific enough."""

MIN_HEADING_OVERLAP = 0.3
"""Share of an `<h1>`'s words that must occur in the page's structured titles for it to count as
the headline. Headlines and their SEO variants share most words ('Top 10 Health and Nutrition
Trends to Watch' / 'Health And Nutrition Trends For 2026': 5 of 8); logos and section names
share none. On the development pages 0.2-0.3 were best and equal; 0.3 keeps more margin
against a section name that happens to share one word."""

SITE_NAME_MARKUP = re.compile(r"site[-_]?(?:name|title|logo|brand)|\blogo\b|\bbrand\b", re.IGNORECASE)
"""Classes of an `<h1>` that holds the site's name or logo (themes that mark the logo up as
the page's `<h1>`), never the article's headline."""

HEADING_EXTRA_MARKUP = re.compile(r"\b(?:date|time|byline|author|posted|published)\b", re.IGNORECASE)
"""Classes of the elements some themes nest inside the `<h1>` next to the headline: a date, a
byline ('Posted on July 1, 2024 by ...'). Whole words of the class ('m-date', 'posted-on'), so
a wrapper such as HubSpot's 'hs_cos_wrapper_meta_field' around the headline itself is kept."""

NON_CONTENT_ANCESTORS = frozenset({"nav", "footer", "aside"})
"""An `<h1>` inside these is a logo or a widget title, never the article's headline."""

_NON_ALNUM = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Headline:
    """The chosen headline and, when it is an `<h1>`, that element (where the byline is near)."""

    text: str | None
    element: HtmlElement | None = None


def choose_headline(
    tree: HtmlElement, structured: Sequence[str | None], site_names: Sequence[str], url: str | None
) -> Headline:
    """The article's headline: the best `<h1>` (see module doc), else the first structured title.

    `structured` lists the JSON-LD headline, og:title and `<title>` in that order (None where
    missing); every title returned is stripped of a ' | Site name' suffix.
    """
    titles = [strip_site_name(title, site_names, url) for title in structured if title]
    known = _site_forms(site_names, url)
    candidates = _heading_candidates(tree)
    titles, site_headings = _without_site_heading(titles, candidates, tree, known)
    words = {word.casefold() for title in titles for word in WORD.findall(title)}
    best: tuple[float, str, HtmlElement] | None = None
    for element, text in candidates:
        heading = strip_site_name(text, site_names, url)
        if comparable_name(heading) in known or element in site_headings:
            continue
        if not titles:
            return Headline(main_segment(heading), element)
        heading_words = {word.casefold() for word in WORD.findall(heading)}
        overlap = len(heading_words & words) / len(heading_words) if heading_words else 0.0
        if overlap >= MIN_HEADING_OVERLAP and (best is None or overlap > best[0]):
            best = (overlap, heading, element)
    if best is not None:
        return Headline(main_segment(_structured_casing(best[1], titles)), best[2])
    return Headline(main_segment(titles[0]) if titles else None)


def _without_site_heading(
    titles: list[str], candidates: Sequence[tuple[HtmlElement, str]], tree: HtmlElement, site_forms: set[str]
) -> tuple[list[str], set[HtmlElement]]:
    """The titles without a blog's name in front, and the `<h1>`s that hold that name.

    Blog themes put the blog's name in the page's `<h1>` and the post's title in an `<h2>` or
    `<h3>`, and title the page 'Blog name: Post title'. An `<h1>` whose words start a title is
    such a name when the rest of that title is the post's title: another of the page's titles
    or one of its headings, and not the site's known name (then the `<h1>` is the headline and
    the rest its site or author: 'Headline — Author | Site'). The rest replaces the title, and
    the `<h1>` is not the headline.
    """
    site_headings: set[HtmlElement] = set()
    kept = list(titles)
    headings: list[list[str]] | None = None
    for element, text in candidates:
        name = _words(text)
        for index, title in enumerate(titles):
            words = _words(title)
            if not name or len(words) <= len(name) or words[: len(name)] != name:
                continue
            rest = _after_words(title, len(name))
            if not rest or _names_site(rest, site_forms):
                continue
            if headings is None:
                headings = [_words(_heading_text(heading)) for heading in tree.iter("h2", "h3")]
            others = [_words(other) for position, other in enumerate(titles) if position != index] + headings
            if _words(rest) in others:
                kept[index] = rest
                site_headings.add(element)
    return kept, site_headings


def _words(text: str) -> list[str]:
    return [word.casefold() for word in WORD.findall(text)]


def _after_words(text: str, count: int) -> str:
    """The text after its first `count` words, without the separator that followed them."""
    matches = list(WORD.finditer(text))
    return text[matches[count - 1].end() :].lstrip(" :|-–—·•»").strip() if count else text


def main_segment(title: str) -> str:
    """The headline part of a title that pipes divide into parts: the part with the most words.
    A headline has no ' | ' in it; CMSs join it with the section and the site that way ('How
    meditation rewires brains | Opinion', 'The Agency | ML at Georgia Tech'), names that are
    not always the site's known name."""
    parts = [part.strip() for part in PIPE_SEPARATOR.split(title)]
    if len(parts) < 2:
        return title
    return max(parts, key=lambda part: len(WORD.findall(part))) or title


def _structured_casing(heading: str, titles: Sequence[str]) -> str:
    """An all-capitals headline in the casing of a structured title with the same words: the
    capitals are the page's styling ('BEST DRIP COFFEE MAKER IN 2026'), not the headline."""
    if not heading.isupper():
        return heading
    words = [word.casefold() for word in WORD.findall(heading)]
    same = next((title for title in titles if [w.casefold() for w in WORD.findall(title)] == words), None)
    if same is not None:
        return same
    # no title with the same words: the one sharing most of them, written in normal case
    shared = [(len(set(words) & set(_words(title))) / len(set(words)), title) for title in titles if words]
    best = max(shared, default=(0.0, heading))
    return best[1] if best[0] >= MIN_HEADING_OVERLAP and not best[1].isupper() else heading


def _heading_candidates(tree: HtmlElement) -> list[tuple[HtmlElement, str]]:
    candidates = []
    for element in tree.iter("h1"):
        if any(ancestor.tag in NON_CONTENT_ANCESTORS for ancestor in element.iterancestors()):
            continue
        if SITE_NAME_MARKUP.search(" ".join(filter(None, (element.get("class"), element.get("id"))))):
            continue
        text = _heading_text(element)
        if text and len(text.split()) <= MAX_TITLE_WORDS:
            candidates.append((element, text))
    return candidates


def _heading_text(heading: HtmlElement) -> str:
    """The heading's text without the date or byline some themes put inside the `<h1>`."""
    pieces: list[str] = []
    walker = lxml.etree.iterwalk(heading, events=("start", "end"))
    for event, element in walker:
        if event == "start":
            if element is not heading and _is_heading_extra(element):
                walker.skip_subtree()
                pieces.append(" ")
            elif isinstance(element.tag, str) and element.text:
                pieces.append(element.text)
        elif element is not heading and element.tail:
            pieces.append(element.tail)
    return normalize_whitespace("".join(pieces))


def _is_heading_extra(element: HtmlElement) -> bool:
    if not isinstance(element.tag, str):
        return True
    if element.tag in ("time", "h2", "h3", "h4", "h5", "h6", "script", "style"):
        return True
    return HEADING_EXTRA_MARKUP.search(" ".join(filter(None, (element.get("class"), element.get("id"))))) is not None


def strip_site_name(title: str, site_names: Sequence[str], url: str | None = None) -> str:
    """Remove a trailing ' | Site' / ' - Site' when 'Site' is the site's name or its domain."""
    parts = TITLE_SITE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    if _names_site(parts[-1], _site_forms(site_names, url)):
        # cut at the last separator only: 'A - B | Site' keeps 'A - B'
        last = list(TITLE_SITE_SEPARATORS.finditer(title))[-1]
        stripped = title[: last.start()].strip()
        return stripped or title
    return title


def _names_site(text: str, site_forms: set[str]) -> bool:
    """Whether a title segment is the site's name: equal to a known form, or one containing the
    other ('DianaHR' on getdianahr.com, 'Bridgestone Tires' on tires.bridgestone.com)."""
    segment = comparable_name(text)
    if not segment:
        return False
    if segment in site_forms:
        return True
    return any(
        min(len(segment), len(form)) >= MIN_SITE_FORM_CHARS and (form in segment or segment in form)
        for form in site_forms
    )


def _site_forms(site_names: Sequence[str], url: str | None) -> set[str]:
    return {comparable_name(name) for name in site_names} | _domain_names(url)


def comparable_name(name: str) -> str:
    """Case- and punctuation-insensitive form: 'The Express' ~ 'the-express' ~ 'THE EXPRESS'."""
    return _NON_ALNUM.sub("", name.casefold())


def _domain_names(url: str | None) -> set[str]:
    """Forms of the host a title may end with: 'https://home.tarkett.co.uk/x' gives the host
    itself, 'tarkettcouk'-style joins and each label long enough to be a name ('tarkett')."""
    if not url:
        return set()
    host = urlsplit(url).hostname or ""
    labels = [label for label in host.removeprefix("www.").split(".") if label]
    names = {comparable_name(host), comparable_name(".".join(labels))}
    names |= {comparable_name(".".join(labels[i:])) for i in range(len(labels) - 1)}
    names |= {comparable_name(label) for label in labels if len(label) > MAX_GENERIC_LABEL_CHARS}
    return names - {""}
