"""Editors keep the reference lists (cities, events) and people's public facts; reports are moderated on the site."""

from django.contrib import admin

from monitor.models import Case, City, Event, Person


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "latitude", "longitude"]
    search_fields = ["name"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "date", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Only what may be public is editable; the sealed part cannot be read here."""

    list_display = ["pseudonym", "consent", "public_name", "in_custody", "city"]
    list_filter = ["consent", "in_custody"]
    search_fields = ["pseudonym", "public_name"]
    fields = ["pseudonym", "consent", "public_name", "about", "write_to", "in_custody", "city", "journalist", "minor"]
    readonly_fields = ["pseudonym"]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["person", "kind", "article", "opened"]
    list_filter = ["kind"]
