"""plot_derivative: autograd derivatives read back from the figure, kinks, fallbacks, bad input."""
from __future__ import annotations

import os
import subprocess
import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from seeds.cells import control_flow_f as d2l_f

import autogradviz as torch
from autogradviz.widgets.plot import plot_derivative


def line(fig, start: str):
    """The first line of the figure whose label starts with ``start``."""
    found = [ln for ln in fig.axes[0].get_lines() if ln.get_label().startswith(start)]
    assert found, [ln.get_label() for ln in fig.axes[0].get_lines()]
    return found[0]


def finite_xy(ln):
    x, y = (np.asarray(v, dtype=float) for v in ln.get_data())
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def legend_texts(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def close(fig):
    plt.close(fig)


# --- smooth functions ---------------------------------------------------------------------------

def test_derivative_of_sin_is_cos_read_from_the_lines():
    fig = torch.plot_derivative(torch.sin)
    x, f = finite_xy(line(fig, "sin(x)"))
    xd, df = finite_xy(line(fig, "sin′(x)  (autograd)"))
    assert x.size == 200 and x[0] == pytest.approx(-2 * np.pi) and x[-1] == pytest.approx(2 * np.pi)
    np.testing.assert_allclose(f, np.sin(x), atol=1e-12)
    np.testing.assert_allclose(df, np.cos(xd), atol=1e-10)
    assert "(autograd)" in line(fig, "sin′").get_label()
    close(fig)


def test_second_derivative_of_sin_is_minus_sin():
    fig = torch.plot_derivative(torch.sin, order=2)
    x, d2 = finite_xy(line(fig, "sin″(x)"))
    np.testing.assert_allclose(d2, -np.sin(x), atol=1e-10)
    data = fig.autograd_data
    np.testing.assert_allclose(data["d2f"], -np.sin(data["x"]), atol=1e-10)
    np.testing.assert_allclose(data["df"], np.cos(data["x"]), atol=1e-10)
    assert "first 2 derivatives" in fig.axes[0].get_title()
    close(fig)


def test_third_order_and_polynomial():
    fig = torch.plot_derivative(lambda x: x ** 4, range=(-2, 2), n=41, order=3)
    data = fig.autograd_data
    x = data["x"]
    np.testing.assert_allclose(data["df"], 4 * x ** 3, atol=1e-10)
    np.testing.assert_allclose(data["d2f"], 12 * x ** 2, atol=1e-10)
    np.testing.assert_allclose(data["d3f"], 24 * x, atol=1e-10)
    assert data.breaks == [] and data.order == 3
    assert any(label.startswith("f‴(x)") for label in legend_texts(fig))
    close(fig)


def test_autograd_data_is_documented_mapping_and_grid_is_float64():
    fig = torch.plot_derivative(torch.exp, range=(-1, 1), n=11)
    data = fig.autograd_data
    assert data.keys() == ["x", "f", "df", "pointwise", "reason", "breaks", "references"]
    assert data["x"].dtype == np.float64 and data["df"].dtype == np.float64
    np.testing.assert_allclose(data["df"], np.exp(np.linspace(-1, 1, 11)), rtol=1e-14)
    assert data["pointwise"] is False and data["reason"] == ""
    with pytest.raises(KeyError, match="the keys are x, f, df"):
        data["d2f"]
    close(fig)


def test_works_inside_no_grad():
    with torch.no_grad():
        fig = torch.plot_derivative(torch.sin, range=(0, 1), n=3)
        assert not torch.is_grad_enabled()
    np.testing.assert_allclose(fig.autograd_data["df"], np.cos([0, 0.5, 1]), atol=1e-15)
    close(fig)


def test_x_given_as_tensor_or_unsorted_list():
    fig = torch.plot_derivative(torch.sin, torch.tensor([0.5, -1.0, 2.0]), range=(100, 200))
    np.testing.assert_array_equal(fig.autograd_data["x"], [-1.0, 0.5, 2.0])
    np.testing.assert_allclose(fig.autograd_data["df"], np.cos([-1.0, 0.5, 2.0]), atol=1e-15)
    close(fig)
    fig = torch.plot_derivative(lambda x: x * x, [3, 1, 2, 1])
    np.testing.assert_array_equal(fig.autograd_data["x"], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(fig.autograd_data["df"], [2.0, 4.0, 6.0])
    close(fig)


def test_pi_ticks_for_the_default_range():
    fig = torch.plot_derivative(torch.cos)
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert {"−2π", "−π", "0", "π/2", "2π"} <= set(labels)
    close(fig)


# --- references ---------------------------------------------------------------------------------

def test_reference_is_dashed_and_its_difference_is_in_the_legend():
    fig = torch.plot_derivative(torch.sin, reference=np.cos)
    ref = line(fig, "cos  (reference)")
    assert ref.get_linestyle() == "--"
    ref_info = fig.autograd_data["references"]["cos"]
    assert ref_info.order == 1 and ref_info.max_abs_diff < 1e-12
    assert any(t.startswith("cos  (reference): max |cos − sin′| = ") for t in legend_texts(fig))
    close(fig)


def test_reference_dict_matches_each_curve_and_shows_a_real_difference():
    refs = {"cos": np.cos, "-sin": lambda x: -np.sin(x), "wrong": lambda x: np.cos(x) + 0.25}
    fig = torch.plot_derivative(torch.sin, order=2, reference=refs)
    got = fig.autograd_data["references"]
    assert got["cos"].order == 1 and got["-sin"].order == 2
    assert got["wrong"].max_abs_diff == pytest.approx(0.25)
    assert any("= 2.5e-01" in t for t in legend_texts(fig))
    close(fig)


def test_reference_that_needs_a_tensor_is_called_with_one():
    calls = []

    def ref(x):
        calls.append(type(x).__name__)
        return x.cos()  # ndarray has no .cos(): fails first, then works on a tensor

    fig = torch.plot_derivative(torch.sin, range=(0, 1), n=5, reference={"tensor cos": ref})
    assert calls == ["ndarray", "Tensor"]
    assert fig.autograd_data["references"]["tensor cos"].max_abs_diff < 1e-15
    close(fig)


def test_scalar_reference_is_broadcast():
    fig = torch.plot_derivative(lambda x: 3 * x, range=(0, 1), n=5, reference={"three": lambda x: 3.0})
    assert fig.autograd_data["references"]["three"].max_abs_diff == 0.0
    close(fig)


# --- functions that are not elementwise ---------------------------------------------------------

def test_d2l_control_flow_function_falls_back_to_pointwise():
    f = d2l_f()
    fig = torch.plot_derivative(f)
    data = fig.autograd_data
    x = data["x"]
    assert data["pointwise"] is True
    assert "differs from f on single points" in data["reason"]
    np.testing.assert_allclose(data["df"], data["f"] / x, rtol=1e-12)
    # each point on its own, as D2L checks `a.grad == d / a` for one scalar a
    for xi, dfi in zip(x[[3, 120, 199]], data["df"][[3, 120, 199]]):
        a = torch.tensor(float(xi), dtype=torch.float64, requires_grad=True)
        f(a).backward()
        assert a.grad.item() == dfi
    assert "point by point" in "".join(t.get_text() for t in fig.axes[0].texts)
    # its jumps (the multiplier doubles at |a| = 1000 / 2^k) are found at the exact places
    assert any(b.order == 1 and b.x == -1.953125 for b in data["breaks"])
    assert any(b.order == 0 and b.x == 3.90625 for b in data["breaks"])
    close(fig)


def test_function_returning_a_scalar_on_the_grid_falls_back():
    fig = torch.plot_derivative(lambda x: (x ** 2).sum(), range=(-1, 1), n=21)
    data = fig.autograd_data
    assert data["pointwise"] and "returned shape ()" in data["reason"]
    np.testing.assert_allclose(data["df"], 2 * data["x"], atol=1e-15)
    close(fig)


def test_function_raising_on_the_grid_falls_back():
    fig = torch.plot_derivative(lambda a: a if a > 0 else -a, range=(-1, 1), n=20)
    data = fig.autograd_data
    assert data["pointwise"] and "raised RuntimeError on the whole grid" in data["reason"]
    np.testing.assert_array_equal(data["df"], np.sign(data["x"]))
    close(fig)


def test_function_needing_shape_1_inputs_is_supported():
    # a.shape[0] fails on a 0-d tensor, and on the grid it multiplies every point by 200
    fig = torch.plot_derivative(lambda a: a * a.shape[0], range=(0, 1), n=200)
    data = fig.autograd_data
    assert data["pointwise"]
    np.testing.assert_allclose(data["f"], data["x"])
    np.testing.assert_array_equal(data["df"], 1.0)
    close(fig)


# --- kinks --------------------------------------------------------------------------------------

def test_relu_derivative_is_the_step_and_the_kink_is_marked():
    fig = torch.plot_derivative(torch.relu, range=(-2, 2))
    x, d = finite_xy(line(fig, "relu′(x)"))
    away = x != 0
    np.testing.assert_array_equal(d[away], (x[away] > 0).astype(float))
    # the curve is broken at the jump instead of drawing a vertical segment through it
    raw_x = line(fig, "relu′(x)").get_xdata()
    assert np.isnan(raw_x).sum() == 1
    (kink,) = fig.autograd_data["breaks"]
    assert (kink.order, kink.x, kink.left, kink.right, kink.value) == (1, 0.0, 0.0, 1.0, 0.0)
    ax = fig.axes[0]
    hollow = [ln for ln in ax.get_lines() if ln.get_marker() == "o" and ln.get_markerfacecolor() == "white"
              and 0.0 in ln.get_xdata()]
    assert hollow and sorted(hollow[0].get_ydata()) == [0.0, 1.0]
    notes = [t.get_text() for t in ax.texts]
    assert any("relu′(0) = 0 here: a convention" in t for t in notes)
    assert any("one-sided limits" in t for t in legend_texts(fig))
    close(fig)


def test_abs_with_the_kink_on_the_grid_keeps_the_engines_value():
    fig = torch.plot_derivative(torch.abs, range=(-1, 1), n=21)
    data = fig.autograd_data
    assert data["df"][10] == 0.0 and data["x"][10] == 0.0  # torch's convention: abs′(0) = 0
    (kink,) = data["breaks"]
    assert (kink.x, kink.left, kink.right, kink.value) == (0.0, -1.0, 1.0, 0.0)
    x, d = finite_xy(line(fig, "abs′(x)"))
    np.testing.assert_array_equal(d[x != 0], np.sign(x[x != 0]))
    close(fig)


def test_clamp_has_two_kinks_with_torchs_convention():
    fig = torch.plot_derivative(lambda x: torch.clamp(x, -1, 1), range=(-2, 2))
    low, high = fig.autograd_data["breaks"]
    assert (low.x, low.left, low.right, low.value) == (-1.0, 0.0, 1.0, 1.0)
    assert (high.x, high.left, high.right, high.value) == (1.0, 1.0, 0.0, 1.0)
    assert len([t for t in fig.axes[0].texts if "a convention" in t.get_text()]) == 2
    close(fig)


@pytest.mark.parametrize("fn", [torch.sin, lambda x: torch.tanh(100 * x), lambda x: x ** 3, torch.exp,
                                lambda x: torch.tanh(5 * x)])
def test_smooth_functions_have_no_kinks(fn):
    fig = torch.plot_derivative(fn, order=2)
    assert fig.autograd_data["breaks"] == []
    assert not any(np.isnan(ln.get_xdata()).any() for ln in fig.axes[0].get_lines())
    close(fig)


def test_kink_off_the_grid_is_located_and_a_kink_of_f_prime_is_found_in_f_second():
    fig = torch.plot_derivative(lambda x: torch.sin(x) + 0.5 * torch.abs(x - 1 / 3), range=(-3, 3))
    (kink,) = fig.autograd_data["breaks"]
    assert kink.x == pytest.approx(1 / 3, abs=1e-9)
    assert kink.right - kink.left == pytest.approx(1.0, abs=1e-6)
    close(fig)
    fig = torch.plot_derivative(lambda x: x * torch.abs(x), range=(-1, 1), order=2)
    (kink,) = fig.autograd_data["breaks"]
    assert (kink.order, kink.x, kink.left, kink.right) == (2, 0.0, -2.0, 2.0)
    close(fig)


def test_jump_of_f_itself_is_marked():
    fig = torch.plot_derivative(torch.sign, range=(-1, 1))
    (jump,) = fig.autograd_data["breaks"]
    assert (jump.order, jump.x, jump.left, jump.right) == (0, 0.0, -1.0, 1.0)
    assert np.isnan(line(fig, "sign(x)").get_xdata()).sum() == 1
    close(fig)


# --- the figure ---------------------------------------------------------------------------------

def test_figure_is_not_left_open_in_pyplot_and_renders_png():
    before = plt.get_fignums()
    fig = torch.plot_derivative(torch.sin)
    assert plt.get_fignums() == before
    png = fig._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_drawing_into_given_axes():
    fig, (a, b) = plt.subplots(1, 2)
    out = torch.plot_derivative(torch.sin, ax=b)
    assert out is fig and a.get_lines() == [] and len(b.get_lines()) >= 2
    np.testing.assert_allclose(fig.autograd_data["df"], np.cos(fig.autograd_data["x"]), atol=1e-10)
    close(fig)


def test_static_pictures(output_dir):
    for name, fig in {
        "sin": torch.plot_derivative(torch.sin, reference=np.cos),
        "sin_order2": torch.plot_derivative(torch.sin, order=2, reference={"cos": np.cos,
                                                                            "−sin": lambda x: -np.sin(x)}),
        "relu": torch.plot_derivative(torch.relu, range=(-2, 2)),
        "clamp": torch.plot_derivative(lambda x: torch.clamp(x, -1, 1), range=(-2, 2)),
        "d2l_f": torch.plot_derivative(d2l_f()),
    }.items():
        fig.savefig(output_dir / f"{name}.png", dpi=100)
        assert (output_dir / f"{name}.png").read_bytes()[:4] == b"\x89PNG"


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("f, error, message", [
    (lambda x: 3.0, TypeError, "f must return a Tensor computed from x; it returned a float"),
    (lambda x: x.detach().numpy(), TypeError, "it returned a numpy.ndarray"),
    (lambda x: torch.stack([x, x]), ValueError, "f must return one value per point"),
    (lambda x: x.detach() * 2, ValueError, r"does not depend on x through autograd: did f call \.detach\(\)"),
    (lambda x: torch.tensor(x.numpy()), ValueError, r"Can't call numpy\(\) on Tensor that requires grad"),
    (lambda x: torch.from_numpy(np.sin(x)), ValueError, r"np\.sin call \.numpy\(\)"),
    (lambda x: x.detach().requires_grad_() * 2, ValueError, "f used a detached copy of x"),
    (lambda x: torch.ones_like(x), ValueError, "derivative would silently be 0"),
    (lambda x: undefined_name, ValueError, "NameError"),  # noqa: F821
])
def test_bad_functions_get_clear_messages(f, error, message):
    with pytest.raises(error, match=message):
        plot_derivative(f)


def test_graph_break_message_also_for_higher_order():
    with pytest.raises(ValueError, match="autograd.grad found no path from f\\(x\\) back to x"):
        plot_derivative(lambda x: x.detach().requires_grad_() * 2, order=2)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"range": (1, 1)}, ValueError, r"low < high; got \(1, 1\), which is empty"),
    ({"range": (2, -2)}, ValueError, r"low < high; got \(2, -2\), which is reversed"),
    ({"range": (0, np.inf)}, ValueError, "range must be finite"),
    ({"range": 5}, ValueError, r"range must be a pair of numbers \(low, high\); got 5"),
    ({"n": 1}, ValueError, "n must be an integer >= 2 .*; got 1"),
    ({"n": 10.0}, ValueError, "n must be an integer >= 2 .*; got 10.0"),
    ({"order": 0}, ValueError, "order must be an integer >= 1 .*; got 0"),
    ({"x": [1.0]}, ValueError, "x must hold at least 2 different points; got 1"),
    ({"x": [[1.0, 2.0]]}, ValueError, r"x must be one-dimensional .*; got shape \(1, 2\)"),
    ({"x": [0.0, np.nan]}, ValueError, "x must be finite"),
    ({"reference": "cos"}, TypeError, "reference must be a callable .*; got str"),
    ({"reference": {"c": 1.0}}, TypeError, r"reference\['c'\] must be callable"),
    ({"reference": lambda x: np.ones(3)}, ValueError, r"must return one value per x \(shape \(200,\)\); it returned shape \(3,\)"),
    ({"reference": lambda x: None + x}, ValueError, "reference could not be evaluated: on a NumPy array"),
    ({"reference": {"bad": lambda x: None + x}}, ValueError, "reference 'bad' could not be evaluated"),
])
def test_bad_arguments_get_clear_messages(kwargs, error, message):
    with pytest.raises(error, match=message):
        plot_derivative(torch.sin, **kwargs)


def test_f_must_be_callable():
    with pytest.raises(TypeError, match="f must be a function of one tensor .*; got int"):
        plot_derivative(3)


# --- what gets imported -------------------------------------------------------------------------

def test_engine_and_widgets_package_do_not_import_matplotlib():
    code = ("import sys, autogradviz as torch, autogradviz.widgets\n"
            "torch.sin(torch.ones(2, requires_grad=True)).sum().backward()\n"
            "heavy = [m for m in ('matplotlib', 'ipywidgets') if m in sys.modules]\n"
            "assert not heavy, heavy\n"
            "from autogradviz.widgets.plot import plot_derivative\n"
            "assert torch.plot_derivative is plot_derivative\n"
            "assert 'ipywidgets' not in sys.modules\n")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert matplotlib.get_backend().lower() == "agg"


# --- the tangent widget -------------------------------------------------------------------------

def test_tangent_widget_model_follows_x0():
    import ipywidgets as widgets
    before = plt.get_fignums()
    w = torch.plot_derivative(torch.sin, reference=np.cos, interactive=True)
    assert isinstance(w, widgets.VBox)
    slider, label, view = w.children
    assert isinstance(slider, widgets.FloatSlider) and isinstance(view, widgets.Image)
    assert (slider.min, slider.max) == pytest.approx((-2 * np.pi, 2 * np.pi))
    fig, n_lines, first_png = w.figure, len(w.figure.axes[0].get_lines()), view.value
    for x0 in (1.0, -2.5, 0.0, 4.0):
        w.x0 = x0
        assert w.x0 == x0
        assert w.tangent_slope == pytest.approx(np.cos(x0), abs=1e-14)
        assert w.value == pytest.approx(np.sin(x0), abs=1e-14)
        (x1, x2), (y1, y2) = w.tangent_line.get_data()
        assert (y2 - y1) / (x2 - x1) == pytest.approx(np.cos(x0), abs=1e-12)
        assert y1 + (x0 - x1) * (y2 - y1) / (x2 - x1) == pytest.approx(np.sin(x0), abs=1e-12)
        assert f"sin′(x₀) = {np.cos(x0):.6g}" in w.text and f"sin(x₀) = {np.sin(x0):.6g}" in w.text
        assert w.text in label.value
    assert w.figure is fig and len(fig.axes[0].get_lines()) == n_lines
    assert plt.get_fignums() == before
    assert view.value != first_png and view.value[:4] == b"\x89PNG"
    legend = [t for t in legend_texts(fig) if t.startswith("tangent")]
    assert legend == [f"tangent at x₀ = 4: slope sin′(x₀) = {np.cos(4.0):.4g}"]


def test_moving_the_slider_updates_the_tangent():
    w = torch.plot_derivative(lambda x: x ** 3, range=(-2, 2), interactive=True)
    w.slider.value = 1.5  # what the browser does
    assert w.x0 == 1.5 and w.tangent_slope == pytest.approx(3 * 1.5 ** 2)
    w.x0 = 10  # outside the range: the slider clamps it
    assert w.x0 == 2.0 and w.tangent_slope == pytest.approx(12.0)


def test_tangent_at_a_kink_says_the_slope_is_a_convention():
    w = torch.plot_derivative(torch.relu, range=(-2, 2), interactive=True)
    w.x0 = 0.5
    assert w.tangent_slope == 1.0 and "convention" not in w.text
    w.x0 = 0.0
    assert w.tangent_slope == 0.0 and "relu is not differentiable here" in w.text
    w.x0 = 1e-4  # within half a slider step of the kink: snapped onto it
    assert w.x0 == 0.0 and "convention" in w.text


def test_tangent_for_the_pointwise_d2l_function():
    w = torch.plot_derivative(d2l_f(), interactive=True)
    assert w.data.pointwise
    for x0 in (1.3, -0.7):
        w.x0 = x0
        assert w.tangent_slope == pytest.approx(w.value / x0, rel=1e-12)


def test_tangent_where_f_is_nan_or_raises_says_so():
    w = torch.plot_derivative(torch.sqrt, range=(-1, 4), interactive=True)
    w.x0 = 1.0
    assert w.tangent_slope == pytest.approx(0.5)
    w.x0 = -0.5
    assert np.isnan(w.tangent_slope) and "sqrt′(x₀) = nan" in w.text
    # works on whole grids, fails on a single point: the grid is trusted, the widget explains
    w = torch.plot_derivative(lambda x: x * 2 if x.numel() > 5 else x.no_such_method(), interactive=True)
    assert np.isnan(w.tangent_slope)
    assert "could not be evaluated here: AttributeError" in w.text


def test_pointwise_error_names_the_point():
    def f(a):
        if a.item() > 1:
            raise ArithmeticError("too big")
        return a * (a > 0)  # `if` on a grid raises: pointwise path
    with pytest.raises(ValueError, match=r"f raised ArithmeticError at x = 1\.0\d*: too big"):
        plot_derivative(f, range=(-2, 2))


def test_interactive_picture(output_dir):
    w = torch.plot_derivative(torch.sin, reference=np.cos, interactive=True)
    w.x0 = 1.0
    w.figure.savefig(output_dir / "tangent.png", dpi=100)
    (output_dir / "tangent_widget_image.png").write_bytes(w.children[2].value)
    assert (output_dir / "tangent.png").read_bytes()[:4] == b"\x89PNG"


def test_ipympl_canvas_is_used_when_the_widget_backend_is_active():
    code = ("import autogradviz as torch, matplotlib.pyplot as plt\n"
            "w = torch.plot_derivative(torch.sin, interactive=True)\n"
            "canvas = w.children[2]\n"
            "assert canvas is w.figure.canvas and type(canvas).__name__ == 'Canvas', type(canvas)\n"
            "n = len(plt.get_fignums())\n"
            "w.x0 = 1.0\n"
            "assert abs(w.tangent_slope - 0.5403023058681398) < 1e-15\n"
            "assert len(plt.get_fignums()) == n == 1\n")
    env = {**os.environ, "MPLBACKEND": "module://ipympl.backend_nbagg"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("f, expected", [(lambda x: x.detach() ** 2 + x, lambda x: np.ones_like(x)),
                                         (lambda x: x * x.detach(), lambda x: x)])
def test_partly_detached_f_warns_that_autograd_disagrees_with_its_slope(f, expected):
    with pytest.warns(UserWarning, match="autograd's f′ disagrees with the slope of f itself at 5 of 5"):
        fig = plot_derivative(f, range=(-3, 3))
    np.testing.assert_allclose(fig.autograd_data["df"], expected(fig.autograd_data["x"]), atol=1e-12)
    close(fig)


@pytest.mark.parametrize("f, kwargs", [
    (torch.sin, {}), (torch.relu, {}), (torch.abs, {"n": 201}), (lambda x: torch.clamp(x, -1, 1), {}),
    (d2l_f(), {}), (lambda x: torch.exp(3 * x), {"range": (-5, 5)}), (torch.sqrt, {"range": (-1, 4)}),
    (lambda x: torch.tanh(100 * x), {"n": 50}), (torch.sign, {}),
])
def test_correct_functions_do_not_warn(f, kwargs):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        close(plot_derivative(f, **kwargs))
