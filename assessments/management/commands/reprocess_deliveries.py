"""Derive events again from stored webhook deliveries: after a mapping change (all, or one
webhook's), or for deliveries left ``received`` while the broker was down (``--received``,
which is safe to run from cron)."""

from django.core.management.base import BaseCommand

from assessments.dora import webhook_services
from assessments.models import WebhookDelivery


class Command(BaseCommand):
    help = "Derive events again from stored webhook deliveries."

    def add_arguments(self, parser):
        parser.add_argument("--webhook", type=int, help="Only this webhook's deliveries (id).")
        parser.add_argument(
            "--received", action="store_true", help="Only deliveries not yet processed."
        )

    def handle(self, *args, webhook=None, received=False, **options):
        deliveries = WebhookDelivery.objects.order_by("received_at", "pk")
        if webhook is not None:
            deliveries = deliveries.filter(webhook_id=webhook)
        if received:
            deliveries = deliveries.filter(status=WebhookDelivery.RECEIVED)
        counts = webhook_services.reprocess(deliveries)
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing"
        self.stdout.write(f"Reprocessed: {summary}.")
