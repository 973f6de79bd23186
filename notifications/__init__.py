"""Mail to people when something waits for them: an outbox row per message, sent by Celery."""
