"""Assigning tasks to annotators and a reviewer, and what each member then sees, on SQLite
and PostgreSQL: the task list, task detail, pages, annotations, "Label next" and the
labeling page; distributing unassigned tasks with overlap; the search terms; refusals."""

from __future__ import annotations

from tests.factories import add_member, new_user
from tests.team.conftest import Team


def test_annotators_see_only_their_assigned_tasks_once_tasks_are_assigned(team: Team) -> None:
    t1, t2, t3, t4 = team.tasks(4)
    assert team.listed(team.ann_a) == [t1, t2, t3, t4]  # nothing assigned yet: all open
    first = team.assign(
        task_ids=[t1, t2], annotators=[team.ann_a.username], reviewer=team.reviewer.username
    )
    assert first.status_code == 200, first.text
    assert first.json() == {
        "tasks": 2,
        "annotators": {team.ann_a.username: 2},
        "reviewer": team.reviewer.username,
    }
    assert team.assign(task_ids=[t3], annotators=[team.ann_b.username]).status_code == 200
    assert team.listed(team.ann_a) == [t1, t2]
    assert team.listed(team.ann_b) == [t3]
    assert team.listed(team.reviewer) == [t1, t2, t3, t4]
    assert team.listed(team.manager) == [t1, t2, t3, t4]
    row = team.manager.get(f"/api/projects/{team.project_id}/tasks").json()["items"][0]
    assert row["assignees"] == [team.ann_a.username]
    assert row["reviewer"] == team.reviewer.username
    assert team.ann_a.get(f"/api/tasks/{t1}").json()["assignees"] == [team.ann_a.username]
    for url in (
        f"/api/tasks/{t3}",
        f"/api/tasks/{t3}/pages/0",
        f"/api/tasks/{t3}/pages/0/image",
        f"/api/tasks/{t3}/annotations",
        f"/api/tasks/{t3}/search-hits?q=x",
    ):
        answer = team.ann_a.get(url)
        assert answer.status_code == 404, url
        assert answer.json()["detail"] == f"no task {t3}", url
    saving = team.ann_a.post(
        f"/api/tasks/{t3}/annotations", json={"regions": [], "relations": [], "status": "draft"}
    )
    assert saving.status_code == 404
    assert team.page_as(team.ann_a, f"/tasks/{t3}").status_code == 404
    assert team.page_as(team.ann_a, f"/tasks/{t1}").status_code == 200
    # the search within one's own view
    assert team.listed(team.ann_a, q=f"assignee:{team.ann_b.username}") == []
    assert team.listed(team.manager, q=f"assignee:{team.ann_b.username}") == [t3]
    assert team.listed(team.manager, q=f"reviewer:{team.reviewer.username}") == [t1, t2]
    assert team.listed(team.manager, q="-has:assignees") == [t4]


def test_the_project_setting_turns_the_own_tasks_view_off_and_on(team: Team) -> None:
    t1, t2 = team.tasks(2)
    team.assign(task_ids=[t1], annotators=[team.ann_a.username])
    url = f"/api/projects/{team.project_id}"
    off = team.manager.patch(url, json={"settings": {"annotators_see_assigned_only": False}})
    assert off.status_code == 200, off.text
    assert team.listed(team.ann_b) == [t1, t2]
    team.manager.patch(url, json={"settings": {"annotators_see_assigned_only": True}})
    assert team.listed(team.ann_b) == []
    assert team.ann_b.get(f"/api/tasks/{t2}").status_code == 404
    bad = team.manager.patch(url, json={"settings": {"annotators_see_assigned_only": "yes"}})
    assert bad.status_code == 400 and "annotators_see_assigned_only" in bad.json()["detail"]
    for overlap in (0, 51, "2", True):
        bad = team.manager.patch(url, json={"settings": {"annotations_per_task": overlap}})
        assert bad.status_code == 400 and "annotations_per_task" in bad.json()["detail"]


def test_an_annotator_keeps_seeing_tasks_they_annotated_before_assignment(team: Team) -> None:
    t1, t2 = team.tasks(2)
    team.submit(team.ann_b, t2)
    team.assign(task_ids=[t1], annotators=[team.ann_a.username])
    assert team.listed(team.ann_b) == [t2]


def test_distributing_unassigned_tasks_evenly_with_overlap(team: Team) -> None:
    tasks = team.tasks(12)
    team.assign(task_ids=tasks[:2], annotators=[team.manager.username])
    names = [team.ann_a.username, team.ann_b.username, team.reviewer.username]
    spread = team.assign(query="", annotators=names, distribute=True, limit=9)
    assert spread.status_code == 200, spread.text
    assert spread.json() == {"tasks": 9, "annotators": dict.fromkeys(names, 3), "reviewer": None}
    assert team.listed(team.ann_a) == [tasks[2], tasks[5], tasks[8]]
    assert team.listed(team.manager, q="-has:assignees") == [tasks[11]]
    team.manager.patch(
        f"/api/projects/{team.project_id}", json={"settings": {"annotations_per_task": 2}}
    )
    team.assign(task_ids=tasks[2:], annotators=[])  # unassign, then spread two per task
    both = team.assign(query="", annotators=names[:2], distribute=True)
    assert both.json()["annotators"] == dict.fromkeys(names[:2], 10)
    assert team.listed(team.ann_a) == tasks[2:]
    too_few = team.assign(query="", annotators=names[:1], distribute=True)
    assert too_few.status_code == 400 and "at least 2 annotators" in too_few.json()["detail"]


def test_label_next_serves_own_open_tasks_and_each_annotator_their_own_with_overlap(
    team: Team,
) -> None:
    t1, t2, t3 = team.tasks(3)
    team.assign(task_ids=[t2, t3], annotators=[team.ann_a.username, team.ann_b.username])
    team.manager.patch(
        f"/api/projects/{team.project_id}", json={"settings": {"annotations_per_task": 2}}
    )
    nxt = f"/projects/{team.project_id}/next"
    assert team.page_as(team.ann_a, nxt).headers["location"] == f"/tasks/{t2}"
    team.submit(team.ann_a, t2)
    assert team.page_as(team.ann_a, nxt).headers["location"] == f"/tasks/{t3}"
    assert team.page_as(team.ann_b, nxt).headers["location"] == f"/tasks/{t2}"
    team.submit(team.ann_b, t2)
    assert team.page_as(team.reviewer, nxt).headers["location"] == f"/tasks/{t1}"
    assert team.page_as(team.ann_b, nxt).headers["location"] == f"/tasks/{t3}"
    team.submit(team.ann_b, t3)
    team.submit(team.ann_a, t3)
    assert (
        team.page_as(team.ann_a, nxt)
        .headers["location"]
        .startswith(f"/projects/{team.project_id}?")
    )


def test_assignment_refusals_name_what_is_wrong(team: Team) -> None:
    (t1,) = team.tasks(1)
    url = f"/api/projects/{team.project_id}/assignments"
    body = {"task_ids": [t1], "annotators": [team.ann_a.username]}
    assert team.ann_a.post(url, json=body).status_code == 403
    assert team.reviewer.post(url, json=body).status_code == 403
    stranger = new_user(team.manager)
    assert stranger.post(url, json=body).status_code == 404
    outsider = team.assign(task_ids=[t1], annotators=[stranger.username])
    assert outsider.status_code == 400
    assert f"'{stranger.username}' is not a member" in outsider.json()["detail"]
    not_reviewer = team.assign(task_ids=[t1], reviewer=team.ann_a.username)
    assert not_reviewer.status_code == 400
    assert "is annotator" in not_reviewer.json()["detail"]
    nothing = team.assign(task_ids=[t1])
    assert nothing.status_code == 400 and nothing.json()["code"] == "invalid"
    assert team.assign(annotators=[team.ann_a.username]).status_code == 400
    assert team.assign(task_ids=[99999], annotators=[]).status_code == 404
    assert team.assign(query="label:nope", annotators=[]).status_code == 400
    limit_alone = team.assign(task_ids=[t1], annotators=[], limit=3)
    assert limit_alone.status_code == 422 and "distribute" in limit_alone.json()["detail"]
    empty = team.assign(query="", annotators=[], distribute=True)
    assert empty.status_code == 400 and "name the annotators" in empty.json()["detail"]


def test_removing_the_reviewer_and_reassigning_replaces_annotators(team: Team) -> None:
    (t1,) = team.tasks(1)
    team.assign(
        task_ids=[t1],
        annotators=[team.ann_a.username, team.ann_b.username],
        reviewer=team.reviewer.username,
    )
    team.assign(task_ids=[t1], annotators=[team.ann_b.username], reviewer=None)
    task = team.manager.get(f"/api/tasks/{t1}").json()
    assert task["assignees"] == [team.ann_b.username] and task["reviewer"] is None
    manager2 = new_user(team.manager)
    add_member(team.manager, team.project_id, manager2, "manager")
    assert team.assign(task_ids=[t1], reviewer=manager2.username).json()["reviewer"] == (
        manager2.username
    )


def test_annotators_of_one_task_work_blind_to_each_other(team: Team) -> None:
    (t1,) = team.tasks(1)
    team.manager.patch(
        f"/api/projects/{team.project_id}", json={"settings": {"annotations_per_task": 2}}
    )
    team.assign(task_ids=[t1], annotators=[team.ann_a.username, team.ann_b.username])
    mine = team.submit(team.ann_a, t1)
    theirs = team.submit(team.ann_b, t1)
    own_view = team.ann_a.get(f"/api/tasks/{t1}").json()["annotations"]
    assert [a["id"] for a in own_view] == [mine["id"]]
    listed = team.ann_a.get(f"/api/tasks/{t1}/annotations").json()
    assert [a["id"] for a in listed] == [mine["id"]]
    for url in (
        f"/api/annotations/{theirs['id']}",
        f"/api/annotations/{theirs['id']}/versions",
        f"/api/annotations/{theirs['id']}/diff?from=1",
    ):
        assert team.ann_a.get(url).status_code == 404, url
    assert team.ann_a.get(f"/api/annotations/{mine['id']}").status_code == 200
    reviewed = team.reviewer.get(f"/api/tasks/{t1}").json()["annotations"]
    assert sorted(a["id"] for a in reviewed) == sorted([mine["id"], theirs["id"]])
