"""One setting of the app: its widget, its URL query parameter, its bounds,
and how a value that arrived in a URL is read: numbers are parsed, checked
for being finite and clamped into range; anything else is ignored, each
adjustment with a sentence the page shows the learner."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

#: The longest URL value looked at; anything longer is ignored unread.
MAX_URL_VALUE = 64
#: The most schedules the schedules page runs at once (and a link may name).
MAX_SCHEDULES = 6
#: How Streamlit's number input writes a float when it is given no format.
DEFAULT_FORMAT = "%0.2f"


def format_rate(value: float, digits: int = 4) -> str:
    """A learning rate as the short label the controls and the URL use."""
    return f"{value:.{digits}g}"


@dataclass(frozen=True)
class Setting:
    """One setting: a widget, its URL query parameter and its bounds.

    kind: "float", "int" (a whole number), "bool", "choice" (one of
    ``options``), "multi" (several of them) or "rate" (a learning rate on a
    log scale, stored as its label, e.g. "0.02").

    labels: the words the widget shows for ``options``, in the same order
    (none: the options themselves). Streamlit writes these words into the
    address bar, so a link may name an option either way.

    aliases: (old name, option) pairs: names an older link may carry.
    """

    key: str
    label: str
    default: Any
    kind: str = "float"
    low: float | None = None
    high: float | None = None
    options: tuple = ()
    help: str = ""
    labels: tuple = ()
    format: str | None = None
    aliases: tuple = ()

    def clamp(self, value):
        """The nearest allowed value (a half rounds up to a whole number, and
        -0.0 is 0.0: a signed zero would be written "-0").

        >>> Setting("n", "n", 2, "int", 0, 10).clamp(2.5), Setting("w", "w", 0.0, "float", -1, 1).clamp(-0.0)
        (3, 0.0)
        """
        if self.kind in ("float", "int"):
            number = min(max(float(value), self.low), self.high) + 0.0
            return int(math.floor(number + 0.5)) if self.kind == "int" else number
        if self.kind == "rate":
            return format_rate(min(max(float(value), self.low), self.high), 6)
        return value

    def widget_format(self) -> str:
        """How the setting's number input writes its value (printf style)."""
        if self.kind == "int":
            return "%.0f"
        if self.format:
            return self.format
        # a bound or default that two decimals would not show (0.001, 0.999) needs its digits
        shows_bounds = all(float(DEFAULT_FORMAT % bound) == bound for bound in (self.low, self.high, self.default))
        return DEFAULT_FORMAT if shows_bounds else "%g"

    def label_of(self) -> dict:
        """{option: the word its widget shows}, for the options that have a label."""
        return dict(zip(self.options, self.labels))

    def option_named(self, text: str):
        """The option ``text`` names, by itself or by its label; None if none."""
        if text in self.options:
            return text
        if text in self.labels:
            return self.options[self.labels.index(text)]
        return dict(self.aliases).get(text)

    def from_url(self, raw) -> tuple[Any, str | None]:
        """(value to use or None to ignore, a notice or None) for a URL value."""
        text = str(raw).strip()
        shown = text if len(text) <= 20 else text[:17] + "..."
        # quoted as code in a notice: a backtick or a line break would end the quote early
        shown = " ".join(shown.split()).replace("`", "'")
        # a list of choices may be as long as its most items, each of them bounded
        longest = (MAX_URL_VALUE + 1) * MAX_SCHEDULES if self.kind == "multi" else MAX_URL_VALUE
        if len(text) > longest or (self.kind == "multi" and any(len(item) > MAX_URL_VALUE
                                                                 for item in text.split(","))):
            return None, f"`{self.key}` was too long to be a setting and was ignored."
        if self.kind == "bool":
            lowered = text.lower()
            if lowered in ("true", "1", "yes", "on"):
                return True, None
            if lowered in ("false", "0", "no", "off"):
                return False, None
            return None, f"`{self.key}={shown}` is not true or false and was ignored."
        if self.kind == "choice":
            option = self.option_named(text)
            if option is not None:
                return option, None
            return None, f"`{self.key}={shown}` is not one of {', '.join(self.options)} and was ignored."
        if self.kind == "multi":
            named = (self.option_named(item) for item in text.split(","))
            chosen = [option for option in named if option is not None][:MAX_SCHEDULES]
            chosen = list(dict.fromkeys(chosen))
            if not chosen:
                return None, f"`{self.key}={shown}` names none of the choices and was ignored."
            return chosen, None if len(chosen) == len(text.split(",")) else \
                f"`{self.key}`: only {', '.join(chosen)} were understood."
        try:
            number = float(text)
        except ValueError:
            return None, f"`{self.key}={shown}` is not a number and was ignored."
        if not math.isfinite(number):
            return None, f"`{self.key}={shown}` is not a finite number and was ignored."
        value = self.clamp(number)
        numeric = float(value)
        if number == 0 and re.search(r"[1-9]", text.lower().split("e")[0]):
            return value, f"`{self.key}={shown}` is too small for a float to hold; using {value}."
        if numeric != number and not (self.kind == "int" and self.low <= number <= self.high):
            if self.kind == "rate" and math.isclose(numeric, number, rel_tol=1e-5):
                return value, None  # only rounded to the label's digits
            return value, f"`{self.key}={shown}` is outside {self.describe_range()}; using {value}."
        if self.kind == "float":
            box = self.widget_format() % numeric
            if float(box) != numeric and float(box) in (float(self.low), float(self.high), 0.0):
                return value, f"`{self.key}={shown}` is used as it is, but its box shows it as {box.strip()}."
        return value, None

    def describe_range(self) -> str:
        low, high = self.low, self.high
        if self.kind == "int":
            return f"{int(low):,} to {int(high):,}"
        return f"{low:g} to {high:g}"
