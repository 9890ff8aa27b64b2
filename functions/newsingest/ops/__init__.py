"""The operator's tools behind `newsingest backfill`, `dlq` and `reconcile`: plain Python over small
reader and sender interfaces, the AWS side in `newsingest.adapters.ops`."""
