-- Secrets every API instance must share when they are not configured: the page-token HMAC key (Paging__TokenKey) and the
-- DPoP nonce key (Auth__Dpop__NonceKey). The first instance that needs one creates version 1 (concurrent first starts
-- agree: INSERT ... ON CONFLICT DO NOTHING, then SELECT); the rotate-keys command adds the next version. A new version
-- starts signing two refresh intervals after it was added (every instance has read it by then); the one it replaces
-- keeps verifying for SharedKeys__Overlap after that.
CREATE TABLE shared_keys (
    purpose    text        NOT NULL,
    version    integer     NOT NULL,
    secret     bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (purpose, version)
);
