"""ocr server health: the last health check of each OCR server, cached

Revision ID: 0011_ocr_server_health
Revises: 0010_task_assignments
Create Date: 2026-12-04 14:40:00.000000

Listing OCR servers used to ask every server live on each call; the answer of the last check
(at registration and in the background) is kept here instead. Plain added columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from visualner.migrations.ddl import timestamp

revision: str = "0011_ocr_server_health"
down_revision: str | None = "0010_task_assignments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "ocr_servers",
        sa.Column("health", sa.String(length=10), nullable=False, server_default="unknown"),
    )
    op.add_column(
        "ocr_servers", sa.Column("health_error", sa.Text(), nullable=False, server_default="")
    )
    op.add_column(
        "ocr_servers",
        sa.Column("engine", sa.String(length=200), nullable=False, server_default=""),
    )
    op.add_column(
        "ocr_servers",
        sa.Column("can_preannotate", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "ocr_servers",
        timestamp("checked_at", nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("ocr_servers") as batch:
        for column in ("checked_at", "can_preannotate", "engine", "health_error", "health"):
            batch.drop_column(column)
