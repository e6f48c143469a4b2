from django.urls import path

from smartvote import views

app_name = "smartvote"
urlpatterns = [path("lookup/", views.lookup, name="lookup")]
