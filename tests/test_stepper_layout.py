"""The stepper's arrangement on screen: controls in one row, the explanation beside the picture
(or above it when the output area is narrow), a picture scaled to fit one screen, gradients in
places kept for them from the first frame on."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from render_support import assert_readable

import autogradviz as torch
from autogradviz import nn
from autogradviz.widgets.stepper import MIN_SCALE, PICTURE_HEIGHT


def mlp_loss():
    torch.manual_seed(0)
    x, y = torch.randn(4, 3), torch.tensor([0, 1, 1, 0])
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    return nn.CrossEntropyLoss()(net(x), y)


def test_controls_in_one_row_then_text_beside_the_picture():
    stepper = torch.step_backward(mlp_loss())
    _header, controls, body = stepper.children
    assert stepper.next_button in controls.children and stepper.slider in controls.children
    assert stepper.speed in controls.children
    assert list(body.children) == [stepper.panel, stepper.picture]
    # row-reverse: the text (first) is drawn right of the picture; wrapped, it sits above it
    assert body.layout.flex_flow == "row-reverse wrap"


def test_picture_is_scaled_to_one_screen_but_keeps_readable_text(engine):
    stepper = torch.step_backward(mlp_loss(), engine=engine)
    view = stepper.view
    assert MIN_SCALE <= view.scale <= 1
    assert view.layout.height * view.scale <= PICTURE_HEIGHT or view.scale == MIN_SCALE
    svg = ET.fromstring(stepper.frame_svg(3))
    assert float(svg.get("width")) == pytest.approx(view.layout.width * view.scale, abs=0.1)
    # side by side only while the picture keeps its text at 12 px or more
    basis = float(stepper.picture.layout.flex.split()[2].removesuffix("px"))
    assert basis >= view.layout.width * MIN_SCALE


def test_small_graphs_are_not_blown_up():
    x = torch.arange(4.0, requires_grad=True)
    stepper = torch.step_backward(2 * torch.dot(x, x))
    assert stepper.view.scale == 1
    assert stepper.picture.layout.max_width == f"{stepper.view.layout.width + 12:.0f}px"


def test_every_frame_is_readable_and_the_same_size(engine):
    stepper = torch.step_backward(mlp_loss(), engine=engine)
    boxes = set()
    for k in range(stepper.walk.total + 1):
        svg = stepper.frame_svg(k)
        assert_readable(svg)
        boxes.add(ET.fromstring(svg).get("viewBox"))
    assert len(boxes) == 1
