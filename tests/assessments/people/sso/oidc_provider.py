"""An OpenID Connect provider in this process for the tests: oidc-provider-mock (Flask, on a
werkzeug server in a thread on localhost), behind a small WSGI front that

- enforces PKCE (S256) as a real provider does: the mock's own authorisation-code grant does
  not check ``code_verifier``, so the front remembers each code's challenge and refuses a token
  request whose verifier does not match;
- can misbehave on purpose, to test what the product refuses: sign ID tokens for another
  issuer (``wrong_issuer``) or another audience (``wrong_audience``).

Signing in at the provider is a POST of the subject to its authorisation endpoint, as the
mock's one-click form does; ``sign_in`` follows the redirects the product answers with."""

import base64
import hashlib
import threading
from contextlib import contextmanager
from datetime import timedelta
from io import BytesIO
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import oidc_provider_mock
import werkzeug.serving


def _s256(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class Front:
    """The WSGI front of the mock (see the module)."""

    def __init__(self, app):
        self.app = app
        self.challenges = {}  # authorisation code -> (challenge, method)
        self.pending = None  # the challenge of the authorisation request being answered
        self.wrong_issuer = False
        self.wrong_audience = False
        self.token_requests = []

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if path == "/oauth2/authorize":
            if self.wrong_audience:
                query["client_id"] = ["someone-else"]
                environ["QUERY_STRING"] = urlencode(query, doseq=True)
            challenge = (query.get("code_challenge") or [None])[0]
            method = (query.get("code_challenge_method") or [None])[0]
            if challenge is None or method != "S256":
                return self._error(start_response, "invalid_request", "PKCE (S256) is required")
            self.pending = (challenge, method)
            return self._capture_code(environ, start_response)
        if path == "/oauth2/token":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            form = parse_qs(body.decode("utf-8"))
            self.token_requests.append(form)
            code = (form.get("code") or [""])[0]
            verifier = (form.get("code_verifier") or [""])[0]
            challenge = self.challenges.get(code)
            if challenge is None or _s256(verifier) != challenge[0]:
                return self._error(start_response, "invalid_grant", "PKCE verification failed")
            if self.wrong_audience:
                form["client_id"] = ["someone-else"]
                body = urlencode(form, doseq=True).encode("utf-8")
            environ["wsgi.input"] = BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            if self.wrong_issuer:
                # The mock names itself after the Host it is asked on.
                environ["HTTP_HOST"] = "issuer.invalid"
        return self.app(environ, start_response)

    def _capture_code(self, environ, start_response):
        def capture(status, headers, exc_info=None):
            for name, value in headers:
                if name.lower() == "location":
                    code = parse_qs(urlsplit(value).query).get("code")
                    if code:
                        self.challenges[code[0]] = self.pending
            return start_response(status, headers, exc_info)

        return self.app(environ, capture)

    @staticmethod
    def _error(start_response, error, description):
        body = f'{{"error": "{error}", "error_description": "{description}"}}'.encode()
        start_response("400 Bad Request", [("Content-Type", "application/json")])
        return [body]


class Provider:
    def __init__(self, server, front):
        self.server = server
        self.front = front
        self.issuer = f"http://localhost:{server.server_port}"

    def set_user(self, sub, **claims):
        response = httpx.put(f"{self.issuer}/users/{sub}", json=claims)
        assert response.status_code == 204, response.text

    def authorize(self, authorize_url, sub):
        """Sign ``sub`` in at the provider: the URL it sends the browser back to."""
        response = httpx.post(authorize_url, data={"sub": sub}, follow_redirects=False)
        assert response.status_code == 302, response.text
        return response.headers["location"]


@contextmanager
def running_provider(access_token_max_age=timedelta(hours=1)):
    """A provider on a free localhost port, for the duration of the block."""
    app = oidc_provider_mock.app(access_token_max_age=access_token_max_age)
    front = Front(app)
    server = werkzeug.serving.make_server("localhost", 0, front, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield Provider(server, front)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def sign_in(client, provider, email, sub, *, next_url=None):
    """The browser's part of an OIDC sign-in: the email-first start, the provider, and back to
    the product's callback. Returns the callback's response."""
    query = {"email": email}
    if next_url:
        query["next"] = next_url
    start = client.get("/accounts/sso/start/", query)
    assert start.status_code == 302, start.content
    back = provider.authorize(start["Location"], sub)
    parts = urlsplit(back)
    return client.get(parts.path, parse_qs(parts.query)), back
