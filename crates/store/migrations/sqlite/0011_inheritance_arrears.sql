-- Months a recipient was owed and never paid before death (left out as uncertified or without a
-- bank account, or a first month not yet paid): their exit subsidy is paid to the heirs with the
-- balance, in an entry of its own (docs/DEATHS.md, "Months owed at death").
ALTER TABLE inheritance_payments ADD COLUMN arrears_months INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inheritance_payments ADD COLUMN arrears_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE inheritance_payments ADD COLUMN arrears_entry_id BIGINT;
