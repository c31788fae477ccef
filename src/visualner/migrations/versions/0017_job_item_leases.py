"""job item leases: several workers share one job's items

Revision ID: 0017_job_item_leases
Revises: 0016_annotation_terms_project
Create Date: 2026-12-04 22:40:00.000000

``job_items.lease_owner`` and ``lease_expires_at``: a worker takes the next pending items of
a job by writing its name and an expiry on them (``jobs.leases``); an expired lease (a dead
worker's) may be taken by any other. The index ``(job_id, status, position)`` finds a job's
next pending items without walking its finished ones. Plain columns and an index: no table
is rebuilt.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from visualner.migrations.ddl import timestamp

revision: str = "0017_job_item_leases"
down_revision: str | None = "0016_annotation_terms_project"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("job_items", sa.Column("lease_owner", sa.String(length=100), nullable=True))
    op.add_column("job_items", timestamp("lease_expires_at", nullable=True))
    op.create_index(
        "ix_job_items_job_id_status_position", "job_items", ["job_id", "status", "position"]
    )


def downgrade() -> None:
    op.drop_index("ix_job_items_job_id_status_position", table_name="job_items")
    with op.batch_alter_table("job_items") as batch:
        batch.drop_column("lease_expires_at")
        batch.drop_column("lease_owner")
