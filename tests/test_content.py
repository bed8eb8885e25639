"""The lesson's content in data/ is checked against its schema when loaded: a typo fails at once,
naming its file and where in it."""

from __future__ import annotations

import pytest
import yaml

from engine import lessons
from engine.schema import SCHEMAS, ContentError, ScenarioFile, checked


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_data_file_has_its_shape(name):
    assert checked(name, yaml.safe_load((lessons.DATA_DIR / name).read_text(encoding="utf-8")))


def test_every_scenario_file_has_its_shape():
    for path in (lessons.DATA_DIR / "scenarios").glob("*.yaml"):
        checked(f"scenarios/{path.name}", yaml.safe_load(path.read_text(encoding="utf-8")), ScenarioFile)


@pytest.mark.parametrize(
    "name, mangle, words",
    [
        (
            "quiz.yaml",
            lambda d: d[3].pop("options"),
            "data/quiz.yaml: Object missing required field `options` - at `$[3]`",
        ),
        ("quiz.yaml", lambda d: d[0].update(hnit="typo"), "Object contains unknown field `hnit` - at `$[0]`"),
        ("lesson.yaml", lambda d: d["flow"][2].update(label=7), "Expected `str`, got `int` - at `$.flow[2].label`"),
        (
            "operators.yaml",
            lambda d: d["BigQueryInsertJobOperator"].update(provider="gcp"),
            "Invalid enum value 'gcp' - at `$.BigQueryInsertJobOperator.provider`",
        ),
    ],
)
def test_a_typo_names_its_file_and_place(name, mangle, words):
    data = yaml.safe_load((lessons.DATA_DIR / name).read_text(encoding="utf-8"))
    mangle(data)
    with pytest.raises(ContentError) as info:
        checked(name, data)
    assert words in str(info.value)


def test_a_scenario_with_a_typo_fails_when_the_scenarios_load(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    (data_dir / "scenarios").mkdir(parents=True)
    (data_dir / "scenarios" / "oops.yaml").write_text("id: oops\ntitle: Oops\nsumary: typo\n", encoding="utf-8")
    monkeypatch.setattr(lessons, "DATA_DIR", data_dir)
    lessons.scenarios.cache_clear()
    try:
        with pytest.raises(ContentError, match="data/scenarios/oops.yaml: Object contains unknown field `sumary`"):
            lessons.scenarios()
    finally:
        lessons.scenarios.cache_clear()


def test_every_operator_and_every_way_of_authorising_has_the_lessons_words():
    """The run fills a look-up's words from ``asked_when`` (by the operator's provider) and a client's
    from ``first_request`` (by how its credentials are shown): a missing entry would stop a run."""
    import re
    from pathlib import Path

    from engine.hooks import __file__ as hooks_file
    from engine.lessons import lesson, operators

    assert {spec["provider"] for spec in operators().values()} <= set(lesson()["asked_when"])
    ways = set(re.findall(r'auth(?:: str)? ?= ?"(\w+)"', Path(hooks_file).read_text(encoding="utf-8")))
    assert len(ways) >= 7 and ways <= set(lesson()["first_request"]), ways


def test_a_practice_connection_names_its_scenario_as_the_sidebar_does():
    """The Connections page showed "(scenario aws_s3)"; the sidebar lists "Amazon S3". A scenario a
    description names is one the sidebar lists, by its title."""
    import re

    titles = {s.title for s in lessons.scenarios().values()}
    named = []
    for conn_id, spec in lessons.seed_connections().items():
        text = spec.get("description", "")
        assert not re.search(r"scenario [a-z0-9_]+\b", text), (conn_id, text)
        named += re.findall(r"scenario “([^”]+)”", text)
    assert named and set(named) <= titles, (named, titles)
