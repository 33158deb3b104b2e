from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from assessments.data_version import bump

        from .models import Roadmap

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
