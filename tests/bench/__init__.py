"""The benchmarks (README "Benchmarks"): development tools, outside the installed packages.

They use httpx and psutil, which only the ``dev`` extra installs, so they live here rather
than in ``reports`` or ``assessments``. Run them from the project root (the Makefile does):

    python -m tests.bench [--teams 500] [--quarters 8] [--seconds 15] [--roadmaps 50]
                          [--senders 20] [--keep]
        the end-to-end benchmark, ``make bench`` (``end_to_end.py``)
    python -m tests.bench coe [--teams 500] [--quarters 8] [--requests 30] [--keep]
        the CoE pages in process at organisation scale (``coe.py``)
    python -m tests.bench roadmap [--runs 5] [--team SLUG]
        one roadmap PDF against WeasyPrint alone, on the demo data (``roadmap.py``)
    python -m tests.bench ingest [--rows 100000] [--kind deployments|incidents|both] ...
        DORA event CSV ingestion (``ingest.py``)
    python -m tests.bench webhooks [--seconds 15] [--senders 20] [--warmup 3]
        signed webhook deliveries against gunicorn, acknowledged per second (``webhooks.py``)

``data.py`` generates the organisations they measure; ``load.py`` is the HTTP load generator
the end-to-end run starts in a process of its own (``python -m tests.bench.load``), without
Django; ``webhook_load.py`` the webhook senders, likewise; ``gunicorn_config.py`` the server's
configuration (its Celery tasks on a queue of the run's own). ``__main__.py`` sets Django
up as ``manage.py`` does before it imports any of the others. No module here is named
``test_*``: pytest does not collect them."""


class BenchError(Exception):
    """A benchmark cannot go on; the message is for the person who ran it. ``returncode``
    is the exit status of ``python -m tests.bench``."""

    def __init__(self, message, returncode=1):
        super().__init__(message)
        self.returncode = returncode
