"""Play for a replay: a button that moves a chart's own step slider in the
browser, frame after frame, with pause and three speeds.

The chart already holds every frame and its slider (``charts.STEP_PARAM``)
picks which one is drawn; playing is that slider moved by a timer in the
page, so no frame costs a round trip to the server and the slider stays the
way to pick a frame. The frame shown is set by the clock, so on a machine
too slow to draw every frame in time the replay skips frames rather than
dragging on. The control finds the nearest chart above it whose
slider has the given name.

The HTML, CSS and JavaScript below are this module's constants: nothing a
learner types or uploads reaches them (the mount passes a slider's name and
two numbers).
"""

from __future__ import annotations

import math

import streamlit as st

#: How long a whole replay takes at normal speed, in milliseconds.
REPLAY_MS = 8000
#: The quickest and slowest tick of the timer, in milliseconds.
FASTEST_TICK_MS, SLOWEST_TICK_MS = 20, 250
#: The speeds offered: each one's share of the normal tick.
SPEEDS = {"slow": 3.0, "normal": 1.0, "fast": 1 / 3}

_HTML = ('<div class="lre-play"><button class="lre-play-button" type="button">▶ Play</button>'
         '<select class="lre-play-speed" aria-label="Speed">'
         + "".join(f'<option value="{share}"{" selected" if name == "normal" else ""}>{name}</option>'
                   for name, share in SPEEDS.items())
         + "</select></div>")

_CSS = """
.lre-play { display: flex; gap: 0.5rem; align-items: center; font-family: inherit; }
.lre-play-button, .lre-play-speed {
    font: inherit; padding: 0.25rem 0.75rem; border-radius: 0.5rem; cursor: pointer;
    border: 1px solid var(--st-border-color, #d5dae5); background: var(--st-background-color, #fff);
    color: var(--st-text-color, #31333f);
}
.lre-play-button:hover { border-color: var(--st-primary-color, #1f77b4); color: var(--st-primary-color, #1f77b4); }
"""

_JS = """
export default function (component) {
    const { parentElement, data } = component;
    const button = parentElement.querySelector('.lre-play-button');
    const speed = parentElement.querySelector('.lre-play-speed');
    let timer = null;
    let origin = 0, from = 0, shown = null;  // when and where this stretch of play began, and the last frame shown

    // the nearest chart above this control whose step slider is named data.param
    function slider() {
        const root = parentElement.getRootNode();
        const anchor = root && root.host ? root.host : parentElement;
        let box = anchor.closest('[data-testid="stElementContainer"]');
        for (box = box && box.previousElementSibling; box; box = box.previousElementSibling) {
            const found = box.querySelector(`input[type=range][name="${data.param}"]`);
            if (found) return found;
        }
        return null;
    }
    function show(input, value) {
        input.value = String(value);
        shown = input.value;
        input.dispatchEvent(new Event('input', { bubbles: true }));
    }
    function stop() {
        clearInterval(timer);
        timer = null;
        button.textContent = '▶ Play';
    }
    function period() { return data.tick * Number(speed.value); }
    function begin(input) {
        origin = performance.now();
        from = Number(input.value);
        shown = input.value;
    }
    // the frame is placed by the clock, not by counting ticks: where drawing
    // a frame takes longer than a tick, frames are skipped and the replay
    // still ends on time
    function tick() {
        const input = slider();
        if (!input) { stop(); return; }
        if (input.value !== shown) begin(input);  // the learner moved the slider: go on from there
        const last = Number(input.max);
        const due = Math.floor((performance.now() - origin) / period());
        const next = Math.min(from + due * data.stride, last);
        if (String(next) !== input.value) show(input, next);
        if (next >= last) stop();
    }
    function start(input) {
        clearInterval(timer);
        begin(input);
        timer = setInterval(tick, period());
        button.textContent = '⏸ Pause';
    }
    button.onclick = () => {
        if (timer) { stop(); return; }
        const input = slider();
        if (!input) return;
        if (Number(input.value) >= Number(input.max)) show(input, input.min);  // from the start again
        start(input);
    };
    speed.onchange = () => { const input = slider(); if (timer && input) start(input); };
    return () => clearInterval(timer);
}
"""

_PLAY = st.components.v2.component("lre_play", html=_HTML, css=_CSS, js=_JS)


def timing(last: int, frames: int) -> tuple[int, int]:
    """(steps per tick, tick in ms) that play ``frames`` frames of a run
    ending at step ``last`` in about ``REPLAY_MS``.

    >>> timing(200, 201), timing(5000, 1001), timing(20, 21)
    ((1, 40), (5, 20), (1, 250))
    """
    frames = max(int(frames), 1)
    stride = max(1, math.ceil(last / frames))
    ticks = max(1, math.ceil(last / stride))
    return stride, int(min(max(REPLAY_MS / ticks, FASTEST_TICK_MS), SLOWEST_TICK_MS))


def button(param: str, *, last: int, frames: int, key: str) -> None:
    """Play and pause for the chart just above, whose step slider is
    ``param`` (0 to ``last``); ``frames``: how many frames the chart holds."""
    stride, tick = timing(last, frames)
    _PLAY(data={"param": param, "stride": stride, "tick": tick}, key=key)
