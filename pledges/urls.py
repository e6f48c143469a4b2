from django.urls import path

from pledges import views

app_name = "pledges"
urlpatterns = [
    path("pledges/", views.index, name="index"),
    path("pledges/confirm/<str:token>/", views.confirmation, name="confirm"),  # links mailed before the slug
    path("pledges/<slug:slug>/confirm/<str:token>/", views.confirmation, name="confirm_in"),
    path("pledges/<slug:slug>/", views.campaign_page, name="campaign"),
    path("pledges/<slug:slug>/counters/", views.counters, name="counters"),
]
