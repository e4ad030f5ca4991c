"""Ship the library's reference and changelog inside the package (``agentcore_constructs/REFERENCE.md`` and
``CHANGELOG.md`` in the wheel), next to the code they describe; everything else is in pyproject.toml.

The two files live at the project root (``make reference`` renders REFERENCE.md there; the sdist carries them through
MANIFEST.in), and package data can only name files inside the package, so the build copies them in.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: Project-root documents copied into the built package.
PACKAGED_DOCUMENTS = ("REFERENCE.md", "CHANGELOG.md")


class BuildPyWithDocuments(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the sources in place
        root = Path(__file__).resolve().parent
        for name in PACKAGED_DOCUMENTS:
            self.copy_file(str(root / name), str(Path(self.build_lib) / "agentcore_constructs" / name))


setup(cmdclass={"build_py": BuildPyWithDocuments})
