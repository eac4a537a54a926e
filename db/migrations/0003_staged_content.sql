-- Content versions. An upload stages its chunks under a new content_id, each chunk in its own short statement, and one
-- short transaction swaps the photo to it; a download reads one chunk per statement by content_id. So no transaction,
-- pooled connection or row lock lasts as long as a (possibly slow) transfer, and a reader never mixes two versions.
ALTER TABLE photos ADD COLUMN content_id uuid;
UPDATE photos SET content_id = gen_random_uuid() WHERE content_type IS NOT NULL;

ALTER TABLE photo_chunks ADD COLUMN content_id uuid;
UPDATE photo_chunks c SET content_id = p.content_id FROM photos p WHERE p.id = c.photo_id;
DELETE FROM photo_chunks WHERE content_id IS NULL;
ALTER TABLE photo_chunks
    ALTER COLUMN content_id SET NOT NULL,
    DROP CONSTRAINT photo_chunks_pkey,
    ADD PRIMARY KEY (content_id, seq);
-- Deleting a photo cascades to its chunks through this index.
CREATE INDEX photo_chunks_photo ON photo_chunks (photo_id);

-- Uploads in progress. A row outlives its upload only if the process died mid-upload; the next upload of the same
-- photo sweeps such rows (older than any upload may run) and their staged chunks.
CREATE TABLE content_uploads (
    content_id uuid        PRIMARY KEY,
    photo_id   uuid        NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
    started_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX content_uploads_photo ON content_uploads (photo_id, started_at);
