"""The protocol's reply settings, on-call staff and surveys, and the reply templates.

Reply templates are not used by any protocol step, so `followup templates check` does not
render them: this file does, in both languages, under the same rules as the other messages.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from followup.core.errors import ProtocolError
from followup.messages.check import REPLY_TEMPLATES
from followup.messages.context import reply_context, sample_context
from followup.messages.render import Renderer
from followup.messages.segments import GSM7, count_segments
from followup.protocol import Protocol, parse_protocol, reveals_treatment
from tests.conftest import ROOT

SHIPPED = (ROOT / "config" / "protocol.toml").read_text()
TEMPLATES_DIR = ROOT / "templates"
LANGUAGES = ("en", "es")
REPLY_CONTEXT_KEYS = {
    "clinic_name",
    "clinic_phone",
    "on_call_phone",
    "crisis_line",
    "emergency_number",
    "patient_first_name",
    "reply_hint",
    # What an opt-in confirmation must state (issue 27): frequency and the clinic's pages.
    "sms_per_day_max",
    "privacy_url",
    "terms_url",
}
SPANISH_EXTRA = frozenset("áíóúÁÍÓÚ")
# The public crisis line may be named; nothing else may hint at why the patient is treated.
ALLOWED_NAMES = ("Suicide & Crisis Lifeline", "Línea de Prevención del Suicidio y Crisis")
FORBIDDEN = re.compile(r"trauma|\bmood disorder", re.IGNORECASE)


def names_treatment(text: str) -> bool:
    """The protocol's own discretion rule plus the stricter words the template tests use."""
    for name in ALLOWED_NAMES:
        text = text.replace(name, "")
    return reveals_treatment(text) or bool(FORBIDDEN.search(text))


def refused(change: tuple[str, str]) -> str:
    """The error message for the shipped protocol with one piece of text replaced."""
    old, new = change
    assert old in SHIPPED, old
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(SHIPPED.replace(old, new, 1), "config/protocol.toml")
    message = str(caught.value)
    assert message.startswith("config/protocol.toml: ")
    return message


def without_on_call(text: str) -> str:
    """The protocol text with every [[on_call]] table taken out."""
    return re.sub(r"\[\[on_call\]\]\n(?:[a-z]+ = .*\n)+\n?", "", text)


# --- The shipped protocol -------------------------------------------------------------------


def test_the_shipped_protocol_sets_how_long_replies_wait(protocol: Protocol) -> None:
    replies = protocol.replies
    assert replies.conversation_expires_after == timedelta(hours=24)
    assert replies.confirmation_cutoff == timedelta(hours=24)
    assert replies.alert_escalation_after == timedelta(minutes=10)


def test_reply_timings_default_when_the_replies_table_is_left_out() -> None:
    text = re.sub(r"\[replies\]\n(?:(?:#.*|[a-z_]+ = .*)\n)+", "", SHIPPED)
    assert "[replies]" not in text
    replies = parse_protocol(text).replies
    assert (replies.conversation_expires_after, replies.alert_escalation_after) == (
        timedelta(hours=24),
        timedelta(minutes=10),
    )


def test_the_shipped_protocol_lists_two_people_on_call_with_normalised_phones(
    protocol: Protocol,
) -> None:
    assert [(p.name, p.phone, p.email) for p in protocol.on_call] == [
        ("Dr. Jordan Rivera", "+14025550142", "jordan.rivera@example.org"),
        ("Sam Okafor, RN", "+14025550157", "sam.okafor@example.org"),
    ]


def test_every_checkin_of_every_treatment_starts_the_post_infusion_survey_or_the_scales(
    protocol: Protocol,
) -> None:
    for treatment in protocol.treatments_known:
        for step in protocol.steps_for(treatment):
            if step.kind != "checkin":
                assert step.conversation is None, step.key
            elif step.key in ("scales_baseline", "checkin_day7"):
                assert step.conversation == "phq9+gad7", step.key
            else:
                assert step.survey == "post_infusion", step.key
    assert "checkin_day14" in {s.key for s in protocol.steps_for("pain")}


def test_the_post_infusion_survey_asks_mood_side_effects_pain_for_pain_and_anything_else(
    protocol: Protocol,
) -> None:
    survey = protocol.surveys["post_infusion"]
    assert [(q.key, q.type) for q in survey.questions] == [
        ("mood", "scale"),
        ("side_effects", "choice"),
        ("pain", "scale"),
        ("anything_else", "text"),
    ]
    mood, side_effects, pain, _ = survey.questions
    assert (mood.min, mood.max, mood.alert_at_or_below) == (0, 10, 2)
    assert [o.key for o in side_effects.options] == [
        "nausea",
        "dizziness",
        "headache",
        "disconnected",
        "bladder_pain",
        "high_blood_pressure",
        "none",
    ]
    assert side_effects.alert_on == ["bladder_pain", "high_blood_pressure"]
    assert (pain.only_for_treatments, pain.alert_at_or_above) == (["pain"], 9)
    assert {q.alert_severity for q in survey.questions} == {"high"}


def test_every_question_is_short_discreet_and_says_how_to_answer(protocol: Protocol) -> None:
    endings = {
        "scale": ("Reply with a number from 0 to 10.", "Responda con un número del 0 al 10."),
        "choice": (
            "Reply with the numbers, e.g. 1 and 3, or NONE.",
            "Responda con los números, p. ej. 1 y 3, o NADA.",
        ),
        "text": (
            "Reply with anything else you want your care team to know, or NO.",
            "Responda con cualquier otra cosa que quiera contarle a su equipo de atención, o NO.",
        ),
    }
    for survey in protocol.surveys.values():
        for question in survey.questions:
            english, spanish = question.text["en"], question.text["es"]
            assert english.endswith(endings[question.type][0]), question.key
            assert spanish.endswith(endings[question.type][1]), question.key
            assert set(english) <= GSM7, question.key
            assert set(spanish) <= GSM7 | SPANISH_EXTRA, question.key
            assert count_segments(english).segments <= 2, question.key
            assert not names_treatment(english) and not names_treatment(spanish), question.key


def test_the_side_effect_question_numbers_its_options_in_both_languages(
    protocol: Protocol,
) -> None:
    question = protocol.surveys["post_infusion"].questions[1]
    assert (
        "1 nausea, 2 dizziness, 3 headache, 4 feeling disconnected, "
        "5 bladder or urinary pain, 6 high blood pressure reading, 7 none."
    ) in question.text["en"]
    assert "1 náuseas, 2 mareo, 3 dolor de cabeza" in question.text["es"]


# --- Errors name the key --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            ('survey = "post_infusion"', 'survey = "post_infusoin"'),
            "steps[3].survey: no survey 'post_infusoin' is defined under [surveys] "
            "(defined: post_infusion)",
            id="unknown-survey-on-a-step",
        ),
        pytest.param(
            (
                'key = "checkin_day14"\nkind = "checkin"\ntemplate = "checkin"\n'
                'survey = "post_infusion"',
                'key = "checkin_day14"\nkind = "checkin"\ntemplate = "checkin"\n'
                'survey = "follow_up"',
            ),
            "treatments.pain.steps (step 'checkin_day14').survey: no survey 'follow_up'",
            id="unknown-survey-on-a-treatment-step",
        ),
        pytest.param(
            (
                'alert_on = ["bladder_pain", "high_blood_pressure"]',
                'alert_on = ["bladder_pain", "high_bp"]',
            ),
            "surveys.post_infusion.questions[1]: alert_on: 'high_bp' is not one of the "
            "option keys (nausea, dizziness, headache, disconnected, bladder_pain, "
            "high_blood_pressure, none)",
            id="unknown-option-in-alert-on",
        ),
        pytest.param(
            ("min = 0\nmax = 10", "min = 10\nmax = 10"),
            "surveys.post_infusion.questions[0]: min (10) must be less than max (10)",
            id="scale-min-not-below-max",
        ),
        pytest.param(
            ("alert_at_or_above = 9", "alert_at_or_above = 11"),
            "surveys.post_infusion.questions[2]: alert_at_or_above: 11 is outside the scale "
            "0 to 10",
            id="threshold-outside-the-scale",
        ),
        pytest.param(
            ('text.en = "On a scale', 'text.fr = "On a scale'),
            "surveys.post_infusion.questions[0].text: needs an English version (en)",
            id="missing-english-text",
        ),
        pytest.param(
            ("how is your mood today?", "how is your mood since the ketamine?"),
            "surveys.post_infusion.questions[0].text: the 'en' text must not name a drug",
            id="question-naming-the-drug",
        ),
        pytest.param(
            ("3 headache,", "3 migraine,"),
            "surveys.post_infusion.questions[1]: text.en: should list option 3 as '3 headache'",
            id="choice-text-not-numbering-an-option",
        ),
        pytest.param(
            (
                'key = "anything_else"\ntype = "text"',
                'key = "anything_else"\ntype = "text"\nmax = 5',
            ),
            "surveys.post_infusion.questions[3]: max: does not apply to a text question",
            id="scale-field-on-a-text-question",
        ),
        pytest.param(
            ('key = "mood"\ntype = "scale"', 'key = "mood"\ntype = "number"'),
            "surveys.post_infusion.questions[0].type: Input should be 'scale', 'yes_no', "
            "'choice' or 'text'",
            id="unknown-question-type",
        ),
        pytest.param(
            ('key = "anything_else"', 'key = "mood"'),
            "surveys.post_infusion.questions: question key 'mood' appears twice",
            id="question-key-twice",
        ),
        pytest.param(
            ('only_for_treatments = ["pain"]', 'only_for_treatments = ["back_pain"]'),
            "surveys.post_infusion.questions[2].only_for_treatments: 'back_pain' is not a "
            "treatment (depression, pain)",
            id="unknown-treatment-for-a-question",
        ),
        pytest.param(
            ('alert_escalation_after = "10m"', 'alert_escalation_after = "soon"'),
            "replies.alert_escalation_after: 'soon' is not a duration",
            id="reply-timing-not-a-duration",
        ),
        pytest.param(
            ('conversation_expires_after = "24h"', 'conversation_expires_after = "0m"'),
            "replies.conversation_expires_after: must be longer than 0m",
            id="reply-timing-zero",
        ),
        pytest.param(
            ("[replies]\n", "[replies]\nescalate_after = 1\n"),
            "replies.escalate_after: Extra inputs are not permitted",
            id="unknown-replies-key",
        ),
        pytest.param(
            ('phone = "(402) 555-0157"', 'phone = "call the desk"'),
            "on_call[1].phone: 'call the desk' is not a phone number",
            id="on-call-phone-not-a-number",
        ),
        pytest.param(
            ('email = "sam.okafor@example.org"', 'email = "sam.okafor"'),
            "on_call[1].email: String should match pattern",
            id="on-call-email-not-an-address",
        ),
        pytest.param(
            (
                'phone = "(402) 555-0157"\nemail = "sam.okafor@example.org"\n',
                'pager = "1234"\n',
            ),
            "on_call[1].pager: Extra inputs are not permitted",
            id="on-call-unknown-key",
        ),
        pytest.param(
            ('phone = "(402) 555-0157"\nemail = "sam.okafor@example.org"\n', ""),
            "on_call[1]: needs a phone or an email (or both) so alerts can reach them",
            id="on-call-person-unreachable",
        ),
    ],
)
def test_an_invalid_reply_survey_or_on_call_setting_names_its_key(
    change: tuple[str, str], expected: str
) -> None:
    assert expected in refused(change)


def test_a_protocol_without_anyone_on_call_is_refused_saying_a_clinic_needs_someone() -> None:
    text = without_on_call(SHIPPED)
    assert "[[on_call]]" not in text
    with pytest.raises(ProtocolError, match=r"on_call: a clinic must have someone on call"):
        parse_protocol(text)
    with pytest.raises(ProtocolError, match=r"on_call: a clinic must have someone on call"):
        parse_protocol("on_call = []\n" + text)


def test_a_survey_asking_nothing_for_a_treatment_that_starts_it_is_refused() -> None:
    text = re.sub(
        r"(key = \"(?:mood|side_effects|anything_else)\"\n)",
        r'\1only_for_treatments = ["pain"]\n',
        SHIPPED,
    )
    with pytest.raises(
        ProtocolError,
        match=r"surveys\.post_infusion: no question is asked for treatment 'depression'",
    ):
        parse_protocol(text)


# --- The check-in context ------------------------------------------------------------------


def test_the_checkin_context_carries_the_surveys_first_question_and_others_none(
    protocol: Protocol,
) -> None:
    steps = {s.key: s for s in protocol.steps_for(None)}
    mood = protocol.surveys["post_infusion"].questions[0]
    for language, key, expected in [
        ("en", "checkin_day1", mood.text["en"]),
        ("es", "checkin_day3", mood.text["es"]),
        ("de", "checkin_day3", mood.text["en"]),
    ]:
        assert sample_context(protocol, language, steps[key])["survey_question"] == expected
    assert sample_context(protocol, "en", steps["discharge"])["survey_question"] is None
    # The scales' check-in asks their first item, with the look-back and every answer.
    first = sample_context(protocol, "es", steps["checkin_day7"])["survey_question"]
    assert first.startswith(protocol.instruments["phq9"].stem["es"])
    assert first.endswith("1/9: Poco interés o placer en hacer las cosas")
    assert "3 = casi todos los días" in first


# --- Reply templates -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(TEMPLATES_DIR)


def render_reply(
    renderer: Renderer, protocol: Protocol, template: str, language: str, first_name: str = "Ana"
) -> str:
    context = reply_context(protocol, language, first_name)
    return renderer.render(template, language, "sms", context).text


def test_the_reply_context_has_exactly_the_variables_reply_templates_may_use(
    protocol: Protocol,
) -> None:
    context = reply_context(protocol, "es", "Ana")
    assert set(context) == REPLY_CONTEXT_KEYS
    assert context["clinic_phone"] == "(402) 555-0100"
    assert context["on_call_phone"] == "(402) 555-0199"
    assert context["patient_first_name"] == "Ana"
    assert context["reply_hint"] == "Responda STOP para darse de baja."
    assert reply_context(protocol, "de")["patient_first_name"] == ""
    assert reply_context(protocol, "de")["reply_hint"] == "Reply STOP to opt out."


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", REPLY_TEMPLATES)
def test_every_reply_template_exists_in_its_own_language_as_an_sms_only(
    renderer: Renderer, template: str, language: str
) -> None:
    assert renderer.template_path(template, language, "sms.txt") == (
        f"{language}/{template}/sms.txt.j2"
    )
    files = sorted(p.name for p in (TEMPLATES_DIR / language / template).iterdir())
    assert files == ["sms.txt.j2"]


@pytest.mark.parametrize("first_name", ["Ana", ""])
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", REPLY_TEMPLATES)
def test_every_reply_renders_short_and_names_no_drug_or_diagnosis(
    renderer: Renderer, protocol: Protocol, template: str, language: str, first_name: str
) -> None:
    text = render_reply(renderer, protocol, template, language, first_name)
    assert text.strip()
    assert "None" not in text
    assert not names_treatment(text), text
    assert not names_treatment((TEMPLATES_DIR / language / template / "sms.txt.j2").read_text())
    assert count_segments(text).segments <= (2 if language == "en" else 5)
    assert ", ." not in text and "  " not in text


@pytest.mark.parametrize("template", REPLY_TEMPLATES)
def test_english_replies_use_only_gsm7_characters(
    renderer: Renderer, protocol: Protocol, template: str
) -> None:
    text = render_reply(renderer, protocol, template, "en")
    assert sorted(set(text) - GSM7) == []


@pytest.mark.parametrize("template", REPLY_TEMPLATES)
def test_spanish_replies_use_nothing_beyond_gsm7_and_spanish_accents(
    renderer: Renderer, protocol: Protocol, template: str
) -> None:
    text = render_reply(renderer, protocol, template, "es")
    assert sorted(set(text) - GSM7 - SPANISH_EXTRA) == []


@pytest.mark.parametrize("crisis_line", ["988", "1-800-555-0199"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_crisis_reply_gives_the_crisis_line_and_on_call_phone_in_its_first_160_characters(
    renderer: Renderer, protocol: Protocol, language: str, crisis_line: str
) -> None:
    context = {**reply_context(protocol, language, "Ana"), "crisis_line": crisis_line}
    text = renderer.render("reply_crisis", language, "sms", context).text
    first_line = text.splitlines()[0]
    assert crisis_line in first_line[:160]
    assert context["on_call_phone"] in first_line[:160]
    assert context["emergency_number"] in text
    assert context["clinic_name"] in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_emergency_reply_gives_the_emergency_number_and_on_call_phone_in_its_first_sms(
    renderer: Renderer, protocol: Protocol, language: str
) -> None:
    context = {**reply_context(protocol, language, "Ana"), "emergency_number": "112"}
    text = renderer.render("reply_emergency", language, "sms", context).text
    assert "112" in text.splitlines()[0][:160]
    assert context["on_call_phone"] in text[:320]
    assert context["crisis_line"] not in text  # a chest pain is not a suicide crisis


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_urgent_reply_gives_the_on_call_phone_and_says_a_nurse_calls_today(
    renderer: Renderer, protocol: Protocol, language: str
) -> None:
    context = reply_context(protocol, language, "Ana")
    text = renderer.render("reply_urgent", language, "sms", context).text
    assert context["on_call_phone"] in text.splitlines()[0]
    assert ("today" if language == "en" else "hoy") in text.splitlines()[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_unknown_sender_reply_gives_the_clinic_emergency_and_crisis_numbers_and_no_name(
    renderer: Renderer, protocol: Protocol, language: str
) -> None:
    context = reply_context(protocol, language, "Zoraida")
    text = render_reply(renderer, protocol, "reply_unknown_sender", language, "Zoraida")
    assert "Zoraida" not in text
    for key in ("clinic_name", "clinic_phone", "emergency_number", "crisis_line"):
        assert context[key] in text, key


@pytest.mark.parametrize("language", LANGUAGES)
def test_stop_start_and_help_replies_say_how_to_opt_in_and_out(
    renderer: Renderer, protocol: Protocol, language: str
) -> None:
    context = reply_context(protocol, language)
    stop = render_reply(renderer, protocol, "reply_stop", language)
    assert context["clinic_name"] in stop and "START" in stop
    assert render_reply(renderer, protocol, "reply_help", language).endswith(context["reply_hint"])
    # START's answer is the opt-in confirmation carriers review (Twilio 30540).
    start = render_reply(renderer, protocol, "reply_start", language)
    assert "HELP" in start and "STOP" in start and context["clinic_name"] in start
    assert context["clinic_phone"] in render_reply(renderer, protocol, "reply_help", language)


def test_the_english_replies_read_as_written(renderer: Renderer, protocol: Protocol) -> None:
    assert render_reply(renderer, protocol, "reply_stop", "en") == (
        "Lakeside Infusion Clinic: you will get no more texts or emails from us. Reply START "
        "to get texts again. If you need someone to talk to, call or text 988, any time."
    )
    assert render_reply(renderer, protocol, "reply_received", "en").startswith(
        "Thank you, your care team will see your message."
    )
    assert render_reply(renderer, protocol, "reply_confirmed", "en", "") == (
        "Thank you for confirming. See you soon at Lakeside Infusion Clinic."
    )
    assert render_reply(renderer, protocol, "reply_crisis", "en").startswith(
        "Please call or text 988 (Suicide & Crisis Lifeline) now, "
        "or call our on-call line at (402) 555-0199."
    )


def test_no_reply_template_file_is_missing_from_the_other_language() -> None:
    def replies(language: str) -> set[str]:
        root = TEMPLATES_DIR / language
        return {str(p.relative_to(root)) for p in root.glob("reply_*/*.j2")}

    assert replies("en") == replies("es") == {f"{t}/sms.txt.j2" for t in REPLY_TEMPLATES}


def test_reply_templates_use_no_variable_outside_the_reply_context() -> None:
    used: set[str] = set()
    for path in Path(TEMPLATES_DIR).glob("*/reply_*/sms.txt.j2"):
        used.update(re.findall(r"{{\s*([a-z_]+)", path.read_text(encoding="utf-8")))
        used.update(re.findall(r"{%\s*if\s+([a-z_]+)", path.read_text(encoding="utf-8")))
    assert used <= REPLY_CONTEXT_KEYS
