"""What an organization writes in a cycle: assessments, answers with evidence, assignments,
the improvement plan, and the scores stored at submission; also the Cycle model the
consortium opens. Uses `commitments` and `organizations`; never `reports` or `consortium`.
"""
