"""Built-in detection rules, one module per area; importing a module registers its rules."""
