"""Every format's export of the fixture project matches its golden file.

Regenerate after an intended change with ``VISUALNER_UPDATE_GOLDEN=1 pytest tests/formats``
and review the diff of ``tests/formats/golden/``.
"""

from __future__ import annotations

import os

import pytest

from tests.formats.conftest import GOLDEN_DIR, FixtureProject, readable
from visualner.formats.registry import EXPORT_FORMATS

UPDATE = os.environ.get("VISUALNER_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("format", [f.name for f in EXPORT_FORMATS])
def test_the_export_of_the_fixture_project_matches_the_golden_file(
    fixture_project: FixtureProject, format: str
) -> None:
    exported = readable(format, fixture_project.export(format, predictions="true"))
    golden = GOLDEN_DIR / f"{format}.txt"
    if UPDATE or not golden.exists():
        golden.write_text(exported)
        if not UPDATE:
            pytest.fail(f"wrote the missing golden file {golden.name}; review and commit it")
    assert exported == golden.read_text()


def test_every_format_has_a_golden_file() -> None:
    names = {path.stem for path in GOLDEN_DIR.glob("*.txt")}
    assert names == {f.name for f in EXPORT_FORMATS}
