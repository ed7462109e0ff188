"""Which worker thread runs which untimed cell (runner/lanes.py): each decision rule at its edges."""

import threading

from dlarena.runner.lanes import SHARE_FROM, Lanes


def _lanes(cells: dict[str, int], parallel=3, cpus=2) -> Lanes:
    items = [(lane, i) for lane, n in cells.items() for i in range(n)]
    return Lanes(items, lambda item: item[0], parallel, cpus)


def test_threads_are_the_lanes_up_to_parallel():
    assert _lanes({"a": 1, "b": 1, "c": 1}, parallel=2).threads == 2
    assert _lanes({"a": 1}, parallel=3).threads == 1
    assert _lanes({}, parallel=3).threads == 1


def test_a_thread_keeps_to_its_lane_in_order_and_the_longest_lane_is_taken_first():
    lanes = _lanes({"short": 1, "long": 3}, cpus=8)
    assert lanes.take(0) == ("long", ("long", 0))
    assert lanes.take(1) == ("short", ("short", 0))
    assert lanes.take(0) == ("long", ("long", 1))  # its own lane, first in first out


def test_an_idle_thread_takes_an_unowned_lane_before_sharing():
    lanes = _lanes({"a": 3, "b": 1, "c": 2}, parallel=2, cpus=8)
    assert lanes.take(0)[0] == "a" and lanes.take(1)[0] == "c"
    assert lanes.take(1) == ("c", ("c", 1))
    assert lanes.take(1) == ("b", ("b", 0))  # c is done: b, which no thread had, becomes thread 1's
    assert lanes._owned[1] == "b"


def test_a_lane_shares_its_last_cell_only_while_fewer_cells_run_than_cpus():
    lanes = _lanes({"a": 1 + SHARE_FROM, "b": 1}, cpus=2)
    assert lanes.take(0)[0] == "a" and lanes.take(1)[0] == "b"
    assert lanes.running == 2
    assert lanes._pick(1) is None  # two running on two CPUs: nothing shared
    lanes.done()  # b's cell finished: one running, a CPU idle
    assert lanes._pick(1) == ("a", ("a", SHARE_FROM))  # a's last cell, not its next
    assert lanes._owned[1] == "b"  # sharing does not change the thread's lane


def test_a_lane_with_fewer_than_share_from_cells_keeps_them():
    lanes = _lanes({"a": SHARE_FROM, "b": 1}, cpus=2)
    lanes.take(0), lanes.take(1)
    lanes.done()
    assert lanes._pick(1) is None  # a holds SHARE_FROM - 1 cells: its own thread runs them
    lanes = _lanes({"a": SHARE_FROM + 1, "b": 1}, cpus=2)
    lanes.take(0), lanes.take(1)
    lanes.done()
    assert lanes._pick(1) is not None


def test_the_longest_lane_is_shared_from():
    lanes = _lanes({"a": 3, "b": 4, "c": 1}, parallel=3, cpus=3)
    lanes.take(0), lanes.take(1), lanes.take(2)  # b, a, c
    lanes.done()
    assert lanes._pick(2) == ("b", ("b", 3))


def test_take_waits_for_a_cell_to_share_and_ends_when_none_is_left():
    lanes = _lanes({"a": 2 + SHARE_FROM, "b": 1}, cpus=2)
    lanes.take(0), lanes.take(1)
    got = []
    waiter = threading.Thread(target=lambda: got.append(lanes.take(1)))
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive() and not got  # two running on two CPUs: it waits
    lanes.done()
    waiter.join(5)
    assert got == [("a", ("a", 1 + SHARE_FROM))]
    lanes = _lanes({"a": 1}, cpus=2)
    assert lanes.take(0) is not None and lanes.take(0) is None and lanes.take(1) is None


def test_stop_hands_out_nothing_more():
    lanes = _lanes({"a": 3}, cpus=2)
    lanes.stop()
    assert lanes.take(0) is None
