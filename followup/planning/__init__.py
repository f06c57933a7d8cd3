"""Planning: which messages each appointment gets and when (`planner`, pure), and keeping the
stored plan in step with appointments, patients and the protocol (`scheduling`)."""
