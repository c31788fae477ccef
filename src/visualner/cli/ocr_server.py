"""``visualner ocr-server``: a standalone OCR service (protocol in docs/ocr-server.md)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from visualner.cli.common import configure_logging, reports_errors
from visualner.ocr.engine import create_engine
from visualner.ocr.server_app import create_ocr_app


@reports_errors
def ocr_server(
    engine: Annotated[str, typer.Option(help="tesseract or rapidocr")] = "tesseract",
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8501,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Pages recognised at once.")] = 2,
    languages: Annotated[str, typer.Option(help="OCR languages, e.g. eng or eng+deu.")] = "eng",
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
) -> None:
    """Run an OCR server other visualner installations can send pages to."""
    configure_logging(log_level)
    ocr_engine = create_engine(engine, languages=languages)
    app = create_ocr_app(ocr_engine, workers=workers)
    typer.secho(
        f"OCR server ({engine}, {workers} workers) on http://{host}:{port}", fg=typer.colors.GREEN
    )
    uvicorn.run(app, host=host, port=port, log_level=log_level.lower())
