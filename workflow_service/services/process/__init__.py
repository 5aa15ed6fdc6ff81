"""Advance a case through its BPMN: deployment and forms, steps and the status machine, jobs and timers."""
