"""Data-quality review: flags from the logs' rollups, and a person's decision on each."""
