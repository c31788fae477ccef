"""The labeling page's own keys, which a label or choice hotkey may not take.

Checked when a config is saved (created, changed or validated in the editor), not when a stored
one is read: projects saved before a key was added keep working, their label winning the clash
on the page. `labeling/key_bindings.js` (and panels such as `review_panel.js`) bind these keys;
tests/unit/core/test_page_keys.py fails when a labeling script binds one that is missing here.
"""

from __future__ import annotations

from visualner.errors import InvalidInput
from visualner.projects.config import LabelConfig, parse_label_config

PAGE_KEYS: dict[str, str] = {
    "ctrl+z": "Undo",
    "ctrl+shift+z": "Redo",
    "ctrl+y": "Redo",
    "ctrl+s": "Save now",
    "shift+a": "Accept every prediction",
    "l": "Link",
    "v": "Select tool",
    "r": "Box tool",
    "0": "Fit the page width",
    "shift+b": "Show or hide region boxes",
    "shift+l": "Show or hide relation arrows",
    "alt+a": "Review: accept",
    "alt+r": "Review: reject",
}


def check_page_keys(config: LabelConfig) -> None:
    """Raise ``InvalidInput`` naming the first label or choice whose hotkey is a page key."""
    owners = [
        (label.hotkey, f'<Label value="{label.value}">')
        for group in config.label_groups
        for label in group.labels
    ] + [
        (choice.hotkey, f'<Choice value="{choice.value}">')
        for group in config.choices
        for choice in group.choices
    ]
    for hotkey, owner in owners:
        if hotkey in PAGE_KEYS:
            raise InvalidInput(
                f"{owner} attribute 'hotkey': {hotkey!r} is the labeling page's key for "
                f"{PAGE_KEYS[hotkey]}; choose another key",
                field="label_config",
            )


def parse_config_to_save(xml: str) -> LabelConfig:
    """Parse a config about to be stored: every rule of the parser, and no page key taken."""
    config = parse_label_config(xml)
    check_page_keys(config)
    return config
