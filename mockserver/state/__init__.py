"""State documents: the JSON format of a whole mock state (its schema is
`fixtures/state.schema.json`), loading one into a `Store` through the store's own seeding
functions, exporting a store back, and the seeded Faker fixture sets (demo, empty, large).

It may import `chatwoot` and `resources`.
"""
