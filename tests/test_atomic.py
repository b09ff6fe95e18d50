"""journeysim.atomic: the one atomic file writer."""

from __future__ import annotations

import pytest

from journeysim.atomic import TMP_SUFFIX, write_atomic, write_text_atomic


def test_write_atomic_writes_and_returns_the_path(tmp_path):
    target = tmp_path / "table.csv"
    seen = []

    def writer(tmp):
        seen.append(tmp)
        tmp.write_text("a,b\n1,2\n")

    assert write_atomic(str(target), writer) == target
    assert target.read_text() == "a,b\n1,2\n"
    # the writer was given the temporary file beside the target, not the target
    assert seen == [tmp_path / ("table.csv" + TMP_SUFFIX)]
    assert not seen[0].exists()


def test_write_atomic_replaces_old_content(tmp_path):
    target = tmp_path / "t.txt"
    target.write_text("old")
    write_atomic(target, lambda tmp: tmp.write_text("new"))
    assert target.read_text() == "new"


class Boom(Exception):
    pass


@pytest.mark.parametrize("exc", [Boom, KeyboardInterrupt, OSError])
def test_a_failing_writer_leaves_the_old_content_and_no_tmp(tmp_path, exc):
    target = tmp_path / "t.txt"
    target.write_text("old")

    def writer(tmp):
        tmp.write_text("half a ta")
        raise exc("disk full")

    with pytest.raises(exc):
        write_atomic(target, writer)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.txt"]


def test_a_failing_writer_creates_no_target(tmp_path):
    target = tmp_path / "new.txt"

    def writer(tmp):
        tmp.write_text("partial")
        raise Boom

    with pytest.raises(Boom):
        write_atomic(target, writer)
    assert list(tmp_path.iterdir()) == []


def test_sync_writes_too(tmp_path):
    target = tmp_path / "part.parquet"
    write_atomic(target, lambda tmp: tmp.write_bytes(b"\x00\x01"), sync=True)
    assert target.read_bytes() == b"\x00\x01"
    assert not (tmp_path / ("part.parquet" + TMP_SUFFIX)).exists()


def test_sync_of_a_missing_file_fails_cleanly(tmp_path):
    target = tmp_path / "t.txt"
    target.write_text("old")
    with pytest.raises(OSError):
        write_atomic(target, lambda tmp: None, sync=True)  # the writer wrote nothing
    assert target.read_text() == "old"


def test_write_text_atomic_is_utf8(tmp_path):
    target = tmp_path / "m.json"
    write_text_atomic(target, "Zürich €", sync=True)
    assert target.read_bytes() == "Zürich €".encode()
