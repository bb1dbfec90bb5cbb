"""Every rule against its fixtures: ``fail.*.yaml`` must fire it, ``pass.*.yaml`` must not.

A fixture directory may hold ``config.yaml``, the configuration the rule is tested under.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.policy.config import Config, parse_config
from stockade.rules.catalogue import load_catalogue
from stockade.scan import ScanSettings, scan_paths

HERE = Path(__file__).parent
FIXTURES = sorted(p for p in HERE.glob("*/*.yaml") if p.name.startswith(("pass.", "fail.")))


def _config(rule_dir: Path, rule_id: str) -> Config:
    cfg_file = rule_dir / "config.yaml"
    cfg = parse_config(cfg_file.read_text(), str(cfg_file)) if cfg_file.exists() else Config()
    return cfg.model_copy(update={"rules": cfg.rules.model_copy(update={"only": [rule_id]})})


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture(fixture: Path) -> None:
    rule_id = fixture.parent.name
    assert rule_id in load_catalogue(), f"fixture directory for unknown rule {rule_id}"
    result = scan_paths([str(fixture)], ScanSettings(config=_config(fixture.parent, rule_id)))
    assert not result.errors, result.errors
    hits = [f for f in result.findings if f.rule == rule_id]
    if fixture.name.startswith("fail."):
        assert hits, f"{rule_id} did not fire on {fixture.name}"
        for f in hits:
            assert f.location.line is not None and f.location.line >= 1
            assert f.location.path
    else:
        assert not hits, [f.message for f in hits]


def test_every_rule_has_pass_and_fail_fixtures() -> None:
    missing = []
    for rule in load_catalogue():
        d = HERE / rule.id
        if not list(d.glob("fail.*.yaml")) or not list(d.glob("pass.*.yaml")):
            missing.append(rule.id)
    assert not missing, f"rules without pass and fail fixtures in tests/rules/: {missing}"
