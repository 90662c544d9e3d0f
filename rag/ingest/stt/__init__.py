"""The shapes of speech-to-text JSON, a module a vendor (or a family of shapes), and the helpers
they share: where a value is malformed, where a string lies in the JSON text, times and their
units, speakers, channels, lists of timed items. `rag.ingest.stt_json` is the reader; `shapes`
tells the shapes apart."""
