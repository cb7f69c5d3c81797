"""Questions in plain language: a parser over the CRM's own words (vocabulary.py, parse.py) that turns a
question into the typed filter a list query takes (build.py), and the list screen's address for it
(links.py). No model, no network: it works offline, and nothing it makes is SQL or GraphQL text."""
