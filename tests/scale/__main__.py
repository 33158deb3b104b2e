"""``python -m tests.scale [--respondents 20] [--seconds 14] [--seed 42] [--keep]``: the
scale-out check (``make scale-check``; README "Scaling out").

Before Django is set up: the services are checked (PostgreSQL and Redis, from DATABASE_URL,
CELERY_BROKER_URL and CACHE_URL; a clear refusal when either is missing or down), the check's
own database is dropped and created, its Redis databases emptied, and the environment pointed
at them, so that this process and every process it starts use them. Exit status: 0 when every
check passed, 1 when one failed, 2 (or 130 on Ctrl-C) when the check could not run."""

import argparse
import os
import signal
import sys

from tests.bench import BenchError
from tests.scale import preflight


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m tests.scale",
        description="Run the site on two web instances, two workers and a beat; check scale-out.",
    )
    parser.add_argument("--respondents", type=int, default=20, choices=range(17, 21),
                        metavar="17-20")  # fmt: skip
    parser.add_argument("--seconds", type=float, default=14, help="seconds of autosave load")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database", default=preflight.DATABASE, help="the check's own database")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database and the run folder (logs, mails)"
    )
    return parser.parse_args(argv)


def main(argv=None):
    options = parse_args(sys.argv[1:] if argv is None else argv)
    services = None
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        services = preflight.plan_services(os.environ, database=options.database)
        preflight.prepare(services)
        os.environ.update(
            DATABASE_URL=services.database_url,
            CELERY_BROKER_URL=services.broker_url,
            CACHE_URL=services.cache_url,
            # Its collected static files under var/scale/, apart from the benchmark's.
            VAR_DIR=os.path.join(os.getcwd(), "var", "scale"),
        )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vsm_site.settings")
        import logging

        import django

        django.setup()
        logging.getLogger("httpx").setLevel(logging.WARNING)
        from tests.scale import checks

        passed = checks.run(vars(options), services)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if exc.returncode == 1 else exc.returncode
    except KeyboardInterrupt:
        print("Interrupted; every process the check started has been stopped.", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        if services is not None:
            preflight.empty_redis(services)
            if not options.keep:
                preflight.drop_database(services)
    return 0 if passed else 1


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
