"""The domain core: parsers, index client, analysis, fixes and venvs. Never imports pygls or lsprotocol."""
