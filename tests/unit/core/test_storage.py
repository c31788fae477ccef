"""Word storage codec and the content-addressed blob store."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from visualner.documents.blobstore import BlobStore
from visualner.errors import InvalidInput, NotFound
from visualner.word_codec import decode_words, encode_words, page_text, words_as_json
from visualner.words import Word


def test_words_survive_an_encode_decode_round_trip() -> None:
    words = [
        Word("Invoice", (10, 20, 80, 40), 0.98, line=0, block=0),
        Word("<script>", (90, 20, 160, 40), 0.5, line=0, block=0),
        Word("Total:", (10, 60, 70, 80), 1.0, line=1, block=1),
    ]
    blob = encode_words(words)
    assert decode_words(blob) == words
    assert words_as_json(blob)[1] == {
        "text": "<script>",
        "bbox": [90, 20, 160, 40],
        "confidence": 0.5,
        "line": 0,
        "block": 0,
    }
    assert page_text(words) == "Invoice <script>\nTotal:"


def test_a_thousand_words_stay_compact() -> None:
    words = [Word(f"w{i}", (i, i, i + 5, i + 5), 0.9, i // 10, 0) for i in range(1000)]
    assert len(encode_words(words)) < 12 * 1000


def test_no_words_decode_to_an_empty_list() -> None:
    assert decode_words(None) == []
    assert words_as_json(encode_words([])) == []


def test_blobs_are_named_by_their_sha256_and_stored_once(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    first = store.put_bytes(b"page image")
    second = store.put_stream(io.BytesIO(b"page image"))
    assert first == second
    assert store.read_bytes(first) == b"page image"
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert len(files) == 1
    assert files[0].name == first


@pytest.mark.parametrize("name", ["../../etc/passwd", "abc", "A" * 64, "/" + "a" * 63])
def test_blob_names_that_are_not_a_sha256_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInput):
        BlobStore(tmp_path).path_for(name)


def test_a_missing_blob_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        BlobStore(tmp_path).read_bytes("0" * 64)
