"""HTTP client of one OCR server."""

from __future__ import annotations

import json
from typing import Any

import httpx

from visualner.errors import InvalidInput, Unavailable
from visualner.ocr.servers.protocol import page_words_from_json
from visualner.words import PageWords


class RemoteOcrClient:
    """Sends page images to ``visualner ocr-server`` (or anything speaking its protocol)."""

    def __init__(self, url: str, *, timeout_s: float = 120.0) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(timeout=timeout_s)

    def recognize(self, image_bytes: bytes, *, mime: str) -> PageWords:
        try:
            response = self._client.post(
                f"{self.url}/ocr", files={"image": ("page", image_bytes, mime)}
            )
        except httpx.HTTPError as exc:
            raise Unavailable(f"OCR server {self.url} cannot be reached: {exc}") from exc
        if response.status_code in {400, 413, 415}:
            raise InvalidInput(f"OCR server {self.url} refused the page: {_detail(response)}")
        if response.status_code != 200:
            raise Unavailable(
                f"OCR server {self.url} answered {response.status_code}: {_detail(response)}"
            )
        try:
            return page_words_from_json(response.json())
        except ValueError as exc:
            raise Unavailable(
                f"OCR server {self.url} answered in an unknown format: {exc}"
            ) from exc

    def preannotate(
        self,
        *,
        model_sha256: str,
        words: dict[str, Any] | None = None,
        image: bytes | None = None,
        mime: str = "image/png",
    ) -> dict[str, Any]:
        """Pre-annotate one page (its ``words`` JSON, or an ``image`` to OCR first) with the
        model ``model_sha256``; answers the server's JSON (docs/ocr-server.md)."""
        files: dict[str, Any] = {"model_sha256": (None, model_sha256)}
        if words is not None:
            files["words"] = (None, json.dumps(words))
        if image is not None:
            files["image"] = ("page", image, mime)
        try:
            response = self._client.post(f"{self.url}/preannotate", files=files)
        except httpx.HTTPError as exc:
            raise Unavailable(f"OCR server {self.url} cannot be reached: {exc}") from exc
        if response.status_code in {400, 413, 415, 422}:
            raise InvalidInput(f"OCR server {self.url} refused the page: {_detail(response)}")
        if response.status_code != 200:
            raise Unavailable(
                f"OCR server {self.url} answered {response.status_code}: {_detail(response)}"
            )
        payload: dict[str, Any] = response.json()
        return payload

    def info(self) -> dict[str, Any]:
        try:
            response = self._client.get(f"{self.url}/info", timeout=5)
            response.raise_for_status()
            payload: dict[str, Any] = response.json()
            return payload
        except (httpx.HTTPError, ValueError) as exc:
            raise Unavailable(f"OCR server {self.url} is not answering: {exc}") from exc

    def close(self) -> None:
        self._client.close()


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text[:200]))
    except ValueError:
        return response.text[:200]
