"""The ``visualner`` command."""

from __future__ import annotations

import typer

from visualner import __version__
from visualner.cli.admin import db_app, token_app, user_app
from visualner.cli.assign import assign_command
from visualner.cli.export import export_project
from visualner.cli.importer import import_files
from visualner.cli.model import model_app, preannotate_command
from visualner.cli.ocr_server import ocr_server
from visualner.cli.projects import project_app
from visualner.cli.server import serve, worker
from visualner.cli.storage import storage_app

app = typer.Typer(
    name="visualner",
    help="Visual NER: label entities on scanned images and PDFs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(serve)
app.command()(worker)
app.command("import")(import_files)
app.command("export")(export_project)
app.command("ocr-server")(ocr_server)
app.command("preannotate")(preannotate_command)
app.command("assign")(assign_command)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(model_app, name="model")
app.add_typer(project_app, name="project")
app.add_typer(storage_app, name="storage")


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def main() -> None:
    app()
