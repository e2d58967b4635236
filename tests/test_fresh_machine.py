"""The README's test command on a fresh machine: the browser test skips with a reason naming
the package to install, except in CI (.ci/run sets CI=true), where it must run."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def report_tests():
    spec = importlib.util.spec_from_file_location("report_tests", ROOT / "tests" / "evaluate" / "test_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_browser_test_skips_locally_without_chromium(report_tests, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_tests.shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"install the 'chromium' package") as info:
        report_tests.chromium()
    assert "\n" not in str(info.value)


def test_browser_test_fails_in_ci_without_chromium(report_tests, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_tests.shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"needs Chromium: apt-get install chromium"):
        report_tests.chromium()


def test_ci_script_sets_ci() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\nexport CI=true\n" in script and script.index("export CI=true") < script.index("\npytest")
