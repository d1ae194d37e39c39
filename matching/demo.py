"""Demo data: two organisations with realistic people, org charts, an O*NET competency model,
submitted assessments and about five months of mentoring pairings.

Deterministic (seeded `random.Random`s drive every choice, and both organisations are always planned
in the same order) and idempotent: an organisation that already has people is left as it is. People
are written with bulk inserts and a single password hash shared by every account, so seeding takes a
few seconds; the people services would audit and validate each person one by one, which a fixed,
known-good data set does not need. The pairing history is written the same way, row for row what
the lifecycle services (`matching.pairings`) would have written, without their notifications.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_scopes import scopes_disabled

from assessments.models import Assessment, SkillProfile
from assessments.services import SubmittedAssessment, assessments_load_submitted
from competencies.models import Competency, LevelBehaviour, ProficiencyLevel, Role, RoleRequirement
from competencies.onet.services import onet_import
from competencies.services import scale_ensure_default
from matching.models import CheckIn, Pairing, PairingEvent, PlanItem, ReminderSent
from matching.pairings.rules import behaviour_lines, mentor_response_days
from matching.pairings.selectors import reminders_due
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
        # 150–190 days ago, before the pairing history (the last HISTORY_DAYS). Drawn as 20–60
        # plus 130 so that the random stream, and so every level below, stays as it always was.
        days = rng.randint(20, 60) + 130
        self_at = now - timedelta(days=days, hours=rng.randint(0, 23))
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


# --- Pairing history -----------------------------------------------------------------------------

# Pairings of the last HISTORY_DAYS, so after every seeded assessment (self 150–190 days ago,
# the manager's 2–10 days later): each gap was seen, and each mentor rated, before a pairing on it.
HISTORY_DAYS = 135
MENTEE_SHARE = 0.135  # of the people, each a mentee once
CROSS_DEPARTMENT = 0.8  # how often a mentor is picked from another department when there is one

TASKS = {
    "ENG": [
        "Design and ship retries with back-off for outgoing webhooks",
        "Lead the post-incident review of the checkout outage and follow up its actions",
        "Move the invoicing module out of the monolith into its own service",
        "Write the on-call runbook for the team and run the first game day with it",
        "Halve the run time of the test suite on the main branch",
        "Plan and run the migration of the accounts database to the new cluster",
        "Review and document the public API used by partner integrations",
    ],
    "DATA": [
        "Build the weekly churn dashboard for Customer Success",
        "Design and analyse the pricing-page experiment",
        "Rebuild the revenue pipeline with tests and alerts",
        "Forecast next quarter's support volume and present the model",
        "Prepare and present the quarterly product metrics review",
    ],
    "SALES": [
        "Prepare and lead the renewal negotiation with a top-20 account",
        "Build next quarter's territory plan with the regional manager",
        "Run discovery with three enterprise prospects and write their account plans",
        "Rework the mid-market pitch deck and test it on live calls",
        "Lead the team's quarterly pipeline review",
    ],
    "MKT": [
        "Plan and launch the spring product campaign",
        "Write a series of three customer case studies with reference customers",
        "Run the onboarding A/B test on the website and report on it",
        "Build the messaging framework for the new analytics add-on",
        "Organise the customer webinar and follow up its leads",
    ],
    "PMO": [
        "Plan the billing platform programme for next quarter",
        "Recover the delayed office move: new plan, risks and stakeholder updates",
        "Set up the monthly portfolio status report for the leadership team",
        "Lead the selection of the new project-tracking tool",
    ],
    "PEOPLE": [
        "Redesign the onboarding programme for new engineers",
        "Run the engagement survey and present its findings",
        "Rewrite the interview guide and train the hiring managers on it",
        "Prepare the salary review cycle with Finance",
    ],
    "FIN": [
        "Close the quarter-end books two days faster",
        "Build next year's budget model with the department heads",
        "Prepare the audit file for the external auditors",
        "Automate the monthly expense reconciliation",
    ],
    "CS": [
        "Rewrite the twenty most-read help-centre articles from ticket trends",
        "Run the escalation queue for two weeks and write up the patterns",
        "Onboard two new enterprise customers end to end",
        "Build the renewal playbook for accounts at risk",
        "Train the new support hires on the billing product",
    ],
    "EXEC": [
        "Prepare the board update on the quarter's results",
        "Prepare the annual strategy offsite with the leadership team",
    ],
}
TASKS["SUPPORT"] = TASKS["CS"]
DECLINE_REASONS = [
    "I'm on a product launch until the end of the month and can't give this the time it needs.",
    "I already mentor someone in this; a colleague on my team would be a better fit.",
    "I'll be on leave for most of this period.",
    "Our working hours barely overlap; someone closer would serve them better.",
]
CANCEL_REASONS = {
    "manager": [
        "The project behind the task was put on hold.",
        "We found a better task for this next quarter; we'll propose a new pairing then.",
    ],
    "mentee": ["I moved to another team and the task no longer applies."],
    "mentor": ["I'm out on extended leave; let's restart when I'm back."],
}
FINISH_REASONS = ["We finished the task ahead of plan.", "The work shipped early.", ""]
EXTENSION_REASONS = [
    "The release moved by two weeks, so the task runs longer.",
    "We lost a week to an incident and want to finish the task properly.",
]
THANK_YOU_NOTES = [
    "Thank you for the time and the honest feedback: it made a real difference.",
    "Thanks for walking me through your approach step by step. I use it every week now.",
    "I learned more in these weeks than in the past year. Thank you!",
    "Thank you for your patience, and for letting me lead while you had my back.",
]
THANK_YOU_NOT_THERE_YET = "I'm not there yet, but I know exactly what to practise next. Thanks!"
# (what went well, what to improve, why it matters); {competency} and {level} are filled in.
CHECK_IN_FEEDBACK = [
    (
        "You broke the task into small steps before starting and kept to them.",
        "Ask for feedback earlier instead of polishing alone for days.",
        "Early feedback is where most of the learning in {competency} happens.",
    ),
    (
        "The first draft was clear and well structured.",
        "Say what you recommend up front; the reasoning can follow.",
        "Decision makers read the first paragraph: that is where {competency} shows.",
    ),
    (
        "You handled the tough questions calmly and checked you had understood them.",
        "Pause before answering and name the trade-offs out loud.",
        "Naming the trade-offs is what people rely on at the {level} level.",
    ),
    (
        "You found the real cause of the problem, not the first symptom.",
        "Write your assumptions down so others can check them.",
        "Written assumptions make your {competency} reviewable and teachable.",
    ),
    (
        "You ran the session on your own for the first time, and it went well.",
        "Keep to time: we ran twenty minutes over.",
        "Respecting people's time is part of doing {competency} well at the {level} level.",
    ),
    (
        "Good preparation: the numbers were ready before the meeting.",
        "Practise explaining it to someone outside the team.",
        "If you can explain it simply, you can apply {competency} in new situations.",
    ),
]
CUSTOM_PLAN_ITEMS = [
    "Shadow {mentor} in one real meeting and debrief afterwards",
    "Lead one part of the task end to end, with {mentor} reviewing",
    "Write a one-page summary of what you learned and share it with the team",
    "Present the result to the team",
]


@dataclass
class _Slot:
    """One pairing's life before anyone is cast in it: its state and when each step happened."""

    state: str
    created_at: datetime
    start_date: date
    end_date: date
    outcome: str | None = None
    accepted_at: datetime | None = None
    # When it stopped taking a mentor slot (None while it still takes one), how, by whom
    # ("mentor", "mentee", "manager"; "" for the daily task) and why.
    closed_at: datetime | None = None
    close_action: str = ""
    close_actor: str = ""
    close_reason: str = ""
    original_end_date: date | None = None
    extended_at: datetime | None = None
    extension_reason: str = ""
    reassessed_at: datetime | None = None
    completed_at: datetime | None = None
    thanked_at: datetime | None = None

    def opened_at(self, moment: datetime) -> bool:
        """Whether it took its mentor's slot at that moment."""
        return self.created_at <= moment and (self.closed_at is None or moment < self.closed_at)


def _state_counts(n: int) -> list[tuple[str, str | None]]:
    """(state, outcome) for n pairings: mostly completed, a few that never ran, the rest recent."""
    big = n >= 20
    states: list[tuple[str, str | None]] = [
        *[(Pairing.State.PROPOSED, None)] * (3 if big else 1),
        *[(Pairing.State.ACTIVE, None)] * round(n * 0.2),
        *[(Pairing.State.AWAITING_REVIEW, None)] * round(n * 0.1),
        *[(Pairing.State.CANCELLED, None)] * (round(n * 0.05) if big else 0),
        *[(Pairing.State.DECLINED, None)] * (1 if big else 0),
        *[(Pairing.State.EXPIRED, None)] * (1 if big else 0),
    ]
    completed = n - len(states)
    missed = max(1, round(completed * 0.15))
    states += [(Pairing.State.COMPLETED, Pairing.Outcome.NOT_ACHIEVED)] * missed
    states += [(Pairing.State.COMPLETED, Pairing.Outcome.ACHIEVED)] * (completed - missed)
    return states


def _at(day: date, rng: random.Random, first: float = 8.5, last: float = 17.5) -> datetime:
    """A moment of working hours on that day."""
    midnight = timezone.make_aware(datetime.combine(day, time()))
    return midnight + timedelta(hours=rng.uniform(first, last))


def _after(
    moment: datetime, rng: random.Random, low: float, high: float, *, limit: datetime
) -> datetime:
    """Between `low` and `high` hours after a moment, before `limit`, and moved into working
    hours (8:00–19:00) when that still is before `limit`."""
    high = min(high, (limit - moment).total_seconds() / 3600 * 0.9)
    raw = moment + timedelta(hours=rng.uniform(min(low, high / 2), high))
    local = timezone.localtime(raw)
    day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
    moved = raw if 8 <= local.hour < 19 else _at(day, rng, 8.0, 9.5)
    return moved if moved < limit else raw


def _daily_run(day: date) -> datetime:
    """When the daily task (pairings_daily, 6:30) ran that day."""
    return timezone.make_aware(datetime.combine(day, time(6, 30)))


def _plan_slots(n: int, rng: random.Random, now: datetime, response_days: int) -> list[_Slot]:
    """When each of n pairings was proposed and how its life went, oldest first."""
    State = Pairing.State
    today = timezone.localdate(now)

    def ago(low: int, high: int) -> date:
        return today - timedelta(days=rng.randint(low, high))

    answer = min(response_days * 24 - 12, 60)  # hours a mentor takes to answer, at most
    states = _state_counts(n)
    soon = max(1, round(states.count((State.ACTIVE, None)) * 0.35)) if n >= 20 else 0
    extended: dict[str, int] = {State.ACTIVE: int(n >= 20), State.COMPLETED: int(n >= 20)}
    reassessed = states.count((State.AWAITING_REVIEW, None)) // 2
    slots: list[_Slot] = []
    for state, outcome in states:
        if state == State.PROPOSED:
            created = now - timedelta(days=min(3, response_days) * rng.uniform(0.05, 0.9))
            start = timezone.localdate(created) + timedelta(days=rng.randint(3, 10))
            slot = _Slot(state, created, start, start + timedelta(weeks=rng.randint(6, 10)))
        elif state in (State.DECLINED, State.EXPIRED) or (
            state == State.CANCELLED and rng.random() < 0.5
        ):
            created = _at(ago(20, HISTORY_DAYS), rng)
            start = created.date() + timedelta(days=rng.randint(3, 10))
            slot = _Slot(state, created, start, start + timedelta(weeks=rng.randint(6, 10)))
            if state == State.EXPIRED:
                deadline = timezone.localtime(created + timedelta(days=response_days))
                late = deadline.time() > time(6, 30)
                slot.closed_at = _daily_run(deadline.date() + timedelta(days=late))
                slot.close_reason = f"The mentor did not answer within {response_days} days."
            else:
                slot.closed_at = _after(created, rng, 4, answer, limit=now)
                slot.close_actor = "mentor" if state == State.DECLINED else "manager"
                pool = DECLINE_REASONS if state == State.DECLINED else CANCEL_REASONS["manager"]
                slot.close_reason = rng.choice(pool)
            slot.close_action = state
        elif state == State.CANCELLED:  # after the mentor said yes
            created = _at(ago(45, HISTORY_DAYS), rng)
            start = created.date() + timedelta(days=rng.randint(2, 7))
            slot = _Slot(state, created, start, start + timedelta(weeks=rng.randint(6, 10)))
            slot.accepted_at = _after(created, rng, 3, answer, limit=now)
            slot.closed_at = _at(start + timedelta(days=rng.randint(7, 25)), rng)
            slot.close_action, slot.close_actor = "cancelled", rng.choice(list(CANCEL_REASONS))
            slot.close_reason = rng.choice(CANCEL_REASONS[slot.close_actor])
        elif state == State.ACTIVE:
            total = timedelta(days=rng.randint(42, 84))
            if soon > 0:  # ends within three days
                soon -= 1
                end = today + timedelta(days=rng.randint(1, 3))
                start = end - total
            else:
                start = today - timedelta(days=rng.randint(7, total.days - 7))
                end = start + total
            created = _at(start - timedelta(days=rng.randint(1, 6)), rng)
            slot = _Slot(state, created, start, end)
            slot.accepted_at = _after(created, rng, 3, answer, limit=now)
            if extended[state] and end > today + timedelta(days=7):
                extended[state] -= 1
                _extend(slot, rng, now)
        else:  # awaiting review or completed: the end date came, or the pair finished early
            if state == State.AWAITING_REVIEW:
                last = today - timedelta(days=1)  # went to review in the last two weeks
                first = today - timedelta(days=13)
            else:
                last = today - timedelta(days=12)  # confirmed by now
                first = today - timedelta(days=HISTORY_DAYS - 50)
            finished_day = first + timedelta(days=rng.randint(0, (last - first).days))
            if rng.random() < 0.65:
                end = finished_day
                finished = _daily_run(end)
                action, actor, reason = "ended", "", "The end date was reached."
            else:
                end = finished_day + timedelta(days=rng.randint(2, 14))
                finished = _at(finished_day, rng)
                action, actor = "finished", rng.choice(("mentor", "mentee"))
                reason = rng.choice(FINISH_REASONS)
            start = end - timedelta(weeks=rng.randint(6, 10))
            start = max(start, today - timedelta(days=HISTORY_DAYS - 8))
            created = _at(start - timedelta(days=rng.randint(1, 6)), rng)
            slot = _Slot(state, created, start, end, outcome=outcome)
            slot.accepted_at = _after(created, rng, 3, answer, limit=now)
            slot.closed_at, slot.close_action = finished, action
            slot.close_actor, slot.close_reason = actor, reason
            if state == State.COMPLETED or reassessed > 0:
                if state == State.AWAITING_REVIEW:
                    reassessed -= 1
                slot.reassessed_at = _after(finished, rng, 4, 72, limit=now)
            if state == State.COMPLETED:
                slot.completed_at = _after(slot.reassessed_at or finished, rng, 4, 96, limit=now)
                thanks = 0.6 if outcome == Pairing.Outcome.ACHIEVED else 0.3
                if rng.random() < thanks:
                    slot.thanked_at = _after(slot.completed_at, rng, 2, 72, limit=now)
                if extended[state] and end - start <= timedelta(weeks=10):
                    extended[state] -= 1
                    _extend(slot, rng, finished)
        slots.append(slot)
    slots.sort(key=lambda s: s.created_at)
    return slots


def _extend(slot: _Slot, rng: random.Random, before: datetime) -> None:
    """Push the end date out once, at a moment before both the old end date and `before`."""
    assert slot.accepted_at is not None
    slot.original_end_date = slot.end_date - timedelta(days=rng.randint(7, 14))
    latest = min(before, timezone.make_aware(datetime.combine(slot.original_end_date, time())))
    earliest = max(slot.accepted_at, _at(slot.start_date, rng)) + timedelta(days=1)
    slot.extended_at = earliest + (latest - earliest) * rng.uniform(0.3, 0.9)
    slot.extension_reason = rng.choice(EXTENSION_REASONS)


@dataclass(frozen=True)
class _Cast:
    """A pairing's slot with its people and gap."""

    slot: _Slot
    mentee: Employee
    mentor: Employee
    competency_id: int
    baseline: int
    target: int


@dataclass
class _People:
    """What casting needs to know about an organisation's people after their assessments."""

    people: list[Employee]
    requirements: dict[int, list[tuple[int, int, int]]]  # role id -> (competency, level, weight)
    level: dict[tuple[int, int], int]  # (person, competency) -> effective level
    gap_seen: dict[tuple[int, int], datetime]
    assessed_until: dict[int, datetime]  # each person's last assessment
    threshold: int


def _load_people(organization: Organization) -> _People:
    requirements: dict[int, list[tuple[int, int, int]]] = {}
    for role_id, cid, required, weight in (
        RoleRequirement.objects.filter(organization=organization)
        .order_by("role_id", "competency_id")
        .values_list("role_id", "competency_id", "required_level", "importance")
    ):
        requirements.setdefault(role_id, []).append((cid, required, weight))
    level, gap_seen = {}, {}
    for pk, cid, effective, seen in SkillProfile.objects.filter(
        organization=organization
    ).values_list("employee_id", "competency_id", "effective_level", "first_gap_seen_at"):
        level[(pk, cid)] = effective
        if seen is not None:
            gap_seen[(pk, cid)] = seen
    return _People(
        people=list(
            Employee.objects.filter(organization=organization, is_active=True)
            .select_related("user", "department")
            .order_by("external_id")
        ),
        requirements=requirements,
        level=level,
        gap_seen=gap_seen,
        assessed_until=dict(
            Assessment.objects.filter(organization=organization, status="submitted")
            .values("subject_id")
            .annotate(last=Max("submitted_at"))
            .values_list("subject_id", "last")
        ),
        threshold=organization.mentor_threshold_level,
    )


def _cast(slots: list[_Slot], known: _People, spec: OrgSpec, rng: random.Random) -> list[_Cast]:
    """A mentee with a real gap and an eligible mentor with a free slot for each pairing, in the
    order they were proposed. Everyone is a mentee once at most; the fixed demo accounts and the
    people they manage are left out here, and the fixed accounts never mentor; `_showcase` then
    gives two of them a deliberate part."""
    fixed = {a.email for a in (spec.hr, spec.manager, spec.employee) if a is not None}
    fixed_ids = {e.pk for e in known.people if e.user.email in fixed}
    mentees = [
        e
        for e in known.people
        if e.manager_id is not None and e.pk not in fixed_ids and e.manager_id not in fixed_ids
    ]
    rng.shuffle(mentees)
    strong: dict[int, list[Employee]] = {}  # competency -> possible mentors
    for e in known.people:
        if e.pk in fixed_ids or not e.mentor_available:
            continue
        for cid, _, _ in known.requirements.get(e.role_id or 0, []):
            if known.level.get((e.pk, cid), 0) >= known.threshold:
                strong.setdefault(cid, []).append(e)
    taken: dict[int, list[_Slot]] = {}  # mentor -> their pairings so far
    cast: list[_Cast] = []
    for slot in slots:
        moment = slot.created_at
        for mentee in mentees:
            found = _cast_one(slot, mentee, known, strong, taken, rng)
            if found is not None:
                mentees.remove(mentee)
                taken.setdefault(found.mentor.pk, []).append(slot)
                cast.append(found)
                break
        else:
            raise RuntimeError(f"No mentee and mentor for a pairing proposed at {moment}")
    return cast


def _gaps_before(known: _People, mentee: Employee, moment: datetime) -> list[tuple[int, int, int]]:
    """The mentee's current-role gaps (competency, required level, importance) already seen at
    `moment`; none if the mentee was assessed after it."""
    if known.assessed_until.get(mentee.pk, moment) >= moment:
        return []
    return [
        (cid, required, weight)
        for cid, required, weight in known.requirements.get(mentee.role_id or 0, [])
        if known.level.get((mentee.pk, cid), required) < required
        and known.gap_seen.get((mentee.pk, cid), moment) < moment
    ]


def _may_mentor(
    known: _People, mentor: Employee, mentee: Employee, cid: int, required: int, moment: datetime
) -> bool:
    """The engine's eligibility, capacity aside: available, strong enough, not the mentee, their
    manager or their report, and assessed before `moment`."""
    return (
        mentor.mentor_available
        and known.level.get((mentor.pk, cid), 0) >= max(known.threshold, required)
        and mentor.pk != mentee.pk
        and mentor.pk != mentee.manager_id
        and mentor.manager_id != mentee.pk
        and known.assessed_until.get(mentor.pk, moment) < moment
    )


def _cast_one(
    slot: _Slot,
    mentee: Employee,
    known: _People,
    strong: dict[int, list[Employee]],
    taken: dict[int, list[_Slot]],
    rng: random.Random,
) -> _Cast | None:
    moment = slot.created_at
    gaps = _gaps_before(known, mentee, moment)
    # The more important gaps first, with some chance (weighted random order).
    gaps.sort(key=lambda g: rng.random() ** (1 / g[2]), reverse=True)
    for cid, required, _ in gaps:
        mentors = [
            m
            for m in strong.get(cid, [])
            if _may_mentor(known, m, mentee, cid, required, moment)
            and sum(s.opened_at(moment) for s in taken.get(m.pk, [])) < m.mentor_capacity
        ]
        if not mentors:
            continue
        other = [m for m in mentors if m.department_id != mentee.department_id]
        same = [m for m in mentors if m.department_id == mentee.department_id]
        pool = (other or same) if rng.random() < CROSS_DEPARTMENT else (same or other)
        pool = [m for m in pool if known.level[(m.pk, cid)] > required] or pool
        # Spread the mentoring: people who have mentored least so far come first.
        fewest = min(len(taken.get(m.pk, [])) for m in pool)
        mentor = rng.choice([m for m in pool if len(taken.get(m.pk, [])) <= fewest + 1])
        baseline = known.level[(mentee.pk, cid)]
        return _Cast(slot, mentee, mentor, cid, baseline, required)
    return None


def _showcase(cast: list[_Cast], known: _People, spec: OrgSpec, now: datetime) -> list[_Cast]:
    """Give two demo accounts a part in the history, so signing in as them shows a pairing's
    life: the demo employee mentors someone in an active pairing, and one of the demo manager's
    other reports has re-assessed and waits for the manager's confirmation. Each is a cast
    re-made under the same rules (a real gap seen before the proposal, an eligible mentor with
    room at every proposal it overlaps, everyone a mentee once); if none fits, the cast stays."""
    by_email = {e.user.email: e for e in known.people}
    employee = by_email.get(spec.employee.email) if spec.employee else None
    manager = by_email.get(spec.manager.email) if spec.manager else None
    fixed = {a.email for a in (spec.hr, spec.manager, spec.employee) if a is not None}
    cast = list(cast)

    def mentees_now() -> set[int]:
        return {c.mentee.pk for c in cast}

    def level(person: Employee, cid: int) -> int:
        return known.level.get((person.pk, cid), 0)

    def room(mentor: Employee, slot: _Slot, instead: _Cast) -> bool:
        """The mentor has a free slot at every proposal this pairing overlaps, and now."""
        theirs = [c.slot for c in cast if c.mentor.pk == mentor.pk and c is not instead]
        moments = [slot.created_at, *(s.created_at for s in theirs if slot.opened_at(s.created_at))]
        if slot.opened_at(now):
            moments.append(now)
        return all(
            sum(s.opened_at(t) for s in theirs) < mentor.mentor_capacity
            for t in moments
            if slot.opened_at(t)
        )

    def recast(old: _Cast, mentee: Employee, mentor: Employee, cid: int, target: int) -> None:
        cast[cast.index(old)] = _Cast(old.slot, mentee, mentor, cid, level(mentee, cid), target)

    # The demo employee mentors: an active pairing, with a mentee who has a gap in one of the
    # employee's strengths.
    if employee is not None:
        leads = {e.pk for e in (employee, manager) if e}
        found = next(
            (
                (old, mentee, cid, required)
                for old in cast
                if old.slot.state == Pairing.State.ACTIVE
                for mentee in known.people
                if mentee.pk not in mentees_now() - {old.mentee.pk}
                and mentee.user.email not in fixed
                and mentee.manager_id is not None
                and mentee.manager_id not in leads
                for cid, required, _ in _gaps_before(known, mentee, old.slot.created_at)
                if _may_mentor(known, employee, mentee, cid, required, old.slot.created_at)
                and room(employee, old.slot, old)
            ),
            None,
        )
        if found is not None:
            old, mentee, cid, required = found
            recast(old, mentee, employee, cid, required)

    # One of the demo manager's other reports waits for the manager's confirmation, with a
    # mentor from another department when there is one.
    if manager is not None:
        reports = [
            e
            for e in known.people
            if e.manager_id == manager.pk
            and e.user.email not in fixed
            and e.pk not in mentees_now()
        ]
        for old in cast:
            if old.slot.state != Pairing.State.AWAITING_REVIEW or old.slot.reassessed_at is None:
                continue
            moment = old.slot.created_at
            choice = next(
                (
                    (mentee, cid, required, mentors)
                    for mentee in reports
                    for cid, required, _ in _gaps_before(known, mentee, moment)
                    for mentors in [
                        [
                            m
                            for m in known.people
                            if m.user.email not in fixed
                            and _may_mentor(known, m, mentee, cid, required, moment)
                            and room(m, old.slot, old)
                        ]
                    ]
                    if mentors
                ),
                None,
            )
            if choice is not None:
                mentee, cid, required, mentors = choice
                other = [m for m in mentors if m.department_id != mentee.department_id]
                recast(old, mentee, (other or mentors)[0], cid, required)
                break
    return cast


def _levels(cast: _Cast, rng: random.Random, top: int) -> tuple[int | None, int | None]:
    """(re-assessed, confirmed) levels: achieved reaches the target, not achieved falls short."""
    slot, target = cast.slot, cast.target
    if slot.reassessed_at is None:
        return None, None
    if slot.outcome == Pairing.Outcome.NOT_ACHIEVED:
        return max(cast.baseline, target - rng.choice((0, 1))), max(cast.baseline, target - 1)
    above = min(top, target + 1)
    reassessed = above if rng.random() < 0.2 else target
    if slot.outcome == Pairing.Outcome.ACHIEVED:
        return reassessed, reassessed if rng.random() < 0.5 else target
    return max(cast.baseline, reassessed - rng.choice((0, 0, 1))), None


def _plan_lines(
    behaviours: dict[tuple[int, int], str],
    scale: dict[int, tuple[str, str]],
    competency: tuple[int, str],
    level: int,
) -> tuple[str, list[str]]:
    """(Source, lines) of the practice plan pairing_accept seeds: the target level's behaviours,
    else the scale's description of that level."""
    lines = behaviour_lines(behaviours.get((competency[0], level), ""))
    if lines:
        return PlanItem.Source.BEHAVIOUR, lines
    name, description = scale.get(level, (f"level {level}", ""))
    return PlanItem.Source.SCALE, [f"{name}: {line}" for line in behaviour_lines(description)] or [
        f"Practise {competency[1]} at the {name} level on the task."
    ]


def _write_pairing_history(organization: Organization, spec: OrgSpec, rng: random.Random) -> int:
    """Five months of mentoring: pairings in every state, with the timeline events, practice
    plans, check-ins and focused re-assessments the lifecycle services would have written, and
    the outcomes folded into the mentees' skill profiles. Returns the number of pairings."""
    now = timezone.now()
    known = _load_people(organization)
    days = mentor_response_days(organization_id=organization.pk)
    slots = _plan_slots(round(len(known.people) * MENTEE_SHARE), rng, now, days)
    cast = _showcase(_cast(slots, known, spec, rng), known, spec, now)
    by_id = {e.pk: e for e in known.people}
    competencies = dict(
        Competency.objects.filter(organization=organization).values_list("pk", "name")
    )
    scale = {
        level: (name, description)
        for level, name, description in ProficiencyLevel.objects.filter(
            organization=organization
        ).values_list("level", "name", "description")
    }
    behaviours = {
        (cid, level): description
        for cid, level, description in LevelBehaviour.objects.filter(
            organization=organization
        ).values_list("competency_id", "level", "description")
    }
    top = max(scale)

    pairings, assessments = [], []
    for c in cast:
        s, manager = c.slot, by_id[c.mentee.manager_id or 0]
        department = c.mentee.department.code if c.mentee.department else ""
        task = rng.choice(TASKS.get(department, TASKS["PMO"]))
        reassessed, confirmed = _levels(c, rng, top)
        achieved = s.outcome == Pairing.Outcome.ACHIEVED
        thanks = THANK_YOU_NOTES if achieved else [THANK_YOU_NOT_THERE_YET]
        pairings.append(
            Pairing(
                organization=organization,
                mentee=c.mentee,
                mentor=c.mentor,
                competency_id=c.competency_id,
                task=task,
                baseline_level=c.baseline,
                target_level=c.target,
                start_date=s.start_date,
                end_date=s.end_date,
                state=s.state,
                outcome=s.outcome,
                created_by=manager,
                created_at=s.created_at,
                accepted_at=s.accepted_at,
                original_end_date=s.original_end_date,
                extension_reason=s.extension_reason,
                finished_at=s.closed_at if s.close_action in ("ended", "finished") else None,
                reassessed_level=reassessed,
                reassessed_at=s.reassessed_at,
                confirmed_level=confirmed,
                completed_at=s.completed_at,
                days_to_proficiency=(
                    (s.completed_at - known.gap_seen[(c.mentee.pk, c.competency_id)]).days
                    if achieved and s.completed_at
                    else None
                ),
                thank_you_note=rng.choice(thanks) if s.thanked_at else "",
                thanked_at=s.thanked_at,
            )
        )
        if s.reassessed_at is not None and reassessed is not None:
            assessments.append(
                SubmittedAssessment(
                    c.mentee,
                    c.mentee,
                    "self",
                    s.reassessed_at,
                    {c.competency_id: reassessed},
                    {c.competency_id: f"After the pairing with {c.mentor.name}: {task}."},
                    focus_competency_id=c.competency_id,
                )
            )
        if s.completed_at is not None and confirmed is not None:
            assessments.append(
                SubmittedAssessment(
                    c.mentee,
                    manager,
                    "manager",
                    s.completed_at,
                    {c.competency_id: confirmed},
                    {c.competency_id: f"Seen on the task with {c.mentor.name}: {task}."},
                    focus_competency_id=c.competency_id,
                )
            )
    Pairing.objects.bulk_create(pairings)
    assessments_load_submitted(organization=organization, entries=assessments)

    events, items, check_ins = [], [], []
    for c, p in zip(cast, pairings, strict=True):
        s, manager = c.slot, by_id[c.mentee.manager_id or 0]
        events += _events(c, p, manager, rng)
        if s.accepted_at is None:
            continue
        competency = (c.competency_id, competencies[c.competency_id])
        plan = _plan_lines(behaviours, scale, competency, c.target)
        items += _plan_items(c, p, plan, now, rng)
        level = scale.get(c.target, (str(c.target), ""))[0].lower()
        check_ins += _check_ins(c, p, competency[1].lower(), level, now, rng)
    PairingEvent.objects.bulk_create(events)
    PlanItem.objects.bulk_create(items)
    CheckIn.objects.bulk_create(check_ins)
    _mark_reminders_sent(organization, pairings, now)
    return len(pairings)


def _events(c: _Cast, p: Pairing, manager: Employee, rng: random.Random) -> list[PairingEvent]:
    """The timeline rows the lifecycle services write (the proposal itself is the pairing's
    created_at), oldest first."""
    State = Pairing.State
    s = c.slot
    actors = {"mentor": c.mentor, "mentee": c.mentee, "manager": manager, "": None}
    rows: list[tuple[datetime, Employee | None, str, str, str, str]] = []
    if s.accepted_at is not None:
        rows.append((s.accepted_at, c.mentor, "accepted", State.PROPOSED, State.ACTIVE, ""))
    if s.extended_at is not None:
        who = actors[rng.choice(("mentor", "mentee", "manager"))]
        rows.append(
            (s.extended_at, who, "extended", State.ACTIVE, State.ACTIVE, s.extension_reason)
        )
    if s.closed_at is not None:
        before = State.ACTIVE if s.accepted_at else State.PROPOSED
        after = State.AWAITING_REVIEW if s.close_action in ("ended", "finished") else s.state
        actor = actors[s.close_actor]
        rows.append((s.closed_at, actor, s.close_action, before, after, s.close_reason))
    if s.reassessed_at is not None:
        reason = f"Re-assessed at level {p.reassessed_level} (target {p.target_level})."
        review = State.AWAITING_REVIEW
        rows.append((s.reassessed_at, c.mentee, "reassessed", review, review, reason))
    if s.completed_at is not None:
        outcome = "reached" if p.outcome == Pairing.Outcome.ACHIEVED else "did not reach"
        reason = f"Confirmed at level {p.confirmed_level}: {outcome} the target ({p.target_level})."
        rows.append(
            (s.completed_at, manager, "confirmed", State.AWAITING_REVIEW, State.COMPLETED, reason)
        )
    if s.thanked_at is not None:
        rows.append((s.thanked_at, c.mentee, "thanked", State.COMPLETED, State.COMPLETED, ""))
    return [
        PairingEvent(
            organization_id=p.organization_id,
            pairing=p,
            actor=actor,
            action=action,
            from_state=before,
            to_state=after,
            reason=reason,
            created_at=at,
        )
        for at, actor, action, before, after, reason in rows
    ]


def _worked_until(s: _Slot, now: datetime) -> datetime:
    """The end of the time the pair worked together (their plan and check-ins fall before it)."""
    return s.closed_at or now


def _plan_items(
    c: _Cast, p: Pairing, plan: tuple[str, list[str]], now: datetime, rng: random.Random
) -> list[PlanItem]:
    s = c.slot
    assert s.accepted_at is not None
    until = _worked_until(s, now)
    span = until - s.accepted_at
    source, lines = plan
    rows = [(line, source, c.mentor, s.accepted_at) for line in lines]
    mentor = c.mentor.user.first_name
    for text in rng.sample(CUSTOM_PLAN_ITEMS, rng.randint(1, 2)):
        added = s.accepted_at + span * rng.uniform(0.02, 0.2)
        rows.append((text.format(mentor=mentor), PlanItem.Source.CUSTOM, c.mentee, added))
    # Finished pairings ticked (nearly) everything; running ones about half so far.
    share = {"active": 0.4, "cancelled": 0.2}.get(s.state, 0.9)
    items = []
    for position, (text, item_source, author, added) in enumerate(rows):
        done = confirmed = None
        if rng.random() < share:
            done = added + (until - added) * rng.uniform(0.3, 0.9)
            if rng.random() < 0.85:
                confirmed = done + (until - done) * rng.uniform(0.1, 0.8)
        items.append(
            PlanItem(
                organization_id=p.organization_id,
                pairing=p,
                text=text,
                source=item_source,
                position=position,
                done_at=done,
                confirmed_at=confirmed,
                created_by=author,
                created_at=added,
            )
        )
    return items


def _check_ins(
    c: _Cast, p: Pairing, competency: str, level: str, now: datetime, rng: random.Random
) -> list[CheckIn]:
    """A couple of meetings while the pairing ran, each with three-part feedback."""
    s = c.slot
    assert s.accepted_at is not None
    first = max(s.start_date, timezone.localdate(s.accepted_at) + timedelta(days=1))
    last = timezone.localdate(_worked_until(s, now)) - timedelta(days=1)
    days = (last - first).days
    if days < 0:
        return []
    wanted = {"active": 1 + (days > 21), "cancelled": 1}.get(s.state, rng.randint(2, 3))
    dates = sorted(
        first + timedelta(days=d) for d in rng.sample(range(days + 1), min(wanted, days + 1))
    )
    rows = []
    for index, day in enumerate(dates):
        went_well, to_improve, why = rng.choice(CHECK_IN_FEEDBACK)
        more = index < len(dates) - 1 or s.state == Pairing.State.ACTIVE
        # Never planned after the pairing ends, as check_in_add refuses.
        after = min(day + timedelta(days=14), p.end_date)
        rows.append(
            CheckIn(
                organization_id=p.organization_id,
                pairing=p,
                author=c.mentor if rng.random() < 0.6 else c.mentee,
                date=day,
                notes="",
                went_well=went_well,
                to_improve=to_improve,
                why_it_matters=why.format(competency=competency, level=level),
                next_check_in=after if more and after > day else None,
                created_at=min(_at(day, rng, 16.0, 18.0), now),
            )
        )
    return rows


def _mark_reminders_sent(
    organization: Organization, pairings: list[Pairing], now: datetime
) -> None:
    """What the history already told people: each proposal (as pairing_notify_proposed records
    it), and the reminders due today, so the first daily run does not send a burst of them."""
    rows = [
        ReminderSent(
            organization=organization,
            pairing=p,
            kind=ReminderSent.Kind.PROPOSED,
            due_date=timezone.localdate(p.created_at),
            sent_at=p.created_at,
        )
        for p in pairings
    ]
    rows += [
        ReminderSent(
            organization=organization,
            pairing=due.pairing,
            kind=due.kind,
            due_date=due.due_date,
            sent_at=min(now, _daily_run(due.due_date)),
        )
        for due in reminders_due(organization, now)
    ]
    ReminderSent.objects.bulk_create(rows)


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
    _write_pairing_history(organization, spec, random.Random(f"{SEED}-{spec.slug}-pairings"))
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
