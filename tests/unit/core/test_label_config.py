"""The labeling-config parser accepts the supported subset and names every mistake."""

from __future__ import annotations

import pytest

from visualner.errors import InvalidInput
from visualner.projects.config import parse_label_config
from visualner.projects.templates import TEMPLATES

MINIMAL = """<View>
  <Image name="image" value="$image"/>
  <Labels name="label" toName="image">
    <Label value="Name" background="#ff0000" hotkey="n"/>
    <Label value="Date"/>
  </Labels>
</View>"""


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_template_is_a_valid_config(key: str) -> None:
    config = parse_label_config(TEMPLATES[key].xml)
    assert config.label_values


@pytest.mark.parametrize(
    ("key", "relation"),
    [
        ("forms", "answers"),
        ("visual_ner", "belongs_to"),
        ("receipts", "price_of"),
        ("invoices", "belongs_to"),
    ],
)
def test_templates_where_links_fit_offer_relations(key: str, relation: str) -> None:
    config = parse_label_config(TEMPLATES[key].xml)
    assert config.has_relations
    assert [r.value for r in config.relations] == [relation]


def test_a_minimal_config_gives_labels_colors_and_hotkeys() -> None:
    config = parse_label_config(MINIMAL)
    group = config.label_groups[0]
    assert config.image_data_key == "image"
    assert [label.value for label in group.labels] == ["Name", "Date"]
    assert group.labels[0].hotkey == "n"
    assert group.labels[1].background.startswith("#")
    assert group.kind == "labels"


def test_forms_template_has_relations_and_choices_are_parsed() -> None:
    forms = parse_label_config(TEMPLATES["forms"].xml)
    assert forms.has_relations
    invoices = parse_label_config(TEMPLATES["invoices"].xml)
    assert invoices.choices[0].name == "document_type"
    assert {c.value for c in invoices.choices[0].choices} == {"invoice", "credit_note", "other"}


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("", "empty"),
        ("<View><Image", "not valid XML"),
        ("<Root/>", "root element must be <View>"),
        (MINIMAL.replace('<Label value="Date"/>', '<Label value="Name"/>'), "duplicate value"),
        (
            MINIMAL.replace('hotkey="n"', 'hotkey="n"').replace(
                '<Label value="Date"/>', '<Label value="Date" hotkey="n"/>'
            ),
            "clashes",
        ),
        (MINIMAL.replace('toName="image"', 'toName="picture"'), "'toName'"),
        (MINIMAL.replace("<Labels", "<Video/><Labels"), "<Video>: unknown tag"),
        (
            MINIMAL.replace('<Label value="Date"/>', '<Label value="Date" colour="red"/>'),
            "attribute 'colour': unknown attribute",
        ),
        (MINIMAL.replace('value="$image"', 'value="image"'), 'like "$image"'),
        (MINIMAL.replace('name="label"', 'name="image"'), "duplicate name"),
        (MINIMAL.replace('background="#ff0000"', 'background="javascript:x"'), "not a CSS color"),
        (MINIMAL.replace('hotkey="n"', 'hotkey="ctrl+z"'), "reserved"),
        ('<View><Image name="image" value="$image"/></View>', "needs a <Labels>"),
        (
            MINIMAL.replace('<Label value="Date"/>', '<Choice value="x"/>'),
            "only <Label> may appear",
        ),
    ],
)
def test_invalid_configs_are_refused_with_a_precise_message(xml: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_label_config(xml)
    assert message in caught.value.message


def test_entity_expansion_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE v [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;">]><View>&b;</View>'
    )
    with pytest.raises(InvalidInput, match="no DTDs or entities"):
        parse_label_config(bomb)


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE v SYSTEM "http://127.0.0.1:9/x.dtd">',
        '<!DOCTYPE View PUBLIC "-//x//y" "http://example.com/v.dtd">',
        "<!DOCTYPE View>",
        "<!DOCTYPE View []>",
    ],
)
def test_any_doctype_is_refused_naming_it(doctype: str) -> None:
    """An external DTD is never fetched, but a config that names one is refused outright
    (nothing a labeling config needs lives in a DTD)."""
    with pytest.raises(InvalidInput, match="DOCTYPE") as caught:
        parse_label_config(f'<?xml version="1.0"?>{doctype}{MINIMAL}')
    assert caught.value.field == "label_config"


def test_hotkeys_must_not_clash_across_label_groups() -> None:
    xml = MINIMAL.replace(
        "</View>",
        '<RectangleLabels name="box" toName="image"><Label value="Logo" hotkey="n"/>'
        "</RectangleLabels></View>",
    )
    with pytest.raises(InvalidInput, match='clashes with label "Name"'):
        parse_label_config(xml)


CHOICES_CONFIG = """<View>
  <Image name="image" value="$image"/>
  <Labels name="label" toName="image"><Label value="answer"/></Labels>
  <Choices name="kind" toName="image" choice="single">
    <Choice value="invoice"/><Choice value="receipt"/>
  </Choices>
</View>"""


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ({"colour": ["red"]}, "tasks.json[0].choices: the config has no <Choices name='colour'>"),
        ({"kind": ["memo"]}, "tasks.json[0].choices['kind']: unknown values ['memo']"),
        (
            {"kind": ["invoice", "receipt"]},
            "tasks.json[0].choices['kind']: only one value may be chosen",
        ),
    ],
)
def test_choices_are_checked_against_the_config(
    choices: dict[str, list[str]], message: str
) -> None:
    config = parse_label_config(CHOICES_CONFIG)
    config.check_choices({"kind": ["receipt"]})
    with pytest.raises(InvalidInput) as caught:
        config.check_choices(choices, where="tasks.json[0].choices")
    assert str(caught.value) == message
