from django.urls import path

from elections import views

app_name = "elections"
urlpatterns = [
    path("elections/", views.election_list, name="elections"),
    path("elections/<slug:slug>/", views.election_detail, name="election"),
    path("contests/<int:pk>/", views.contest_detail, name="contest"),
    path("contests/<int:pk>/precincts.csv", views.contest_csv, name="contest_csv"),
    path("precincts/", views.precinct_list, name="precincts"),
    path("precincts/<int:pk>/", views.precinct_detail, name="precinct"),
]
