-- Rows know their student (issue 10): the Moodle user a record names in its entity's
-- moodle_user_id_field, NULL when it names none (products, customers, a record without
-- a positive integer there). Snapshots are regrouped from the live rows of one student,
-- so that lookup is indexed; the index is partial (most Books rows have no student) and
-- keeps the upsert's cost low for those rows.
ALTER TABLE tiersync.entities ADD COLUMN moodle_user_id bigint;

-- Rows written before this migration: their owner from the payload, where that is a
-- positive integer (a JSON number or a digit string of at most 18 digits, so the cast
-- cannot overflow).
UPDATE tiersync.entities
   SET moodle_user_id = (payload->>'Moodle_User_ID')::bigint
 WHERE payload->>'Moodle_User_ID' ~ '^[0-9]{1,18}$'
   AND (payload->>'Moodle_User_ID')::bigint > 0;

CREATE INDEX entities_owner_idx ON tiersync.entities (entity_type, moodle_user_id)
    WHERE moodle_user_id IS NOT NULL;
