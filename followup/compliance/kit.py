"""The registration kit: what a clinic pastes into Twilio's campaign (A2P 10DLC) or
toll-free verification form, written from facts gathered beforehand. Pure.

Each section answers one field of the form, in the form's words, so a reviewer reads the
same consent wording, samples and keywords the patients get.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from followup.compliance.rules import sample_problems

OPT_OUT_KEYWORDS = (
    *("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"),
    *("PARAR", "DETENER"),
)
OPT_IN_KEYWORDS = ("START", "UNSTOP", "YES")
HELP_KEYWORDS = ("HELP", "INFO", "AYUDA")
# Twilio wants at least two sample messages and takes five.
SAMPLES = 5


@dataclass(frozen=True, slots=True)
class KitFacts:
    """What the kit says, gathered from the protocol and the rendered templates."""

    brand: str
    clinic_phone: str
    website: str | None
    privacy_url: str | None
    terms_url: str | None
    optin_url: str | None  # FOLLOWUP_PUBLIC_URL/optin; None when the public URL is unset
    texting_number: str | None  # the Twilio number patients text (FOLLOWUP_TWILIO_FROM_NUMBER)
    disclosures: dict[str, str]  # language -> the disclosure shown on the opt-in page
    confirmation: str
    help_reply: str
    stop_reply: str
    samples: list[tuple[str, str]]  # (step, text), as patients get them
    sms_steps: int  # SMS the protocol plans around one infusion
    sms_per_day_max: int | None
    links: bool
    phone_numbers: bool
    problems: list[str] = field(default_factory=list)  # from the template check


def kit_problems(facts: KitFacts) -> list[str]:
    """What the form itself would refuse, beyond the template rules."""
    problems = list(facts.problems)
    if facts.optin_url is None:
        problems.append(
            "FOLLOWUP_PUBLIC_URL is not set: the message flow must give the opt-in page's "
            "public address (Twilio 30544)"
        )
    if len(facts.samples) < 2:
        problems.append("Twilio needs at least 2 sample messages (30538); the protocol sends fewer")
    for step, text in facts.samples:
        problems += [f"sample message ({step}) {why}" for why in sample_problems(text)]
    return problems


def frequency(facts: KitFacts) -> str:
    """The message frequency, as the form asks for it."""
    cap = f", at most {facts.sms_per_day_max} a day" if facts.sms_per_day_max else ""
    return (
        f"Varies with the patient's appointments: up to {facts.sms_steps} texts for each "
        f"infusion (preparation, reminder, discharge instructions, check-ins){cap}, and "
        "answers to the patient's own texts."
    )


def description(facts: KitFacts) -> str:
    return (
        f"{facts.brand} texts its own patients, who agreed to receive texts, about their "
        "appointments and care: a preparation message and a reminder before each "
        "appointment, care instructions when they leave, and check-ins on the days after "
        "asking how they are. Patients may reply; the clinic's care team reads every reply. "
        "No marketing, no third-party content, no sharing of numbers."
    )


def message_flow(facts: KitFacts) -> str:
    english = facts.disclosures.get("en", "")
    page = facts.optin_url or "(set FOLLOWUP_PUBLIC_URL: the sign-up page's address goes here)"
    number = f", {facts.texting_number}" if facts.texting_number else ""
    return (
        f"Patients opt in in one of three ways, each recorded with its time and the exact "
        f"wording shown. (1) On the clinic's public sign-up page, {page}, they enter their "
        "mobile number and tick a box, unticked by default, next to this text: "
        f'"{english}" (2) At intake or on the phone, they tell clinic staff, who record '
        "it in the clinic's system under their own name. (3) They text START to the "
        f"clinic's texting number{number}. Every opt-in is confirmed by this text: "
        f'"{facts.confirmation}" A patient can opt out at any time by replying STOP (or '
        "any opt-out keyword, in English or Spanish, or any message asking to stop); the "
        "opt-out covers texts and emails and is confirmed once."
    )


def render_kit(facts: KitFacts) -> str:
    """The kit as Markdown: one heading per form, one paragraph or list per field."""
    yes_no = {True: "Yes", False: "No"}
    lines = [
        f"# Twilio registration kit: {facts.brand}",
        "",
        "Written by `followup compliance kit` from the clinic's protocol and templates.",
        "Paste each part into the field of the same name in Twilio's A2P 10DLC campaign",
        "form, or the toll-free verification form.",
        "",
        "## Brand",
        "",
        f"- Brand name: {facts.brand}",
        f"- Website: {facts.website or facts.privacy_url or '(set [consent] website)'}",
        f"- Support phone: {facts.clinic_phone}",
        f"- Privacy policy: {facts.privacy_url or '(set [consent] privacy_url)'}",
        f"- Terms and conditions: {facts.terms_url or '(none)'}",
        "",
        "## Campaign",
        "",
        "Use case: Customer Care (appointment reminders and care follow-up for the",
        "clinic's own patients).",
        "",
        "### Campaign description",
        "",
        description(facts),
        "",
        "### Message flow / call to action",
        "",
        message_flow(facts),
        "",
        "### Sample messages",
        "",
    ]
    for number, (step, text) in enumerate(facts.samples[:SAMPLES], start=1):
        lines += [f"Sample {number} ({step}):", "", "```", text, "```", ""]
    lines += [
        "### Opt-in, opt-out and help",
        "",
        f"- Opt-in keywords: {', '.join(OPT_IN_KEYWORDS)}",
        f"- Opt-in message: {facts.confirmation}",
        f"- Opt-out keywords: {', '.join(OPT_OUT_KEYWORDS)}",
        f"- Opt-out message: {facts.stop_reply}",
        f"- Help keywords: {', '.join(HELP_KEYWORDS)}",
        f"- Help message: {facts.help_reply}",
        "",
        "### Message frequency",
        "",
        frequency(facts),
        "",
        "### Content attributes",
        "",
        f"- Embedded links: {yes_no[facts.links]}",
        f"- Embedded phone numbers: {yes_no[facts.phone_numbers]}",
        "- Age-gated content: No",
        "- Direct lending or loan arrangement: No",
        "- Affiliate marketing: No",
        "",
        "## Toll-free verification",
        "",
        "- Opt-in type: WEB_FORM (also VERBAL and VIA_TEXT, as the message flow says)",
        f"- Opt-in image URL: a screenshot of {facts.optin_url or 'the sign-up page'}",
        "- Use case summary: the campaign description above",
        "- Sample message: sample 1 above",
        "",
    ]
    for language, text in sorted(facts.disclosures.items()):
        lines += [f"## The sign-up page's disclosure ({language})", "", text, ""]
    problems = kit_problems(facts)
    lines += ["## Check", ""]
    lines += [f"- NOT READY: {p}" for p in problems] or ["Every rule checked passes."]
    return "\n".join(lines) + "\n"
