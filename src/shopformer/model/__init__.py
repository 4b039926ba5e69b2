"""The networks only: tensors in, tensors out. No files, no store, no HTTP."""
