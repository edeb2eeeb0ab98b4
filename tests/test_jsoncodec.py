"""The jsonb codec: exact for any integer, and a memoized decode never shares a value between callers."""

from __future__ import annotations

import json

from services.dal import AsyncDAL
from services.jsoncodec import MEMO_MIN_CHARS, loads

DEFINITION = {"nodes": [{"node_id": "hook", "type": "action_webhook", "config": {"url": "http://example.test/d",
                                                                                 "body": {"n": 1.5}}}],
              "big": 123456789012345678901234567890, "neg": -99999999999999999999, "nested": [[], {}, None, True]}


def test_memoized_decode_is_exact_and_private() -> None:
    text = json.dumps(DEFINITION)
    assert len(text) >= MEMO_MIN_CHARS
    first, second = loads(text), loads(text)
    assert first == second == json.loads(text) == DEFINITION
    assert type(first["big"]) is int and type(first["nodes"][0]["config"]["body"]["n"]) is float
    first["nodes"].append("changed by one caller")
    first["nested"][1]["x"] = 1
    assert loads(text) == DEFINITION  # a later decode is untouched by what a caller did to its copy
    assert second == DEFINITION


async def test_jsonb_round_trip_through_the_pool(database_url: str) -> None:
    dal = AsyncDAL(database_url, min_size=1, max_size=2, json_codec="orjson")
    await dal.connect()
    try:
        rows = await dal.fetch("SELECT $1::jsonb AS v FROM generate_series(1, 3)", DEFINITION)
        values = [r["v"] for r in rows]
        assert all(v == DEFINITION for v in values)
        values[0]["nodes"].clear()
        assert values[1] == DEFINITION and values[2] == DEFINITION
    finally:
        await dal.close()
