"""Search: query understanding, hybrid retrieval, a learned ranker, ads and trends."""
