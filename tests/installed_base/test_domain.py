"""Pure rules of the installed base: serials, the materialised-path tree and effective-dated values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tournevis.core.errors import Conflict, InvalidInput
from tournevis.installed_base import domain


@pytest.mark.parametrize(
    ("raw", "expected"), [(" gfs 220-0001 ", "GFS220-0001"), ("ab/12.x_3", "AB/12.X_3"), ("", "")]
)
def test_serials_are_compared_upper_case_without_spaces(raw, expected):
    assert domain.clean_serial(raw) == expected


@pytest.mark.parametrize("raw", ["-LEADING", "ÉTÉ", "A" * 65, "a;b"])
def test_malformed_serials_are_refused(raw):
    with pytest.raises(InvalidInput) as error:
        domain.clean_serial(raw)
    assert error.value.field == "serial_number"


def test_paths_and_depths():
    root = domain.node_path(None, 12)
    child = domain.node_path(root, 57)
    assert (root, child) == ("/12/", "/12/57/")
    assert (domain.depth_of(root), domain.depth_of(child)) == (0, 1)
    assert domain.rebase("/12/57/90/", "/12/57/", "/3/57/") == "/3/57/90/"


def test_a_node_cannot_move_under_its_own_subtree():
    with pytest.raises(Conflict) as error:
        domain.check_move("/12/", "/12/57/")
    assert error.value.field == "parent_id"
    with pytest.raises(Conflict):
        domain.check_move("/12/", "/12/")
    domain.check_move("/12/57/", "/12/")
    domain.check_move("/12/", None)


ids = st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=6)


@given(ids, ids)
def test_subtree_bounds_contain_exactly_the_descendants(a, b):
    """For any two paths, p is in the range [root, upper) iff p starts with root."""
    root = "/" + "".join(f"{i}/" for i in a)
    other = "/" + "".join(f"{i}/" for i in b)
    in_range = root <= other < domain.subtree_upper_bound(root)
    assert in_range == domain.is_in_subtree(other, root)


T0 = datetime(2025, 1, 1, tzinfo=UTC)


def test_as_of_picks_the_value_in_force_at_each_moment():
    records = [
        domain.Dated("firmware", "1.0", T0, 1),
        domain.Dated("firmware", "2.0", T0 + timedelta(days=150), 2),
        domain.Dated("counter", 1000, T0 + timedelta(days=10), 3),
        domain.Dated(
            "firmware", "2.0.1", T0 + timedelta(days=150), 4
        ),  # same moment, recorded later: a correction
    ]
    assert domain.as_of(records, T0 - timedelta(seconds=1)) == {}
    assert {k: v.value for k, v in domain.as_of(records, T0 + timedelta(days=20)).items()} == {
        "counter": 1000,
        "firmware": "1.0",
    }
    assert domain.as_of(records, T0 + timedelta(days=200))["firmware"].value == "2.0.1"


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 100), st.integers(0, 1000)),
        min_size=1,
        max_size=30,
    ),
    st.integers(0, 100),
)
def test_as_of_equals_the_latest_record_not_after_the_moment(rows, moment_day):
    records = [domain.Dated(k, v, T0 + timedelta(days=d), seq) for seq, (k, d, v) in enumerate(rows)]
    moment = T0 + timedelta(days=moment_day)
    result = domain.as_of(records, moment)
    for key in ("a", "b"):
        eligible = [r for r in records if r.key == key and r.valid_from <= moment]
        expected = max(eligible, key=lambda r: (r.valid_from, r.seq)) if eligible else None
        assert result.get(key) == expected
