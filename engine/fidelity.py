"""Where the lesson simplifies Airflow: the markers its words carry, from ``data/simplifications.yaml``.

The lesson's words stay word for word; each place where they say what Airflow 3.3 does not do
as stated (a table cell's template, a tracked variable's state, a key moment, a snapshot point,
a transcript sentence, a flow node) carries a ``Marker``: a numbered symbol and one sentence of
what Airflow does instead, with the source it is drawn from. Views append ``marker.symbol`` next
to the words and show ``marker.sentence`` in sight (never only in a collapsed section).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from engine.lessons import simplifications
from engine.trace import Step


@dataclass(frozen=True)
class Marker:
    number: int
    id: str
    says: str
    package: str
    file: str
    quote: str

    @property
    def symbol(self) -> str:
        return f"⚑{self.number}"

    @property
    def source(self) -> str:
        return f"{self.package}, {self.file}: “{self.quote}”"

    @property
    def sentence(self) -> str:
        return f"{self.symbol} In Airflow 3.3: {self.says}"


@cache
def all_markers() -> tuple[Marker, ...]:
    return tuple(
        Marker(i, s["id"], " ".join(s["says"].split()), s["package"], s["file"], s["quote"])
        for i, s in enumerate(simplifications(), start=1)
    )


@cache
def _by_place() -> dict[str, tuple[Marker, ...]]:
    places: dict[str, list[Marker]] = {}
    for marker, spec in zip(all_markers(), simplifications()):
        for place in spec["marks"]:
            places.setdefault(place, []).append(marker)
    return {place: tuple(found) for place, found in places.items()}


def at(place: str) -> tuple[Marker, ...]:
    """The markers of one place (``variables.session.closed``, ``transcript.5`` …)."""
    return _by_place().get(place, ())


def step_place(step: Step, field_name: str) -> str:
    place = f"steps.{step.kind}.{step.outcome}.{field_name}"
    template = step.templates.lesson["steps"][step.kind][step.outcome][field_name] if step.templates else None
    return f"{place}.{step.variant}" if isinstance(template, dict) else place


def of_step(step: Step, field_name: str) -> tuple[Marker, ...]:
    return at(step_place(step, field_name))


def with_symbols(text: str, markers: tuple[Marker, ...]) -> str:
    return f"{text} {' '.join(m.symbol for m in markers)}" if markers else text


def places_in(lesson: dict) -> set[str]:
    """Every place of the lesson a marker may name (to check that each one names a real place)."""
    found = {"table_footer_ok", "flow_caption"}
    for kind, spec in lesson["steps"].items():
        for outcome, words in spec.items():
            if isinstance(words, dict):
                for field_name, template in words.items():
                    found.add(f"steps.{kind}.{outcome}.{field_name}")
                    if isinstance(template, dict):
                        found |= {f"steps.{kind}.{outcome}.{field_name}.{src}" for src in template}
    found |= {f"variables.{name}.{state}" for name, states in lesson["variables"].items() for state in states}
    for section in ("key_moments", "concept_snapshot", "transcript"):
        found |= {f"{section}.{i}" for i in range(len(lesson[section]))}
    found |= {f"flow.{node['id']}" for node in lesson["flow"]}
    return found
