"""Maintenance duties: run on the elected leader only (services.scheduler.leader)."""
