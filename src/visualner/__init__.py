"""visualner: open-source Visual NER — label entities on scanned images and PDFs."""

__version__ = "0.1.0"
