from django.contrib import admin
from django.urls import include, path

from veche import views
from veche.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("elections.urls")),
    path("", include("forensics.urls")),
    path("", include("lookup.urls")),
    path("", include("smartvote.urls")),
    path("", include("pledges.urls")),
    path("", include("monitor.urls")),
]
