"""Publish a signed static folder to several independent hosts with one command (issue 35).

    python manage.py publish_mirror FOLDER --to s3+https://storage.example/bucket/veche \\
        --to git+ssh://git@codeberg.org/someone/pages.git#pages --to rsync+user@host:/var/www/veche

A blocked mirror is replaced by a new one in minutes only if publishing to
it is one command, not an afternoon. Three kinds of host, each of a
different owner and protocol, so that no one takedown reaches them all:

- ``s3://BUCKET/PREFIX`` (Amazon's endpoints) or ``s3+https://HOST/BUCKET/PREFIX``
  (any S3-compatible storage: a static-site bucket); credentials from boto3's
  usual places (``AWS_ACCESS_KEY_ID``… or ``~/.aws``), never in the address,
  which lands in shell histories and host files;
- ``git+URL[#BRANCH]``: a repository served as static pages (Codeberg pages,
  GitHub pages, any git host; branch ``pages`` unless named); each
  publication is one commit on top of the last, pushed in one step;
- ``rsync+DEST``: anything rsync writes to — ``user@host:/var/www/veche`` over
  SSH, ``rsync://host/module/path``, or a local folder (a USB stick).

The folder must be signed (manifest.json and manifest.sig, as
``export_lookup`` leaves it) and match its manifest, or be of a kind that
proves itself another way (a vote's folder, whose board is replayed:
vote/mirror.py registers it): a folder that does not check is refused
before any host is touched, so a half-made or altered copy never goes out.
Every host gets every file; the manifest and its signature (or the board)
go last, so a visitor mid-upload finds the old manifest (their page checks
each file and says the copy is being replaced) rather than a new one naming
files not there yet; files no longer in the folder are removed after. Then
each host is read back and compared, byte for byte by hash. A host that
fails does not stop the others (a blocked host is the expected case): the
command says which failed and exits non-zero.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from core import keys, signing

MANIFEST_LAST = ("manifest.json", "manifest.sig")  # written after every other file, in this order
GIT_BRANCH = "pages"
# Privacy: a commit carries its author's name and e-mail address. The organisers' own git identity (often their
# real name) must never reach a public repository that a state can read, so every commit is this one's.
GIT_AUTHOR = ("Veche mirror", "mirror@veche.invalid")
COMMAND_TIMEOUT = 600  # seconds for one git or rsync command: a host that hangs fails, and the next is tried


class MirrorError(Exception):
    """A folder or a host address that cannot be published: nothing was sent."""


@dataclass(frozen=True)
class Folder:
    """A folder as checked: its files (relative names, sorted, those that vouch for the rest last)."""

    path: Path
    files: tuple[str, ...]
    version: int  # the copy's version: the export's time for the lookup, the board's length for a vote
    signer: str  # the fingerprint of the key that signed the manifest (or the vote's)
    last: tuple[str, ...] = MANIFEST_LAST  # sent after every other file, and always sent
    published: int = 0  # the commit's time (seconds): the export's, or the hour's; never finer than the copy says


# How a folder of another kind proves itself, by a file that marks it (a vote's board.jsonl: its own signatures,
# vote/mirror.py). Apps register at start; the core imports none of them.
CHECKS: dict[str, Callable[[Path], Folder]] = {}


def register(marker: str, check: Callable[[Path], Folder]) -> None:
    CHECKS[marker] = check


def checked_folder(path: Path) -> Folder:
    """The folder checked by its kind: a registered kind's own check, else the organisers' signed manifest."""
    for marker, check in CHECKS.items():
        if (path / marker).is_file() and not (path / "manifest.json").exists():
            return check(path)
    return signed_folder(path)


def plain_files(path: Path, last: tuple[str, ...]) -> tuple[str, ...]:
    """Every file under ``path`` (no hidden one, no link), sorted, those in ``last`` at the end in that order."""
    names = []
    for file in sorted(path.rglob("*")):
        name = file.relative_to(path).as_posix()
        if any(part.startswith(".") for part in file.relative_to(path).parts):
            continue  # an editor's or git's own files are not the copy
        if file.is_symlink():
            raise MirrorError(f"{path}: {name} is a symbolic link: a mirror holds plain files only")
        if file.is_file() and name not in last:
            names.append(name)
    return (*names, *last)


@dataclass(frozen=True)
class Published:
    """What one host holds after a publication, or why it failed."""

    host: str
    sent: int = 0
    removed: int = 0
    unchanged: bool = False
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


class Host(Protocol):
    address: str

    def publish(self, folder: Folder, progress: Callable[[str], None]) -> Published: ...


def signed_folder(path: Path) -> Folder:
    """The folder, checked: its manifest signed by a key of the organisers' chain, every file it names present and
    matching its hash; no symbolic link in it. MirrorError saying what does not hold."""
    try:
        manifest_bytes = (path / "manifest.json").read_bytes()
        signature = (path / "manifest.sig").read_text()
    except OSError as exc:
        raise MirrorError(f"{path}: {exc.strerror}: export the folder and attach its signature first") from None
    try:
        chain = keys.chain()
        if chain is None:
            raise signing.SigningError("no signing root is configured")
        signer = chain.check(manifest_bytes, signing.parse_signature(signature))
        manifest = signing.load_canonical(manifest_bytes)
    except signing.SigningError as exc:
        raise MirrorError(f"{path}: the manifest's signature does not hold: {exc}") from None
    if not isinstance(manifest.get("files"), dict):
        raise MirrorError(f"{path}: the manifest names no files")
    problems = signing.check_folder(path, manifest)
    if problems:
        raise MirrorError(f"{path}: the folder does not match its manifest: " + "; ".join(problems))
    version = manifest.get("version", 0)
    version = version if isinstance(version, int) else 0
    return Folder(
        path=path,
        files=plain_files(path, MANIFEST_LAST),
        version=version,
        published=version,  # the export's time in seconds, already public in the manifest
        signer=signing.fingerprint(signer),
    )


def host(address: str) -> Host:
    """The host an address names, or MirrorError saying how to write one."""
    if address.startswith("s3://") or address.startswith("s3+http://") or address.startswith("s3+https://"):
        return S3Host(address)
    if address.startswith("git+") and len(address) > 4:
        return GitHost(address)
    if address.startswith("rsync+") and len(address) > 6:
        return RsyncHost(address)
    raise MirrorError(
        f"{address!r}: not a host address; write s3://BUCKET/PREFIX, s3+https://HOST/BUCKET/PREFIX, "
        "git+URL[#BRANCH] or rsync+DESTINATION"
    )


def hosts_file(path: Path) -> list[str]:
    """The addresses in a hosts file: one per line; blank lines and lines starting with # are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise MirrorError(f"{path}: {getattr(exc, 'strerror', None) or exc}") from None
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def publish(
    folder: Folder, addresses: list[str], progress: Callable[[str], None] = lambda _line: None
) -> list[Published]:
    """Publish to every host in turn; each host's outcome, failed ones included (a failure stops only its host)."""
    targets = [host(address) for address in addresses]  # every address checked before anything is sent
    if not targets:
        raise MirrorError("no host to publish to: name one with --to, or a file of them with --hosts")
    if len(set(addresses)) != len(addresses):
        raise MirrorError("a host is named twice")
    results = []
    for target in targets:
        try:
            results.append(target.publish(folder, progress))
        except (MirrorError, OSError, subprocess.SubprocessError) as exc:
            results.append(Published(target.address, problem=str(exc) or type(exc).__name__))
    return results


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def content_type(name: str) -> str:
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.endswith(".sig"):
        kind = "application/json"
    return kind + "; charset=utf-8" if kind.startswith("text/") or kind.endswith(("json", "javascript")) else kind


# -- S3 -----------------------------------------------------------------------------------------
class S3Host:
    """An S3 bucket (or any S3-compatible storage) under a prefix."""

    def __init__(self, address: str):
        self.address = address
        parsed = urllib.parse.urlsplit(address)
        if parsed.query or parsed.fragment or parsed.username or parsed.password:
            raise MirrorError(
                f"{address!r}: an S3 address holds no credentials or options; credentials come from "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or ~/.aws"
            )
        if parsed.scheme == "s3":
            self.endpoint = None
            bucket, _, prefix = (parsed.netloc + parsed.path).partition("/")
        else:
            self.endpoint = f"{parsed.scheme.removeprefix('s3+')}://{parsed.netloc}"
            bucket, _, prefix = parsed.path.lstrip("/").partition("/")
        if not bucket or not parsed.netloc:
            raise MirrorError(f"{address!r}: no bucket; write s3://BUCKET/PREFIX or s3+https://HOST/BUCKET/PREFIX")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def client(self) -> Any:
        import boto3  # only here: the server never publishes, and boto3 is a second's import
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            config=Config(connect_timeout=20, read_timeout=60, retries={"max_attempts": 3}),
        )

    def held(self, client: Any) -> dict[str, str]:
        """What the bucket holds under the prefix: name → MD5 (the ETag of an object sent in one piece)."""
        found = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                found[item["Key"][len(self.prefix) :]] = item["ETag"].strip('"')
        return found

    def publish(self, folder: Folder, progress: Callable[[str], None]) -> Published:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self._publish(folder, progress)
        except (BotoCoreError, ClientError) as exc:  # refused, unreachable, no such bucket: this host fails alone
            raise MirrorError(str(exc)) from None

    def _publish(self, folder: Folder, progress: Callable[[str], None]) -> Published:
        client = self.client()
        before = self.held(client)
        sent = 0
        for name in folder.files:
            path = folder.path / name
            if name not in folder.last and before.get(name) == _md5(path):
                continue  # the same bytes are there: a region's file that did not change is not sent again
            # Each file whole in one request (they are a few MB at most), so its ETag is its MD5 to compare.
            client.put_object(
                Bucket=self.bucket,
                Key=self.prefix + name,
                Body=path.read_bytes(),
                ContentType=content_type(name),
                CacheControl="no-cache",  # a browser asks again each time: a new version shows at once
            )
            sent += 1
            progress(f"{self.address}: {sent} sent ({name})")
        stale = sorted(set(before) - set(folder.files))
        for start in range(0, len(stale), 1000):
            client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": self.prefix + n} for n in stale[start : start + 1000]]}
            )
        after = self.held(client)
        wrong = [n for n in folder.files if after.get(n) != _md5(folder.path / n)]
        extra = sorted(set(after) - set(folder.files))
        if wrong or extra:
            raise MirrorError(f"read back, the bucket differs: {', '.join(wrong + extra)[:300]}")
        self.visible(folder)
        return Published(self.address, sent=sent, removed=len(stale))

    def public_url(self, name: str) -> str:
        if self.endpoint is None:
            return f"https://{self.bucket}.s3.amazonaws.com/{self.prefix}{name}"
        return f"{self.endpoint}/{self.bucket}/{self.prefix}{name}"  # path-style, as S3-compatible hosts serve

    def visible(self, folder: Folder) -> None:
        """Read the manifest back as a visitor would, with no credentials: a bucket that is not public holds the
        copy but serves it to no one, and the organisers must hear so now, not from a voter."""
        url = self.public_url("manifest.json")
        try:
            with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 — http(s) by construction
                served = answer.read()
        except urllib.error.HTTPError as exc:
            raise MirrorError(
                f"sent, but visitors cannot read it ({url}: HTTP {exc.code}): let everyone read the bucket's "
                "objects (s3:GetObject for all, or the provider's public switch; docs/deploy.md)"
            ) from None
        except OSError as exc:
            raise MirrorError(f"sent, but {url} could not be read back: {exc}") from None
        if served != (folder.path / "manifest.json").read_bytes():
            raise MirrorError(f"sent, but {url} serves another manifest (a cache in front of the bucket?)")


# -- git ----------------------------------------------------------------------------------------
class GitHost:
    """A branch of a git repository that a pages service serves; one commit per publication."""

    def __init__(self, address: str):
        self.address = address
        url, _, branch = address.removeprefix("git+").partition("#")
        if not url:
            raise MirrorError(f"{address!r}: no repository; write git+URL[#BRANCH]")
        self.url = url
        self.branch = branch or GIT_BRANCH
        if subprocess.run(["git", "check-ref-format", "--branch", self.branch], capture_output=True).returncode:
            raise MirrorError(f"{address!r}: {self.branch!r} is not a branch name")

    def git(self, work: Path, *args: str, env: dict | None = None) -> str:
        done = subprocess.run(
            [
                "git",
                "-c",
                f"user.name={GIT_AUTHOR[0]}",
                "-c",
                f"user.email={GIT_AUTHOR[1]}",
                "-c",
                "commit.gpgsign=false",
                *args,
            ],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})},
        )
        if done.returncode:
            raise MirrorError(f"git {args[0]}: {(done.stderr or done.stdout).strip()[-500:]}")
        return done.stdout.strip()

    def publish(self, folder: Folder, progress: Callable[[str], None]) -> Published:
        with tempfile.TemporaryDirectory(prefix="veche-mirror-") as tmp:
            work = Path(tmp)
            self.git(work, "init", "--quiet")
            heads = self.git(work, "ls-remote", "--heads", self.url, self.branch)
            if heads:
                self.git(work, "fetch", "--quiet", "--depth", "1", self.url, self.branch)
                self.git(work, "checkout", "--quiet", "-B", self.branch, "FETCH_HEAD")
                before = set(self.git(work, "ls-files", "-z").split("\0")) - {""}
                self.git(work, "rm", "-r", "--quiet", "--cached", ".")
                for name in before:
                    (work / name).unlink(missing_ok=True)
            else:
                self.git(work, "checkout", "--quiet", "--orphan", self.branch)
                before = set()
            for name in folder.files:
                (work / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(folder.path / name, work / name)
            self.git(work, "add", "--all", ".")
            if heads and not self.git(work, "status", "--porcelain"):
                return Published(self.address, unchanged=True)
            changed = self.git(work, "diff", "--cached", "--name-only", "-z").split("\0")
            when = f"@{folder.published} +0000"
            sent = len([n for n in changed if n and n in folder.files])
            self.git(
                work,
                "commit",
                "--quiet",
                "-m",
                f"Mirror version {folder.version}, signed by {folder.signer}",
                # The commit's time is the copy's own (the export's, already public in the manifest), or for a
                # board the hour: when an organiser ran the command, to the second, is nobody's business.
                env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when},
            )
            progress(f"{self.address}: pushing {sent} changed file(s)")
            self.git(work, "push", "--quiet", self.url, f"HEAD:refs/heads/{self.branch}")
            ours = self.git(work, "rev-parse", "HEAD")
            theirs = self.git(work, "ls-remote", "--heads", self.url, self.branch).split()[0]
            if ours != theirs:
                raise MirrorError(f"read back, the branch {self.branch} is at {theirs[:12]}, not {ours[:12]}")
            return Published(self.address, sent=sent, removed=len(before - set(folder.files)))


# -- rsync --------------------------------------------------------------------------------------
class RsyncHost:
    """Anything rsync writes to: a server over SSH, an rsync daemon, a local folder."""

    def __init__(self, address: str):
        self.address = address
        self.destination = address.removeprefix("rsync+").rstrip("/") + "/"
        if self.destination.startswith("-"):
            raise MirrorError(f"{address!r}: a destination cannot start with '-'")

    def rsync(self, folder: Folder, *options: str) -> list[str]:
        done = subprocess.run(
            [
                "rsync",
                "--recursive",
                "--times",
                "--checksum",
                "--chmod=D755,F644",  # readable by the web server, whatever the export's own modes
                "--exclude=.*",
                *options,
                f"{folder.path}/",
                self.destination,
            ],
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
        if done.returncode:
            raise MirrorError(f"rsync: {(done.stderr or done.stdout).strip()[-500:]}")
        return [line for line in done.stdout.splitlines() if line.strip()]

    def publish(self, folder: Folder, progress: Callable[[str], None]) -> Published:
        # --delay-updates puts every changed file in place at the end, together; the manifest is among them, so
        # a reader sees the old copy or the new one, barely ever a mix. Stale files go after (--delete-after).
        lines = self.rsync(folder, "--delay-updates", "--delete-after", "--itemize-changes")
        sent = sum(1 for line in lines if line[:2] in (">f", "<f"))
        removed = sum(1 for line in lines if line.startswith("*deleting") and not line.rstrip().endswith("/"))
        progress(f"{self.address}: {sent} sent, {removed} removed")
        left = self.rsync(folder, "--dry-run", "--delete", "--itemize-changes")
        if left:
            raise MirrorError(f"read back, the destination differs: {'; '.join(left)[:300]}")
        return Published(self.address, sent=sent, removed=removed, unchanged=not sent and not removed)


def lines(results: list[Published]) -> Iterator[str]:
    for result in results:
        if not result.ok:
            yield f"FAILED {result.host}: {result.problem}"
        elif result.unchanged:
            yield f"ok {result.host}: already holds this copy"
        else:
            yield f"ok {result.host}: {result.sent} file(s) sent, {result.removed} removed; read back and matching"
