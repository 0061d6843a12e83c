"""Lifecycle diagrams drawn from a ruleset (Mermaid and Graphviz dot)."""

from __future__ import annotations

from disclosure.rules.model import Ruleset


def _edges(rs: Ruleset) -> list[tuple[str, str, list[str]]]:
    grouped: dict[tuple[str, str], list[str]] = {}
    for name, ev in rs.events.items():
        for src in ev.from_:
            for dst in ev.targets(src):
                grouped.setdefault((src, dst), []).append(name)
    return [(a, b, events) for (a, b), events in grouped.items()]


def lifecycle_graph(rs: Ruleset, fmt: str = "mermaid") -> str:
    """The states as nodes (labelled with who must act) and events as edges."""
    if fmt == "dot":
        lines = [f'digraph "{rs.id}" {{', "  rankdir=LR;", "  node [shape=box, style=rounded];"]
        for name, st in rs.states.items():
            shape = "doublecircle" if st.final else ("box, peripheries=2" if st.closed else "box")
            label = f"{name}\\n({st.waiting_on})"
            lines.append(f'  "{name}" [label="{label}", shape={shape}];')
        lines.append(f'  "__start" [shape=point]; "__start" -> "{rs.initial_state}";')
        for src, dst, events in _edges(rs):
            lines.append(f'  "{src}" -> "{dst}" [label="{", ".join(events)}"];')
        lines.append("}")
        return "\n".join(lines) + "\n"
    if fmt != "mermaid":
        raise ValueError(f"unknown graph format '{fmt}'")
    lines = ["stateDiagram-v2", f"  [*] --> {rs.initial_state}"]
    for name, st in rs.states.items():
        lines.append(f"  {name}: {name} ({st.waiting_on})")
        if st.final:
            lines.append(f"  {name} --> [*]")
    for src, dst, events in _edges(rs):
        lines.append(f"  {src} --> {dst}: {', '.join(events)}")
    return "\n".join(lines) + "\n"
