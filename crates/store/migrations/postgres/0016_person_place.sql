-- Where a person lives within the county: the township (乡镇、街道) and the village or
-- community (村、社区), as the county's register gives them; optional, and used to send the
-- outreach list to the village that does the canvassing.
ALTER TABLE persons ADD COLUMN township TEXT;
ALTER TABLE persons ADD COLUMN village TEXT;
