-- A death record's review keeps why it was decided: a rejection must say why (the reviewer's
-- reason), a confirmation may carry a note; and when (the reviewer's decision date).
ALTER TABLE death_records ADD COLUMN review_reason TEXT;
ALTER TABLE death_records ADD COLUMN reviewed_on TEXT;
