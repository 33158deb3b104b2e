"""A task travels through the configured broker to a real `celery worker` process and back."""

import pytest

from vsm_site.celery import task_ping


@pytest.mark.worker
def test_task_round_trip_through_real_worker(celery_worker_process):
    result = task_ping.apply_async(args=["hello"], queue=celery_worker_process.queue)
    assert result.get(timeout=60) == {"pong": "hello"}
