"""How a page answers a service's refusal (vsm_site.http.reported, raise_for_page): NotAllowed
is the 403 page, NotFound a 404 when the view asks, any other error a message for the person
(a warning for a limit) or the view's own hook; the rest of the block is skipped, exactly as
try/except/else did."""

import pytest
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from vsm_site.domain_errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from vsm_site.http import raise_for_page, reported


class TooMany(DomainError):
    """Stands for reports' TooManyReports, which vsm_site does not import."""

    status = 429


@pytest.fixture
def request_():
    request = RequestFactory().post("/somewhere/")
    request._messages = CookieStorage(request)
    return request


def shown(request):
    return [(m.level, m.message) for m in request._messages]


@pytest.mark.parametrize(
    "error, level",
    [
        (DomainError("Something is wrong."), messages.ERROR),
        (Invalid("Something is wrong.", field="name"), messages.ERROR),
        (Conflict("Something is wrong."), messages.ERROR),
        (NotFound("Something is wrong."), messages.ERROR),  # a 404 only when the view asks
        (TooMany("Something is wrong."), messages.WARNING),
    ],
)
def test_an_error_becomes_a_message_and_the_rest_of_the_block_is_skipped(request_, error, level):
    after = []
    with reported(request_):
        raise error
        after.append("success")  # what the block does after a successful call
    assert after == []
    assert shown(request_) == [(level, "Something is wrong.")]


def test_not_allowed_is_the_403_page(request_):
    with pytest.raises(PermissionDenied) as raised, reported(request_):
        raise NotAllowed("Only the team's lead does this.")
    assert str(raised.value) == "Only the team's lead does this."
    assert raised.value.__suppress_context__  # the page, not the service's traceback
    assert shown(request_) == []


def test_not_found_is_a_404_when_the_view_asks(request_):
    with pytest.raises(Http404) as raised, reported(request_, not_found_404=True):
        raise NotFound("No such thing.")
    assert str(raised.value) == "No such thing."
    assert shown(request_) == []
    with reported(request_, not_found_404=True):
        raise Conflict("Taken.")
    assert shown(request_) == [(messages.ERROR, "Taken.")]


def test_success_passes_through(request_):
    def view():
        with reported(request_):
            messages.success(request_, "Done.")
            return "the success path"
        return "the failure path"

    assert view() == "the success path"
    assert shown(request_) == [(messages.SUCCESS, "Done.")]


def test_a_failure_goes_on_after_the_block(request_):
    def view():
        with reported(request_):
            raise Conflict("Closed already.")
        return "the failure path"

    assert view() == "the failure path"
    assert shown(request_) == [(messages.ERROR, "Closed already.")]


def test_on_error_replaces_the_message(request_):
    refused = []
    with reported(request_, on_error=refused.append):
        raise Invalid("Not an e-mail address.", field="email")
    assert [(e.field, e.message) for e in refused] == [("email", "Not an e-mail address.")]
    assert shown(request_) == []


@pytest.mark.parametrize(
    "error, level", [(Invalid("bad"), messages.ERROR), (TooMany("bad"), messages.WARNING)]
)
def test_message_words_the_message_at_the_same_level(request_, error, level):
    with reported(request_, message=lambda exc: f"In the page's words: {exc.message}."):
        raise error
    assert shown(request_) == [(level, "In the page's words: bad.")]


def test_on_error_still_answers_not_allowed_with_403(request_):
    refused = []
    with pytest.raises(PermissionDenied), reported(request_, on_error=refused.append):
        raise NotAllowed("No.")
    assert refused == []


def test_other_exceptions_are_not_touched(request_):
    with pytest.raises(ValueError), reported(request_):
        raise ValueError("a bug, not a refusal")
    assert shown(request_) == []


@pytest.mark.parametrize(
    "error, not_found_404, raised",
    [
        (NotAllowed("x"), False, PermissionDenied),
        (NotAllowed("x"), True, PermissionDenied),
        (NotFound("x"), True, Http404),
        (NotFound("x"), False, None),
        (Invalid("x"), True, None),
        (Conflict("x"), True, None),
        (TooMany("x"), True, None),
    ],
)
def test_raise_for_page_is_the_shared_mapping(error, not_found_404, raised):
    if raised is None:
        assert raise_for_page(error, not_found_404=not_found_404) is None
    else:
        with pytest.raises(raised):
            raise_for_page(error, not_found_404=not_found_404)
