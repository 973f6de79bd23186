"""Small rubrics for tests, built through the same services the real file goes through."""

from decimal import Decimal

from commitments.models import Rubric
from commitments.rubric_file import CommitmentSpec, CriterionSpec, LevelSpec, RubricSpec
from commitments.services import rubric_load

LEVEL_NAMES = ["Initial", "Developing", "Defined", "Managed", "Optimizing"]


def rubric_spec(
    *, commitments: int = 2, criteria: int = 3, version: str = "2026.1", name: str = "Test rubric"
) -> RubricSpec:
    return RubricSpec(
        name=name,
        version=version,
        description="A rubric for tests.",
        attribution="Names from the NAM.",
        levels=tuple(
            LevelSpec(n, LEVEL_NAMES[n - 1], f"Level {n} in general.") for n in range(1, 6)
        ),
        commitments=tuple(
            CommitmentSpec(
                code=f"c{i}",
                name=f"Commitment {i}",
                definition=f"Definition {i}",
                guidance=f"Guidance {i}",
                criteria=tuple(
                    CriterionSpec(
                        code=f"c{i}-{j}",
                        prompt=f"Practice {i}.{j} is in place.",
                        guidance="What counts.",
                        evidence_hint="Minutes.",
                        weight=Decimal("1.50") if j == 1 else Decimal("1.00"),
                        descriptors={n: f"c{i}-{j} at level {n}" for n in range(1, 6)},
                    )
                    for j in range(1, criteria + 1)
                ),
            )
            for i in range(1, commitments + 1)
        ),
    )


def make_rubric(
    *,
    publish: bool = True,
    commitments: int = 2,
    criteria: int = 3,
    version: str = "2026.1",
    name: str = "Test rubric",
) -> Rubric:
    spec = rubric_spec(commitments=commitments, criteria=criteria, version=version, name=name)
    return rubric_load(spec=spec, publish=publish).rubric
