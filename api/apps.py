from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "JSON API and personal access tokens"

    def ready(self) -> None:
        # Registers the Bearer scheme with drf-spectacular, so the schema says how to sign in.
        from . import schema  # noqa: F401
