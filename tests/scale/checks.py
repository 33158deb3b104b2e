"""The scale-out run and its checks (``python -m tests.scale``; README "Scaling out").

One organisation (``tests.bench.data``, slug ``scale``: 12 teams of 8, two closed quarters and
an open one), then, on the check's own PostgreSQL database and Redis databases:

- web: two gunicorn instances (``WEB_WORKERS`` sync workers each) on two free ports, DEBUG off,
  one SECRET_KEY, sessions in the database, the page cache in Redis (CACHE_URL);
- two ``celery worker --concurrency 1`` named ``w1@%h`` and ``w2@%h`` and one ``celery beat``
  (the sweeper every 3 s, a report stuck after ``STUCK_AFTER`` s, reminders every 3 s:
  REPORT_SWEEP_INTERVAL_SECONDS, REPORT_STUCK_AFTER_SECONDS, REMINDER_INTERVAL_SECONDS), e-mails
  written to a folder (EMAIL_URL=filemail://...);
- the load: 20 respondents (members m2 and m3 of teams 1-10) and the CoE analyst, each logged in
  on one instance (alternately) and using both.

Checks, in order (each a row of the table; any failure makes the exit status 1):

1. sessions: every session started on one instance works on the other;
2. write A, read B: an autosave through one instance shows at once on the answer page served by
   the other, both ways (the question cards are kept in the shared cache);
3. data version: a review through one instance moves the organisation's data version; the
   other instance shows it at once (result page, CoE dashboard filtered on reviewed), its
   cached page of the old version is in Redis and was not served, the new one is;
4. roadmaps: 16 requests (two members of each of 8 teams, through both instances) make 8
   reports, each claimed once (``attempts``) and rendered once (the workers' logs), by both
   workers;
5. web instance killed: SIGKILL of instance B mid-load; every acknowledged autosave is in the
   database and every respondent carries on through A;
6. reminders: a second beat started by mistake; every pending person gets one e-mail;
7. worker killed: SIGKILL of the worker rendering a roadmap; the sweeper sends it again and the
   other worker renders it, once, into one file.

Every process started is stopped when the run ends, on errors and on Ctrl-C too
(``BenchRun.stop_all``)."""

import datetime as dt
import os
import secrets
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from assessments import permissions
from assessments.models import Answer, Organization, Result, Team
from reports.campaigns import services as campaigns
from reports.models import ReminderLog, RoadmapReport
from tests.bench import BenchError
from tests.bench import data as benchdata
from tests.bench.end_to_end import BenchRun, free_port, tail, wait_for_http, wait_for_log
from tests.scale import logs
from tests.scale.clients import Person, Respondent, checked_level, in_threads, question_keys

SLUG = "scale"
TEAMS = 12
WEB_WORKERS = 2  # sync workers per gunicorn instance
STUCK_AFTER = 40  # seconds: REPORT_STUCK_AFTER_SECONDS; renders under load took up to 14 s
SWEEP_EVERY = 3
REMIND_EVERY = 3
ROADMAP_TEAMS = 8
KILL_AFTER = 5  # seconds into the load, instance B is killed


class ScaleRun(BenchRun):
    def __init__(self, out, options, services):
        super().__init__(out, options, command="python -m tests.scale")
        self.services = services
        self.rows = []
        self.web = {}  # name -> (process, base_url)
        self.workers = {}  # name -> process
        self.workdir = None

    def check(self, name, ok, figures):
        self.rows.append((name, bool(ok), figures))
        self.step(f"{'ok  ' if ok else 'FAIL'} {name}: {figures}")

    # -- the run -------------------------------------------------------------------------------

    def execute(self):
        self.workdir = workdir = Path(tempfile.mkdtemp(prefix="vsm-scale-"))
        cpus = os.cpu_count()
        load = os.getloadavg()[0]
        self.say(
            f"machine: {cpus} CPUs, load average {load:.2f}; PostgreSQL database "
            f"{self.services.database}, Redis {self.services.broker_url} (broker), "
            f"{self.services.cache_url} (cache)"
        )
        try:
            env = self.child_env(workdir)
            env.update(
                EMAIL_URL=f"filemail:///{workdir / 'mail'}",
                REPORT_SWEEP_INTERVAL_SECONDS=str(SWEEP_EVERY),
                REPORT_STUCK_AFTER_SECONDS=str(STUCK_AFTER),
                REMINDER_INTERVAL_SECONDS=str(REMIND_EVERY),
            )
            collectstatic = self.start_collectstatic(env, workdir)
            self.step(f"migrating {self.services.database} ...")
            call_command("migrate", interactive=False, verbosity=0)
            self.generate()
            if collectstatic is not None:
                self.finish_collectstatic(collectstatic, env, workdir)
            self.start_cluster(env, workdir)
            people = self.sessions_and_caches()
            self.load_roadmaps_and_web_kill(people)
            self.reminders(env, workdir)
            self.worker_kill(people)
        except KeyboardInterrupt:
            self.say("\ninterrupted: stopping the processes")
            raise
        finally:
            self.stop_all()
            connections.close_all()
            if not self.options["keep"]:
                import shutil

                shutil.rmtree(workdir, ignore_errors=True)
            else:
                self.say(f"kept: {workdir} (logs, e-mails, PDFs) and the database")
        self.report(cpus, load)
        return all(ok for _, ok, _ in self.rows)

    def generate(self):
        self.step(f"generating {TEAMS} teams ...")
        g = benchdata.generate_organization(
            teams=TEAMS, quarters=2, seed=self.options["seed"], slug=SLUG, event_days=14
        )
        self.generated = g
        self.org = g["organization"]
        self.period = g["periods"][-1]
        self.current = g["current_period"]
        self.teams = list(Team.objects.filter(organization=self.org).order_by("slug"))

    def start_cluster(self, env, workdir):
        """Both web instances, both workers and a beat, all at once; then wait for each."""
        web_env = dict(env, LOG_LEVEL="WARNING")
        celery_env = dict(env, LOG_LEVEL="INFO")
        ports = set()
        while len(ports) < 2:
            ports.add(free_port())
        self.step(
            f"2 gunicorn instances ({WEB_WORKERS} sync workers each), 2 Celery workers "
            "(concurrency 1), 1 beat ..."
        )
        for name, port in zip(("A", "B"), sorted(ports), strict=True):
            process = self.spawn(
                f"web-{name}",
                [sys.executable, "-m", "gunicorn", "vsm_site.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(WEB_WORKERS), "--graceful-timeout", "5", "--timeout", "60",
                 "--no-control-socket"],
                web_env, workdir,
            )  # fmt: skip
            self.web[name] = (process, f"http://127.0.0.1:{port}")
        for n in (1, 2):
            self.workers[f"w{n}"] = self.spawn(f"w{n}", celery_worker(f"w{n}@%h"), celery_env,
                                               workdir)  # fmt: skip
        self.beat1 = self.spawn("beat1", celery_beat(workdir / "beat1-schedule"), celery_env,
                                workdir)  # fmt: skip
        for name, (process, url) in self.web.items():
            wait_for_http(f"{url}/ping", process, workdir / f"web-{name}.log", timeout=120)
        for name, process in self.workers.items():
            wait_for_log(workdir / f"{name}.log", " ready.", process, timeout=120)
        wait_for_log(workdir / "beat1.log", "beat: Starting", self.beat1, timeout=120)
        self.env = celery_env
        self.step("all up: " + ", ".join(f"{n} {u}" for n, (_, u) in self.web.items()))

    def log(self, name):
        return self.workdir / f"{name}.log"

    # -- 1-3: sessions, writes seen at once, the data version and the shared cache -------------

    def sessions_and_caches(self):
        urls = [self.web["A"][1], self.web["B"][1]]
        people = benchdata.respondents(self.generated, self.options["respondents"], slug=SLUG)
        respondents = [
            Respondent(username, urls, index % 2, open_id, seed=self.options["seed"] * 100 + index)
            for index, (username, _, open_id) in enumerate(people)
        ]
        coe = Person(f"{SLUG}-coe", urls, home=len(respondents) % 2)
        people = [*respondents, coe]
        self.step(f"logging in {len(people)} people, alternately through A and B ...")
        failures = in_threads(lambda p: p.login(benchdata.BENCH_PASSWORD), people)
        if failures:
            raise BenchError(f"Login failed: {next(iter(failures.values()))}")

        # 1. The session on the other instance.
        good = 0
        for r in respondents:
            page, index = r.answer_page(r.other())
            r.keys = question_keys(page.text)
            r.remember_csrf(page.text)
            good += page.status_code == 200 and index == r.other() and bool(r.keys)
        page, index = coe.request("GET", f"/coe/?period={self.period}", coe.other())
        good += page.status_code == 200 and index == coe.other() and "Team 001" in page.text
        homes = [p.home for p in people]
        self.check(
            "session started on one instance works on the other",
            good == len(people),
            f"{len(people)} logins ({homes.count(0)} on A, {homes.count(1)} on B); "
            f"{good}/{len(people)} sessions used on the other instance",
        )

        # 2. An autosave through one instance, the answer page through the other at once, both
        # ways (the question cards are kept in Redis, keyed on the response's last change).
        seen = 0
        for r in respondents:
            key = r.keys[0]
            first = r.rng.randint(1, 5)
            second = first % 5 + 1
            for level, write in ((first, r.home), (second, r.other())):
                acked = r.save(key, level, write)
                page, index = r.answer_page(r.other(write))
                seen += acked == write and index != write and checked_level(page.text, key) == level
        self.check(
            "write through one instance seen at once through the other",
            seen == 2 * len(respondents),
            f"{seen}/{2 * len(respondents)} autosaves (A->B and B->A) shown by the other "
            "instance's next answer page",
        )

        # 3. A write that moves the data version (a CoE review through A), read through B.
        team = self.teams[9]
        result = Result.objects.get(team=team, period=self.period)
        coe_user = get_user_model().objects.get(username=coe.username)
        candour = permissions.candour(coe_user, self.org, result.low_confidence)
        before = self.data_version()
        dashboard = f"/coe/?period={self.period}&reviewed=yes"
        result_url = f"/assessments/{result.assessment_id}/result/"
        # The team's rows link its history: how often, before and after the review.
        history_link = f'/teams/{team.id}/history/"'
        listed_before = coe.request("GET", dashboard, 1)[0].text.count(history_link)
        warm = coe.request("GET", result_url, 1)[0]
        coe.remember_csrf(warm.text)  # the login rotated the token: take the page's
        note = f"scale-check {secrets.token_hex(4)}"
        posted = coe.request("POST", f"/results/{result.id}/review/", 0, data={"note": note})[0]
        after = self.data_version()
        listed_after = coe.request("GET", dashboard, 1)[0].text.count(history_link)
        note_seen = note in coe.request("GET", result_url, 1)[0].text
        from vsm_site import caching

        old_kept = cache.get(caching.result_body_key(result.id, before, candour)) is not None
        new_kept = cache.get(caching.result_body_key(result.id, after, candour)) is not None
        self.check(
            "data version and shared cache agree",
            warm.status_code == 200 and posted.status_code == 302 and after > before
            and not listed_before and listed_after and note_seen and old_kept and new_kept,
            f"review through A (HTTP {posted.status_code}): data version {before} -> {after}; "
            f"through B at once: {'the' if note_seen else 'NOT the'} review on the result page, "
            f"the team {'in' if listed_after else 'NOT in'} the dashboard's reviewed rows "
            f"({'and' if listed_before else 'not'} before); Redis holds the result page of "
            f"version {before} ({'yes' if old_kept else 'no'}, not served) and of {after} "
            f"({'yes' if new_kept else 'no'})",
        )  # fmt: skip
        return {"respondents": respondents, "coe": coe}

    def data_version(self):
        return Organization.objects.values_list("data_version", flat=True).get(pk=self.org.pk)

    # -- 4-5: roadmaps over both workers; instance B killed mid-load ---------------------------

    def load_roadmaps_and_web_kill(self, people):
        respondents, coe = people["respondents"], people["coe"]
        seconds = self.options["seconds"]
        # 4. Two members of each of 8 teams ask for its roadmap at once, through A and B.
        askers = respondents[: 2 * ROADMAP_TEAMS]
        teams = self.teams[:ROADMAP_TEAMS]
        answers = {}

        def ask(r):
            team = self.teams[respondents.index(r) // 2]
            response, _ = r.request("POST", f"/teams/{team.id}/roadmap/pdf/", r.home)
            answers[r.username] = response.status_code

        self.step(f"{len(askers)} roadmap requests for {len(teams)} teams through A and B ...")
        failures = in_threads(ask, askers)
        asked = sum(1 for code in answers.values() if code == 302)

        # 5. The load, and instance B killed in the middle of it.
        stop = threading.Event()
        coe_figures = {"ok": 0, "errors": 0, "after_kill": 0}
        killed_at = []

        def dashboard():
            n = 0
            while not stop.is_set():
                try:
                    page, _ = coe.request("GET", f"/coe/?period={self.period}", n % 2)
                    good = page.status_code == 200
                except Exception:
                    good = False
                coe_figures["ok" if good else "errors"] += 1
                coe_figures["after_kill"] += bool(good and killed_at)
                n += 1
                stop.wait(0.5)

        threads = [threading.Thread(target=r.autosave_until, args=(stop,), daemon=True)
                   for r in respondents]  # fmt: skip
        threads.append(threading.Thread(target=dashboard, daemon=True))
        self.step(
            f"load: {len(respondents)} respondents autosaving (think 0.3-0.8 s) and the CoE "
            f"dashboard, alternately on A and B, {seconds:g} s; SIGKILL of B after {KILL_AFTER} s"
        )
        started = time.monotonic()
        for thread in threads:
            thread.start()
        stop.wait(KILL_AFTER)
        process = self.web["B"][0]
        os.killpg(process.pid, signal.SIGKILL)
        killed_at.append(time.monotonic())
        stop.wait(max(1.0, seconds - KILL_AFTER))
        stop.set()
        for thread in threads:
            thread.join(40)
        elapsed = time.monotonic() - started
        process.wait(10)

        saves = [[(t, i) for t, i in r.saves if t >= started] for r in respondents]
        acked = sum(len(s) for s in saves)
        on_b = sum(1 for s in saves for _, i in s if i == 1)
        after = [sum(1 for t, _ in s if t > killed_at[0]) for s in saves]
        errors = [e for r in respondents for e in r.errors]
        failovers = sum(p.failovers for p in [*respondents, coe])
        missing = self.unsaved(respondents)
        self.check(
            "web instance SIGKILLed mid-load: acknowledged autosaves kept, clients carry on",
            not errors and not missing and min(after) > 0 and coe_figures["after_kill"] > 0
            and coe_figures["errors"] == 0,
            f"{acked} autosaves acknowledged in {elapsed:.0f} s ({on_b} by B before the kill), "
            f"{sum(after)} after it, every respondent ({min(after)}+ each); {failovers} requests "
            f"B did not answer sent again to A; {len(missing)} acknowledged answers missing "
            "from the database; "
            f"{len(errors)} errors; CoE dashboard {coe_figures['ok']} ok "
            f"({coe_figures['after_kill']} after), {coe_figures['errors']} errors"
            + (f"; first error: {errors[0]}" if errors else ""),
        )  # fmt: skip

        # 4, continued: every roadmap rendered exactly once, over both workers.
        reports = RoadmapReport.objects.filter(team__in=teams)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if not reports.filter(status__in=[RoadmapReport.QUEUED, RoadmapReport.RENDERING]):
                break
            self.assert_workers_alive()
            time.sleep(0.5)
        rows = list(reports.values("id", "status", "attempts", "error"))
        per_worker = {name: logs.rendered_reports(logs.LogTail(self.log(name)).text())
                      for name in self.workers}  # fmt: skip
        renders = {row["id"]: sum(c[row["id"]] for c in per_worker.values()) for row in rows}
        files = {row["id"]: self.report_files(row["id"]) for row in rows}
        ready = sum(1 for row in rows if row["status"] == RoadmapReport.READY)
        once = sum(
            1
            for row in rows
            if row["attempts"] == 1 and renders[row["id"]] == 1 and files[row["id"]] == 1
        )
        counts = {name: sum(c.values()) for name, c in per_worker.items()}
        self.check(
            "roadmaps spread over both workers, each rendered exactly once",
            not failures and asked == len(askers) and len(rows) == len(teams)
            and ready == len(rows) and once == len(rows) and min(counts.values()) > 0,
            f"{asked}/{len(askers)} requests -> {len(rows)} reports, {ready} ready; rendered "
            + ", ".join(f"{n} by {name}" for name, n in counts.items())
            + f"; {once}/{len(rows)} claimed once, one render in the logs, one file"
            + "".join(f"; {row['error'][:120]}" for row in rows if row["error"])[:300],
        )  # fmt: skip

    def unsaved(self, respondents):
        """(respondent, question, acknowledged level, level in the database) that differ."""
        out = []
        for r in respondents:
            answers = Answer.objects.filter(
                response__assessment_id=r.assessment_id, response__respondent__username=r.username
            )
            stored = dict(answers.values_list("question__key", "level"))
            out += [
                (r.username, key, level, stored.get(key))
                for key, level in r.acknowledged.items()
                if stored.get(key) != level
            ]
        return out

    def report_files(self, report_id):
        folder = self.workdir / "media" / "reports" / f"{report_id:08d}"
        return sum(1 for p in folder.iterdir() if p.is_file()) if folder.exists() else 0

    def assert_workers_alive(self):
        for name, process in self.workers.items():
            if process.poll() is not None and name not in getattr(self, "killed", ()):
                raise BenchError(f"Celery worker {name} exited: {tail(self.workdir, name)}")

    # -- 6: reminders with a second beat -------------------------------------------------------

    def reminders(self, env, workdir):
        self.step("a second beat, started by mistake; a round opened for 2 teams ...")
        beat2 = self.spawn("beat2", celery_beat(workdir / "beat2-schedule"), env, workdir)
        wait_for_log(workdir / "beat2.log", "beat: Starting", beat2, timeout=120)
        teams = self.teams[10:12]
        User = get_user_model()
        people = User.objects.filter(memberships__team__in=teams).distinct()
        for user in people:
            user.email = f"{user.username}@scale.invalid"
        User.objects.bulk_update(people, ["email"])
        expected = {u.email for u in people}
        tails = {name: logs.LogTail(self.log(name)).mark() for name in ("w1", "w2", "beat1",
                                                                        "beat2")}  # fmt: skip
        coe = User.objects.get(username=f"{SLUG}-coe")
        today = timezone.localdate()
        due = today + dt.timedelta(days=7)
        teams_ids = [t.id for t in teams]
        campaigns.open_campaign(coe, self.org, "Scale check", self.current, due, team_ids=teams_ids)
        entry = "send-campaign-reminders"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            sends = [logs.beat_sends(tails[b].new_text(), entry) for b in ("beat1", "beat2")]
            runs = [n for w in ("w1", "w2") for n in logs.reminder_runs(tails[w].new_text())]
            if min(sends) >= 2 and len(runs) >= 4:
                break
            self.assert_workers_alive()
            time.sleep(0.5)
        mails = logs.mail_recipients(workdir / "mail")
        logged = ReminderLog.objects.filter(sent_on=today).count()
        self.check(
            "reminders sent once with a second beat running",
            min(sends) >= 2 and len(runs) >= 4 and set(mails) == expected
            and max(mails.values(), default=0) == 1 and logged == len(expected)
            and sum(runs) == len(expected),
            f"{len(expected)} people pending; beats sent the reminder task {sends[0]} + "
            f"{sends[1]} times, workers ran it {len(runs)} times ({'+'.join(map(str, runs))} "
            f"e-mails); {sum(mails.values())} e-mails to {len(mails)} addresses; {logged} "
            "ReminderLog rows",
        )  # fmt: skip

    # -- 7: a worker killed mid-render ---------------------------------------------------------

    def worker_kill(self, people):
        r = people["respondents"][2 * ROADMAP_TEAMS]
        team = self.teams[ROADMAP_TEAMS]
        tails = {name: logs.LogTail(self.log(name)).mark() for name in self.workers}
        self.step(f"{team.name}'s roadmap through A; SIGKILL of the worker that renders it ...")
        response, _ = r.request("POST", f"/teams/{team.id}/roadmap/pdf/", 0)
        report = RoadmapReport.objects.filter(team=team).order_by("-id").first()
        if response.status_code != 302 or report is None:
            figures = f"request: HTTP {response.status_code}"
            self.check("worker SIGKILLed mid-render: rendered once by the sweeper", False, figures)
            return
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            report.refresh_from_db()
            if report.status != RoadmapReport.QUEUED:
                break
            time.sleep(0.05)
        # The worker rendering it: a render message received and not finished (a spare
        # message, which finds nothing to render, finishes at once).
        got = [
            n
            for n, t in tails.items()
            if logs.received(t.new_text(), logs.RENDER_TASK)
            > logs.finished(t.new_text(), logs.RENDER_TASK)
        ]
        if report.status != RoadmapReport.RENDERING or len(got) != 1:
            figures = f"report {report.status}, received by {got or 'no worker'}"
            self.check("worker SIGKILLed mid-render: rendered once by the sweeper", False, figures)
            return
        victim = got[0]
        survivor = next(n for n in self.workers if n != victim)
        self.killed = {victim}
        os.killpg(self.workers[victim].pid, signal.SIGKILL)
        killed = time.monotonic()
        self.workers[victim].wait(10)
        report.refresh_from_db()
        mid_render = report.status == RoadmapReport.RENDERING and report.attempts == 1
        deadline = time.monotonic() + STUCK_AFTER + 120
        finished = (RoadmapReport.READY, RoadmapReport.FAILED)
        while time.monotonic() < deadline and report.status not in finished:
            self.assert_workers_alive()
            time.sleep(0.5)
            report.refresh_from_db()
        waited = time.monotonic() - killed
        by = {n: logs.rendered_reports(t.new_text())[report.id] for n, t in tails.items()}
        files = self.report_files(report.id)
        self.check(
            "worker SIGKILLed mid-render: rendered once by the sweeper",
            mid_render and report.status == RoadmapReport.READY and report.attempts == 2
            and by[survivor] == 1 and by[victim] == 0 and files == 1,
            f"{victim} killed {'while rendering (1 claim)' if mid_render else 'NOT mid-render'}"
            f"; {report.status} {waited:.0f} s later (stuck after "
            f"{STUCK_AFTER} s, swept every {SWEEP_EVERY} s), {report.attempts} claims, rendered "
            f"by {survivor} {by[survivor]}x, by {victim} {by[victim]}x; {files} file",
        )  # fmt: skip

    # -- the table -----------------------------------------------------------------------------

    def report(self, cpus, load_before):
        total = time.perf_counter() - self.started
        width = max((len(name) for name, _, _ in self.rows), default=10)
        self.say("")
        self.say(f"{'check':{width}} | result | figures")
        self.say(f"{'-' * width}-|--------|--------")
        for name, ok, figures in self.rows:
            self.say(f"{name:{width}} | {'ok' if ok else 'FAILED':6} | {figures}")
        failed = sum(1 for _, ok, _ in self.rows if not ok)
        self.say(
            f"\n{len(self.rows) - failed}/{len(self.rows)} checks passed in {total:.0f} s on "
            f"{cpus} CPUs (load average {load_before:.2f} before, "
            f"{os.getloadavg()[0]:.2f} after), {timezone.now():%Y-%m-%d %H:%M} UTC"
        )
        if len(self.rows) < 7:
            self.say("some checks did not run: see the error above")


def celery_worker(name):
    return [sys.executable, "-m", "celery", "-A", "vsm_site", "worker", "--concurrency", "1",
            "--loglevel", "info", "-n", name, "--without-gossip", "--without-mingle",
            "--without-heartbeat"]  # fmt: skip


def celery_beat(schedule):
    return [sys.executable, "-m", "celery", "-A", "vsm_site", "beat", "--loglevel", "info",
            "--schedule", str(schedule)]  # fmt: skip


def run(options, services, out=None):
    """Run every check; True when all passed."""
    return ScaleRun(out or sys.stdout, options, services).execute()
