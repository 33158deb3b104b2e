"""The Celery tasks of the assessments app, for Celery's autodiscovery (``<app>.tasks``).
Each is a thin function beside the service it calls."""

from assessments.dora.webhook_services import (
    task_process_delivery,
    task_prune_deliveries,
    task_sweep_deliveries,
)

__all__ = ["task_process_delivery", "task_prune_deliveries", "task_sweep_deliveries"]
