"""Demo data: a deterministic, realistic network of customers, sites and equipment (``tournevis demo``)."""
