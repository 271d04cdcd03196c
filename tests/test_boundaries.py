"""The app boundaries are contracts (`[tool.importlinter]` in pyproject.toml) that CI checks
with `lint-imports`. These tests run them on the code as it is, and on a copy of it with one
forbidden import added, to show that each kind of contract fails when broken."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_code_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def copy(tmp_path):
    """The two root packages and the contracts, in a place where a test may break them."""
    ignore = shutil.ignore_patterns("__pycache__", "migrations", "templates", "static")
    for package in ("k0", "schools"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    "module,line,contract",
    [
        ("schools/bad.py", "import k0.cases.models", "schools imports no K-0 app"),
        ("k0/cases/bad.py", "from k0.reminders import invitations", "cases imports neither"),
        ("k0/cases/bad.py", "import k0.indicators.definitions", "cases imports neither"),
        ("k0/indicators/suppression.py", "import django.db", "suppression"),
        ("k0/documents/bad.py", "from k0.cases.views import build_timeline", "views of cases"),
        ("k0/reminders/bad.py", "from k0.cases import oversight", "views of cases"),
        ("k0/bench/bad.py", "from k0.indicators import views", "views of indicators"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(copy, module, line, contract):
    target = copy / module
    before = target.read_text() if target.exists() else ""
    target.write_text(f"{before}\n{line}\n")
    result = lint_imports(copy)
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if row.endswith("BROKEN")]
    assert len(broken) == 1 and contract in broken[0], result.stdout
