"""The scale-out check, ``make scale-check`` (README "Scaling out"): the site run as a
deployment on two hosts would run it, on one machine, and the faults such a deployment meets.

    python -m tests.scale [--respondents 20] [--seconds 14] [--keep]

It needs PostgreSQL and Redis, named by DATABASE_URL, CELERY_BROKER_URL and CACHE_URL (the
Makefile passes the local servers), and uses a database of its own on that server (``vsm_scale``,
dropped and created again on every run) and Redis databases of its own (12, the broker; 13,
the cache; emptied before and after), so development and CI data are never touched.

- ``preflight.py``: the services, before Django is set up (no Django import);
- ``clients.py``: the load generator, threads of this process: people with one session usable
  on both instances (``tests.bench.load.Browser``), autosaving respondents that fail over to the
  other instance when theirs stops answering;
- ``logs.py``: what the workers' and beats' logs and the e-mail folder say (pure);
- ``checks.py``: the run: the processes (two gunicorn instances, two Celery workers ``w1@%h``
  and ``w2@%h``, one beat and, for one check, a second one, started and stopped with the
  benchmark's helpers, ``tests.bench.end_to_end.BenchRun``), the checks, the table.

No module here is named ``test_*``: pytest does not collect them (``tests/test_scale_check.py``
tests the pure parts)."""
