"""Upward notifications. Higher layers (matching) register callbacks; this layer never imports them.

A callback receives keyword arguments `organization_id` and `change` ("requirement" when a role's
requirements changed, "competency_archived" when a competency was archived) and runs after the
transaction that made the change commits.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.db import transaction

ModelChangeHook = Callable[..., None]
_model_change_hooks: list[ModelChangeHook] = []


def register_model_change_hook(hook: ModelChangeHook) -> None:
    if hook not in _model_change_hooks:
        _model_change_hooks.append(hook)


def run_model_change_hooks_on_commit(*, organization_id: int, change: str) -> None:
    for hook in _model_change_hooks:
        transaction.on_commit(partial(hook, organization_id=organization_id, change=change))
