"""The partner's side of the exchange in tests: a bank (or the uniform maker) that opens what
we sent and seals what it sends, and the records it sends."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bank_adapters import codecs, envelope, exchange
from bank_adapters.records import EventRecord, Header, ResultRecord
from card_service.tests.helpers import submit
from volunteers.tests.factories import make_volunteer

TZ = timezone.get_fixed_timezone(8 * 60)


class Bank:
    """The bank's side in these tests: opens what we sent, seals what it sends."""

    def __init__(self, env, code="BOC"):
        self.code = code
        self.pki = env["pki"]
        self.root = env["root"]
        files = self.pki.partners[code]
        self.key = envelope.load_private_key(files.key_path)
        self.cert = envelope.load_certificate(files.cert_path)
        self.sign_key = envelope.load_private_key(files.sign_key_path)
        self.sign_cert = envelope.load_certificate(files.sign_cert_path)
        self.service_enc = envelope.load_certificate(self.pki.service.cert_path)
        self.service_sign = envelope.load_certificate(self.pki.service.sign_cert_path)

    def sent(self) -> list[str]:
        return sorted(p.name for p in (self.root / "to_partner").iterdir())

    def open(self, name: str) -> bytes:
        data = (self.root / "to_partner" / name).read_bytes()
        return envelope.open_envelope(
            data, own_key=self.key, own_cert=self.cert, partner_certs=[self.service_sign]
        ).plaintext

    def seal(self, plaintext: bytes, *, signer=None, recipients=None) -> bytes:
        key, cert = signer or (self.sign_key, self.sign_cert)
        return envelope.seal(
            plaintext,
            signer_key=key,
            signer_cert=cert,
            recipient_certs=recipients or [self.service_enc],
        )

    def put(
        self,
        file_type: str,
        records,
        *,
        seq=1,
        day=dt.date(2026, 12, 1),
        raw: bytes | None = None,
        **seal_kw,
    ) -> str:
        header = Header(
            partner=self.code, file_type=file_type, business_date=day, seq=seq, count=len(records),
            created_at=dt.datetime(2026, 12, 1, 9, 0, tzinfo=TZ) if self.code == "BOC" else None,
        )  # fmt: skip
        name = codecs.build_filename(self.code, file_type, day, seq)
        data = (
            raw
            if raw is not None
            else self.seal(codecs.codec_for(self.code).encode(header, records), **seal_kw)
        )
        (self.root / "from_partner" / name).write_bytes(data)
        return name


def accepted(app, ref="CARDREF0001", pan="621661******1234"):
    return ResultRecord(
        application_no=app.application_no, result="A", reason_code="0000", card_ref=ref,
        masked_pan=pan, expected_ready_date=dt.date(2027, 1, 5),
    )  # fmt: skip


def event(eid, ref, kind, detail=None, day=2):
    return EventRecord(
        event_id=eid, card_ref=ref, event_type=kind,
        event_time=dt.datetime(2026, 12, day, 10, 0, tzinfo=TZ), detail=detail,
    )  # fmt: skip


def sent_app(env):
    app = submit(make_volunteer())
    exchange.send("BOC")
    app.refresh_from_db()
    return app


def signed_at(plaintext: bytes, key, cert, when: dt.datetime) -> bytes:
    """A SignedData whose signingTime attribute says ``when`` (signed, so genuine)."""
    from asn1crypto import cms as asn1_cms
    from asn1crypto import core as asn1_core
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    info = asn1_cms.ContentInfo.load(
        envelope.sign(plaintext, signer_key=key, signer_cert=cert)
    ).copy()
    si = info["content"]["signer_infos"][0]
    attrs = []
    for a in si["signed_attrs"]:
        if a["type"].native == "signing_time":
            time = asn1_core.UTCTime(when)
            a = asn1_cms.CMSAttribute(
                {"type": "signing_time", "values": [asn1_cms.Time(name="utc_time", value=time)]}
            )
        attrs.append(a)
    si["signed_attrs"] = asn1_cms.CMSAttributes(attrs)
    to_sign = b"\x31" + si["signed_attrs"].dump(force=True)[1:]
    si["signature"] = key.sign(to_sign, padding.PKCS1v15(), hashes.SHA256())
    return info.dump(force=True)
