// dlmd — DLMDaemon module (being written; see docs/architecture.md).
