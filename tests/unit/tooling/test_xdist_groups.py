"""The suite shares expensive session fixtures (the app's synth, the outside-team example) by pinning their tests to
one xdist worker with ``xdist_group``. pytest 9.2 silently broke that (pytest-dev/pytest-xdist#1386): this test fails
when groups stop taking effect, instead of the suite quietly doing the work twice."""

import pytest

pytestmark = pytest.mark.xdist_group("group_guard")


def test_xdist_groups_take_effect(request: pytest.FixtureRequest) -> None:
    if not getattr(request.config.option, "loadgroup", False):  # set on xdist workers for --dist loadgroup
        pytest.skip("not distributed with --dist loadgroup")
    # xdist marks a grouped test by suffixing its node id with the group; the scheduler reads that suffix.
    assert request.node.nodeid.endswith("@group_guard"), request.node.nodeid
