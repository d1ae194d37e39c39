"""The embedded (or Redis) Celery path: a task sent to a real worker process is executed."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator

import pytest

from mentorship.celery import app
from mentorship.tasks import ping
from tests.workers import spawn_worker, stop_worker

pytestmark = pytest.mark.worker


@pytest.fixture
def worker() -> Iterator[subprocess.Popen[bytes]]:
    proc = spawn_worker(name="test")
    try:
        yield proc
    finally:
        stop_worker(proc)


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
