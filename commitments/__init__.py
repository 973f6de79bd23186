"""The rubric: versions of the ten NAM Shared Commitments with their criteria and level
descriptors, loaded from a reviewed file, edited in the admin with every edit kept.
"""
