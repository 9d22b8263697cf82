"""The suite runs in jax's default 32-bit mode, as dualgrad's users do (tests/conftest.py):
a test module that turns `jax_enable_x64` on for the whole process, at import or in a test,
fails by name and the tests after it still run in the default; the `jax_float64` fixture
gives a module 64-bit jax for its oracles without touching the process's setting."""
from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import textwrap

import jax
import jax.numpy as jnp

CONFTEST = pathlib.Path(__file__).with_name("conftest.py")

MODULES = {
    "test_a_switch_at_import.py": """
        import jax
        jax.config.update("jax_enable_x64", True)

        def test_never_run():
            pass
    """,
    "test_b_switch_in_a_test.py": """
        import jax

        def test_switches():
            jax.config.update("jax_enable_x64", True)

        def test_after_it_runs_in_the_default():
            assert not jax.config.jax_enable_x64
    """,
    "test_c_scoped.py": """
        import jax
        import jax.numpy as jnp
        import pytest

        pytestmark = pytest.mark.usefixtures("jax_float64")

        def test_float64_oracle_without_the_global_switch():
            assert jnp.zeros(2).dtype == jnp.float64
            assert not jax.enable_x64.get_global()
    """,
}


def test_a_process_wide_switch_fails_its_module_by_name(tmp_path):
    shutil.copy(CONFTEST, tmp_path / "conftest.py")
    shutil.copy(CONFTEST.with_name("xla_flags.py"), tmp_path / "xla_flags.py")  # (conftest imports it)
    for name, source in MODULES.items():
        (tmp_path / name).write_text(textwrap.dedent(source))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rfE",
                           "--continue-on-collection-errors", "-p", "no:xdist", str(tmp_path)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    out = proc.stdout
    assert proc.returncode == 1, out[-3000:]
    assert "test_a_switch_at_import.py (at import) turned jax_enable_x64 on for the whole " \
           "process" in out, out[-3000:]
    assert "test_b_switch_in_a_test.py::test_switches turned jax_enable_x64 on" in out, out[-3000:]
    assert "3 passed, 2 errors" in out, out[-3000:]


def test_this_process_is_in_jax_default_mode():
    assert not jax.enable_x64.get_global()
    assert jnp.zeros(2).dtype == jnp.float32
