"""`orgsim analyze` on a real Sobol sweep: ranked indices with CIs first, points on request."""

from __future__ import annotations

from click.testing import CliRunner

from orgsim.analyses.analyze import analyze
from orgsim.cli import cli
from orgsim.experiment.sweep import sweep
from tiny_sweeps import SOBOL  # the shared Sobol sweep's experiment


def test_indices_come_first_ranked_and_points_only_on_request(tmp_path):
    (tmp_path / "exp.toml").write_text(SOBOL)
    out = sweep(tmp_path / "exp.toml", tmp_path / "out", workers=1)
    indices = analyze(out, ["mqls"]).sensitivity.sort_values("ST", ascending=False)
    text = CliRunner().invoke(cli, ["analyze", str(out), "--measure", "mqls"]).output
    assert "total effect ST [95% CI]" in text and "first-order S1 [95% CI]" in text
    assert "per design point" not in text and "--points" in text
    rows = [line for line in text.splitlines() if "marketing.budget" in line or "sla.response_hours" in line]
    assert [("marketing.budget" in r) for r in rows] == [f == "marketing.budget" for f in indices["factor"]]
    top = indices.iloc[0]
    assert f"{top['ST']:.3f} [{top['ST'] - top['ST_conf']:.3f}, {top['ST'] + top['ST_conf']:.3f}]" in text
    both = CliRunner().invoke(cli, ["analyze", str(out), "--measure", "mqls", "--points"]).output
    assert both.index("total effect ST") < both.index("mean [95% CI] per design point")
