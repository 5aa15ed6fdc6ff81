"""Domain operations: plain functions over the models and the engine, one transaction each.

One package per domain noun, and two shared modules (``clock``, ``audit``). Imports between them
point one way, lower to higher as tests/test_architecture.py lists them (``SERVICE_LAYERS``):
clock, audit, directory, calendar, process, catalogue, materials, intake, review, notices,
closing, work, read, supervision, seed.
"""
