"""The shared-memory journal ring: wrap-around, eviction by count and by bytes, clearing, many writers."""

from __future__ import annotations

import os
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pipecat_cloud_mock.state.journal import CUT_TO, JournalRing, Row, _encode


def row(path: str, headers: dict[str, str] | None = None, status: int = 200) -> Row:
    return (1.5, "GET", path, {"q": "1"}, headers or {"accept": "*/*"}, status, None)


def paths(ring: JournalRing) -> list[str]:
    return [r[2] for _, r in ring.entries()]


def test_entries_come_back_whole_newest_first_with_rising_ids() -> None:
    ring = JournalRing(5)
    ids = [ring.record(row(f"/p/{i}", status=200 + i)) for i in range(3)]
    assert ids == [1, 2, 3]
    assert list(ring.entries()) == [(3 - i, row(f"/p/{2 - i}", status=202 - i)) for i in range(3)]
    assert ring.count() == 3


def test_only_the_newest_size_entries_are_kept() -> None:
    ring = JournalRing(4)
    for i in range(11):
        ring.record(row(f"/p/{i}"))
    assert paths(ring) == ["/p/10", "/p/9", "/p/8", "/p/7"]
    assert ring.count() == 4


def test_entries_that_wrap_around_the_byte_ring_are_read_back_intact() -> None:
    ring = JournalRing(100, data_bytes=1_000)  # 55-70-byte entries: the bytes wrap every ~16 entries
    rows = [row(f"/p/{i}", {"x-pad": "y" * (i % 13)}) for i in range(57)]
    for r in rows:
        ring.record(r)
    held = list(ring.entries())
    sizes = [len(_encode(r)) for r in reversed(rows)]  # newest first
    # The bytes, not the 100 slots, bound what is held: as many of the newest as fit in 1,000 bytes.
    assert sum(sizes[: len(held)]) <= 1_000 < sum(sizes[: len(held) + 1])
    assert held == [(57 - n, row(f"/p/{56 - n}", {"x-pad": "y" * ((56 - n) % 13)})) for n in range(len(held))]
    assert ring.count() == len(held)


def test_clear_empties_the_journal_and_ids_go_on_rising() -> None:
    ring = JournalRing(10)
    for i in range(3):
        ring.record(row(f"/p/{i}"))
    ring.clear()
    assert (list(ring.entries()), ring.count()) == ([], 0)
    assert ring.record(row("/after")) == 4
    assert paths(ring) == ["/after"]


def test_an_entry_larger_than_half_the_ring_is_kept_with_its_long_values_cut() -> None:
    ring = JournalRing(10, data_bytes=40_000)
    big = row("/p/" + "a" * 30_000, {"x-big": "b" * 30_000, "accept": "*/*"})
    ring.record(big)
    ((_, kept),) = ring.entries()
    assert kept[2] == "/p/" + "a" * (CUT_TO - 3) + "... (25907 more characters)"
    assert kept[4]["x-big"] == "b" * CUT_TO + "... (25904 more characters)"
    assert kept[4]["accept"] == "*/*"


def test_an_entry_of_thousands_of_long_values_keeps_a_count_of_what_was_omitted() -> None:
    ring = JournalRing(10, data_bytes=40_000)
    headers = {f"x-h{i}": "v" * 5_000 for i in range(50)}
    ring.record(row("/p", headers))
    ((_, kept),) = ring.entries()
    assert kept[4] == {"x-pipecat-mock-journal": "50 headers and 1 query parameters omitted"}
    assert kept[2] == "/p"


def test_text_orjson_refuses_is_kept() -> None:
    ring = JournalRing(2)
    odd = row("/x", {"x-raw": "\udcff", "x-name": "Zoë €"})
    ring.record(odd)
    assert list(ring.entries()) == [(1, odd)]


@pytest.mark.parametrize("size", [1, 64])
def test_forked_workers_and_their_threads_record_every_entry_once(size: int) -> None:
    ring = JournalRing(size * 1_000)  # made before the fork, as the gunicorn master does

    def work(worker: int) -> None:
        def one(thread: int) -> None:
            for i in range(250):
                ring.record(row(f"/w{worker}/t{thread}/{i}"))

        threads = [threading.Thread(target=one, args=(t,)) for t in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    children = []
    for worker in range(2):
        pid = os.fork()
        if pid == 0:
            try:
                work(worker)
            finally:
                os._exit(0)
        children.append(pid)
    work(2)
    for pid in children:
        assert os.waitpid(pid, 0)[1] == 0
    held = list(ring.entries())
    want = {f"/w{w}/t{t}/{i}" for w in range(3) for t in range(4) for i in range(250)}
    if size == 1:  # 1,000 slots for 3,000 entries: the newest thousand, ids without gaps
        assert [i for i, _ in held] == list(range(3_000, 2_000, -1))
        assert {r[2] for _, r in held} < want
    else:
        assert [i for i, _ in held] == list(range(3_000, 0, -1))
        assert {r[2] for _, r in held} == want


def test_the_largest_journal_fits_its_byte_ring_under_the_cap() -> None:
    from pipecat_cloud_mock.config import MAX_JOURNAL_SIZE
    from pipecat_cloud_mock.state.journal import MAX_BYTES

    ring = JournalRing(MAX_JOURNAL_SIZE)  # 10,000,000 would have asked for 40 GiB and failed with ENOMEM
    assert ring.capacity == MAX_BYTES
    ring.record(row("/p"))
    assert paths(ring) == ["/p"]


def test_shared_memory_that_cannot_be_had_is_a_clear_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import mmap

    from pipecat_cloud_mock.errors import ConfigError

    def refuse(*args: object) -> None:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(mmap, "mmap", refuse)
    with pytest.raises(ConfigError, match=r"cannot reserve 16 MiB of shared memory .*Cannot allocate .*--journal-size"):
        JournalRing(10)


def test_a_read_spanning_several_batches_returns_every_entry_once_in_order() -> None:
    from pipecat_cloud_mock.state.journal import READ_BATCH

    ring = JournalRing(3 * READ_BATCH)
    for i in range(2 * READ_BATCH + 10):
        ring.record(row(f"/p/{i}"))
    assert paths(ring) == [f"/p/{i}" for i in range(2 * READ_BATCH + 9, -1, -1)]


def test_entries_overwritten_while_a_read_is_paused_end_it_rather_than_coming_back_wrong(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pipecat_cloud_mock.state.journal as ring_module

    monkeypatch.setattr(ring_module, "READ_BATCH", 2)
    ring = JournalRing(8)
    recorded = {ring.record(row(f"/p/{i}")): f"/p/{i}" for i in range(8)}
    reading = ring.entries()
    first = [next(reading), next(reading), next(reading)]  # two batches started: ids 8, 7, 6
    recorded |= {ring.record(row(f"/q/{i}")): f"/q/{i}" for i in range(6)}  # ids 9-14 evict ids 1-6
    rest = list(reading)
    assert [i for i, _ in first] == [8, 7, 6]
    assert [i for i, _ in rest] == [5][: len(rest)]  # id 5 was copied with id 6's batch; nothing older survives
    assert all(r[2] == recorded[i] for i, r in first + rest)


@settings(max_examples=60)
@given(
    size=st.integers(1, 12),
    capacity=st.integers(400, 2_000),  # entries stay under half of it: none is cut to fit
    ops=st.lists(st.one_of(st.integers(0, 120), st.just(-1)), max_size=60),  # a padding length, or -1: clear
)
def test_count_and_entries_match_a_model_of_the_ring(size: int, capacity: int, ops: list[int]) -> None:
    ring = JournalRing(size, data_bytes=capacity)
    model: list[tuple[int, Row, int, int]] = []  # id, row, byte position, length
    written, cleared = 0, 0
    for op in ops:
        if op < 0:
            ring.clear()
            cleared = model[-1][0] if model else 0
            continue
        r = row("/p", {"x-pad": "y" * op})
        entry_id = ring.record(r)
        length = len(_encode(r))
        model.append((entry_id, r, written, length))
        written += length
    held = []
    for entry_id, r, position, _ in reversed(model):
        if entry_id <= cleared or entry_id <= model[-1][0] - size or position < written - capacity:
            break
        held.append((entry_id, r))
    assert list(ring.entries()) == held
    assert ring.count() == len(held)


def test_an_entry_survives_its_worker_being_killed_right_after_recording_it() -> None:
    import signal

    ring = JournalRing(10)
    pid = os.fork()
    if pid == 0:  # a worker that answers one request and is SIGKILLed: no exit handler, no flush
        ring.record(row("/answered-then-killed"))
        os.kill(os.getpid(), signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status)
    assert os.WTERMSIG(status) == signal.SIGKILL
    assert paths(ring) == ["/answered-then-killed"]
