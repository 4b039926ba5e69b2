"""Getting a shop's files into the store: readers, mappings, adapters, identity, the pipeline."""
