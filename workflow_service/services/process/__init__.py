"""Advance a case through its BPMN: deployment and forms, steps and the status machine, jobs and timers,
and the shape of what a completed step does (the table itself: services.work.step_effects)."""
