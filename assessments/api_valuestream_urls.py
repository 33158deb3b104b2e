from django.urls import path

from . import api_valuestream

urlpatterns = [
    path(
        "teams/<int:team_id>/value-stream-maps/current/",
        api_valuestream.CurrentMapView.as_view(),
        name="api_value_stream_current",
    ),
    path(
        "teams/<int:team_id>/value-stream-maps/future/",
        api_valuestream.FutureMapView.as_view(),
        name="api_value_stream_future",
    ),
    path(
        "teams/<int:team_id>/value-stream-maps/history/",
        api_valuestream.MapHistoryView.as_view(),
        name="api_value_stream_history",
    ),
]
