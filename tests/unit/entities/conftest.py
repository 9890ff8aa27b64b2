"""Shared fixtures: the sample article and its entities, extracted once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsingest.entities import extract_entities
from newsingest.models import Entity

FIXTURES = Path(__file__).parents[2] / "fixtures" / "entities"


@pytest.fixture(scope="session")
def sample_text() -> str:
    """A news article as scraped, boilerplate included: headline lines first."""
    return (FIXTURES / "belarus-russia-alliance.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sample_title(sample_text: str) -> str:
    return sample_text.splitlines()[0]


@pytest.fixture(scope="session")
def sample_entities(sample_text: str, sample_title: str) -> list[Entity]:
    return extract_entities(sample_text, title=sample_title)


@pytest.fixture(scope="session")
def sample_by_id(sample_entities: list[Entity]) -> dict[str, Entity]:
    return {entity.id: entity for entity in sample_entities}
