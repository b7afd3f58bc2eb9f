-- Schema 5 -> 6: reserved for the analyzer's loss-handling change (branch
-- analyzer).  This placeholder changes nothing; it exists only so that 007
-- (kernel model) applies on a branch that does not have the real 006 yet.
-- When the real 006 lands, it replaces this file.
SELECT 1;
