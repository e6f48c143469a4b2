"""Organisers create campaigns and publish announcements; pledges are never shown (there is nothing to read)."""

from django.contrib import admin

from pledges.models import Campaign, City


class CityInline(admin.TabularInline):
    model = City
    extra = 3


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "threshold", "reached", "announced", "purged"]
    readonly_fields = ["reached", "purged"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [CityInline]
