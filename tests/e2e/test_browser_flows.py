"""In a real browser: the console provisions an organization with live progress, and the
owner joins it from the invitation email and works inside it, isolated from another; the
bell, a task's comments and a project's activity feed update live, at one organization
only."""

import re
import subprocess
import sys

from playwright.sync_api import Browser, expect

from shared_apps.localdev.demo import DEMO_PASSWORD, STAFF_EMAIL
from tests.e2e.conftest import Platform
from tests.live import ROOT


def sign_in(page, platform: Platform, host: str, email: str, password: str) -> None:
    page.goto(platform.url(host, "/accounts/login/"))
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in").click()


def test_console_provisions_live_and_the_owner_joins_from_the_invitation(
    platform: Platform, browser: Browser
):
    staff = browser.new_page()
    sign_in(staff, platform, "localhost", STAFF_EMAIL, DEMO_PASSWORD)
    expect(staff).to_have_url(platform.url("localhost", "/platform/"))  # staff land on it
    expect(staff.get_by_role("link", name="Console")).to_be_visible()

    staff.goto(platform.url("localhost", "/platform/organizations/new/"))
    # The slug is checked as it is typed (htmx), before anything is submitted.
    staff.fill("#id_slug", "www")
    expect(staff.locator("#slug-feedback")).to_contain_text("reserved")
    staff.fill("#id_slug", "acme")
    expect(staff.locator("#slug-feedback")).to_contain_text("already taken")
    staff.fill("#id_slug", "initech")
    expect(staff.locator("#slug-feedback")).to_contain_text("Available: initech.localhost")

    staff.fill("#id_name", "Initech")
    staff.fill("#id_owner_email", "peter@initech.test")
    staff.get_by_role("button", name="Create organization").click()
    # The page follows the Celery task over the WebSocket and reloads once it is active.
    expect(staff.locator("#org-status")).to_have_text("Active", timeout=30_000)

    invitation = platform.emailed_link(f"http://initech.localhost:{platform.port}/invitations/")
    owner = browser.new_page()
    owner.goto(invitation)
    expect(owner.get_by_role("heading", name="Join Initech")).to_be_visible()
    owner.fill("#id_full_name", "Peter Gibbons")
    owner.fill("#id_password1", "a long enough passphrase")
    owner.fill("#id_password2", "a long enough passphrase")
    owner.get_by_role("button", name="Join Initech").click()
    expect(owner.get_by_text("Welcome to Initech!")).to_be_visible()

    owner.fill("input[name=name]", "TPS reports")
    owner.click("text=Add project")
    expect(owner.locator("#projects")).to_contain_text("TPS reports")

    # Acme's owner, in the same browser, sees none of it.
    acme = browser.new_page()
    sign_in(acme, platform, "acme.localhost", "alice@acme.test", DEMO_PASSWORD)
    expect(acme.get_by_role("heading", name="Projects")).to_be_visible()
    expect(acme.locator("body")).not_to_contain_text("TPS reports")
    # And Initech's session is not valid at Acme's host or the other way round.
    acme.goto(platform.url("initech.localhost", "/"))
    expect(acme).to_have_url(re.compile(r"/accounts/login/"))


def test_console_list_filters_without_reloading(platform: Platform, browser: Browser):
    page = browser.new_page()
    sign_in(page, platform, "localhost", STAFF_EMAIL, DEMO_PASSWORD)
    page.goto(platform.url("localhost", "/platform/"))
    expect(page.locator("#organizations")).to_contain_text("Globex")
    page.evaluate("window.__marker = 'same page'")
    page.fill("input[name=q]", "glob")
    expect(page.locator("#organizations")).not_to_contain_text("Acme Corp")
    expect(page.locator("#organizations")).to_contain_text("Globex")
    assert page.evaluate("window.__marker") == "same page"  # swapped in place, no reload
    assert "q=glob" in page.url  # and the address follows the filter


def test_the_bell_updates_live_in_another_tab_and_not_at_another_organization(
    platform: Platform, browser: Browser
):
    context = browser.new_context()
    watching = context.new_page()
    sign_in(watching, platform, "acme.localhost", "alice@acme.test", DEMO_PASSWORD)
    watching.goto(platform.url("acme.localhost", "/"))
    expect(watching.locator("#notification-bell")).to_be_visible()
    watching.wait_for_timeout(500)  # the socket opens and pushes the current bell

    other_org = browser.new_page()
    sign_in(other_org, platform, "globex.localhost", "bob@globex.test", DEMO_PASSWORD)
    other_org.goto(platform.url("globex.localhost", "/"))

    # Alice announces from a second tab; the first updates without a reload.
    announcing = context.new_page()
    announcing.goto(platform.url("acme.localhost", "/notifications/"))
    announcing.fill("input[name=title]", "Deploy at noon")
    announcing.get_by_role("button", name="Send to everyone").click()

    expect(watching.locator("#notification-bell .badge")).to_have_text("1", timeout=20_000)
    expect(watching.locator("#notification-bell-list [data-title]").first).to_have_text(
        "Deploy at noon"
    )
    other_org.wait_for_timeout(1000)
    expect(other_org.locator("#notification-bell .badge")).to_have_count(0)


def _notify_alice(platform: Platform, title: str, link: str) -> None:
    """notify_user from another process of the platform (as a task or a command would)."""
    code = "\n".join(
        [
            "from django.contrib.auth import get_user_model",
            "from django_tenants.utils import schema_context",
            "from tenant_apps.notifications.services import notify_user",
            "with schema_context('org_acme'):",
            "    alice = get_user_model().objects.get(email='alice@acme.test')",
            f"    notify_user(recipient=alice, title={title!r}, link={link!r})",
        ]
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=platform.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_bell_dropdown_opens_by_keyboard_gets_a_new_one_live_and_fits_390_px_dark(
    platform: Platform, browser: Browser
):
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
    page = context.new_page()
    sign_in(page, platform, "acme.localhost", "alice@acme.test", DEMO_PASSWORD)
    page.goto(platform.url("acme.localhost", "/"))
    listing = page.locator("#notification-bell-list")
    expect(listing).not_to_contain_text("Loading")  # the socket has pushed the bell
    bell = page.get_by_role("button", name=re.compile(r"^Notifications"))
    menu = page.locator("#notification-menu")
    expect(bell).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()

    bell.click()
    expect(menu).to_be_visible()
    expect(bell).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="See all")).to_have_attribute("href", "/notifications/")

    # Created by the server while the dropdown is open: it arrives in it, which stays open.
    _notify_alice(platform, "Build <b>42</b> passed", "/files/")
    newest = listing.locator("li a").first
    expect(newest.locator("[data-title]")).to_have_text("Build <b>42</b> passed", timeout=20_000)
    expect(newest).to_have_attribute("href", "/files/")
    expect(newest).to_contain_text("Unread")
    expect(newest).to_contain_text("just now")
    expect(menu).to_be_visible()
    expect(bell).to_have_attribute("aria-expanded", "true")

    # It fits 390 px: no horizontal scroll, and the dropdown inside the viewport.
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") == 0
    box = menu.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    # Dark mode (the system's): a dark panel, not the light one.
    assert "dark" in page.evaluate("document.documentElement.className")
    assert menu.evaluate("e => getComputedStyle(e).backgroundColor") != "rgb(255, 255, 255)"

    # Escape closes and gives the focus back to the bell; Enter and Space open it again.
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(bell).to_be_focused()
    expect(bell).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press(" ")
    expect(menu).to_be_visible()
    context.close()

    # Without JavaScript the bell is a link to the notifications page.
    plain = browser.new_context(java_script_enabled=False)
    page = plain.new_page()
    sign_in(page, platform, "acme.localhost", "alice@acme.test", DEMO_PASSWORD)
    page.goto(platform.url("acme.localhost", "/"))
    expect(page.locator("#notification-menu")).to_be_hidden()
    page.get_by_role("link", name=re.compile(r"^Notifications")).click()
    expect(page).to_have_url(platform.url("acme.localhost", "/notifications/"))
    plain.close()


def _project_with_a_task(page, platform: Platform, host: str, name: str, task: str) -> str:
    """Through the pages: a project and a task in it; returns the task page's path."""
    page.goto(platform.url(host, "/"))
    page.fill("input[name=name]", name)
    page.get_by_role("button", name="Add project").click()
    page.get_by_role("link", name=name).click()
    page.get_by_role("link", name="New task").click()
    page.fill("#id_title", task)
    page.get_by_role("button", name="Create task").click()
    expect(page.get_by_role("heading", name=task)).to_be_visible()
    return page.url.removeprefix(platform.url(host, ""))


def test_a_comment_appears_live_on_the_same_task_elsewhere_and_not_at_another_organization(
    platform: Platform, browser: Browser
):
    posting = browser.new_context().new_page()
    sign_in(posting, platform, "acme.localhost", "alice@acme.test", DEMO_PASSWORD)
    task_path = _project_with_a_task(posting, platform, "acme.localhost", "Anvil", "Drop test")

    watching = browser.new_context().new_page()
    sign_in(watching, platform, "acme.localhost", "alice@acme.test", DEMO_PASSWORD)
    watching.goto(platform.url("acme.localhost", task_path))
    # Globex's own task at the same path: its socket names Globex's task group.
    other_org = browser.new_context().new_page()
    sign_in(other_org, platform, "globex.localhost", "bob@globex.test", DEMO_PASSWORD)
    globex_path = _project_with_a_task(other_org, platform, "globex.localhost", "Plan", "Plan it")
    if globex_path != task_path:
        other_org.goto(platform.url("globex.localhost", task_path))
    for page in (watching, other_org):
        page.evaluate("window.__marker = 'same page'")
    watching.wait_for_timeout(300)  # the sockets open

    posting.fill("#comment-form textarea[name=body]", "Anvils ship on Friday")
    posting.get_by_role("button", name="Comment").click()

    expect(watching.locator("#comments")).to_contain_text("Anvils ship on Friday", timeout=10_000)
    assert watching.evaluate("window.__marker") == "same page"  # pushed, no reload
    other_org.wait_for_timeout(1000)
    expect(other_org.locator("body")).not_to_contain_text("Anvils ship on Friday")
    assert other_org.evaluate("window.__marker") == "same page"


def test_a_change_in_a_project_appears_live_in_its_activity_feed(
    platform: Platform, browser: Browser, activity_consumer
):
    changing = browser.new_context().new_page()
    sign_in(changing, platform, "acme.localhost", "alice@acme.test", DEMO_PASSWORD)
    changing.goto(platform.url("acme.localhost", "/"))
    changing.fill("input[name=name]", "Rocket skates")
    changing.get_by_role("button", name="Add project").click()
    changing.get_by_role("link", name="Rocket skates").click()
    project_url = changing.url

    watching = browser.new_context().new_page()
    sign_in(watching, platform, "acme.localhost", "alice@acme.test", DEMO_PASSWORD)
    watching.goto(project_url)
    feed = watching.locator("#activity-entries")
    expect(feed).to_contain_text("created project “Rocket skates”", timeout=10_000)
    watching.evaluate("window.__marker = 'same page'")

    changing.get_by_role("link", name="New task").click()
    changing.fill("#id_title", "Test the brakes")
    changing.get_by_role("button", name="Create task").click()

    expect(feed).to_contain_text("created task “Test the brakes”", timeout=10_000)
    assert watching.evaluate("window.__marker") == "same page"


def test_the_open_notifications_page_shows_a_new_one_live_with_the_bells_count(
    platform: Platform, browser: Browser
):
    context = browser.new_context()
    watching = context.new_page()
    sign_in(watching, platform, "acme.localhost", "alice@acme.test", DEMO_PASSWORD)
    watching.goto(platform.url("acme.localhost", "/notifications/"))
    expect(watching.locator("#notification-list")).to_be_visible()
    watching.wait_for_timeout(500)  # the socket opens and pushes the bell and the list

    announcing = context.new_page()
    announcing.goto(platform.url("acme.localhost", "/notifications/"))
    announcing.fill("input[name=title]", "Page goes live")
    announcing.get_by_role("button", name="Send to everyone").click()

    newest = watching.locator("#notifications li").first
    expect(newest.locator("strong")).to_have_text("Page goes live", timeout=20_000)
    unread = watching.locator("#notification-bell .badge").inner_text()
    expect(watching.locator("#unread-count")).to_have_text(f"{unread} unread")
    # Its forms still post: marking it read from the live list updates page and bell.
    newest.get_by_role("button", name="Mark read").click()
    expect(watching.locator("#unread-count")).to_have_text(f"{int(unread) - 1} unread")
    context.close()


def test_an_owner_transfers_ownership_through_the_dialog_and_the_password(
    platform: Platform, browser: Browser
):
    owner = browser.new_page()
    sign_in(owner, platform, "globex.localhost", "bob@globex.test", DEMO_PASSWORD)
    owner.goto(platform.url("globex.localhost", "/members/"))
    owner.fill("#invite-email", "carol@globex.test")
    owner.select_option("#invite-role", "admin")
    owner.get_by_role("button", name="Send invitation").click()
    expect(owner.get_by_text("Invitation sent to carol@globex.test.")).to_be_visible()

    # A member's invitation is mailed by the web process (console backend: its output).
    prefix = f"http://globex.localhost:{platform.port}/invitations/"
    platform.web.wait_for(prefix, 30)
    link = re.search(re.escape(prefix) + r"\S*", platform.web.output())
    assert link, platform.web.output()[-2000:]
    carol = browser.new_page()
    carol.goto(link.group(0))
    carol.fill("#id_password1", "a long enough passphrase")
    carol.fill("#id_password2", "a long enough passphrase")
    carol.get_by_role("button", name="Join Globex").click()
    expect(carol.get_by_text("Welcome to Globex!")).to_be_visible()

    owner.goto(platform.url("globex.localhost", "/settings/ownership/"))
    owner.select_option("#new-owner", label="carol@globex.test · Admin")
    owner.get_by_role("button", name="Transfer ownership…").click()
    dialog = owner.get_by_role("dialog", name="Transfer ownership?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Transfer").click()
    # allauth asks for the password, then replays the transfer (the select's value too).
    expect(owner).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    owner.fill("#id_password", DEMO_PASSWORD)
    owner.locator("#id_password").press("Enter")
    expect(
        owner.get_by_text("carol@globex.test is now the owner; you are an admin.")
    ).to_be_visible()
    expect(owner.locator("#members")).to_contain_text("Owner")
