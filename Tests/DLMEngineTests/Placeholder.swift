// Engine tests land with the engine.
