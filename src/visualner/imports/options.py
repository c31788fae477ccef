"""The options of one import; unset ones fall back to the project's settings."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ImportOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ocr: bool | None = Field(None, description="Run OCR on pages without a text layer.")
    ocr_servers: list[str] = Field(
        default_factory=list, description="OCR server names; several share the pages."
    )
    text_layer: Literal["auto", "ignore"] = Field(
        "auto", description="auto: a PDF page's text layer gives its words; ignore: OCR it."
    )
    pdf_dpi: int | None = Field(None, ge=36, le=600, description="Render resolution of PDFs.")
    skip_duplicates: bool | None = Field(
        None, description="Skip files whose sha256 is already in the project."
    )
    preannotate: bool | None = Field(
        None, description="Pre-annotate new tasks with the project's active model."
    )

    def resolved(self, project_settings: dict[str, Any], default_dpi: int) -> ImportOptions:
        """These options with the project's defaults filled in."""
        servers = self.ocr_servers or (
            [project_settings["ocr_server"]] if project_settings.get("ocr_server") else []
        )
        return ImportOptions(
            ocr=project_settings.get("ocr_enabled", True) if self.ocr is None else self.ocr,
            ocr_servers=servers,
            text_layer=self.text_layer,
            pdf_dpi=self.pdf_dpi or project_settings.get("pdf_dpi") or default_dpi,
            skip_duplicates=(
                bool(project_settings.get("skip_duplicates"))
                if self.skip_duplicates is None
                else self.skip_duplicates
            ),
            preannotate=(
                bool(project_settings.get("preannotate_on_import"))
                if self.preannotate is None
                else self.preannotate
            ),
        )
