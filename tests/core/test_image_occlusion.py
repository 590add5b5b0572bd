"""Reading image occlusion shapes the way Anki does, and the SVG of one card side."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from app.core.anki_template import CardContext, render
from app.core.image_occlusion import (
    ACTIVE_FILL,
    MAX_SHAPES,
    Colours,
    colours_from_css,
    occlusion_field,
    parse_occlusions,
    side_shapes,
    without_controls,
)
from app.core.image_occlusion_svg import compose_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_escaped_colons_and_backslashes_as_anki_reads_them() -> None:
    # the cases of Anki's own test of its parser (rslib/src/image_occlusion)
    [first, second] = parse_occlusions(
        r"{{c0::image-occlusion:text:text=\\foo\:bar\::left=10}}"
        r"{{c0::image-occlusion:text:text=\:lol\::left=10}}"
    )
    assert (first.text, first.left) == ("\\foo:bar:", 10.0)
    assert second.text == ":lol:"


def test_zero_sizes_unknown_kinds_and_several_cards() -> None:
    shapes = parse_occlusions(
        "{{c1::image-occlusion:rect:left=.1:top=.2:width=0:height=.1}}"
        "{{c2::image-occlusion:star:left=.1}}"
        "{{c1,3::image-occlusion:polygon:points=0,0 10,10 20,0}}"
    )
    assert [s.kind for s in shapes] == ["rect", "polygon"]
    assert math.isnan(shapes[0].width) and shapes[0].height == 0.1
    assert shapes[1].ordinals == (1, 3)
    assert shapes[1].points == ((0, 0), (10, 10), (20, 0))
    roles = [role for role, _ in side_shapes(shapes, 3, question=True)]
    assert roles == ["inactive", "active"]


def test_the_occlusion_field_is_rendered_as_nothing() -> None:
    template = '<div style="display: none">{{cloze:Occlusion}}</div>{{Header}}'
    fields = {"Occlusion": "{{c1::image-occlusion:rect:left=.1:top=.2}} and {{c1::this}}"}
    html = render(template, {**fields, "Header": "H"}, CardContext(0, True), answer=False)
    assert "image-occlusion" not in html
    assert '<span class="cloze">[...]</span>' in html  # other deletions stay as they are
    assert "display: none" not in without_controls(html)


def test_an_occlusion_template_is_known_by_its_container() -> None:
    assert occlusion_field('{{cloze:Occ}}<div id="image-occlusion-container">{{Image}}</div>')
    assert occlusion_field("{{cloze:Text}}<div>{{Image}}</div>") is None


def test_the_note_types_colours_apply_and_hostile_ones_do_not() -> None:
    css = (
        "#image-occlusion-canvas { --active-shape-color: #123456; "
        "--inactive-shape-color: url(http://x/); --active-shape-border: 2px #abcdef; }"
    )
    colours = colours_from_css(css)
    assert (colours.active, colours.active_border) == ("#123456", "#abcdef")
    assert colours.inactive == Colours().inactive
    assert colours_from_css("") == Colours()


def test_the_svg_is_well_formed_whatever_the_label_says() -> None:
    shapes = parse_occlusions(
        "{{c1::image-occlusion:rect:left=.5:top=.5:width=.25:height=.25}}"
        "{{c0::image-occlusion:text:text=<b>&</b>:left=.1:top=.1:scale=1:fs=.1}}"
    )
    svg = compose_svg('a"b.png', 200, 100, side_shapes(shapes, 1, question=True))
    root = ET.fromstring(svg)
    assert root.get("viewBox") == "0 0 200 100"
    rect = root.find(f"{SVG}rect")
    assert rect is not None
    assert (rect.get("x"), rect.get("y"), rect.get("width"), rect.get("height")) == (
        "100",
        "50",
        "50",
        "25",
    )
    assert rect.get("fill") == ACTIVE_FILL
    assert root.find(f".//{SVG}text").text == "<b>&</b>"  # type: ignore[union-attr]


def test_a_field_of_endless_shapes_is_cut() -> None:
    many = "{{c1::image-occlusion:rect:left=.1:top=.1:width=.1:height=.1}}" * (MAX_SHAPES + 50)
    assert len(parse_occlusions(many)) == MAX_SHAPES
