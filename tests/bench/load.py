"""The web load of ``python -m tests.bench``: a small, bounded HTTP load generator (loopback).

    python -m tests.bench.load PLAN.json [--out RESULT.json]

It does not import Django: it talks to a running server (``end_to_end.py`` starts gunicorn)
like browsers would, through the login form, with session and CSRF cookies. The plan (JSON,
written by ``end_to_end.py``) names the server, the password, the respondents and the pages:

    {"base_url": "http://127.0.0.1:8123", "password": "...", "coe": "bench-coe",
     "period": "2026-Q3", "seconds": 15, "max_requests": 3000, "concurrency": 2,
     "warmup": 3, "think_seconds": [0.5, 1.5], "seed": 42, "server_pids": [1234, 1235],
     "coe_periods": ["2026-Q3", ...], "coe_benchmarks": ["2024", ...],
     "respondents": [{"username": "bench-t001-m2", "team_id": 1, "open_assessment_id": 9,
                      "closed_assessment_id": 8}, ...]}

Scenarios, in order, each for ``seconds`` or ``max_requests`` requests, whichever comes first,
after ``warmup`` unrecorded requests per client:

- ``floor``: ``/ping``, the minimal view on the full middleware stack;
- ``autosave``: every respondent (its own session) changes the level of a random question of
  its team's open assessment, as the answer page's htmx autosave does, then thinks for a
  uniform ``think_seconds`` before the next change;
- ``questionnaire``, ``results``, ``history``: the answer page, the latest result page and the
  history page of the respondents' teams, round-robin over their sessions;
- ``coe_dashboard``, ``comparison_api``: as the CoE analyst;
- ``coe_uncached``: the dashboard for a different (period, benchmark set) each time, from
  ``coe_periods`` x ``coe_benchmarks``: more combinations than the server's comparison cache
  holds, so every request builds the comparison, as the first one after any data change does.

Page scenarios (and the floor) run ``concurrency`` closed-loop clients without think time, so
their requests/s is the server's throughput at that concurrency. Latency is measured in the
client around the whole request (connect, send, response body). With ``server_pids`` (the
server's worker processes) each scenario also reports the server CPU time per request, a
figure that other work on the machine hardly disturbs. Only loopback addresses are
accepted; every request has a timeout and every scenario a deadline, so the run always ends.
"""

import argparse
import contextlib
import http.cookies
import ipaddress
import json
import random
import re
import statistics
import sys
import threading
import time
from urllib.parse import urlsplit

import httpx
import psutil

REQUEST_TIMEOUT = 30.0
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SAVE_RE = re.compile(r'hx-post="/assessments/(\d+)/answer/([A-Za-z0-9_-]+)/"')
SCENARIOS = (
    ("floor", "floor (/ping)"),
    ("autosave", "autosave"),
    ("questionnaire", "questionnaire page"),
    ("results", "results page"),
    ("history", "team history page"),
    ("coe_dashboard", "CoE dashboard"),
    ("coe_uncached", "CoE dashboard, miss"),
    ("comparison_api", "comparison API"),
)


class LoadError(RuntimeError):
    pass


def check_loopback(base_url):
    """Refuse anything but plain HTTP to a loopback address: this tool loads one machine."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if parts.scheme != "http" or not loopback:
        raise LoadError(f"Only http:// on a loopback address is allowed, not {base_url!r}.")


class Browser:
    """One user's session: an httpx client and the cookies the server set. Cookies are kept
    by hand because the server marks them Secure (DEBUG off) and httpx, like any cookie jar,
    would not send Secure cookies over plain HTTP."""

    def __init__(self, base_url):
        self.client = httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT)
        self.cookies = {}
        self.csrf = ""

    def close(self):
        self.client.close()

    def request(self, method, url, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.client.request(method, url, headers=headers, **kwargs)
        for header in response.headers.get_list("set-cookie"):
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def remember_csrf(self, html):
        match = CSRF_RE.search(html)
        if match:
            self.csrf = match.group(1)

    def login(self, username, password):
        page = self.request("GET", "/accounts/login/")
        self.remember_csrf(page.text)
        response = self.request(
            "POST",
            "/accounts/login/",
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.csrf,
                "next": "/",
            },
        )
        if response.status_code != 302 or "sessionid" not in self.cookies:
            raise LoadError(f"Login of {username} failed: HTTP {response.status_code}.")


def percentile(values, fraction):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Recorder:
    """Latencies and errors of one scenario, shared by its client threads."""

    def __init__(self, seconds, max_requests):
        self.lock = threading.Lock()
        self.times = []
        self.errors = 0
        self.error_samples = []
        self.max_requests = max_requests
        self.deadline = None
        self.seconds = seconds
        self.started = self.finished = None

    def start(self):
        self.started = time.perf_counter()
        self.deadline = self.started + self.seconds

    def more(self):
        with self.lock:
            return (
                time.perf_counter() < self.deadline
                and len(self.times) + self.errors < self.max_requests
            )

    def add(self, elapsed, ok, detail=""):
        with self.lock:
            self.finished = time.perf_counter()  # the last answer, not the last think time
            if ok:
                self.times.append(elapsed)
            else:
                self.errors += 1
                if len(self.error_samples) < 5:
                    self.error_samples.append(detail)

    def figures(self):
        duration = (self.finished or time.perf_counter()) - self.started
        out = {
            "requests": len(self.times),
            "errors": self.errors,
            "seconds": round(duration, 2),
            "rps": round(len(self.times) / duration, 1) if duration else 0.0,
            "error_samples": self.error_samples,
        }
        if self.times:
            ms = [t * 1000 for t in self.times]
            out |= {
                "median_ms": round(statistics.median(ms), 2),
                "p95_ms": round(percentile(ms, 0.95), 2),
                "max_ms": round(max(ms), 2),
            }
        return out


def timed(recorder, check, call, *args, **kwargs):
    """Run one request, ``call(*args, **kwargs)``; a transport error, an unexpected status or
    body counts as an error."""
    started = time.perf_counter()
    try:
        response = call(*args, **kwargs)
    except httpx.HTTPError as exc:
        recorder.add(time.perf_counter() - started, False, f"{type(exc).__name__}: {exc}")
        return None
    elapsed = time.perf_counter() - started
    problem = check(response)
    recorder.add(elapsed, problem is None, problem or "")
    return response


def expect_ok(needle=None):
    def check(response):
        if response.status_code != 200:
            return f"HTTP {response.status_code} for {response.request.url}"
        if needle is not None and needle not in response.text:
            return f"{needle!r} not in the response to {response.request.url}"
        return None

    return check


class ServerCPU:
    """CPU seconds (user + system) the server's worker processes have used so far. Unlike
    latency, CPU time per request hardly changes when other work shares the machine."""

    def __init__(self, pids):
        self.processes = [psutil.Process(pid) for pid in pids]

    def seconds(self):
        total = 0.0
        for process in self.processes:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
        return total


SERVER = ServerCPU([])


class ServicesCPU:
    """CPU seconds used so far by the services' processes, by name (``postgres``: its
    backends, one per web worker's connection, and its own workers; ``redis-server``). Counted
    on the whole machine, so only meaningful when nothing else uses those services."""

    def __init__(self, names):
        self.names = set(names)

    def sample(self):
        used = {}
        for process in psutil.process_iter(["name", "cpu_times"]):
            times = process.info["cpu_times"]
            if process.info["name"] in self.names and times is not None:
                used[process.pid] = times.user + times.system
        return used

    @staticmethod
    def seconds_between(before, after):
        return sum(value - before.get(pid, 0.0) for pid, value in after.items())


SERVICES = ServicesCPU([])


def run_clients(count, recorder, body):
    """Run ``body(index, recorder)`` in ``count`` threads; each loops while
    ``recorder.more()``. Returns the recorder's figures, with the server's CPU time per
    request when the plan names the server's worker processes."""
    threads = [
        threading.Thread(target=body, args=(index, recorder), daemon=True) for index in range(count)
    ]
    cpu = SERVER.seconds()
    services = SERVICES.sample() if SERVICES.names else None
    recorder.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(recorder.seconds + REQUEST_TIMEOUT + 5)
    figures = recorder.figures()
    answered = figures["requests"] + figures["errors"]
    if SERVER.processes and answered:
        figures["server_cpu_ms"] = round((SERVER.seconds() - cpu) * 1000 / answered, 2)
    if services is not None and answered:
        used = SERVICES.seconds_between(services, SERVICES.sample())
        figures["services_cpu_ms"] = round(used * 1000 / answered, 2)
    return figures


def closed_loop(plan, browsers, path_for, check):
    """``concurrency`` clients, each requesting ``path_for(n)`` back to back, the n-th request
    with the n-th browser (round-robin). A concurrent warm-up first, so that every server
    worker has loaded its templates and caches."""
    counter = iter(range(10**9))
    counter_lock = threading.Lock()

    def body(index, recorder):
        while recorder.more():
            with counter_lock:
                n = next(counter)
            browser = browsers[n % len(browsers)]
            timed(recorder, check, browser.request, "GET", path_for(n))

    concurrency = plan["concurrency"]
    warm = run_clients(concurrency, Recorder(300, plan["warmup"] * concurrency), body)
    if warm["errors"]:
        raise LoadError(f"Warm-up failed: {warm['error_samples'][0]}")
    return run_clients(concurrency, Recorder(plan["seconds"], plan["max_requests"]), body)


def autosave(plan, respondents, browsers, question_keys):
    """Every respondent saves level changes on its team's open assessment, pausing a uniform
    ``think_seconds`` between two changes; the first changes are spread over one pause."""
    low, high = plan["think_seconds"]
    check = expect_ok("Saved at")
    rngs = [random.Random(plan["seed"] * 1000 + index) for index in range(len(respondents))]

    def save(index):
        rng, respondent = rngs[index], respondents[index]
        key = rng.choice(question_keys[respondent["open_assessment_id"]])
        return browsers[index].request(
            "POST",
            f"/assessments/{respondent['open_assessment_id']}/answer/{key}/",
            data={"level": str(rng.randint(1, 5)), "csrfmiddlewaretoken": browsers[index].csrf},
            headers={"HX-Request": "true"},
        )

    def warm_body(index, recorder):
        for _ in range(plan["warmup"]):
            timed(recorder, check, save, index)

    def body(index, recorder):
        time.sleep(rngs[index].uniform(0, high))
        while recorder.more():
            timed(recorder, check, save, index)
            time.sleep(rngs[index].uniform(low, high))

    warm = run_clients(len(respondents), Recorder(300, 10**9), warm_body)
    if warm["errors"]:
        raise LoadError(f"Autosave warm-up failed: {warm['error_samples'][0]}")
    return run_clients(len(respondents), Recorder(plan["seconds"], plan["max_requests"]), body)


def log_in_all(plan, usernames):
    """Log every user in through the login form (in parallel: password hashing is slow)."""
    browsers = {name: Browser(plan["base_url"]) for name in usernames}
    failures = []

    def login(name):
        try:
            browsers[name].login(name, plan["password"])
        except (LoadError, httpx.HTTPError) as exc:
            failures.append(str(exc))

    threads = [threading.Thread(target=login, args=(n,), daemon=True) for n in usernames]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT * 2)
    if failures:
        raise LoadError(failures[0])
    return browsers


def run(plan, log=print):
    """Run every scenario of ``plan``; returns ``{scenario: figures}`` plus ``setup``."""
    global SERVER, SERVICES
    check_loopback(plan["base_url"])
    SERVER = ServerCPU(plan.get("server_pids", []))
    SERVICES = ServicesCPU(plan.get("service_processes", []))
    respondents = plan["respondents"]
    started = time.perf_counter()
    browsers = log_in_all(plan, [r["username"] for r in respondents] + [plan["coe"]])
    members = [browsers[r["username"]] for r in respondents]
    coe = [browsers[plan["coe"]]]
    # The answer page gives the autosave CSRF token and the question keys, as for a browser.
    question_keys = {}
    for browser, respondent in zip(members, respondents, strict=True):
        page = browser.request("GET", f"/assessments/{respondent['open_assessment_id']}/answer/")
        if page.status_code != 200:
            raise LoadError(f"Answer page of {respondent['username']}: HTTP {page.status_code}")
        browser.remember_csrf(page.text)
        keys = sorted({key for _, key in SAVE_RE.findall(page.text) if key != "dora"})
        if not keys:
            raise LoadError("The answer page shows no question to autosave.")
        question_keys[respondent["open_assessment_id"]] = keys
    setup_seconds = time.perf_counter() - started
    log(f"  logged in {len(browsers)} users in {setup_seconds:.1f} s")

    def of(attribute, template):
        return lambda n: template.format(respondents[n % len(respondents)][attribute])

    period = plan["period"]
    combinations = [
        f"/coe/?period={p}&benchmark={b}"
        for b in plan["coe_benchmarks"]
        for p in plan["coe_periods"]
    ]

    def uncached_dashboard(n):
        return combinations[n % len(combinations)]

    scenarios = {
        "floor": lambda: closed_loop(plan, members, lambda n: "/ping", expect_ok("pong")),
        "autosave": lambda: autosave(plan, respondents, members, question_keys),
        "questionnaire": lambda: closed_loop(
            plan, members, of("open_assessment_id", "/assessments/{}/answer/"), expect_ok()
        ),
        "results": lambda: closed_loop(
            plan, members, of("closed_assessment_id", "/assessments/{}/result/"), expect_ok()
        ),
        "history": lambda: closed_loop(
            plan, members, of("team_id", "/teams/{}/history/"), expect_ok()
        ),
        "coe_dashboard": lambda: closed_loop(plan, coe, lambda n: "/coe/", expect_ok()),
        "coe_uncached": lambda: closed_loop(plan, coe, uncached_dashboard, expect_ok()),
        "comparison_api": lambda: closed_loop(
            plan, coe, lambda n: f"/api/v1/comparison/?period={period}", expect_ok()
        ),
    }
    figures = {"setup": {"users": len(browsers), "seconds": round(setup_seconds, 1)}}
    try:
        for key, label in SCENARIOS:
            if key not in plan.get("scenarios", [k for k, _ in SCENARIOS]):
                continue
            figures[key] = scenarios[key]()
            f = figures[key]
            cpu = f" (server CPU {f['server_cpu_ms']:.1f} ms)" if "server_cpu_ms" in f else ""
            if "services_cpu_ms" in f:
                cpu += f" (database and Redis CPU {f['services_cpu_ms']:.1f} ms)"
            log(
                f"  {label:20} {f['requests']:5d} requests, {f['rps']:7.1f}/s, median "
                f"{f.get('median_ms', 0):7.1f} ms, p95 {f.get('p95_ms', 0):7.1f} ms, "
                f"{f['errors']} errors{cpu}"
            )
    finally:
        for browser in browsers.values():
            browser.close()
    return figures


def plan_main(argv, module, doc, run):
    """The command line of a load process: ``python -m MODULE PLAN.json [--out RESULT.json]``;
    ``run(plan)`` gives the figures, written as JSON to ``--out`` or stdout. A LoadError is
    printed and ends the process with 2."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.splitlines()[0])
    parser.add_argument("plan", help="the plan, JSON (see the module docstring)")
    parser.add_argument("--out", help="write the figures here as JSON (default: stdout)")
    args = parser.parse_args(argv)
    with open(args.plan, encoding="utf-8") as handle:
        plan = json.load(handle)
    try:
        figures = run(plan)
    except LoadError as exc:
        print(f"{module}: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(figures, indent=2)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        print(text)
    return 0


def main(argv=None):
    return plan_main(
        argv,
        "tests.bench.load",
        __doc__,
        lambda plan: run(plan, log=lambda text: print(text, file=sys.stderr, flush=True)),
    )


if __name__ == "__main__":
    sys.exit(main())
