"""Prefect flows that orchestrate the pipeline library. The package sets Prefect's
environment on import (before Prefect itself is imported): private state folder,
no telemetry, quiet logs."""
from flows.settings import configure_prefect

configure_prefect()
