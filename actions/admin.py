"""Organisers add actions, places, slots and declarations; sign-ups and signers' contacts are never shown (there
is nothing to read)."""

from django.contrib import admin

from actions.models import Action, Declaration, Photo, Place, Slot


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


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    """Declarations are made here; their signatures are checked on the review page (their contacts are sealed)."""

    list_display = ["title", "prisoner", "opened"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    """Photos are added on the action's photo page (re-encoded there); here they can be captioned or removed."""

    list_display = ["action", "place", "caption", "added"]
    list_filter = ["action"]
    fields = ["action", "place", "caption"]
    readonly_fields = ["action"]

    def has_add_permission(self, request):
        return False
