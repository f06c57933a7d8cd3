"""`followup templates check`: every broken template the protocol uses is named by file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from followup.messages.check import SEGMENT_LIMIT, check_candidate, check_templates
from followup.messages.render import Renderer
from followup.protocol import Protocol
from tests.conftest import ROOT

SHIPPED = ROOT / "templates"


@pytest.fixture
def templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped templates, named relative to the working directory as a user would."""
    shutil.copytree(SHIPPED, tmp_path / "templates")
    monkeypatch.chdir(tmp_path)
    return Path("templates")


def write(templates: Path, name: str, text: str) -> None:
    path = templates / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_shipped_templates_and_protocol_check_clean(protocol: Protocol) -> None:
    assert check_templates(SHIPPED, protocol) == []


def test_a_misspelt_variable_is_one_problem_naming_file_line_and_variable(
    templates: Path, protocol: Protocol
) -> None:
    write(
        templates,
        "en/reminder/sms.txt.j2",
        "{{ clinic_name }}: your appointment is today.\nSee you soon, {{ patient_frist_name }}.\n",
    )
    assert check_templates(templates, protocol) == [
        "templates/en/reminder/sms.txt.j2:2: 'patient_frist_name' is undefined"
    ]


def test_an_unclosed_if_is_a_syntax_problem_with_file_and_line(
    templates: Path, protocol: Protocol
) -> None:
    write(templates, "en/reminder/sms.txt.j2", "Hello\n{% if next_appointment_date %}\nsoon\n")
    [problem] = check_templates(templates, protocol)
    assert problem.startswith("templates/en/reminder/sms.txt.j2:")
    line = problem.split(":")[1]
    assert line.isdigit() and int(line) >= 2
    assert "endif" in problem


def test_reaching_for_python_internals_is_a_sandbox_problem_naming_the_file(
    templates: Path, protocol: Protocol
) -> None:
    write(templates, "es/checkin/sms.txt.j2", "Hola {{ ''.__class__ }}\n")
    [problem] = check_templates(templates, protocol)
    assert problem.startswith("templates/es/checkin/sms.txt.j2:1: ")
    assert "unsafe" in problem


def test_a_deleted_english_sms_is_missing_for_the_step_that_sends_it(
    templates: Path, protocol: Protocol
) -> None:
    (templates / "en/reminder/sms.txt.j2").unlink()
    assert check_templates(templates, protocol) == [
        "templates/en/reminder/sms.txt.j2: missing (step 'reminder' sends sms)"
    ]


def test_a_deleted_english_email_part_is_missing_for_the_step_that_sends_it(
    templates: Path, protocol: Protocol
) -> None:
    (templates / "en/preparation/email_body.html.j2").unlink()
    assert check_templates(templates, protocol) == [
        "templates/en/preparation/email_body.html.j2: missing (step 'preparation' sends email)"
    ]


def test_a_language_lacking_a_template_falls_back_to_english_without_a_problem(
    templates: Path, protocol: Protocol
) -> None:
    shutil.rmtree(templates / "es/discharge")
    assert check_templates(templates, protocol) == []


def test_an_sms_of_eleven_segments_is_a_problem_naming_what_forced_ucs2(
    templates: Path, protocol: Protocol
) -> None:
    # "Lakeside Infusion Clinic: " is 26 code units; 726 in UCS-2 is 11 segments of 67.
    write(templates, "es/reminder/sms.txt.j2", "{{ clinic_name }}: " + "á" * 700)
    assert check_templates(templates, protocol) == [
        "templates/es/reminder/sms.txt.j2: renders to 11 segments (UCS-2 because of 'á'); "
        f"keep SMS to {SEGMENT_LIMIT} or fewer"
    ]


def test_an_sms_of_ten_segments_is_within_the_limit(templates: Path, protocol: Protocol) -> None:
    # 26 + 1504 = 1530 septets: exactly ten segments of 153.
    write(templates, "en/reminder/sms.txt.j2", "{{ clinic_name }}: " + "x" * 1504)
    assert check_templates(templates, protocol) == []


def test_errors_in_two_parts_of_one_email_are_both_reported(
    templates: Path, protocol: Protocol
) -> None:
    write(templates, "en/preparation/email_subject.txt.j2", "{{ subjcet }}")
    write(templates, "en/preparation/email_body.txt.j2", "Hi\n\n{{ bodee }}")
    assert check_templates(templates, protocol) == [
        "templates/en/preparation/email_body.txt.j2:3: 'bodee' is undefined",
        "templates/en/preparation/email_subject.txt.j2:1: 'subjcet' is undefined",
    ]


def test_an_error_in_a_checkin_variant_only_one_treatment_sends_is_found(
    templates: Path, protocol: Protocol
) -> None:
    # Only the pain protocol checks in on day 14.
    write(
        templates,
        "en/checkin/sms.txt.j2",
        "Hi {{ patient_first_name }}\n{% if days_since_infusion == 14 %}{{ two_weeks }}{% endif %}",
    )
    assert check_templates(templates, protocol) == [
        "templates/en/checkin/sms.txt.j2:2: 'two_weeks' is undefined"
    ]


def test_template_files_no_step_uses_are_not_checked(templates: Path, protocol: Protocol) -> None:
    write(templates, "en/unused/sms.txt.j2", "{% if %}")
    write(templates, "_drafts/reminder/sms.txt.j2", "{{ nope }}")
    assert check_templates(templates, protocol) == []


def test_problems_name_the_templates_folder_as_it_was_given(
    tmp_path: Path, protocol: Protocol
) -> None:
    absolute = tmp_path / "elsewhere"
    shutil.copytree(SHIPPED, absolute)
    (absolute / "en/reminder/sms.txt.j2").unlink()
    assert check_templates(absolute, protocol) == [
        f"{absolute}/en/reminder/sms.txt.j2: missing (step 'reminder' sends sms)"
    ]


@pytest.mark.parametrize(
    "trap",
    [
        "{% if patient_first_name|length > 20 %}{{ 1 // 0 }}{% endif %}",  # a long name
        "{% if not patient_first_name %}{{ [][1] }}{% endif %}",  # no name on file
        "{% if fasting_hours != 6 %}{{ {}['x'] }}{% endif %}",  # another treatment
        "{% if next_appointment_date is none %}{{ 1 // 0 }}{% endif %}",  # none booked
    ],
)
def test_an_edit_that_fails_for_some_patient_is_refused_before_it_is_saved(
    protocol: Protocol, trap: str
) -> None:
    renderer = Renderer(ROOT / "templates")
    body = (ROOT / "templates" / "en" / "preparation" / "sms.txt.j2").read_text() + trap
    problems = check_candidate(renderer, protocol, "preparation", "en", "sms.txt", body)
    assert problems and all(p.startswith("en/preparation/sms.txt.j2:") for p in problems)
    clean = check_candidate(
        renderer, protocol, "preparation", "en", "sms.txt", body.replace(trap, "")
    )
    assert clean == []
