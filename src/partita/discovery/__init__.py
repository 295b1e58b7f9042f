"""Discovery: text and music in one space, an index, search and similar pieces."""
