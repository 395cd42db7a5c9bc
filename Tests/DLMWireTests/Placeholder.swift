// Placeholder while the DLMWire tests are written.
import Testing
