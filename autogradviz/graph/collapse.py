"""Fold big graphs so they can be drawn: nothing is dropped, runs of nodes become one box.

`collapse(graph, max_nodes)` works in two passes, both iterative and linear in the graph size:

1. Chains: a run of op nodes with the same `op`, each fed by the previous one (its only
   input with that op) and used only by the next one, keeps its first and last node and
   folds the rest into one "collapsed" node ("… 9,998 more MulBackward0"), together with the
   inputs used only by the folded nodes (constants, private side branches; never leaves).
2. Bands: if the graph is still too big, nodes are ranked by depth and the middle ranks are
   folded (one collapsed node per connected piece when that fits, else one in all), keeping
   as many ranks near the inputs and near the outputs as the budget allows.

Outputs and named nodes are always kept visible.  Edges into or out of folded nodes are
redirected to their collapsed node, without duplicates.
"""
from __future__ import annotations

import dataclasses
import gc
from collections import Counter

from .model import Edge, Graph, Node


def collapse(graph: Graph, max_nodes: int) -> Graph:
    """A graph with at most `max_nodes` nodes (when possible) that stands for `graph`.

    Returns `graph` itself when it is small enough.  When the outputs and named nodes alone
    are more than `max_nodes`, everything else is folded and the result is still bigger.
    A collapsed node's `collapsed_count` is the number of original nodes it stands for.
    """
    if max_nodes < 1:
        raise ValueError("max_nodes must be at least 1")
    n = len(graph.nodes)
    if n <= max_nodes:
        return graph
    enabled = gc.isenabled()
    gc.disable()                     # many small allocations, no cycles: GC passes only cost time
    try:
        return _collapse(graph, max_nodes)
    finally:
        if enabled:
            gc.enable()


def _collapse(graph: Graph, max_nodes: int) -> Graph:
    n = len(graph.nodes)
    index = {nd.id: i for i, nd in enumerate(graph.nodes)}
    succ: list[list[int]] = [[] for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    for e in graph.edges:
        a, b = index.get(e.src), index.get(e.dst)
        if a is None or b is None:
            raise ValueError(f"edge {e.src!r} -> {e.dst!r} refers to an unknown node")
        if a != b:
            succ[a].append(b)
            pred[b].append(a)
    _dedupe(succ)
    _dedupe(pred)
    nodes = graph.nodes
    protected = [nd.kind == "output" or nd.name is not None for nd in nodes]

    group_of, ngroups = _fold_chains(nodes, succ, pred, protected)
    visible = sum(1 for g in group_of if g < 0) + ngroups
    if visible > max_nodes:
        group_of, ngroups = _fold_bands(n, succ, group_of, ngroups, protected, max_nodes)
    return _materialize(graph, index, group_of, ngroups)


# ---------------------------------------------------------------------------------------------
# Pass 1: chains of the same op

def _fold_chains(nodes: list[Node], succ: list[list[int]], pred: list[list[int]],
                 protected: list[bool]) -> tuple[list[int], int]:
    n = len(nodes)
    nxt = [-1] * n
    prv = [-1] * n
    for a in range(n):
        na = nodes[a]
        if na.kind != "op" or protected[a] or na.op is None or len(succ[a]) != 1:
            continue
        b = succ[a][0]
        nb = nodes[b]
        if nb.kind != "op" or protected[b] or nb.op != na.op:
            continue
        same = 0
        for p in pred[b]:
            if nodes[p].kind == "op" and nodes[p].op == nb.op:
                same += 1
        if same == 1:
            nxt[a], prv[b] = b, a

    group_of = [-1] * n
    keep = [False] * n
    ngroups = 0
    for head in range(n):
        if prv[head] != -1 or nxt[head] == -1:
            continue
        run = [head]
        while nxt[run[-1]] != -1 and len(run) <= n:
            run.append(nxt[run[-1]])
        if len(run) < 4:
            continue
        g = ngroups
        ngroups += 1
        keep[run[0]] = keep[run[-1]] = True
        for i in run[1:-1]:
            group_of[i] = g

    # absorb inputs that are used only inside one group (constants, private branches)
    absorbable = [not protected[i] and not keep[i] and nodes[i].kind in ("op", "constant", "collapsed")
                  for i in range(n)]
    tag = [-1] * n
    hits = [0] * n
    stack = [i for i in range(n) if group_of[i] >= 0]
    while stack:
        m = stack.pop()
        g = group_of[m]
        for p in pred[m]:
            if group_of[p] >= 0 or not absorbable[p]:
                continue
            if tag[p] == -1:
                tag[p], hits[p] = g, 1
            elif tag[p] == g:
                hits[p] += 1
            else:
                tag[p] = -2                         # used by two groups: stays visible
                continue
            if hits[p] == len(succ[p]):
                group_of[p] = g
                stack.append(p)
    return group_of, ngroups


# ---------------------------------------------------------------------------------------------
# Pass 2: bands of ranks

def _fold_bands(n: int, succ: list[list[int]], group_of: list[int], ngroups: int,
                protected: list[bool], max_nodes: int) -> tuple[list[int], int]:
    # quotient graph: visible nodes keep their index, chain group g becomes node n + g
    qid = {}
    qlist: list[int] = []
    for i in range(n):
        q = i if group_of[i] < 0 else n + group_of[i]
        if q not in qid:
            qid[q] = len(qlist)
            qlist.append(q)
    m = len(qlist)
    qmap = [qid[i if group_of[i] < 0 else n + group_of[i]] for i in range(n)]
    if m == n:
        qsucc = succ
    else:
        qsucc = [[] for _ in range(m)]
        for a in range(n):
            qa = qmap[a]
            for b in succ[a]:
                qb = qmap[b]
                if qa != qb:
                    qsucc[qa].append(qb)
        _dedupe(qsucc)
    indeg = [0] * m
    for lst in qsucc:
        for b in lst:
            indeg[b] += 1
    qprot = [q < n and protected[q] for q in qlist]

    # depth = longest path from the sources; sources sit just below their first consumer
    depth = [0] * m
    order = [k for k in range(m) if indeg[k] == 0]
    head = 0
    left = indeg[:]
    while head < len(order):
        k = order[head]
        head += 1
        for s in qsucc[k]:
            if depth[k] + 1 > depth[s]:
                depth[s] = depth[k] + 1
            left[s] -= 1
            if left[s] == 0:
                order.append(s)
    top = max(depth, default=0)
    if len(order) < m:                               # a cycle: put its nodes on top
        done = set(order)
        for k in range(m):
            if k not in done:
                depth[k] = top + 1
        top += 1
    for k in range(m):
        if indeg[k] == 0 and qsucc[k]:
            depth[k] = min(depth[s] for s in qsucc[k]) - 1

    # Fold the ranks lo..hi (unprotected nodes only).  A protected node at rank d inside the
    # band cuts it into pieces (..d) and (d+1..): since ranks grow along every edge, no path
    # can leave a piece and come back, so the folded graph stays acyclic.
    levels = top + 1
    free = [0] * levels
    prot_level = [False] * levels
    for k in range(m):
        if qprot[k]:
            prot_level[depth[k]] = True
        else:
            free[depth[k]] += 1
    cuts = sum(prot_level)                          # bound on the pieces: cuts + 1
    kept = sum(qprot)
    lo, hi = 0, levels - 1
    stuck_top = stuck_bottom = False
    while lo <= hi and not (stuck_top and stuck_bottom):
        if not stuck_top:
            if kept + free[hi] + 1 + cuts - prot_level[hi] <= max_nodes:
                kept += free[hi]
                cuts -= prot_level[hi]
                hi -= 1
            else:
                stuck_top = True
        if lo <= hi and not stuck_bottom:
            if kept + free[lo] + 1 + cuts - prot_level[lo] <= max_nodes:
                kept += free[lo]
                cuts -= prot_level[lo]
                lo += 1
            else:
                stuck_bottom = True
    piece_of_level = [-1] * levels
    piece = 0
    for lev in range(lo, hi + 1):
        piece_of_level[lev] = piece
        if prot_level[lev]:
            piece += 1
    folded = [not qprot[k] and lo <= depth[k] <= hi for k in range(m)]
    pieces: dict[int, int] = {}                     # non-empty pieces, renumbered
    for k in range(m):
        if folded[k]:
            pieces.setdefault(piece_of_level[depth[k]], len(pieces))

    # one collapsed node per connected part of each piece if that fits, else one per piece
    parts: dict[int, int] = {}
    parent = list(range(m))
    if max_nodes - kept - len(pieces) >= 1:         # room for more than one node per piece
        for a in range(m):
            if folded[a]:
                pa = piece_of_level[depth[a]]
                for b in qsucc[a]:
                    if folded[b] and piece_of_level[depth[b]] == pa:
                        ra, rb = _find(parent, a), _find(parent, b)
                        if ra != rb:
                            parent[rb] = ra
        for k in range(m):
            if folded[k]:
                parts.setdefault(_find(parent, k), len(parts))
    by_part = bool(parts) and kept + len(parts) <= max_nodes
    qgroup = [-1] * m
    for k in range(m):
        if folded[k]:
            qgroup[k] = parts[_find(parent, k)] if by_part else pieces[piece_of_level[depth[k]]]
    nbands = len(parts) if by_part else len(pieces)
    # chain groups that were not folded again keep their number; bands come after them
    new_group = [ngroups + qgroup[qmap[i]] if qgroup[qmap[i]] >= 0 else group_of[i] for i in range(n)]
    return new_group, ngroups + nbands


def _dedupe(adj: list[list[int]]) -> None:
    """Remove repeated neighbours in place (keeps first-seen order)."""
    for k, lst in enumerate(adj):
        if len(lst) > 1:
            adj[k] = list(dict.fromkeys(lst))


def _find(parent: list[int], i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        parent[i], i = root, parent[i]
    return root


# ---------------------------------------------------------------------------------------------
# Building the folded graph

_INPUT_KEYS = {"constant": "constants", "leaf": "leaves"}


def _key(nd: Node) -> str:
    if nd.kind in _INPUT_KEYS:
        return _INPUT_KEYS[nd.kind]
    return nd.op or ("folded nodes" if nd.kind == "collapsed" else nd.kind)


def _collapsed_node(node_id: str, members: list[Node]) -> Node:
    """The box standing for `members`: "… 9,998 more MulBackward0" and a tooltip breakdown."""
    counts: Counter[str] = Counter()
    for nd in members:
        counts[_key(nd)] += nd.collapsed_count if nd.kind == "collapsed" and nd.collapsed_count else 1
    total = sum(counts.values())
    kinds = counts.most_common()
    ops = [(k, v) for k, v in kinds if k not in _INPUT_KEYS.values()]
    if len(kinds) == 1:
        label = f"… {total:,} more {kinds[0][0]}"
    elif len(ops) == 1:
        op, count = ops[0]
        label = f"… {count:,} more {op}\n+ {total - count:,} of their inputs"
    else:
        shown = ", ".join(f"{k} ×{v:,}" for k, v in kinds[:2]) + (", …" if len(kinds) > 2 else "")
        label = f"… {total:,} more nodes\n{shown}"
    tooltip = f"{total:,} nodes folded into one box:\n" + "\n".join(f"{k}: {v:,}" for k, v in kinds)
    op = ops[0][0] if len(ops) == 1 and any(nd.op for nd in members) else None
    return Node(id=node_id, kind="collapsed", label=label, op=op, requires_grad=any(
        nd.requires_grad for nd in members), collapsed_count=total, tooltip=tooltip)


def _materialize(graph: Graph, index: dict[str, int], group_of: list[int], ngroups: int) -> Graph:
    nodes = graph.nodes
    members: list[list[Node]] = [[] for _ in range(ngroups)]
    for i, g in enumerate(group_of):
        if g >= 0:
            members[g].append(nodes[i])
    gid: list[str | None] = [None] * ngroups
    k = 0
    for g in range(ngroups):
        if members[g]:
            while f"collapsed:{k}" in index:
                k += 1
            gid[g] = f"collapsed:{k}"
            k += 1
    out_nodes: list[Node] = []
    placed = [False] * ngroups
    for i, nd in enumerate(nodes):
        g = group_of[i]
        if g < 0:
            out_nodes.append(nd)
        elif not placed[g]:
            placed[g] = True
            out_nodes.append(_collapsed_node(gid[g], members[g]))
    out_edges: list[Edge] = []
    merged: dict[tuple[str, str], Edge] = {}
    into: Counter[str] = Counter()
    for e in graph.edges:
        gs, gd = group_of[index[e.src]], group_of[index[e.dst]]
        if gs < 0 and gd < 0:
            out_edges.append(e)
            continue
        if gs >= 0 and gs == gd:
            continue                                  # inside one collapsed node
        s = e.src if gs < 0 else gid[gs]
        d = e.dst if gd < 0 else gid[gd]
        old = merged.get((s, d))
        if old is not None:
            old.cut = old.cut and e.cut
            continue
        pos = e.position if gd < 0 else into[d]
        into[d] += 1
        new = Edge(src=s, dst=d, position=pos, cut=e.cut)
        merged[(s, d)] = new
        out_edges.append(new)
    out = dataclasses.replace(graph, nodes=out_nodes, edges=out_edges)
    # side tables keyed by node id (present on graphs made by `trace`): follow the folding
    lookup = getattr(graph, "index", None)
    if isinstance(lookup, dict):
        out.index = {k: _renamed(v, index, group_of, gid) for k, v in lookup.items()}
    arrays = getattr(graph, "arrays", None)
    if isinstance(arrays, dict):
        out.arrays = {k: v for k, v in arrays.items() if _renamed(k, index, group_of, gid) == k}
    return out


def _renamed(node_id: str, index: dict[str, int], group_of: list[int], gid: list[str | None]) -> str:
    """The id that stands for `node_id` in the folded graph."""
    i = index.get(node_id)
    if i is None or group_of[i] < 0:
        return node_id
    return gid[group_of[i]] or node_id
