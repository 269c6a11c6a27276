"""`{{ text|glossary_links }}`: the first time each glossary term appears in `text`,
a link to its meaning on /glossary/. Loaded in templates with {% load glossary %}
(registered as a library in settings.TEMPLATES, since review_portal is no app)."""

import re

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from review_portal.glossary import TERMS

register = template.Library()

_FORMS = sorted(
    ((form, term) for term in TERMS for form in term.forms),
    key=lambda pair: -len(pair[0]),
)
# Terms in capitals (Family Help, RCCs) match as written; the rest in any case.
_PATTERN = re.compile(
    "|".join(
        rf"(?<![\w-])(?P<t{n}>{'' if form[0].isupper() else '(?i:'}{re.escape(form)}{'' if form[0].isupper() else ')'})(?![\w-])"
        for n, (form, _) in enumerate(_FORMS)
    )
)


@register.filter(needs_autoescape=True)
def glossary_links(text, autoescape=True):
    if not text:
        return text
    escape = conditional_escape if autoescape else (lambda s: s)
    base = reverse("glossary")
    seen = set()
    parts = []
    last = 0
    raw = str(text)
    for match in _PATTERN.finditer(raw):
        term = _FORMS[int(match.lastgroup[1:])][1]
        if term.slug in seen:
            continue
        seen.add(term.slug)
        parts.append(escape(raw[last : match.start()]))
        parts.append(
            format_html(
                '<a class="govuk-link app-glossary-link" href="{}#{}">{}</a>',
                base,
                term.slug,
                match.group(0),
            )
        )
        last = match.end()
    parts.append(escape(raw[last:]))
    return mark_safe("".join(str(part) for part in parts))
