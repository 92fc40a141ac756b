"""Running a program of tests/torch_programs.py under either engine (autogradviz or real PyTorch),
and reading its picture in a form that compares across engines."""
from __future__ import annotations

import numpy as np
from torch_programs import PROGRAMS

from autogradviz.graph.names import names_from_namespace
from autogradviz.graph.trace import output_key


def run(name: str, lib) -> dict:
    """The namespace the program leaves, with ``lib`` as ``torch``."""
    scope = {"torch": lib, "__name__": "program"}
    exec(compile(PROGRAMS[name], f"<{name}>", "exec"), scope)
    return scope


def names(scope: dict) -> dict:
    """The program's variable names, as the widgets find them in a notebook."""
    return names_from_namespace(scope)


def shape_of_picture(graph) -> dict:
    """What must agree between the engines: the nodes that carry gradients in walk order
    (kind, grad_fn name, variable name, shape, dtype), their edges, and the constants each op reads."""
    carrying = [n for n in graph.nodes if n.kind != "constant"]
    order = {n.id: k for k, n in enumerate(carrying)}
    constants = {n.id: n for n in graph.nodes if n.kind == "constant"}
    edges, reads = [], []
    for e in graph.edges:
        if e.src in order and e.dst in order:
            edges.append((order[e.src], order[e.dst], e.position, e.cut))
        elif e.src in constants and e.dst in order:
            c = constants[e.src]
            reads.append((order[e.dst], e.position, c.name, tuple(c.shape)))
    return {
        "nodes": [(n.kind, n.op, n.name, tuple(n.shape), n.dtype) for n in carrying],
        "edges": sorted(edges),
        "reads": sorted(reads, key=repr),
        "cuts": sorted((constants[e.dst].name, order.get(e.src)) for e in graph.edges if e.cut),
    }


def values(graph) -> list:
    """Each gradient-carrying node's value (None where the engine did not keep it), in walk order."""
    carrying = [n for n in graph.nodes if n.kind != "constant"]
    return [[graph.arrays.get(output_key(n.id, k), (None, None))[0] for k in range(len(n.output_labels))]
            if n.output_labels else graph.arrays.get(n.id, (None, None))[0] for n in carrying]


def close(a, b, tol: float = 1e-6) -> bool:
    """Equal within ``tol``; a list (one gradient or value per output) compares item by item."""
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return len(a) == len(b) and all((x is None and y is None) or (x is not None and y is not None and close(x, y, tol))
                                        for x, y in zip(a, b))
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.allclose(a, b, rtol=tol, atol=tol)
