"""Organisers add actions, places and slots; sign-ups are never shown (there is nothing to read)."""

from django.contrib import admin

from actions.models import Action, Place, Slot


class PlaceInline(admin.StackedInline):
    model = Place
    extra = 1


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 4
    readonly_fields = ["taken"]


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [PlaceInline]


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "country", "action"]
    list_filter = ["action"]
    inlines = [SlotInline]
