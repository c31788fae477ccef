"""``visualner ocr-server``: a standalone OCR service (protocol in docs/ocr-server.md)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from visualner.cli.common import configure_logging, reports_errors
from visualner.ocr.engines.base import create_engine
from visualner.ocr.servers.app import create_ocr_app
from visualner.preannotation.serving import AppArtifactSource


@reports_errors
def ocr_server(
    engine: Annotated[str, typer.Option(help="rapidocr or tesseract")] = "rapidocr",
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8501,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Pages recognised at once.")] = 2,
    languages: Annotated[str, typer.Option(help="OCR languages, e.g. eng or eng+deu.")] = "eng",
    app_url: Annotated[
        str, typer.Option(envvar="VISUALNER_APP_URL", help="visualner app to fetch models from.")
    ] = "",
    app_token: Annotated[
        str, typer.Option(envvar="VISUALNER_APP_TOKEN", help="API token for that app.")
    ] = "",
    model_cache_dir: Annotated[
        str, typer.Option(envvar="VISUALNER_MODEL_CACHE_DIR", help="Where models are cached.")
    ] = "",
    log_level: Annotated[str, typer.Option(help="debug, info, warning")] = "info",
) -> None:
    """Run an OCR server other visualner installations can send pages to."""
    configure_logging(log_level)
    ocr_engine = create_engine(engine, languages=languages)
    artifacts = AppArtifactSource.configured(
        app_url=app_url, app_token=app_token, cache_dir=model_cache_dir
    )
    app = create_ocr_app(ocr_engine, workers=workers, artifacts=artifacts)
    typer.secho(
        f"OCR server ({engine}, {workers} workers) on http://{host}:{port}", fg=typer.colors.GREEN
    )
    uvicorn.run(app, host=host, port=port, log_level=log_level.lower())
