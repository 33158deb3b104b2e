"""The scale-out check's load generator: people using the site through both instances, in
threads of the check's process (the check reads the database between their steps).

A ``Person`` holds one session usable on every instance: a ``tests.bench.load.Browser`` per
instance, all sharing one cookie jar, as a browser behind a load balancer would be sent to
either. A request goes to the instance asked for; when it does not answer (connection refused
or reset: the instance was killed), the person marks it down and sends the same request to the
next one, as the load balancer would: autosaves may be sent twice (a save sets a level, so
sending it again is harmless), and a save counts as acknowledged only when an instance
answered it with "Saved at"."""

import random
import re
import threading
import time

import httpx

from tests.bench.load import SAVE_RE, Browser, LoadError

# A connection refused, reset or cut mid-answer: the instance is gone, not the request wrong.
GONE = (httpx.TransportError,)


class Person:
    def __init__(self, username, base_urls, home=0):
        self.username = username
        self.browsers = [Browser(url) for url in base_urls]
        for browser in self.browsers[1:]:
            browser.cookies = self.browsers[0].cookies  # one session, whichever instance
        self.home = home % len(base_urls)
        self.down = set()
        self.failovers = 0
        self.csrf = ""

    def close(self):
        for browser in self.browsers:
            browser.close()

    def other(self, index=None):
        return ((self.home if index is None else index) + 1) % len(self.browsers)

    def login(self, password):
        browser = self.browsers[self.home]
        browser.login(self.username, password)
        self.csrf = browser.csrf

    def request(self, method, path, instance, **kwargs):
        """``method path`` on ``instance``, or on the next live one when it does not answer.
        Returns ``(response, instance that answered)``; raises LoadError when none does."""
        count = len(self.browsers)
        for step in range(count):
            index = (instance + step) % count
            if index in self.down:
                continue
            if method == "POST":
                kwargs.setdefault("data", {})["csrfmiddlewaretoken"] = self.csrf
            try:
                return self.browsers[index].request(method, path, **kwargs), index
            except GONE:
                self.down.add(index)
                self.failovers += 1
        raise LoadError(f"{self.username}: no instance answered {method} {path}.")

    def remember_csrf(self, html):
        browser = self.browsers[0]
        browser.remember_csrf(html)
        self.csrf = browser.csrf or self.csrf


def checked_level(html, key):
    """The level checked on the answer page's card of question ``key`` (None if none)."""
    start = html.find(f'id="q-{key}"')
    if start < 0:
        return None
    end = html.find("</form>", start)
    card = html[start:end]
    match = re.search(r'value="(\d)" checked', card) or re.search(
        r'value="(\d)"[^>]* checked', card
    )
    return int(match.group(1)) if match else None


def question_keys(html):
    return sorted({key for _, key in SAVE_RE.findall(html) if key != "dora"})


class Respondent(Person):
    """A member answering their team's open assessment."""

    def __init__(self, username, base_urls, home, assessment_id, seed):
        super().__init__(username, base_urls, home)
        self.assessment_id = assessment_id
        self.keys = []
        self.rng = random.Random(seed)
        self.acknowledged = {}  # question key -> the last level an instance acknowledged
        self.saves = []  # (monotonic time, instance) of every acknowledged save
        self.errors = []

    def answer_page(self, instance):
        return self.request("GET", f"/assessments/{self.assessment_id}/answer/", instance)

    def save(self, key, level, instance):
        """One autosave; returns the instance that acknowledged it, or None (recorded)."""
        try:
            response, index = self.request(
                "POST",
                f"/assessments/{self.assessment_id}/answer/{key}/",
                instance,
                data={"level": str(level)},
                headers={"HX-Request": "true"},
            )
        except LoadError as exc:
            self.errors.append(str(exc))
            return None
        if response.status_code != 200 or "Saved at" not in response.text:
            self.errors.append(f"HTTP {response.status_code} saving {key}")
            return None
        self.acknowledged[key] = level
        self.saves.append((time.monotonic(), index))
        return index

    def autosave_until(self, stop, think=(0.3, 0.8)):
        """Save a random level of a random question, alternating the instance, then think;
        until ``stop`` is set."""
        n = self.rng.randrange(2)
        time.sleep(self.rng.uniform(0, think[1]))
        while not stop.is_set():
            self.save(self.rng.choice(self.keys), self.rng.randint(1, 5), n % len(self.browsers))
            n += 1
            stop.wait(self.rng.uniform(*think))


def in_threads(function, items, timeout=120):
    """``function(item)`` for every item, in a thread each; the exceptions raised, by item."""
    failures = {}

    def run(item):
        try:
            function(item)
        except Exception as exc:  # reported with the item by the caller
            failures[item] = exc

    threads = [threading.Thread(target=run, args=(item,), daemon=True) for item in items]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.1, deadline - time.monotonic()))
    for item, thread in zip(items, threads, strict=True):
        if thread.is_alive():
            failures[item] = TimeoutError(f"still running after {timeout} s")
    return failures
