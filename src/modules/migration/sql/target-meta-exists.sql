SELECT to_regclass('jivs_meta.migrations') IS NOT NULL AS present
