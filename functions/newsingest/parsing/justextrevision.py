"""jusText's context-sensitive revision of paragraph classes, in linear time.

trafilatura falls back to jusText when its own extraction finds little, and jusText's
`revise_paragraph_classification` finds each short paragraph's nearest good or bad neighbour by
walking the list from it: on a page of thousands of short blocks (a long list, a comment thread,
a tag cloud) that walk is quadratic, 16,000 one-word list items took 17 s. Here the neighbours
come from one pass in each direction instead, and the classes come out the same (a property
test checks this against jusText's own function). The four steps are jusText's, in its order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Any

GOOD_OR_BAD = frozenset({"good", "bad"})
NOT_SHORT = frozenset({"good", "bad", "neargood"})


def revise_paragraph_classification(paragraphs: Sequence[Any], max_heading_distance: int = 200) -> None:
    """Set each jusText paragraph's `class_type` from its `cf_class` and its neighbours', as
    `justext.core.revise_paragraph_classification` does."""
    before = [paragraph.class_type for paragraph in paragraphs]
    lengths = list(accumulate((len(paragraph.text) for paragraph in paragraphs), initial=0))

    def near_heading_text(index: int, next_good: Sequence[int | None]) -> bool:
        # jusText walks on from a heading while the text passed over is at most the distance
        found = next_good[index]
        return found is not None and lengths[found] - lengths[index + 1] <= max_heading_distance

    # good headings: jusText copies the classes in the same loop, so later ones are still `before`
    next_good = _nearest_after(before, "good".__eq__)
    for index, paragraph in enumerate(paragraphs):
        paragraph.class_type = paragraph.cf_class
        if paragraph.heading and paragraph.class_type == "short" and near_heading_text(index, next_good):
            paragraph.class_type = "neargood"

    # short paragraphs take the class of their neighbours (all decided before any is changed)
    classes = [paragraph.class_type for paragraph in paragraphs]
    previous = _nearest_before(classes, GOOD_OR_BAD.__contains__)
    following = _nearest_after(classes, GOOD_OR_BAD.__contains__)
    previous_any = _nearest_before(classes, NOT_SHORT.__contains__)
    following_any = _nearest_after(classes, NOT_SHORT.__contains__)
    new_classes: dict[int, str] = {}
    for index, paragraph in enumerate(paragraphs):
        if paragraph.class_type != "short":
            continue
        before_class, after_class = _class_at(classes, previous[index]), _class_at(classes, following[index])
        if before_class == after_class:
            new_classes[index] = before_class
        elif (before_class == "bad" and _class_at(classes, previous_any[index]) == "neargood") or (
            after_class == "bad" and _class_at(classes, following_any[index]) == "neargood"
        ):
            new_classes[index] = "good"
        else:
            new_classes[index] = "bad"
    for index, value in new_classes.items():
        paragraphs[index].class_type = value

    # near-good paragraphs: those before have been decided already, those after not yet
    classes = [paragraph.class_type for paragraph in paragraphs]
    following = _nearest_after(classes, GOOD_OR_BAD.__contains__)
    last_decided = "bad"
    for index, paragraph in enumerate(paragraphs):
        if paragraph.class_type == "neargood":
            after_class = _class_at(classes, following[index])
            paragraph.class_type = "bad" if (last_decided, after_class) == ("bad", "bad") else "good"
        if paragraph.class_type in GOOD_OR_BAD:
            last_decided = paragraph.class_type

    # more good headings: later paragraphs keep the classes of the step before
    next_good = _nearest_after([paragraph.class_type for paragraph in paragraphs], "good".__eq__)
    for index, paragraph in enumerate(paragraphs):
        if (
            paragraph.heading
            and paragraph.class_type == "bad"
            and paragraph.cf_class != "bad"
            and near_heading_text(index, next_good)
        ):
            paragraph.class_type = "good"


def _class_at(classes: Sequence[str], index: int | None) -> str:
    """The class of a neighbour; 'bad' past either end of the page, as in jusText."""
    return classes[index] if index is not None else "bad"


def _nearest_before(classes: Sequence[str], wanted: Callable[[str], bool]) -> list[int | None]:
    """For each position, the nearest earlier position whose class is wanted."""
    nearest: list[int | None] = []
    last: int | None = None
    for index, value in enumerate(classes):
        nearest.append(last)
        if wanted(value):
            last = index
    return nearest


def _nearest_after(classes: Sequence[str], wanted: Callable[[str], bool]) -> list[int | None]:
    """For each position, the nearest later position whose class is wanted."""
    nearest: list[int | None] = [None] * len(classes)
    last: int | None = None
    for index in range(len(classes) - 1, -1, -1):
        nearest[index] = last
        if wanted(classes[index]):
            last = index
    return nearest
