"""Session fixture: the readiness test app (cdk_app.py), synthesized once; CDK is imported only when it is used."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from library_tests.readiness.cdk_app import Synthesized


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    from library_tests.readiness.cdk_app import synthesize_session_app

    return synthesize_session_app(tmp_path_factory.mktemp("readiness") / "cdk.out")
