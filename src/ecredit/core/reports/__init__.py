"""Credit reports as data: the content hash and what a report PDF carries for offline checks."""
