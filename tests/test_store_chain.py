"""The hash chain's text: stores written by earlier versions must still verify.

The hashes below were computed by the chain as it was before its text
encoder was made once per process; any change of the hashed text (a
separator, an escape, a column) breaks every stored chain, so it fails here.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from disclosure import Case, Event
from disclosure.store import chain


def _case() -> Case:
    return Case(
        "依申请-2024-007",
        "natural_person",
        "online",
        dt.date(2024, 3, 1),
        (
            Event(
                "decide",
                dt.date(2024, 3, 20),
                {"outcome": "granted", "备注": '引号"与\u2028'},
                note="第一次",
                by="张三",
            ),
            Event("withdraw", dt.date(2024, 3, 21), {}),
        ),
        ruleset="cn-ogi-2019",
        calendar="cn",
        subject="关于\t某事",
        applicant_name="李四",
        contact="x@example.org",
        fields={"编号": 7},
    )


def test_a_case_chains_to_the_hashes_earlier_versions_wrote() -> None:
    row, events = chain.chained_rows(_case(), "2024-03-21T08:00:00+00:00")
    genesis, head = row[-2], row[-1]
    assert [e[-1] for e in events] == [
        "0f5bc6e0b79be88d1504ae567d2805a6749cc2ef49c23b52275c3929e21d1eec",
        head,
    ]
    assert genesis == "fda8192e5995c41e22e927c7cc325423ceb120e59e0d869992e412c11bdec3b0"
    assert head == "6e8e9a38b2dc41c09e3231c99b4195b73e2a114449826932870b0578b52c9e08"


_scalars = st.one_of(
    st.text(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.none(),
)


@given(st.lists(_scalars, max_size=12))
def test_the_hashed_text_is_json_dumps_without_spaces(values: list[Any]) -> None:
    assert chain._chain_text(values) == json.dumps(
        values, ensure_ascii=False, separators=(",", ":")
    )
