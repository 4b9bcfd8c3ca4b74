"""The Panel workbench app (``workbench serve``): memory capacity, Lorenz/Rössler, dendrites, runs."""
