"""OCR engines: the ``OcrEngine`` interface, one module per engine, reading order, evaluation."""
