"""Demo mode only: two invented votes with the whole ceremony run on this server (a no-op when they exist).

    python manage.py vote_demo

A real vote's trustees and credential authority keep their keys offline (vote/offline.py) and the organisers sign
its manifest offline; here the demo makes those keys itself, which is exactly what a real server must never do,
and every page of these votes says so. The open vote («demo-referendum») has 20 demo voters whose credential
mails are in the demo outbox (12 have voted); the other («demo-primary») is closed and its result decrypted by
three of its five demo trustees. The trustees' shares of the open vote's key are kept in var/secrets/vote-demo.json
so that its tally can be shown decrypted (`vote_demo --decrypt`); a real server refuses to start with that file.
"""

import datetime
import hashlib
import json
import random

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from nacl.signing import SigningKey

from core import signing
from core.secrets import secret, secrets_dir
from vote import ballots, ceremony
from vote.models import Vote
from vote.store import append, cast, close, create, demo_sign_manifest, replay

SHARES = "vote-demo.json"
TRUSTEES = ["Анна (Вильнюс)", "Борис (Тбилиси)", "Вера (Москва)", "Глеб (Берлин)", "Дина (Ереван)"]
VOTES = {
    "demo-referendum": {
        "title": "Демо: референдум о требованиях",
        "description": "Придуманное голосование для демонстрации: поддерживаете ли вы требование свободных выборов?",
        "questions": [
            {
                "question": "Поддерживаете ли вы требование свободных выборов?",
                "answers": ["Да", "Нет"],
                "min": 1,
                "max": 1,
            }
        ],
        "voters": 20,
        "cast": 12,
        "closed": False,
    },
    "demo-primary": {
        "title": "Демо: праймериз в округе 217",
        "description": "Придуманные праймериз: один кандидат от оппозиции на округ.",
        "questions": [
            {
                "question": "Кто будет единым кандидатом?",
                "answers": ["Кандидат А", "Кандидат Б", "Кандидат В"],
                "min": 1,
                "max": 1,
            }
        ],
        "voters": 30,
        "cast": 24,
        "closed": True,
    },
}


def demo_key(name: str) -> SigningKey:
    return SigningKey(hashlib.sha256(f"{secret('vote_demo')}|{name}".encode()).digest())


class Command(BaseCommand):
    help = "Demo mode only: invented votes with their ceremony run on the server."

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError("the demo votes keep their trustees' keys on the server: demo mode only (VECHE_DEMO=1)")
        path = secrets_dir() / SHARES
        shares = json.loads(path.read_text()) if path.exists() else {}
        for slug, spec in VOTES.items():
            existing = Vote.objects.filter(slug=slug).first()
            if (
                existing is not None
                and existing.demo
                and json.loads(existing.manifest).get("format") != ceremony.MANIFEST
            ):
                # A demo vote of an earlier version of the protocol (no registrar, ballots without their chain):
                # invented data this command made, made again rather than left as a page that cannot take a ballot.
                existing.delete()
                existing = None
            if existing is not None:
                continue
            with transaction.atomic():
                shares[slug] = self.make(slug, spec)
            self.stdout.write(f"{slug}: demo vote made ({spec['cast']} of {spec['voters']} voters have voted)")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(shares))

    def make(self, slug: str, spec: dict) -> dict:
        now = timezone.now()
        trustees = [demo_key(f"{slug}|trustee|{i}") for i in range(len(TRUSTEES))]
        authority, registrar = demo_key(f"{slug}|authority"), demo_key(f"{slug}|registrar")
        definition = {
            "slug": slug,
            "title": spec["title"],
            "description": spec["description"],
            "questions": spec["questions"],
            "opens": (now - datetime.timedelta(days=1)).isoformat(),
            "closes": (now + datetime.timedelta(days=30)).isoformat(),
            "threshold": 3,
            "trustees": [{"name": n, "key": signing.public_of(k)} for n, k in zip(TRUSTEES, trustees, strict=True)],
            "credential_authority": signing.public_of(authority),
            "registrar": signing.public_of(registrar),
            "eligibility": "Демо: 30 придуманных избирателей, адреса подтверждены через кампанию обещаний.",
        }
        vote = create(definition)
        demo_sign_manifest(vote)
        manifest = json.loads(vote.manifest)
        for i, key in enumerate(trustees, 1):
            append(vote, "deal", ceremony.make_deal(manifest, i, key))
        state = replay(vote)
        x = {}
        for i, key in enumerate(trustees, 1):
            x[i], document = ceremony.accept(manifest, state.deals, i, key, state.last_deal)
            append(vote, "accept", document)
        credentials = [ballots.new_credential() for _ in range(spec["voters"])]
        public = [ballots.public_credential(manifest["id"], c) for c in credentials]
        checks = {"pledge-email": spec["voters"] - 5, "in-person": 5}
        append(vote, "credentials", ceremony.credential_batch(manifest, 1, public, checks, authority))
        passes = [ballots.new_credential() for _ in range(spec["voters"])]
        listed = [ballots.public_credential(manifest["id"], p, "pass") for p in passes]
        append(vote, "passes", ceremony.pass_batch(manifest, 1, listed, registrar))
        vote.refresh_from_db()
        state = replay(vote)
        if state.key is None:
            raise CommandError(f"{slug}: the demo vote did not open")
        rng = random.Random(slug)
        for credential, voting_pass in list(zip(credentials, passes, strict=True))[: spec["cast"]]:
            picks = [
                [rng.choice([0, 0, 1]) if len(q["answers"]) == 2 else rng.randrange(len(q["answers"]))]
                for q in spec["questions"]
            ]
            ballot, _r = ballots.build(
                state.fingerprint,
                state.key,
                spec["questions"],
                picks,
                ballots.credential_key(manifest["id"], credential),
                ballots.pass_key(manifest["id"], voting_pass),
            )
            cast(vote, ballots.canonical(ballot), None, limited=False)
        if spec["closed"]:
            close(vote, early=True)
            state = replay(vote)
            if state.tally is None:
                raise CommandError(f"{slug}: the demo vote has no tally")
            for i in (1, 3, 4):
                append(vote, "partial", ceremony.make_partial(state.fingerprint, i, x[i], state.tally, trustees[i - 1]))
        else:
            site = settings.DEMO_SITE_URL  # a whole address: the outbox shows it as a link to tap
            for n, (credential, voting_pass) in enumerate(zip(credentials, passes, strict=True), 1):
                # Two mails from two parties (here both from the demo): the credential authority's and the
                # registrar's. A real vote's never pass through the server.
                send_mail(
                    f"Ваш ключ для голосования «{spec['title']}»",
                    f"Демо-избиратель {n}.\n\nВаш ключ: {credential}\n"
                    f"Голосовать: {site}/vote/{slug}/#credential={credential}"
                    "\n\nКлюч знаете только вы: сервер видит лишь его открытую часть. "
                    "Пропуск придёт отдельным письмом.",
                    None,
                    [f"voter{n}@demo.invalid"],
                )
                send_mail(
                    f"Ваш пропуск для голосования «{spec['title']}»",
                    f"Демо-избиратель {n}.\n\nВаш пропуск: {voting_pass}\n"
                    f"Голосовать: {site}/vote/{slug}/#pass={voting_pass}"
                    "\n\nДля голоса нужны оба: ключ из письма организатора ключей и этот пропуск.",
                    None,
                    [f"voter{n}@demo.invalid"],
                )
        return {str(i): ceremony.scalar_hex(v) for i, v in x.items()}
