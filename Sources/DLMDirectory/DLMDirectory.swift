// dlmd — DLMDirectory module (being written; see docs/architecture.md).
