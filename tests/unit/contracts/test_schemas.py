"""schemas/ is generated from the models: this fails when someone changed a model and forgot
`make schemas`."""

from __future__ import annotations

from pathlib import Path

from newsingest.schemas import render_schemas

SCHEMAS = Path(__file__).parents[3] / "schemas"


def test_checked_in_schemas_match_the_models() -> None:
    expected = render_schemas()
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in SCHEMAS.glob("*.json")}
    assert sorted(on_disk) == sorted(expected), "run `make schemas`"
    stale = [name for name, text in expected.items() if on_disk[name] != text]
    assert stale == [], f"stale schemas {stale}: run `make schemas`"
