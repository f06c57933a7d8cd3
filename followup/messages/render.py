"""Render message templates. The only Jinja2 environment in followup lives here.

Templates live at `<templates_dir>/<language>/<template>/<part>.j2` where part is one of
`sms.txt`, `email_subject.txt`, `email_body.txt`, `email_body.html`. A language folder
that lacks a template falls back to English.

Staff may edit a part on the web: the Renderer then takes an `overrides` callable that
returns the current `{loader_name: body}` (loader names like `en/reminder/sms.txt.j2`), and
an override replaces the file's text wherever that part is rendered or included.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jinja2
import jinja2.nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from followup.core.errors import RenderError

Channel = Literal["sms", "email"]
# Returns the current staff edits as {loader name: body}; called whenever a template is
# looked up, so it must be cheap when nothing changed (see messages.revisions).
Overrides = Callable[[], Mapping[str, str]]
FALLBACK_LANGUAGE = "en"
# Twilio refuses bodies over 1600 characters; an email past this is a template bug.
MAX_SMS_CHARS = 1600
MAX_EMAIL_CHARS = 20_000
# How long a running service trusts what it last saw of the template files. Each render
# would otherwise stat the files, and in a busy worker every such call waits for the GIL.
FILE_CHECK_SECONDS = 2.0

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


class _Files(jinja2.FileSystemLoader):
    """The template folder; a compiled template is checked against its file at most every
    `check_seconds` (0: on every lookup, as Jinja2 does)."""

    def __init__(self, path: Path, check_seconds: float) -> None:
        super().__init__(str(path))
        self.check_seconds = check_seconds

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if not self.check_seconds:
            return source, filename, uptodate
        checked = [time.monotonic(), True]  # (when, answer); False makes Jinja2 reload

        def recently_uptodate() -> bool:
            if time.monotonic() - checked[0] >= self.check_seconds:
                checked[:] = [time.monotonic(), uptodate()]
            return bool(checked[1])

        return source, filename, recently_uptodate


class OverridingLoader(jinja2.BaseLoader):
    """The template files, with staff edits from `overrides` taking precedence.

    Jinja2 keeps compiled templates and asks `uptodate` before reusing one, so an edit (or
    a reset back to the file) takes effect on the next render without a restart, while a
    template nobody touched stays compiled.
    """

    def __init__(self, files: jinja2.FileSystemLoader, overrides: Overrides) -> None:
        self.files = files
        self.overrides = overrides

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        body = self.overrides().get(template)
        if body is not None:
            # The loader name as the filename: errors then name the part, and the
            # renderer finds the failing line by it, as it does for files.
            return body, template, lambda: self.overrides().get(template) == body
        source, filename, file_uptodate = self.files.get_source(environment, template)

        def uptodate() -> bool:
            if template in self.overrides():
                return False
            return file_uptodate() if file_uptodate is not None else True

        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        return sorted(set(self.files.list_templates()) | set(self.overrides()))


# Bounds on what one render may take, so that no template (a clinician's edit, a typo, a
# loop in a loop) can make a process use unbounded memory or CPU.
MAX_RENDER_CHARS = 200_000  # any part, before shaping; SMS and email caps are lower still
MAX_POWER = 64  # x ** n
# A width or precision in a format ("%999999999d", "{:>999999999}") allocates that much.
_BIG_FORMAT = re.compile(r"%[-+ #0]*\d{5,}|%[-+ #0]*\d*\.\d{5,}|\{[^{}]*:[^{}]*\d{5,}[^{}]*\}")
# An unsaved edit (preview, save) must render within this, or it is refused as too slow.
CANDIDATE_SECONDS = 1.0


class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, refusing the operations that allocate or compute without bound."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > MAX_POWER:
            raise SecurityError(f"a power over {MAX_POWER} is refused")
        if operator == "*":
            sized, times = (left, right) if isinstance(right, int) else (right, left)
            if (
                isinstance(sized, str | list | tuple)
                and isinstance(times, int)
                and len(sized) * times > MAX_RENDER_CHARS
            ):
                raise SecurityError(f"repeating to over {MAX_RENDER_CHARS} items is refused")
        if operator == "%" and isinstance(left, str) and _BIG_FORMAT.search(left):
            raise SecurityError("a format width over 9999 is refused")
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        # "{:>999999999}".format(1): the sandbox wraps str.format; the width is judged first.
        owner = getattr(value, "__self__", None)
        if isinstance(owner, str) and _BIG_FORMAT.search(owner):
            raise SecurityError("a format width over 9999 is refused")
        return super().wrap_str_format(value)


class _CandidateLoader(jinja2.BaseLoader):
    """Another loader, with one name answered by unsaved text: the text as if saved."""

    def __init__(self, inner: jinja2.BaseLoader, name: str, body: str) -> None:
        self.inner, self.name, self.body = inner, name, body

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if template == self.name:
            return self.body, self.name, lambda: False
        return self.inner.get_source(environment, template)


class Renderer:
    """Renders templates from one folder with a sandboxed, strict Jinja2 environment.

    With `overrides`, staff edits replace the files' text (see OverridingLoader); without,
    the files are all there is (simulations, tests). A running service passes
    `file_check_seconds` (FILE_CHECK_SECONDS): a changed file is then seen within that time.
    """

    def __init__(
        self,
        templates_dir: Path,
        overrides: Overrides | None = None,
        file_check_seconds: float = 0.0,
    ) -> None:
        self.templates_dir = templates_dir
        self.files = _Files(templates_dir, file_check_seconds)
        self.overrides = overrides
        self._paths: dict[tuple[str, str, str], tuple[float, str | None]] = {}
        self.env = _Sandbox(
            loader=self.files if overrides is None else OverridingLoader(self.files, overrides),
            undefined=jinja2.StrictUndefined,
            autoescape=_autoescape,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def template_path(self, template: str, language: str, part: str) -> str:
        """Return the loader name of a part, falling back to English when missing."""
        key = (template, language, part)
        now = time.monotonic()
        seen = self._paths.get(key)
        if seen is not None and now - seen[0] < self.files.check_seconds:
            name = seen[1]
        else:
            name = self._find(template, language, part)
            self._paths[key] = (now, name)
        if name is None:
            raise RenderError(f"no template {template}/{part} for language {language!r} or English")
        return name

    def _find(self, template: str, language: str, part: str) -> str | None:
        for lang in (language, FALLBACK_LANGUAGE):
            name = f"{lang}/{template}/{part}.j2"
            if (self.templates_dir / name).is_file():
                return name
        return None

    def overridden(self, name: str) -> bool:
        """Whether a staff edit, not the file, is what `name` renders from now."""
        return self.overrides is not None and self.overrides().get(name) is not None

    def file_source(self, name: str) -> str:
        """The file's text for a loader name, whatever staff edits say (the "file default")."""
        return self.files.get_source(self.env, name)[0]

    def render_part(self, template: str, language: str, part: str, context: dict[str, Any]) -> str:
        """Render one part, turning every Jinja2 failure into a RenderError naming file and line."""
        name = self.template_path(template, language, part)
        return _render(self.env, name, context)

    def render_candidate(
        self, template: str, language: str, part: str, body: str, context: dict[str, Any]
    ) -> str:
        """Render unsaved text for a part as it would go out, without storing or caching it.

        The text is compiled under the part's loader name, so it gets the same sandbox,
        autoescaping (by name) and `name:line: reason` errors as the saved part, and the
        same per-channel shaping and length limits as `render`.
        """
        name = f"{language}/{template}/{part}.j2"
        assert self.env.loader is not None
        # An overlay without a cache: the text is seen wherever the part is included or
        # extended (itself included), and nothing unsaved lingers in the shared cache.
        env = self.env.overlay(loader=_CandidateLoader(self.env.loader, name, body), cache_size=0)
        _refuse_self_reference(env, name, body)
        return _shape(template, part, _render(env, name, context, CANDIDATE_SECONDS))

    def render(
        self, template: str, language: str, channel: Channel, context: dict[str, Any]
    ) -> Rendered:
        """Render every part a channel needs; the result is complete or an error is raised."""
        if channel == "sms":
            raw = self.render_part(template, language, "sms.txt", context)
            return Rendered(text=_shape(template, "sms.txt", raw))
        subject, text, html = (
            _shape(template, part, self.render_part(template, language, part, context))
            for part in ("email_subject.txt", "email_body.txt", "email_body.html")
        )
        return Rendered(text=text, subject=subject, html=html)


def _render(
    env: jinja2.Environment, name: str, context: dict[str, Any], seconds: float | None = None
) -> str:
    """Render a template, turning every failure of the template into `name:line: reason`.

    The output is built piece by piece and refused past MAX_RENDER_CHARS; with `seconds`
    (unsaved edits), a render still running then is stopped and refused.
    """
    try:
        with _deadline(seconds):
            pieces: list[str] = []
            size = 0
            for piece in env.get_template(name).generate(context):
                size += len(piece)
                if size > MAX_RENDER_CHARS:
                    raise SecurityError(f"the output passed {MAX_RENDER_CHARS} characters")
                pieces.append(piece)
            return "".join(pieces)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{exc.name or name}:{exc.lineno}: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise RenderError(f"{name}:{_error_line(exc, name)}: {exc}") from None
    except RecursionError:
        # A template that includes itself: a template error like any other, so the message
        # fails once instead of the send crashing again on every retry.
        raise RenderError(
            f"{name}:?: templates nest too deeply (does it include itself?)"
        ) from None
    except _TooSlow:
        raise RenderTimeout(f"{name}:?: still rendering after {seconds:g} s; refused") from None
    except Exception as exc:
        # Python's own errors inside a template ({{ 1 // 0 }} under a condition one patient
        # meets, an index out of range): that message fails, named, and no other.
        line = _error_line(exc, name)
        raise RenderError(f"{name}:{line}: {type(exc).__name__}: {exc}") from None


def _refuse_self_reference(env: jinja2.Environment, name: str, body: str) -> None:
    """Refuse text that includes, extends or imports its own part: found in the text, not
    by rendering until Python's recursion limit (slow, and slower still under a deadline)."""
    try:
        tree = env.parse(body, name)
    except jinja2.TemplateSyntaxError:
        return  # rendering says where, with its line
    kinds = (
        jinja2.nodes.Include,
        jinja2.nodes.Extends,
        jinja2.nodes.Import,
        jinja2.nodes.FromImport,
    )
    for node in tree.find_all(kinds):
        target = getattr(node, "template", None)
        if isinstance(target, jinja2.nodes.Const) and target.value == name:
            raise RenderError(
                f"{name}:{node.lineno}: templates nest too deeply (does it include itself?)"
            )


class _TooSlow(Exception):
    """A template still rendering at its deadline."""


class RenderTimeout(RenderError):
    """An unsaved edit still rendering at its deadline: one is enough to refuse it."""


@contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Stop template code (not the rest of Python) still running after `seconds`: a trace
    function looks at the clock as the template's own lines run, loops included."""
    if seconds is None:
        yield
        return
    stop_at = time.monotonic() + seconds
    steps = 0

    def lines(frame: Any, event: str, _arg: Any) -> Any:
        nonlocal steps
        steps += 1
        if steps % 256 == 0 and time.monotonic() > stop_at:
            raise _TooSlow
        return lines

    def calls(frame: Any, event: str, _arg: Any) -> Any:
        # Only frames of compiled templates are followed line by line.
        return lines if frame.f_code.co_filename.endswith(".j2") else None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        yield
    finally:
        sys.settrace(previous)


# What `_shape` calls each part in its errors; check.py maps these words back to the part.
_PART_WORDS = {
    "sms.txt": "SMS",
    "email_subject.txt": "email subject",
    "email_body.txt": "email text",
    "email_body.html": "email html",
}


def _shape(template: str, part: str, raw: str) -> str:
    """Turn a rendered part into what is sent, refusing one that is empty or too long."""
    if part == "sms.txt":
        text, limit = normalise_sms(raw), MAX_SMS_CHARS
    elif part == "email_subject.txt":
        text, limit = " ".join(raw.split()), MAX_EMAIL_CHARS
    elif part == "email_body.txt":
        text, limit = raw.strip() + "\n", MAX_EMAIL_CHARS
    elif part == "email_body.html":
        text, limit = raw, MAX_EMAIL_CHARS
    else:
        raise RenderError(f"{template}: no such part {part!r}")
    _check_length(text, limit, f"{template} {_PART_WORDS[part]}")
    return text


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
