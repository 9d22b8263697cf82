"""The package as users get it: an sdist that carries its whole test suite, a wheel built from
that sdist that installs in a fresh venv and runs the demo from an empty directory, and
metadata with an SPDX license and the one version."""
from __future__ import annotations

import email
import pathlib
import subprocess
import sys
import tarfile
import venv
import zipfile

import pytest

import dualgrad

ROOT = pathlib.Path(__file__).resolve().parents[1]
# These tests build the sdist from the git checkout; inside an unpacked sdist (no .git) there
# is nothing of the kind to build from, and the sdist's own contents are what they checked.
# (the `git_checkout` fixture, tests/conftest.py, deselects them there rather than skipping)
pytestmark = pytest.mark.usefixtures("git_checkout")


def _run(*args: str | pathlib.Path, cwd: pathlib.Path, env: dict | None = None) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                            timeout=600, env=env)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _tracked(*folders: str) -> set[str]:
    out = _run("git", "ls-files", *folders, cwd=ROOT)
    return {line for line in out.splitlines() if line}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, pathlib.Path]:
    """Build the sdist with the project's declared build backend, then the wheel from it."""
    work = tmp_path_factory.mktemp("build")
    backend = work / "backend"
    _run(sys.executable, "-m", "pip", "install", "-q", "--target", backend, "setuptools>=77", cwd=work)
    dist = work / "dist"
    dist.mkdir()
    build_sdist = ("import sys; from setuptools import build_meta as b; "
                   "print(b.build_sdist(sys.argv[1]))")
    name = _run(sys.executable, "-c", build_sdist, dist, cwd=ROOT,
                env={"PYTHONPATH": str(backend), "PATH": "/usr/bin:/bin"}).split()[-1]
    sdist = dist / name
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, sdist, cwd=work)
    (wheel,) = dist.glob("*.whl")
    return {"sdist": sdist, "wheel": wheel, "work": work}


def test_sdist_carries_every_test_doc_and_example(built):
    with tarfile.open(built["sdist"]) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    missing = {path for path in _tracked("tests", "docs", "examples", "benchmarks") if path not in names}
    assert not missing, f"the sdist lacks {sorted(missing)[:10]}"
    wanted = {"LICENSE", "README.md", "CHANGELOG.md", "CONTRIBUTING.md", "pyproject.toml", "mkdocs.yml"}
    assert wanted <= names


def test_wheel_metadata_has_spdx_license_and_the_one_version(built):
    with zipfile.ZipFile(built["wheel"]) as whl:
        meta_name = next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(whl.read(meta_name))
        assert any(n.endswith("licenses/LICENSE") for n in whl.namelist())
    assert meta["License-Expression"] == "MIT"
    assert meta["Version"] == dualgrad.__version__
    project = (ROOT / "pyproject.toml").read_text().split("[project]")[1].split("\n[")[0]
    assert "\nversion =" not in project and 'dynamic = ["version"]' in project


def test_wheel_ships_the_types(built):
    """PEP 561: py.typed and the declarations of Tensor's attached methods (tests/test_typing.py)."""
    with zipfile.ZipFile(built["wheel"]) as whl:
        assert {"dualgrad/py.typed", "dualgrad/eager/declared.pyi"} <= set(whl.namelist())


def test_wheel_installs_in_a_fresh_venv_and_runs_the_demo_from_an_empty_directory(built):
    env_dir = built["work"] / "venv"
    # the venv sees the already-installed dependencies (numpy, jax, sympy), not this checkout
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    _run(python, "-m", "pip", "install", "-q", "--no-deps", built["wheel"], cwd=built["work"])
    empty = built["work"] / "empty"
    empty.mkdir()
    where = _run(python, "-c", "import dualgrad; print(dualgrad.__file__)", cwd=empty)
    assert where.strip().startswith(str(env_dir)), where
    out = _run(python, "-m", "dualgrad", "demo", cwd=empty)
    assert "symbolic.check(loss): ok" in out
    assert list(empty.iterdir()) == []
