from django.core.management.base import BaseCommand, CommandError

from compliance.selectors import VERIFY_BATCH_SIZE, verify_stored_chain


class Command(BaseCommand):
    help = (
        "Re-hash every audit event and check the links between them; exits non-zero naming the first "
        "altered, removed or inserted event."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=VERIFY_BATCH_SIZE, help="Events read per query.")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        report = verify_stored_chain(batch_size=batch_size)
        if not report.intact:
            raise CommandError(f"Audit chain broken after {report.checked} intact events: {report.first_break}")
        self.stdout.write(f"Audit chain intact: {report.checked} events")
