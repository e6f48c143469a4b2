from django.urls import path

from initiatives import views

app_name = "initiatives"
urlpatterns = [
    path("initiatives/", views.index, name="index"),
    path("initiatives/new/", views.new, name="new"),
    path("initiatives/moderate/", views.moderate, name="moderate"),
    path("initiatives/follow/<str:token>/", views.follow, name="follow"),
    path("initiatives/<slug:slug>/", views.proposal, name="proposal"),
]
