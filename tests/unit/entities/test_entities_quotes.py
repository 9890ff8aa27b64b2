"""Direct quotations and their speakers: the sample article, then each attribution pattern."""

from __future__ import annotations

import pytest

from newsingest.entities import analyse_text
from newsingest.entities.quotes import find_quotes
from newsingest.models import Entity, EntityType, Mention, Quote


def person(text: str, name: str, *forms: str) -> Entity:
    """A person entity with a mention at every occurrence of each of `forms` (default: `name`)."""
    return entity(text, name, EntityType.PERSON, *forms)


def entity(text: str, name: str, entity_type: EntityType, *forms: str) -> Entity:
    mentions = []
    for form in forms or (name,):
        start = text.find(form)
        while start >= 0:
            mentions.append(Mention(start=start, end=start + len(form), text=form))
            start = text.find(form, start + 1)
    mentions.sort(key=lambda mention: mention.start)
    slug = name.lower().replace(" ", "-")
    return Entity(
        id=f"{entity_type.value}:{slug}",
        name=name,
        type=entity_type,
        mention_count=len(mentions),
        mentions=mentions,
        salience=0.5,
    )


def speakers(quotes: list[Quote]) -> list[tuple[str, str | None]]:
    return [(quote.text, quote.speaker_name) for quote in quotes]


@pytest.fixture(scope="module")
def sample_quotes(sample_text: str, sample_title: str) -> list[Quote]:
    return analyse_text(sample_text, title=sample_title).quotes


def test_the_samples_quotations_are_attributed_to_bickauskaite_and_stoltenberg(
    sample_text: str, sample_quotes: list[Quote]
) -> None:
    # Given the sample article: "she wrote:" after Monika Bickauskaite is introduced, a
    # five-paragraph quotation after "She wrote:", and Mr Stoltenberg's "told ...:" and "He added:"
    by_start = {sample_text[quote.start : quote.start + 30]: quote for quote in sample_quotes}

    # Then each quotation has its speaker's entity
    expected = {
        "He seems to be willing to do a": "person:monika-bickauskaite",
        "Such a union would entail a co": "person:monika-bickauskaite",
        "Simply put, a buffer between R": "person:monika-bickauskaite",
        "Belarus has been forced to int": "person:monika-bickauskaite",
        "Russian propaganda narratives ": "person:monika-bickauskaite",
        "[NATO] has also agreed that Be": "person:jens-stoltenberg",
        "NATO enlargement has been a hi": "person:jens-stoltenberg",
    }
    for opening, speaker_id in expected.items():
        assert by_start[opening].speaker_id == speaker_id, opening
    assert by_start["NATO enlargement has been a hi"].speaker_name == "Jens Stoltenberg"


def test_a_multi_paragraph_quotation_is_one_quote_per_paragraph_with_one_speaker(
    sample_text: str, sample_quotes: list[Quote]
) -> None:
    # Given "She wrote: “Such a union ..." whose next four paragraphs open with “ and only the
    # last closes
    first = next(i for i, quote in enumerate(sample_quotes) if quote.text.startswith("Such a union"))
    run = sample_quotes[first : first + 5]

    # Then there are five quotes, each one paragraph's words, all Bickauskaite's
    assert [quote.text.split()[0] for quote in run] == ["Such", "Additionally,", "This", "In", "Simply"]
    assert {quote.speaker_id for quote in run} == {"person:monika-bickauskaite"}
    assert run[-1].text.endswith("sovereignty.")
    assert all("\n" not in quote.text for quote in run)


def test_quote_offsets_cover_the_words_inside_the_marks(sample_text: str, sample_quotes: list[Quote]) -> None:
    for quote in sample_quotes:
        assert sample_text[quote.start : quote.end] == quote.text
        assert quote.text == quote.text.strip()
        assert sample_text[quote.start - 1] in '“"'


def test_an_unnamed_source_stays_unattributed(sample_quotes: list[Quote]) -> None:
    # Given "an unnamed US defence official told The Washington Post it was “very clear ...”"
    [quote] = [quote for quote in sample_quotes if quote.text.startswith("very clear Minsk")]

    # Then no speaker is invented (not the newspaper, not a country)
    assert quote.speaker_id is None


def test_scare_quotes_are_no_quotations(sample_quotes: list[Quote]) -> None:
    # Given “accomplice” (one word) in the sample
    assert "accomplice" not in {quote.text for quote in sample_quotes}


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('"We are ready to talk," said Jane Doe.', "Jane Doe"),
        ('"We are ready to talk," Jane Doe said.', "Jane Doe"),
        ("“We are ready to talk,” Jane Doe told reporters.", "Jane Doe"),
        ("Jane Doe told the press conference on Friday: “We are ready to talk.”", "Jane Doe"),
        ("Jane Doe wrote: “We are ready to talk.”", "Jane Doe"),
        ('Jane Doe, the minister, said: "We are ready to talk."', "Jane Doe"),
        ("In a column, Jane Doe warned that the deal was “a trap for small states”.", "Jane Doe"),
    ],
)
def test_the_speaker_is_the_person_the_attribution_names(text: str, speaker: str) -> None:
    # Given one attribution pattern, When quotations are found, Then the named person said it
    quotes = find_quotes(text, [person(text, "Jane Doe")])
    assert [(quote.speaker_name, quote.speaker_id) for quote in quotes] == [(speaker, "person:jane-doe")]


def test_a_pronoun_is_the_most_recent_person_named_in_prose() -> None:
    # Given a person introduced, a headline-like link line naming another, then "She wrote:"
    text = (
        "Ms Doe is an expert on the region.\n\n"
        "Max Power wins again at Monza [LATEST]\n\n"
        "She wrote: “The region is changing fast.”"
    )
    entities = [person(text, "Jane Doe", "Doe"), person(text, "Max Power")]

    # Then the pronoun resolves to Doe, not to the name in the link line
    assert speakers(find_quotes(text, entities)) == [("The region is changing fast.", "Jane Doe")]


def test_a_pronoun_prefers_a_person_whose_title_agrees_with_it() -> None:
    # Given "Mr Smith" then "Ms Jones" named, then "He added:"
    text = "Mr Smith met Ms Jones on Monday. He added: “The talks went well.”"
    entities = [person(text, "John Smith", "Smith"), person(text, "Ann Jones", "Jones")]

    # Then "He" is Mr Smith, although Ms Jones was named last
    assert speakers(find_quotes(text, entities)) == [("The talks went well.", "John Smith")]


def test_a_pronoun_with_no_person_before_it_stays_unresolved() -> None:
    text = "“It is over,” she said."
    assert speakers(find_quotes(text, [])) == [("It is over,", None)]


def test_a_second_quotation_continues_the_speaker_of_the_first() -> None:
    # Given an attributed quotation followed, in the next sentence and the next paragraph, by more
    text = "“It works,” Doe said. “It is cheap too.”\n\n“And it is fast.”"
    quotes = find_quotes(text, [person(text, "Jane Doe", "Doe")])

    assert [quote.speaker_name for quote in quotes] == ["Jane Doe", "Jane Doe", "Jane Doe"]


def test_an_organisation_can_be_quoted() -> None:
    text = 'In a statement, the FMCSA said: "The company is under investigation."'
    quotes = find_quotes(text, [entity(text, "FMCSA", EntityType.ORGANIZATION)])
    assert [quote.speaker_id for quote in quotes] == ["organization:fmcsa"]


def test_quote_blocks_are_quotations() -> None:
    # Given a quote block introduced by its author
    text = "Jane Doe wrote:\n\n> The region is changing fast.\n> Nobody is ready."
    quotes = find_quotes(text, [person(text, "Jane Doe")])

    # Then the block is one quotation, hers
    [quote] = quotes
    assert quote.text.startswith("The region is changing fast.")
    assert quote.text.endswith("Nobody is ready.")
    assert text[quote.start : quote.end] == quote.text


def test_titles_and_single_quoted_words_are_no_quotations() -> None:
    text = 'She starred in "Knives Out" and called it "fun". "This is a real quotation," she said.'
    assert [quote.text for quote in find_quotes(text, [])] == ["This is a real quotation,"]


def test_straight_and_curly_quotes_pair_up_in_any_combination() -> None:
    text = '“Curly and straight," Doe said. "Straight and curly” Doe added.'
    quotes = find_quotes(text, [person(text, "Jane Doe", "Doe")])
    assert [quote.text for quote in quotes] == ["Curly and straight,", "Straight and curly"]


def test_a_text_without_quotation_marks_has_no_quotes() -> None:
    assert find_quotes("Nothing was said today.", []) == []
