"""The schema migrates up from empty and stores every model the same on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select

from tests.factories import sample_words
from visualner.annotations.models import Annotation, AnnotationVersion, Prediction
from visualner.auth.models import ApiToken, User
from visualner.auth.service import create_api_token, create_user
from visualner.db import Database, session_scope
from visualner.jobs.models import Job, JobItem
from visualner.migrate import current_revision, upgrade_database
from visualner.ocr.servers.models import OcrServer
from visualner.projects.models import Project, ProjectMember
from visualner.projects.service import create_project
from visualner.schema import include_in_model_comparison, metadata
from visualner.tasks.models import Page
from visualner.tasks.service import NewPage, create_task, pages_of_task
from visualner.word_codec import decode_words


def test_migrations_create_every_table_and_match_the_models(database_url: str) -> None:
    upgrade_database(database_url)  # a second upgrade is a no-op
    assert current_revision(database_url) is not None
    engine = create_engine(database_url)
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert {t.name for t in metadata.sorted_tables} <= tables
        context = MigrationContext.configure(
            conn, opts={"include_name": include_in_model_comparison, "compare_type": True}
        )
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_every_model_round_trips(database_url: str) -> None:
    database = Database(database_url)
    with session_scope(database.write) as session:
        user = create_user(session, username="ann", password="long-password")
        create_api_token(session, user=user, name="script")
        project = create_project(session, owner=user, title="Claims", template="forms")
        task = create_task(
            session,
            project_id=project.id,
            title="claim.pdf",
            data={"image": "claim.pdf", "meta": {"batch": 7}},
            pages=[NewPage(800, 1000, words=sample_words(25), words_source="ocr")] * 2,
        )
        session.add(Annotation(task_id=task.id, user_id=user.id, result={"regions": []}))
        session.add(Prediction(task_id=task.id, model_version="crf@1", result={"regions": []}))
        session.add(OcrServer(name="gpu-box", url="http://10.0.0.5:8501"))
        job = Job(kind="import", project_id=project.id, params={"files": 3})
        session.add(job)
        session.flush()
        session.add(JobItem(job_id=job.id, position=0, name="a.png", payload={"x": 1}))
        session.flush()
        annotation_id = session.scalar(select(Annotation.id))
        session.add(
            AnnotationVersion(annotation_id=annotation_id, version=1, status="draft", result={})
        )
        task_id = task.id
    with session_scope(database.read) as session:
        assert session.scalar(select(User.username)) == "ann"
        assert session.scalar(select(ApiToken.name)) == "script"
        assert session.scalar(select(ProjectMember.role)) == "manager"
        assert session.scalar(select(Project.title)) == "Claims"
        pages = pages_of_task(session, task_id=task_id)
        assert [p.page_index for p in pages] == [0, 1]
        assert decode_words(pages[1].words_blob) == sample_words(25)
        assert pages[0].page_text.startswith("word0 word1")
        assert session.scalar(select(Job.params)) == {"files": 3}
        assert session.scalar(select(JobItem.payload)) == {"x": 1}
        assert session.scalar(select(Prediction.model_version)) == "crf@1"
        assert session.scalar(select(OcrServer.url)) == "http://10.0.0.5:8501"
        created = session.scalar(select(Page.updated_at))
        assert created is not None and created.tzinfo is not None
    database.dispose()


def test_deleting_a_project_removes_its_tasks_pages_and_annotations(database_url: str) -> None:
    database = Database(database_url)
    with session_scope(database.write) as session:
        user = create_user(session, username="mgr", password="long-password")
        project = create_project(session, owner=user, title="P", template="forms")
        task = create_task(
            session,
            project_id=project.id,
            title="t",
            data={},
            pages=[NewPage(10, 10, words=sample_words(2))],
        )
        session.add(Annotation(task_id=task.id, user_id=user.id, result={}))
    with session_scope(database.write) as session:
        session.delete(session.get(Project, project.id))
    with session_scope(database.read) as session:
        assert session.scalar(select(Page.id)) is None
        assert session.scalar(select(Annotation.id)) is None
    database.dispose()
