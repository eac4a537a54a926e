-- Photo content: metadata on the photo, bytes in fixed-size chunks so uploads and downloads stream
-- (a chunk at a time through memory) and a byte range is read without touching the chunks before it.
ALTER TABLE photos
    ADD COLUMN version      bigint NOT NULL DEFAULT 1,
    ADD COLUMN content_type text,
    ADD COLUMN size_bytes   bigint,
    ADD COLUMN sha256       text,
    ADD CONSTRAINT photos_content_complete CHECK (
        (content_type IS NULL AND size_bytes IS NULL AND sha256 IS NULL)
        OR (content_type IS NOT NULL AND size_bytes IS NOT NULL AND sha256 IS NOT NULL)),
    -- Lets album memberships reference (photo, owner) so a membership can never join two users' data.
    ADD CONSTRAINT photos_id_user_key UNIQUE (id, user_id);

CREATE TABLE photo_chunks (
    photo_id uuid    NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    seq      integer NOT NULL,
    bytes    bytea   NOT NULL,
    PRIMARY KEY (photo_id, seq)
);
-- Images are already compressed: store chunks out of line without trying to compress them again.
ALTER TABLE photo_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL;

CREATE TABLE albums (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title       text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description text        CHECK (char_length(description) <= 2000),
    version     bigint      NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT albums_id_user_key UNIQUE (id, user_id)
);
CREATE INDEX albums_user_created_id ON albums (user_id, created_at DESC, id DESC);

CREATE TABLE album_photos (
    album_id uuid        NOT NULL,
    photo_id uuid        NOT NULL,
    user_id  uuid        NOT NULL,
    added_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (album_id, photo_id),
    -- Both sides belong to the same user, enforced by the database as well as by every query.
    FOREIGN KEY (album_id, user_id) REFERENCES albums (id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (photo_id, user_id) REFERENCES photos (id, user_id) ON DELETE CASCADE
);
-- Album pages in the order photos were added; counts and covers come from the same index.
CREATE INDEX album_photos_album_added ON album_photos (album_id, added_at, photo_id);
-- Deleting a photo removes its memberships through this index.
CREATE INDEX album_photos_photo ON album_photos (photo_id, user_id);

-- Chunk size of the stored content (the store's setting when it was written), so ranges stay right if the setting changes.
ALTER TABLE photos ADD COLUMN chunk_size integer;
