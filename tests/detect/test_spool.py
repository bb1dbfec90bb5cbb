"""The spool: acknowledge only what is durable, process each batch exactly once, recover from
a crash at any point; the receiver's HTTP answers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import orjson

from stockade.detect import Detector, builtin_rules
from stockade.detect.server import build_app
from stockade.detect.spool import Spool, read_alert_log

from tests.detect.auditevents import event


def _exec_batch(ids: list[str]) -> bytes:
    items = [
        event(
            "create",
            "pods",
            namespace="p",
            name="w",
            subresource="exec",
            code=101,
            stage="ResponseStarted",
            audit_id=i,
        )
        for i in ids
    ]
    return orjson.dumps({"kind": "EventList", "apiVersion": "audit.k8s.io/v1", "items": items})


def _detector() -> Detector:
    return Detector(builtin_rules())


def test_batches_are_processed_in_order_once(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    assert spool.accept(_exec_batch(["a", "b"])) == 1
    assert spool.accept(_exec_batch(["c"])) == 2
    assert spool.pending == 2
    assert spool.process_pending(_detector()) == 2
    assert spool.process_pending(_detector()) == 0
    alerts, commits = read_alert_log(tmp_path / "alerts.jsonl")
    assert [a["auditID"] for a in alerts] == ["a", "b", "c"]
    assert commits == [
        {"batch": 1, "events": 2, "alerts": 2},
        {"batch": 2, "events": 1, "alerts": 1},
    ]
    assert list((tmp_path / "incoming").iterdir()) == []


def test_crash_after_partial_output_reprocesses_the_batch(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.accept(_exec_batch(["a"]))
    spool.process_pending(_detector())
    spool.accept(_exec_batch(["b", "c"]))
    # The process died while appending batch 2's alerts: half a line, no commit record.
    with (tmp_path / "alerts.jsonl").open("ab") as out:
        out.write(b'{"rule":"audit-exec","auditID":"b"}\n{"rule":"audit-ex')
    restarted = Spool(tmp_path)
    assert restarted.pending == 1
    restarted.process_pending(_detector())
    alerts, commits = read_alert_log(tmp_path / "alerts.jsonl")
    assert [a["auditID"] for a in alerts] == ["a", "b", "c"]
    assert [c["batch"] for c in commits] == [1, 2]


def test_crash_after_commit_before_removal_does_not_reprocess(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.accept(_exec_batch(["a"]))
    body = (tmp_path / "incoming" / "000000000001.json").read_bytes()
    spool.process_pending(_detector())
    # Died after the commit record was synced but before the batch file was removed.
    (tmp_path / "incoming" / "000000000001.json").write_bytes(body)
    (tmp_path / "incoming" / "000000000002.tmp").write_bytes(b"never acknowledged")
    restarted = Spool(tmp_path)
    assert restarted.pending == 0
    assert restarted.process_pending(_detector()) == 0
    assert sorted(p.name for p in (tmp_path / "incoming").iterdir()) == []
    assert restarted.accept(_exec_batch(["z"])) == 2


def test_receiver_answers(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_pending=2)

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=build_app(spool))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.post("/", content=_exec_batch(["a"]))).status_code == 200
            assert (await client.post("/audit", content=_exec_batch(["b"]))).status_code == 200
            full = await client.post("/", content=_exec_batch(["c"]))
            assert full.status_code == 429 and full.headers["retry-after"].isdigit()
            assert (await client.post("/", content=b"{nope")).status_code == 400
            assert (await client.post("/", content=b'{"kind": "Pod"}')).status_code == 400
            assert (await client.get("/healthz")).json() == {"ok": True, "pending": 2}
            spool.process_pending(_detector())
            assert (await client.post("/", content=_exec_batch(["c"]))).status_code == 200

    asyncio.run(scenario())
