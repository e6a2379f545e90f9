"""One Streamlit browser session, spoken over the websocket: no browser.

A session connects to ``/_stcore/stream`` and talks in the protobufs the
``streamlit`` package ships, the way the browser's frontend does:

- It opens a page as a link does: the first ``rerun_script`` BackMsg carries
  the link's query string and the page's name from its URL path ("Data" for
  ``/Data``, "" for the home page), with no widget states.
- It reads ForwardMsgs until ``script_finished``. From the deltas it keeps
  every widget's id and current value (a value the server sets wins, a new
  widget starts at its default, an old one keeps what it held; widgets the
  run did not draw are dropped), and the text the run showed.
- It changes one widget, found by its user key (the widget's id ends in it),
  and sends every widget's value in ``WidgetStates``, as the browser does,
  then waits for ``script_finished`` again.
- It goes to another page as a sidebar link does: the page's script hash,
  from the pages the server listed (its ``navigation`` message).

Large elements the server marks cacheable are kept, and their hashes sent
with each rerun, so the server sends references to them as it does to a
browser. Each step returns a :class:`Rerun`: seconds from the message sent to
the run finished, bytes received (the binary frames), the exception elements,
the text. The websocket is websocket-client's, which gevent (under Locust)
makes cooperative.
"""

from __future__ import annotations

import time
import urllib.parse
from dataclasses import dataclass, field

import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState

#: ``script_finished`` statuses that end a run the learner waits for (a run
#: that ends early for ``st.rerun()`` is followed by the run that counts).
DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
        ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
#: Elements that hold a value the browser sends back.
WIDGETS = {"number_input", "slider", "radio", "selectbox", "multiselect", "checkbox", "button"}
#: Elements whose text a run shows, and the field that holds it.
TEXT = {"markdown": "body", "heading": "body", "alert": "body", "code": "code_text", "text": "body"}


class SessionError(RuntimeError):
    """The server closed the session, or a run did not finish in time."""


class RunTimeout(SessionError):
    """No ``script_finished`` within the session's timeout."""


@dataclass
class Widget:
    """A widget as the browser holds it: its element proto and current value
    (None: the browser sends nothing for it, e.g. a radio with no choice)."""

    id: str
    kind: str
    proto: object
    value: object = None

    @property
    def key(self) -> str | None:
        user_key = self.id.split("-", maxsplit=2)[-1]
        return None if user_key == "None" else user_key

    @property
    def options(self) -> list[str]:
        return list(getattr(self.proto, "options", []))


@dataclass
class Rerun:
    """One script run as the session saw it."""

    what: str
    seconds: float = 0.0
    bytes: int = 0
    messages: int = 0
    exceptions: list = field(default_factory=list)
    texts: list = field(default_factory=list)
    status: int | None = None
    #: The kinds of element ("vega_lite_chart", "markdown", ...) received in
    #: full, and those sent as a reference to a copy received before.
    sent: list = field(default_factory=list)
    referenced: list = field(default_factory=list)

    @property
    def in_use(self) -> str:
        """The sidebar's "In use: ..." sentence (Markdown bold removed), or ""."""
        for text in self.texts:
            if text.startswith("In use:"):
                return text.replace("**", "")
        return ""


def page_name(path: str) -> str:
    """The page name the browser sends for a URL path: '/Data' -> 'Data', '/' -> ''."""
    return urllib.parse.unquote(path.strip("/").split("/")[-1]) if path.strip("/") else ""


def _default_value(kind: str, proto):
    """The value a widget starts with in the browser when the server set none."""
    if kind == "number_input":
        return proto.default if proto.HasField("default") else None
    if kind in ("radio", "selectbox"):
        return proto.options[proto.default] if proto.HasField("default") and proto.options else None
    if kind == "multiselect":
        return [proto.options[i] for i in proto.default]
    if kind == "slider":
        if proto.type == Slider.SELECT_SLIDER:
            return [proto.options[int(i)] for i in proto.default]
        return list(proto.default)
    if kind == "checkbox":
        return proto.default
    return None  # a button holds no value between clicks


def _set_value(kind: str, proto):
    """The value the server set on this run (``set_value``)."""
    if kind in ("radio", "selectbox"):
        return proto.raw_value if proto.HasField("raw_value") else None
    if kind == "multiselect":
        return list(proto.raw_values)
    if kind == "slider":
        return list(proto.raw_value) if proto.type == Slider.SELECT_SLIDER else list(proto.value)
    if kind == "number_input":
        return proto.value if proto.HasField("value") else None
    return proto.value


def widget_state(widget: Widget, trigger: bool = False) -> WidgetState | None:
    """The WidgetState the browser sends for ``widget`` (None: nothing to send)."""
    state = WidgetState(id=widget.id)
    if widget.kind == "button":
        if not trigger:
            return None
        state.trigger_value = True
        return state
    value = widget.value
    if value is None:
        return None
    kind, proto = widget.kind, widget.proto
    if kind == "number_input":
        if proto.data_type == NumberInput.INT:
            state.int_value = int(value)
        else:
            state.double_value = float(value)
    elif kind in ("radio", "selectbox"):
        state.string_value = value
    elif kind == "multiselect" or (kind == "slider" and proto.type == Slider.SELECT_SLIDER):
        state.string_array_value.data.extend(value)
    elif kind == "slider":
        state.double_array_value.data.extend(value)
    elif kind == "checkbox":
        state.bool_value = bool(value)
    return state


class StreamlitSession:
    """A browser session on ``base_url`` (e.g. ``http://127.0.0.1:8501``).

    >>> s = StreamlitSession("http://127.0.0.1:8501")  # doctest: +SKIP
    >>> s.open("/Data", "n=200&seed=7").in_use           # doctest: +SKIP
    >>> s.change("fit_steps", 300).seconds               # doctest: +SKIP
    """

    def __init__(self, base_url: str, *, timeout: float = 60.0, cookie: str | None = None):
        parts = urllib.parse.urlsplit(base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        self.stream_url = f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.timeout = timeout
        self.cookie = cookie  # e.g. a load balancer's route cookie, which a browser would hold
        self.ws = None
        self.query_string = ""
        self.page_hash = ""
        self.pages: dict[str, str] = {}  # url path name -> page script hash
        self.widgets: dict[str, Widget] = {}
        self.cache: dict[str, ForwardMsg] = {}  # cacheable messages by hash, as the browser keeps them
        self.last: Rerun | None = None

    # --- the connection ---------------------------------------------------------------

    def connect(self) -> None:
        self.close()
        # The browser names the "streamlit" subprotocol; its second and third
        # entries (an XSRF token, a session to resume) stay empty for a new session.
        self.ws = websocket.create_connection(
            self.stream_url, timeout=self.timeout, subprotocols=["streamlit"], origin=self.origin,
            cookie=self.cookie, enable_multithread=False)

    def close(self) -> None:
        if self.ws is not None:
            try:
                self.ws.close(timeout=1)
            except Exception:  # closing a broken socket: nothing more to do
                pass
            self.ws = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- what a learner does ------------------------------------------------------------

    def open(self, path: str = "/", query: str | dict = "") -> Rerun:
        """A new session on the page at ``path`` with ``query`` (a link opened)."""
        if isinstance(query, dict):
            query = urllib.parse.urlencode(query, doseq=True)
        self.connect()
        self.query_string = query.lstrip("?")
        self.widgets, self.page_hash, self.pages = {}, "", {}
        return self._rerun(f"open {path}", page_name=page_name(path), widgets=False)

    def goto(self, path: str) -> Rerun:
        """Go to another page of the app as a sidebar link does."""
        name = page_name(path)
        if name not in self.pages:
            raise SessionError(f"no page {path!r}; the app lists {sorted(self.pages)}")
        self.page_hash = self.pages[name]
        return self._rerun(f"page {path}")

    def widget(self, key: str) -> Widget:
        for widget in self.widgets.values():
            if widget.key == key:
                return widget
        raise KeyError(f"no widget with key {key!r} on this page; keys: {sorted(filter(None, self.keys()))}")

    def keys(self) -> list:
        return [widget.key for widget in self.widgets.values()]

    def change(self, key: str, value) -> Rerun:
        """Set the widget with user key ``key`` to ``value`` and rerun.

        ``value``: a number for a number input; an option's label, or its
        index, for a radio, select box or select slider; a list of labels for
        a multiselect; a bool for a toggle or checkbox; anything for a button
        (a click)."""
        widget = self.widget(key)
        trigger = None
        if widget.kind == "button":
            trigger = widget.id
        else:
            if widget.kind in ("radio", "selectbox") and isinstance(value, int):
                value = widget.options[value]
            elif widget.kind == "slider" and widget.proto.type == Slider.SELECT_SLIDER:
                value = [widget.options[value] if isinstance(value, int) else str(value)]
            widget.value = value
            self._bind_to_url(widget)
        return self._rerun(f"change {key}", trigger=trigger)

    # --- the protocol ----------------------------------------------------------------------

    def _bind_to_url(self, widget: Widget) -> None:
        """The browser writes a bound widget's new value into the address bar,
        and the next rerun carries it (the default value leaves the URL)."""
        param = getattr(widget.proto, "query_param_key", "")
        if not param:
            return
        pairs = [(k, v) for k, v in urllib.parse.parse_qsl(self.query_string, keep_blank_values=True) if k != param]
        value = widget.value
        if value != _default_value(widget.kind, widget.proto):
            if isinstance(value, list):
                pairs += [(param, str(v)) for v in value]
            elif isinstance(value, bool):
                pairs.append((param, str(value).lower()))
            elif isinstance(value, float) and value.is_integer():
                pairs.append((param, str(int(value))))
            else:
                pairs.append((param, str(value)))
        self.query_string = urllib.parse.urlencode(pairs)

    def _rerun(self, what: str, *, page_name: str = "", widgets: bool = True, trigger: str | None = None) -> Rerun:
        if self.ws is None:
            raise SessionError("not connected")
        message = BackMsg()
        rerun = message.rerun_script
        rerun.query_string = self.query_string
        rerun.page_script_hash = self.page_hash
        rerun.page_name = page_name
        rerun.cached_message_hashes.extend(self.cache)
        if widgets:
            for widget in self.widgets.values():
                state = widget_state(widget, trigger=widget.id == trigger)
                if state is not None:
                    rerun.widget_states.widgets.append(state)
        result = Rerun(what)
        started = time.perf_counter()
        self.ws.send_binary(message.SerializeToString())
        self._read_run(result, started)
        self.last = result
        return result

    def _read_run(self, result: Rerun, started: float) -> None:
        deadline = started + self.timeout
        seen: dict[str, Widget] = {}
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise RunTimeout(f"{result.what}: no script_finished within {self.timeout:g} s")
            self.ws.settimeout(left)
            try:
                opcode, frame = self.ws.recv_data()
            except websocket.WebSocketTimeoutException as error:
                raise RunTimeout(f"{result.what}: no script_finished within {self.timeout:g} s") from error
            except (websocket.WebSocketConnectionClosedException, OSError) as error:
                self.ws = None
                raise SessionError(f"{result.what}: the server closed the session ({error})") from error
            if opcode != websocket.ABNF.OPCODE_BINARY:
                continue
            result.bytes += len(frame)
            result.messages += 1
            msg = ForwardMsg.FromString(frame)
            kind = msg.WhichOneof("type")
            by_reference = kind == "ref_hash"
            if by_reference:
                cached = self.cache.get(msg.ref_hash)
                if cached is None:
                    raise SessionError(f"{result.what}: the server referred to a message never received")
                msg, kind = cached, "delta"
            elif msg.metadata.cacheable and msg.hash:
                self.cache[msg.hash] = msg
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element.WhichOneof("type")
                (result.referenced if by_reference else result.sent).append(element)
            if kind == "delta":
                self._read_delta(msg.delta, result, seen)
            elif kind in ("new_session", "navigation"):  # the app's pages
                for page in getattr(msg, kind).app_pages:
                    # by URL path ("Loss_slice"), by name ("Loss slice"), and "" for the home page
                    for name in {page.url_pathname, page.page_name} | ({""} if page.is_default else set()):
                        self.pages[name] = page.page_script_hash
                self.page_hash = getattr(msg, kind).page_script_hash
                if kind == "navigation":
                    continue
                seen.clear()  # a new run starts (after st.rerun(), the one before is dropped)
                result.texts.clear()
                result.exceptions.clear()
            elif kind == "page_info_changed":
                self.query_string = msg.page_info_changed.query_string
            elif kind == "page_not_found":
                result.exceptions.append(f"page not found: {msg.page_not_found.page_name!r}")
            elif kind == "script_finished" and msg.script_finished in DONE:
                result.seconds = time.perf_counter() - started
                result.status = msg.script_finished
                self._keep(seen)
                return

    def _read_delta(self, delta, result: Rerun, seen: dict) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            result.exceptions.append(f"{element.exception.type}: {element.exception.message}")
        elif kind in TEXT:
            result.texts.append(getattr(getattr(element, kind), TEXT[kind]))
        elif kind in WIDGETS:
            proto = getattr(element, kind)
            if proto.id:
                seen[proto.id] = Widget(proto.id, kind, proto)

    def _keep(self, seen: dict) -> None:
        """The browser's widget values after a run: a value the server set
        wins; a widget it had keeps its value; a new one starts at its default;
        widgets the run did not draw are dropped."""
        kept = {}
        for widget_id, widget in seen.items():
            old = self.widgets.get(widget_id)
            if widget.kind != "button" and getattr(widget.proto, "set_value", False):
                widget.value = _set_value(widget.kind, widget.proto)
            elif old is not None and old.kind == widget.kind:
                widget.value = old.value
            else:
                widget.value = _default_value(widget.kind, widget.proto)
            kept[widget_id] = widget
        self.widgets = kept
