#!/usr/bin/env python3
"""Walks one hazard from report to close-out through the Hazard Ledger API, then reads it in the
ledger and the two-ledger reconciliation, using nothing but the .proto files and grpcio.

The steps are those of the README's lifecycle ("Calling the API"): an enterprise reports a
self-check hazard graded 一般, plans its rectification (五定), claims it done, verifies and closes
it out (销号) itself, as an enterprise may for its own 一般 self-check hazards with a deadline it
set. An inspector then reads the hazard back, and a bureau administrator waits for the ledger
and the reconciliation to show it.

Tokens come from the environment (HL_ENTERPRISE_TOKEN, HL_INSPECTOR_TOKEN, HL_ADMIN_TOKEN) or
the flags of the same names; `--help` lists everything. Exits 0 on success, 1 with a message
naming the failed step otherwise.
"""

import argparse
import datetime
import hashlib
import importlib
import importlib.resources
import os
import pathlib
import sys
import tempfile
import time
import uuid

import grpc

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
# China keeps no daylight saving time, so a fixed offset gives the ledger's calendar day.
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
# Answers the API asks a caller to retry with the same request_id (README, "Errors").
RETRYABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.DEADLINE_EXCEEDED,
}
POLL_INTERVAL_SECONDS = 0.2
CALL_TIMEOUT_SECONDS = 10


class WalkFailed(Exception):
    pass


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default=os.environ.get("HL_ADDRESS", "127.0.0.1:50051"),
                        help="the suite's gRPC host:port (HL_ADDRESS)")
    parser.add_argument("--proto-dir", default=str(REPOSITORY / "proto"),
                        help="the repository's proto/ folder")
    parser.add_argument("--stubs",
                        help="folder of generated stubs; generated there when it holds none "
                             "(default: a fresh temporary folder)")
    for role in ("enterprise", "inspector", "admin"):
        variable = f"HL_{role.upper()}_TOKEN"
        parser.add_argument(f"--{role}-token", default=os.environ.get(variable),
                            help=f"bearer token of the {role} ({variable})")
    parser.add_argument("--enterprise",
                        default=os.environ.get("HL_ENTERPRISE", "91330903MA2NCU4LYE"),
                        help="the enterprise's unified social credit code (HL_ENTERPRISE)")
    parser.add_argument("--township", default=os.environ.get("HL_TOWNSHIP", "330903001"),
                        help="the enterprise's township code (HL_TOWNSHIP)")
    parser.add_argument("--hazard-id", default=os.environ.get("HL_HAZARD_ID"),
                        help="the hazard's id (default: a new one)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="seconds to wait for the suite and for the read model")
    arguments = parser.parse_args()
    missing = [f"--{role}-token" for role in ("enterprise", "inspector", "admin")
               if not getattr(arguments, f"{role}_token")]
    if missing:
        parser.error("missing " + ", ".join(missing))
    if not arguments.hazard_id:
        arguments.hazard_id = f"py-walk-{uuid.uuid4().hex[:12]}"
    return arguments


def load_stubs(proto_dir, stubs):
    """Generates the Python stubs of every .proto under proto_dir (unless stubs already holds
    them) and imports the modules the walk uses."""
    stubs = pathlib.Path(stubs)
    if not (stubs / "hazard_ledger").is_dir():
        from grpc_tools import protoc

        stubs.mkdir(parents=True, exist_ok=True)
        protos = sorted(str(path.relative_to(proto_dir))
                        for path in pathlib.Path(proto_dir).rglob("*.proto"))
        if not protos:
            raise WalkFailed(f"no .proto files under {proto_dir}")
        # google/protobuf/*.proto (Timestamp …) ship with grpc_tools.
        well_known = importlib.resources.files("grpc_tools") / "_proto"
        status = protoc.main(["protoc", f"-I{proto_dir}", f"-I{well_known}",
                              f"--python_out={stubs}", f"--grpc_python_out={stubs}", *protos])
        if status != 0:
            raise WalkFailed(f"protoc failed ({status}) generating stubs from {proto_dir}")
    sys.path.insert(0, str(stubs))
    names = {
        "common": "hazard_ledger.common.v1.common_pb2",
        "hazards": "hazard_ledger.hazards.v1.service_pb2",
        "hazards_grpc": "hazard_ledger.hazards.v1.service_pb2_grpc",
        "resources": "hazard_ledger.hazards.v1.resources_pb2",
        "ledger": "hazard_ledger.ledger.v1.ledger_pb2",
        "ledger_grpc": "hazard_ledger.ledger.v1.ledger_pb2_grpc",
    }
    return argparse.Namespace(**{key: importlib.import_module(module)
                                 for key, module in names.items()})


class Client:
    def __init__(self, address, timeout):
        self.channel = grpc.insecure_channel(address)
        self.timeout = timeout
        try:
            grpc.channel_ready_future(self.channel).result(timeout=timeout)
        except grpc.FutureTimeoutError:
            raise WalkFailed(f"could not connect to {address} within {timeout:.0f} s") from None

    def call(self, what, method, request, token):
        """One call as the actor of `token`. A retryable answer is retried with the same request
        (so the same request_id), which the API records only once."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                return method(request, timeout=CALL_TIMEOUT_SECONDS,
                              metadata=[("authorization", f"Bearer {token}")])
            except grpc.RpcError as error:
                if error.code() in RETRYABLE and time.monotonic() < deadline:
                    time.sleep(POLL_INTERVAL_SECONDS)
                    continue
                raise WalkFailed(f"{what}: {error.code().name}: {error.details()}") from None

    def wait_for(self, what, check):
        """Polls `check` until it returns something, for at most the timeout."""
        deadline = time.monotonic() + self.timeout
        while True:
            found = check()
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise WalkFailed(f"{what}: not seen within {self.timeout:.0f} s")
            time.sleep(POLL_INTERVAL_SECONDS)


def request_id():
    return str(uuid.uuid4())


def walk(arguments, pb, client):
    hazards = pb.hazards_grpc.HazardsServiceStub(client.channel)
    ledger = pb.ledger_grpc.LedgerServiceStub(client.channel)
    status_name = pb.resources.HazardStatus.Name
    name = f"hazards/{arguments.hazard_id}"
    enterprise = arguments.enterprise_token

    def expect(step, response, status):
        hazard = response.hazard
        if hazard.status != status:
            raise WalkFailed(f"{step}: {name} is {status_name(hazard.status)}, "
                             f"expected {status_name(status)}")
        print(f"{step:<10} {name}  {status_name(hazard.status)}  "
              f"(version {response.commit.aggregate_version}, "
              f"stream sequence {response.commit.stream_sequence})")
        return hazard

    reported = expect("report", client.call(
        "ReportHazard", hazards.ReportHazard, pb.hazards.ReportHazardRequest(
            request_id=request_id(),
            hazard_id=arguments.hazard_id,
            enterprise_id=arguments.enterprise,
            township_code=arguments.township,
            provenance=pb.resources.PROVENANCE_ENTERPRISE_SELF,
            source_type=pb.resources.SOURCE_TYPE_ROUTINE,
            category=pb.resources.HAZARD_CATEGORY_AMMONIA_REFRIGERATION,
            location="machine room",
            description="valve packing leaks",
            level=pb.resources.HAZARD_LEVEL_GENERAL,
            level_criterion="一般事故隐患",
        ), enterprise), pb.resources.HAZARD_STATUS_GRADED)

    # Due the day it was found, so today's reconciliation already counts it among the hazards due.
    found_on = reported.reported.at.ToDatetime(tzinfo=datetime.timezone.utc).astimezone(SHANGHAI)
    deadline = pb.common.Date(year=found_on.year, month=found_on.month, day=found_on.day)
    expect("plan", client.call(
        "PlanRectification", hazards.PlanRectification, pb.hazards.PlanRectificationRequest(
            request_id=request_id(),
            name=name,
            plan=pb.resources.RectificationPlan(
                measures="replace the packing", owner="Li", funds_fen=20000, deadline=deadline,
                acceptance_standard="no leak", acceptor="principal"),
        ), enterprise), pb.resources.HAZARD_STATUS_RECTIFYING)

    photo = pb.common.EvidenceRef(sha256=hashlib.sha256(b"after").hexdigest(),
                                  media_type="image/jpeg")
    expect("claim", client.call(
        "ClaimRectification", hazards.ClaimRectification, pb.hazards.ClaimRectificationRequest(
            request_id=request_id(), name=name, evidence=[photo],
        ), enterprise), pb.resources.HAZARD_STATUS_AWAITING_VERIFICATION)

    expect("verify", client.call(
        "VerifyRectification", hazards.VerifyRectification, pb.hazards.VerifyRectificationRequest(
            request_id=request_id(), name=name,
        ), enterprise), pb.resources.HAZARD_STATUS_VERIFIED)

    expect("close", client.call(
        "CloseHazard", hazards.CloseHazard, pb.hazards.CloseHazardRequest(
            request_id=request_id(), name=name, note="销号",
        ), enterprise), pb.resources.HAZARD_STATUS_CLOSED)

    # The government's view of it.
    hazard = client.call("GetHazard", hazards.GetHazard, pb.hazards.GetHazardRequest(name=name),
                         arguments.inspector_token)
    if hazard.status != pb.resources.HAZARD_STATUS_CLOSED or not hazard.HasField("closed_at"):
        raise WalkFailed(f"GetHazard: {name} is {status_name(hazard.status)}, expected closed")
    print(f"read back  {name}  {status_name(hazard.status)} at {hazard.closed_at.ToJsonString()}")

    # The read models follow the event stream; wait until they have the close-out.
    admin = arguments.admin_token

    def closed_in_ledger():
        ledgers = client.call(
            "GetEnterpriseLedgers", ledger.GetEnterpriseLedgers,
            pb.ledger.GetEnterpriseLedgersRequest(name=f"enterprises/{arguments.enterprise}"),
            admin)
        for record in ledgers.enterprise_ledger:
            if (record.hazard_id == arguments.hazard_id
                    and record.status == pb.resources.HAZARD_STATUS_CLOSED):
                return record
        return None

    record = client.wait_for(f"{name} closed in the enterprise ledger", closed_in_ledger)
    township = record.township_code
    print(f"ledger     {name}  {status_name(record.status)} in the enterprise ledger of "
          f"{record.enterprise_name or arguments.enterprise}, township {township}")

    # The year up to the deadline, named rather than left to the server's "year to date", so the
    # answer does not change if a day (or year) turns during the walk.
    period = dict(period_start=pb.common.Date(year=deadline.year, month=1, day=1),
                  period_end=deadline)

    def counted_due():
        lineage = client.call(
            "ExplainRate", ledger.ExplainRate, pb.ledger.ExplainRateRequest(
                rate=pb.ledger.RATE_KIND_ON_TIME_CLOSURE,
                group_by=pb.ledger.GROUP_BY_TOWNSHIP,
                group=township,
                **period,
            ), admin)
        return lineage if name in lineage.denominator else None

    lineage = client.wait_for(f"{name} among the hazards due in the reconciliation", counted_due)
    summary = client.call(
        "GetReconciliationSummary", ledger.GetReconciliationSummary,
        pb.ledger.GetReconciliationSummaryRequest(
            group_by=pb.ledger.GROUP_BY_TOWNSHIP, township_code=township, **period,
        ), admin)
    row = next((row for row in summary.rows if row.group == township), None)
    if row is None:
        raise WalkFailed(f"GetReconciliationSummary: no row for township {township}")
    for closure in row.on_time_closures:
        if (closure.ledger == pb.ledger.LEDGER_ENTERPRISE
                and closure.level == pb.resources.HAZARD_LEVEL_GENERAL):
            print(f"reconciliation  township {township} {row.group_name}, {deadline.year}-01-01 "
                  f"to {found_on.date()}: enterprise ledger 一般 closed on time "
                  f"{closure.on_time} of {closure.due} due")
    on_time = "on time" if name in lineage.numerator else "late"
    print(f"reconciliation  {name} counted due, closed {on_time}; on-time closure rate "
          f"{len(lineage.numerator)}/{len(lineage.denominator)}")
    print(f"PASS {name} closed out and reconciled")


def main():
    arguments = parse_arguments()
    try:
        with tempfile.TemporaryDirectory(prefix="hazard-ledger-stubs-") as scratch:
            pb = load_stubs(arguments.proto_dir, arguments.stubs or scratch)
            client = Client(arguments.address, arguments.timeout)
            walk(arguments, pb, client)
    except WalkFailed as failure:
        print(f"hazard_walk: FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
