from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from veche import views
from veche.api import api

# The staff pages are Veche's, in the staff's language ("Django administration" before).
admin.site.site_header = _("Veche: organisers' desk")
admin.site.site_title = _("Veche staff")
admin.site.index_title = _("Data and moderation")

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("language/", views.language, name="language"),
    path("demo/", views.demo, name="demo"),
    path("demo/outbox/", views.outbox, name="outbox"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("elections.urls")),
    path("", include("forensics.urls")),
    path("", include("lookup.urls")),
    path("", include("smartvote.urls")),
    path("", include("pledges.urls")),
    path("", include("monitor.urls")),
    path("", include("vote.urls")),
    path("", include("actions.urls")),
    path("", include("initiatives.urls")),
]
