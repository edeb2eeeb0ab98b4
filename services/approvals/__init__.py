"""Approvals: single-use tokens that let a run (or a fix-it) start, or stop it, and the guard against guessing.

    tokens    issue, find and spend tokens (only a SHA-256 is stored); tokens for approval-gated fires
    attempts  wrong tokens per caller (sub + community), counted in PostgreSQL, 429 past the limit
    service   ApprovalService: POST /scheduler/approve/token/generate and POST /scheduler/approve
"""
