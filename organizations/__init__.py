"""Organizations, people, memberships and roles, the audit log, sign-in rules, and
`access.py`: the one module that says who may see and change what.
"""
