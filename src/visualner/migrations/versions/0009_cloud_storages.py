"""cloud storages: a project's source and target buckets, and the objects synced from them

Revision ID: 0009_cloud_storages
Revises: 0008_annotation_imported_from
Create Date: 2026-12-04 14:20:00.000000

New tables only: nothing existing is rebuilt (the search triggers of 0005/0006 stay).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from visualner.migrations.ddl import id_column, id_primary_key, references, timestamp

revision: str = "0009_cloud_storages"
down_revision: str | None = "0008_annotation_imported_from"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "storages",
        id_column(),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("bucket", sa.String(length=255), nullable=False),
        sa.Column("prefix", sa.String(length=1024), nullable=False),
        sa.Column("glob", sa.String(length=255), nullable=False),
        sa.Column("endpoint_url", sa.String(length=2000), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("credentials", sa.Text(), nullable=False),
        sa.Column("sync_every_minutes", sa.Integer(), nullable=False),
        sa.Column("import_options", sa.JSON(), nullable=False),
        sa.Column("export_format", sa.String(length=50), nullable=False),
        sa.Column("export_only", sa.String(length=20), nullable=False),
        timestamp("last_sync_at", nullable=True),
        sa.Column("last_sync_job_id", sa.Integer(), nullable=True),
        timestamp("created_at"),
        references("storages", "project_id", "projects", ondelete="CASCADE"),
        id_primary_key("storages"),
    )
    op.create_index(op.f("ix_storages_project_id"), "storages", ["project_id"], unique=False)
    op.create_table(
        "storage_objects",
        id_column(),
        sa.Column("storage_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("etag", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        timestamp("updated_at"),
        references("storage_objects", "storage_id", "storages", ondelete="CASCADE"),
        id_primary_key("storage_objects"),
        sa.UniqueConstraint("storage_id", "key", name=op.f("uq_storage_objects_storage_id")),
    )


def downgrade() -> None:
    op.drop_table("storage_objects")
    op.drop_index(op.f("ix_storages_project_id"), table_name="storages")
    op.drop_table("storages")
