"""Pages through which leads and organisation admins manage webhooks (create, list, rotate,
revoke, last deliveries)."""

urlpatterns = []
