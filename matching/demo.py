"""Demo data: two organisations with realistic people, org charts and an O*NET competency model.

Deterministic (one `random.Random(42)` drives every choice, and both organisations are always planned
in the same order) and idempotent: an organisation that already has people is left as it is. People
are written with bulk inserts and a single password hash shared by every account, so seeding takes a
few seconds; the people services would audit and validate each person one by one, which a fixed,
known-good data set does not need.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from competencies.models import Competency, ProficiencyLevel, Role
from competencies.onet import onet_import
from competencies.services import scale_ensure_default
from mentorship.models import Department, Employee, Organization, User

SEED = 42

# fmt: off
FIRST_NAMES = [
    "Aaliyah", "Adam", "Aisha", "Alejandro", "Amara", "Anders", "Ana", "Arjun", "Beatriz", "Ben",
    "Carmen", "Chen", "Chloe", "Daniel", "Deepa", "Diego", "Elena", "Elif", "Ethan", "Fatima",
    "Felix", "Freya", "Gabriel", "Hannah", "Hiroshi", "Ibrahim", "Ines", "Isaac", "Jamal", "Jana",
    "Javier", "Julia", "Kai", "Kavya", "Kenji", "Laila", "Lars", "Leah", "Lena", "Liam",
    "Lucas", "Maya", "Mateo", "Mei", "Nadia", "Noah", "Olga", "Omar", "Oscar", "Paula",
    "Rafael", "Rosa", "Samuel", "Sara", "Sofia", "Tariq", "Thomas", "Valentina", "Yusuf", "Zoe",
]
LAST_NAMES = [
    "Abbott", "Adeyemi", "Alvarez", "Andersen", "Bauer", "Bianchi", "Brennan", "Castillo", "Costa",
    "Dubois", "Eriksson", "Fernandes", "Fischer", "Garcia", "Haddad", "Hansen", "Hoffmann", "Ivanova",
    "Jensen", "Kaur", "Kim", "Kowalski", "Larsen", "Lindqvist", "Lopez", "Mahmoud", "Martin",
    "Mendes", "Moreau", "Murphy", "Nakamura", "Nguyen", "Nielsen", "Okafor", "Oliveira", "Park",
    "Patel", "Petrov", "Quinn", "Rahman", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Suzuki",
    "Tanaka", "Torres", "Usman", "Varga", "Vogel", "Walsh", "Weber", "Wong", "Yamamoto", "Yilmaz",
    "Young", "Zhang", "Zimmermann", "Zoric",
]
# fmt: on

# O*NET-SOC codes of the roles each organisation imports. Some obvious titles (15-1252.00 Software
# Developers, 15-2051.00 Data Scientists, 13-1082.00 Project Management Specialists) have no skill
# ratings in O*NET 29.3, so their closest rated neighbours stand in for them.
CEO = "11-1011.00"  # Chief Executives
IT_MANAGERS = "11-3021.00"  # Computer and Information Systems Managers
PROGRAMMERS = "15-1251.00"  # Computer Programmers
QA = "15-1253.00"  # Software Quality Assurance Analysts and Testers
WEB = "15-1254.00"  # Web Developers
BI_ANALYSTS = "15-2051.01"  # Business Intelligence Analysts
SALES_MANAGERS = "11-2022.00"  # Sales Managers
SALES_REPS = "41-4012.00"  # Sales Representatives, Wholesale and Manufacturing, Except Technical...
MARKETING_MANAGERS = "11-2021.00"  # Marketing Managers
MARKETING = "13-1161.00"  # Market Research Analysts and Marketing Specialists
PROJECT_MANAGERS = "15-1299.09"  # Information Technology Project Managers
HR_MANAGERS = "11-3121.00"  # Human Resources Managers
HR_SPECIALISTS = "13-1071.00"  # Human Resources Specialists
FINANCIAL_MANAGERS = "11-3031.00"  # Financial Managers
ACCOUNTANTS = "13-2011.00"  # Accountants and Auditors
OPERATIONS_MANAGERS = "11-1021.00"  # General and Operations Managers
CUSTOMER_SERVICE = "43-4051.00"  # Customer Service Representatives


@dataclass(frozen=True)
class Team:
    name: str
    lead_title: str
    lead_role: str
    member_title: str
    member_role: str
    size: int  # members, not counting the lead


@dataclass(frozen=True)
class Dept:
    name: str
    code: str
    head_title: str
    head_role: str
    teams: tuple[Team, ...] = ()
    # People reporting straight to the head: (title, role, how many).
    direct: tuple[tuple[str, str, int], ...] = ()


@dataclass(frozen=True)
class FixedAccount:
    email: str
    first_name: str
    last_name: str
    label: str


@dataclass(frozen=True)
class OrgSpec:
    slug: str
    name: str
    domain: str
    id_prefix: str
    ceo_title: str
    departments: tuple[Dept, ...]
    time_zones: tuple[tuple[str, int], ...]
    hr: FixedAccount
    manager: FixedAccount | None = None
    employee: FixedAccount | None = None
    hr_department: str = "PEOPLE"
    manager_team: str = ""

    @property
    def role_codes(self) -> list[str]:
        codes = [CEO]
        for dept in self.departments:
            codes.append(dept.head_role)
            for team in dept.teams:
                codes += [team.lead_role, team.member_role]
            codes += [role for _, role, _ in dept.direct]
        return list(dict.fromkeys(codes))


def _eng(name: str, size: int, title: str = "Software Engineer", role: str = PROGRAMMERS) -> Team:
    return Team(name, f"Engineering Lead, {name}", role, title, role, size)


ACME = OrgSpec(
    slug="acme",
    name="Acme Corporation",
    domain="acme.example",
    id_prefix="ACME",
    ceo_title="Chief Executive Officer",
    hr=FixedAccount("hr@acme.example", "Priya", "Raman", "HR admin"),
    manager=FixedAccount(
        "manager@acme.example", "Marcus", "Chen", "manager: Engineering team lead"
    ),
    employee=FixedAccount("employee@acme.example", "Emma", "Novak", "employee on that team"),
    manager_team="Platform",
    time_zones=(
        ("Europe/London", 35),
        ("America/New_York", 25),
        ("Europe/Berlin", 15),
        ("America/Los_Angeles", 15),
        ("Asia/Singapore", 10),
    ),
    departments=(
        Dept(
            "Engineering",
            "ENG",
            "VP of Engineering",
            IT_MANAGERS,
            teams=(
                _eng("Platform", 7),
                _eng("Payments", 8),
                _eng("Mobile", 7),
                _eng("Web", 8, "Web Developer", WEB),
                _eng("Quality", 6, "QA Engineer", QA),
                _eng("Infrastructure", 7),
                _eng("Search", 6),
                _eng("Developer Experience", 6),
                _eng("Security", 6),
                _eng("Integrations", 7),
            ),
        ),
        Dept(
            "Data",
            "DATA",
            "Head of Data",
            IT_MANAGERS,
            teams=(
                Team("Analytics", "Analytics Lead", BI_ANALYSTS, "Data Analyst", BI_ANALYSTS, 8),
                Team(
                    "Data Science",
                    "Data Science Lead",
                    BI_ANALYSTS,
                    "Data Scientist",
                    BI_ANALYSTS,
                    8,
                ),
                Team(
                    "Data Engineering",
                    "Data Engineering Lead",
                    PROGRAMMERS,
                    "Data Engineer",
                    PROGRAMMERS,
                    6,
                ),
                Team(
                    "Experimentation",
                    "Experimentation Lead",
                    BI_ANALYSTS,
                    "Product Analyst",
                    BI_ANALYSTS,
                    6,
                ),
            ),
        ),
        Dept(
            "Sales",
            "SALES",
            "VP of Sales",
            SALES_MANAGERS,
            teams=tuple(
                Team(name, f"Sales Manager, {name}", SALES_MANAGERS, title, SALES_REPS, size)
                for name, title, size in (
                    ("Enterprise EMEA", "Account Executive", 9),
                    ("Enterprise Americas", "Account Executive", 9),
                    ("Mid-Market", "Account Executive", 9),
                    ("SMB", "Account Executive", 9),
                    ("Sales Development", "Sales Development Representative", 8),
                    ("Partnerships", "Partner Manager", 6),
                )
            ),
        ),
        Dept(
            "Marketing",
            "MKT",
            "Chief Marketing Officer",
            MARKETING_MANAGERS,
            teams=(
                Team(
                    "Brand & Content",
                    "Content Lead",
                    MARKETING_MANAGERS,
                    "Content Marketer",
                    MARKETING,
                    7,
                ),
                Team("Growth", "Growth Lead", MARKETING_MANAGERS, "Growth Marketer", MARKETING, 6),
                Team(
                    "Product Marketing",
                    "Product Marketing Lead",
                    MARKETING_MANAGERS,
                    "Product Marketing Manager",
                    MARKETING,
                    6,
                ),
                Team("Design", "Design Lead", WEB, "UX Designer", WEB, 5),
            ),
        ),
        Dept(
            "Project Office",
            "PMO",
            "Director, Project Office",
            PROJECT_MANAGERS,
            direct=(
                ("Project Manager", PROJECT_MANAGERS, 7),
                ("Programme Manager", PROJECT_MANAGERS, 2),
            ),
        ),
        Dept(
            "People",
            "PEOPLE",
            "Chief People Officer",
            HR_MANAGERS,
            teams=(
                Team(
                    "People Partners",
                    "Lead HR Business Partner",
                    HR_MANAGERS,
                    "HR Business Partner",
                    HR_SPECIALISTS,
                    5,
                ),
                Team(
                    "Talent Acquisition",
                    "Talent Acquisition Lead",
                    HR_MANAGERS,
                    "Recruiter",
                    HR_SPECIALISTS,
                    6,
                ),
                Team(
                    "People Operations",
                    "People Operations Lead",
                    HR_SPECIALISTS,
                    "People Operations Specialist",
                    HR_SPECIALISTS,
                    4,
                ),
            ),
            direct=(("People Analyst", HR_SPECIALISTS, 1),),
        ),
        Dept(
            "Finance",
            "FIN",
            "Chief Financial Officer",
            FINANCIAL_MANAGERS,
            teams=(
                Team("Accounting", "Controller", FINANCIAL_MANAGERS, "Accountant", ACCOUNTANTS, 7),
                Team("FP&A", "FP&A Lead", ACCOUNTANTS, "Financial Analyst", ACCOUNTANTS, 5),
            ),
            direct=(("Treasury Analyst", ACCOUNTANTS, 1), ("Internal Auditor", ACCOUNTANTS, 1)),
        ),
        Dept(
            "Customer Success",
            "CS",
            "VP of Customer Success",
            OPERATIONS_MANAGERS,
            teams=tuple(
                Team(name, f"{name} Lead", OPERATIONS_MANAGERS, title, CUSTOMER_SERVICE, size)
                for name, title, size in (
                    ("Support Tier 1", "Support Specialist", 10),
                    ("Support Tier 2", "Senior Support Specialist", 9),
                    ("Onboarding", "Onboarding Specialist", 8),
                    ("Account Management", "Customer Success Manager", 8),
                    ("Renewals", "Renewals Specialist", 6),
                )
            ),
        ),
    ),
)

GLOBEX = OrgSpec(
    slug="globex",
    name="Globex",
    domain="globex.example",
    id_prefix="GLOBEX",
    ceo_title="Founder & CEO",
    hr=FixedAccount("hr@globex.example", "Grace", "Okafor", "HR admin"),
    time_zones=(("America/Chicago", 50), ("America/New_York", 30), ("America/Denver", 20)),
    departments=(
        Dept(
            "Engineering",
            "ENG",
            "Chief Technology Officer",
            PROGRAMMERS,
            teams=(
                _eng("Core", 7),
                _eng("Apps", 6),
            ),
            direct=(("Staff Engineer", PROGRAMMERS, 2),),
        ),
        Dept(
            "Sales",
            "SALES",
            "Head of Sales",
            SALES_REPS,
            direct=(("Account Executive", SALES_REPS, 8),),
        ),
        Dept(
            "Customer Support",
            "SUPPORT",
            "Head of Support",
            CUSTOMER_SERVICE,
            direct=(("Support Specialist", CUSTOMER_SERVICE, 6),),
        ),
        Dept(
            "People",
            "PEOPLE",
            "Head of People",
            HR_SPECIALISTS,
            direct=(("HR Generalist", HR_SPECIALISTS, 4),),
        ),
        Dept(
            "Finance",
            "FIN",
            "Head of Finance",
            ACCOUNTANTS,
            direct=(("Accountant", ACCOUNTANTS, 4),),
        ),
    ),
)

SPECS = (ACME, GLOBEX)
EXECUTIVE = ("Executive Office", "EXEC")  # the CEO's department


# --- Planning: pure, deterministic -------------------------------------------------------------


@dataclass
class Person:
    number: int
    first_name: str
    last_name: str
    email: str
    job_title: str
    department: str
    role: str
    manager: int | None
    time_zone: str
    is_hr_admin: bool = False
    mentor_capacity: int = 2
    mentor_available: bool = True


@dataclass
class _Planner:
    spec: OrgSpec
    rng: random.Random
    people: list[Person] = field(default_factory=list)
    names: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        fixed = {
            (a.first_name, a.last_name)
            for a in (self.spec.hr, self.spec.manager, self.spec.employee)
            if a is not None
        }
        pairs = [(f, last) for f in FIRST_NAMES for last in LAST_NAMES if (f, last) not in fixed]
        self.rng.shuffle(pairs)
        self.names = pairs

    def add(
        self,
        title: str,
        department: str,
        role: str,
        manager: int | None,
        account: FixedAccount | None = None,
    ) -> int:
        if account is not None:
            first, last, email = account.first_name, account.last_name, account.email
        else:
            first, last = self.names.pop()
            email = f"{first}.{last}@{self.spec.domain}".lower()
        zones, weights = zip(*self.spec.time_zones, strict=True)
        person = Person(
            number=len(self.people) + 1,
            first_name=first,
            last_name=last,
            email=email,
            job_title=title,
            department=department,
            role=role,
            manager=manager,
            time_zone=self.rng.choices(zones, weights)[0],
            mentor_capacity=self.rng.choices((1, 2, 3), (2, 6, 2))[0],
            mentor_available=self.rng.random() > 0.1,
        )
        self.people.append(person)
        return person.number

    def seniority(self, title: str) -> str:
        prefix = self.rng.choices(("", "Senior ", "Junior "), (5, 4, 1))[0]
        return f"{prefix}{title}"

    def plan(self) -> list[Person]:
        spec = self.spec
        ceo = self.add(spec.ceo_title, EXECUTIVE[1], CEO, None)
        for dept in spec.departments:
            is_hr = dept.code == spec.hr_department
            head = self.add(
                dept.head_title, dept.code, dept.head_role, ceo, spec.hr if is_hr else None
            )
            self.people[head - 1].is_hr_admin = is_hr
            for title, role, count in dept.direct:
                for _ in range(count):
                    self.add(self.seniority(title), dept.code, role, head)
            for team in dept.teams:
                fixed = team.name == spec.manager_team and dept.code == "ENG"
                lead = self.add(
                    team.lead_title,
                    dept.code,
                    team.lead_role,
                    head,
                    spec.manager if fixed else None,
                )
                for i in range(team.size):
                    account = spec.employee if fixed and i == 0 else None
                    title = team.member_title if account else self.seniority(team.member_title)
                    self.add(title, dept.code, team.member_role, lead, account)
        return self.people


def plan_organisation(spec: OrgSpec, rng: random.Random) -> list[Person]:
    """Everyone in the organisation, CEO first, each manager before their reports."""
    return _Planner(spec, rng).plan()


# --- Writing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedResult:
    slug: str
    name: str
    created: bool
    people: int
    departments: int
    roles: int
    competencies: int

    def line(self) -> str:
        what = (
            f"{self.people} people, {self.departments} departments, {self.roles} roles, "
            f"{self.competencies} competencies"
        )
        return (
            f"{self.name} ({self.slug}): {'created' if self.created else 'already seeded'}: {what}"
        )


def _write_people(
    organization: Organization, spec: OrgSpec, people: list[Person], password: str
) -> None:
    departments = {
        dept.code: dept
        for dept in Department.objects.bulk_create(
            Department(organization=organization, name=name, code=code)
            for name, code in [EXECUTIVE, *((d.name, d.code) for d in spec.departments)]
        )
    }
    roles = {r.code: r for r in Role.objects.filter(organization=organization).exclude(code="")}

    emails = [p.email for p in people]
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    User.objects.bulk_create(
        User(email=p.email, first_name=p.first_name, last_name=p.last_name, password=password)
        for p in people
        if p.email not in users
    )
    users = {u.email: u for u in User.objects.filter(email__in=emails)}

    def external_id(person: Person) -> str:
        return f"{spec.id_prefix}-{person.number:04d}"

    Employee.objects.bulk_create(
        Employee(
            organization=organization,
            user=users[p.email],
            department=departments.get(p.department),
            role=roles[p.role],
            job_title=p.job_title,
            time_zone=p.time_zone,
            external_id=external_id(p),
            is_hr_admin=p.is_hr_admin,
            mentor_available=p.mentor_available,
            mentor_capacity=p.mentor_capacity,
        )
        for p in people
    )
    # Managers point at rows that exist only now: look the ids up by external id and link them.
    by_external = {
        e.external_id: e
        for e in Employee.objects.filter(organization=organization).only("id", "external_id")
    }
    linked = []
    for person in people:
        if person.manager is not None:
            employee = by_external[external_id(person)]
            employee.manager_id = by_external[external_id(people[person.manager - 1])].pk
            linked.append(employee)
    Employee.objects.bulk_update(linked, ["manager"], batch_size=500)


def _counts(organization: Organization, created: bool) -> SeedResult:
    return SeedResult(
        slug=organization.slug,
        name=organization.name,
        created=created,
        people=Employee.objects.filter(organization=organization).count(),
        departments=Department.objects.filter(organization=organization).count(),
        roles=Role.objects.filter(organization=organization).count(),
        competencies=Competency.objects.filter(organization=organization).count(),
    )


def _demo_levels(
    rng: random.Random, requirements: list[tuple[int, int, int]], *, top: int, gaps_at_least: int
) -> dict[int, int]:
    """A believable true level per required competency: most met, a few gaps, one strength.

    `requirements` are (competency id, required level, importance). At least `gaps_at_least` of
    them (the most important ones) fall below the requirement.
    """
    levels: dict[int, int] = {}
    forced = {
        cid for cid, _, _ in sorted(requirements, key=lambda r: (-r[2], r[0]))[:gaps_at_least]
    }
    for cid, required, _ in requirements:
        roll = rng.random()
        if cid in forced or roll < 0.18:
            level = required - (2 if rng.random() < 0.3 else 1)
        elif roll < 0.75:
            level = required
        else:
            level = required + 1
        levels[cid] = max(0, min(top, level))
    if requirements and max(levels.values()) < top - 1:
        # Almost everyone is strong in something: lift one non-gap competency to 4 or 5.
        candidates = [cid for cid, _, _ in requirements if cid not in forced] or list(levels)
        levels[rng.choice(candidates)] = rng.choice((top - 1, top - 1, top))
    return levels


def _write_ratings(organization: Organization, spec: OrgSpec, rng: random.Random) -> int:
    """Submitted self and manager assessments for everyone, through the assessments bulk loader."""
    from assessments.services import SubmittedAssessment, assessments_load_submitted
    from competencies.models import RoleRequirement

    top = max(
        ProficiencyLevel.objects.filter(organization=organization).values_list("level", flat=True)
    )
    reqs: dict[int, list[tuple[int, int, int]]] = {}
    for r in RoleRequirement.objects.filter(organization=organization).order_by(
        "role_id", "competency_id"
    ):
        reqs.setdefault(r.role_id, []).append((r.competency_id, r.required_level, r.importance))
    people = list(
        Employee.objects.filter(organization=organization)
        .select_related("user")
        .order_by("external_id")
    )
    by_id = {p.pk: p for p in people}
    employee_email = spec.employee.email if spec.employee else ""
    now = timezone.now()
    entries = []
    for person in people:
        requirements = reqs.get(person.role_id or 0, [])
        if not requirements:
            continue
        truth = _demo_levels(
            rng,
            requirements,
            top=top,
            gaps_at_least=2 if person.user.email == employee_email else 0,
        )
        self_at = now - timedelta(days=rng.randint(20, 60), hours=rng.randint(0, 23))
        self_levels = {}
        for cid, level in truth.items():
            roll = rng.random()
            drift = 2 if roll < 0.05 else 1 if roll < 0.25 else -1 if roll < 0.33 else 0
            self_levels[cid] = max(0, min(top, level + drift))
        entries.append(SubmittedAssessment(person, person, "self", self_at, self_levels))
        manager = by_id.get(person.manager_id or 0)
        if manager is not None and (rng.random() < 0.8 or person.user.email == employee_email):
            manager_at = self_at + timedelta(days=rng.randint(2, 10))
            entries.append(SubmittedAssessment(person, manager, "manager", manager_at, truth))
    return assessments_load_submitted(organization=organization, entries=entries)


@transaction.atomic
def _seed_organisation(spec: OrgSpec, people: list[Person], password: str) -> SeedResult:
    organization, _ = Organization.objects.get_or_create(
        slug=spec.slug, defaults={"name": spec.name}
    )
    if Employee.objects.filter(organization=organization).exists():
        return _counts(organization, created=False)
    scale_ensure_default(organization=organization)
    onet_import(organization=organization, actor=None, occupation_codes=spec.role_codes)
    _write_people(organization, spec, people, password)
    _write_ratings(organization, spec, random.Random(f"{SEED}-{spec.slug}-ratings"))
    return _counts(organization, created=True)


def seed_demo() -> list[SeedResult]:
    """Seed (or confirm) the demo organisations; returns what each one holds."""
    rng = random.Random(SEED)
    plans = [(spec, plan_organisation(spec, rng)) for spec in SPECS]
    password = make_password(settings.DEMO_PASSWORD)
    with scopes_disabled():
        return [_seed_organisation(spec, people, password) for spec, people in plans]


def demo_logins() -> list[tuple[str, str]]:
    """(e-mail, what the account is) for the fixed demo accounts."""
    logins = []
    for spec in SPECS:
        for account in (spec.hr, spec.manager, spec.employee):
            if account is not None:
                logins.append((account.email, f"{account.label}, {spec.name}"))
    return logins
