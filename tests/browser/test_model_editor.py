"""The HR admin edits the competency model through the htmx editor in a real browser."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from competencies.models import LevelBehaviour, RoleRequirement
from tests.factories import CompetencyFactory, RoleFactory

pytestmark = pytest.mark.browser


def sign_in(page: Page, base_url: str, email: str, next_path: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_hr_edits_a_behaviour_and_a_requirement_and_both_persist(
    live_server, page: Page, org, hr
) -> None:
    competency = CompetencyFactory(
        organization=org, name="Programming", category="Technical Skills"
    )
    role = RoleFactory(organization=org, name="Software Developer")

    sign_in(page, live_server.url, hr.email, "/o/acme/model/competencies/")
    expect(page.get_by_role("heading", name="Competency model")).to_be_visible()

    # A level behaviour, edited inline.
    page.get_by_role("link", name="Programming").click()
    expect(page.get_by_role("heading", name="Programming")).to_be_visible()
    page.get_by_role("link", name="Edit the level 4 behaviour").click()
    editor = page.get_by_label("What does someone at level 4 (Advanced) observably do?")
    editor.fill("Designs systems other teams build on.")
    page.locator("#behaviour-4").get_by_role("button", name="Save").click()
    row = page.locator("#behaviour-4")
    expect(row).to_contain_text("Designs systems other teams build on.")
    expect(row).to_contain_text("Saved")
    expect(page.locator("#history")).to_contain_text("Described level 4 (Advanced)")
    expect(page.locator("#toasts")).to_contain_text("Saved the level 4 behaviour")

    # A role requirement, saved on change in the matrix.
    page.get_by_role("link", name="Roles", exact=True).click()
    page.get_by_role("link", name="Software Developer", exact=True).click()
    page.get_by_label("Required level of Programming").select_option("4")
    expect(page.locator("#history")).to_contain_text("Required Programming at level 4")
    importance = page.get_by_label("Importance of Programming (1–5)")
    expect(importance).to_be_enabled()
    # The saved row has been swapped in; wait until htmx has settled it (and so listens to its
    # changes) before the next change.
    expect(page.locator(f"#req-{competency.pk}")).to_contain_text("Saved")
    expect(page.locator(f"#req-{competency.pk}")).not_to_have_class(
        re.compile(r"htmx-(request|swapping|settling|added)")
    )
    importance.select_option("5")
    expect(page.locator("#history")).to_contain_text("Changed Programming: level 4, importance 5")
    expect(page.locator(f"#req-{competency.pk}")).to_contain_text("Saved")

    # Both survive a reload.
    page.reload()
    expect(page.get_by_label("Required level of Programming")).to_have_value("4")
    expect(page.get_by_label("Importance of Programming (1–5)")).to_have_value("5")
    page.goto(f"{live_server.url}/o/acme/model/competencies/{competency.pk}/")
    expect(page.locator("#behaviour-4")).to_contain_text("Designs systems other teams build on.")

    requirement = RoleRequirement.objects.get(role=role, competency=competency)
    assert (requirement.required_level, requirement.importance) == (4, 5)
    assert LevelBehaviour.objects.get(competency=competency, level=4).organization == org


def test_an_inline_error_stays_in_the_row(live_server, page: Page, org, hr) -> None:
    competency = CompetencyFactory(organization=org, name="Writing")
    sign_in(page, live_server.url, hr.email, f"/o/acme/model/competencies/{competency.pk}/")
    page.get_by_role("link", name="Edit the level 2 behaviour").click()
    page.get_by_label("What does someone at level 2 (Basic) observably do?").fill("x" * 2001)
    page.locator("#behaviour-2").get_by_role("button", name="Save").click()
    expect(page.locator("#behaviour-2 .invalid-feedback")).to_contain_text(
        "Use at most 2000 characters"
    )
    assert not LevelBehaviour.objects.filter(competency=competency).exists()
