"""`manage.py import_onet`."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from competencies.models import Competency, Role


def _run(*args: str) -> str:
    out = StringIO()
    call_command("import_onet", *args, stdout=out)
    return out.getvalue()


def test_command_imports_roles_and_prints_the_counts(org) -> None:
    output = _run("--org", "acme", "--occupation", "15-1251.00", "--occupation", "13-1071.00")
    assert "Competencies: 35 created, 0 updated, 0 unchanged" in output
    assert "Roles:        2 created" in output
    assert "15-1251.00  Computer Programmers" in output
    assert Role.objects.filter(organization=org).count() == 2


def test_command_run_twice_reports_nothing_changed(org) -> None:
    _run("--org", "acme", "--occupation", "15-1251.00")
    output = _run("--org", "acme", "--occupation", "15-1251.00")
    assert "35 unchanged" in output and "Nothing changed" in output


def test_all_skills_only_imports_no_roles(org) -> None:
    output = _run("--org", "acme", "--all-skills-only")
    assert "Roles:        0 created" in output
    assert Competency.objects.filter(organization=org).count() == 35
    assert not Role.objects.filter(organization=org).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "acme", "--occupation", "99-0000.00"], "Unknown O*NET-SOC code: 99-0000.00."),
        (["--org", "nope", "--all-skills-only"], "No organisation with slug 'nope'."),
        (["--org", "acme"], "Name at least one --occupation"),
        (["--org", "acme", "--all-skills-only", "--occupation", "15-1251.00"], "imports no roles"),
    ],
)
def test_bad_arguments_are_command_errors_and_import_nothing(org, args, message) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        _run(*args)
    assert not Competency.objects.filter(organization=org).exists()
