"""Review intelligence: sentiment, aspects, opinion monitoring, suggested replies."""
