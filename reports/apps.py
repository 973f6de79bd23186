from django.apps import AppConfig
from django.db.backends.signals import connection_created

from .aggregates import register_sqlite_functions


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Teaches each new SQLite connection percentile_cont (PostgreSQL has it built in).
        connection_created.connect(register_sqlite_functions, dispatch_uid="reports.percentile")
