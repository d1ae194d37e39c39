"""The assessment loop in a real browser: the employee self-assesses with autosave and submits;
the manager opens the team matrix, assesses them, and the matrix cell changes state."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from assessments.models import Assessment, SkillProfile
from mentorship.models import Employee
from tests.factories import CompetencyFactory, RoleFactory, RoleRequirementFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def skills(org) -> list:
    """A role requiring Programming ≥ 4, Writing ≥ 3 and Negotiation ≥ 2."""
    role = RoleFactory(organization=org, name="Software Developers")
    spec = [
        ("Programming", "Technical Skills", 4),
        ("Writing", "Basic Skills", 3),
        ("Negotiation", "Social Skills", 2),
    ]
    comps = []
    for name, category, level in spec:
        comp = CompetencyFactory(organization=org, name=name, category=category)
        RoleRequirementFactory(organization=org, role=role, competency=comp, required_level=level)
        comps.append(comp)
    return comps


@pytest.fixture
def developer(employee: Employee, skills) -> Employee:
    employee.role = skills[0].requirements.get().role
    employee.save(update_fields=["role"])
    return employee


def sign_in(page: Page, base_url: str, email: str, next_path: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def pick(page: Page, competency, level: int) -> None:
    """Choose a level card and wait for the item's autosave to confirm."""
    page.locator(f"label[for='level-{competency.pk}-{level}']").click()
    expect(page.locator(f"#status-{competency.pk}")).to_contain_text("Saved")
    expect(page.locator(f"#level-{competency.pk}-{level}")).to_be_checked()


def test_self_then_manager_assessment_changes_the_matrix_cell(
    live_server, browser: Browser, page: Page, manager, developer, skills
) -> None:
    programming, writing, negotiation = skills

    # The employee rates three competencies (each autosaved), adds evidence, and submits.
    sign_in(page, live_server.url, developer.email, "/o/acme/my-skills/")
    expect(page.get_by_role("heading", name="My skills", exact=True)).to_be_visible()
    expect(page.locator("#rating-progress")).to_contain_text("0 of 3 rated")
    pick(page, programming, 4)
    pick(page, writing, 1)
    pick(page, negotiation, 2)
    expect(page.locator("#rating-progress")).to_contain_text("3 of 3 rated")
    with page.expect_response(lambda r: r.url.endswith("/my-skills/rate/")) as saved:
        page.locator(f"#evidence-{programming.pk}").fill("Rebuilt the billing service")
    assert saved.value.status == 200
    expect(page.locator(f"#status-{programming.pk}")).to_contain_text("Saved")
    page.get_by_role("button", name="Submit self-assessment").click()
    expect(page.get_by_role("heading", name="My skill profile")).to_be_visible()
    expect(page.locator("#messages")).to_contain_text("Your self-assessment was submitted")
    expect(page.locator(f"#comp-{writing.pk}")).to_have_attribute("data-state", "gap")

    # The manager sees the gap in the matrix, assesses, and the cell turns "met".
    manager_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    manager_page.set_default_timeout(10_000)
    sign_in(manager_page, live_server.url, manager.email, "/o/acme/team/")
    row = manager_page.locator(f"#row-{developer.pk}")
    cell = row.locator(f"td[data-competency='{writing.name}']")
    expect(cell).to_have_attribute("data-state", "gap")
    expect(cell).to_contain_text("1/3")
    row.get_by_role("link", name=developer.name).click()
    expect(manager_page.get_by_role("heading", name=f"Assess {developer.name}")).to_be_visible()
    expect(manager_page.locator(f"#item-{programming.pk}")).to_contain_text(
        "Rebuilt the billing service"
    )
    pick(manager_page, programming, 4)
    pick(manager_page, writing, 3)
    pick(manager_page, negotiation, 2)
    manager_page.get_by_role("button", name=f"Submit assessment of {developer.name}").click()
    expect(manager_page.locator("#messages")).to_contain_text(
        f"Your assessment of {developer.name} was submitted"
    )
    cell = manager_page.locator(f"#row-{developer.pk} td[data-competency='{writing.name}']")
    expect(cell).to_have_attribute("data-state", "met")
    expect(cell).to_contain_text("3/3")
    manager_page.context.close()

    profile = SkillProfile.objects.get(employee=developer, competency=writing)
    assert (profile.self_level, profile.manager_level, profile.effective_level) == (1, 3, 3)
    assert Assessment.objects.filter(status=Assessment.Status.SUBMITTED).count() == 2
