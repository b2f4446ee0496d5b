-- +goose Up
-- A health document shared with a named host (host_consents, chosen by the
-- student on the application page) is a consent to that host (issue 18):
-- one privacy_consents row per person, chain and host, recipient
-- 'host:<institution id>', given when the sharing was. Nothing else is
-- presumed: a health document without a decision is refused from now on.
INSERT INTO privacy_consents (person_id, chain_id, recipient, notice_version, granted_at)
SELECT a.applicant_id, hc.document_chain, 'host:' || CAST(hc.institution_id AS TEXT), 'host-share', MIN(hc.granted_at)
FROM host_consents hc
JOIN applications a ON a.id = hc.application_id
WHERE EXISTS (SELECT 1 FROM documents d WHERE d.chain_id = hc.document_chain
              AND d.type IN ('immunization_record', 'background_check'))
GROUP BY a.applicant_id, hc.document_chain, hc.institution_id;

-- +goose Down
DELETE FROM privacy_consents WHERE recipient LIKE 'host:%';
