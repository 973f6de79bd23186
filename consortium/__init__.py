"""The consortium staff's side: cycles, the review queue, the dashboard, its exports, and the
consortium report's numbers.

It reads and changes assessments only through `assessments`, `commitments` and
`organizations`, and asks `reports` to build its report; no lower app imports it.
"""
