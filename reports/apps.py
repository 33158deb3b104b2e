from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from assessments.audit import trail as audit
        from assessments.data_version import bump
        from reports.models import Roadmap, RoadmapItem

        # Roadmap items are in the audit trail, listed after results.
        audit.register(
            audit.Audited("roadmapitem", RoadmapItem, "Roadmap items", "roadmap__team"),
            after="result",
        )

        def roadmap_added_or_removed(sender, instance, raw=False, created=True, **kwargs):
            # The history page links each result to its roadmap: a new roadmap is new data.
            if created and not raw:
                bump(team_id=instance.team_id)

        uid = "vsm-data-version-roadmap"
        # weak=False: the receiver is local to this method and would otherwise be collected
        post_save.connect(roadmap_added_or_removed, sender=Roadmap, dispatch_uid=uid, weak=False)
        post_delete.connect(
            roadmap_added_or_removed, sender=Roadmap, dispatch_uid=f"{uid}-del", weak=False
        )

        # Notifications react to assessments opening and closing; assessments does not import
        # reports (the dependency runs one way), it sends signals after commit.
        from assessments import signals
        from reports.notifications import services as notifications

        signals.assessment_opened.connect(
            notifications.on_assessment_opened, dispatch_uid="vsm-notify-opened"
        )
        signals.assessment_closed.connect(
            notifications.on_assessment_closed, dispatch_uid="vsm-notify-closed"
        )
        # A frozen result gets its roadmap in the same transaction: pages only read it.
        from reports.roadmap import services as roadmap_services

        signals.result_frozen.connect(
            roadmap_services.plan_frozen_result, dispatch_uid="vsm-plan-roadmap"
        )
