"""Argument checks for the whole engine, with one message format.

Every public function of ``lrcore`` checks its arguments here, as
scikit-learn's ``_param_validation`` does for its estimators, so that a bad
argument reads the same wherever it is passed::

    ValueError("momentum must be a real number in [0, 1), got '0.5'")

that is ``f"{name} must be {what it must be}, got {the value}"``. The rules,
decided once for the engine:

- A number is an ``int``, a ``float``, or a numpy integer or floating scalar
  (or a 0-d numpy array of one). ``bool``, ``str``, ``bytes``, ``None`` and
  complex numbers are never numbers: ``"0.5"`` is rejected, not converted.
- A real number is finite unless ``allow_inf``; NaN never passes.
- An integer is an ``int`` or a numpy integer; a float is not an integer,
  even a whole one (``n=50.0`` is rejected), as no count in the engine is
  ever a float. (A schedule's *step*, the point it is evaluated at, follows
  its own rule: see ``lrcore.schedules``.)
- A flag is ``True`` or ``False`` (``bool`` or ``numpy.bool_``), not 0 or 1.
- Arrays of numbers (:func:`real_array`) have an integer or floating dtype;
  a bad element is named with its index, ``lr[3]``.
- A dataset that is not a :class:`lrcore.Dataset` is a
  :class:`lrcore.DataError` (a ``ValueError``).

Checks that need more than one argument (``x_min < x_max``, a batch size
against ``n``) stay next to the function that knows why, and raise
:func:`error`'s message too.
"""

from __future__ import annotations

import math
import re
from numbers import Real

import numpy as np

from . import data as _data  # Dataset and DataError; data.py checks its own arguments here too

__all__ = ["choice", "dataset", "error", "flag", "integer", "real", "real_array", "shown"]

#: Longest value a message shows, in characters.
_SHOWN_CHARS = 80


def shown(value) -> str:
    """``repr(value)`` on one line, cut to about 80 characters; a numpy scalar
    as the Python value it holds.

    >>> shown("0.5"), shown(np.float64(2.5)), len(shown(list(range(100))))
    ("'0.5'", '2.5', 80)
    """
    if isinstance(value, np.generic):
        value = value.item()
    text = re.sub(r"\s+", " ", repr(value))
    if len(text) > _SHOWN_CHARS:
        text = text[: _SHOWN_CHARS - 3] + "..."
    return text


def error(name: str, wants: str, value) -> ValueError:
    """The engine's one message: ``"{name} must be {wants}, got {value}"``.

    >>> error("steps", "an integer >= 0", -1)
    ValueError('steps must be an integer >= 0, got -1')
    """
    return ValueError(f"{name} must be {wants}, got {shown(value)}")


def _number(value):
    """The int or float a number holds, or None for anything that is not one."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        return None
    return value


def _bound(value) -> str:
    """A bound as people write it: 0 not 0.0, 1e-12, 1000000."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _interval(low, high, low_open: bool, high_open: bool) -> str:
    """``" in [0, 1)"``, ``" >= 0"``, ``" < 1"`` or ``""``."""
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{_bound(low)}, {_bound(high)}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {_bound(low)}"
    if high is not None:
        return f" {'<' if high_open else '<='} {_bound(high)}"
    return ""


def _outside(number, low, high, low_open: bool, high_open: bool) -> bool:
    if low is not None and (number < low or (low_open and number == low)):
        return True
    return high is not None and (number > high or (high_open and number == high))


def real(name: str, value, *, low=None, high=None, low_open=False, high_open=False, allow_inf=False) -> float:
    """``value`` as a float, if it is a real number within the bounds.

    Args:
        name: the parameter's name, for the message.
        value: an int, float, numpy integer or floating scalar.
        low, high: bounds, inclusive unless ``low_open``/``high_open``; None: none.
        allow_inf: accept +-inf (within the bounds); NaN is never accepted.

    Raises ``ValueError`` naming ``name`` and ``value`` for a bool, str,
    bytes, None, complex number, NaN, inf (unless ``allow_inf``) or a value
    out of range.

    >>> real("lr", 0.1, low=0.0), real("lr", np.int64(2), low=0.0)
    (0.1, 2.0)
    >>> real("momentum", "0.5", low=0.0, high=1.0, high_open=True)
    Traceback (most recent call last):
    ...
    ValueError: momentum must be a real number in [0, 1), got '0.5'
    >>> real("eps", 0.0, low=0.0, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: eps must be a finite real number > 0, got 0.0
    """
    finite = "" if allow_inf or (low is not None and high is not None) else "finite "
    number = _number(value)
    if number is not None:
        try:
            number = float(number)
        except OverflowError:  # an int past the largest float
            number = math.inf if number > 0 else -math.inf
    if (
        number is None
        or math.isnan(number)
        or (math.isinf(number) and not allow_inf)
        or _outside(number, low, high, low_open, high_open)
    ):
        raise error(name, f"a {finite}real number{_interval(low, high, low_open, high_open)}", value)
    return number


def integer(name: str, value, *, low=None, high=None) -> int:
    """``value`` as an int, if it is an integer in ``[low, high]``.

    An ``int`` or a numpy integer (not a bool, and not a float, even a whole one).

    >>> integer("steps", 10, low=0), integer("n", np.int32(5), low=2, high=10)
    (10, 5)
    >>> integer("n", 2.0, low=2)
    Traceback (most recent call last):
    ...
    ValueError: n must be an integer >= 2, got 2.0
    """
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        value = value.item()
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, (int, np.integer))
        or _outside(int(value), low, high, False, False)
    ):
        raise error(name, f"an integer{_interval(low, high, False, False)}", value)
    return int(value)


def flag(name: str, value) -> bool:
    """``value`` as a bool, if it is ``True`` or ``False`` (``bool`` or ``numpy.bool_``).

    >>> flag("staircase", np.True_)
    True
    >>> flag("nesterov", 1)
    Traceback (most recent call last):
    ...
    ValueError: nesterov must be True or False, got 1
    """
    if not isinstance(value, (bool, np.bool_)):
        raise error(name, "True or False", value)
    return bool(value)


def choice(name: str, value, options, *, ignore_case: bool = False) -> str:
    """``value`` if it is one of the strings ``options`` (the option itself).

    With ``ignore_case`` the value's case and surrounding spaces do not
    matter (``" Adam "`` is ``"adam"``), as for optimizer and loss names.

    >>> choice("anneal", "cos", ("cos", "linear")), choice("loss", " MSE ", ("mse", "mae"), ignore_case=True)
    ('cos', 'mse')
    >>> choice("mode", "Triangular", ("triangular", "exp_range"))
    Traceback (most recent call last):
    ...
    ValueError: mode must be one of 'triangular', 'exp_range', got 'Triangular'
    """
    options = tuple(options)
    if isinstance(value, str):
        key = value.strip().lower() if ignore_case else value
        for option in options:
            if key == (option.lower() if ignore_case else option):
                return option
    raise error(name, f"one of {', '.join(map(repr, options))}", value)


def dataset(name: str, value):
    """``value`` if it is a :class:`lrcore.Dataset`, else :class:`lrcore.DataError`.

    >>> from lrcore import Dataset
    >>> dataset("data", Dataset([0, 1], [1, 3])).n
    2
    >>> dataset("data", [[0, 1], [1, 3]])
    Traceback (most recent call last):
    ...
    lrcore.data.DataError: data must be a lrcore Dataset (lrcore.Dataset(x, y)), got [[0, 1], [1, 3]]
    """
    if not isinstance(value, _data.Dataset):
        raise _data.DataError(str(error(name, "a lrcore Dataset (lrcore.Dataset(x, y))", value)))
    return value


def _holds_bool(items) -> bool:
    """Whether nested lists or tuples hold a bool (numpy turns [0.5, True] into floats)."""
    stack = [items]
    while stack:
        for item in stack.pop():
            if isinstance(item, (list, tuple)):
                stack.append(item)
            elif isinstance(item, (bool, np.bool_)):
                return True
    return False


def real_array(
    name: str,
    value,
    *,
    low=None,
    high=None,
    low_open=False,
    high_open=False,
    allow_inf=False,
    allow_nan=False,
) -> np.ndarray:
    """``value`` as a float64 array (a new one, or ``value`` itself if it is
    already float64), if it holds real numbers within the bounds.

    A number or any nesting of sequences of them; the dtype must be integer or
    floating (strings, bools, objects and complex numbers are rejected, with
    ``value`` in the message; so is a bool in a list of numbers, which numpy
    would turn into 1.0). Each element is then checked as :func:`real`
    checks a number (NaN passes only with ``allow_nan``); the first bad one is
    named with its index.

    Args:
        name: the parameter's name.
        value: numbers, any shape.
        low, high, low_open, high_open, allow_inf: as in :func:`real`.
        allow_nan: accept NaN (where a NaN is data, e.g. a diverged loss).

    >>> real_array("lr", [0.1, 2], low=0.0).tolist()
    [0.1, 2.0]
    >>> real_array("lr", ["0.1"])
    Traceback (most recent call last):
    ...
    ValueError: lr must be real numbers, got ['0.1']
    >>> real_array("lr", [0.1, -1.0, 0.2], low=0.0)
    Traceback (most recent call last):
    ...
    ValueError: lr[1] must be a finite real number >= 0, got -1.0
    """
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        raw = None
    if raw is None or raw.dtype.kind not in "iuf" or (isinstance(value, (list, tuple)) and _holds_bool(value)):
        raise error(name, "real numbers", value)
    array = raw if raw.dtype == np.float64 else raw.astype(np.float64)
    if low is None and high is None and allow_inf and allow_nan:
        return array
    with np.errstate(invalid="ignore"):
        good = np.ones(array.shape, dtype=bool) if allow_nan else ~np.isnan(array)
        if not allow_inf:
            good &= ~np.isinf(array)
        if low is not None:
            good &= ~((array <= low) if low_open else (array < low))
        if high is not None:
            good &= ~((array >= high) if high_open else (array > high))
    if not good.all():
        where = np.unravel_index(int(np.argmin(good.ravel())), array.shape)
        index = ", ".join(str(int(i)) for i in where)
        label = f"{name}[{index}]" if array.ndim else name
        finite = "" if allow_inf or (low is not None and high is not None) else "finite "
        bad = raw[where] if array.ndim else raw[()]
        raise error(label, f"a {finite}real number{_interval(low, high, low_open, high_open)}", bad)
    return array
