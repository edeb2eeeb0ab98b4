-- API clients (bot modules): an id and a secret exchanged for short-lived tokens (OAuth 2.0 client credentials).

-- The secret is shown once; only its SHA-256 is kept (a 256-bit random secret needs no slow hash: nothing to
-- guess from the digest). Revoking sets revoked_at: the row stays, so tokens already issued can be refused.
CREATE SEQUENCE api_clients_seq;
CREATE TABLE api_clients (
    client_id     uuid PRIMARY KEY,
    seq           bigint NOT NULL DEFAULT nextval('api_clients_seq'),
    community_id  bigint NOT NULL,
    name          text NOT NULL,
    scopes        text[] NOT NULL,
    secret_hash   bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
    created_by    text,
    updated_by    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);
ALTER SEQUENCE api_clients_seq OWNED BY api_clients.seq;
CREATE INDEX api_clients_community_page_idx ON api_clients (community_id, seq);

-- Wrong secrets per client and minute, shared by every process: the token endpoint refuses a client with too
-- many failures in the current minute (429) before it looks at the secret. Old windows are deleted as it goes.
CREATE TABLE client_auth_failures (
    client_id     uuid NOT NULL REFERENCES api_clients (client_id) ON DELETE CASCADE,
    window_start  timestamptz NOT NULL,
    failures      integer NOT NULL,
    PRIMARY KEY (client_id, window_start)
);
