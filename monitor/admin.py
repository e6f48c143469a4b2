"""Editors keep the reference lists (cities, events) and people's public facts; reports are moderated on the site."""

from django.contrib import admin

from monitor.models import Case, City, Event, Facility, HungerStrike, Person, Recognition


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "latitude", "longitude"]
    search_fields = ["name"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["name", "date", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "time_zone"]
    list_filter = ["kind"]
    search_fields = ["name", "region", "address"]


class RecognitionInline(admin.TabularInline):
    model = Recognition
    extra = 0


class HungerStrikeInline(admin.TabularInline):
    model = HungerStrike
    extra = 0


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Only what may be public is editable; the sealed part cannot be read here."""

    list_display = ["pseudonym", "consent", "public_name", "in_custody", "status", "facility", "letters"]
    list_filter = ["consent", "in_custody", "status", "letters"]
    search_fields = ["pseudonym", "public_name"]
    fields = [
        "pseudonym",
        "consent",
        "public_name",
        "about",
        "in_custody",
        "status",
        "facility",
        "term_start",
        "sentence_days",
        "term_end",
        "letters",
        "write_to",
        "city",
        "journalist",
        "minor",
    ]
    readonly_fields = ["pseudonym"]
    autocomplete_fields = ["facility"]
    inlines = [RecognitionInline, HungerStrikeInline]


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ["person", "kind", "article", "opened"]
    list_filter = ["kind"]
