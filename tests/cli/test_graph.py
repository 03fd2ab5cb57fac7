"""fg.graph and `flatgrad graph`: the picture parses, renders and carries the lecture's numbers."""
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import flatgrad as fg
from flatgrad.cli import main

ROOT = Path(__file__).resolve().parents[2]
NEURON = str(ROOT / "examples" / "sigmoid_neuron.py") + "::f"
MATRIX = str(ROOT / "examples" / "matrix_example.py") + "::loss"
SVG = "{http://www.w3.org/2000/svg}"


def neuron(w0, x0, w1, x1, w2):
    return fg.sigmoid(w0 * x0 + w1 * x1 + w2)


def texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)           # raises if the SVG is not well-formed XML
    assert root.tag == SVG + "svg"
    return ["".join(t.itertext()) for t in root.iter(SVG + "text")]


def test_sigmoid_neuron_has_the_lectures_numbers():
    g = fg.graph(neuron, 2.0, -1.0, -3.0, -2.0, -3.0)
    labels = texts(g.svg)
    # the lecture's figure: 0.73 at the output, -0.20, 0.39, -0.39, -0.59, 0.20 on the inputs
    wires = {src: (fwd, grad) for src, dst, fwd, grad in g.wires if dst in ("*", "+")}
    M = "\u2212"
    assert wires["w0"] == ("2.00", M + "0.20")
    assert wires["x0"] == (M + "1.00", "0.39")
    assert wires["w1"] == (M + "3.00", M + "0.39")
    assert wires["x1"] == (M + "2.00", M + "0.59")
    assert wires["w2"] == (M + "3.00", "0.20")
    assert "0.73" in labels and "1.00" in labels
    # against an independent computation: sigma' = sigma (1 - sigma)
    s = 1 / (1 + math.exp(-(2.0 * -1.0 + -3.0 * -2.0 - 3.0)))
    d = s * (1 - s)
    assert g.grads["w0"] == pytest.approx(d * -1.0) and g.grads["x1"] == pytest.approx(d * -3.0)
    assert g.value == pytest.approx(s)
    kinds = sorted(n.label for n in g.nodes if n.kind == "op")
    assert kinds == ["*", "*", "+", "+", "sigmoid"]


def test_two_layer_net_gradients_match_grad_and_arrays_are_summarised():
    from examples.matrix_example import loss
    rng = np.random.default_rng(1)
    X, W1, W2 = rng.normal(size=(6, 4)), rng.normal(size=(4, 5)), rng.normal(size=(5, 2))
    g = fg.graph(loss, X, W1, W2, wrt=("W1", "W2"))
    want = fg.grad(loss, (1, 2), target="python")(X, W1, W2)
    np.testing.assert_allclose(g.grads["W1"], want[0])
    np.testing.assert_allclose(g.grads["W2"], want[1])
    assert g.grads.keys() == {"W1", "W2"}          # X was not asked for
    labels = texts(g.svg)
    assert any(t.startswith("(6,5)") for t in labels)            # z1's shape on its wire
    norm = f"{np.linalg.norm(W1):.2f}"
    assert any(norm in t for t in labels)
    assert {"z1", "h1", "yhat"} <= {n.name for n in g.nodes}     # the user's names


def test_loop_box_shows_the_last_trip():
    def rec(x, w):
        for i in range(5):
            x = x + 0.1 * math.sin(x) * w
        return x

    g = fg.graph(rec, 0.5, 1.5)
    assert any("5 trips" in grp.title for grp in g.groups)
    xs = [0.5]
    for _ in range(5):
        xs.append(xs[-1] + 0.1 * math.sin(xs[-1]) * 1.5)
    last_in = xs[4]                      # the carried x entering the last trip
    fwd, grad = next((f, gr) for s, d, f, gr in g.wires if s == "x" and d == "sin")
    assert fwd == f"{last_in:.2f}"
    assert grad == f"{1 + 0.1 * math.cos(last_in) * 1.5:.2f}"    # d out / d x_4
    collapsed = fg.graph(rec, 0.5, 1.5, collapse=True)
    assert [n.label for n in collapsed.nodes if n.kind == "region"] == ["for \u00d75"]
    texts(collapsed.svg)


def test_branch_box_shows_the_taken_branch():
    def br(x, y):
        if x > 0:
            z = x * y
        else:
            z = x + y
        return math.exp(z)

    g = fg.graph(br, -1.5, -0.5)
    assert any("else branch was taken" in grp.title for grp in g.groups)
    ops = {n.label for n in g.nodes if n.kind == "op"}
    assert "+" in ops and "*" not in ops
    assert g.grads["x"] == pytest.approx(math.exp(-2.0))
    g = fg.graph(br, 1.5, -0.5)
    assert "*" in {n.label for n in g.nodes if n.kind == "op"}


def test_png_renders():
    cairosvg = pytest.importorskip("cairosvg")
    g = fg.graph(neuron, 2.0, -1.0, -3.0, -2.0, -3.0)
    png = cairosvg.svg2png(bytestring=g.svg.encode())
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_repr_svg_and_save(tmp_path):
    g = fg.graph(neuron, 2.0, -1.0, -3.0, -2.0, -3.0)
    assert g._repr_svg_() == g.svg
    out = g.save(tmp_path / "n.svg")
    assert Path(out).read_text().startswith("<svg")


def test_cli_graph_writes_svg(tmp_path, capsys):
    out = tmp_path / "neuron.svg"
    code = main(["graph", NEURON, "--at", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    labels = texts(out.read_text())
    assert "0.73" in labels and "\u22120.59" in labels


def test_cli_graph_arrays_from_annotations_and_npy(tmp_path, capsys):
    np.save(tmp_path / "X.npy", np.arange(6.0).reshape(3, 2) / 10)
    out = tmp_path / "m.svg"
    code = main(["graph", MATRIX, "--at", f"X=@{tmp_path / 'X.npy'},W1=[[0.1,0.2],[0.3,-0.4]],"
                 "W2=[[1.0],[2.0]]", "--wrt", "W1", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    assert any(t.startswith("(3,2)") for t in texts(out.read_text()))


@pytest.mark.parametrize("argv, words", [
    (["--at", "w0=2,x0=-1"], ["give a value", "w1"]),
    (["--at", "w0=2,x0=-1,w1=-3,x1=-2,w2=oops"], ["w2", "not a number"]),
    (["--at", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3,q=1"], ["no parameter", "q"]),
    (["--at", "w0=2,x0=-1,w1=-3,x1=-2,w2=-3", "-o", "x.pdf"], [".svg"]),
])
def test_cli_graph_bad_input_exits_1(capsys, argv, words):
    code = main(["graph", NEURON] + argv)
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    for w in words:
        assert w in err


def test_cli_graph_runtime_error_names_the_line(tmp_path, capsys):
    src = tmp_path / "oops.py"
    src.write_text("import numpy as np\n\ndef f(x: 'f64[:]'):\n    return np.sum(x[np.arange(5)])\n")
    code = main(["graph", f"{src}::f", "--at", "x=[1.0,2.0]", "-o", str(tmp_path / "o.svg")])
    err = capsys.readouterr().err
    assert code == 1 and "IndexError" in err and "oops.py:4" in err and "Traceback" not in err
