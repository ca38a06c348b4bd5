"""The web app's account pages against a real team server (``create_team_app`` under
uvicorn, SQLite and file blobs): signing in and out, the user menu, API keys, team and
project settings, and what a 401/403/404 does; and the local ``cairn ui``, which has no
accounts and shows nothing of them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

import cairn
from cairn.server.app import app_context
from cairn.server.team import TeamConfig, create_team_app
from cairn.store.accounts import Accounts
from cairn.store.sqlite import SqliteStore
from cairn.testing import LiveServer

from .conftest import LiveServer as LocalServer
from .conftest import LogRun

PASSWORD = "correct horse battery"
USERS = ("ada", "vic", "bob")
"""ada: admin of team ``lab``; vic: its viewer; bob: in no team. And root, a server
admin."""


@dataclass
class Team:
    url: str
    keys: dict[str, str]
    run_id: str
    """A run of ``lab/shared`` (visibility ``team``), logged by ada through the server."""


@pytest.fixture
def team(cairn_root: Path, tmp_path: Path) -> Iterator[Team]:
    folder = tmp_path / "team"
    store = SqliteStore(folder / "cairn.db")
    accounts = Accounts(store)
    keys = {name: accounts.create_user(name, password=PASSWORD)[1] for name in USERS}
    accounts.create_user("root", admin=True, password=PASSWORD)
    accounts.create_team("lab", admin="ada")
    accounts.set_team_member("lab", "vic", "viewer")
    store.close()
    app = create_team_app(TeamConfig(
        store=str(folder), blobs=f"file://{folder / 'blobs'}", root=str(tmp_path / "server"),
        access_log=False, key_cache_seconds=0))
    live = LiveServer(app).start()
    try:
        run = cairn.init(entity="lab", project="shared", mode="online", config={"lr": 0.1},
                         settings={"base_url": live.url, "api_key": keys["ada"]})
        for step in range(20):
            run.log({"train/loss": 1.0 / (step + 1)})
        run.finish()
        yield Team(live.url, keys, run.id)
    finally:
        live.stop()
        app_context(app).store.close()


def log_in(page: Page, team: Team, user: str, path: str = "/") -> None:
    page.goto(team.url + path)
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=f"Account of {user}")).to_be_visible()


def test_the_local_ui_has_no_login(log_run: LogRun, server: Callable[[], LocalServer],
                                   page: Page, screenshots: Path) -> None:
    logged = log_run(steps=5)
    live = server()
    url = live.url
    assert httpx.get(f"{url}/api/v1/me").json() == {"mode": "local"}  # how the app tells
    page.goto(url + "/")
    expect(page.get_by_role("link", name=logged.project, exact=True)).to_be_visible()
    page.goto(f"{url}/{logged.entity}/{logged.project}")
    expect(page.get_by_role("link", name="Sweeps")).to_be_visible()
    expect(page.get_by_text("Log in")).to_have_count(0)
    expect(page.get_by_role("link", name="Settings", exact=True)).to_have_count(0)
    expect(page.locator(".user-menu")).to_have_count(0)
    # the login page has nothing to do here: back where one was going
    page.goto(f"{url}/login?next=/{logged.entity}/{logged.project}")
    expect(page).to_have_url(f"{url}/{logged.entity}/{logged.project}")
    page.goto(f"{url}/-/keys")
    expect(page.get_by_role("status")).to_contain_text("has no accounts")
    page.screenshot(path=str(screenshots / "accounts-local-keys.png"))


def test_the_local_workspace_loads_without_console_errors(
        log_run: LogRun, server: Callable[[], LocalServer], page: Page) -> None:
    logged = log_run(steps=5)
    url = server().url
    console: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400
            else None)
    page.goto(f"{url}/{logged.entity}/{logged.project}")
    expect(page.locator(f"a[href='/{logged.entity}/{logged.project}/runs/{logged.id}']")
           ).to_be_visible()
    expect(page.locator("canvas").first).to_be_visible()
    page.goto(url + "/")
    expect(page.get_by_role("link", name=logged.project, exact=True)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert failed == [], f"requests the server refused: {failed}"
    assert console == [], f"errors in the browser's console: {console}"


def test_login_wrong_password_then_back_where_one_was(team: Team, page: Page,
                                                      screenshots: Path) -> None:
    challenged: list[str] = []
    page.on("response", lambda r: challenged.append(r.url)
            if r.status == 401 and "www-authenticate" in r.headers else None)
    workspace = "/lab/shared"
    page.goto(team.url + workspace)
    expect(page).to_have_url(f"{team.url}/login?next=%2Flab%2Fshared")
    page.get_by_label("User name").fill("ada")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
    expect(page.get_by_label("Password")).to_have_value("")
    page.screenshot(path=str(screenshots / "accounts-login-error.png"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(team.url + workspace)
    # the workspace loads its runs and charts (the envelopes are a POST: CSRF token sent)
    expect(page.locator(f"a[href='/lab/shared/runs/{team.run_id}']")).to_be_visible()
    expect(page.locator("canvas").first).to_be_visible()
    assert challenged == [], f"the app was sent a browser login challenge: {challenged}"
    page.screenshot(path=str(screenshots / "accounts-workspace.png"))


def test_user_menu_and_logout(team: Team, page: Page, screenshots: Path) -> None:
    log_in(page, team, "ada")
    page.get_by_role("button", name="Account of ada").click()
    menu = page.get_by_role("navigation", name="Account")
    expect(menu).to_contain_text("Signed in as ada")
    expect(menu.get_by_role("link", name=re.compile("lab"))).to_contain_text("admin")
    expect(menu.get_by_role("link", name="API keys")).to_be_visible()
    page.screenshot(path=str(screenshots / "accounts-user-menu.png"))
    menu.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{team.url}/login")
    # the session is over on the server too: the app asks to log in again
    page.goto(team.url + "/lab/shared")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_a_401_mid_session_leads_to_the_login_page(team: Team, page: Page) -> None:
    log_in(page, team, "ada")
    expect(page.get_by_role("link", name="shared", exact=True)).to_be_visible()
    page.context.clear_cookies()  # the session is gone (expired, or ended elsewhere)
    page.get_by_role("link", name="shared", exact=True).click()
    expect(page).to_have_url(f"{team.url}/login?next=%2Flab%2Fshared")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()


def test_api_keys_created_once_copied_listed_and_revoked(team: Team, browser: Browser,
                                                         screenshots: Path) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=team.url)
    page = context.new_page()
    try:
        log_in(page, team, "bob")
        page.get_by_role("button", name="Account of bob").click()
        page.get_by_role("link", name="API keys").click()
        expect(page).to_have_url(f"{team.url}/-/keys")
        page.get_by_label("Label of the new key").fill("gpu-box-3")
        page.get_by_role("button", name="Create key").click()
        shown = page.get_by_test_id("new-key")
        expect(shown).to_have_text(re.compile(r"^cairn_[0-9a-f]{8}_\S+$"))
        key = shown.inner_text()
        page.get_by_role("button", name="Copy").click()
        expect(page.get_by_role("button", name="Copied")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == key
        page.screenshot(path=str(screenshots / "accounts-new-key.png"))

        prefix = key.split("_")[1]
        row = page.locator(f"tr[data-prefix='{prefix}']")
        expect(row).to_contain_text("gpu-box-3")
        expect(row).to_contain_text("never")
        used = httpx.get(f"{team.url}/api/v1/viewer", headers={"Authorization": f"Bearer {key}"})
        assert used.json()["user"] == "bob"
        page.reload()
        expect(page.get_by_test_id("new-key")).to_have_count(0)  # shown once only
        expect(row).to_contain_text("just now")
        expect(row).not_to_contain_text("never")
        assert key not in page.content()

        row.get_by_role("button", name="Revoke").click()
        row.get_by_role("button", name="Revoke now").click()
        expect(row).to_contain_text("revoked")
        page.screenshot(path=str(screenshots / "accounts-keys.png"))
        refused = httpx.get(f"{team.url}/api/v1/viewer", headers={"Authorization": f"Bearer {key}"})
        assert refused.status_code == 401
    finally:
        context.close()


def test_team_admin_changes_members_and_a_viewer_only_reads(team: Team, page: Page,
                                                            browser: Browser,
                                                            screenshots: Path) -> None:
    log_in(page, team, "ada", "/-/teams/lab")
    members = page.get_by_role("table", name="Members of lab")
    expect(members).to_contain_text("vic")
    page.get_by_label("User to add").fill("bob")
    page.get_by_label("Role of the new member").select_option("viewer")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_label("Role of bob")).to_have_value("viewer")
    page.get_by_label("Role of bob").select_option("member")
    expect(page.get_by_label("Role of bob")).to_have_value("member")
    page.get_by_label("User to add").fill("nobody")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_role("alert")).to_contain_text("nobody")
    page.screenshot(path=str(screenshots / "accounts-team-admin.png"))
    roles = httpx.get(f"{team.url}/api/v1/teams/lab",
                      headers={"Authorization": f"Bearer {team.keys['ada']}"}).json()["members"]
    assert roles == {"ada": "admin", "bob": "member", "vic": "viewer"}
    page.locator("tr[data-member='bob']").get_by_role("button", name="Remove").click()
    expect(page.locator("tr[data-member='bob']")).to_have_count(0)

    other = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    try:
        log_in(other, team, "vic", "/-/teams/lab")
        table = other.get_by_role("table", name="Members of lab")
        expect(table).to_contain_text("ada")
        expect(table.locator("select")).to_have_count(0)
        expect(other.get_by_role("button", name="Add member")).to_have_count(0)
        expect(other.get_by_text("Only admins change the members.")).to_be_visible()
        other.screenshot(path=str(screenshots / "accounts-team-viewer.png"))
        # a team one is not in: a clear message, not an empty page
        other.goto(team.url + "/-/teams/elsewhere")
        expect(other.get_by_role("alert")).to_contain_text("no team 'elsewhere'")
    finally:
        other.context.close()


def test_project_visibility_by_its_admin_hides_it_from_a_viewer(team: Team, page: Page,
                                                                  browser: Browser,
                                                                  screenshots: Path) -> None:
    viewer = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    try:
        log_in(viewer, team, "vic", "/lab/shared/settings")
        expect(viewer.get_by_role("radio", name=re.compile("^Team"))).to_be_checked()
        expect(viewer.get_by_role("radio", name=re.compile("^Private"))).to_be_disabled()
        only_admins = viewer.get_by_text("Only the project's admins change its visibility.")
        expect(only_admins).to_be_visible()

        log_in(page, team, "ada", "/lab/shared")
        page.get_by_role("link", name="Settings", exact=True).click()
        expect(page).to_have_url(f"{team.url}/lab/shared/settings")
        with page.expect_request(lambda r: r.method == "PATCH") as patched:
            page.get_by_role("radio", name=re.compile("^Private")).check()
        # the session's token, as GET /api/v1/me gave it (else the server answers 403)
        assert patched.value.headers.get("x-csrf-token")
        expect(page.get_by_role("status")).to_contain_text("now private")
        page.screenshot(path=str(screenshots / "accounts-project-settings.png"))
        found = httpx.get(f"{team.url}/api/v1/projects/lab/shared/settings",
                          headers={"Authorization": f"Bearer {team.keys['ada']}"})
        assert found.json()["visibility"] == "private"

        # the viewer no longer sees the project: a clear message, as for a missing one
        viewer.goto(team.url + "/lab/shared")
        expect(viewer.get_by_role("alert").first).to_contain_text("no project 'lab/shared'")
        expect(viewer.get_by_role("alert").first).to_contain_text("not shared with you")
        viewer.screenshot(path=str(screenshots / "accounts-hidden-project.png"))
    finally:
        viewer.context.close()


def test_changing_ones_password(team: Team, page: Page, screenshots: Path) -> None:
    log_in(page, team, "bob")
    page.get_by_role("button", name="Account of bob").click()
    page.get_by_role("navigation", name="Account").get_by_role(
        "link", name="Password and teams").click()
    expect(page).to_have_url(f"{team.url}/-/account")
    form = page.get_by_role("region", name="Password")
    new = "a new and long password"

    def change(current: str, password: str, again: str | None = None) -> None:
        form.get_by_label("Current password").fill(current)
        form.get_by_label("New password", exact=True).fill(password)
        form.get_by_label("New password again").fill(password if again is None else again)
        form.get_by_role("button", name="Change password").click()

    change(PASSWORD, "short")  # checked here first, with the server's rule
    expect(form.get_by_role("alert")).to_have_text(
        "The new password needs at least 8 characters.")
    change(PASSWORD, new, "a new and long passwore")
    expect(form.get_by_role("alert")).to_have_text("The two new passwords differ.")
    change("not my password", new)
    expect(form.get_by_role("alert")).to_have_text("The current password is wrong.")
    expect(form.get_by_label("Current password")).to_have_value("")
    page.screenshot(path=str(screenshots / "accounts-password-wrong.png"))
    change(PASSWORD, new)
    expect(form.get_by_role("status")).to_contain_text("Password changed")
    expect(form.get_by_role("alert")).to_have_count(0)
    page.screenshot(path=str(screenshots / "accounts-password-changed.png"))
    # still signed in (a new session), and the new password is the one that works
    page.goto(team.url + "/-/keys")
    expect(page.get_by_role("button", name="Account of bob")).to_be_visible()
    login = f"{team.url}/api/v1/login"
    assert httpx.post(login, json={"username": "bob", "password": PASSWORD}).status_code == 401
    assert httpx.post(login, json={"username": "bob", "password": new}).status_code == 200


def test_making_a_team_and_seeing_its_members(team: Team, page: Page,
                                              screenshots: Path) -> None:
    log_in(page, team, "vic", "/-/account")
    teams = page.get_by_role("table", name="Your teams")
    expect(teams.locator("tr[data-team='lab']")).to_contain_text("viewer")
    page.get_by_label("Name of the new team").fill("lab")  # taken
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_role("alert")).to_contain_text("'lab' is taken already")
    page.screenshot(path=str(screenshots / "accounts-account-page.png"))
    page.get_by_label("Name of the new team").fill("vision")
    page.get_by_role("button", name="Create team").click()
    expect(page).to_have_url(f"{team.url}/-/teams/vision")
    members = page.get_by_role("table", name="Members of vision")
    expect(members.locator("tr[data-member='vic']")).to_be_visible()
    expect(page.get_by_label("Role of vic")).to_have_value("admin")
    expect(page.get_by_text("you: admin")).to_be_visible()
    page.get_by_label("User to add").fill("bob")
    page.get_by_role("button", name="Add member").click()
    expect(page.get_by_label("Role of bob")).to_have_value("member")
    page.screenshot(path=str(screenshots / "accounts-new-team.png"))
    # the new team is in the user menu and on the account page
    page.goto(team.url + "/-/account")
    expect(teams.locator("tr[data-team='vision']")).to_contain_text("admin")
    page.get_by_role("button", name="Account of vic").click()
    expect(page.get_by_role("navigation", name="Account").get_by_role(
        "link", name=re.compile("vision"))).to_contain_text("admin")


def test_a_server_admin_makes_a_user(team: Team, page: Page, browser: Browser,
                                     screenshots: Path) -> None:
    log_in(page, team, "root")
    page.get_by_role("button", name="Account of root").click()
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Users").click()
    expect(page).to_have_url(f"{team.url}/-/users")
    table = page.get_by_role("table", name="Users")
    expect(table.locator("tr[data-user='root']")).to_contain_text("server admin")
    form = page.get_by_role("form", name="New user")
    form.get_by_label("Name of the new user").fill("bob")  # taken
    form.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("alert")).to_contain_text("user 'bob' exists already")
    form.get_by_label("Name of the new user").fill("dan")
    form.get_by_label("Password of the new user").fill("short")
    form.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("alert")).to_contain_text("at least 8 characters")
    form.get_by_label("Password of the new user").fill("dan's long password")
    form.get_by_role("button", name="Create user").click()
    key = page.get_by_test_id("new-key")
    expect(key).to_have_text(re.compile(r"^cairn_[0-9a-f]{8}_\S+$"))
    expect(table.locator("tr[data-user='dan']")).to_be_visible()
    page.screenshot(path=str(screenshots / "accounts-users.png"))
    answer = httpx.get(f"{team.url}/api/v1/viewer",
                       headers={"Authorization": f"Bearer {key.inner_text()}"})
    assert answer.json()["user"] == "dan"
    assert httpx.post(f"{team.url}/api/v1/login", json={
        "username": "dan", "password": "dan's long password"}).status_code == 200

    # someone who is not a server admin: no link in the menu, and a refusal on the page
    other = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    try:
        log_in(other, team, "ada")
        other.get_by_role("button", name="Account of ada").click()
        expect(other.get_by_role("navigation", name="Account").get_by_role(
            "link", name="Users")).to_have_count(0)
        other.goto(team.url + "/-/users")
        expect(other.get_by_role("status")).to_contain_text("Only server admins")
        expect(other.get_by_role("alert")).to_contain_text("not a server admin")
    finally:
        other.context.close()
