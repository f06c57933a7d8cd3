"""Where `followup` looks for the project's files: inside a subfolder of the project it
finds them as git finds its repository; elsewhere it names the folder and the setting."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.integration.test_cli import run_followup


@pytest.fixture
def env() -> dict[str, str]:
    """No FOLLOWUP_* setting at all: every path is the default."""
    return {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's config and templates, with a subfolder two deep."""
    root = tmp_path / "clinic"
    shutil.copytree(ROOT / "config", root / "config")
    shutil.copytree(ROOT / "templates", root / "templates")
    (root / "docs" / "notes").mkdir(parents=True)
    return root


def test_a_subfolder_of_the_project_uses_the_projects_files(
    env: dict[str, str], project: Path
) -> None:
    inside = project / "docs" / "notes"
    checked = run_followup(env, inside, "templates", "check", check=True)
    assert f"templates in {project / 'templates'} render cleanly" in checked.stdout
    run_followup(env, inside, "db", "upgrade", check=True)
    assert (project / "followup.db").is_file() and not (inside / "followup.db").exists()


def test_a_subfolder_reads_the_projects_env_file(env: dict[str, str], project: Path) -> None:
    (project / ".env").write_text(f"FOLLOWUP_DATABASE_URL=sqlite:///{project / 'clinic.db'}\n")
    run_followup(env, project / "docs", "db", "upgrade", check=True)
    assert (project / "clinic.db").is_file() and not (project / "followup.db").exists()


def test_a_setting_given_is_used_as_given_inside_the_project(
    env: dict[str, str], project: Path
) -> None:
    env["FOLLOWUP_TEMPLATES_DIR"] = "my-templates"  # relative to where it runs, as ever
    result = run_followup(env, project / "docs", "templates", "check")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: my-templates: no templates folder in {project / 'docs'}; set "
        "FOLLOWUP_TEMPLATES_DIR to its path, or run followup inside the project's folder"
    )


def test_outside_any_project_the_error_names_the_folder_and_the_setting(
    env: dict[str, str], tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_followup(env, elsewhere, "templates", "check")
    assert result.returncode == 2
    assert str(elsewhere) in result.stderr and "or any folder above it" in result.stderr
    assert "FOLLOWUP_PROTOCOL_FILE" in result.stderr
    env["FOLLOWUP_PROTOCOL_FILE"] = str(ROOT / "config" / "protocol.toml")
    result = run_followup(env, elsewhere, "templates", "check")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: templates: no templates folder in {elsewhere}; set FOLLOWUP_TEMPLATES_DIR "
        "to its path, or run followup inside the project's folder"
    )
