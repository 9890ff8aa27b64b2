"""Feeding text to the model: paragraphs with exact offsets, one pipeline per process."""

from __future__ import annotations

from newsingest.entities.nlp import EXCLUDED_COMPONENTS, find_entity_spans, load_pipeline, text_chunks


def test_chunks_are_paragraphs_whose_offsets_index_the_text() -> None:
    # Given paragraphs separated by blank lines of several forms, with stray whitespace
    text = "  First para,\nsame para.\r\n\r\n\tSecond.\n  \n\n\nThird.  \n"

    # When chunked
    chunks = text_chunks(text)

    # Then each chunk is a stripped paragraph found at its offset
    assert [chunk for _, chunk in chunks] == ["First para,\nsame para.", "Second.", "Third."]
    assert all(text[offset : offset + len(chunk)] == chunk for offset, chunk in chunks)


def test_blank_text_has_no_chunks() -> None:
    assert text_chunks("") == []
    assert text_chunks(" \n\n \t") == []


def test_an_over_long_paragraph_is_cut_at_sentence_ends_within_the_limit() -> None:
    # Given one paragraph of many sentences, longer than the limit
    text = " ".join(f"Sentence number {n} is here." for n in range(200))

    # When chunked with a small limit
    chunks = text_chunks(text, max_chars=300)

    # Then every chunk fits, ends a sentence, and they tile the text exactly
    assert len(chunks) > 1
    assert all(len(chunk) <= 300 and chunk.endswith(".") for _, chunk in chunks)
    assert " ".join(chunk for _, chunk in chunks) == text
    assert all(text[offset : offset + len(chunk)] == chunk for offset, chunk in chunks)


def test_a_paragraph_without_sentence_ends_is_cut_at_whitespace_or_hard() -> None:
    words = text_chunks("word " * 100, max_chars=64)
    assert all(len(chunk) <= 64 and not chunk.startswith(" ") for _, chunk in words)
    assert " ".join(chunk for _, chunk in words) == ("word " * 100).strip()

    solid = text_chunks("x" * 150, max_chars=64)
    assert [len(chunk) for _, chunk in solid] == [64, 64, 22]


def test_the_pipeline_is_ner_only_and_loaded_once() -> None:
    # When the pipeline is asked for twice, Then it is the same object, with only NER
    nlp = load_pipeline()
    assert load_pipeline() is nlp
    assert nlp.pipe_names == ["ner"]
    assert not set(EXCLUDED_COMPONENTS) & set(nlp.pipe_names)


def test_spans_index_the_whole_text_across_paragraphs() -> None:
    # Given a name in the second paragraph
    text = "Nothing here.\n\nAngela Merkel visited Paris."

    # When the model runs
    spans = find_entity_spans(text)

    # Then the offsets point into the whole text
    assert {(text[span.start : span.end], span.label) for span in spans} >= {
        ("Angela Merkel", "PERSON"),
        ("Paris", "GPE"),
    }
