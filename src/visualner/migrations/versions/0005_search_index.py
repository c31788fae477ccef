"""search index: full text of pages, titles and labels; annotation terms; tags; score sort;
blob deletions

Revision ID: 0005_search_index
Revises: 0004_one_annotation_per_user
Create Date: 2026-12-04 10:00:00.000000

Full text (kept in step by triggers, in the transaction of every write, whoever writes):
- SQLite: FTS5 external-content tables over ``pages.page_text``, ``tasks.title`` and
  ``annotation_terms.text`` (tokenizer ``unicode61 remove_diacritics 2``).
- PostgreSQL: stored generated ``tsvector`` columns with GIN indexes, over ``search_fold``
  (NFD, accents U+0300–U+036F removed, punctuation to spaces, lower case) and the ``simple``
  configuration: codes, names and numbers are kept as typed, never stemmed or dropped as stop
  words.

``annotation_terms`` rows are written from ``annotations.result`` by triggers too.
``tasks.prediction_score`` (lowest prediction score) is kept by triggers on ``predictions``.
Existing databases are indexed here.

A later migration that recreates ``pages``, ``tasks``, ``annotations``, ``predictions`` or
``annotation_terms`` (SQLite batch mode copies a table) drops its triggers: create them again
(``tests/search/test_index_in_step.py`` fails when they are missing).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from visualner.migrations.ddl import (
    create_sqlite_row_triggers,
    drop_sqlite_row_triggers,
    id_column,
    id_primary_key,
    references,
)

revision: str = "0005_search_index"
down_revision: str | None = "0004_one_annotation_per_user"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FTS_SOURCES = {
    # fts table: (content table, column)
    "pages_fts": ("pages", "page_text"),
    "tasks_fts": ("tasks", "title"),
    "annotation_terms_fts": ("annotation_terms", "text"),
}

SQLITE_LABEL_TERMS = """
INSERT INTO annotation_terms (annotation_id, task_id, kind, name, text)
SELECT {row}.id, {row}.task_id, 'label', substr(json_extract(r.value, '$.label'), 1, 200),
       coalesce(group_concat(json_extract(r.value, '$.text'), char(10)), '')
FROM {source} json_each({row}.result, '$.regions') AS r
WHERE r.type = 'object' AND json_type(r.value, '$.label') = 'text'
GROUP BY {row}.id, substr(json_extract(r.value, '$.label'), 1, 200)
"""
SQLITE_CHOICE_TERMS = """
INSERT INTO annotation_terms (annotation_id, task_id, kind, name, text)
SELECT DISTINCT {row}.id, {row}.task_id, 'choice', substr(c.value, 1, 200), ''
FROM {source} json_each({row}.result, '$.choices') AS g, json_each(g.value) AS c
WHERE g.type = 'array' AND c.type = 'text'
"""
SQLITE_SCORE = """
UPDATE tasks SET prediction_score =
  (SELECT min(score) FROM predictions WHERE predictions.task_id = {task_id})
WHERE id = {task_id}
"""

PG_FOLD = r"""
CREATE FUNCTION search_fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT lower(regexp_replace(regexp_replace({normalized}, '[\u0300-\u036f]+', '', 'g'),
                                  '[[:punct:]]+', ' ', 'g')) $$
"""
PG_VECTOR = "to_tsvector('simple'::regconfig, search_fold({column}))"
PG_VECTORS = {
    # table: (vector column, indexed column)
    "pages": ("search_vector", "page_text"),
    "tasks": ("title_vector", "title"),
    "annotation_terms": ("search_vector", "text"),
}
PG_LABEL_TERMS = """
INSERT INTO annotation_terms (annotation_id, task_id, kind, name, text)
SELECT {row}.id, {row}.task_id, 'label', left(r ->> 'label', 200),
       coalesce(string_agg(r ->> 'text', E'\\n'), '')
FROM {source} json_array_elements(CASE WHEN json_typeof({row}.result -> 'regions') = 'array'
                               THEN {row}.result -> 'regions' ELSE '[]'::json END) AS r
WHERE json_typeof(r) = 'object' AND json_typeof(r -> 'label') = 'string'
GROUP BY {row}.id, {row}.task_id, left(r ->> 'label', 200)
"""
PG_CHOICE_TERMS = """
INSERT INTO annotation_terms (annotation_id, task_id, kind, name, text)
SELECT DISTINCT {row}.id, {row}.task_id, 'choice', left(c.value #>> '{{}}', 200), ''
FROM {source} json_each(CASE WHEN json_typeof({row}.result -> 'choices') = 'object'
                      THEN {row}.result -> 'choices' ELSE '{{}}'::json END) AS g,
     json_array_elements(CASE WHEN json_typeof(g.value) = 'array'
                         THEN g.value ELSE '[]'::json END) AS c(value)
WHERE json_typeof(c.value) = 'string'
"""
PG_TRIGGER_FUNCTIONS = """
CREATE FUNCTION annotation_terms_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM annotation_terms WHERE annotation_id = OLD.id;
  END IF;
  {labels};
  {choices};
  RETURN NULL;
END $$;
CREATE FUNCTION tasks_prediction_score_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    UPDATE tasks SET prediction_score =
      (SELECT min(score) FROM predictions WHERE task_id = OLD.task_id) WHERE id = OLD.task_id;
  END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    UPDATE tasks SET prediction_score =
      (SELECT min(score) FROM predictions WHERE task_id = NEW.task_id) WHERE id = NEW.task_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER annotation_terms_insert AFTER INSERT ON annotations
  FOR EACH ROW EXECUTE FUNCTION annotation_terms_refresh();
CREATE TRIGGER annotation_terms_update AFTER UPDATE OF result ON annotations
  FOR EACH ROW EXECUTE FUNCTION annotation_terms_refresh();
CREATE TRIGGER tasks_prediction_score AFTER INSERT OR DELETE OR UPDATE OF score, task_id
  ON predictions FOR EACH ROW EXECUTE FUNCTION tasks_prediction_score_refresh();
"""


def _create_tables() -> None:
    op.create_table(
        "annotation_terms",
        id_column(),
        sa.Column("annotation_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        references("annotation_terms", "annotation_id", "annotations", ondelete="CASCADE"),
        references("annotation_terms", "task_id", "tasks", ondelete="CASCADE"),
        id_primary_key("annotation_terms"),
    )
    op.create_index(
        "ix_annotation_terms_annotation_id", "annotation_terms", ["annotation_id"], unique=False
    )
    op.create_index(
        "ix_annotation_terms_kind_name_task_id",
        "annotation_terms",
        ["kind", "name", "task_id"],
        unique=False,
    )
    op.create_table(
        "tags",
        id_column(),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        references("tags", "project_id", "projects", ondelete="CASCADE"),
        id_primary_key("tags"),
        sa.UniqueConstraint("project_id", "key", name=op.f("uq_tags_project_id")),
    )
    op.create_table(
        "task_tags",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        references("task_tags", "tag_id", "tags", ondelete="CASCADE"),
        references("task_tags", "task_id", "tasks", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("task_id", "tag_id", name=op.f("pk_task_tags")),
    )
    op.create_index("ix_task_tags_tag_id_task_id", "task_tags", ["tag_id", "task_id"])
    op.add_column("tasks", sa.Column("prediction_score", sa.Float(), nullable=True))
    op.create_index(
        "ix_tasks_project_id_prediction_score_id", "tasks", ["project_id", "prediction_score", "id"]
    )
    op.create_index(
        "ix_tasks_project_id_annotation_count_id", "tasks", ["project_id", "annotation_count", "id"]
    )
    op.create_index("ix_pages_image_sha256", "pages", ["image_sha256"])
    op.create_table(
        "blob_deletions",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blob_deletions")),
    )


def _sqlite_upgrade() -> None:
    for fts, (content, column) in FTS_SOURCES.items():
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{content}', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        insert = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"
        remove = (
            f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
        )
        create_sqlite_row_triggers(fts, content, update_of=column, on_new=insert, on_old=remove)
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    # Existing annotations (the FTS triggers above index their texts as they are inserted).
    op.execute(SQLITE_LABEL_TERMS.format(row="a", source="annotations AS a,"))
    op.execute(SQLITE_CHOICE_TERMS.format(row="a", source="annotations AS a,"))
    terms = (
        SQLITE_LABEL_TERMS.format(row="new", source="")
        + ";"
        + SQLITE_CHOICE_TERMS.format(row="new", source="")
        + ";"
    )
    op.execute(
        f"CREATE TRIGGER annotation_terms_insert AFTER INSERT ON annotations BEGIN {terms} END"
    )
    op.execute(
        "CREATE TRIGGER annotation_terms_update AFTER UPDATE OF result ON annotations BEGIN "
        f"DELETE FROM annotation_terms WHERE annotation_id = old.id; {terms} END"
    )
    new_score = SQLITE_SCORE.format(task_id="new.task_id") + ";"
    old_score = SQLITE_SCORE.format(task_id="old.task_id") + ";"
    create_sqlite_row_triggers(
        "tasks_prediction_score",
        "predictions",
        update_of="score, task_id",
        on_new=new_score,
        on_old=old_score,
    )
    op.execute(SQLITE_SCORE.format(task_id="tasks.id"))


def _pg_upgrade() -> None:
    utf8 = op.get_bind().execute(sa.text("SHOW server_encoding")).scalar() == "UTF8"
    op.execute(PG_FOLD.format(normalized="normalize(t, NFD)" if utf8 else "t"))
    for table_name, (vector, column) in PG_VECTORS.items():
        op.execute(
            f"ALTER TABLE {table_name} ADD COLUMN {vector} tsvector "
            f"GENERATED ALWAYS AS ({PG_VECTOR.format(column=column)}) STORED"
        )
        op.execute(f"CREATE INDEX ix_{table_name}_{vector} ON {table_name} USING gin ({vector})")
    op.execute(PG_LABEL_TERMS.format(row="a", source="annotations AS a,"))
    op.execute(PG_CHOICE_TERMS.format(row="a", source="annotations AS a,"))
    op.execute(
        PG_TRIGGER_FUNCTIONS.format(
            labels=PG_LABEL_TERMS.format(row="NEW", source=""),
            choices=PG_CHOICE_TERMS.format(row="NEW", source=""),
        )
    )
    op.execute(
        "UPDATE tasks SET prediction_score = "
        "(SELECT min(score) FROM predictions WHERE predictions.task_id = tasks.id)"
    )


def upgrade() -> None:
    _create_tables()
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _pg_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("annotation_terms_insert", "annotation_terms_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        drop_sqlite_row_triggers("tasks_prediction_score")
        for fts in FTS_SOURCES:
            drop_sqlite_row_triggers(fts)
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    else:
        op.execute("DROP TRIGGER IF EXISTS annotation_terms_insert ON annotations")
        op.execute("DROP TRIGGER IF EXISTS annotation_terms_update ON annotations")
        op.execute("DROP TRIGGER IF EXISTS tasks_prediction_score ON predictions")
        op.execute("DROP FUNCTION IF EXISTS annotation_terms_refresh()")
        op.execute("DROP FUNCTION IF EXISTS tasks_prediction_score_refresh()")
        for table_name, (vector, _column) in PG_VECTORS.items():
            if table_name != "annotation_terms":
                op.execute(f"ALTER TABLE {table_name} DROP COLUMN {vector}")
    op.drop_table("blob_deletions")
    op.drop_index("ix_pages_image_sha256", table_name="pages")
    op.drop_index("ix_tasks_project_id_annotation_count_id", table_name="tasks")
    op.drop_index("ix_tasks_project_id_prediction_score_id", table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("prediction_score")
    op.drop_table("task_tags")
    op.drop_table("tags")
    op.drop_table("annotation_terms")
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS search_fold(text)")
