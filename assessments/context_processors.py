from assessments.permissions import access_for


def navigation(request):
    """Which navigation entries the user's roles allow (the pages check again themselves)."""
    access = access_for(getattr(request, "user", None))
    return {
        "nav": {
            "can_analyse": access.is_superuser or bool(access.org_ids),
            "can_administer": access.is_superuser or bool(access.admin_org_ids),
            "leads_a_team": bool(access.led_team_ids),
            "admin_org_ids": sorted(access.admin_org_ids),
        }
    }
