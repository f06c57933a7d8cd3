"""Gather the kit's facts from the protocol, the settings and the rendered templates."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from followup.compliance.kit import SAMPLES, KitFacts
from followup.compliance.rules import has_link, has_phone_number
from followup.compliance.texts import check_compliance, consent_reply, disclosure, sends
from followup.core.errors import RenderError
from followup.messages.check import languages
from followup.messages.context import display_phone, sample_context, sms_per_day_max
from followup.messages.render import Renderer
from followup.protocol import Protocol

OPTIN_PATH = "/optin"


def kit_facts(
    renderer: Renderer,
    protocol: Protocol,
    public_url: str | None,
    texting_number: str | None = None,
) -> KitFacts:
    """The kit's facts, in English (the form's language) with every disclosure shown."""
    clinic = protocol.clinic
    samples: list[tuple[str, str]] = []
    seen: set[str] = set()
    default = protocol.resolved[protocol.default_treatment]
    sms_steps = [step for step in default if "sms" in step.channels]
    for step, channel in sends(protocol):
        if channel != "sms" or step.template in seen or len(samples) >= SAMPLES:
            continue
        seen.add(step.template)
        try:
            text = renderer.render(
                step.template, "en", "sms", sample_context(protocol, "en", step)
            ).text
        except RenderError:
            continue  # the check below names it
        samples.append((step.key, text))
    texts = [text for _, text in samples]
    return KitFacts(
        brand=clinic.name,
        clinic_phone=display_phone(clinic.phone, clinic.country),
        website=protocol.consent.website,
        privacy_url=protocol.consent.privacy_url,
        terms_url=protocol.consent.terms_url,
        optin_url=f"{public_url.rstrip('/')}{OPTIN_PATH}" if public_url else None,
        texting_number=(display_phone(texting_number, clinic.country) if texting_number else None),
        disclosures={
            language: _or_problem(
                partial(lambda lang: disclosure(renderer, protocol, lang).text, language)
            )
            for language in languages(renderer.templates_dir)
        },
        confirmation=_or_problem(
            lambda: consent_reply(renderer, protocol, "reply_start", "en").text
        ),
        help_reply=_or_problem(lambda: consent_reply(renderer, protocol, "reply_help", "en").text),
        stop_reply=_or_problem(lambda: consent_reply(renderer, protocol, "reply_stop", "en").text),
        samples=samples,
        sms_steps=len(sms_steps),
        sms_per_day_max=sms_per_day_max(protocol),
        links=any(has_link(text) for text in texts),
        phone_numbers=any(has_phone_number(text) for text in texts),
        problems=check_compliance(renderer, protocol),
    )


def _or_problem(render: Callable[[], str]) -> str:
    try:
        return render()
    except RenderError:
        return "(does not render: see the check below)"
