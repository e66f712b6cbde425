-- Trustworthy KPI figures (issue 14): the reason given for the latest change of a value
-- (the audit log keeps every earlier one with who, when, before and after), and a change
-- held as a draft until a national admin approves it (JSON: actual, national, note,
-- reason, by, at; NULL when nothing waits).
ALTER TABLE kpi_values ADD COLUMN reason TEXT;
ALTER TABLE kpi_values ADD COLUMN draft TEXT;
