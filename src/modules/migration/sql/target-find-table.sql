-- The kind of relation named $1 (a quoted name): r/p tables can be loaded; NULL when it does not exist.
SELECT c.relkind AS kind FROM pg_class c WHERE c.oid = to_regclass($1)
