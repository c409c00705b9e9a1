"""Database layer of akson-intake: engine setup, models, migrations, the municipality
registry and repository functions. Nothing outside this package writes SQL."""
