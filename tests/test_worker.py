"""The embedded (or Redis) Celery path: a task sent to a real worker process is executed."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mentorship.celery import app
from mentorship.tasks import ping

pytestmark = pytest.mark.worker
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker() -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false", "MENTORSHIP_TESTING": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mentorship",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_task_sent_to_a_real_worker_is_executed(worker, settings) -> None:
    # Publish for real (not eagerly), then wait for the worker's result.
    app.conf.task_always_eager = False
    try:
        token = uuid.uuid4().hex
        result = ping.delay(token)
        assert result.get(timeout=60)["token"] == token
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
    expected = "redis://" if settings.REDIS_URL else "filesystem://"
    assert str(app.conf.broker_url).startswith(expected)
