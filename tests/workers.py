"""Helpers for tests that run a real Celery worker process next to the test process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def worker_database_url() -> str:
    """DATABASE_URL pointed at the database pytest created for this session."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def wait_for(condition: Callable[[], object], *, timeout: float, what: str) -> object:
    """Poll `condition` until it returns something truthy (returned), or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def spawn_worker(*, name: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A worker process (one task at a time) consuming tasks sent for real, not eagerly."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mentorship",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            f"--hostname={name}-{uuid.uuid4().hex[:8]}@%h",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "MENTORSHIP_TESTING": "1",
            **(env or {}),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=20)
