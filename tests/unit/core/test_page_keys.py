"""Label and choice hotkeys never take a key of the labeling page (issue 13, item 6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from visualner.errors import InvalidInput
from visualner.projects.config import HOTKEY_PATTERN, parse_label_config
from visualner.projects.page_keys import PAGE_KEYS, parse_config_to_save
from visualner.projects.templates import TEMPLATES

LABELING_SCRIPTS = Path(__file__).parents[3] / "src/visualner/web/static/js/labeling"
LOGO_ON_L = """<View>
  <Image name="image" value="$image"/>
  <Labels name="label" toName="image"><Label value="PERSON" hotkey="1"/></Labels>
  <RectangleLabels name="box" toName="image"><Label value="LOGO" hotkey="L"/></RectangleLabels>
</View>"""


def keys_bound_by_the_page() -> set[str]:
    """Every key a labeling script binds (key_bindings.js, and panels such as the review's)."""
    lists = [
        keys
        for script in LABELING_SCRIPTS.rglob("*.js")
        for keys in re.findall(r"keymap\.bind\(\[([^\]]*)\]", script.read_text())
    ]
    return {key for keys in lists for key in re.findall(r'"([^"]+)"', keys)}


def test_every_page_key_a_hotkey_could_take_is_refused_on_save() -> None:
    bound = keys_bound_by_the_page()
    assert {"l", "v", "r", "ctrl+z", "alt+a"} <= bound
    takeable = {key for key in bound if HOTKEY_PATTERN.fullmatch(key)}
    assert takeable - set(PAGE_KEYS) == set()


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_no_template_hotkey_takes_a_page_key(key: str) -> None:
    config = parse_config_to_save(TEMPLATES[key].xml)
    hotkeys = [lab.hotkey for group in config.label_groups for lab in group.labels]
    hotkeys += [c.hotkey for group in config.choices for c in group.choices]
    taken = [h for h in hotkeys if h]
    assert len(taken) == len(set(taken))
    assert not set(taken) & set(PAGE_KEYS)


def test_a_label_on_the_link_key_is_refused_naming_the_key_and_its_action() -> None:
    with pytest.raises(InvalidInput, match=r"""<Label value="LOGO">.*'l'.*Link"""):
        parse_config_to_save(LOGO_ON_L)


def test_a_stored_config_with_a_page_key_still_loads() -> None:
    assert parse_label_config(LOGO_ON_L).label_groups[1].labels[0].hotkey == "l"
