-- The hub's audit page (and GET /api/v1/audit) filter one community's trail by actor, action or object and read
-- it newest first: without these, a rare actor or an object's few events meant reading the community's whole
-- trail (200,000 events: ~100 ms). One index entry more per audited write, each a small text key.
CREATE INDEX audit_events_community_actor_idx ON audit_events (community_id, actor, seq);
CREATE INDEX audit_events_community_action_idx ON audit_events (community_id, action, seq);
CREATE INDEX audit_events_community_target_idx ON audit_events (community_id, target_id, seq);
