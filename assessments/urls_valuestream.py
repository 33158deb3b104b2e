from django.urls import path

from . import views_valuestream

urlpatterns = [
    path(
        "teams/<int:team_id>/value-stream/",
        views_valuestream.team_value_stream,
        name="team_value_stream",
    ),
    path(
        "teams/<int:team_id>/value-stream/edit/<str:kind>/",
        views_valuestream.value_stream_edit,
        name="value_stream_edit",
    ),
]
