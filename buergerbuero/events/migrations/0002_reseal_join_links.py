"""Join links sealed by older versions (a key stream of HMAC-SHA256 blocks XORed onto the secret, no
integrity) are sealed anew with AES-GCM (core.sealing). A value that does not open is left as it was:
it shows no link, as before."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.db import migrations

from buergerbuero.core import sealing

PURPOSE = "event-join-link"


def _legacy_unseal(sealed: str) -> str:
    nonce, sep, payload = sealed.partition("$")
    if not sep or sealed.startswith(sealing.PREFIX):
        return ""
    try:
        data = bytes.fromhex(payload)
    except ValueError:
        return ""
    key = settings.SECRET_KEY.encode()
    stream = b""
    counter = 0
    while len(stream) < len(data):
        stream += hmac.new(key, f"event-seal:{nonce}:{counter}".encode(), hashlib.sha256).digest()
        counter += 1
    try:
        return bytes(a ^ b for a, b in zip(data, stream, strict=False)).decode("utf-8")
    except UnicodeDecodeError:
        return ""


def reseal(apps, schema_editor) -> None:
    for model, field in (("Registration", "join_link_sealed"), ("Event", "hall_link_sealed")):
        rows = apps.get_model("events", model).objects.exclude(**{field: ""})
        for row in rows.exclude(**{f"{field}__startswith": sealing.PREFIX}).iterator():
            secret = _legacy_unseal(getattr(row, field))
            if secret:
                setattr(row, field, sealing.seal(secret, PURPOSE))
                row.save(update_fields=[field])


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [migrations.RunPython(reseal, migrations.RunPython.noop)]
