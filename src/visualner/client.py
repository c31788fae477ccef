"""A typed Python client of visualner's HTTP API (httpx), for scripts, pipelines and tests.

    from visualner.client import VisualnerClient

    with VisualnerClient.login("http://127.0.0.1:8080", "admin", "secret") as vn:
        project = vn.create_project("Invoices", template="forms")
        job = vn.wait_for_job(vn.import_files(project["id"], ["scan1.png", "forms.pdf"]))
        for task in vn.iter_tasks(project["id"], status="new"):
            ...
        vn.export_to_file(project["id"], "invoices.json", format="json")

Answers are the API's JSON (documented in docs/api.md) as dicts; errors raise ``ApiError``
(its ``status`` and the server's ``detail``), a lost edit race raises ``VersionConflict``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Self

import httpx

JSON = dict[str, Any]
FINISHED = {"succeeded", "failed", "cancelled"}


class ApiError(Exception):
    """The server refused a request; ``detail`` is its explanation."""

    def __init__(self, status: int, detail: Any, method: str, url: str) -> None:
        super().__init__(f"{method} {url}: {status} {detail}")
        self.status = status
        self.detail = detail


class VersionConflict(ApiError):
    """Someone saved the annotation after the version you edited (409): reload, merge, retry."""


class JobFailed(Exception):
    def __init__(self, job: JSON) -> None:
        super().__init__(f"job {job['id']} {job['status']}: {job.get('error') or job['errors']}")
        self.job = job


class VisualnerClient:
    """One API session with a personal token (``Authorization: Token …``)."""

    def __init__(
        self,
        base_url: str = "",
        *,
        token: str | None = None,
        http: httpx.Client | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        """``http``: an existing httpx client to use (e.g. a test client); else one is made
        for ``base_url`` and closed with this client."""
        self._owns_http = http is None
        self.http = http or httpx.Client(base_url=base_url, timeout=timeout_s)
        self.headers = {"Authorization": f"Token {token}"} if token else {}

    @classmethod
    def login(
        cls,
        base_url: str,
        username: str,
        password: str,
        *,
        http: httpx.Client | None = None,
        token_name: str = "visualner.client",
    ) -> VisualnerClient:
        """Log in with a password and make a personal API token for this client."""
        client = cls(base_url, http=http)
        try:
            token = client._new_token(username, password, token_name)
        except BaseException:
            client.close()  # a refused login leaves no open connection behind
            raise
        client.headers = {"Authorization": f"Token {token}"}
        return client

    def _new_token(self, username: str, password: str, token_name: str) -> str:
        login = self._request(
            "POST", "/api/auth/login", json={"username": username, "password": password}
        )
        created = self._request(
            "POST",
            "/api/tokens",
            json={"name": token_name},
            headers={"X-CSRF-Token": login["csrf_token"]},
        )
        self.http.cookies.clear()
        return str(created["key"])

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = self.http.request(method, url, headers=headers, **kwargs)
        _raise_for(response, method, url)
        return response

    def _request(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self._send(method, url, **kwargs)
        return response.json() if response.content else None

    # -- projects and members ---------------------------------------------------------------

    def iter_projects(self, *, page_size: int = 100) -> Iterator[JSON]:
        page = 1
        while True:
            listed = self._request(
                "GET", "/api/projects", params={"page": page, "page_size": page_size}
            )
            yield from listed["items"]
            if page * page_size >= listed["total"]:
                return
            page += 1

    def project(self, project_id: int) -> JSON:
        return dict(self._request("GET", f"/api/projects/{project_id}"))

    def create_project(
        self,
        title: str,
        *,
        template: str | None = None,
        label_config: str | None = None,
        description: str = "",
    ) -> JSON:
        """A project from a template name (``GET /api/templates``) or a labeling config."""
        body = {"title": title, "description": description}
        body |= (
            {"label_config": label_config} if label_config else {"template": template or "forms"}
        )
        return dict(self._request("POST", "/api/projects", json=body))

    def update_project(self, project_id: int, **changes: Any) -> JSON:
        return dict(self._request("PATCH", f"/api/projects/{project_id}", json=changes))

    def delete_project(self, project_id: int) -> None:
        self._request("DELETE", f"/api/projects/{project_id}")

    def members(self, project_id: int) -> list[JSON]:
        return list(self._request("GET", f"/api/projects/{project_id}/members"))

    def set_member(self, project_id: int, username: str, role: str) -> JSON:
        """Add a member or change their role (manager, reviewer, annotator)."""
        body = {"username": username, "role": role}
        return dict(self._request("POST", f"/api/projects/{project_id}/members", json=body))

    def remove_member(self, project_id: int, username: str) -> None:
        self._request("DELETE", f"/api/projects/{project_id}/members/{username}")

    # -- import and jobs --------------------------------------------------------------------

    def import_files(
        self, project_id: int, paths: Iterable[str | Path], *, options: JSON | None = None
    ) -> int:
        """Upload documents (images, PDFs, ZIPs, JSON task lists), streamed from disk; the
        import job's id (follow it with ``wait_for_job``)."""
        with ExitStack() as stack:
            files = [
                ("files", (Path(p).name, stack.enter_context(Path(p).open("rb")))) for p in paths
            ]
            data = {"options": json.dumps(options)} if options else {}
            started = self._request(
                "POST", f"/api/projects/{project_id}/import", files=files, data=data
            )
        return int(started["job_id"])

    def import_tasks(
        self, project_id: int, tasks: list[JSON], *, options: JSON | None = None
    ) -> int:
        """Import a JSON task list (ours, Label Studio's, or ``{"image": url}`` tasks whose
        documents the server fetches); the job's id."""
        params = {"options": json.dumps(options)} if options else {}
        started = self._request(
            "POST", f"/api/projects/{project_id}/import", json=tasks, params=params
        )
        return int(started["job_id"])

    def import_urls(self, project_id: int, urls: Iterable[str], *, key: str = "image") -> int:
        """One task per document URL (fetched by the server, SSRF-checked)."""
        return self.import_tasks(project_id, [{key: url} for url in urls])

    def job(self, job_id: int, *, all_items: bool = False) -> JSON:
        params = {"all_items": "true"} if all_items else {}
        return dict(self._request("GET", f"/api/jobs/{job_id}", params=params))

    def wait_for_job(
        self,
        job_id: int,
        *,
        timeout_s: float = 3600.0,
        poll_s: float = 0.5,
        on_progress: Callable[[JSON], None] | None = None,
        raise_on_failure: bool = True,
    ) -> JSON:
        """Poll until the job ends; ``on_progress`` sees each poll's job (done/total)."""
        deadline = time.monotonic() + timeout_s
        while True:
            job = self.job(job_id)
            if on_progress is not None:
                on_progress(job)
            if job["status"] in FINISHED:
                if raise_on_failure and job["status"] != "succeeded":
                    raise JobFailed(job)
                return job
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {job['status']} after {timeout_s:.0f} s")
            time.sleep(poll_s)

    def cancel_job(self, job_id: int) -> None:
        self._request("POST", f"/api/jobs/{job_id}/cancel")

    def add_ocr_server(self, name: str, url: str, *, is_default: bool = False) -> JSON:
        """Register an OCR server (admins); imports name it in ``options.ocr_servers``."""
        body = {"name": name, "url": url, "is_default": is_default}
        return dict(self._request("POST", "/api/ocr-servers", json=body))

    # -- tasks ------------------------------------------------------------------------------

    def iter_tasks(
        self,
        project_id: int,
        *,
        status: str | None = None,
        q: str | None = None,
        sort: str = "id",
        page_size: int = 100,
    ) -> Iterator[JSON]:
        """Every task of the project (summaries), fetched a page at a time; ``q`` is a
        search query where the server supports one."""
        page = 1
        while True:
            params: dict[str, Any] = {"page": page, "page_size": page_size, "sort": sort}
            params |= {k: v for k, v in (("status", status), ("q", q)) if v is not None}
            listed = self._request("GET", f"/api/projects/{project_id}/tasks", params=params)
            yield from listed["items"]
            if page * page_size >= listed["total"] or not listed["items"]:
                return
            page += 1

    def task(self, task_id: int) -> JSON:
        return dict(self._request("GET", f"/api/tasks/{task_id}"))

    def page(self, task_id: int, page_index: int) -> JSON:
        """One page with its OCR words."""
        return dict(self._request("GET", f"/api/tasks/{task_id}/pages/{page_index}"))

    def page_image(self, task_id: int, page_index: int) -> bytes:
        url = f"/api/tasks/{task_id}/pages/{page_index}/image"
        response = self._send("GET", url, follow_redirects=True)
        return response.content

    def delete_task(self, task_id: int) -> None:
        self._request("DELETE", f"/api/tasks/{task_id}")

    # -- annotations ------------------------------------------------------------------------

    def annotations(self, task_id: int) -> list[JSON]:
        return list(self._request("GET", f"/api/tasks/{task_id}/annotations"))

    def create_annotation(self, task_id: int, body: JSON) -> JSON:
        """Save ``{regions, relations, choices, status}``; the answer has ``id`` and
        ``version``."""
        return dict(self._request("POST", f"/api/tasks/{task_id}/annotations", json=body))

    def update_annotation(self, annotation_id: int, body: JSON, *, version: int) -> JSON:
        """Save a new version over ``version``; ``VersionConflict`` when someone saved in
        between (nothing was overwritten)."""
        return dict(
            self._request(
                "PUT", f"/api/annotations/{annotation_id}", json={**body, "version": version}
            )
        )

    def annotation_versions(self, annotation_id: int) -> list[JSON]:
        return list(self._request("GET", f"/api/annotations/{annotation_id}/versions"))

    def delete_annotation(self, annotation_id: int) -> None:
        self._request("DELETE", f"/api/annotations/{annotation_id}")

    # -- team workflow (docs/team-workflow.md) ------------------------------------------------

    def assign(
        self,
        project_id: int,
        *,
        task_ids: list[int] | None = None,
        query: str | None = None,
        annotators: list[str] | None = None,
        **extra: Any,
    ) -> JSON:
        """Give the selected tasks (``task_ids``, or every task matching ``query``) these
        annotators; ``reviewer=`` sets (``None`` removes) the reviewer, ``distribute=True``
        (and ``limit=N``) spreads the unassigned ones evenly instead."""
        body: JSON = {**extra}
        body.update({"task_ids": task_ids} if task_ids is not None else {"query": query or ""})
        if annotators is not None:
            body["annotators"] = annotators
        return dict(self._request("POST", f"/api/projects/{project_id}/assignments", json=body))

    def review(self, annotation_id: int, action: str, *, version: int, comment: str = "") -> JSON:
        """Accept (``"accept"``) or reject (``"reject"``, with a comment) ``version`` of a
        submitted annotation; ``VersionConflict`` when it changed since."""
        body = {"action": action, "version": version, "comment": comment}
        return dict(self._request("POST", f"/api/annotations/{annotation_id}/review", json=body))

    def pick_ground_truth(self, annotation_id: int) -> JSON:
        return dict(self._request("POST", f"/api/annotations/{annotation_id}/ground-truth"))

    def reviews(self, task_id: int) -> list[JSON]:
        return list(self._request("GET", f"/api/tasks/{task_id}/reviews"))

    def comments(self, task_id: int) -> list[JSON]:
        return list(self._request("GET", f"/api/tasks/{task_id}/comments"))

    def add_comment(
        self,
        task_id: int,
        body: str,
        *,
        annotation_id: int | None = None,
        region_id: str | None = None,
    ) -> JSON:
        payload: JSON = {"body": body}
        if region_id is not None:
            payload.update(annotation_id=annotation_id, region_id=region_id)
        return dict(self._request("POST", f"/api/tasks/{task_id}/comments", json=payload))

    def resolve_comment(self, comment_id: int, *, resolved: bool = True) -> JSON:
        return dict(
            self._request("PATCH", f"/api/comments/{comment_id}", json={"resolved": resolved})
        )

    def agreement(self, project_id: int) -> JSON:
        return dict(self._request("GET", f"/api/projects/{project_id}/agreement"))

    def progress(self, project_id: int) -> list[JSON]:
        return list(self._request("GET", f"/api/projects/{project_id}/progress"))

    # -- exports ----------------------------------------------------------------------------

    def export_to_file(
        self,
        project_id: int,
        destination: str | Path,
        *,
        format: str = "json",
        timeout_s: float = 3600.0,
        **options: Any,
    ) -> Path:
        """Run an export job and stream its file to ``destination`` (never whole in memory)."""
        started = self._request(
            "POST", f"/api/projects/{project_id}/exports", json={"format": format, **options}
        )
        job = self.wait_for_job(int(started["job_id"]), timeout_s=timeout_s)
        target = Path(destination)
        url = job["result"]["download_url"]
        with self.http.stream("GET", url, headers=self.headers, follow_redirects=True) as response:
            if response.is_error:
                response.read()
                _raise_for(response, "GET", url)
            with target.open("wb") as out:
                for chunk in response.iter_bytes(1 << 20):
                    out.write(chunk)
        return target

    # -- cloud storages ---------------------------------------------------------------------

    def storages(self, project_id: int) -> list[JSON]:
        """The project's source and target storages (credentials are never answered)."""
        return list(self._request("GET", f"/api/projects/{project_id}/storages"))

    def add_storage(self, project_id: int, role: str, bucket: str, **fields: Any) -> JSON:
        """Add a ``source`` or ``target`` storage (fields: ``prefix``, ``glob``,
        ``endpoint_url``, ``region``, ``access_key_id``, ``secret_access_key``,
        ``sync_every_minutes``, ``import_options``, ``export_format``, ``export_only``)."""
        body = {"role": role, "bucket": bucket, **fields}
        return dict(self._request("POST", f"/api/projects/{project_id}/storages", json=body))

    def update_storage(self, project_id: int, storage_id: int, **changes: Any) -> JSON:
        url = f"/api/projects/{project_id}/storages/{storage_id}"
        return dict(self._request("PATCH", url, json=changes))

    def delete_storage(self, project_id: int, storage_id: int) -> None:
        self._request("DELETE", f"/api/projects/{project_id}/storages/{storage_id}")

    def sync_storage(self, project_id: int, storage_id: int) -> int:
        """Start syncing a source storage; the job's id (follow it with ``wait_for_job``:
        its result counts new, changed, unchanged and deleted objects)."""
        url = f"/api/projects/{project_id}/storages/{storage_id}/sync"
        return int(self._request("POST", url)["job_id"])


def _raise_for(response: httpx.Response, method: str, url: str) -> None:
    if not response.is_error:
        return
    try:
        detail: Any = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    kind = VersionConflict if response.status_code == 409 else ApiError
    raise kind(response.status_code, detail, method, url)
