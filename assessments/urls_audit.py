from django.urls import path

from . import views_audit

urlpatterns = [
    path("audit/", views_audit.audit_log, name="audit_log"),
]
