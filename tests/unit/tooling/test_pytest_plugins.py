"""Both suites name their pytest plugins instead of autoloading every installed one: an autoloaded plugin's whole
distribution is marked for assertion rewriting, so hypothesis and langsmith (a langchain dependency with a plugin the
suites never use) were rewritten from source in every pytest process and xdist worker."""

from __future__ import annotations

import shlex
import tomllib

import pytest

from tests.support import REPO_ROOT

#: Packages of plugin distributions that are libraries here: none of their modules may be rewritten (a plugin named
#: with -p has its own module rewritten, e.g. ``_hypothesis_pytestplugin``, ``xdist``, ``syrupy``: that is small).
LIBRARIES = {"hypothesis", "langsmith", "anyio", "typeguard"}


def test_no_plugin_library_is_rewritten_and_the_unused_plugins_are_not_loaded(request: pytest.FixtureRequest) -> None:
    plugins = request.config.pluginmanager
    marked = {name.split(".")[0] for name in plugins.rewrite_hook._must_rewrite}  # type: ignore[attr-defined]
    assert marked & LIBRARIES == set()
    assert not plugins.has_plugin("langsmith_plugin")
    for needed in ("xdist", "syrupy", "hypothesispytest"):
        assert plugins.has_plugin(needed), needed


@pytest.mark.parametrize("pyproject", ["pyproject.toml", "constructs/pyproject.toml"])
def test_each_suite_disables_autoload_and_names_xdist_and_hypothesis(pyproject: str) -> None:
    options = tomllib.loads((REPO_ROOT / pyproject).read_text())["tool"]["pytest"]["ini_options"]
    addopts = shlex.split(options["addopts"])
    assert "--disable-plugin-autoload" in addopts
    named = {addopts[i + 1] for i, option in enumerate(addopts) if option == "-p"}
    assert {"xdist", "hypothesispytest"} <= named
