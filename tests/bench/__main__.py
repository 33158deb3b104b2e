"""``python -m tests.bench [coe|roadmap|ingest|webhooks|peer|growth] [OPTIONS]``: the
benchmarks' command line.

Without a command, the end-to-end benchmark (``end_to_end.py``, ``make bench``); the others
run the narrower tools (``peer``: side by side with django-survey-and-report). Django is set
up first, as ``manage.py`` does (``DJANGO_SETTINGS_MODULE`` defaults to
``vsm_site.settings``), then the benchmark's module is imported and its ``main`` runs. A
``BenchError`` is printed to stderr without a traceback and ends the process with its
``returncode``."""

import importlib
import os
import sys

from tests.bench import BenchError

COMMANDS = {
    "coe": "tests.bench.coe",
    "roadmap": "tests.bench.roadmap",
    "ingest": "tests.bench.ingest",
    "webhooks": "tests.bench.webhooks",
    "peer": "tests.bench.peer",
    "growth": "tests.bench.growth",
}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in COMMANDS:
        module, prog, argv = COMMANDS[argv[0]], f"python -m tests.bench {argv[0]}", argv[1:]
    else:
        module, prog = "tests.bench.end_to_end", "python -m tests.bench"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vsm_site.settings")
    import django

    django.setup()
    try:
        importlib.import_module(module).main(argv, prog=prog)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
