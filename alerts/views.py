"""The alerts' pages: sign up, confirm, unsubscribe (see alerts/models.py)."""

from django import forms
from django.core import signing
from django.db import IntegrityError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from alerts.messages import confirmation_message, unsign_confirm_token
from alerts.models import Scope, Subscription
from alerts.targets import list_query, target_of
from sources.corrections import is_throttled


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        help_text="We will only use it to send these alerts.",
        max_length=254,
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "The email address must be 254 characters or fewer",
        },
    )
    # The honeypot, as on the "Report a problem" form.
    website = forms.CharField(required=False)


def _target_from(data):
    """(scope, slug, query, Target) from the sign-up's query string or form; 404 if
    it names nothing that exists."""
    scope = data.get("scope", "")
    slug = data.get("slug", "")[:100]
    query = ""
    if scope == Scope.LIST:
        slug = ""
        query = list_query(QueryDict(data.get("query", "")[:1000]))
    target = target_of(scope, slug, query) if scope in Scope.values else None
    if target is None:
        raise Http404("Nothing to follow here")
    return scope, slug, query, target


def subscribe(request):
    data = request.POST if request.method == "POST" else request.GET
    scope, slug, query, target = _target_from(data)
    status, throttled = 200, False
    form = SubscribeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if is_throttled(request, bucket="alerts"):
            status, throttled = 429, True
        else:
            if not form.cleaned_data["website"]:
                _sign_up(form.cleaned_data["email"], scope, slug, query, target)
            return redirect("alerts:check_email")
    return render(
        request,
        "alerts/subscribe.html",
        {
            "form": form,
            "target": target,
            "scope": scope,
            "slug": slug,
            "query": query,
            "throttled": throttled,
        },
        status=status,
    )


def _sign_up(email, scope, slug, query, target):
    """Send the confirmation, unless the address already follows this. Whatever
    happens, the visitor sees the same page, which tells nobody who is signed up."""
    email = email.strip().lower()
    try:
        subscription, _ = Subscription.objects.get_or_create(
            email=email, scope=scope, slug=slug, query=query
        )
    except IntegrityError:  # two sign-ups at once
        return
    if not subscription.is_confirmed:
        confirmation_message(subscription, target).send()


def check_email(request):
    return render(request, "alerts/check_email.html")


def confirm(request, token):
    try:
        key = unsign_confirm_token(token)
    except signing.SignatureExpired:
        return render(
            request, "alerts/link_problem.html", {"expired": True}, status=400
        )
    except signing.BadSignature:
        return render(request, "alerts/link_problem.html", status=400)
    subscription = Subscription.objects.filter(key=key).first()
    if subscription is None:
        return render(request, "alerts/link_problem.html", status=400)
    if not subscription.is_confirmed:
        now = timezone.now()
        Subscription.objects.filter(pk=subscription.pk).update(
            confirmed_at=now, last_sent_at=now
        )
    target = target_of(subscription.scope, subscription.slug, subscription.query)
    return render(
        request,
        "alerts/confirmed.html",
        {
            "target": target,
            "unsubscribe_path": reverse("alerts:unsubscribe", args=[subscription.key]),
        },
    )


# No CSRF token: a mail client's one-click unsubscribe (RFC 8058) POSTs
# "List-Unsubscribe=One-Click" with no cookie and no form. The unguessable key in the
# address is what allows it, and all it can do is stop the alert.
@csrf_exempt
def unsubscribe(request, key):
    subscription = Subscription.objects.filter(key=key).first()
    if request.method == "POST":
        if subscription is not None:
            subscription.delete()  # the address goes with it
        return render(request, "alerts/unsubscribed.html")
    if subscription is None:
        return render(request, "alerts/unsubscribed.html", {"already": True})
    target = target_of(subscription.scope, subscription.slug, subscription.query)
    return render(request, "alerts/unsubscribe.html", {"target": target})
