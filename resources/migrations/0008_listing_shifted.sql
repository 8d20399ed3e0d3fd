-- A full run proves its listing complete (issue 11 point 2): after the pages, a catch-up
-- lists what changed since the run began, and a listing that shifted while it ran (records
-- inserted or deleted between its pages) is listed again. The run records whether any of
-- its listings shifted, how many records the catch-up brought that the listing had not
-- named, and how many listings it made. Runs before this migration: false, 0, 0.
ALTER TABLE tiersync.sync_runs
    ADD COLUMN listing_shifted boolean NOT NULL DEFAULT false,
    ADD COLUMN caught_up       bigint  NOT NULL DEFAULT 0 CHECK (caught_up >= 0),
    ADD COLUMN listing_passes  integer NOT NULL DEFAULT 0 CHECK (listing_passes >= 0);
