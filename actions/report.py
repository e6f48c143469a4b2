"""After the day: places taken per place and slot (with bars), and the organisers' photos.

A photo is re-encoded from its pixels by core.photos before it is stored, as
the monitor's are: the GPS position, camera and time a phone writes never
reach the page. Photos are public once added (the organisers choose them;
the upload page asks them to leave out the faces of people who did not
agree); they are added by staff with the permission, never by visitors.
"""

from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions.models import Action, Photo, Place
from core.charts import with_bars
from core.forms import PhotosField, errors_said
from core.hours import wall_clock

MAX_CAPTION = 300


class PhotosForm(forms.Form):
    """Staff's photos of the day: the photos (re-encoded), the place among the action's, a caption."""

    photos = PhotosField(error_messages={"required": gettext_lazy("Choose at least one photo.")})
    place = forms.ModelChoiceField(
        queryset=Place.objects.none(),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose one of the action's places.")},
    )
    caption = forms.CharField(required=False, strip=True)

    def __init__(self, *args: Any, action: Action, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["place"]).queryset = action.places.all()

    def clean_caption(self) -> str:
        caption = " ".join(self.cleaned_data["caption"].split())
        if len(caption) > MAX_CAPTION:
            raise forms.ValidationError(_("The caption is longer than 300 characters."))
        return caption


def rows_taken(action: Action) -> list[dict]:
    """Per place and slot, in the place's own time: capacity, taken, share taken (the bars)."""
    rows = []
    for place in action.places.prefetch_related("slots"):
        for slot in place.slots.all():
            rows.append(
                {
                    "place": place,
                    "starts": wall_clock(slot.starts, place.zone),
                    "ends": wall_clock(slot.ends, place.zone),
                    "role": slot.get_role_display(),
                    "capacity": slot.capacity,
                    "taken": slot.taken,
                    "share": round(100 * slot.taken / slot.capacity) if slot.capacity else 0,
                }
            )
    return with_bars(rows, key="taken")


def report(request, slug):
    action = get_object_or_404(Action, slug=slug)
    rows = rows_taken(action)
    places: dict[int, dict[str, Any]] = {}
    for r in rows:
        totals = places.setdefault(r["place"].pk, {"place": r["place"], "taken": 0, "capacity": 0})
        totals["taken"] += r["taken"]
        totals["capacity"] += r["capacity"]
    return render(
        request,
        "actions/report.html",
        {
            "action": action,
            "rows": rows,
            "places": with_bars(list(places.values()), key="taken"),
            "taken": sum(r["taken"] for r in rows),
            "capacity": sum(r["capacity"] for r in rows),
            "photos": action.photos.select_related("place"),
        },
    )


@login_required
@permission_required("actions.add_photo", raise_exception=True)
def add_photos(request, slug):
    """Staff: add photos of the day (each re-encoded, its metadata dropped), with a caption and a place."""
    action = get_object_or_404(Action, slug=slug)
    posted = request.method == "POST"
    form = PhotosForm(request.POST if posted else None, request.FILES if posted else None, action=action)
    if posted and form.is_valid():
        place, caption = form.cleaned_data["place"], form.cleaned_data["caption"]
        Photo.objects.bulk_create(
            Photo(action=action, place=place, content_type=kind, image=data, caption=caption)
            for kind, data in form.cleaned_data["photos"]
        )
        return redirect("actions:report", slug=action.slug)
    error = errors_said(form) if posted else ""
    return render(
        request,
        "actions/add_photos.html",
        {"action": action, "places": action.places.all(), "error": error},
        status=400 if posted else 200,
    )


def photo(request, pk):
    shown = Photo.objects.filter(pk=pk).values_list("content_type", "image").first()
    if shown is None:
        raise Http404
    response = HttpResponse(bytes(shown[1]), content_type=shown[0])
    response["Cache-Control"] = "public, max-age=86400"
    return response
