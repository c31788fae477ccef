"""annotation imported_from: the exported author of an imported annotation, as metadata

Revision ID: 0008_annotation_imported_from
Revises: 0007_login_failures
Create Date: 2026-12-04 14:30:00.000000

An imported annotation belongs to the user who imported it; the author its JSON named is kept
here as text (it names no account, so a forged name grants nothing). A plain added column:
the table is not rebuilt, so the triggers of 0005/0006 stay.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_annotation_imported_from"
down_revision: str | None = "0007_login_failures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "annotations",
        sa.Column("imported_from", sa.String(length=150), nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("annotations") as batch:
        batch.drop_column("imported_from")
