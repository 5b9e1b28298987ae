"""The architecture the design card fixes: a pure library, Prefect only in flows/."""
import pkgutil
import re
import subprocess
import sys

import pipeline
from conftest import ROOT


def test_library_never_imports_prefect():
    modules = sorted(m.name for m in pkgutil.walk_packages(pipeline.__path__, "pipeline."))
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "print('prefect' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text("utf-8")
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    command = re.search(r"<!-- test-command -->\s*```sh\n(.+?)\n```", readme, re.S).group(1).strip()
    assert command in ci


def test_every_package_is_listed_for_a_non_editable_install():
    # setuptools installs only the packages pyproject lists: a subpackage left out imports in
    # an editable install (the source tree) and fails after `pip install .`.
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"])
    on_disk = {str(p.parent.relative_to(ROOT)).replace("/", ".")
               for top in ("pipeline", "flows") for p in (ROOT / top).rglob("__init__.py")}
    assert on_disk <= listed, sorted(on_disk - listed)
