"""Datasets: the points a line is fitted to.

A :class:`Dataset` is a pair of float64 arrays ``x`` and ``y`` of equal length,
validated once and then frozen. Everything the mean squared error needs is in
:attr:`Dataset.moments`, computed once in two passes (means first, then the
centered second moments), so that data far from 0 (x around 1000) lose no
digits.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from . import _checks

__all__ = [
    "MAX_CSV_BYTES",
    "MAX_POINTS",
    "DataError",
    "Dataset",
    "Moments",
    "make_data",
    "read_csv",
    "standardize",
]

#: The most points a dataset may have (made or uploaded).
MAX_POINTS = 1_000_000


class DataError(ValueError):
    """Data that cannot be fitted, with a message a learner can act on.

    A ``ValueError``, so code that catches bad arguments catches it too.

    >>> try:
    ...     Dataset([1.0, 1.0], [0.0, 2.0])
    ... except DataError as error:
    ...     print(str(error).split(":")[0])
    x is constant
    """


class Moments(NamedTuple):
    """The sufficient statistics of the mean squared error of a line.

    ``mean_x``, ``mean_y`` are the means; ``var_x``, ``cov_xy``, ``var_y`` are
    the centered second moments ``mean((x - mean_x)**2)``,
    ``mean((x - mean_x)*(y - mean_y))`` and ``mean((y - mean_y)**2)``
    (population, ddof=0).

    >>> Dataset([0.0, 2.0], [1.0, 5.0]).moments
    Moments(mean_x=1.0, mean_y=3.0, var_x=1.0, cov_xy=2.0, var_y=4.0)
    """

    mean_x: float
    mean_y: float
    var_x: float
    cov_xy: float
    var_y: float


def _as_column(values, name: str) -> np.ndarray:
    try:
        raw = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numbers: {exc}") from None
    if raw.dtype.kind not in "iuf":  # no strings, bools, objects or complex numbers
        raise DataError(f"{name} must be real numbers, got values of type {raw.dtype}")
    array = np.array(raw, dtype=np.float64, copy=True)
    if array.ndim != 1:
        raise DataError(f"{name} must be 1-D, got shape {array.shape}")
    return array


@dataclass(frozen=True, eq=False)
class Dataset:
    """Points ``(x[i], y[i])`` to fit ``y = w*x + b`` to.

    Args:
        x: (n,) numbers, not all equal (the slope would be undefined).
        y: (n,) numbers.

    Both are copied to read-only float64 arrays; ``n >= 2`` and every value
    finite, else :class:`DataError`.

    >>> data = Dataset([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
    >>> data.n
    3
    >>> data.moments.cov_xy / data.moments.var_x
    2.0
    """

    x: np.ndarray
    y: np.ndarray
    moments: Moments = field(init=False, repr=False)
    fingerprint: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        x = _as_column(self.x, "x")
        y = _as_column(self.y, "y")
        if x.shape != y.shape:
            raise DataError(f"x and y must have the same length, got {x.size} and {y.size}")
        if x.size < 2:
            raise DataError(f"a line needs at least 2 points, got {x.size}")
        if x.size > MAX_POINTS:
            raise DataError(f"at most {MAX_POINTS:,} points are supported, got {x.size:,}")
        for name, column in (("x", x), ("y", y)):
            finite = np.isfinite(column)
            if not finite.all():
                row = int(np.argmin(finite))
                raise DataError(f"{name} must be finite: row {row + 1} holds {float(column[row])}")
        with np.errstate(over="ignore", invalid="ignore"):
            mean_x = float(np.mean(x))
            mean_y = float(np.mean(y))
            dx = x - mean_x
            dy = y - mean_y
            var_x = float(np.mean(dx * dx))
            cov_xy = float(np.mean(dx * dy))
            var_y = float(np.mean(dy * dy))
        if not all(np.isfinite([mean_x, mean_y, var_x, cov_xy, var_y])):
            raise DataError("the values are too large: their squares overflow; rescale the data")
        if not var_x > 0.0 or np.all(x == x[0]):
            raise DataError(
                "x is constant: every point has the same x, so the slope w is "
                "undefined; use data whose x values differ"
            )
        moments = Moments(mean_x=mean_x, mean_y=mean_y, var_x=var_x, cov_xy=cov_xy, var_y=var_y)
        x.setflags(write=False)
        y.setflags(write=False)
        digest = hashlib.blake2b(digest_size=12)
        digest.update(x.tobytes())
        digest.update(y.tobytes())
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "moments", moments)
        object.__setattr__(self, "fingerprint", digest.hexdigest())

    @property
    def n(self) -> int:
        """The number of points."""
        return int(self.x.size)

    def to_frame(self):
        """The points as a pandas DataFrame with columns ``x`` and ``y``.

        >>> Dataset([0, 1], [1, 3]).to_frame().columns.tolist()
        ['x', 'y']
        """
        import pandas as pd

        return pd.DataFrame({"x": self.x, "y": self.y})

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        return self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        return f"Dataset(n={self.n}, fingerprint={self.fingerprint!r})"


def make_data(
    n: int = 50,
    w: float = 2.0,
    b: float = 1.0,
    noise: float = 1.0,
    x_min: float = 0.0,
    x_max: float = 10.0,
    seed: int = 0,
    outliers: float = 0.0,
) -> Dataset:
    """Points scattered around the line ``y = w*x + b``.

    ``x ~ Uniform(x_min, x_max)``, ``y = w*x + b + noise*N(0, 1)``; then
    ``floor(outliers*n + 1/2)`` points, chosen at random, are lifted by
    ``scale*Uniform(2, 4)`` with ``scale = |w|*(x_max - x_min)/2 + 5*noise + 1``,
    far enough above the line to pull a mean-squared-error fit toward them.
    The same arguments always give the same points.

    Args:
        n: number of points, 2 to ``MAX_POINTS``.
        w, b: the true slope and intercept.
        noise: standard deviation of the noise, >= 0.
        x_min, x_max: the x range, ``x_min < x_max``.
        seed: seed of the random generator, >= 0.
        outliers: fraction of outliers, 0 to 1.

    >>> data = make_data(n=100, noise=0.0)
    >>> m = data.moments
    >>> round(m.cov_xy / m.var_x, 12), data.n
    (2.0, 100)
    """
    n = _checks.integer("n", n, low=2, high=MAX_POINTS)
    w = _checks.real("w", w)
    b = _checks.real("b", b)
    noise = _checks.real("noise", noise, low=0.0)
    x_min = _checks.real("x_min", x_min)
    x_max = _checks.real("x_max", x_max)
    if not x_min < x_max:
        raise ValueError(f"x_min must be < x_max, got x_min={x_min!r}, x_max={x_max!r}")
    if not np.isfinite(x_max - x_min):
        raise ValueError(f"x_max - x_min must be finite, got x_min={x_min!r}, x_max={x_max!r}")
    seed = _checks.integer("seed", seed, low=0)
    outliers = _checks.real("outliers", outliers, low=0.0, high=1.0)

    with np.errstate(over="raise", invalid="raise"):
        try:
            x, y = _draw_points(n, w, b, noise, x_min, x_max, seed, outliers)
        except FloatingPointError:
            raise ValueError("w, b, noise and the x range are too large: y overflows") from None
    return Dataset(x, y)


def _draw_points(n, w, b, noise, x_min, x_max, seed, outliers):
    """Points around the line y = w*x + b, as Learning-Rate Explorer draws them.

    x ~ Uniform(x_min, x_max), y = w*x + b + noise*N(0, 1); then
    floor(outliers*n + 1/2) points, chosen at random, are lifted by
    scale*Uniform(2, 4), scale = |w|*(x_max - x_min)/2 + 5*noise + 1.
    Returns x: (n,) and y: (n,). Plain numpy: exported scripts carry this
    very function, so they draw the same points bit for bit.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(x_min, x_max, size=n)
    y = w * x + b + noise * rng.standard_normal(n)
    count = int(np.floor(outliers * n + 0.5))
    if count:
        scale = abs(w) * (x_max - x_min) / 2 + 5 * noise + 1
        rows = rng.choice(n, size=count, replace=False)
        y[rows] += scale * rng.uniform(2.0, 4.0, size=count)
    return x, y


def standardize(data: Dataset) -> Dataset:
    """The same points with x scaled to mean 0 and standard deviation 1.

    ``x' = (x - mean(x)) / std(x)`` with the population std (ddof=0); y is kept.

    >>> s = standardize(make_data(n=20, x_min=1000.0, x_max=1010.0))
    >>> abs(s.moments.mean_x) < 1e-12, round(s.moments.var_x, 12)
    (True, 1.0)
    """
    m = _checks.dataset("data", data).moments
    x = (data.x - m.mean_x) / np.sqrt(m.var_x)
    return Dataset(x, data.y)


# Reading CSV ---------------------------------------------------------------
#
# Two readers share one layout (delimiter, header, columns, decimal mark),
# found from the first rows. pandas' C parser reads the columns fast and is
# trusted only when every value comes back finite; anything else (a bad cell,
# a ragged row, a blank row with delimiters) goes to the csv-module reader,
# which reads the same numbers row by row and names the row and the column of
# the first problem.

#: The largest file read_csv reads (bytes; characters for a text file object).
MAX_CSV_BYTES = 64 * 2**20
_MAX_BYTES = MAX_CSV_BYTES
#: More lines than this cannot be at most MAX_POINTS rows and a few blank ones.
_MAX_LINES = 2 * MAX_POINTS
#: A row of x, y and a few more columns is far shorter than this.
_MAX_LINE_BYTES = 100_000
#: Data rows looked at to choose the columns and the decimal mark.
_SAMPLE_ROWS = 100
#: Delimiters tried in this order: a semicolon file may hold decimal commas.
_DELIMITERS = (";", "\t", ",")
#: Numbers as people write them, with "." or "," as the decimal mark; each
#: part is unambiguous, so a long cell is rejected in linear time.
_NUMBER = {
    mark: re.compile(
        rf"[+-]?(?:[0-9]+(?:{re.escape(mark)}[0-9]*)?|{re.escape(mark)}[0-9]+)"
        r"(?:[eE][+-]?[0-9]+)?"
    )
    for mark in (".", ",")
}
_QUOTED = re.compile(r'"[^"\n]*"')
#: Cells that stand for a missing value (pandas' defaults, case-folded).
_MISSING = frozenset(
    ["na", "n/a", "nan", "-nan", "+nan", "null", "none", "nat", "<na>", "#n/a", "#na",
     "#n/a n/a", "1.#ind", "-1.#ind", "1.#qnan", "-1.#qnan"]
)
_INFINITE = frozenset(["inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"])
_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive, such as an Excel .xlsx workbook"),
    (b"\xd0\xcf\x11\xe0", "an Excel .xls workbook"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)
_SAVE_AS = "save the data as CSV in UTF-8 (in Excel: Save As > CSV UTF-8) and read that"


class _Layout(NamedTuple):
    delimiter: str
    names: tuple[str, ...] | None  # the header's cells; None without a header
    x_col: int
    y_col: int
    decimal: str | None  # the first decimal mark in the sample, if any
    body_start: int  # offset of the line after the header


def _show(text: str, limit: int = 30) -> str:
    """``text`` quoted for a message, cut to about ``limit`` characters."""
    text = text.strip()
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return repr(text)


def _column_label(col: int, names: tuple[str, ...] | None) -> str:
    name = names[col].strip() if names is not None and col < len(names) else ""
    return f"column {col + 1} ({_show(name)})" if name else f"column {col + 1}"


def _too_big(size: int) -> DataError:
    return DataError(
        f"the file is {size / 2**20:.1f} MB; at most {_MAX_BYTES // 2**20} MB are read: "
        f"keep at most {MAX_POINTS:,} rows of x and y"
    )


def _read_path(source) -> bytes:
    path = os.fspath(source)
    hint = ""
    if isinstance(path, str) and "\n" in path:
        hint = " (a str is a path; to read CSV text, pass bytes: read_csv(text.encode()))"
    shown = _show(os.fsdecode(path), 80)
    try:
        size = os.stat(path).st_size
        if size <= _MAX_BYTES:
            with open(path, "rb") as file:
                return file.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        raise DataError(f"there is no file {shown}{hint}") from None
    except IsADirectoryError:
        raise DataError(f"{shown} is a folder, not a CSV file") from None
    except OSError as exc:
        raise DataError(f"cannot read {shown}: {exc.strerror or exc}") from None
    except ValueError:  # a NUL character in the path
        raise DataError(f"{shown} is not a valid path{hint}") from None
    raise _too_big(size)


def _read_file(source) -> bytes | str:
    size = getattr(source, "size", None)  # Streamlit's UploadedFile knows it
    if isinstance(size, int) and size > _MAX_BYTES:
        raise _too_big(size)
    # getvalue() reads an io.BytesIO (an UploadedFile) whole wherever its
    # position is, so a second read on a Streamlit rerun sees the same bytes.
    getvalue = getattr(source, "getvalue", None)
    try:
        data = getvalue() if callable(getvalue) else source.read(_MAX_BYTES + 1)
    except UnicodeDecodeError:  # a text file object opened as UTF-8
        raise DataError(f"this is not a UTF-8 text file: {_SAVE_AS}") from None
    except (OSError, ValueError) as exc:  # ValueError: a closed file
        raise DataError(f"cannot read the file: {exc}") from None
    if not isinstance(data, (bytes, bytearray, str)):
        raise DataError(f"reading the file gave {type(data).__name__}, not bytes or text")
    return data


def _read_source(source) -> bytes | bytearray | str:
    if isinstance(source, (bytes, bytearray)):
        data = source
    elif isinstance(source, memoryview):
        if source.nbytes > _MAX_BYTES:
            raise _too_big(source.nbytes)
        data = source.tobytes()
    elif isinstance(source, (str, os.PathLike)):
        data = _read_path(source)
    elif hasattr(source, "read") or hasattr(source, "getvalue"):
        data = _read_file(source)
    else:
        raise DataError(
            f"read_csv reads a path, bytes or a file object, got {type(source).__name__}"
        )
    if len(data) > _MAX_BYTES:
        raise _too_big(len(data))
    return data


def _not_text(data, exc: UnicodeDecodeError | None) -> str:
    what = "it holds NUL characters, as binary files and UTF-16 text do"
    if isinstance(data, (bytes, bytearray)):
        for signature, name in _SIGNATURES:
            if data.startswith(signature):
                what = f"it looks like {name}"
                break
        else:
            if exc is not None:
                row = data.count(b"\n", 0, exc.start) + 1
                what = (
                    f"row {row} holds the byte 0x{data[exc.start]:02X}, which is not UTF-8; "
                    "was it saved as Latin-1 or Windows-1252?"
                )
    return f"this is not a UTF-8 text file ({what}): {_SAVE_AS}"


def _decode(data: bytes | bytearray | str) -> str:
    if isinstance(data, str):
        text = data
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:  # lone surrogates from a lenient decoder
                raise DataError(f"this is not a UTF-8 text file: {_SAVE_AS}") from None
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DataError(_not_text(data, exc)) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise DataError(_not_text(data, None))
    return text


def _sniff_delimiter(text: str) -> str:
    """The first of ``; TAB ,`` in every one of the first lines, else the most common."""
    head = text[: 1 << 16]
    lines = head.split("\n")
    if len(head) < len(text):
        lines.pop()  # it may be cut short
    lines = [_QUOTED.sub("", line) for line in lines[:200] if line.strip()][:20]
    for delimiter in _DELIMITERS:
        if lines and all(delimiter in line for line in lines):
            return delimiter
    counts = [sum(delimiter in line for line in lines) for delimiter in _DELIMITERS]
    best = max(range(len(_DELIMITERS)), key=counts.__getitem__)
    return _DELIMITERS[best] if counts[best] else ","


def _end_of_rows(text: str, delimiter: str) -> int:
    """Where the blank lines at the end start, ``,,`` (a spreadsheet's) included."""
    end = len(text)
    while end:
        start = text.rfind("\n", 0, end) + 1
        if text[start:end].strip(" \t\n" + delimiter):
            break
        end = max(start - 1, 0)
    return end


def _check_lines(text: str) -> None:
    """Few enough lines, none too long: a line of a million commas is a million cells."""
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    ends = np.flatnonzero(data == ord("\n"))
    if ends.size + 1 > _MAX_LINES:
        raise DataError(
            f"the file has {ends.size + 1:,} lines; at most {MAX_POINTS:,} rows of data are "
            "supported: keep fewer rows"
        )
    lengths = np.diff(ends, prepend=-1, append=data.size) - 1  # in bytes
    longest = int(np.argmax(lengths))
    if lengths[longest] > _MAX_LINE_BYTES:
        raise DataError(
            f"line {longest + 1:,} is {int(lengths[longest]):,} bytes long; rows of x and y "
            "are far shorter: is this a CSV file?"
        )


def _records(text: str, delimiter: str):
    """``(row, line, cells)`` for each row that is not blank.

    ``row`` counts every row from 1, blank ones too, as a spreadsheet does (a
    quoted cell may span lines); ``line`` is the last line the row uses.
    """
    reader = csv.reader(
        io.StringIO(text), delimiter=delimiter, quotechar='"', skipinitialspace=True
    )
    row = 0
    try:
        for cells in reader:
            row += 1
            if any(map(str.strip, cells)):
                yield row, reader.line_num, cells
    except csv.Error as exc:
        raise DataError(
            f"row {row + 1} cannot be read as CSV ({exc}): is this a CSV file?"
        ) from None


def _kind(cell: str, delimiter: str) -> str:
    """``"empty"``, ``"number"``, ``"special"`` (NaN, inf, #N/A, #DIV/0!) or ``"text"``."""
    text = cell.strip()
    if not text:
        return "empty"
    if _NUMBER["."].fullmatch(text) or (delimiter != "," and _NUMBER[","].fullmatch(text)):
        return "number"
    folded = text.casefold()
    if folded in _MISSING or folded in _INFINITE or text.startswith("#"):
        return "special"
    return "text"


def _pick_columns(names, rows, delimiter) -> tuple[int, int]:
    """Columns named x and y, else the first two that mostly hold numbers."""
    if names is not None:
        folded = [name.strip().casefold() for name in names]
        if "x" in folded and "y" in folded:
            return folded.index("x"), folded.index("y")
    def column_cells(col):
        return [cells[col] for cells in rows if col < len(cells)]

    width = max(len(cells) for cells in rows)
    numeric, example = [], None
    for col in range(width):
        kinds = [_kind(cell, delimiter) for cell in column_cells(col)]
        numbers, texts = kinds.count("number"), kinds.count("text")
        if numbers and numbers + kinds.count("special") >= texts:
            numeric.append(col)
        elif texts and example is None:
            text = next(c for c in column_cells(col) if _kind(c, delimiter) == "text")
            example = f"; {_column_label(col, names)} holds text such as {_show(text)}"
    if len(numeric) >= 2:
        return numeric[0], numeric[1]
    if width == 1:
        raise DataError(
            "every row has a single column, so there is no x and y: separate the two "
            'numbers of each row with a comma, a semicolon or a tab, as in "1.5,2.7"'
        )
    found = "none" if not numeric else f"only {_column_label(numeric[0], names)}"
    raise DataError(
        f"read_csv needs two columns of numbers, x and y, but found {found} among "
        f"{width} columns{example or ''}: name the columns x and y in a header row, "
        "or put the numbers in two columns"
    )


def _line_offset(text: str, lines: int) -> int:
    """Where line ``lines + 1`` of ``text`` starts."""
    offset = 0
    for _ in range(lines):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return len(text)
    return offset


def _layout(text: str, delimiter: str) -> _Layout:
    records = _records(text, delimiter)
    first = next(records, None)
    if first is None:
        raise DataError(
            "the file is empty: it needs a row of numbers x, y per point "
            '(and may start with a header row "x,y")'
        )
    _, line, cells = first
    kinds = [_kind(cell, delimiter) for cell in cells]
    names, body_start, sample = None, 0, [cells]
    if kinds.count("text") > kinds.count("number"):  # a header: words, not numbers
        names, body_start, sample = tuple(cells), _line_offset(text, line), []
    for _, _, cells in records:
        sample.append(cells)
        if len(sample) == _SAMPLE_ROWS:
            break
    records.close()
    if not sample:
        shown = ", ".join(_show(name) for name in names[:10])
        raise DataError(
            f"the file has only a header row ({shown}) and no data: add at least 2 rows "
            "of numbers below it"
        )
    x_col, y_col = _pick_columns(names, sample, delimiter)
    used = (row[col].strip() for row in sample for col in (x_col, y_col) if col < len(row))
    marks = (m for cell in used for m in ".," if m in cell and _NUMBER[m].fullmatch(cell))
    decimal = "." if delimiter == "," else next(marks, None)
    return _Layout(delimiter, names, x_col, y_col, decimal, body_start)


def _read_fast(text: str, layout: _Layout) -> tuple[np.ndarray, np.ndarray] | None:
    """x and y by pandas' C parser; None unless every value is a finite number."""
    import pandas as pd

    body = text[layout.body_start :]
    if body.startswith("\ufeff"):  # pandas would drop it, _read_slow would not
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(body),
            sep=layout.delimiter,
            header=None,
            usecols=[layout.x_col, layout.y_col],
            dtype=np.float64,
            decimal=layout.decimal or ".",
            quotechar='"',
            skipinitialspace=True,
            skip_blank_lines=True,
            index_col=False,
            engine="c",
        )
        x = frame[layout.x_col].to_numpy(dtype=np.float64)
        y = frame[layout.y_col].to_numpy(dtype=np.float64)
    except Exception:  # whatever pandas objects to, _read_slow finds and names
        return None
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        return None
    return x, y


class _CellReader:
    """Turns cells into floats, holding to the first decimal mark it meets."""

    def __init__(self, layout: _Layout) -> None:
        self.delimiter = layout.delimiter
        self.names = layout.names
        self.decimal = "." if layout.delimiter == "," else None
        self.decimal_row = 0

    def number(self, cell: str, row: int, col: int) -> float:
        text = cell.strip()
        if _NUMBER["."].fullmatch(text):
            mark, value = ".", text
        elif self.delimiter != "," and _NUMBER[","].fullmatch(text):
            mark, value = ",", text.replace(",", ".")
        else:
            raise DataError(self._bad(text, row, col))
        if mark in text and self.decimal != mark:
            if self.decimal is not None:
                raise DataError(
                    f"row {row}, {_column_label(col, self.names)}: {_show(text)} has a "
                    f"decimal {'point' if mark == '.' else 'comma'}, but row {self.decimal_row} "
                    f"has a decimal {'comma' if mark == '.' else 'point'}: use one decimal "
                    "mark throughout the file"
                )
            self.decimal, self.decimal_row = mark, row
        number = float(value)
        if abs(number) == np.inf:
            raise DataError(
                f"row {row}, {_column_label(col, self.names)} holds {_show(text)}, which is "
                "too large for a float64 (it overflows to infinity): rescale the data"
            )
        return number

    def _bad(self, text: str, row: int, col: int) -> str:
        where = f"row {row}, {_column_label(col, self.names)}"
        folded = text.casefold()
        shown = _show(text)
        if not text:
            return (
                f"{where} is empty: every row needs a number for x and for y; fill it in "
                "or delete the row"
            )
        if folded in _MISSING:
            return f"{where} holds {shown}, a missing value (NaN): fill it in or delete the row"
        if folded in _INFINITE:
            return f"{where} holds {shown}, which is not a finite number: fix it or delete the row"
        if text.startswith("#"):
            return f"{where} holds {shown}, a spreadsheet error: fix the formula or delete the row"
        hint = ""
        if self.delimiter == "," and _NUMBER[","].fullmatch(text):
            hint = (
                ' (a decimal comma? in a comma-separated file write 1.5, not 1,5, or '
                'separate the columns with ";")'
            )
        return f"{where}: {shown} is not a number{hint}; fix it or delete the row"


def _read_slow(text: str, layout: _Layout) -> tuple[np.ndarray, np.ndarray]:
    """x and y by the csv module, row by row; DataError names the first bad cell."""
    careful = _CellReader(layout)
    plain = _NUMBER["."].fullmatch
    x_col, y_col = layout.x_col, layout.y_col
    width = max(x_col, y_col) + 1
    xs: list[float] = []
    ys: list[float] = []
    records = _records(text, layout.delimiter)
    if layout.names is not None:
        next(records)  # the header
    for row, _, cells in records:
        if len(cells) < width:
            missing = x_col if len(cells) <= x_col else y_col
            raise DataError(
                f"row {row} has only {len(cells)} column{'s' * (len(cells) != 1)}, so "
                f"{_column_label(missing, layout.names)} is missing: every row needs x and y"
            )
        # (At most _MAX_LINES rows: read_csv checks MAX_POINTS afterwards.)
        # The common row, two plain numbers, without a method call per cell.
        x_text, y_text = cells[x_col].strip(), cells[y_col].strip()
        if (
            plain(x_text)
            and plain(y_text)
            and (careful.decimal == "." or ("." not in x_text and "." not in y_text))
        ):
            x_value, y_value = float(x_text), float(y_text)
            if x_value - x_value == 0.0 and y_value - y_value == 0.0:  # both finite
                xs.append(x_value)
                ys.append(y_value)
                continue
        xs.append(careful.number(cells[x_col], row, x_col))
        ys.append(careful.number(cells[y_col], row, y_col))
    return np.array(xs, dtype=np.float64), np.array(ys, dtype=np.float64)


def read_csv(source) -> Dataset:
    """Points read from a CSV file: columns x and y, or the first two of numbers.

    Accepts a file as people save it: with a header row or without; separated
    by commas, semicolons or tabs (found from the first lines); decimal commas
    (``1,5;2,7``) in a file not separated by commas; quoted numbers
    (``"1.5"``); more columns than two; a UTF-8 byte order mark; Windows line
    endings; blank rows. The columns named ``x`` and ``y`` (any case, spaces
    around ignored) are used when the header has both, else the first two
    columns that hold numbers.

    Rejects, with a message naming the row (counted from 1 as in a
    spreadsheet, the header row included) or the column: an empty file; a
    header without data; a cell that is not a number, empty, NaN or infinite
    (shown, cut to 30 characters); a decimal point in a file that uses decimal
    commas, or the other way round; fewer than 2 or more than ``MAX_POINTS``
    data rows; the same x in every row (the slope is undefined); fewer than
    two columns of numbers; binary or other non-UTF-8 content; a file over 64
    MB (checked before it is read where the size is known).

    Nothing is written to disk and nothing is evaluated.

    Args:
        source: a path (``str`` or ``os.PathLike``), the file's ``bytes``, or
            a file object opened in text or binary mode. An ``io.BytesIO``
            such as Streamlit's ``UploadedFile`` is read whole by its
            ``getvalue()``, whatever its position.

    Returns:
        The :class:`Dataset` of the file's rows, in order.

    Raises:
        DataError: for anything above that cannot be read as points, and for
            a ``source`` of any other type.

    >>> read_csv(b"x,y\\n0,1\\n1,3\\n").n
    2
    >>> read_csv(b"Zeit;Weg\\n0;1,5\\n1;3,5\\n").y.tolist()
    [1.5, 3.5]
    >>> read_csv(b"x,y\\n0,1\\n1,abc\\n")
    Traceback (most recent call last):
    ...
    lrcore.data.DataError: row 3, column 2 ('y'): 'abc' is not a number; fix it or delete the row
    """
    text = _decode(_read_source(source))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    _check_lines(text)
    delimiter = _sniff_delimiter(text)
    text = text[: _end_of_rows(text, delimiter)]
    layout = _layout(text, delimiter)
    columns = _read_fast(text, layout)
    if columns is None:
        columns = _read_slow(text, layout)
    x, y = columns
    if x.size < 2:
        raise DataError(
            f"the file has {x.size} row of data; a line needs at least 2 points: add rows"
        )
    if x.size > MAX_POINTS:
        raise DataError(
            f"the file has {x.size:,} data rows; at most {MAX_POINTS:,} are supported: "
            "keep fewer rows (a random sample of them fits the same line)"
        )
    if np.all(x == x[0]):
        raise DataError(
            f"{_column_label(layout.x_col, layout.names)}, used as x, holds {float(x[0])!r} "
            "in every row, so the slope w is undefined: x needs at least two different values"
        )
    with np.errstate(all="ignore"):  # huge values: Dataset raises DataError
        return Dataset(x, y)
