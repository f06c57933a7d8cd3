"""Rating scales (PHQ-9, GAD-7) by SMS: reading replies, asking items, scoring, series.

Pure parts: `reading` (what a reply says), `asking` (the next SMS of a conversation),
`scoring` (totals and bands), `series` (baseline, response, remission). `records` keeps
the answers in the database; `fhir` writes them out as FHIR R4 resources, which
`fhir_export` reads for the API and the export command.
"""
