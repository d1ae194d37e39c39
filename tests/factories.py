"""Factories. Sub-factories keep related rows in the same organisation."""

from __future__ import annotations

import datetime as dt

import factory
from django.conf import settings
from django.utils import timezone

from competencies.models import (
    DEFAULT_SCALE,
    Competency,
    LevelBehaviour,
    ProficiencyLevel,
    Role,
    RoleRequirement,
)
from mentorship.models import Department, Employee, Organization, User


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")

    @factory.post_generation
    def scale(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted is not False:
            ProficiencyLevel.objects.bulk_create(
                ProficiencyLevel(organization=self, level=lv, name=name, description=desc)
                for lv, name, desc in DEFAULT_SCALE
            )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", settings.DEMO_PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):  # type: ignore[no-untyped-def]
        if create:
            instance.save(update_fields=["password"])


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"D{n:03d}")


class CompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competency

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Competency {n}")
    category = "Basic Skills"
    description = "What this competency is about."


class LevelBehaviourFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LevelBehaviour

    competency = factory.SubFactory(CompetencyFactory)
    organization = factory.SelfAttribute("competency.organization")
    level = 3
    description = "Does the thing independently."


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Role {n}")
    code = factory.Sequence(lambda n: f"R{n:03d}")
    family = "Engineering"


class RoleRequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleRequirement

    role = factory.SubFactory(RoleFactory)
    organization = factory.SelfAttribute("role.organization")
    competency = factory.SubFactory(
        CompetencyFactory, organization=factory.SelfAttribute("..organization")
    )
    required_level = 3
    importance = 3


class EmployeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employee

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(
        DepartmentFactory, organization=factory.SelfAttribute("..organization")
    )
    job_title = "Specialist"
    external_id = factory.Sequence(lambda n: f"E{n:05d}")


class PairingFactory(factory.django.DjangoModelFactory):
    """A pairing as a row (the lifecycle services are tested on their own): mentee, mentor and
    competency in the pairing's organisation; an active pairing by default."""

    class Meta:
        model = "matching.Pairing"

    organization = factory.SubFactory(OrganizationFactory)
    mentee = factory.SubFactory(
        EmployeeFactory, organization=factory.SelfAttribute("..organization")
    )
    mentor = factory.SubFactory(
        EmployeeFactory, organization=factory.SelfAttribute("..organization")
    )
    competency = factory.SubFactory(
        CompetencyFactory, organization=factory.SelfAttribute("..organization")
    )
    task = "Ship the quarterly report"
    baseline_level = 2
    target_level = 3
    start_date = factory.LazyFunction(lambda: timezone.localdate())
    end_date = factory.LazyAttribute(lambda p: p.start_date + dt.timedelta(weeks=6))
    state = "active"
    accepted_at = factory.LazyAttribute(
        lambda p: None if p.state in ("proposed", "declined", "expired") else timezone.now()
    )
