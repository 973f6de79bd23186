"""On PostgreSQL, the database itself refuses to change or delete an audit row.

Only one change is let through: a person or organization being deleted sets the row's
reference to it to NULL (the row itself, with its detail, stays).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION organizations_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit events cannot be deleted';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id
       OR NEW.action IS DISTINCT FROM OLD.action
       OR NEW.target_type IS DISTINCT FROM OLD.target_type
       OR NEW.target_id IS DISTINCT FROM OLD.target_id
       OR NEW.ip IS DISTINCT FROM OLD.ip
       OR NEW.detail::text IS DISTINCT FROM OLD.detail::text
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR (NEW.actor_id IS DISTINCT FROM OLD.actor_id AND NEW.actor_id IS NOT NULL)
       OR (NEW.organization_id IS DISTINCT FROM OLD.organization_id
           AND NEW.organization_id IS NOT NULL) THEN
        RAISE EXCEPTION 'audit events cannot be changed';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS organizations_auditevent_append_only ON organizations_auditevent;
CREATE TRIGGER organizations_auditevent_append_only
    BEFORE UPDATE OR DELETE ON organizations_auditevent
    FOR EACH ROW EXECUTE FUNCTION organizations_auditevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS organizations_auditevent_append_only ON organizations_auditevent;
DROP FUNCTION IF EXISTS organizations_auditevent_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("organizations", "0003_consortium_groups")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
