-- albums.version was written on every change and never read (albums have no ETag); updated_at still moves.
ALTER TABLE albums DROP COLUMN version;
