"""The language of the claims register, below the criteria: what a claim and a check are, their
outcomes and the one rule that combines parts (``model``), and the helpers every check kind uses
(``kinds``). The register itself (``dlarena.claims``) reads the data files and runs each check
with its kind's evaluator: the generic kinds are the register's, the others each criterion's own
(``Criterion.claim_kinds``, in ``criteria/<name>/claims.py``)."""
