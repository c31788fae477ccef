"""annotation terms carry their project; the term index writes only the rows that changed

Revision ID: 0016_annotation_terms_project
Revises: 0015_annotation_active_time
Create Date: 2026-12-04 17:00:00.000000

``annotation_terms.project_id`` (its task's project, filled here for existing rows) with an
index ``(project_id, kind, name, task_id)`` in place of ``(kind, name, task_id)``: a
``label:``/``choice:`` term is then an index-only range of one project, and its exact count a
``COUNT(DISTINCT task_id)`` of that range (issue 16). The column is added without rebuilding
the table, so the full-text triggers on it stay; it has no foreign key (rows go with their
task and annotation).

The triggers on ``annotations`` are created again: they write ``project_id``, and an update
of ``result`` deletes and inserts only the term rows whose label, choice or text changed
(a save that keeps its labels' texts writes no index row). A trigger on ``tasks`` keeps
``project_id`` right if a task ever changes project.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_annotation_terms_project"
down_revision: str | None = "0015_annotation_active_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The term rows an annotation's result makes: (kind, name, text), one per label (its regions'
# texts, one a line) and one per chosen value. SQLite triggers take no WITH clause, so this is
# a subquery, written once per engine.
SQLITE_TERMS = """
SELECT 'label' AS kind, substr(json_extract(r.value, '$.label'), 1, 200) AS name,
       coalesce(group_concat(json_extract(r.value, '$.text'), char(10)), '') AS text
FROM json_each({row}.result, '$.regions') AS r
WHERE r.type = 'object' AND json_type(r.value, '$.label') = 'text'
GROUP BY substr(json_extract(r.value, '$.label'), 1, 200)
UNION
SELECT 'choice', substr(c.value, 1, 200), ''
FROM json_each({row}.result, '$.choices') AS g, json_each(g.value) AS c
WHERE g.type = 'array' AND c.type = 'text'
"""
SQLITE_INSERT_TERMS = """
INSERT INTO annotation_terms (annotation_id, task_id, project_id, kind, name, text)
SELECT new.id, new.task_id, t.project_id, f.kind, f.name, f.text
FROM tasks AS t, ({terms}) AS f
WHERE t.id = new.task_id {only_new}
"""
SQLITE_ONLY_NEW = """
AND (f.kind, f.name, f.text) NOT IN
    (SELECT kind, name, text FROM annotation_terms WHERE annotation_id = new.id)
"""
SQLITE_DELETE_CHANGED = """
DELETE FROM annotation_terms WHERE annotation_id = old.id
AND (task_id <> new.task_id OR (kind, name, text) NOT IN ({terms}))
"""

PG_TERMS = """
SELECT 'label'::varchar AS kind, left(r ->> 'label', 200)::varchar AS name,
       coalesce(string_agg(r ->> 'text', E'\\n'), '') AS text
FROM json_array_elements(CASE WHEN json_typeof(NEW.result -> 'regions') = 'array'
                         THEN NEW.result -> 'regions' ELSE '[]'::json END) AS r
WHERE json_typeof(r) = 'object' AND json_typeof(r -> 'label') = 'string'
GROUP BY left(r ->> 'label', 200)
UNION
SELECT 'choice', left(c.value #>> '{}', 200), ''
FROM json_each(CASE WHEN json_typeof(NEW.result -> 'choices') = 'object'
               THEN NEW.result -> 'choices' ELSE '{}'::json END) AS g,
     json_array_elements(CASE WHEN json_typeof(g.value) = 'array'
                         THEN g.value ELSE '[]'::json END) AS c(value)
WHERE json_typeof(c.value) = 'string'
"""


def pg_refresh(*, with_project: bool) -> str:
    """The function behind the triggers on ``annotations`` (``with_project=False``: as
    0005 left it, for the downgrade; it then rewrote every row)."""
    columns = "annotation_id, task_id, project_id, kind, name, text"
    values = "NEW.id, NEW.task_id, t.project_id, f.kind, f.name, f.text"
    if not with_project:
        columns = columns.replace("project_id, ", "")
        values = values.replace("t.project_id, ", "")
    return f"""
CREATE OR REPLACE FUNCTION annotation_terms_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM annotation_terms AS o WHERE o.annotation_id = OLD.id
      AND (o.task_id <> NEW.task_id OR (o.kind, o.name, o.text) NOT IN ({PG_TERMS}));
  END IF;
  INSERT INTO annotation_terms ({columns})
  SELECT {values}
  FROM tasks AS t, ({PG_TERMS}) AS f
  WHERE t.id = NEW.task_id AND (TG_OP = 'INSERT' OR (f.kind, f.name, f.text) NOT IN
    (SELECT o.kind, o.name, o.text FROM annotation_terms AS o WHERE o.annotation_id = NEW.id));
  RETURN NULL;
END $$
"""


PG_FOLLOW_TASK = """
CREATE FUNCTION annotation_terms_follow_task() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE annotation_terms SET project_id = NEW.project_id WHERE task_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER annotation_terms_task_project AFTER UPDATE OF project_id ON tasks
  FOR EACH ROW WHEN (OLD.project_id IS DISTINCT FROM NEW.project_id)
  EXECUTE FUNCTION annotation_terms_follow_task();
"""
SQLITE_FOLLOW_TASK = """
CREATE TRIGGER annotation_terms_task_project AFTER UPDATE OF project_id ON tasks
WHEN old.project_id IS NOT new.project_id
BEGIN UPDATE annotation_terms SET project_id = new.project_id WHERE task_id = new.id; END
"""

OLD_INDEX = "ix_annotation_terms_kind_name_task_id"
NEW_INDEX = "ix_annotation_terms_project_id_kind_name_task_id"


def _sqlite_triggers() -> None:
    terms = SQLITE_TERMS.format(row="new")
    op.execute("DROP TRIGGER IF EXISTS annotation_terms_insert")
    op.execute("DROP TRIGGER IF EXISTS annotation_terms_update")
    insert_all = SQLITE_INSERT_TERMS.format(terms=terms, only_new="")
    insert_new = SQLITE_INSERT_TERMS.format(terms=terms, only_new=SQLITE_ONLY_NEW)
    delete_changed = SQLITE_DELETE_CHANGED.format(terms=terms)
    op.execute(
        f"CREATE TRIGGER annotation_terms_insert AFTER INSERT ON annotations "
        f"BEGIN {insert_all}; END"
    )
    op.execute(
        "CREATE TRIGGER annotation_terms_update AFTER UPDATE OF result ON annotations "
        f"BEGIN {delete_changed}; {insert_new}; END"
    )
    op.execute(SQLITE_FOLLOW_TASK)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # NOT NULL needs a default to be added in place; every row gets its value below.
        op.execute("ALTER TABLE annotation_terms ADD COLUMN project_id INTEGER NOT NULL DEFAULT 0")
        op.execute(
            "UPDATE annotation_terms SET project_id = "
            "(SELECT project_id FROM tasks WHERE tasks.id = annotation_terms.task_id)"
        )
        _sqlite_triggers()
    else:
        op.add_column("annotation_terms", sa.Column("project_id", sa.Integer(), nullable=True))
        op.execute(
            "UPDATE annotation_terms AS o SET project_id = t.project_id "
            "FROM tasks AS t WHERE t.id = o.task_id"
        )
        op.alter_column("annotation_terms", "project_id", nullable=False)
        op.execute(pg_refresh(with_project=True))
        op.execute(PG_FOLLOW_TASK)
    op.drop_index(OLD_INDEX, table_name="annotation_terms")
    op.create_index(
        NEW_INDEX, "annotation_terms", ["project_id", "kind", "name", "task_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(NEW_INDEX, table_name="annotation_terms")
    op.create_index(OLD_INDEX, "annotation_terms", ["kind", "name", "task_id"], unique=False)
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS annotation_terms_task_project ON tasks")
        op.execute("DROP FUNCTION IF EXISTS annotation_terms_follow_task()")
        op.execute(pg_refresh(with_project=False))
        op.drop_column("annotation_terms", "project_id")
        return
    op.execute("DROP TRIGGER IF EXISTS annotation_terms_task_project")
    op.execute("DROP TRIGGER IF EXISTS annotation_terms_insert")
    op.execute("DROP TRIGGER IF EXISTS annotation_terms_update")
    with op.batch_alter_table("annotation_terms") as batch:
        batch.drop_column("project_id")
    # The copied table lost its full-text triggers (0005 made them): the same again.
    remove = (
        "INSERT INTO annotation_terms_fts(annotation_terms_fts, rowid, text) "
        "VALUES ('delete', old.id, old.text);"
    )
    add = "INSERT INTO annotation_terms_fts(rowid, text) VALUES (new.id, new.text);"
    op.execute(
        f"CREATE TRIGGER annotation_terms_fts_insert AFTER INSERT ON annotation_terms BEGIN {add} END"
    )
    op.execute(
        f"CREATE TRIGGER annotation_terms_fts_delete AFTER DELETE ON annotation_terms BEGIN {remove} END"
    )
    op.execute(
        "CREATE TRIGGER annotation_terms_fts_update AFTER UPDATE OF text ON annotation_terms "
        f"BEGIN {remove} {add} END"
    )
    terms = SQLITE_TERMS.format(row="new")
    insert = (
        "INSERT INTO annotation_terms (annotation_id, task_id, kind, name, text) "
        f"SELECT new.id, new.task_id, f.kind, f.name, f.text FROM ({terms}) AS f;"
    )
    op.execute(
        f"CREATE TRIGGER annotation_terms_insert AFTER INSERT ON annotations BEGIN {insert} END"
    )
    op.execute(
        "CREATE TRIGGER annotation_terms_update AFTER UPDATE OF result ON annotations BEGIN "
        f"DELETE FROM annotation_terms WHERE annotation_id = old.id; {insert} END"
    )
