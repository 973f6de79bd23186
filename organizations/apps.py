from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = "Organizations and people"

    def ready(self) -> None:
        from . import signals

        signals.connect_mfa_signals()
