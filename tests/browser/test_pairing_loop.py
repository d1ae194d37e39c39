"""The whole pairing loop in a real browser, on a small organisation built in the test: the mentor
accepts, logs a check-in with feedback; the mentee ticks the plan and the mentor confirms it; the
mentor finishes early; the mentee re-assesses; the manager confirms; the mentor's record shows the
completed pairing and its outcome, and after a recompute the mentee's gap has no suggestions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from matching.models import MatchSuggestion, Pairing
from matching.recompute import recompute_organization
from matching.services import suggestion_accept
from tests.factories import LevelBehaviourFactory
from tests.matching.conftest import team  # noqa: F401  (the shared small organisation)

pytestmark = pytest.mark.browser

BEHAVIOURS = ["Designs modules others can extend", "Reviews code for correctness"]


def sign_in(page: Page, base_url: str, email: str, next_path: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def new_page(browser: Browser, *, phone: bool = False) -> Page:
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    page = browser.new_context(viewport=viewport).new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def proposed(team) -> Pairing:  # noqa: F811
    """Emma's Programming gap (2 → 4), matched by the recompute; Mark accepts Sam for it."""
    LevelBehaviourFactory(
        organization=team.org,
        competency=team.programming,
        level=4,
        description="\n".join(BEHAVIOURS),
    )
    recompute_organization(organization_id=team.org.pk, trigger="manual")
    suggestion = MatchSuggestion.objects.get(
        mentee=team.emma, competency=team.programming, mentor=team.sam
    )
    today = timezone.localdate()
    return suggestion_accept(
        suggestion=suggestion,
        actor=team.mark,
        task="Rewrite the invoice export in the billing service",
        start_date=today,
        end_date=today + dt.timedelta(weeks=6),
    )


def test_the_full_pairing_loop(live_server, browser: Browser, page: Page, team, proposed) -> None:  # noqa: F811
    base = live_server.url
    pairing_path = f"/o/acme/pairings/{proposed.pk}/"

    # The mentor sees the proposal waiting for him and accepts it.
    sign_in(page, base, team.sam.email, "/o/acme/mentoring/")
    expect(page.get_by_role("heading", name="My mentoring")).to_be_visible()
    needs = page.locator("#needs-action")
    expect(needs).to_contain_text("Accept or decline")
    needs.get_by_role("link", name="Accept or decline").click()
    expect(
        page.get_by_role("heading", name="Programming: Emma Stone with Sam Test")
    ).to_be_visible()
    expect(page.locator("#levels")).to_contain_text("Basic")
    expect(page.locator("#levels")).to_contain_text("Advanced")
    page.get_by_role("button", name="Accept and start").click()
    expect(page.locator("#toasts")).to_contain_text("Accepted")
    expect(page.locator("#pairing-state [data-state]")).to_have_attribute("data-state", "active")
    expect(page.locator("#progress-label")).to_contain_text("Day 1 of 42")
    for text in BEHAVIOURS:
        expect(page.locator("#plan")).to_contain_text(text)

    # He logs a check-in with specific feedback.
    check_in = page.get_by_role("form", name="Log a check-in")
    check_in.get_by_label("Notes").fill("Walked through the export module together")
    check_in.get_by_label("What went well").fill("Wrote the tests before the code")
    check_in.get_by_label("What to improve").fill("Smaller commits")
    check_in.get_by_label("Why it matters").fill("Reviews get faster and safer")
    check_in.get_by_role("button", name="Save check-in").click()
    expect(page.locator("#toasts")).to_contain_text("Check-in saved")
    expect(page.locator("#check-in-list")).to_contain_text("Smaller commits")

    # The mentee, on her phone, ticks the practice plan.
    emma = new_page(browser, phone=True)
    sign_in(emma, base, team.emma.email, pairing_path)
    expect(emma.locator("#check-in-list")).to_contain_text("Wrote the tests before the code")
    for text in BEHAVIOURS:
        with emma.expect_response(lambda r: "/tick/" in r.url):
            emma.get_by_label(text).check()
        expect(emma.get_by_label(text)).to_be_checked()
    expect(emma.locator("#plan-progress")).to_contain_text("2 of 2 done")

    # The mentor confirms both items, then finishes early.
    page.reload()
    for _ in BEHAVIOURS:
        page.locator("#plan").get_by_role("button", name="Confirm").first.click()
        expect(page.locator("#toasts")).to_contain_text("Confirmed")
    expect(page.locator("#plan-progress")).to_contain_text("2 confirmed by the mentor")
    page.get_by_text("Finish early…").click()
    page.get_by_role("button", name="Finish", exact=True).click()
    expect(page.locator("#pairing-state [data-state]")).to_have_attribute(
        "data-state", "awaiting_review"
    )

    # The mentee re-assesses that one competency.
    emma.reload()
    emma.get_by_label("My level now").select_option("4")
    emma.get_by_label("Evidence (optional)").fill("Shipped the new export; reviews pass first time")
    emma.get_by_role("button", name="Submit re-assessment").click()
    expect(emma.locator("#pairing-state")).to_contain_text("Waiting for Mark Ito to confirm")
    emma.context.close()

    # The manager finds it in "needs my action" and confirms the level.
    mark = new_page(browser)
    sign_in(mark, base, team.mark.email, "/o/acme/mentoring/")
    mark.locator("#needs-action").get_by_role("link", name="Confirm Emma Stone's level").click()
    expect(
        mark.get_by_role("heading", name="Confirm Emma Stone's level in Programming")
    ).to_be_visible()
    mark.get_by_label("Confirmed level").select_option("4")
    mark.get_by_role("button", name="Confirm level").click()
    expect(mark.locator("#toasts")).to_contain_text("Target level achieved")
    expect(mark.locator("#outcome")).to_contain_text("Target level achieved")
    mark.context.close()

    # The mentor's record shows the completed pairing and its outcome.
    page.goto(f"{base}/o/acme/mentoring/")
    expect(page.locator("#as-mentor")).to_contain_text("Target level achieved")
    record = page.request.get(
        f"{base}/o/acme/people/{team.sam.pk}/mentoring-record/", headers={"HX-Request": "true"}
    )
    assert record.ok
    text = record.text()
    assert "<strong>1</strong> completed pairing" in text
    assert "<strong>1</strong> reached the target" in text
    assert "Programming with Emma Stone" in text

    # After the recompute, the closed gap has no suggestions left.
    recompute_organization(organization_id=team.org.pk, trigger="manual")
    assert not MatchSuggestion.objects.filter(
        mentee=team.emma, competency=team.programming, status=MatchSuggestion.Status.OPEN
    ).exists()
    pairing = Pairing.objects.get(pk=proposed.pk)
    assert (pairing.state, pairing.outcome) == ("completed", "achieved")
