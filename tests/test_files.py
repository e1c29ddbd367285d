"""The file rules of every command (``iamd.files``): inputs are regular files, outputs never
destroy or mix, writes are atomic with the usual mode, JSON is strict.

References: POSIX ``rename`` (atomic replacement of a name), ``open(2)`` ``O_EXCL`` (a
created file never follows a link planted under its name), RFC 8259 §6 (no NaN or
Infinity in JSON).
"""

from __future__ import annotations

import gzip
import os
import stat
from pathlib import Path

import pytest

from iamd.errors import InputError
from iamd.files import (
    MAX_CSV_COLUMNS,
    MAX_GZIP_RATIO,
    check_input_file,
    check_output_dir,
    check_output_file,
    csv_header,
    cut,
    gunzip,
    parse_csv_bytes,
    read_input_bytes,
    strict_json,
    write_atomic,
    write_files,
)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_written_files_get_the_usual_mode_not_0600(tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    write_atomic(out, "x\n")
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~_umask()
    write_files({"s.json": b"{}"}, tmp_path / "run")
    assert stat.S_IMODE((tmp_path / "run" / "s.json").stat().st_mode) == 0o666 & ~_umask()


def test_a_link_planted_at_the_output_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    out = tmp_path / "out.txt"
    out.symlink_to(victim)
    write_atomic(out, "new")
    assert victim.read_text() == "keep me"
    assert not out.is_symlink() and out.read_text() == "new"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "t.bin"
    out.write_bytes(b"old")

    def boom(fh: object) -> None:
        raise RuntimeError("half-way")

    with pytest.raises(RuntimeError):
        write_atomic(out, boom)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.bin"]


def test_an_output_that_is_the_input_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "plots.csv"
    src.write_text("t_s\n")
    with pytest.raises(InputError) as info:
        check_output_file(tmp_path / "." / "plots.csv", "--out", inputs=[src])
    assert str(info.value) == (
        f"--out: {tmp_path / '.' / 'plots.csv'} is the input file; give another name "
        "(an input is never overwritten)"
    )
    link = tmp_path / "alias.csv"
    link.symlink_to(src)
    with pytest.raises(InputError, match="is the input file"):
        check_output_file(link, "--out", inputs=[src])


@pytest.mark.parametrize(
    ("path", "what"),
    [("/dev/null", "a character device"), (".", "a directory")],
)
def test_devices_and_directories_are_not_output_files(path: str, what: str) -> None:
    with pytest.raises(InputError) as info:
        check_output_file(path, "--out")
    assert what in str(info.value)


def test_an_output_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("")
    with pytest.raises(InputError) as info:
        check_output_dir(f, "--out")
    assert str(info.value) == f"--out: {f} exists and is a regular file, not a folder"
    with pytest.raises(InputError, match="does not exist"):
        check_output_file(tmp_path / "missing" / "x.csv", "--out")


def test_a_read_only_folder_is_refused_before_work(read_only_folder: Path) -> None:
    ro = read_only_folder
    with pytest.raises(InputError) as err:
        check_output_file(ro / "x.csv", "--out")
    assert str(err.value) == (
        f"--out: {ro / 'x.csv'}: cannot write into the folder {ro} (permission denied)"
    )
    with pytest.raises(InputError, match="permission denied"):
        check_output_dir(ro, "--out")


def test_inputs_are_regular_files(tmp_path: Path) -> None:
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is a FIFO"):
        read_input_bytes(fifo, "--input")
    with pytest.raises(InputError, match="is a directory"):
        check_input_file(tmp_path, "--input")
    with pytest.raises(InputError, match="kernel pseudo-file"):
        read_input_bytes("/proc/self/environ", "--input")


def test_input_size_limit_at_its_boundary(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"x" * 100)
    assert read_input_bytes(f, "--input", max_bytes=100) == b"x" * 100
    with pytest.raises(InputError, match="100 bytes; at most 99 bytes are read"):
        read_input_bytes(f, "--input", max_bytes=99)


def test_gzip_caps() -> None:
    zeros = bytes(64 * 1024 * 1024)  # zeros compress ~1,000-fold: over the ratio cap
    packed = gzip.compress(zeros)
    assert len(zeros) > MAX_GZIP_RATIO * len(packed)
    with pytest.raises(InputError, match=f"more than {MAX_GZIP_RATIO} times its size"):
        gunzip(packed, "z.gz")
    noise = os.urandom(2 * 1024 * 1024)  # incompressible: only the size cap applies
    packed = gzip.compress(noise)
    assert gunzip(packed, "r.gz", max_bytes=len(noise)) == noise
    with pytest.raises(InputError, match=f"more than {len(noise) - 1:,} bytes"):
        gunzip(packed, "r.gz", max_bytes=len(noise) - 1)
    assert gunzip(gzip.compress(b"a") + gzip.compress(b"b"), "m.gz") == b"ab"  # members
    with pytest.raises(InputError, match="damaged or truncated"):
        gunzip(packed[:1000], "cut.gz")


def test_messages_never_echo_a_foreign_header_whole() -> None:
    assert len(cut("SECRET=" + "x" * 10_000)) == 60
    assert cut("a\x00b") == "a?b"


def test_csv_column_cap_at_its_boundary() -> None:
    # the cap is checked on the header line, before pandas or pyarrow read a row
    wide = ",".join(f"c{i}" for i in range(MAX_CSV_COLUMNS)).encode()
    assert len(csv_header(wide + b"\n", "w.csv")) == MAX_CSV_COLUMNS
    assert parse_csv_bytes(wide + b"\n" + b",".join([b"1"] * MAX_CSV_COLUMNS), "w.csv").shape == (
        1,
        MAX_CSV_COLUMNS,
    )
    with pytest.raises(InputError) as err:
        parse_csv_bytes(wide + b",one_more\n", "w.csv")
    assert str(err.value) == "w.csv: line 1: 1,001 columns; a header has at most 1,000"


def test_csv_repeated_column_names_the_two_places() -> None:
    with pytest.raises(InputError) as err:
        csv_header(b"t_s,x_m, t_s\n", "r.csv")
    assert str(err.value) == (
        "r.csv: line 1: column t_s appears twice (columns 1 and 3); each column name once"
    )


def test_json_is_strict() -> None:
    with pytest.raises(ValueError):
        strict_json({"cost": float("inf")})
    with pytest.raises(ValueError):
        strict_json([float("nan")])


def test_a_device_or_fifo_is_never_replaced_by_an_atomic_write(tmp_path: Path) -> None:
    """Whatever a command checked before, the last step (a rename) never replaces a device
    (as root, a rename onto /dev/null would), a FIFO or a folder."""
    with pytest.raises(InputError, match="/dev/null is a character device"):
        write_atomic("/dev/null", b"x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="is a FIFO"):
        write_atomic(fifo, "x")
    with pytest.raises(InputError, match="is a FIFO"):
        write_files({"fifo": b"x", "ok.txt": b"y"}, tmp_path)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and not (tmp_path / "ok.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo"]  # nothing left behind
