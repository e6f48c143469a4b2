"""Admin for staff: browse and correct the core data (login required)."""

from django.contrib import admin

from elections import models


@admin.register(models.Election)
class ElectionAdmin(admin.ModelAdmin):
    list_display = ["name", "date", "level", "kind", "slug"]
    list_filter = ["level", "kind"]
    search_fields = ["name", "slug"]


@admin.register(models.Contest)
class ContestAdmin(admin.ModelAdmin):
    list_display = ["name", "election", "kind", "area", "number", "seats"]
    list_filter = ["kind", "election"]
    search_fields = ["name", "area"]


@admin.register(models.Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name"]
    search_fields = ["name", "short_name"]


@admin.register(models.Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "middle_name", "gender", "source_key"]
    search_fields = ["last_name", "first_name", "middle_name"]


@admin.register(models.Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["person", "contest", "party", "self_nominated"]
    list_filter = ["contest__election", "self_nominated"]
    search_fields = ["person__last_name"]
    autocomplete_fields = ["person", "contest", "party"]


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(models.Commission)
class CommissionAdmin(admin.ModelAdmin):
    list_display = ["name", "region"]
    list_filter = ["region"]
    search_fields = ["name"]


@admin.register(models.Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "street", "building", "district", "latitude", "longitude"]
    list_filter = ["district"]
    search_fields = ["name", "street"]


@admin.register(models.Precinct)
class PrecinctAdmin(admin.ModelAdmin):
    list_display = ["__str__", "region", "city_district", "venue", "is_remote"]
    list_filter = ["is_remote", "region"]
    search_fields = ["code"]
    raw_id_fields = ["venue"]
    list_select_related = ["region", "venue"]


@admin.register(models.Protocol)
class ProtocolAdmin(admin.ModelAdmin):
    list_display = ["precinct", "contest", "source", "has_result", "registered", "valid"]
    list_filter = ["source", "has_result", "contest__election"]
    raw_id_fields = ["precinct", "contest", "tik"]
    list_select_related = ["precinct", "contest"]
    show_full_result_count = False


@admin.register(models.ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["source", "path", "finished_at", "sha256"]
    readonly_fields = ["source", "path", "sha256", "finished_at", "report"]
