"""Customer-service assistant: intents, answer retrieval, grounded replies, hand-off."""
