"""The configuration of the benchmark's gunicorn: ``--config python:tests.bench.gunicorn_config``.

Only one hook: with ``VSM_BENCH_TASK_QUEUE`` set, every worker sends its Celery tasks (the
webhook receiver's processing messages) to that queue, which nothing consumes, instead of the
default one, so that a development worker on the same broker never takes a message naming a
delivery of the benchmark's database. The benchmark counts, purges and deletes the queue."""

import os


def post_worker_init(worker):
    queue = os.environ.get("VSM_BENCH_TASK_QUEUE")
    if queue:
        from vsm_site.celery import app

        app.conf.task_default_queue = queue
