"""Near-duplicate detection: the MinHash signature ingest computes (`signature`, needs rensa) and the
comparison the indexer makes from its compact fingerprint (`similarity`, plain Python)."""
