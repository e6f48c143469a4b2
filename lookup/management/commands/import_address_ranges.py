"""Import precinct boundaries: street, house range and parity → UIK.

    python manage.py import_address_ranges FILE.csv

The CSV has a header with the columns region, street, house_from, house_to,
parity (all, odd or even; empty means all) and uik. The region and the UIK
must already be imported. The file replaces the ranges of the regions it
names, in one transaction: a bad row stops the import with its line number
and nothing changes.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.commands import read_csv
from elections.models import Precinct, Region
from elections.names import region_key
from lookup.addresses import parse
from lookup.find import DATA
from lookup.models import AddressRange

COLUMNS = ["region", "street", "house_from", "house_to", "parity", "uik"]


class Command(BaseCommand):
    help = "Import address ranges (region, street, house_from, house_to, parity, uik) from a CSV file."
    requires_system_checks: list = []  # as elections.importing.Importer: the data only, no URL loading

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        regions = {r.key: r for r in Region.objects.all()}
        seen: set[tuple] = set()
        rows = [self.row(path, line, row, regions, seen) for line, row in read_csv(path, COLUMNS)]
        with transaction.atomic():
            AddressRange.objects.filter(region__in={r.region for r in rows}).delete()
            AddressRange.objects.bulk_create(rows)
        DATA.forget()  # bulk_create sends no signal; this process answers from the new ranges at once
        self.stdout.write(
            f"{path}: {len(rows):,} address ranges imported for {len({r.region_id for r in rows})} region(s)."
        )

    def row(self, path, line, row, regions, seen):
        def fail(column, what):
            raise CommandError(f"{path}, line {line}, column «{column}»: {what}")

        region = regions.get(region_key(row["region"] or ""))
        if region is None:
            fail("region", f"«{row['region']}» is not an imported region")
        street = (row["street"] or "").strip()
        address = parse(street)
        if not address.street:
            fail("street", f"«{street[:60]}» has no street name")
        numbers = {}
        for column in ("house_from", "house_to"):
            value = (row[column] or "").strip()
            if not value.isdigit() or not 0 < int(value) < 10_000:
                fail(column, f"«{value[:20]}» is not a house number")
            numbers[column] = int(value)
        if numbers["house_from"] > numbers["house_to"]:
            fail("house_to", f"{numbers['house_to']} is below house_from {numbers['house_from']}")
        parity = (row["parity"] or "all").strip().lower()
        if parity not in AddressRange.Parity.values:
            fail("parity", f"«{parity[:20]}» is not all, odd or even")
        uik = (row["uik"] or "").strip()
        precinct = Precinct.objects.filter(region=region, code=uik).first() if uik.isdigit() else None
        if precinct is None:
            fail("uik", f"«{uik[:20]}» is not a precinct of {region}")
        key = (region.pk, " ".join(sorted(address.street)), numbers["house_from"], numbers["house_to"], parity)
        if key in seen:
            fail("street", "the same range appears twice")
        seen.add(key)
        return AddressRange(
            region=region,
            street=street,
            street_key=key[1],
            street_kind=address.kind,
            house_from=numbers["house_from"],
            house_to=numbers["house_to"],
            parity=parity,
            precinct=precinct,
        )
