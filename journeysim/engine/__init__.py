"""The simulation engine: the only package that imports SimPy.

Random streams, the customer, the rule objects compiled into touchpoints and segments, the visit
loop, the streaming recorder and the results tables. See ``docs/architecture.md``.
"""
