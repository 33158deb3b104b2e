"""Friendly error pages; JSON for the API so clients never parse HTML."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader


def _wants_json(request):
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else ""
    if _wants_json(request):
        return JsonResponse(
            {"detail": message or "You do not have permission to do this."}, status=403
        )
    return render(request, "403.html", {"message": message}, status=403)


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        message = f"The request body is larger than {limit} MiB."
        if _wants_json(request):
            return JsonResponse({"detail": message}, status=413)
        return render(request, "400.html", {"message": message}, status=413)
    if _wants_json(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return render(request, "400.html", status=400)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": "Server error. The problem has been logged."}, status=500)
    # No template context processors here: the request may have failed in one of them.
    return HttpResponseServerError(loader.get_template("500.html").render())
