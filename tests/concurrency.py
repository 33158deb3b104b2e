"""Test support: calls released at the same moment on several threads, as concurrent requests
are on a server."""

import threading

from django.db import connections


def run_together(*calls, timeout=60):
    """Run each call in its own thread, all released at once by a barrier; return what each
    returned or the exception it raised. Each thread closes its database connection at the
    end, as a server's request thread does."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=timeout)
            outcomes[index] = call()
        except BaseException as exc:  # reported to the test, which asserts on it
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return outcomes
