"""The pairing pages' URLs, as the project mounts them."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse


@pytest.mark.parametrize(
    ("name", "kwargs", "url"),
    [
        ("my_mentoring", {}, "/o/acme/mentoring/"),
        ("pairing_detail", {"pk": 7}, "/o/acme/pairings/7/"),
        ("pairing_accept", {"pk": 7}, "/o/acme/pairings/7/accept/"),
        ("plan_item_tick", {"pk": 7, "item_pk": 3}, "/o/acme/pairings/7/plan/3/tick/"),
        ("check_in_add", {"pk": 7}, "/o/acme/pairings/7/check-ins/"),
        ("cohort_detail", {"pk": 2}, "/o/acme/cohorts/2/"),
        ("mentoring_record", {"pk": 5}, "/o/acme/people/5/mentoring-record/"),
        ("notifications", {}, "/o/acme/notifications/"),
    ],
)
def test_pairing_pages_have_stable_urls(name, kwargs, url) -> None:
    assert reverse(name, kwargs={"org_slug": "acme", **kwargs}) == url
    assert resolve(url).url_name == name


def test_the_pairing_api_answers_on_the_pairings_resource() -> None:
    assert reverse("api-pairing-list") == "/api/v1/pairings/"
    assert reverse("api-pairing-accept", kwargs={"pk": 4}) == "/api/v1/pairings/4/accept/"
