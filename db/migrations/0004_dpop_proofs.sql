-- DPoP proof identifiers already used (RFC 9449 §11.1), shared by every API instance on this database when
-- Auth__Dpop__ReplayCache=PostgreSql. A row lives until its proof's iat leaves the acceptance window.
CREATE TABLE dpop_proofs (
    id         bytea       PRIMARY KEY, -- SHA-256 of (key thumbprint, jti)
    expires_at timestamptz NOT NULL
);
CREATE INDEX dpop_proofs_expires_at ON dpop_proofs (expires_at);
