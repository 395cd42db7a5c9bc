// dlmd — DLM module (being written; see docs/architecture.md).
