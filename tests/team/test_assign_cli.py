"""``visualner assign`` on both engines: the same rules as the API."""

from __future__ import annotations

from typer.testing import CliRunner

from tests.team.conftest import Team
from visualner.cli.main import app as cli_app
from visualner.settings import Settings


def _assign(settings: Settings, *args: str) -> object:
    env = {
        "VISUALNER_DATABASE_URL": settings.database_url,
        "VISUALNER_DATA_DIR": str(settings.data_dir),
    }
    return CliRunner().invoke(cli_app, ["assign", *args], env=env)


def test_assign_from_the_command_line_with_a_filter_and_evenly(
    team: Team, settings: Settings
) -> None:
    tasks = team.tasks(5)
    a, b = team.ann_a.username, team.ann_b.username
    project = str(team.project_id)
    done = _assign(
        settings,
        project,
        "--annotators",
        a,
        "--reviewer",
        team.reviewer.username,
        "--filter",
        "title:doc0",
    )
    assert done.exit_code == 1  # type: ignore[attr-defined]
    assert "'title:doc0': unknown field" in done.output  # type: ignore[attr-defined]
    done = _assign(settings, project, "--annotators", a, "--filter", "doc0")
    assert done.exit_code == 0, done.output  # type: ignore[attr-defined]
    assert done.output.splitlines() == ["assigned 1 task(s)", f"{a}\t1"]  # type: ignore[attr-defined]
    spread = _assign(settings, project, "--annotators", f"{a},{b}", "--distribute", "0")
    assert spread.exit_code == 0, spread.output  # type: ignore[attr-defined]
    assert spread.output.splitlines() == ["assigned 4 task(s)", f"{a}\t2", f"{b}\t2"]  # type: ignore[attr-defined]
    assert team.listed(team.ann_a) == [tasks[0], tasks[1], tasks[3]]
    refused = _assign(settings, project, "--reviewer", a)
    assert refused.exit_code == 1 and "cannot be a reviewer" in refused.output  # type: ignore[attr-defined]
