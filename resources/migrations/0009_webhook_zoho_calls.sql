-- Each webhook delivery's Zoho calls (issue 10): those it made (CRM Get Records by id) and
-- those it saved — a CRM update notification that carries the changed values
-- (affected_values) is applied to the stored records without fetching them; saved is the
-- Get Records calls the delivery would have made for those records, exactly.
ALTER TABLE tiersync.webhook_events
    ADD COLUMN zoho_calls       integer NOT NULL DEFAULT 0,
    ADD COLUMN zoho_calls_saved integer NOT NULL DEFAULT 0;
