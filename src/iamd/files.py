"""Files in and out: the rules every command follows at the edge of the file system.

Inputs are regular files only (or ``-`` where a command reads standard input): a FIFO, a
device or a directory given as input is refused before anything is read, because reading a
FIFO blocks forever and reading a device may never end; a file larger than the command's
documented limit is refused before it is read into memory.

Outputs never destroy or mix:

- an output that is one of the command's inputs, a device, a FIFO or a directory where a file
  is expected is refused, and the folder it goes into is checked for writing *before* the
  long work starts (:func:`check_output_file`, :func:`check_output_dir`);
- every file is written through a temporary file with an unpredictable name created in the
  target folder (``O_CREAT | O_EXCL``: it never follows a link planted under that name), given
  the usual mode (``0o666`` less the umask, as ``open`` would), and moved into place with
  one ``rename`` when everything succeeded (:func:`write_atomic`, :func:`write_files`): a
  reader sees the old file or the new one, never half of one;
- JSON is strict (:func:`strict_json`): ``NaN`` and ``Infinity`` are not JSON (RFC 8259 §6),
  so they are refused at the input and never written.

Each refusal is an :class:`iamd.errors.InputError` naming the flag, the path and what is
allowed; the command line turns it into one ``error:`` line and exit status 2.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from iamd.errors import InputError

#: Upper bound of a text input read whole into memory (a scenario, a JSON file), bytes.
MAX_TEXT_BYTES = 64 * 1024 * 1024
#: Upper bound of a data file (plots, tracks, flights), after decompression, bytes.
MAX_DATA_BYTES = 1024 * 1024 * 1024
#: The largest expansion accepted from a compressed input (text CSV compresses 5-20 times;
#: a "zip bomb" 1,000 times and more).
MAX_GZIP_RATIO = 200

_KINDS = (
    (stat.S_ISREG, "a regular file"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def check_input_file(
    path: str | os.PathLike[str], flag: str, *, max_bytes: int | None = None
) -> Path:
    """``path`` as a readable regular file (links followed), or InputError naming ``flag``.

    >>> check_input_file("/dev/null", "--input")
    Traceback (most recent call last):
    ...
    iamd.errors.InputError: --input: /dev/null is a character device; give a regular file
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(f"{flag}: {p}: no such file") from None
    except OSError as exc:
        raise InputError(f"{flag}: {p}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{flag}: {p} is {_kind(st.st_mode)}; give a regular file")
    if max_bytes is not None and st.st_size > max_bytes:
        raise InputError(
            f"{flag}: {p} is {st.st_size:,} bytes; at most {max_bytes:,} bytes are read"
        )
    if not os.access(p, os.R_OK):
        raise InputError(f"{flag}: {p}: cannot read (permission denied)")
    return p


def read_input_bytes(
    path: str | os.PathLike[str], flag: str, *, max_bytes: int = MAX_TEXT_BYTES
) -> bytes:
    """The bytes of a regular input file of at most ``max_bytes`` (see :func:`check_input_file`)."""
    p = check_input_file(path, flag, max_bytes=max_bytes)
    try:
        with p.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"{flag}: {p}: cannot read ({exc.strerror})") from None
    if len(data) > max_bytes:  # it grew since the check
        raise InputError(f"{flag}: {p} is over {max_bytes:,} bytes; at most that is read")
    if data and p.stat().st_size == 0:  # /proc, /sys: generated on reading, not data
        raise InputError(
            f"{flag}: {p} is a kernel pseudo-file, not a data file; give a regular file"
        )
    return data


def cut(text: str, limit: int = 60) -> str:
    """``text`` for an error message: printable, at most ``limit`` characters (a header line
    of a foreign file is never echoed whole).

    >>> cut("a" * 100, 10)
    'aaaaaaa...'
    >>> cut("PATH=/bin\\x00HOME=/root")
    'PATH=/bin?HOME=/root'
    """
    clean = "".join(c if c.isprintable() else "?" for c in text[: limit + 1])
    return clean if len(clean) <= limit else clean[: limit - 3] + "..."


def cut_names(names: Iterable[object], limit: int = 12) -> str:
    """Column names for an error message: each cut, at most ``limit`` of them.

    >>> cut_names(["a", "b"])
    'a, b'
    >>> cut_names(range(20), 3)
    '0, 1, 2, ... (20 in all)'
    """
    seq = list(names)
    items = [cut(str(n), 40) for n in seq[:limit]]  # a foreign header may hold millions
    if len(seq) <= limit:
        return ", ".join(items)
    return ", ".join(items) + f", ... ({len(seq)} in all)"


def gunzip(raw: bytes, name: str, *, max_bytes: int = MAX_DATA_BYTES) -> bytes:
    """Decompress gzip ``raw`` (all members) in bounded steps: more than ``max_bytes`` out, or
    more than :data:`MAX_GZIP_RATIO` times the input, is refused before it is held in memory.

    >>> import gzip
    >>> gunzip(gzip.compress(b"a,b\\n1,2\\n"), "x.csv.gz")
    b'a,b\\n1,2\\n'
    >>> gunzip(gzip.compress(bytes(10**6)), "bomb.gz", max_bytes=1000)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    iamd.errors.InputError: bomb.gz: decompresses to more than 1,000 bytes ...
    """
    import zlib

    limit = min(max_bytes, max(MAX_GZIP_RATIO * len(raw), 1 << 20))
    out: list[bytes] = []
    total = 0
    rest = raw
    try:
        while rest:
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            chunk = d.decompress(rest, limit - total + 1)
            total += len(chunk)
            out.append(chunk)
            if total > limit or d.unconsumed_tail:
                what = (
                    f"more than {MAX_GZIP_RATIO} times its size"
                    if limit < max_bytes
                    else f"more than {max_bytes:,} bytes"
                )
                raise InputError(
                    f"{name}: decompresses to {what} (the limit of a compressed input; "
                    f"give the data uncompressed or in smaller files)"
                )
            if not d.eof:
                raise InputError(
                    f"{name}: unreadable gzip data (Compressed file ended before the "
                    f"end-of-stream marker was reached); the file is damaged or truncated"
                )
            rest = d.unused_data
    except zlib.error as exc:
        raise InputError(f"{name}: unreadable gzip data ({exc}); the file is damaged") from None
    return b"".join(out)


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _writable_folder(folder: Path, flag: str, path: Path) -> None:
    if not folder.exists():
        raise InputError(f"{flag}: {path}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise InputError(f"{flag}: {path}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(
            f"{flag}: {path}: cannot write into the folder {folder} (permission denied)"
        )


def check_output_file(
    path: str | os.PathLike[str],
    flag: str,
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """``path`` as a file this command may write, checked before any work.

    Refused: one of the ``inputs`` (iamd never overwrites what it reads), an existing
    directory, device, FIFO or socket, and a path whose folder is missing or not writable.

    >>> check_output_file("/dev/null", "--out")
    Traceback (most recent call last):
    ...
    iamd.errors.InputError: --out: /dev/null is a character device; give a regular file to write
    """
    p = Path(path)
    for source in inputs:
        if str(source) != "-" and Path(source).exists() and p.exists() and _same(p, Path(source)):
            raise InputError(
                f"{flag}: {p} is the input file; give another name (an input is never overwritten)"
            )
    if p.exists() or p.is_symlink():
        try:
            st = p.stat()
        except OSError as exc:
            raise InputError(f"{flag}: {p}: cannot write ({exc.strerror})") from None
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{flag}: {p} is a directory; give a file name")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{flag}: {p} is {_kind(st.st_mode)}; give a regular file to write")
    _writable_folder(p.parent if str(p.parent) else Path("."), flag, p)
    return p


def check_output_dir(
    path: str | os.PathLike[str],
    flag: str,
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """``path`` as a folder this command may create or write into, checked before any work.

    Refused: an existing file, device or FIFO (not a folder), a folder that holds one of the
    ``inputs`` is fine, but the folder itself being an input is not; a folder that cannot
    be created or written.
    """
    p = Path(path)
    for source in inputs:
        if str(source) != "-" and Path(source).exists() and p.exists() and _same(p, Path(source)):
            raise InputError(f"{flag}: {p} is an input; give another folder")
    if p.exists() or p.is_symlink():
        try:
            st = p.stat()
        except OSError as exc:
            raise InputError(f"{flag}: {p}: cannot write ({exc.strerror})") from None
        if not stat.S_ISDIR(st.st_mode):
            raise InputError(f"{flag}: {p} exists and is {_kind(st.st_mode)}, not a folder")
        if not os.access(p, os.W_OK | os.X_OK):
            raise InputError(f"{flag}: cannot write into the folder {p} (permission denied)")
        return p
    parent = p.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    _writable_folder(parent, flag, p)
    return p


def _file_mode() -> int:
    """The mode ``open(..., "w")`` gives a new file: ``0o666`` less the process umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(
    path: str | os.PathLike[str],
    data: bytes | str | Callable[[IO[bytes]], object],
    *,
    flag: str = "--out",
) -> None:
    """Write ``data`` (bytes, text as UTF-8, or a function writing to a binary file) to
    ``path`` through a temporary file beside it, then one rename; nothing is left behind on
    failure. An operating-system failure is an InputError naming ``flag`` and the path.
    Whatever the caller checked, a name that holds something other than a regular file (a
    device such as ``/dev/null``, a FIFO, a socket, a folder) is never replaced: that is an
    InputError too (:func:`_refuse_special`).
    """
    p = Path(path)
    _refuse_special(p, flag)
    folder = p.parent if str(p.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise InputError(f"{flag}: cannot write into {folder} ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), _file_mode())
            if callable(data):
                data(fh)
            else:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, p)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise InputError(f"{flag}: cannot write {p} ({exc.strerror})") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _refuse_special(p: Path, flag: str) -> None:
    """InputError when the name ``p`` holds a directory, device, FIFO or socket (a link is
    not followed: a rename replaces the link itself)."""
    try:
        mode = os.lstat(p).st_mode
    except OSError:
        return  # nothing there (or unreadable: the rename will say)
    if stat.S_ISDIR(mode):
        raise InputError(f"{flag}: {p} is a directory; iamd writes a file there")
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise InputError(
            f"{flag}: {p} is {_kind(mode)}; give a regular file to write (it is never replaced)"
        )


def write_files(
    files: Mapping[str, bytes], out: str | os.PathLike[str], *, flag: str = "--out"
) -> None:
    """Write every file of ``files`` (name -> bytes) into the folder ``out``, or none of them:
    all are staged in a temporary folder inside ``out``, then each is renamed into place."""
    folder = check_output_dir(out, flag)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".iamd-", dir=folder))
    except OSError as exc:
        raise InputError(f"{flag}: cannot create {folder} ({exc.strerror})") from None
    mode = _file_mode()
    try:
        for name, data in files.items():
            target = stage / name
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        for name in files:
            _refuse_special(folder / name, flag)
        for name in files:
            os.replace(stage / name, folder / name)
    except OSError as exc:
        raise InputError(f"{flag}: cannot write into {folder} ({exc.strerror})") from None
    finally:
        for leftover in stage.iterdir():
            with contextlib.suppress(OSError):
                leftover.unlink()
        with contextlib.suppress(OSError):
            stage.rmdir()


def strict_json(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` that refuses ``NaN`` and ``Infinity`` (not JSON, RFC 8259 §6).

    >>> strict_json({"a": 1.5})
    '{"a": 1.5}'
    >>> strict_json({"a": float("inf")})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: Out of range float values are not JSON compliant...
    """
    return json.dumps(value, allow_nan=False, **kwargs)


#: A CSV input's header has at most this many columns. Every table iamd reads has a few dozen
#: at most; a header of 200,000 columns would take the CSV parsers minutes before any check.
MAX_CSV_COLUMNS = 1000


def csv_header(raw: bytes, name: str) -> list[str]:
    """The column names of the CSV text ``raw`` (its first line, unstripped; empty when that
    line is not text), refusing a header of more than :data:`MAX_CSV_COLUMNS` columns before
    any parser reads the rows, and a column name given twice (after stripping blanks).

    >>> csv_header(b"t_s,x_m\\n0,1\\n", "p.csv")
    ['t_s', 'x_m']
    >>> csv_header(b",".join([b"c"] * 1001), "p.csv")
    Traceback (most recent call last):
    ...
    iamd.errors.InputError: p.csv: line 1: 1,001 columns; a header has at most 1,000
    """
    import csv

    end = raw.find(b"\n")
    first = (raw if end < 0 else raw[:end]).rstrip(b"\r")
    try:
        header = next(csv.reader([first.decode("utf-8-sig")]))
    except (UnicodeDecodeError, StopIteration, csv.Error):
        return []
    if len(header) > MAX_CSV_COLUMNS:
        raise InputError(
            f"{name}: line 1: {len(header):,} columns; a header has at most {MAX_CSV_COLUMNS:,}"
        )
    seen: dict[str, int] = {}
    for i, h in enumerate(h.strip() for h in header):
        if h in seen:  # pandas would rename the repeat (t_s.1) and read on
            raise InputError(
                f"{name}: line 1: column {cut(h, 40)} appears twice (columns {seen[h] + 1} "
                f"and {i + 1}); each column name once"
            )
        seen[h] = i
    return header


def read_csv_frame(
    path: str | os.PathLike[str], name: str, *, max_bytes: int = MAX_DATA_BYTES, **read_csv: Any
) -> Any:
    """A CSV file (plain or gzip) as a pandas DataFrame, read strictly: a regular file within
    the size caps, each column name once (pandas would rename a repeat ``t_s.1`` and read on),
    no row longer than the header (pandas would make its first fields an index and shift
    every column). ``read_csv`` keyword arguments go to ``pandas.read_csv``."""
    raw = read_input_bytes(path, "input", max_bytes=max_bytes)
    if raw[:2] == b"\x1f\x8b":
        raw = gunzip(raw, name, max_bytes=max_bytes)
    return parse_csv_bytes(raw, name, **read_csv)


def parse_csv_bytes(raw: bytes, name: str, **read_csv: Any) -> Any:
    """The CSV text ``raw`` as a DataFrame, with the strict rules of :func:`read_csv_frame`.

    >>> parse_csv_bytes(b"a,b\\n1,2\\n", "x.csv").to_dict("list")
    {'a': [1], 'b': [2]}
    >>> parse_csv_bytes(b"a,b\\n1,2,3\\n", "x.csv")
    Traceback (most recent call last):
    ...
    iamd.errors.InputError: x.csv: line 2: more fields than the header's 2 columns
    """
    import io
    import warnings

    import pandas as pd

    header = csv_header(raw, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(io.BytesIO(raw), index_col=False, **read_csv)
    except pd.errors.ParserWarning:
        raise InputError(
            f"{name}: line 2: more fields than the header's {len(header)} columns"
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{name}: empty file (expected a header line)") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    except (pd.errors.ParserError, ValueError) as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{name}: not a readable CSV file ({cut(text, 200)})") from None


#: Integers in JSON inputs have at most this many digits (a 64-bit integer has 19).
MAX_JSON_INT_DIGITS = 20


def loads_strict(text: str | bytes, name: str) -> Any:
    """JSON text as Python data, strictly: ``NaN``/``Infinity`` (not JSON), integers of more
    than :data:`MAX_JSON_INT_DIGITS` digits and nesting deeper than the parser's limit are an
    InputError naming ``name`` (never a ValueError, OverflowError or RecursionError).

    >>> loads_strict('{"a": [1, 2.5]}', "x.json")
    {'a': [1, 2.5]}
    >>> loads_strict('{"a": Infinity}', "x.json")
    Traceback (most recent call last):
    ...
    iamd.errors.InputError: x.json: not strict JSON: Infinity is not a number of JSON
    """

    def constant(word: str) -> Any:
        raise InputError(f"{name}: not strict JSON: {word} is not a number of JSON")

    def integer(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_JSON_INT_DIGITS:
            raise InputError(
                f"{name}: an integer of {len(digits.lstrip('-'))} digits (at most "
                f"{MAX_JSON_INT_DIGITS})"
            )
        return int(digits)

    try:
        return json.loads(text, parse_constant=constant, parse_int=integer)
    except RecursionError:
        raise InputError(f"{name}: JSON nested too deeply") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}:{exc.lineno}: not valid JSON ({exc.msg})") from None
