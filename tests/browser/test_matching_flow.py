"""Matching in a real browser: after a recompute, the manager opens the mentor suggestions for
their team, reads why each mentor is suggested for a report's gap, accepts one with a task (after
a refused empty task) and sees the proposed pairing and the mentor's slots used go up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from matching.models import MatchSuggestion, Pairing
from matching.recompute import recompute_organization
from tests.matching.conftest import team as team  # the fixture, shared with tests/matching

pytestmark = pytest.mark.browser


def sign_in(page: Page, base_url: str, email: str, next_path: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_manager_accepts_a_suggested_mentor(live_server, page: Page, team) -> None:
    run = recompute_organization(organization_id=team.org.pk, trigger="manual")
    assert run is not None and run.status == "succeeded"
    sam_programming = MatchSuggestion.objects.get(
        mentee=team.emma, mentor=team.sam, competency=team.programming
    )
    sam_writing = MatchSuggestion.objects.get(
        mentee=team.emma, mentor=team.sam, competency=team.writing
    )

    sign_in(page, live_server.url, team.mark.email, "/o/acme/")
    page.get_by_role("button", name="Mentoring").click()
    page.get_by_role("link", name="Mentors for my team").click()
    expect(page.get_by_role("heading", name="Mentors for my team")).to_be_visible()

    # Emma's Programming gap: current against required level, and each mentor's reasons.
    gap = page.locator(f"#gap-{team.emma.pk}-{team.programming.pk}")
    expect(gap).to_contain_text("Now Basic (2) · requires Advanced (4)")
    sam = page.locator(f"#suggestion-{sam_programming.pk}")
    expect(sam).to_contain_text(
        "Expert, confirmed by manager · Sales, another department · 0 of 2 slots used · "
        "never paired before"
    )
    expect(gap.locator("[data-mentor='Pat Test']")).to_contain_text("Advanced, self-rated")
    expect(page.locator(f"#suggestion-{sam_writing.pk} .slots")).to_have_text("0 of 2 slots used")

    # Accept opens the form in place, with the default dates filled in.
    sam.get_by_role("link", name="Accept Sam Test").click()
    form = sam.locator("form.accept-form")
    expect(form).to_be_visible()
    start = form.get_by_label("Start")
    expect(start).not_to_have_value("")
    monday = dt.date.fromisoformat(start.input_value())
    assert monday.weekday() == 0
    expect(form.get_by_label("End")).to_have_value((monday + dt.timedelta(weeks=6)).isoformat())

    # An empty task is refused next to the field, and nothing is written.
    form.get_by_role("button", name="Propose pairing").click()
    expect(form.locator(".invalid-feedback")).to_contain_text(
        "Describe the real piece of work they will do together."
    )
    assert not Pairing.objects.exists()

    form.get_by_label("Task").fill("Rewrite the invoice export together, with tests")
    form.get_by_role("button", name="Propose pairing").click()

    # The card now shows the proposed pairing, and Sam's slots used went up everywhere.
    expect(gap.locator(".pairing")).to_contain_text("Pairing proposed with Sam Test")
    expect(gap.locator(".pairing")).to_contain_text("Sam Test: 1 of 2 slots used")
    expect(page.locator("#toasts")).to_contain_text("Pairing proposed")
    expect(page.locator(f"#suggestion-{sam_writing.pk} .slots")).to_have_text("1 of 2 slots used")

    pairing = Pairing.objects.get()
    assert (pairing.mentee, pairing.mentor, pairing.state) == (team.emma, team.sam, "proposed")
    assert pairing.task == "Rewrite the invoice export together, with tests"
    assert pairing.start_date == monday
