"""The organisers' offline machine, for tests: their keys in settings.OFFLINE_DIR (veche/test_settings.py)."""

import json

from django.conf import settings

from core import signing
from smartvote.publish import prepare, publish_signed, signing_request


def root_key():
    return signing.read_key(settings.OFFLINE_DIR / "root.key")


def sign_request(request: bytes, key=None) -> dict:
    """What `signing.py sign` writes for a signing request (without asking)."""
    return signing.sign(json.loads(request)["payload"].encode(), key or root_key())


def publish_offline(election, user, key=None, region=None):
    """The whole round: prepare on the server (one region's districts, when given), sign offline, upload the
    signature."""
    draft = prepare(election, user, region)
    return publish_signed(election, sign_request(signing_request(draft), key), user)
