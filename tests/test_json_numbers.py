"""JSON request bodies of the plain {"inputs": [...]} form are read straight into numpy: the same
arrays json.loads gives, a fraction of its memory; everything else falls back to json.loads (and
its precise errors), only up to GENERIC_JSON_MAX_BYTES."""

import json
import tracemalloc

import numpy as np
import pytest

from dlarena.deploy.json_numbers import parse_inputs
from dlarena.deploy.protocol import GENERIC_JSON_MAX_BYTES, RequestError, decode


@pytest.mark.parametrize("body", [
    b'{"inputs": [[1, 2, 3, 4]]}',
    b' {\n "inputs" : [ [1.5, -2e3, 3E-2, 4e+1] ,\n [5,6,7,8] ] } ',
    b'{"inputs": [[[1,2],[3,4]],[[5,6],[7,8]],[[0,0],[-9007199254740991,0]]]}',
    b'{"inputs": [0.1, 1e308, 5e-324]}',
    b'{"inputs": [7]}',
])
def test_plain_bodies_read_as_json_loads_reads_them(body):
    fast, slow = parse_inputs(body), np.asarray(json.loads(body)["inputs"])
    assert fast is not None and fast.dtype == slow.dtype and fast.shape == slow.shape
    assert np.array_equal(fast, slow)


@pytest.mark.parametrize("body", [
    b'{"inputs": [[1,2],[3],[4,5,6]]}',  # ragged, though 6 numbers fit a (3, 2)
    b'{"inputs": [[[1,2],[3,4]],[[5,6],[7,8],[9,9]]]}',
    b'{"inputs": [[]]}', b'{"inputs": [1,,2]}', b'{"inputs": [1, 2,]}',
    b'{"inputs": [1 2, 3]}', b'{"inputs": [1-2, 3]}', b'{"inputs": [1, 1e5e5]}', b'{"inputs": [1, 1.2.3]}',
    b'{"inputs": [1, 9007199254740992]}',  # 2**53: json.loads keeps such integers exact
    b'{"inputs": [NaN, 1]}', b'{"inputs": [null]}', b'{"inputs": ["1"]}',
    b'{"inputs": [[1, 2]], "id": 3}', b'[[1, 2]]', b'{"inputs": [[1, 2]]',
])
def test_anything_else_is_left_to_json_loads(body):
    assert parse_inputs(body) is None


def test_a_large_body_in_another_form_is_413_before_json_loads_builds_it():
    body = b'{"id": 1, "inputs": [' + b"0.5," * (GENERIC_JSON_MAX_BYTES // 4) + b'0.5]}'
    with pytest.raises(RequestError) as info:
        decode(body, "application/json", 16 * 2**20)
    assert info.value.status == 413 and "only the plain" in info.value.message


def _peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_plain_body_takes_a_fraction_of_json_loads_memory():
    body = b'{"inputs": [' + b",".join([b"[0.123456,1.5,-2.25,3]"] * 50_000) + b"]}"  # 1.2 MB
    fast = _peak(lambda: decode(body, "application/json", len(body)))
    slow = _peak(lambda: np.asarray(json.loads(body)["inputs"]))
    assert fast < 4 * len(body) and fast < slow / 2, (fast, slow, len(body))
