"""Hostile names cannot inject markup into the SVG/HTML nor syntax into the DOT text."""
from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from render_support import need_dot

from autogradviz.graph.model import Edge, Graph, Node
from autogradviz.render import GraphView, layout, to_dot
from autogradviz.render.escape import clean, dot_string, split_lines, xml_attr, xml_text

NS = "{http://www.w3.org/2000/svg}"
SCRIPT = "</text><script>alert(1)</script>"
DOT_BREAK = '"];evil[label="'
VALUE = "a & b < c > d \"q\" 'r' \\N {x|y} <b>"
UNICODE = "∂L/∂x × Σ 🙂 中文"


def hostile_graph() -> Graph:
    return Graph(
        nodes=[
            Node(SCRIPT, "leaf", SCRIPT, name=SCRIPT, value=VALUE, grad=UNICODE,
                 tooltip="tip " + SCRIPT),
            Node(DOT_BREAK, "output", DOT_BREAK, name=DOT_BREAK, op="<Mul>&Backward0", symbol="×",
                 value="ctl\x00\x07\x1b[31m end"),
            Node("two\nlines", "constant", "line1\nline2", requires_grad=False),
        ],
        edges=[Edge(SCRIPT, DOT_BREAK, 0, label=SCRIPT), Edge("two\nlines", DOT_BREAK, 1)],
    )


def test_escape_helpers():
    assert xml_text("<a & b>") == "&lt;a &amp; b&gt;"
    assert xml_attr('x"y\'z<\n') == "x&quot;y&#39;z&lt; "
    assert clean("a\x00b\x1bc\td") == "a\ufffdb\ufffdc d"
    assert split_lines("a\r\nb\rc\u2028d") == ["a", "b", "c", "d"]
    assert clean(UNICODE) == UNICODE
    assert dot_string('say "hi" \\N & <b>\nnext') == '"say \\"hi\\" \\\\N &amp; <b>\\nnext"'
    # the escaped forms parse back to the original
    assert ET.fromstring(f'<t a="{xml_attr(VALUE)}">{xml_text(VALUE)}</t>').attrib["a"] == VALUE
    assert ET.fromstring(f"<t>{xml_text(SCRIPT)}</t>").text == SCRIPT


def test_hostile_names_in_svg(engine):
    svg = layout(hostile_graph(), engine=engine).svg(edge_labels={("two\nlines", DOT_BREAK, 1): SCRIPT})
    root = ET.fromstring(svg)                       # well-formed XML
    assert not [el for el in root.iter() if el.tag.split("}")[-1].lower() == "script"]
    groups = {g.get("id"): g for g in root.iter(NS + "g") if "node" in g.get("class", "").split()}
    assert set(groups) == {"node-" + SCRIPT, "node-" + DOT_BREAK, "node-two lines"}
    texts = {k: ["".join(t.itertext()) for t in g.iter(NS + "tspan")] for k, g in groups.items()}
    leaf = texts["node-" + SCRIPT]
    assert leaf[0] == SCRIPT and f"value {VALUE}" in leaf and f"grad {UNICODE}" in leaf
    out = texts["node-" + DOT_BREAK]
    assert out[0] == f"{DOT_BREAK} = ×" and out[1] == "<Mul>&Backward0"
    assert out[2] == "value ctl\ufffd\ufffd\ufffd[31m end"          # control characters replaced
    assert texts["node-two lines"] == ["line1", "line2"]           # newlines become tspans
    assert groups["node-" + SCRIPT].find(NS + "title").text == "tip " + SCRIPT
    all_text = ["".join(t.itertext()) for t in root.iter(NS + "text")]
    assert all_text.count(SCRIPT) == 2                  # the edge's own label and the restyle one
    edge = next(g for g in root.iter(NS + "g") if g.get("class") == "edge")
    assert edge.get("data-src") == SCRIPT and edge.get("data-dst") == DOT_BREAK


def test_hostile_names_in_html_page(tmp_path):
    path = GraphView(hostile_graph(), engine="python").save(tmp_path / "g.html")
    page = Path(path).read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _outside_strings(source: str) -> str:
    """DOT text with every double-quoted string removed (honouring backslash escapes)."""
    out, i, inside = [], 0, False
    while i < len(source):
        ch = source[i]
        if inside:
            if ch == "\\":
                i += 1
            elif ch == '"':
                inside = False
        elif ch == '"':
            inside = True
        else:
            out.append(ch)
        i += 1
    assert not inside, "unterminated string in DOT"
    return "".join(out)


def test_hostile_names_in_dot_text():
    source = to_dot(hostile_graph())
    outside = _outside_strings(source)
    assert "evil" not in outside and "script" not in outside and "Mul" not in outside
    assert outside.count("->") == 2
    assert len(re.findall(r"^  n\d+ \[", outside, flags=re.M)) == 3
    assert len(re.findall(r"^  n\d+ -> n\d+", outside, flags=re.M)) == 2
    assert "\x00" not in source and "\x1b" not in source


def test_hostile_names_round_trip_through_graphviz():
    need_dot()
    source = to_dot(hostile_graph())
    proc = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True, check=True)
    root = ET.fromstring(proc.stdout)
    nodes = [g for g in root.iter(NS + "g") if g.get("class") == "node"]
    assert len(nodes) == 3
    assert not [el for el in root.iter() if el.tag.split("}")[-1].lower() == "script"]
    texts = {g.get("id"): ["".join(t.itertext()) for t in g.iter(NS + "text")] for g in nodes}
    assert texts["node-" + SCRIPT][0] == SCRIPT
    assert f"value {VALUE}" in texts["node-" + SCRIPT]
    assert f"grad {UNICODE}" in texts["node-" + SCRIPT]
    assert texts["node-" + DOT_BREAK][:2] == [f"{DOT_BREAK} = ×", "<Mul>&Backward0"]
    assert texts["node-two lines"] == ["line1", "line2"]
