"""Your account (API tokens) and user administration; the tables are filled by scripts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from visualner.web.page_auth import PageAdminDep, PageLoginDep
from visualner.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, login: PageLoginDep) -> HTMLResponse:
    return render(request, "account.html", {"login": login, "nav": "account"})


@router.get("/admin/users", response_class=HTMLResponse)
def admin_users_page(request: Request, login: PageAdminDep) -> HTMLResponse:
    return render(request, "admin_users.html", {"login": login, "nav": "admin"})
