// dlmd — DLMServer module (being written; see docs/architecture.md).
