"""Render message templates. The only Jinja2 environment in followup lives here.

Templates live at `<templates_dir>/<language>/<template>/<part>.j2` where part is one of
`sms.txt`, `email_subject.txt`, `email_body.txt`, `email_body.html`. A language folder
that lacks a template falls back to English.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from followup.errors import RenderError

Channel = Literal["sms", "email"]
FALLBACK_LANGUAGE = "en"
# Twilio refuses bodies over 1600 characters; an email past this is a template bug.
MAX_SMS_CHARS = 1600
MAX_EMAIL_CHARS = 20_000

# Characters that editors and word processors slip in. Left alone, any one of them turns
# the whole SMS into UCS-2: 70 characters a segment instead of 160, so it costs double.
_SMS_REPLACEMENTS = str.maketrans(
    {
        "\xa0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered message: `text` is the SMS or the email's plain part."""

    text: str
    subject: str | None = None
    html: str | None = None


def normalise_sms(text: str) -> str:
    """Collapse template whitespace and replace look-alike characters that force UCS-2."""
    lines = [" ".join(line.split()) for line in text.translate(_SMS_REPLACEMENTS).splitlines()]
    # Keep single blank lines as paragraph breaks, drop runs of them.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _autoescape(name: str | None) -> bool:
    # select_autoescape() only looks at the last suffix, so "x.html.j2" would not be escaped.
    return bool(name and name.endswith((".html.j2", ".html")))


class Renderer:
    """Renders templates from one folder with a sandboxed, strict Jinja2 environment."""

    def __init__(self, templates_dir: Path) -> None:
        self.templates_dir = templates_dir
        self.env = ImmutableSandboxedEnvironment(
            loader=jinja2.FileSystemLoader(str(templates_dir)),
            undefined=jinja2.StrictUndefined,
            autoescape=_autoescape,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def template_path(self, template: str, language: str, part: str) -> str:
        """Return the loader name of a part, falling back to English when missing."""
        for lang in (language, FALLBACK_LANGUAGE):
            name = f"{lang}/{template}/{part}.j2"
            if (self.templates_dir / name).is_file():
                return name
        raise RenderError(f"no template {template}/{part} for language {language!r} or English")

    def render_part(self, template: str, language: str, part: str, context: dict[str, Any]) -> str:
        """Render one part, turning every Jinja2 failure into a RenderError naming file and line."""
        name = self.template_path(template, language, part)
        try:
            return self.env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise RenderError(f"{exc.name or name}:{exc.lineno}: {exc.message}") from None
        except jinja2.TemplateError as exc:
            raise RenderError(f"{name}:{_error_line(exc, name)}: {exc}") from None

    def render(
        self, template: str, language: str, channel: Channel, context: dict[str, Any]
    ) -> Rendered:
        """Render every part a channel needs; the result is complete or an error is raised."""
        if channel == "sms":
            text = normalise_sms(self.render_part(template, language, "sms.txt", context))
            _check_length(text, MAX_SMS_CHARS, f"{template} SMS")
            return Rendered(text=text)
        subject = " ".join(
            self.render_part(template, language, "email_subject.txt", context).split()
        )
        text = self.render_part(template, language, "email_body.txt", context).strip() + "\n"
        html = self.render_part(template, language, "email_body.html", context)
        for part, value in (("subject", subject), ("text", text), ("html", html)):
            _check_length(value, MAX_EMAIL_CHARS, f"{template} email {part}")
        if not subject:
            raise RenderError(f"{template}: the email subject rendered empty")
        return Rendered(text=text, subject=subject, html=html)


def _check_length(value: str, limit: int, what: str) -> None:
    if len(value) > limit:
        raise RenderError(f"{what} is {len(value)} characters, over the limit of {limit}")
    if not value.strip():
        raise RenderError(f"{what} rendered empty")


def _error_line(exc: BaseException, name: str) -> int | str:
    """Find the template line of a runtime error from the traceback Jinja2 rewrites."""
    tb = exc.__traceback__
    line: int | str = "?"
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
