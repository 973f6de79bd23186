"""Charts carry exactly the numbers they are given."""

from reports.charts import Quartiles, bars_with_band, criterion_heatmap, radar, trend


def test_radar_closes_the_ring_and_adds_the_peer_median_only_when_given() -> None:
    fig = radar(scores={"Safe": 3.2, "Fair": 2.0, "Engaged": None}, peer_median=None)
    assert len(fig.data) == 1
    assert list(fig.data[0].r) == [3.2, 2.0, None, 3.2]
    assert list(fig.data[0].theta) == ["Safe", "Fair", "Engaged", "Safe"]
    with_peers = radar(scores={"Safe": 3.2, "Fair": 2.0}, peer_median={"Safe": 2.5, "Fair": 3.0})
    assert [t.name for t in with_peers.data] == ["Your organization", "Peer median"]
    assert list(with_peers.data[1].r) == [2.5, 3.0, 2.5]


def test_bars_show_the_band_from_q1_to_q3_and_the_median() -> None:
    fig = bars_with_band(
        scores={"Safe": 3.2, "Fair": 2.0},
        peers={"Safe": Quartiles(2.0, 2.5, 3.5)},  # Fair's group too small: no band
    )
    band, median, ours = fig.data
    assert list(band.x) == ["Safe"]
    assert list(band.base) == [2.0]
    assert list(band.y) == [1.5]
    assert list(median.y) == [2.5]
    assert list(ours.y) == [3.2, 2.0]
    assert list(ours.text) == ["3.20", "2.00"]


def test_bars_without_peers_have_only_the_organizations_bars() -> None:
    fig = bars_with_band(scores={"Safe": None}, peers=None)
    assert len(fig.data) == 1
    assert list(fig.data[0].text) == ["n/a"]


def test_heatmap_keeps_rows_columns_and_levels() -> None:
    fig = criterion_heatmap(
        rows=["Safe", "Fair"], columns=["1", "2"], levels=[[1, 5], [None, 3]],
        labels=[["safe-1: 1", "safe-2: 5"], ["fair-1: N/A", "fair-2: 3"]],
    )  # fmt: skip
    (heat,) = fig.data
    assert [list(r) for r in heat.z] == [[1, 5], [None, 3]]
    assert (heat.zmin, heat.zmax) == (1, 5)


def test_trend_has_a_line_per_commitment_over_the_cycles() -> None:
    fig = trend(cycles=["2024", "2025"], series={"Safe": [2.0, 2.5], "Fair": [None, 3.0]})
    assert [t.name for t in fig.data] == ["Safe", "Fair"]
    assert list(fig.data[1].y) == [None, 3.0]
