"""`extract_entities`: the named entities of one article, most salient first."""

from __future__ import annotations

from collections.abc import Sequence

from newsingest.entities.aliases import alias_table
from newsingest.entities.canonical import MentionGroup, entity_id, group_mentions
from newsingest.entities.mentions import find_mentions
from newsingest.entities.nlp import RawSpan, find_entity_spans
from newsingest.entities.salience import mentioned_in, salience
from newsingest.models import Entity, EntityType, Mention


def extract_entities(text: str, *, title: str | None = None) -> list[Entity]:
    """Most salient first, then by first mention. Mentions are offsets into `text`
    (`text[m.start:m.end] == m.text`); `title` only raises salience. The first call loads spaCy."""
    return entities_from_spans(text, find_entity_spans(text), title=title)


def entities_from_spans(text: str, spans: Sequence[RawSpan], *, title: str | None = None) -> list[Entity]:
    """`extract_entities` given the model's spans of `text` (all labels; others are ignored)."""
    table = alias_table()
    found = find_mentions(text, spans, table)
    groups = group_mentions(found.mentions, lookup=table.lookup, same_as=found.same_as)
    if not groups:
        return []
    max_mentions = max(len(group.mentions) for group in groups)
    entities = [_entity(group, max_mentions=max_mentions, text_length=len(text), title=title) for group in groups]
    entities.sort(key=lambda entity: (-entity.salience, entity.mentions[0].start))
    return entities


def _entity(group: MentionGroup, *, max_mentions: int, text_length: int, title: str | None) -> Entity:
    forms = {group.name, *(mention.text for mention in group.mentions)}
    if group.type is EntityType.PERSON:
        forms.add(group.name.split()[-1])
    in_title = mentioned_in(title, forms)
    return Entity(
        id=group.known.id if group.known else entity_id(group.type, group.name),
        name=group.name,
        type=group.type,
        mention_count=len(group.mentions),
        mentions=[Mention(start=m.start, end=m.end, text=m.text) for m in group.mentions],
        salience=salience(
            mention_count=len(group.mentions),
            max_mention_count=max_mentions,
            first_start=group.first_start,
            text_length=text_length,
            in_title=in_title,
        ),
        known=group.known is not None,
        in_title=in_title,
        aliases=list(group.known.aliases) if group.known else [],
    )
