from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from followup.core.errors import RenderError
from followup.messages.render import MAX_SMS_CHARS, Renderer, normalise_sms


def renderer_with(tmp_path: Path, files: dict[str, str]) -> Renderer:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Renderer(tmp_path)


def test_unknown_variable_is_an_error_with_file_and_line(tmp_path: Path) -> None:
    renderer = renderer_with(tmp_path, {"en/t/sms.txt.j2": "Hello\n{{ patient_frist_name }}\n"})
    with pytest.raises(
        RenderError, match=r"^en/t/sms.txt.j2:2: 'patient_frist_name' is undefined$"
    ):
        renderer.render("t", "en", "sms", {})


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    renderer = renderer_with(tmp_path, {"en/t/sms.txt.j2": "ok\n{% if x %}never closed\n"})
    with pytest.raises(RenderError, match=r"^en/t/sms.txt.j2:\d+: "):
        renderer.render("t", "en", "sms", {"x": True})


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("{% if first_name == 'Ana' %}{{ 1 // 0 }}{% endif %}", "ZeroDivisionError"),
        ("{{ first_name[40] }}", "?"),  # undefined in the sandbox, or IndexError
        ("{{ '%(x)s' % {} }}", "KeyError"),
    ],
)
def test_a_python_error_inside_a_template_is_a_render_error_naming_file_and_line(
    tmp_path: Path, body: str, error: str
) -> None:
    # One patient's data must fail that message, named, never crash the batch.
    renderer = renderer_with(tmp_path, {"en/t/sms.txt.j2": f"Hello\n{body}\n"})
    try:
        text = renderer.render("t", "en", "sms", {"first_name": "Ana"}).text
    except RenderError as exc:
        assert str(exc).startswith("en/t/sms.txt.j2:2: ")
        assert error == "?" or error in str(exc)
    else:
        assert error == "?" and text.startswith("Hello")


@pytest.mark.parametrize(
    "body", ["{{ ''.__class__.__mro__ }}", "{{ x|attr('__class__') }}", "{{ x.append(1) }}"]
)
def test_sandbox_refuses_python_internals_and_mutation(tmp_path: Path, body: str) -> None:
    renderer = renderer_with(tmp_path, {"en/t/sms.txt.j2": body})
    with pytest.raises(RenderError, match=r"unsafe|not safely callable|undefined"):
        renderer.render("t", "en", "sms", {"x": []})


def test_html_email_is_escaped_and_text_is_not(tmp_path: Path) -> None:
    renderer = renderer_with(
        tmp_path,
        {
            "en/t/email_subject.txt.j2": "Hi {{ n }}",
            "en/t/email_body.txt.j2": "Hi {{ n }}",
            "en/t/email_body.html.j2": "<p>Hi {{ n }}</p>",
        },
    )
    out = renderer.render("t", "en", "email", {"n": "<b>Bo & Co</b>"})
    assert out.html == "<p>Hi &lt;b&gt;Bo &amp; Co&lt;/b&gt;</p>"
    assert out.text == "Hi <b>Bo & Co</b>\n"


def test_missing_language_falls_back_to_english(tmp_path: Path) -> None:
    renderer = renderer_with(tmp_path, {"en/t/sms.txt.j2": "English"})
    assert renderer.render("t", "fr", "sms", {}).text == "English"


def test_output_over_the_sms_cap_is_refused(tmp_path: Path) -> None:
    renderer = renderer_with(tmp_path, {"en/t/sms.txt.j2": "{{ 'x' * n }}"})
    with pytest.raises(RenderError, match="over the limit"):
        renderer.render("t", "en", "sms", {"n": MAX_SMS_CHARS + 1})


def test_sms_normalising_keeps_text_gsm7() -> None:
    assert (
        normalise_sms("It\u2019s\xa0ok \u2014 see  you\n\n\n\nsoon\u2026")
        == "It's ok - see you\n\nsoon..."
    )


def test_a_service_renderer_sees_a_changed_or_new_file_within_its_check_interval(
    tmp_path: Path,
) -> None:
    renderer_with(tmp_path, {"en/t/sms.txt.j2": "old text"})
    renderer = Renderer(tmp_path, file_check_seconds=0.3)
    assert renderer.render("t", "es", "sms", {}).text == "old text"  # English fallback
    part = tmp_path / "en/t/sms.txt.j2"
    part.write_text("new text")
    later = part.stat().st_mtime + 10
    os.utime(part, (later, later))
    (tmp_path / "es/t").mkdir(parents=True)
    (tmp_path / "es/t/sms.txt.j2").write_text("texto nuevo")

    # Within the interval the files are not looked at again: no stat per message.
    assert renderer.render("t", "en", "sms", {}).text == "old text"
    assert renderer.render("t", "es", "sms", {}).text == "old text"
    time.sleep(0.35)
    assert renderer.render("t", "en", "sms", {}).text == "new text"
    assert renderer.render("t", "es", "sms", {}).text == "texto nuevo"


def test_a_renderer_without_a_check_interval_sees_a_changed_file_at_once(tmp_path: Path) -> None:
    renderer = renderer_with(tmp_path, {"en/t/sms.txt.j2": "old text"})
    assert renderer.render("t", "en", "sms", {}).text == "old text"
    part = tmp_path / "en/t/sms.txt.j2"
    part.write_text("new text")
    later = part.stat().st_mtime + 10
    os.utime(part, (later, later))
    assert renderer.render("t", "en", "sms", {}).text == "new text"


@pytest.mark.parametrize(
    "body",
    [
        "{{ 'x' * 100000000 }}",
        "{{ [1] * 100000000 }}",
        "{{ 10 ** 100000000 }}",
        "{{ '%999999999d' % 1 }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{% for i in range(100000) %}{{ 'y' * 100 }}{% endfor %}",
    ],
)
def test_a_template_cannot_make_a_render_take_unbounded_memory(tmp_path: Path, body: str) -> None:
    renderer = renderer_with(tmp_path, {"en/t/email_body.html.j2": "ok"})
    started = time.monotonic()
    with pytest.raises(RenderError, match=r"^en/t/email_body.html.j2:[\d?]+: "):
        renderer.render_candidate("t", "en", "email_body.html", body, {})
    assert time.monotonic() - started < 5


def test_an_edit_that_loops_without_end_is_stopped_and_refused(tmp_path: Path) -> None:
    renderer = renderer_with(tmp_path, {"en/t/sms.txt.j2": "ok"})
    nested = (
        "{% for i in range(100000) %}{% for j in range(100000) %}"
        "{% if i == j and i < 0 %}never{% endif %}{% endfor %}{% endfor %}ok"
    )
    started = time.monotonic()
    with pytest.raises(RenderError, match="still rendering after 1 s"):
        renderer.render_candidate("t", "en", "sms.txt", nested, {})
    assert time.monotonic() - started < 5
    # An ordinary edit renders as before, and the tracing is gone after.
    assert renderer.render_candidate("t", "en", "sms.txt", "Hello {{ n }}", {"n": 1}) == "Hello 1"
    assert sys.gettrace() is None
