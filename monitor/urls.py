from django.urls import path
from django.views.generic import RedirectView

from monitor import views

app_name = "monitor"
urlpatterns = [
    path("monitor/", views.index, name="index"),
    path("monitor/charts/<str:name>.<str:fmt>", views.chart, name="chart"),
    path("monitor/report/<str:kind>/", views.report_form, name="report_form"),
    path("monitor/reports/", views.reports, name="reports"),
    path("monitor/reports/<int:pk>/", views.report_detail, name="report"),
    path("monitor/people/<str:pseudonym>/", views.person, name="person"),
    # The list moved to the solidarity pages (letters, declarations); old links keep working.
    path(
        "monitor/prisoners/", RedirectView.as_view(pattern_name="actions:prisoners", permanent=True), name="prisoners"
    ),
    path("monitor/violations/", views.violations, name="violations"),
    path("monitor/data/", views.open_data, name="data"),
    path("monitor/data/<str:name>.<str:fmt>", views.dataset, name="dataset"),
    path("monitor/moderation/", views.moderation, name="moderation"),
    path("monitor/moderation/<int:pk>/", views.moderate, name="moderate"),
]
