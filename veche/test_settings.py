"""Settings for the test suite: the real ones, with keys held as a real deployment holds them.

The organisers' "offline machine" is a temporary folder outside var/, made
once per test process: their monitor key pair and their signing root key
are made there, and the server (this process) is given only the public
halves (VECHE_MONITOR_PUBLIC_KEY, VECHE_SIGNING_ROOT) and a pepper in its
environment, never on disk. HTTPS is off (the tests' servers listen on
loopback; a test of the HTTPS settings turns it on). Demo mode is off, whatever the shell says; the
tests of demo mode turn it on themselves. The seizure tests search every
file the server wrote for these keys and find none.
"""

import atexit
import base64
import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path

from nacl.public import PrivateKey

from core import signing

OFFLINE_DIR = Path(tempfile.mkdtemp(prefix="veche-offline-"))
atexit.register(shutil.rmtree, OFFLINE_DIR, ignore_errors=True)
_monitor = PrivateKey.generate()
(OFFLINE_DIR / "monitor.key").write_text(base64.b64encode(bytes(_monitor)).decode() + "\n")
_root = signing.new_key()
signing.write_key(OFFLINE_DIR / "root.key", _root)
(OFFLINE_DIR / "keys.json").write_text(json.dumps(signing.Chain(root=signing.public_of(_root)).document()))

os.environ.pop("VECHE_DEMO", None)
os.environ["VECHE_HTTPS"] = "0"  # the test client and the tests' servers speak plain HTTP on loopback
os.environ.pop("VECHE_PEPPER_FILE", None)
os.environ["VECHE_MONITOR_PUBLIC_KEY"] = base64.b64encode(bytes(_monitor.public_key)).decode()
os.environ["VECHE_SIGNING_ROOT"] = signing.public_of(_root)
os.environ["VECHE_PEPPER"] = secrets.token_urlsafe(48)

from veche.settings import *  # noqa: E402, F403
