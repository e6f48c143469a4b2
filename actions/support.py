"""The pages that support political prisoners: the list, "write a letter", declarations and their check.

The records (where someone is held, their status, term, recognitions, hunger
strike) are the monitor's (monitor.prisoners), read through its named
functions; letters and declarations are this tool's own.
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from actions.declarations import SignatureError, check_rate, decide, for_prisoners, shown, sign
from actions.letters import (
    HOW_TO_SEND,
    LETTER_TEMPLATE,
    WHAT_NOT_TO_WRITE,
    LetterError,
    TooManyLetters,
    mark_sent,
    pick,
    recent,
    this_month,
    writable,
)
from actions.models import Declaration, Signature
from core.clients import client_ip
from core.forms import numbered
from monitor.prisoners import prisoner, prisoners, unnamed_in_custody


def prisoner_list(request):
    records = prisoners()
    month = this_month()
    per = for_prisoners([p.pseudonym for p in records])
    rows = [{"p": p, "letters": month[p.pseudonym], "declarations": per.get(p.pseudonym, [])} for p in records]
    return render(
        request,
        "actions/prisoners.html",
        {
            "rows": rows,
            "unnamed": unnamed_in_custody(),
            "letters": sum(month.values()),
            "strikes": sum(1 for p in records if p.strike_day),
        },
    )


def letter(request, pseudonym=""):
    """A prisoner to write to (weighted towards the least written), with the address and how to write."""
    if pseudonym:
        chosen = prisoner(pseudonym)
        if chosen is None or not chosen.letters:
            raise Http404
    else:
        candidates = writable()
        skip = request.GET.get("not", "")
        others = [p for p in candidates if p.pseudonym != skip]
        chosen = pick(others or candidates, recent())
    return _letter_page(request, chosen)


def _letter_page(request, chosen, message="", error="", status=200):
    response = render(
        request,
        "actions/letter.html",
        {
            "chosen": chosen,
            "month": this_month()[chosen.pseudonym] if chosen else 0,
            "message": message,
            "error": error,
            "how_to_send": HOW_TO_SEND,
            "what_not_to_write": WHAT_NOT_TO_WRITE,
            "template": LETTER_TEMPLATE.format(name=chosen.name) if chosen else "",
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"  # every visit is a new pick
    return response


@require_POST
def letter_sent(request, pseudonym):
    try:
        chosen = mark_sent(pseudonym, client_ip(request))
    except TooManyLetters as exc:
        return _letter_page(request, exc.prisoner, error=str(exc), status=429)
    except LetterError as exc:
        raise Http404 from exc
    return _letter_page(request, chosen, message="sent")


def declaration(request, slug):
    decl = get_object_or_404(Declaration, slug=slug)
    message = error = ""
    status = 200
    if request.method == "POST" and not request.POST.get("website"):  # the honeypot: thanked, nothing kept
        try:
            check_rate(client_ip(request))
            sign(decl, request.POST)
            message = "received"
        except SignatureError as exc:
            error, status = str(exc), 400 if exc.errors else 429
    elif request.method == "POST":
        message = "received"
    signatures = shown(decl)
    response = render(
        request,
        "actions/declaration.html",
        {
            "declaration": decl,
            "prisoner": prisoner(decl.prisoner),
            "signatures": signatures,
            "organisations": [s for s in signatures if s.kind == Signature.Kind.ORGANISATION],
            "deputies": [s for s in signatures if s.kind == Signature.Kind.DEPUTY],
            "figures": [s for s in signatures if s.kind == Signature.Kind.PUBLIC],
            "kinds": Signature.Kind.choices,
            "message": message,
            "error": error,
            "form": request.POST if error else {},
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@permission_required("actions.verify_signature", raise_exception=True)
def review(request):
    """Staff: the signatures waiting for their check; verify or reject each."""
    error = ""
    if request.method == "POST":
        raw = request.POST.get("signature", "")
        signature = numbered(Signature.objects.all(), raw)
        try:
            if signature is None:
                raise SignatureError(_("This signature does not exist; reload the page."))
            decide(signature, request.POST.get("verdict", ""))
            return redirect("actions:review")
        except SignatureError as exc:
            error = str(exc)
    waiting = Signature.objects.filter(state=Signature.State.PENDING).select_related("declaration").order_by("pk")
    return render(request, "actions/review.html", {"waiting": waiting, "error": error}, status=400 if error else 200)
