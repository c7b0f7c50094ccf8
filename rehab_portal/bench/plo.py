"""The PLO part of `make bench` (issue 16): messages processed per second, and the time per
message with 1 000 and with 100 000 messages stored in the log.

The bench world's hospitals and municipalities get HER-ids and PLO connections
(plo.services.connect), as tests/plo do. A batch is BATCH distinct incoming messages, three
per new synthetic patient, each through the real path, plo.services.receive(): LOG_INNLAGT
(the patient registered and admitted), HELSEOPPL_SOKNAD (the early notification, with its
estimated discharge date) and LOG_UTSKRIVNINGSKLAR (the declaration). They are the official
PLO 1.6 examples (plo/standards/examples/) with the MsgId, the parties' HER-ids, the ward's
code, the patient's synthetic identity number, names and birth date, and the times filled in.

The log is filled with bulk_create between batches: four to five messages per past stay
(admitted, health information, ready, discharged, sometimes the municipality's admission
report), a tenth of the stays with a message the portal sent and its AppRec, a few refused
or waiting messages, a few from a sender the registry does not know; each stay's patient,
discharged admission and care relationships with it. One small municipality has about one
message in a thousand: its administrator's view of the log is timed and explained.

Target: the median time per message at 100 000 at most 1.5 x its time at 1 000.
"""

import copy
import datetime
import hashlib
import itertools
import os
import random
import re
import statistics
import time
import uuid
import zoneinfo
from pathlib import Path

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import etree

SIZES = (1_000, 100_000)
BATCH = 501  # messages per timed batch: 167 patients, three messages each
TARGET_RATIO = 1.5
SMALL_SHARE = 1_000  # one stay in SMALL_SHARE is the small municipality's
PAGE_RUNS = 5
OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
MSGHEAD = "{http://www.kith.no/xmlstds/msghead/2006-05-24}"
PO = "{http://www.kith.no/xmlstds/po/poKomponent/2012-04-01}"
FK1 = "{http://www.kith.no/xmlstds/felleskomponent1}"
EXAMPLE = {
    "LOG_INNLAGT": "Pasientlogistikk_Innlagt_pasient_v1-6_Ny",
    "HELSEOPPL_SOKNAD": "Helseopplysninger_Varsel_om_innlagt_pasient_v1-6_Ny",
    "LOG_UTSKRIVNINGSKLAR": "Pasientlogistikk_Utskrivningsklar_pasient_v1-6_Ny",
    "LOG_UTSKREVET": "Pasientlogistikk_Melding_om_utskrevet_pasient_v1-6_Ny",
    "LOG_AVMELDING": "Pasientlogistikk_Avmelding_av_utskrivningsklar_pasient_v1-6_Ny",
    "INNLEGGELSESRAPPORT": "Innleggelsesrapport_v1-6_Ny",
}
def _examples() -> dict:
    from plo import xml

    folder = Path(xml.__file__).resolve().parent / "standards" / "examples"
    return {kind: (folder / f"{name}.xml").read_bytes() for kind, name in EXAMPLE.items()}


def _local(moment: datetime.datetime) -> str:
    return moment.astimezone(OSLO).replace(tzinfo=None).isoformat(timespec="seconds")


class Person:
    """A synthetic patient: month + 80 (pathways.identity), never a real-format number."""

    def __init__(self, number: str, birth: datetime.date, n: int):
        self.number, self.birth = number, birth
        self.given, self.family = ("Kari", "Ola", "Ingrid", "Nils")[n % 4], f"Benchsen{n}"


def people(taken=frozenset()):
    """Distinct synthetic identity numbers, born 1925-1999, none of them `taken`."""
    from pathways.identity import make_synthetic_identity_number

    first, days = datetime.date(1925, 1, 1), 27_000
    serials = {}  # the next individual number to try for each birth date
    for n in itertools.count():
        birth = first + datetime.timedelta(days=n % days)
        serial = serials.get(birth, 0)
        number = None
        while number is None or number in taken:
            if serial >= 500:
                raise RuntimeError("more synthetic patients than the bench's birth dates hold")
            number = make_synthetic_identity_number(birth, serial)
            serial += 1
        serials[birth] = serial
        yield Person(number, birth, n)


class Network:
    """The bench world's PLO parties: every hospital and municipality with a HER-id and a PLO
    connection, and one small municipality with an administrator."""

    def __init__(self, world):
        from pathways.models import Patient
        from plo import services
        from registry.models import Membership, Organization, OrganizationKind, Role, User, Ward
        from registry.models import Region as RegionName
        from registry.validators import synthetic_orgnr

        self.hospitals, self.municipalities, self.ward_ids = [], [], {}
        for i, pk in enumerate(world.hospitals):
            hospital = Organization.objects.get(pk=pk)
            hospital.her_id = str(700_000 + i)
            hospital.save(update_fields=["her_id"])
            wards = list(Ward.objects.filter(pk__in=world.wards[pk]).order_by("pk"))
            services.connect(hospital, default_ward=wards[0])
            self.hospitals.append((hospital, [ward.code for ward in wards]))
            self.ward_ids[hospital.pk] = {ward.code: ward.pk for ward in wards}
        for i, pk in enumerate(world.municipalities):
            municipality = Organization.objects.get(pk=pk)
            municipality.her_id = str(800_000 + i)
            municipality.save(update_fields=["her_id"])
            services.connect(municipality)
            self.municipalities.append(municipality)
        self.small = Organization.objects.create(
            kind=OrganizationKind.MUNICIPALITY, name="Bench småkommune", region=RegionName.NORTH,
            orgnr=synthetic_orgnr(59_999), municipality_number="9099", population=900,
            her_id="899999")
        services.connect(self.small)
        self.admin = User.objects.create(username="bench_plo_admin", first_name="Bench",
                                         last_name="Admin", email="plo_admin@bench.example")
        Membership.objects.create(user=self.admin, organization=self.small, role=Role.ORG_ADMIN)
        # Patients of the other parts (referrals, the PDF), never the generated admissions'
        # (their numbers start with 9, a day no identity number has).
        self.people = people(frozenset(Patient.objects.exclude(
            identity_number__startswith="9").values_list("identity_number", flat=True)))
        self.examples = _examples()
        self.templates = {kind: etree.fromstring(data) for kind, data in self.examples.items()}
        self.stays = 0  # filler stays made
        self.apprec = b""

    def municipality(self, n: int):
        return self.small if n % SMALL_SHARE == 0 else self.municipalities[
            n % len(self.municipalities)]

    # -- The messages a batch receives ------------------------------------------------------

    def message(self, kind: str, *, sender, receiver, person: Person, ward_code: str,
                events: dict[str, str], now: datetime.datetime) -> bytes:
        """The official example of `kind` for this patient, these parties and times."""
        root = copy.deepcopy(self.templates[kind])
        info = root.find(f"{MSGHEAD}MsgInfo")
        info.find(f"{MSGHEAD}MsgId").text = str(uuid.uuid4())
        info.find(f"{MSGHEAD}GenDate").text = _local(now)
        for tag, organization in (("Sender", sender), ("Receiver", receiver)):
            party = info.find(f"{MSGHEAD}{tag}/{MSGHEAD}Organisation")
            party.find(f"{MSGHEAD}OrganisationName").text = organization.name
            party.find(f"{MSGHEAD}Ident/{MSGHEAD}Id").text = organization.her_id
        patient = info.find(f"{MSGHEAD}Patient")
        patient.find(f"{MSGHEAD}FamilyName").text = person.family
        patient.find(f"{MSGHEAD}GivenName").text = person.given
        patient.find(f"{MSGHEAD}DateOfBirth").text = person.birth.isoformat()
        patient.find(f"{MSGHEAD}Ident/{MSGHEAD}Id").text = person.number
        issued = root.find(f"{MSGHEAD}Document/{MSGHEAD}RefDoc/{MSGHEAD}IssueDate")
        issued.set("V", _local(now))
        for ident in root.iterfind(f".//{PO}TilknyttetEnhet//{FK1}Ident"):
            ident.find(f"{FK1}Id").text = ward_code
        for happening in root.iterfind(f".//{PO}TidsfestetHendelse"):
            code = happening.find(f"{PO}Hendelsekode").get("V")
            if code in events:
                happening.find(f"{PO}TidspunktForHendelse").set("V", events[code])
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def batch(self, patients: int, now: datetime.datetime) -> list[bytes]:
        """Three messages per new patient, in the order a hospital sends them."""
        today = timezone.localdate(now)
        messages = []
        for n in range(patients):
            person = next(self.people)
            hospital, codes = self.hospitals[n % len(self.hospitals)]
            municipality = self.municipalities[n % len(self.municipalities)]
            admitted = now - datetime.timedelta(days=2, hours=n % 40)
            parties = {"sender": hospital, "receiver": municipality, "person": person,
                       "ward_code": codes[n % len(codes)], "now": now}
            messages += [
                self.message("LOG_INNLAGT", events={"1": _local(admitted)}, **parties),
                self.message("HELSEOPPL_SOKNAD", events={
                    "3": (today + datetime.timedelta(days=3 + n % 5)).isoformat()}, **parties),
                self.message("LOG_UTSKRIVNINGSKLAR", events={
                    "1": _local(admitted), "3": today.isoformat()}, **parties),
            ]
        return messages

    # -- The log's history ------------------------------------------------------------------

    def fill_to(self, size: int) -> None:
        """Past stays and their messages until the log holds `size` messages."""
        from plo.models import PloMessage

        stored = PloMessage.objects.count()
        rnd = random.Random(size)  # noqa: S311 - synthetic data, not security
        while stored < size:
            stored += self._stays(min(2_000, max(1, (size - stored) // 4)), rnd)

    def _stays(self, count: int, rnd: random.Random) -> int:
        from pathways.models import Admission, CareRelationship, Patient
        from plo.models import Direction, MessageStatus, PloMessage

        now = timezone.now()
        day = datetime.timedelta(days=1)
        stays = []
        for _ in range(count):
            n = self.stays
            self.stays += 1
            hospital, codes = self.hospitals[n % len(self.hospitals)]
            admitted = now - 20 * day - rnd.random() * 5 * 365 * day
            stays.append((n, next(self.people), hospital, codes, self.municipality(n), admitted))
        patients = Patient.objects.bulk_create([Patient(
            identity_number=person.number, given_name=person.given, family_name=person.family,
            birth_date=person.birth, municipality=municipality)
            for _n, person, _h, _c, municipality, _a in stays])
        admissions = []
        for (n, _person, hospital, codes, municipality, admitted), patient in zip(
                stays, patients, strict=True):
            discharged = admitted + (2 + rnd.random() * 15) * day
            admissions.append(Admission(
                patient=patient, hospital=hospital, municipality=municipality,
                ward_id=self.ward_ids[hospital.pk][codes[n % len(codes)]], admitted_at=admitted,
                notification_deadline=admitted + day, status="discharged",
                first_notification_sent_at=admitted + day / 3, discharged_at=discharged,
                estimated_discharge_date=discharged.date()))
        admissions = Admission.objects.bulk_create(admissions)
        CareRelationship.objects.bulk_create([CareRelationship(
            patient_id=a.patient_id, organization_id=organization, reason="admission",
            valid_from=a.admitted_at) for a in admissions
            for organization in (a.hospital_id, a.municipality_id)])
        rows = []

        def row(kind, sender, receiver, at, admission, *, direction=Direction.IN,
                status=MessageStatus.PROCESSED, error="", subject="admission", unknown=False):
            document = self.examples.get(kind) or self.apprec
            rows.append(PloMessage(
                direction=direction, document=document,
                sha256=hashlib.sha256(document).hexdigest(), size=len(document),
                transport="folder", received_at=at, msg_id=str(uuid.uuid4()), msg_type=kind,
                dispatch_status="" if kind == "APPREC" else "N",
                sender_her_id=sender.her_id if not unknown else "912345",
                receiver_her_id=receiver.her_id, sender=None if unknown else sender,
                receiver=receiver, patient_id=admission.patient_id, status=status,
                error_code=error, error_text=f"{error}: refused (bench)" if error else "",
                processed_at=at if status != MessageStatus.RECEIVED else None,
                apprec=self.apprec if direction == Direction.IN and status in (
                    MessageStatus.PROCESSED, MessageStatus.REJECTED) and kind != "APPREC"
                else None,
                subject_type=subject if status == MessageStatus.PROCESSED else "",
                subject_uuid=admission.uuid if status == MessageStatus.PROCESSED else None))

        for (n, _person, hospital, _codes, municipality, admitted), admission in zip(
                stays, admissions, strict=True):
            hour = datetime.timedelta(hours=1)
            row("LOG_INNLAGT", hospital, municipality, admitted + hour / 6, admission)
            row("HELSEOPPL_SOKNAD", hospital, municipality, admitted + 5 * hour, admission,
                subject="earlynotification")
            if n % 3 == 0:
                row("INNLEGGELSESRAPPORT", municipality, hospital, admitted + 8 * hour,
                    admission, subject="admissionreport")
            row("LOG_UTSKRIVNINGSKLAR", hospital, municipality,
                admission.discharged_at - day, admission, subject="readyfordischarge")
            row("LOG_UTSKREVET", hospital, municipality, admission.discharged_at, admission)
            if n % 10 == 0:  # the portal's own message, and its receipt
                row("LOG_INNLAGT", hospital, municipality, admitted + hour, admission,
                    direction=Direction.OUT, status=MessageStatus.ACKNOWLEDGED, subject="")
                row("APPREC", municipality, hospital, admitted + 2 * hour, admission,
                    subject="")
            if n % 20 == 7:  # refused: a step the stay did not allow
                row("LOG_AVMELDING", hospital, municipality, admission.discharged_at + hour,
                    admission, status=MessageStatus.REJECTED, error="X99")
            if n % 50 == 11:  # from a sender the registry does not know
                row("LOG_INNLAGT", hospital, municipality, admitted, admission,
                    status=MessageStatus.REJECTED, error="X99", unknown=True)
            if n % 100 == 13:  # a kind not mapped yet, waiting for the operator
                row("LOG_AVMELDING", hospital, municipality, admitted + day, admission,
                    status=MessageStatus.RECEIVED)
        PloMessage.objects.bulk_create(rows, batch_size=1_000)
        return len(rows)


def _vacuum() -> None:
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def process(messages: list[bytes]) -> tuple[list[float], list[float], float, list]:
    """Each message through plo.services.receive: its milliseconds, its CPU milliseconds in
    this process, the batch's seconds, and the messages that were not processed (their
    MsgType, code and text)."""
    from plo import services
    from plo.models import MessageStatus

    taken, cpu, failed = [], [], []
    started = time.perf_counter()
    for data in messages:
        began, began_cpu = time.perf_counter(), time.thread_time()
        message = services.receive(data, transport="folder")
        taken.append((time.perf_counter() - began) * 1000)
        cpu.append((time.thread_time() - began_cpu) * 1000)
        if message.status != MessageStatus.PROCESSED:
            failed.append((message.msg_type, message.error_code, message.error_text[:200]))
    return taken, cpu, time.perf_counter() - started, failed


def page(network: Network, runs: int) -> tuple[float, int, list[str]]:
    """The small municipality's administrator's log (the first page): median ms, queries,
    and the SQL of its queries on the message table."""
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(network.admin)
    url = reverse("plo:messages")
    answer = client.get(url)
    if answer.status_code != 200:
        raise RuntimeError(f"the log answered {answer.status_code}")
    connection.queries_log.clear()  # full (DEBUG): its length would not grow
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    # Read now: the next request's request_started empties the log the capture reads.
    count = len(queries)
    sql = [q["sql"] for q in queries.captured_queries if "plo_plomessage" in q["sql"]
           and q["sql"].lstrip().upper().startswith("SELECT")]
    taken = []
    for _ in range(runs):
        began = time.perf_counter()
        client.get(url)
        taken.append((time.perf_counter() - began) * 1000)
    return statistics.median(taken), count, sql


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def rows_read(plan: str) -> int | None:
    """What a PostgreSQL plan read of the message table and threw away (Rows Removed by
    Filter), or None on SQLite."""
    if connection.vendor != "postgresql":
        return None
    return sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan))


def log_queries(network: Network) -> list[tuple[str, str, bool]]:
    """One more patient's three messages, and a receipt for a message the portal sent, with
    their queries on the log explained (without running them again): (SQL, plan, whether
    the plan scans the log or all its sent messages)."""
    from plo import apprec
    from plo.envelope import Party
    from plo.models import Direction, PloMessage

    now = timezone.now()
    sent = PloMessage.objects.filter(direction=Direction.OUT).select_related(
        "sender", "receiver").order_by("pk").first()
    receipt = apprec.build(
        receipt_from=Party(her_id=sent.receiver.her_id, name=sent.receiver.name),
        receipt_to=Party(her_id=sent.sender.her_id, name=sent.sender.name),
        original_type=sent.msg_type, original_id=sent.msg_id,
        original_issued=sent.received_at, now=now)
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        _taken, _cpu, _seconds, failed = process(network.batch(1, now) + [receipt])
    if failed:
        raise RuntimeError(f"a bench message was not processed: {failed[0]}")
    sql = [q["sql"] for q in queries.captured_queries if "plo_plomessage" in q["sql"]
           and not q["sql"].lstrip().upper().startswith("INSERT")]
    postgres = connection.vendor == "postgresql"
    explained = []
    for query in sql:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {query}" if postgres else f"EXPLAIN QUERY PLAN {query}")
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
        scans = ("Seq Scan on plo_plomessage" in plan) if postgres else any(
            line.strip().startswith("SCAN plo_plomessage") for line in plan.splitlines())
        explained.append((query, plan, scans))
    return explained


def measure(network: Network, size: int, runs: int) -> dict:
    from plo.models import PloMessage

    started = time.perf_counter()
    network.fill_to(size)
    _vacuum()
    filled = time.perf_counter() - started
    stored = PloMessage.objects.count()
    small = PloMessage.objects.filter(sender=network.small).count() + PloMessage.objects.filter(
        receiver=network.small).count()
    messages = network.batch(BATCH // 3, timezone.now())
    taken, cpu, seconds, failed = process(messages)
    page_ms, page_queries, sql = page(network, runs)
    receiving = log_queries(network)
    return {"size": size, "stored": stored, "load": os.getloadavg()[0], "small": small,
            "filled_s": filled, "median_ms": statistics.median(taken),
            "cpu_ms": statistics.median(cpu),
            "p90_ms": statistics.quantiles(taken, n=10)[-1] if len(taken) > 1 else taken[0],
            "per_second": len(messages) / seconds, "messages": len(messages),
            # The batch is LOG_INNLAGT, HELSEOPPL_SOKNAD, LOG_UTSKRIVNINGSKLAR per patient.
            "by_kind": [statistics.median(taken[k::3]) for k in range(3)],
            "failed": failed, "receiving": receiving, "page_ms": page_ms,
            "page_queries": page_queries, "sql": sql}


def plans(sql: list[str]) -> list[dict]:
    """The log's queries explained (the partial indexes on the unknown parties' HER-ids,
    plo migration 0004, are what this part once proposed)."""
    return [{"sql": query, "plan": explain(query)} for query in sql]


def run(world, say, style, runs: int, sizes=SIZES) -> list[str]:
    """The whole part; the targets missed."""
    network = Network(world)
    # Untimed first: a patient for each municipality (and so each hospital), so the schemas
    # are compiled and every party's rows have been read once; a real receipt's bytes for
    # the history.
    warm = network.batch(max(len(network.municipalities), len(network.hospitals)),
                         timezone.now())
    _taken, _cpu, _seconds, failed = process(warm)
    if failed:
        raise RuntimeError(f"a bench message was not processed: {failed[0]}")
    from plo.models import PloMessage

    network.apprec = bytes(PloMessage.objects.exclude(apprec=None).first().apprec)
    measured = [measure(network, size, runs) for size in sizes]
    return report(say, style, measured)


def report(say, style, measured: list[dict]) -> list[str]:
    first, last = measured[0], measured[-1]
    vendor = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    say(f"\nPLO messages (issue 16, {vendor}): {first['messages']} new messages a batch "
        "through plo.services.receive (LOG_INNLAGT, HELSEOPPL_SOKNAD, LOG_UTSKRIVNINGSKLAR "
        "for each new patient), after the log is filled to each size")
    header = (f"{'stored':>9} {'small org':>9} {'fill s':>7} {'msgs/s':>7} {'median ms':>9} "
              f"{'p90 ms':>7} {'cpu ms':>7} {'log page ms':>11} {'q':>3} {'load':>5}")
    say(header)
    say("-" * len(header))
    slow = []
    for m in measured:
        say(f"{m['stored']:>9,} {m['small']:>9,} {m['filled_s']:>7.1f} {m['per_second']:>7.1f} "
            f"{m['median_ms']:>9.2f} {m['p90_ms']:>7.2f} {m['cpu_ms']:>7.2f} "
            f"{m['page_ms']:>11.1f} "
            f"{m['page_queries']:>3} {m['load']:>5.1f}")
        if m["failed"]:
            slow.append(f"{len(m['failed'])} messages not processed at {m['size']:,}")
            say(style.ERROR(f"not processed: {m['failed'][:3]}"))
    for m in measured:
        say(f"median ms at {m['stored']:,}: LOG_INNLAGT {m['by_kind'][0]:.1f}, "
            f"HELSEOPPL_SOKNAD {m['by_kind'][1]:.1f}, LOG_UTSKRIVNINGSKLAR {m['by_kind'][2]:.1f}")
    ratio = last["median_ms"] / max(first["median_ms"], 0.001)
    ok = ratio <= TARGET_RATIO
    say(f"time per message at {last['stored']:,} / at {first['stored']:,}: {ratio:.2f} "
        f"(target <= {TARGET_RATIO}): " + (style.SUCCESS("ok") if ok
                                           else style.ERROR("ABOVE TARGET")))
    if not ok:
        slow.append("time per message")
    say(f"CPU time per message in the bench's process (the database server's not counted; "
        f"less disturbed by the machine's other work): "
        f"{last['cpu_ms'] / max(first['cpu_ms'], 0.001):.2f} x")
    page_ratio = last["page_ms"] / max(first["page_ms"], 0.001)
    say(f"the small municipality's administrator's log page: {page_ratio:.2f} x, "
        + ("the same queries" if last["page_queries"] == first["page_queries"]
           else style.ERROR("MORE QUERIES")))
    receiving = last["receiving"]
    scanning = [(query, plan) for query, plan, scans in receiving if scans]
    say(f"the receiving path's reads and updates of the log at {last['stored']:,} (three "
        f"messages and a receipt for a sent one): {len(receiving)} queries, "
        + (style.SUCCESS("none scans the log") if not scanning
           else style.ERROR(f"{len(scanning)} SCAN THE LOG OR ALL ITS SENT MESSAGES")))
    for query, plan, _scans in receiving:
        verb = query.lstrip().split(" ", 1)[0]
        where = query[query.find(" WHERE ") + 7:][:160] if " WHERE " in query else ""
        read = next((line.strip(" ->") for line in plan.splitlines()
                     if re.search(r"\bScan\b|\bSCAN\b|\bSEARCH\b", line)),
                    plan.splitlines()[0])
        say(f"  {verb} ... WHERE {where}\n    {read}")
    for query, plan in scanning:
        say(query)
        say(plan)
    if scanning:
        slow.append("the receiving path scans the log")
    explained = plans(last["sql"])
    kind = "EXPLAIN (ANALYZE, BUFFERS)" if vendor == "PostgreSQL" else "EXPLAIN QUERY PLAN"
    for n, plan in enumerate(explained, 1):
        say(f"\n--- the log's query {n} of {len(explained)} for the small municipality's "
            f"administrator ({last['small']:,} of {last['stored']:,} messages), {kind}:")
        say(plan["sql"])
        read = rows_read(plan["plan"])
        say(f"rows read and thrown away: {read:,}" if read is not None else "the plan:")
        say(plan["plan"])
    return slow
