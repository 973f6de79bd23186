"""Reports of every kind, built by Celery workers: one pipeline (`pipeline.py`) with a small
part per kind (`maturity.py` here; other apps name theirs in REPORT_KINDS), chart functions,
rendering to HTML, PDF and XLSX, the outbox of report requests, and the report pages.
Uses `assessments`, `commitments` and `organizations`; never `consortium`.
"""
