"""From the store to training data: sequences, vocabularies, the tokenizer, splits."""
