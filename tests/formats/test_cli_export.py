"""``visualner export`` writes a project's export to a file, against the database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.formats.conftest import FixtureProject
from visualner.cli.main import app as cli_app


def test_the_export_command_writes_the_file_with_image_paths_from_the_blob_store(
    fixture_project: FixtureProject, tmp_path: Path
) -> None:
    settings = fixture_project.services.settings
    output = tmp_path / "project.jsonl"
    result = CliRunner().invoke(
        cli_app,
        [
            "export",
            str(fixture_project.project_id),
            "--format",
            "layoutlm",
            "-o",
            str(output),
            "--predictions",
        ],
        env={
            "VISUALNER_DATA_DIR": str(settings.data_dir),
            "VISUALNER_DATABASE_URL": settings.effective_database_url,
        },
    )
    assert result.exit_code == 0, result.output
    assert "2 tasks" in result.output
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(rows) == 3
    assert Path(rows[0]["image_path"]).is_file()


def test_the_export_command_refuses_an_unknown_format(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli_app,
        ["export", "1", "--format", "yaml", "-o", str(tmp_path / "x")],
        env={"VISUALNER_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 1
    assert "unknown format" in result.output
