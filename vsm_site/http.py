"""HTTP shared by every view: private responses are never cached, download file names are made
safe, and a service's refusal is answered on a page, each in one place."""

import re
import unicodedata
from contextlib import contextmanager

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django.utils.http import content_disposition_header

from vsm_site.domain_errors import DomainError, NotFound, forbid_if_not_allowed

# --- caching ---------------------------------------------------------------------------------


def _is_private(request):
    """Does this request come from someone who is (or may be) logged in?

    Decided without reading the session: a request presenting a session cookie or an
    Authorization header counts, even when the session turns out to have expired (no-store on
    such an answer costs nothing), so that views which never look at the user, ``/ping`` the
    benchmarks' floor among them, still run without a query. A request without either is
    anonymous unless the view itself put a user there: ``login()`` does, and so does DRF's
    forced authentication in tests; both replace the lazy user of AuthenticationMiddleware.
    """
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META:
        return True
    user = getattr(request, "user", None)
    if user is None or isinstance(user, SimpleLazyObject):
        return False
    return user.is_authenticated


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` (Django's never-cache set) on every response to a
    logged-in or token-carrying request: pages, API answers, PDFs, exports, redirects and
    errors alike. Personal data must not stay in a shared proxy or in the browser's cache of a
    shared computer after the user logs out.

    Placed after WhiteNoise, which answers static files before this middleware runs: they keep
    their long-lived public caching. Anonymous responses are left as the view made them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _is_private(request):
            add_never_cache_headers(response)
        return response


# --- download file names ---------------------------------------------------------------------

MAX_FILENAME_STEM = 100  # characters before the extension; far below every filesystem's limit
_UNSAFE = re.compile(r"[^a-z0-9_]+")
_EXTENSION = re.compile(r"[a-z0-9]{1,10}")


def _slug(part):
    # NFKD splits "é" into "e" and a combining accent, which the ASCII encoding then drops.
    ascii_text = unicodedata.normalize("NFKD", str(part)).encode("ascii", "ignore").decode()
    return _UNSAFE.sub("-", ascii_text.lower()).strip("-")


def download_filename(*parts, ext):
    """The file name of a download made of ``parts`` (names of groups, teams, periods...):
    each part an ASCII slug (lower-case letters, digits and "_"; anything else, quotes,
    slashes, dots, CR/LF and non-ASCII included, becomes "-"), the non-empty ones joined by "-",
    at most MAX_FILENAME_STEM characters, never empty ("download"), then ``.ext``.

    Parts that are already slugs come out unchanged: ``download_filename("roadmap", "team-a",
    "2026-q4", ext="pdf") == "roadmap-team-a-2026-q4.pdf"``.
    """
    if not _EXTENSION.fullmatch(ext):
        raise ValueError(f"{ext!r} is not a file extension")
    stem = "-".join(slug for slug in map(_slug, parts) if slug)
    stem = stem[:MAX_FILENAME_STEM].rstrip("-") or "download"
    return f"{stem}.{ext}"


def attachment_header(filename):
    """The ``Content-Disposition`` value that offers ``filename`` as a download (RFC 6266),
    built by Django as FileResponse(as_attachment=True) builds it."""
    return content_disposition_header(as_attachment=True, filename=filename)


# --- a service's refusal, on a page ---------------------------------------------------------

TOO_MANY_REQUESTS = 429  # a limit for now (reports' TooManyReports): "try later", a warning


def raise_for_page(exc, *, not_found_404=False):
    """What every page answers to a service's error ``exc``, whatever else the view does with
    it: NotAllowed raises PermissionDenied (the 403 page), so that a forbidden write answers as
    forbidden everywhere; NotFound raises Http404 when the view says so (``not_found_404``: the
    missing thing is what the address names, not something the form chose). Returns for any
    other error, for the view to report."""
    forbid_if_not_allowed(exc)
    if not_found_404 and isinstance(exc, NotFound):
        raise Http404(exc.message) from None


@contextmanager
def reported(request, *, not_found_404=False, message=None, on_error=None):
    """Run a service call, and what follows its success, in ``with reported(request):``. A
    DomainError raised inside is answered as pages answer it (``raise_for_page``); any other
    is shown to the person as a message, a warning for a limit (429) and an error otherwise,
    and the rest of the block is skipped: the view goes on after the block, where its failure
    path is. A block that returns, its success path, is left as it returns::

        with reported(request):
            services.close_assessment(request.user, assessment)
            messages.success(request, "Assessment closed.")
            return redirect("result_page", assessment_id=assessment.id)
        return redirect("assessment_detail", assessment_id=assessment.id)

    ``message(exc)``: the text shown instead of ``exc.message`` (the page's own words, the
    rejected lines of a file). ``on_error(exc)``: called instead of showing a message (a
    form's field error); NotAllowed and NotFound are answered as above all the same.
    """
    try:
        yield
    except DomainError as exc:
        raise_for_page(exc, not_found_404=not_found_404)
        if on_error is not None:
            on_error(exc)
            return
        level = messages.WARNING if exc.status == TOO_MANY_REQUESTS else messages.ERROR
        messages.add_message(request, level, exc.message if message is None else message(exc))
