"""OCR: ``engines/`` read page images into words; ``servers/`` holds the OCR-server store, the
wire protocol, its client and app, and the dispatch of pages to servers; ``rerun`` and
``routes`` tie both to tasks and jobs."""
