"""The predefined labeling configs a project can start from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from visualner.errors import InvalidInput

TEMPLATE_DIR = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    description: str

    @property
    def xml(self) -> str:
        return (TEMPLATE_DIR / f"{self.key}.xml").read_text()


TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in [
        Template(
            "visual_ner",
            "Visual NER",
            "Entity labels on OCR words plus free boxes for logos, signatures and missed text.",
        ),
        Template(
            "forms",
            "Forms (FUNSD)",
            "Question, answer, header and other, with question → answer links.",
        ),
        Template(
            "invoices",
            "Invoices",
            "Invoice numbers, dates, parties, line items and totals; a document type choice.",
        ),
        Template("receipts", "Receipts", "Merchant, date, items, prices and totals."),
    ]
}


def get_template(key: str) -> Template:
    try:
        return TEMPLATES[key]
    except KeyError:
        raise InvalidInput(
            f"unknown template {key!r}; choose one of: {', '.join(TEMPLATES)}", field="template"
        ) from None
