// dlm_tool executable entry point (being written).
