"""The step cursor of a recorded run: a small pure object that every page's controls drive.

Like algorithm-visualizer's player, it holds a position in a trace and one guard (``clamp``)
behind every move: ``first``, ``prev``, ``next``, ``last``, ``seek``; ``tick`` is autoplay's clock
and ``reveal`` checks a learner's prediction before moving on. Stepping back costs nothing,
because nothing is recomputed. Tests drive it without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.trace import Trace
from engine.views import check_prediction

AUTOPLAY_SECONDS = 2.5


@dataclass
class Player:
    """Where a learner is in a run of ``total`` steps (1-based), and what autoplay and predict hold.

    ``position`` is the step asked for; ``step`` is it within the run's bounds. When the run
    shrinks (another scenario) and grows again (the learner's own longer DAG), the step asked
    for comes back instead of being lost to the shorter run.
    """

    total: int
    position: int = 1
    autoplay: bool = False
    last_tick: float | None = None  # when autoplay last moved (monotonic seconds)
    prediction: tuple[bool, str] | None = None  # the last prediction's outcome, shown until the next move

    def clamp(self, step: int) -> int:
        return min(max(1, int(step)), max(1, self.total))

    @property
    def step(self) -> int:
        return self.clamp(self.position)

    # -- moves ---------------------------------------------------------------------------
    def ask(self, step: int) -> None:
        """A step asked for before the run it belongs to is known (a deep link to a learner's own
        DAG): kept as asked, and shown within whichever run the page then gives (``step``)."""
        self.position = max(1, int(step))
        self.prediction = None

    def seek(self, step: int) -> int:
        self.position = self.clamp(step)
        self.prediction = None
        return self.position

    def first(self) -> int:
        return self.seek(1)

    def prev(self) -> int:
        return self.seek(self.step - 1)

    def next(self) -> int:
        return self.seek(self.step + 1)

    def last(self) -> int:
        return self.seek(self.total)

    def resize(self, total: int) -> None:
        """Another run (a scenario or DAG changed): ``step`` stays within it."""
        self.total = total

    @property
    def at_start(self) -> bool:
        return self.step <= 1

    @property
    def at_end(self) -> bool:
        return self.step >= self.total

    # -- autoplay --------------------------------------------------------------------------
    def tick(self, now: float, every: float = AUTOPLAY_SECONDS) -> bool:
        """Autoplay's clock: move on when ``every`` seconds have passed; stop at the end.
        Returns whether the step changed."""
        if not self.autoplay:
            return False
        if self.last_tick is None:
            self.last_tick = now
            return False
        if now - self.last_tick < every:
            return False
        self.last_tick = now
        if self.at_end:
            self.autoplay = False
            return False
        self.next()
        return True

    def seconds_to_next(self, now: float, every: float = AUTOPLAY_SECONDS) -> float:
        return max(0.0, every - (now - self.last_tick)) if self.last_tick is not None else every

    # -- predict, then step ----------------------------------------------------------------
    def reveal(self, trace: Trace, variable: str, value: str) -> tuple[bool, str]:
        """Check "``variable`` becomes ``value`` at the next step", then show that step."""
        outcome = check_prediction(trace, self.step + 1, variable, value)
        self.next()
        self.prediction = outcome
        return outcome
