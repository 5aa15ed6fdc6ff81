"""Demo and seed data: the catalogue, directory and demo cases loaded into an empty database."""
