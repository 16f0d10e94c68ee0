"""Tools beside the warehouse, not part of a build: the demo-data generator
(:mod:`samspil.tools.generate`, ``samspil generate``) and the benchmark
(:mod:`samspil.tools.bench`, ``samspil bench``).

Only those two commands of :mod:`samspil.cli` import from here; the product (load,
validate, build, disclosure, publish, export, report) does not.
"""
