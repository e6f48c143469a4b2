"""The organisers' admin of what the forecast reads: each election's setup, candidate facts, parties' lineage.

Every save and delete asks for a reason and writes a SetupChange row with the record before and after (the
audit log, never edited), as an override of a pick does: a forecast's inputs are as much an editorial decision
as its picks, and the organisers must be able to say who changed what and why. The organisers' role
(smartvote/migrations) may change these; the log itself is read-only for everyone.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core import serializers
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from smartvote.models import CandidateFact, ElectionSetup, PartyLineage, SetupChange


def snapshot(obj) -> dict:
    """The record's fields and many-to-many ids as JSON-ready values."""
    fields: dict[str, Any] = json.loads(serializers.serialize("json", [obj]))[0]["fields"]
    return fields


class ReasonForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Reason for this change"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Kept in the audit log with your name, as an override's reason is."),
    )


class Audited(admin.ModelAdmin):
    """Saves and deletes with a reason, each logged as a SetupChange in the same transaction."""

    form = ReasonForm

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "reason"]
        return [*fields, "reason"]

    def save_model(self, request, obj, form, change):
        self._before = snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        # Many-to-many fields are saved here, after the record: the "after" is taken once they are.
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            obj = form.instance
            SetupChange.objects.create(
                model=obj._meta.label_lower,
                object_id=obj.pk,
                action=SetupChange.Action.CHANGED if change else SetupChange.Action.ADDED,
                summary=str(obj)[:500],
                before=getattr(self, "_before", None),
                after=snapshot(obj),
                reason=form.cleaned_data["reason"],
                author=request.user,
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            SetupChange.objects.create(
                model=obj._meta.label_lower,
                object_id=obj.pk,
                action=SetupChange.Action.DELETED,
                summary=str(obj)[:500],
                before=snapshot(obj),
                after=None,
                reason=str(_("deleted in the admin")),
                author=request.user,
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
        messages.info(request, _("Each deletion is in the audit log of the forecast's inputs."))


@admin.register(ElectionSetup)
class ElectionSetupAdmin(Audited):
    list_display = ["election", "sigma_scale"]
    autocomplete_fields = ["election", "ruling_parties", "aligned_parties", "history"]
    raw_id_fields = ["ruling_candidates", "aligned_candidates"]
    # Set from a backtest (`smartvote_backtest --save`), which records how they were fitted.
    readonly_fields = ["sigma_scale", "fact_weights", "priors"]


@admin.register(CandidateFact)
class CandidateFactAdmin(Audited):
    list_display = ["candidate", "kind", "value", "share", "source"]
    list_filter = ["kind", "candidate__contest__election"]
    search_fields = ["candidate__person__last_name", "source", "note"]
    autocomplete_fields = ["candidate"]
    raw_id_fields = ["earlier_choice"]
    list_select_related = ["candidate__person", "candidate__contest"]


@admin.register(PartyLineage)
class PartyLineageAdmin(Audited):
    list_display = ["predecessor", "party", "source"]
    autocomplete_fields = ["party", "predecessor"]
    search_fields = ["party__name", "predecessor__name"]


@admin.register(SetupChange)
class SetupChangeAdmin(admin.ModelAdmin):
    list_display = ["created", "author", "action", "model", "summary", "reason"]
    list_filter = ["action", "model"]
    search_fields = ["summary", "reason"]
    readonly_fields = ["created", "author", "action", "model", "object_id", "summary", "before", "after", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
