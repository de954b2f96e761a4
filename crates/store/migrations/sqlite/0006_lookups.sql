-- A county's decisions (suspensions, resumptions, terminations) without reading its award events.
CREATE INDEX person_events_county_status ON person_events (county, status, person_id);
-- Failed payments waiting for a re-issue, without scanning every line (only failed lines are in it).
CREATE INDEX payroll_lines_failed ON payroll_lines (county, person_id) WHERE status = 'failed';
-- The people of benefit age (awards read them every month).
CREATE INDEX persons_birth_date ON persons (birth_date, county, person_id);
