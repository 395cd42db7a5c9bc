// dlmd executable entry point (being written).
