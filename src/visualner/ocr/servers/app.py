"""The standalone OCR server (``visualner ocr-server``): one engine behind HTTP.

Pages are recognised in a bounded pool of worker threads so a burst of requests queues
instead of oversubscribing the machine; the protocol is in ``ocr/servers/protocol.py``.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fastapi import FastAPI, File, Form, UploadFile
from fastapi.responses import JSONResponse
from PIL import Image

from visualner import __version__
from visualner.documents.images import iter_image_pages
from visualner.errors import InvalidInput, TooLarge, VisualnerError
from visualner.ocr.engines.base import OcrEngine
from visualner.ocr.servers.protocol import PROTOCOL_VERSION
from visualner.preannotation.serving import (
    AppArtifactSource,
    ModelCache,
    check_sha256,
    page_words_posted,
    prediction_json,
)

MAX_IMAGE_BYTES = 100 * 1024 * 1024


def _first_page(path: Path, max_pixels: int) -> Image.Image:
    for page in iter_image_pages(path, max_pixels=max_pixels, max_pages=1, display_name="image"):
        return page.image
    raise TooLarge("the posted image has no pages")


def create_ocr_app(
    engine: OcrEngine,
    *,
    workers: int,
    max_pixels: int = 120_000_000,
    artifacts: AppArtifactSource | None = None,
) -> FastAPI:
    """``artifacts`` says where ``/preannotate`` fetches models (default: from the
    ``VISUALNER_APP_URL`` / ``VISUALNER_APP_TOKEN`` environment)."""
    app = FastAPI(title="visualner OCR server", version=__version__)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr")
    model_source = artifacts or AppArtifactSource.from_environment()
    models = ModelCache()

    @app.exception_handler(VisualnerError)
    async def _domain_error(_request: Any, exc: VisualnerError) -> JSONResponse:
        return JSONResponse({"detail": exc.message, "code": exc.code}, status_code=exc.status_code)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/info")
    def info() -> dict[str, Any]:
        return {
            "engine": engine.name,
            "version": engine.version,
            "languages": engine.languages,
            "workers": workers,
            "protocol": PROTOCOL_VERSION,
            "visualner": __version__,
            "preannotate": model_source.can_fetch,
        }

    def _decode_image(data: bytes) -> Image.Image:
        with tempfile.NamedTemporaryFile(suffix=".img") as handle:
            handle.write(data)
            handle.flush()
            return _first_page(Path(handle.name), max_pixels)

    def _recognize(data: bytes) -> dict[str, Any]:
        return engine.recognize(_decode_image(data)).to_json()

    @app.post("/ocr")
    async def ocr(image: UploadFile = File(...)) -> dict[str, Any]:
        """Recognise the words of one page image."""
        data = await image.read(MAX_IMAGE_BYTES + 1)
        if len(data) > MAX_IMAGE_BYTES:
            raise TooLarge(f"the image is larger than {MAX_IMAGE_BYTES // 2**20} MB")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, _recognize, data)

    def _preannotate(sha256: str, words_json: str | None, image_data: bytes | None) -> Any:
        model = models.get(sha256, model_source.read)
        image = _decode_image(image_data) if image_data is not None else None
        if words_json is not None:
            try:
                raw = json.loads(words_json)
            except ValueError as exc:
                raise InvalidInput(f"words is not JSON: {exc}", field="words") from exc
            page = page_words_posted(raw)
        else:
            assert image is not None
            # through the wire shape: the model sees boxes rounded as posted words are
            page = page_words_posted(engine.recognize(image).to_json())
        return prediction_json(page, model.predict(page, image), model)

    @app.post("/preannotate")
    async def preannotate(
        model_sha256: str = Form(...),
        words: str | None = Form(None),
        image: UploadFile | None = File(None),
    ) -> dict[str, Any]:
        """Predict the entities of one page with the app's model ``model_sha256`` (fetched
        once and cached): its ``words``, its ``image`` to OCR first, or both — the image then
        adds the model's ink and ruling-line cues to the given words."""
        check_sha256(model_sha256)
        if words is None and image is None:
            raise InvalidInput("send words (JSON), an image, or both", field="words")
        data = None
        if image is not None:
            data = await image.read(MAX_IMAGE_BYTES + 1)
            if len(data) > MAX_IMAGE_BYTES:
                raise TooLarge(f"the image is larger than {MAX_IMAGE_BYTES // 2**20} MB")
        loop = asyncio.get_running_loop()
        payload: dict[str, Any] = await loop.run_in_executor(
            pool, _preannotate, model_sha256, words, data
        )
        return payload

    app.state.pool = pool
    return app
