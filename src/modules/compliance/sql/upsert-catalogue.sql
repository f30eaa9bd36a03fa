-- A scan's finding: new entries are proposed; an existing entry keeps its status (a person's
-- decision) and who added it, and takes the new confidence and evidence.
INSERT INTO pii_catalogue (dataset_id, column_name, json_path, category, confidence, evidence_count, sampled_values, detected_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (dataset_id, column_name, json_path, category) DO UPDATE
   SET confidence = excluded.confidence,
       evidence_count = excluded.evidence_count,
       sampled_values = excluded.sampled_values,
       detected_by = CASE WHEN 'person' = ANY (pii_catalogue.detected_by) THEN pii_catalogue.detected_by
                          ELSE excluded.detected_by END,
       updated_at = now()
RETURNING id, status
