from django.urls import path

from forensics import views

app_name = "forensics"
urlpatterns = [
    path("forensics/", views.index, name="index"),
    path("forensics/by-year.csv", views.years_csv, name="years_csv"),
    path("forensics/by-year.<str:fmt>", views.years_plot, name="years_plot"),
    path("forensics/<slug:slug>/", views.election, name="election"),
    path("forensics/<slug:slug>/regions.csv", views.regions_csv, name="regions_csv"),
    path("forensics/<slug:slug>/stations.csv", views.stations_csv, name="stations_csv"),
    path("forensics/<slug:slug>/summary.csv", views.summary_csv, name="summary_csv"),
    path("forensics/<slug:slug>/<str:name>.<str:fmt>", views.plot, name="plot"),
]
