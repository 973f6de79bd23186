"""Charts as pure functions: numbers in, Plotly figures out. No queries, no files.

Every figure uses the same scale (maturity 1-5), a colour-blind-safe palette, and text that
states the numbers, so the data table under each chart can say the same facts.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

ORG_COLOUR = "#0b4f6c"  # our brand teal
PEER_COLOUR = "#d55e00"  # Okabe-Ito vermillion: distinct from teal for colour-blind readers
BAND_COLOUR = "rgba(213, 94, 0, 0.18)"
FONT = {"family": "DejaVu Sans, Arial, sans-serif", "size": 13, "color": "#212529"}
LEVEL_AXIS = {"range": [0, 5.2], "tickvals": [1, 2, 3, 4, 5], "title": {"text": "Maturity level"}}
LEVEL_COLOURS = [  # sequential blues, light (level 1) to dark (level 5); N/A is grey
    [0.0, "#deebf7"],
    [0.25, "#9ecae1"],
    [0.5, "#4292c6"],
    [0.75, "#2171b5"],
    [1.0, "#08306b"],
]


@dataclass(frozen=True)
class Quartiles:
    q1: float
    median: float
    q3: float


# Plotly's mode bar (its first 30 px) sits at the chart's top right; on a phone it reaches the
# title at the top left. The title goes below that band, so nothing covers it at any width.
MODE_BAR_BAND = 36


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        title={
            "text": title,
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": MODE_BAR_BAND},
        },
        font=FONT,
        height=height,
        margin={"l": 60, "r": 30, "t": MODE_BAR_BAND + 36, "b": 60},
        paper_bgcolor="white",
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def radar(
    *,
    scores: Mapping[str, float | None],
    peer_median: Mapping[str, float | None] | None,
    peer_label: str = "Peer median",
) -> go.Figure:
    """The commitment scores on one radar, with the peer median when it may be shown."""
    names = list(scores)
    closed = [*names, names[0]] if names else []

    def ring(values: Mapping[str, float | None]) -> list[float | None]:
        r = [values.get(n) for n in names]
        return [*r, r[0]] if r else []

    fig = go.Figure()
    fig.add_trace(
        go.Scatterpolar(
            r=ring(scores), theta=closed, name="Your organization", fill="toself",
            line={"color": ORG_COLOUR, "width": 3}, fillcolor="rgba(11, 79, 108, 0.15)",
        )
    )  # fmt: skip
    if peer_median is not None:
        fig.add_trace(
            go.Scatterpolar(
                r=ring(peer_median), theta=closed, name=peer_label,
                line={"color": PEER_COLOUR, "width": 2, "dash": "dash"},
            )
        )  # fmt: skip
    fig.update_layout(polar={"radialaxis": {"range": [0, 5], "tickvals": [1, 2, 3, 4, 5]}})
    return _layout(fig, "Maturity by commitment", height=480)


def bars_with_band(
    *, scores: Mapping[str, float | None], peers: Mapping[str, Quartiles] | None
) -> go.Figure:
    """A bar per commitment, with the peers' interquartile band and median where shown."""
    names = list(scores)
    fig = go.Figure()
    if peers:
        shown = [n for n in names if n in peers]
        fig.add_trace(
            go.Bar(
                x=shown, y=[peers[n].q3 - peers[n].q1 for n in shown],
                base=[peers[n].q1 for n in shown], name="Peers: middle half (25th-75th)",
                marker={"color": BAND_COLOUR}, width=0.8, hoverinfo="skip",
            )
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=shown, y=[peers[n].median for n in shown], mode="markers",
                name="Peer median", marker={"symbol": "line-ew-open", "size": 30,
                                            "color": PEER_COLOUR, "line": {"width": 3}},
            )
        )  # fmt: skip
    values = [scores[n] for n in names]
    fig.add_trace(
        go.Bar(
            x=names, y=values, name="Your organization", marker={"color": ORG_COLOUR}, width=0.4,
            text=[f"{v:.2f}" if v is not None else "n/a" for v in values], textposition="outside",
        )
    )  # fmt: skip
    fig.update_layout(barmode="overlay", yaxis=LEVEL_AXIS)
    return _layout(fig, "Your scores against your peers")


def criterion_heatmap(
    *, rows: Sequence[str], columns: Sequence[str], levels: Sequence[Sequence[int | None]],
    labels: Sequence[Sequence[str]],
) -> go.Figure:  # fmt: skip
    """Commitments down, their criteria across; each cell's colour is the level chosen."""
    fig = go.Figure(
        go.Heatmap(
            z=levels, x=list(columns), y=list(rows), text=labels, texttemplate="%{text}",
            zmin=1, zmax=5, colorscale=LEVEL_COLOURS, xgap=3, ygap=3,
            colorbar={"title": {"text": "Level"}, "tickvals": [1, 2, 3, 4, 5]},
            hovertemplate="%{text}<extra></extra>",
        )
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "Level of every criterion", height=60 + 40 * max(len(rows), 1))


def trend(*, cycles: Sequence[str], series: Mapping[str, Sequence[float | None]]) -> go.Figure:
    """Each commitment's score across the organization's cycles."""
    fig = go.Figure()
    for name, values in series.items():
        fig.add_trace(go.Scatter(x=list(cycles), y=list(values), mode="lines+markers", name=name))
    fig.update_layout(yaxis=LEVEL_AXIS, xaxis={"type": "category", "title": {"text": "Cycle"}})
    return _layout(fig, "Scores across cycles")


@dataclass(frozen=True)
class Box:
    """One commitment's scores in a cycle: five numbers the database computed, and how many
    organizations."""

    code: str
    name: str
    count: int
    min: float
    q1: float
    median: float
    q3: float
    max: float


def score_boxes(*, boxes: Sequence[Box]) -> go.Figure:
    """One box per commitment. Whiskers reach min and max, so no point is drawn as an outlier."""
    fig = go.Figure(
        go.Box(
            x=[b.name for b in boxes],
            lowerfence=[b.min for b in boxes],
            q1=[b.q1 for b in boxes],
            median=[b.median for b in boxes],
            q3=[b.q3 for b in boxes],
            upperfence=[b.max for b in boxes],
            marker_color=ORG_COLOUR,
            name="Scores",
        )
    )
    fig.update_layout(yaxis=LEVEL_AXIS, xaxis={"type": "category", "title": {"text": "Commitment"}})
    return _layout(fig, "Distribution of commitment scores")


def median_trend(
    *, cycles: Sequence[str], series: Mapping[str, Sequence[float | None]]
) -> go.Figure:
    """Each commitment's consortium median across cycles."""
    fig = trend(cycles=cycles, series=series)
    return _layout(fig, "Median score across cycles")


def ratings_per_criterion(
    *,
    codes: Sequence[str],
    staff: Sequence[Sequence[int]],
    partners: Sequence[Sequence[int]],
    consensus: Sequence[int | None],
    title: str,
) -> go.Figure:
    """A dot plot: each criterion across, levels up; a dot's area grows with the raters who gave
    that level, staff and partners side by side, the consensus as a hollow diamond."""
    fig = go.Figure()
    for name, counts, colour, shift in (
        ("Staff", staff, ORG_COLOUR, -0.15),
        ("Partners", partners, PEER_COLOUR, 0.15),
    ):
        xs, ys, sizes, texts = [], [], [], []
        for i, (code, row) in enumerate(zip(codes, counts, strict=True)):
            for level, n in enumerate(row, start=1):
                if n:
                    xs.append(i + shift)
                    ys.append(level)
                    sizes.append(8 + 6 * n)
                    texts.append(f"{code.upper()}: {n} {name.lower()} at level {level}")
        fig.add_trace(
            go.Scatter(
                x=xs, y=ys, mode="markers", name=name, text=texts,
                marker={"size": sizes, "color": colour, "line": {"width": 1, "color": "white"}},
                hovertemplate="%{text}<extra></extra>",
            )
        )  # fmt: skip
    agreed = [(i, level) for i, level in enumerate(consensus) if level is not None]
    if agreed:
        fig.add_trace(
            go.Scatter(
                x=[i for i, _ in agreed], y=[level for _, level in agreed], mode="markers",
                name="Consensus", text=[f"{codes[i].upper()}: consensus {lv}" for i, lv in agreed],
                marker={"symbol": "diamond-open", "size": 16, "color": "#212529",
                        "line": {"width": 2}},
                hovertemplate="%{text}<extra></extra>",
            )
        )  # fmt: skip
    fig.update_layout(
        yaxis=LEVEL_AXIS,
        xaxis={
            "tickvals": list(range(len(codes))),
            "ticktext": [c.upper() for c in codes],
            "title": {"text": "Criterion"},
        },
    )
    return _layout(fig, title, height=440)
