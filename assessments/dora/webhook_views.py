"""The receiver providers post to: ``POST /hooks/<public id>/``. No session, no CSRF token:
the unguessable URL routes the delivery and its signature authenticates it. Thin: read the
bounded body, hand it to ``webhook_services.receive_delivery``."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from assessments.dora import webhook_services


def _headers(request):
    return {name.lower(): value for name, value in request.headers.items()}


@csrf_exempt
@require_POST
def receive(request, public_id):
    limit = webhook_services.MAX_BODY_BYTES
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return JsonResponse({"detail": f"The body may be at most {limit} bytes."}, status=413)
    # Read the stream, not request.body: Django would refuse a body past
    # DATA_UPLOAD_MAX_MEMORY_SIZE with a bare 400; one byte more than the limit tells us it is
    # too long when no Content-Length was sent.
    body = request.read(limit + 1)
    receipt = webhook_services.receive_delivery(public_id, _headers(request), body)
    return JsonResponse({"detail": receipt.detail}, status=receipt.status)
