"""Parser and validator of labeling configs: a Label Studio-compatible XML subset.

Supported tags: ``View`` (nesting allowed), ``Header``, ``Image``, ``Labels`` and
``RectangleLabels`` with ``Label`` children, ``TextArea``, ``Relations`` with ``Relation``
children, ``Choices`` with ``Choice`` children. Anything else is refused with the element
and attribute named, so a user editing the XML knows exactly what to fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException

from visualner.errors import InvalidInput

ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "View": {"style", "className"},
    "Header": {"value", "style"},
    "Image": {"name", "value", "zoom", "zoomControl", "rotateControl"},
    "Labels": {"name", "toName", "choice", "showInline"},
    "RectangleLabels": {"name", "toName", "choice", "showInline", "strokeWidth"},
    "Label": {"value", "background", "hotkey", "alias", "hint", "selected"},
    "TextArea": {
        "name",
        "toName",
        "perRegion",
        "editable",
        "placeholder",
        "required",
        "maxSubmissions",
        "rows",
        "displayMode",
    },
    "Relations": {"choice"},
    "Relation": {"value", "background"},
    "Choices": {"name", "toName", "choice", "required", "showInline", "perRegion"},
    "Choice": {"value", "hotkey", "background", "alias", "selected"},
}
LABEL_GROUP_TAGS = {"Labels", "RectangleLabels"}
HOTKEY_PATTERN = re.compile(r"^((ctrl|shift|alt|meta)\+)*[a-z0-9]$")
COLOR_PATTERN = re.compile(
    r"^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{4}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|[a-zA-Z]{3,30}"
    r"|rgba?\([0-9.,\s%]+\))$"
)
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
MAX_CONFIG_BYTES = 200_000
DEFAULT_COLORS = [
    "#e6194b",
    "#3cb44b",
    "#4363d8",
    "#f58231",
    "#911eb4",
    "#42d4f4",
    "#f032e6",
    "#bfef45",
    "#469990",
    "#9a6324",
    "#800000",
    "#808000",
    "#000075",
    "#a9a9a9",
]
RESERVED_HOTKEYS = {"ctrl+z", "ctrl+shift+z", "ctrl+y", "ctrl+enter", "ctrl+s", "delete"}


@dataclass(frozen=True)
class LabelDef:
    value: str
    background: str
    hotkey: str = ""


@dataclass(frozen=True)
class LabelGroup:
    """A ``Labels`` (token entities) or ``RectangleLabels`` (free boxes) control."""

    name: str
    to_name: str
    kind: str
    labels: tuple[LabelDef, ...]


@dataclass(frozen=True)
class TextAreaDef:
    name: str
    to_name: str
    per_region: bool


@dataclass(frozen=True)
class ChoicesDef:
    name: str
    to_name: str
    multiple: bool
    choices: tuple[LabelDef, ...]


@dataclass(frozen=True)
class LabelConfig:
    """The validated config; ``to_json`` is what the labeling page and the API receive."""

    image_name: str
    image_value: str
    label_groups: tuple[LabelGroup, ...]
    text_areas: tuple[TextAreaDef, ...] = ()
    relations: tuple[LabelDef, ...] = ()
    has_relations: bool = False
    choices: tuple[ChoicesDef, ...] = ()
    headers: tuple[str, ...] = field(default=())

    @property
    def label_values(self) -> list[str]:
        seen: list[str] = []
        for group in self.label_groups:
            seen.extend(lab.value for lab in group.labels if lab.value not in seen)
        return seen

    @property
    def image_data_key(self) -> str:
        """The task data key the image comes from (``$image`` → ``image``)."""
        return self.image_value.lstrip("$")

    def check_choices(
        self, choices: Mapping[str, Sequence[str]], *, where: str = "choices"
    ) -> None:
        """Raise ``InvalidInput`` (prefixed by ``where``) unless every choice names one of
        this config's ``<Choices>`` and only its values, one value where it takes one. Saves
        through the API and imported annotations share this check and its messages."""
        defined = {c.name: c for c in self.choices}
        for name, values in choices.items():
            choice_def = defined.get(name)
            if choice_def is None:
                raise InvalidInput(f"{where}: the config has no <Choices name={name!r}>")
            allowed = {c.value for c in choice_def.choices}
            unknown = [v for v in values if v not in allowed]
            if unknown:
                raise InvalidInput(f"{where}[{name!r}]: unknown values {unknown}")
            if not choice_def.multiple and len(values) > 1:
                raise InvalidInput(f"{where}[{name!r}]: only one value may be chosen")

    def to_json(self) -> dict[str, Any]:
        payload = asdict(self)
        payload["label_values"] = self.label_values
        payload["image_data_key"] = self.image_data_key
        return payload


class _Parser:
    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.hotkeys: dict[str, str] = {}
        self.images: list[tuple[str, str]] = []
        self.label_groups: list[LabelGroup] = []
        self.text_areas: list[TextAreaDef] = []
        self.relations: list[LabelDef] = []
        self.has_relations = False
        self.choices: list[ChoicesDef] = []
        self.headers: list[str] = []
        self.color_index = 0

    def fail(self, element: Element, message: str, attribute: str | None = None) -> InvalidInput:
        where = f"<{element.tag}"
        if element.get("name"):
            where += f' name="{element.get("name")}"'
        elif element.get("value"):
            where += f' value="{element.get("value")}"'
        where += ">"
        prefix = f"{where} attribute {attribute!r}: " if attribute else f"{where}: "
        return InvalidInput(prefix + message, field="label_config")

    def check_attributes(self, element: Element) -> None:
        allowed = ALLOWED_ATTRIBUTES[element.tag]
        for attribute in element.attrib:
            if attribute not in allowed:
                raise self.fail(
                    element,
                    f"unknown attribute; allowed: {', '.join(sorted(allowed))}",
                    attribute,
                )

    def require(self, element: Element, attribute: str) -> str:
        value = (element.get(attribute) or "").strip()
        if not value:
            raise self.fail(element, "is required", attribute)
        return value

    def register_name(self, element: Element) -> str:
        name = self.require(element, "name")
        if not NAME_PATTERN.fullmatch(name):
            raise self.fail(element, "must be letters, digits, _ . - (max 64)", "name")
        if name in self.names:
            raise self.fail(element, f"duplicate name (also used by <{self.names[name]}>)", "name")
        self.names[name] = element.tag
        return name

    def hotkey(self, element: Element, owner: str) -> str:
        hotkey = (element.get("hotkey") or "").strip().lower()
        if not hotkey:
            return ""
        if not HOTKEY_PATTERN.fullmatch(hotkey):
            raise self.fail(
                element, "must be one letter or digit, optionally with ctrl+/shift+/alt+", "hotkey"
            )
        if hotkey in RESERVED_HOTKEYS:
            raise self.fail(element, f"{hotkey!r} is reserved by the labeling page", "hotkey")
        if hotkey in self.hotkeys:
            raise self.fail(
                element, f"hotkey {hotkey!r} clashes with {self.hotkeys[hotkey]}", "hotkey"
            )
        self.hotkeys[hotkey] = owner
        return hotkey

    def color(self, element: Element) -> str:
        color = (element.get("background") or "").strip()
        if not color:
            color = DEFAULT_COLORS[self.color_index % len(DEFAULT_COLORS)]
            self.color_index += 1
            return color
        if not COLOR_PATTERN.fullmatch(color):
            raise self.fail(element, f"{color!r} is not a CSS color", "background")
        return color

    def walk(self, element: Element) -> None:
        if element.tag not in ALLOWED_ATTRIBUTES:
            raise InvalidInput(
                f"<{element.tag}>: unknown tag; supported: "
                + ", ".join(f"<{tag}>" for tag in ALLOWED_ATTRIBUTES),
                field="label_config",
            )
        self.check_attributes(element)
        handler = getattr(self, f"on_{element.tag}")
        handler(element)

    def on_View(self, element: Element) -> None:
        for child in element:
            self.walk(child)

    def on_Header(self, element: Element) -> None:
        self.headers.append(element.get("value") or (element.text or "").strip())

    def on_Image(self, element: Element) -> None:
        name = self.register_name(element)
        value = self.require(element, "value")
        if not value.startswith("$") or len(value) < 2:
            raise self.fail(element, 'must reference task data, like "$image"', "value")
        self.images.append((name, value))

    def _children(self, element: Element, tag: str) -> list[Element]:
        children = list(element)
        for child in children:
            if child.tag != tag:
                raise self.fail(child, f"only <{tag}> may appear inside <{element.tag}>")
            self.check_attributes(child)
        if not children:
            raise self.fail(element, f"needs at least one <{tag}>")
        return children

    def _values(self, element: Element, children: list[Element], owner: str) -> list[LabelDef]:
        seen: set[str] = set()
        result: list[LabelDef] = []
        for child in children:
            value = self.require(child, "value")
            if value in seen:
                raise self.fail(child, f"duplicate value inside <{element.tag}>", "value")
            seen.add(value)
            result.append(
                LabelDef(
                    value=value,
                    background=self.color(child),
                    hotkey=self.hotkey(child, f'{owner} "{value}"'),
                )
            )
        return result

    def _label_group(self, element: Element) -> None:
        name = self.register_name(element)
        to_name = self.require(element, "toName")
        labels = self._values(element, self._children(element, "Label"), "label")
        kind = "labels" if element.tag == "Labels" else "rectanglelabels"
        self.label_groups.append(LabelGroup(name, to_name, kind, tuple(labels)))

    on_Labels = _label_group
    on_RectangleLabels = _label_group

    def on_TextArea(self, element: Element) -> None:
        name = self.register_name(element)
        to_name = self.require(element, "toName")
        per_region = (element.get("perRegion") or "false").lower() == "true"
        self.text_areas.append(TextAreaDef(name, to_name, per_region))

    def on_Relations(self, element: Element) -> None:
        if self.has_relations:
            raise self.fail(element, "only one <Relations> is allowed")
        self.has_relations = True
        children = list(element)
        for child in children:
            if child.tag != "Relation":
                raise self.fail(child, "only <Relation> may appear inside <Relations>")
            self.check_attributes(child)
        self.relations = self._values(element, children, "relation") if children else []

    def on_Choices(self, element: Element) -> None:
        name = self.register_name(element)
        to_name = self.require(element, "toName")
        multiple = (element.get("choice") or "single") == "multiple"
        choices = self._values(element, self._children(element, "Choice"), "choice")
        self.choices.append(ChoicesDef(name, to_name, multiple, tuple(choices)))

    def finish(self) -> LabelConfig:
        if not self.images:
            raise InvalidInput(
                'the config needs an <Image name="image" value="$image"/>', field="label_config"
            )
        if len(self.images) > 1:
            raise InvalidInput("only one <Image> per config is supported", field="label_config")
        image_name, image_value = self.images[0]
        if not self.label_groups:
            raise InvalidInput(
                "the config needs a <Labels> or <RectangleLabels> with at least one <Label>",
                field="label_config",
            )
        controls: list[tuple[str, str, str]] = [
            ("Labels" if g.kind == "labels" else "RectangleLabels", g.name, g.to_name)
            for g in self.label_groups
        ]
        controls += [("TextArea", t.name, t.to_name) for t in self.text_areas]
        controls += [("Choices", c.name, c.to_name) for c in self.choices]
        for tag, name, to_name in controls:
            if to_name != image_name:
                raise InvalidInput(
                    f"<{tag} name=\"{name}\"> attribute 'toName': "
                    f'"{to_name}" is not the name of the <Image> ("{image_name}")',
                    field="label_config",
                )
        return LabelConfig(
            image_name=image_name,
            image_value=image_value,
            label_groups=tuple(self.label_groups),
            text_areas=tuple(self.text_areas),
            relations=tuple(self.relations),
            has_relations=self.has_relations,
            choices=tuple(self.choices),
            headers=tuple(self.headers),
        )


@lru_cache(maxsize=256)
def parse_label_config(xml: str) -> LabelConfig:
    """Parse and validate; every problem raises ``InvalidInput`` naming element and attribute.

    Cached by the XML text: every annotation save needs the project's config, and the
    result is immutable."""
    if not xml or not xml.strip():
        raise InvalidInput("the labeling config is empty", field="label_config")
    if len(xml.encode()) > MAX_CONFIG_BYTES:
        raise InvalidInput(
            f"the labeling config is larger than {MAX_CONFIG_BYTES // 1000} kB",
            field="label_config",
        )
    try:
        # Any DOCTYPE is refused, not only entities: nothing is fetched, but a config that
        # names an external DTD is a probe, and no labeling config needs one.
        root = SafeElementTree.fromstring(xml, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise InvalidInput(
            "the labeling config may not contain a DOCTYPE (no DTDs or entities); remove it",
            field="label_config",
        ) from exc
    except SafeElementTree.ParseError as exc:
        raise InvalidInput(
            f"the labeling config is not valid XML: {exc}", field="label_config"
        ) from exc
    if root.tag != "View":
        raise InvalidInput(
            f"the root element must be <View>, not <{root.tag}>", field="label_config"
        )
    parser = _Parser()
    parser.walk(root)
    return parser.finish()
