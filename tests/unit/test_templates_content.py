"""The default message templates: every one renders, in both languages, and keeps the rules.

The rules protect patients whose phone somebody else may read (no drug, no diagnosis), keep
the crisis line in every after-care message, and keep English SMS in the cheap GSM-7 alphabet.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from followup.messages.check import REPLY_TEMPLATES  # SMS only, checked in test_protocol_replies
from followup.messages.context import sample_context
from followup.messages.render import Renderer
from followup.protocol import load_protocol

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
LANGUAGES = ("en", "es")
TEMPLATES = (
    "preparation",
    "reminder",
    "discharge",
    "checkin",
    "scales",
    "next_infusion",
    "booster",
)
PARTS = ("sms.txt", "email_subject.txt", "email_body.txt", "email_body.html")
CHECKIN_DAYS = (1, 3, 7)

# The first name in the SMS of these templates; the others stay short and leave it out.
SMS_WITH_NAME = frozenset({"preparation", "discharge", "checkin", "scales", "booster"})
TRICKY_NAME = '<b>Ana & "Bo"</b>'

# --- Sample contexts --------------------------------------------------------------------

PROTOCOL = load_protocol(Path(__file__).resolve().parents[2] / "config" / "protocol.toml")


def make_context(
    language: str,
    template: str,
    *,
    next_appointment: bool = True,
    days: int | None = None,
    later: bool = False,
    **overrides: Any,
) -> dict[str, Any]:
    """The real context builder's sample, with a variant's overrides on top."""
    step = next(s for s in PROTOCOL.steps_for(None) if s.template == template)
    if template == "checkin":
        # The shipped check-ins on days 1 and 3 ask the survey; day 7 asks the rating
        # scales, so the survey's template is checked on every day it could be sent.
        step = step.model_copy(update={"day_after": days or 3})
    context = sample_context(
        PROTOCOL, language, step, next_appointment=next_appointment, later_in_series=later
    )
    context.update(overrides)
    return context


@dataclass(frozen=True)
class Case:
    template: str
    language: str
    variant: str
    context: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.language}-{self.template}-{self.variant}"


# Variants that between them take every branch of every template.
VARIANTS: dict[str, dict[str, Any]] = {
    "next-booked": {},
    "no-next": {"next_appointment": False},
    "next-without-time": {"next_appointment_time": None},
    "other-crisis-line": {"crisis_line": "1-800-555-0199"},
    "with-address": {"clinic_address": "1200 Farnam St, Omaha"},
    "one-hour-fast": {"fasting_hours": 1},
    **{f"day{days}": {"days": days} for days in CHECKIN_DAYS},
    "day-unknown": {"days_since_infusion": None},
    "no-survey": {"survey_question": None},
    # A later infusion of its series, briefly prepared; and asking about the ride (the
    # reminder with series_preparation "discharge", the note the evening before with
    # "evening_before").
    "later-in-series": {"later": True},
    "ask-ride": {"later": True, "ask_ride": True},
    "ask-ride-no-next": {"later": True, "ask_ride": True, "next_appointment": False},
    "sent-the-day-before": {"appointment_tomorrow": True},
    "booster-days": {"days_since_infusion": 30},
    "booster-week": {"days_since_infusion": 7},
}
# Variants only check-ins take a branch on.
CHECKIN_VARIANTS = frozenset({*(f"day{days}" for days in CHECKIN_DAYS), "day-unknown", "no-survey"})
# Variants only the booster reminder takes a branch on ("day-unknown" too).
BOOSTER_VARIANTS = frozenset({"booster-days", "booster-week", "day-unknown"})


def _cases() -> list[Case]:
    return [
        Case(template, language, variant, make_context(language, template, **options))
        for language in LANGUAGES
        for template in TEMPLATES
        for variant, options in VARIANTS.items()
        if template == "checkin"
        or (template == "booster" and variant in BOOSTER_VARIANTS)
        or variant not in CHECKIN_VARIANTS | BOOSTER_VARIANTS
    ]


CASES = _cases()


@dataclass(frozen=True)
class Messages:
    sms: str
    subject: str
    text: str
    html: str

    def plain(self) -> dict[str, str]:
        """Every part as a reader sees it, the HTML with its entities decoded."""
        return {
            "sms": self.sms,
            "subject": self.subject,
            "text": self.text,
            "html": html.unescape(self.html),
        }

    def visible(self) -> dict[str, str]:
        """The parts a reader reads: SMS, plain text and the HTML's visible text."""
        return {"sms": self.sms, "text": self.text, "html": read_html(self.html).visible_text()}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(TEMPLATES_DIR)


def render_all(renderer: Renderer, case: Case) -> Messages:
    sms = renderer.render(case.template, case.language, "sms", case.context)
    email = renderer.render(case.template, case.language, "email", case.context)
    assert email.subject is not None
    assert email.html is not None
    return Messages(sms=sms.text, subject=email.subject, text=email.text, html=email.html)


def cases(
    *, templates: tuple[str, ...] = TEMPLATES, languages: tuple[str, ...] = LANGUAGES
) -> pytest.MarkDecorator:
    """Parametrize a test over the sample cases of some templates and languages."""
    chosen = [c for c in CASES if c.template in templates and c.language in languages]
    return pytest.mark.parametrize("case", chosen, ids=[c.id for c in chosen])


# --- GSM-7 --------------------------------------------------------------------------------

# GSM 03.38 basic character set (escape 0x1B left out) and its extension table. Written with
# escapes where the glyph is a Greek capital that looks like a Latin one.
GSM7_BASIC = frozenset(
    "@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5"
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u00c6\u00e6\u00df\u00c9"
    " !\"#\u00a4%&'()*+,-./0123456789:;<=>?"
    "\u00a1ABCDEFGHIJKLMNOPQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7"
    "\u00bfabcdefghijklmnopqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|\u20ac")
GSM7 = GSM7_BASIC | GSM7_EXTENSION
# Letters Spanish needs that GSM-7 lacks; any of them turns the SMS into UCS-2.
SPANISH_EXTRA = frozenset("\u00e1\u00ed\u00f3\u00fa\u00c1\u00cd\u00d3\u00da")


def is_gsm7(text: str) -> bool:
    return set(text) <= GSM7


def sms_segments(text: str) -> int:
    """How many segments a carrier bills for this SMS."""
    if is_gsm7(text):
        septets = len(text) + sum(1 for char in text if char in GSM7_EXTENSION)
        return 1 if septets <= 160 else math.ceil(septets / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


# --- Forbidden words ----------------------------------------------------------------------

# The crisis line is a public resource and may be named; nothing else may hint at why the
# patient is treated.
ALLOWED_NAMES = (
    "Suicide & Crisis Lifeline",
    "L\u00ednea de Prevenci\u00f3n del Suicidio y Crisis",
)
FORBIDDEN = re.compile(
    r"ketamin|ketalar|spravato|depres|deprim|suicid|\bptsd\b|\btept\b|bipolar|"
    r"anxiety|ansiedad|psychiatr|psiquiatr|trauma|\bmental\b|\bmood disorder",
    re.IGNORECASE,
)


def forbidden_terms(text: str) -> list[str]:
    for name in ALLOWED_NAMES:
        text = text.replace(name, "")
    return FORBIDDEN.findall(text)


# --- HTML ---------------------------------------------------------------------------------

VOID_TAGS = frozenset({"br", "meta", "hr", "img", "input", "link", "wbr"})
BLOCK_TAGS = frozenset({"p", "li", "ul", "ol", "h1", "h2", "h3", "div", "br", "td", "tr", "table"})
BANNED_TAGS = frozenset(
    {"script", "style", "link", "img", "iframe", "object", "embed", "form", "video", "audio"}
)
BANNED_ATTRIBUTES = frozenset({"src", "href", "srcset", "class", "background", "action"})


class HtmlReader(HTMLParser):
    """Collects the visible text of an email and every problem with its markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag in BANNED_TAGS:
            self.problems.append(f"<{tag}>")
        self.problems.extend(f"{name}= on <{tag}>" for name in sorted(names & BANNED_ATTRIBUTES))
        for name, value in attrs:
            if value and re.search(r"url\(|@import|https?:|//", value, re.IGNORECASE):
                self.problems.append(f"external resource in {name}= on <{tag}>")
        if tag == "html":
            self.html_lang = dict(attrs).get("lang")
        if tag in BLOCK_TAGS:
            self.chunks.append(" ")
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()
        if tag in BLOCK_TAGS:
            self.chunks.append(" ")

    def handle_data(self, data: str) -> None:
        if "head" not in self.stack:
            self.chunks.append(data)

    def visible_text(self) -> str:
        return " ".join("".join(self.chunks).split())


def read_html(markup: str) -> HtmlReader:
    reader = HtmlReader()
    reader.feed(markup)
    reader.close()
    if reader.stack:
        reader.problems.append(f"unclosed {reader.stack}")
    return reader


def text_as_read(text: str) -> str:
    """The plain part's words in order, list bullets dropped, whitespace collapsed."""
    lines = (re.sub(r"^\s*- ", "", line) for line in text.splitlines())
    return " ".join(" ".join(lines).split())


# --- Tests: files -------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("part", PARTS)
def test_every_template_part_exists_in_its_own_language_without_falling_back_to_english(
    renderer: Renderer, language: str, template: str, part: str
) -> None:
    name = f"{language}/{template}/{part}.j2"
    assert (TEMPLATES_DIR / name).is_file()
    assert renderer.template_path(template, language, part) == name


def test_both_languages_have_exactly_the_same_template_files() -> None:
    def files(language: str) -> set[str]:
        root = TEMPLATES_DIR / language
        return {str(path.relative_to(root)) for path in root.rglob("*.j2")}

    expected = {f"{template}/{part}.j2" for template in TEMPLATES for part in PARTS}
    expected.update(f"{template}/sms.txt.j2" for template in REPLY_TEMPLATES)
    expected.add("_layout.html.j2")
    expected.add("optin_disclosure/web.txt.j2")  # the opt-in page's text, not a message
    assert files("en") == expected
    assert files("es") == expected


@pytest.mark.parametrize(
    "path",
    sorted(TEMPLATES_DIR.rglob("*.j2")),
    ids=lambda path: str(path.relative_to(TEMPLATES_DIR)),
)
def test_no_template_file_names_the_drug_or_a_diagnosis_even_in_a_branch_not_rendered(
    path: Path,
) -> None:
    assert forbidden_terms(html.unescape(path.read_text(encoding="utf-8"))) == []


# --- Tests: every rendered message ---------------------------------------------------------


@cases()
def test_every_message_renders_in_every_channel(renderer: Renderer, case: Case) -> None:
    messages = render_all(renderer, case)
    for part, value in messages.plain().items():
        assert value.strip(), part
        assert "None" not in value, part


@cases()
def test_no_message_names_the_drug_or_a_diagnosis(renderer: Renderer, case: Case) -> None:
    messages = render_all(renderer, case)
    for part, value in messages.plain().items():
        assert forbidden_terms(value) == [], part


@cases()
def test_every_sms_names_the_clinic_and_ends_with_the_opt_out_line(
    renderer: Renderer, case: Case
) -> None:
    sms = render_all(renderer, case).sms
    assert case.context["clinic_name"] in sms
    assert sms.endswith(case.context["reply_hint"])


@cases()
def test_every_message_about_an_appointment_gives_its_date_or_time(
    renderer: Renderer, case: Case
) -> None:
    messages = render_all(renderer, case)
    ctx = case.context
    expected: list[str] = []
    if case.template == "preparation":
        expected = [ctx["appointment_date"], ctx["appointment_time"]]
    elif case.template == "reminder":
        expected = [ctx["appointment_time"]]
    elif case.template == "booster":
        expected = [ctx["appointment_date"]]
    elif case.template in ("discharge", "next_infusion") and ctx["next_appointment_date"]:
        expected = [ctx["next_appointment_date"]]
        if ctx["next_appointment_time"]:
            expected.append(ctx["next_appointment_time"])
    for part in ("sms", "text", "html"):
        value = messages.visible()[part]
        for fact in expected:
            assert fact in value, (part, fact)


@cases(templates=("discharge", "checkin", "booster"))
def test_after_care_messages_always_give_the_crisis_line_and_discharge_the_on_call_line(
    renderer: Renderer, case: Case
) -> None:
    messages = render_all(renderer, case)
    for part in ("sms", "text", "html"):
        value = messages.visible()[part]
        assert case.context["crisis_line"] in value, part
        if case.template == "discharge":
            assert case.context["on_call_phone"] in value, part


@cases(templates=("checkin",))
def test_checkin_asks_the_first_question_of_its_survey_in_every_part(
    renderer: Renderer, case: Case
) -> None:
    messages = render_all(renderer, case)
    question = case.context["survey_question"]
    for part in ("sms", "text", "html"):
        value = messages.visible()[part]
        if question is None:
            assert case.context["clinic_phone"] in value, part
        else:
            assert question in value, part
            assert re.search(r"\b0\b.*\b10\b", value), part


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shipped_checkin_starts_with_the_mood_question_in_the_patients_language(
    language: str,
) -> None:
    question = make_context(language, "checkin")["survey_question"]
    assert question == PROTOCOL.surveys["post_infusion"].questions[0].text[language]


@cases(languages=("en",))
def test_english_sms_use_only_gsm7_characters(renderer: Renderer, case: Case) -> None:
    sms = render_all(renderer, case).sms
    assert sorted(set(sms) - GSM7) == []


@cases(languages=("es",))
def test_spanish_sms_use_nothing_beyond_gsm7_and_spanish_accents(
    renderer: Renderer, case: Case
) -> None:
    sms = render_all(renderer, case).sms
    assert sorted(set(sms) - GSM7 - SPANISH_EXTRA) == []


@pytest.mark.parametrize(
    ("language", "template", "max_segments"),
    [
        ("en", "preparation", 4),
        ("en", "reminder", 1),
        # Within a series it names the next infusion, "same preparation as today": the
        # line that replaces a 4-segment preparation message.
        ("en", "discharge", 5),
        ("en", "checkin", 2),
        ("en", "next_infusion", 1),
        ("en", "booster", 2),
        ("es", "preparation", 4),
        ("es", "reminder", 1),
        ("es", "discharge", 5),
        ("es", "checkin", 5),
        ("es", "next_infusion", 1),
        ("es", "booster", 5),
    ],
)
def test_sms_stay_within_their_segment_budget_for_the_sample_clinic(
    renderer: Renderer, language: str, template: str, max_segments: int
) -> None:
    sms = renderer.render(template, language, "sms", make_context(language, template)).text
    assert sms_segments(sms) <= max_segments


@cases()
def test_html_email_is_a_self_contained_page_in_the_right_language(
    renderer: Renderer, case: Case
) -> None:
    reader = read_html(render_all(renderer, case).html)
    assert reader.problems == []
    assert reader.html_lang == case.language


@cases()
def test_html_and_text_parts_say_the_same_thing(renderer: Renderer, case: Case) -> None:
    messages = render_all(renderer, case)
    assert read_html(messages.html).visible_text() == text_as_read(messages.text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_html_escapes_the_patient_name_while_sms_and_text_keep_it_as_written(
    renderer: Renderer, language: str, template: str
) -> None:
    context = make_context(language, template, patient_first_name=TRICKY_NAME)
    messages = render_all(renderer, Case(template, language, "tricky-name", context))
    assert "&lt;b&gt;Ana &amp; " in messages.html
    assert TRICKY_NAME not in messages.html
    assert TRICKY_NAME in messages.text
    assert "&lt;" not in messages.text
    assert "&lt;" not in messages.sms
    if template in SMS_WITH_NAME:
        assert TRICKY_NAME in messages.sms


# --- Tests: a series --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "template", "max_segments"),
    [
        ("en", "reminder", 1),
        ("en", "next_infusion", 1),
        ("es", "reminder", 1),
        ("es", "next_infusion", 2),
    ],
)
def test_sms_asking_about_the_ride_stay_short(
    renderer: Renderer, language: str, template: str, max_segments: int
) -> None:
    context = make_context(language, template, later=True, ask_ride=True)
    sms = renderer.render(template, language, "sms", context).text
    assert sms_segments(sms) <= max_segments, sms


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", ["reminder", "next_infusion"])
def test_a_message_asking_about_the_ride_asks_for_yes_or_call_in_every_part(
    renderer: Renderer, language: str, template: str
) -> None:
    yes, call = ("YES", "CALL") if language == "en" else ("SI", "LLAMAR")
    case = Case(
        template, language, "ask", make_context(language, template, later=True, ask_ride=True)
    )
    for part in ("sms", "text", "html"):
        value = render_all(renderer, case).visible()[part]
        assert yes in value and call in value, part
    quiet = Case(
        template, language, "quiet", make_context(language, template, later=True, ask_ride=False)
    )
    assert yes not in render_all(renderer, quiet).sms


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_later_reminder_does_not_repeat_the_preparation_the_first_one_gave(
    renderer: Renderer, language: str
) -> None:
    first = renderer.render("reminder", language, "sms", make_context(language, "reminder")).text
    later = make_context(language, "reminder", later=True)
    short = renderer.render("reminder", language, "sms", later).text
    fasting = "no food" if language == "en" else "ayuno"
    assert fasting in first
    assert fasting not in short and later["appointment_time"] in short


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_discharge_names_the_next_infusion_of_the_series_with_the_same_preparation(
    renderer: Renderer, language: str
) -> None:
    same = "same preparation as today" if language == "en" else "mismas indicaciones de hoy"
    within = make_context(language, "discharge")
    assert within["next_in_series"]
    messages = render_all(renderer, Case("discharge", language, "series", within))
    assert same in messages.sms and within["next_appointment_date"] in messages.sms
    other = make_context(language, "discharge", next_in_series=False)
    assert same not in render_all(renderer, Case("discharge", language, "next", other)).sms


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("later", [False, True])
def test_a_reminder_sent_the_evening_before_says_tomorrow(
    renderer: Renderer, language: str, later: bool
) -> None:
    tomorrow, today = ("tomorrow", "today") if language == "en" else ("mañana", "hoy")
    context = make_context(language, "reminder", later=later, appointment_tomorrow=True)
    case = Case("reminder", language, "eve", context)
    messages = render_all(renderer, case)
    for part in ("sms", "subject", "text"):
        value = messages.plain()[part]
        assert tomorrow in value and f" {today} " not in value, part
    assert (
        today
        in render_all(
            renderer,
            Case("reminder", language, "day", make_context(language, "reminder", later=later)),
        ).sms
    )
