"""The hardening rules as a catalogue: CIS mappings, the coverage document, rule metadata."""

from __future__ import annotations

from pathlib import Path

from stockade.model import Category
from stockade.rules.catalogue import load_catalogue
from stockade.rules.cis import CIS_ITEMS, coverage_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "cis.md"

CONFIG_DECIDABLE_AUTOMATED = [
    i.id for i in CIS_ITEMS if i.automated and i.id.split(".")[0] in ("1", "2", "4") and not i.note
]


def _hardening() -> list[str]:
    return [r.id for r in load_catalogue() if r.meta.category is Category.CONTROL_PLANE]


def test_every_config_decidable_automated_item_has_a_rule() -> None:
    covered = {c for r in load_catalogue() for c in r.meta.frameworks.get("cis") or []}
    assert CONFIG_DECIDABLE_AUTOMATED  # the table is not empty
    assert [i for i in CONFIG_DECIDABLE_AUTOMATED if i not in covered] == []


def test_cis_table_has_131_unique_items() -> None:
    ids = [i.id for i in CIS_ITEMS]
    assert len(ids) == 131 and len(set(ids)) == 131


def test_hardening_rules_carry_known_cis_ids() -> None:
    known = {i.id for i in CIS_ITEMS}
    for rid in _hardening():
        meta = load_catalogue().get(rid)
        assert meta is not None
        cis = meta.meta.frameworks["cis"]
        assert set(cis) <= known, rid
        assert cis or rid == "kubelet-protect-kernel-defaults", rid


def test_coverage_doc_is_current_for_sections_1_to_4() -> None:
    assert DOC.is_file()
    doc_rows = {
        line.split("|")[1].strip(): line
        for line in DOC.read_text("utf-8").splitlines()
        if line.startswith("| ") and line.split("|")[1].strip()[:1] in "1234"
    }
    generated = {
        line.split("|")[1].strip(): line
        for line in coverage_markdown(load_catalogue()).splitlines()
        if line.startswith("| ") and line.split("|")[1].strip()[:1] in "1234"
    }
    assert doc_rows == generated, "regenerate docs/cis.md: stockade.rules.cis.cis_document()"
