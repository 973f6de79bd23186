from django.apps import AppConfig


class LhsAssessConfig(AppConfig):
    name = "lhs_assess"
    verbose_name = "LHS self-assessment"
