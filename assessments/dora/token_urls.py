"""Pages through which leads manage their team's API tokens (scope, expiry, last use)."""

urlpatterns = []
