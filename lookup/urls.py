from django.urls import path

from lookup import telegram, views

app_name = "lookup"
urlpatterns = [
    path("lookup/", views.lookup, name="lookup"),
    path("lookup/venues.json", views.venues, name="venues"),
    path("bot/telegram/", telegram.webhook, name="telegram"),
]
