"""Reassignment (改派): a supervisor moves an open task to another organisation of the right type."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support import ApiClient
from workflow_service.extensions import db
from workflow_service.models import Organisation, OrganisationKind, Region, RegionLevel, User
from workflow_service.routing_test_codes import *  # noqa: F403 - placeholder replaced below
