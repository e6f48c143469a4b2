from django.urls import path

from actions import views

app_name = "actions"
urlpatterns = [
    path("actions/", views.index, name="index"),
    path("actions/confirm/<str:token>/", views.confirmation, name="confirm"),
    path("actions/cancel/<str:token>/", views.cancellation, name="cancel"),
    path("actions/<slug:slug>/", views.action_page, name="action"),
    path("actions/<slug:slug>/detained/", views.detained, name="detained"),
    path("actions/<slug:slug>/counts.csv", views.counts_csv, name="counts_csv"),
]
