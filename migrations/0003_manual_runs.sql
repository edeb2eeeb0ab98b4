-- Manual workflow runs may be dry runs: the graph is walked and templates rendered, nothing is sent.
ALTER TABLE workflow_executions ADD COLUMN dry_run boolean NOT NULL DEFAULT false;
