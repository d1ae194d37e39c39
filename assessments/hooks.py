"""Upward notifications. Higher layers (matching) register callbacks; this layer never imports them.

A callback receives keyword arguments `organization_id` and `employee_id` and runs after the
transaction that submitted the assessment commits.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.db import transaction

SubmitHook = Callable[..., None]
_submit_hooks: list[SubmitHook] = []


def register_submit_hook(hook: SubmitHook) -> None:
    if hook not in _submit_hooks:
        _submit_hooks.append(hook)


def run_submit_hooks_on_commit(*, organization_id: int, employee_id: int) -> None:
    for hook in _submit_hooks:
        transaction.on_commit(
            partial(hook, organization_id=organization_id, employee_id=employee_id)
        )
