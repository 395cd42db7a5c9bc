// dlmd — DLMClientProtocol module (being written; see docs/architecture.md).
